#!/usr/bin/env bash
# Creates tools/onnx/.venv with the pinned versions that made the committed
# ONNX fixtures. Only needed to regenerate them; the test suite reads the
# committed files. torch comes from PyPI with its CUDA libraries (several
# GB; they are loaded but unused: the fixtures train on the CPU).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet -r "$here/requirements.txt"
"$venv/bin/python" -c "import torch, onnx, sklearn; print('torch', torch.__version__, 'onnx', onnx.__version__, 'sklearn', sklearn.__version__)"
