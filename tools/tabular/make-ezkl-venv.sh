#!/usr/bin/env bash
# Creates tools/tabular/.venv-ezkl with the pinned packages of
# requirements-ezkl.txt, the venv of compare_ezkl_trees.py (kept apart from
# .venv: EZKL, Hummingbird and torch bring their own pins; torch's PyPI
# wheel with its CUDA libraries makes it about 6 GB). Only needed to measure
# EZKL on the tree fixtures; the test suite does not use it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exec "$here/../make-venv.sh" "$here" ezkl
