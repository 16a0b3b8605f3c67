#!/usr/bin/env bash
# Regenerates the committed tabular ONNX-ML fixtures (zoo/tests/tabular/)
# with the pinned Python packages of tools/tabular/requirements.txt. The
# tests only read the committed files; run this after changing
# make_fixtures.py.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
[ -x "$here/.venv/bin/python" ] || "$here/../make-venv.sh" "$here"
"$here/.venv/bin/python" "$here/make_fixtures.py" "$here/../../zoo/tests/tabular"
