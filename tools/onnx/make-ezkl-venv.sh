#!/usr/bin/env bash
# Creates tools/onnx/.venv-ezkl with the pinned packages of
# requirements-ezkl.txt, the venv of compare_ezkl.py (kept apart from .venv:
# EZKL brings its own pins). Only needed to measure EZKL; the test suite
# does not use it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python3 -m venv "$here/.venv-ezkl"
"$here/.venv-ezkl/bin/pip" install --quiet --upgrade pip
"$here/.venv-ezkl/bin/pip" install --quiet -r "$here/requirements-ezkl.txt"
"$here/.venv-ezkl/bin/pip" freeze
