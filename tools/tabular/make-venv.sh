#!/usr/bin/env bash
# Creates tools/tabular/.venv with the pinned versions that made the committed
# tabular ONNX-ML fixtures. Only needed to regenerate them; the test suite
# reads the committed files. Everything is CPU-only (xgboost-cpu is the
# small XGBoost wheel without the CUDA build).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet -r "$here/requirements.txt"
"$venv/bin/python" -c "import sklearn, xgboost, lightgbm, skl2onnx, onnxmltools, onnx, onnxruntime; print('sklearn', sklearn.__version__, 'xgboost', xgboost.__version__, 'lightgbm', lightgbm.__version__, 'skl2onnx', skl2onnx.__version__, 'onnxmltools', onnxmltools.__version__, 'onnx', onnx.__version__, 'onnxruntime', onnxruntime.__version__)"
