#!/usr/bin/env bash
# Regenerates the committed ONNX import fixtures (zoo/tests/onnx/) with the
# pinned Python packages of tools/onnx/requirements.txt. The tests only read
# the committed files; run this after changing make_fixtures.py. The same
# venv runs compare_onnxruntime.py, which measures onnxruntime's own int8
# quantization of the fixtures (not part of the tests).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
[ -x "$here/.venv/bin/python" ] || "$here/../make-venv.sh" "$here"
"$here/.venv/bin/python" "$here/make_fixtures.py" "$here/../../zoo/tests/onnx"
