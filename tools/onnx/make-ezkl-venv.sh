#!/usr/bin/env bash
# Creates tools/onnx/.venv-ezkl with the pinned packages of
# requirements-ezkl.txt, the venv of compare_ezkl.py (kept apart from .venv:
# EZKL brings its own pins). Only needed to measure EZKL; the test suite
# does not use it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exec "$here/../make-venv.sh" "$here" ezkl
