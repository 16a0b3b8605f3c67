#!/usr/bin/env bash
# Creates DIR/.venv with the pinned packages of DIR/requirements.txt: the
# Python that made one folder of committed fixtures (tools/onnx,
# tools/tabular), only needed to regenerate them (the test suite reads the
# committed files), or the Ray of tools/cluster, which .ci/install-tools
# makes for the cluster driver's test.
set -euo pipefail
dir="$(cd "${1:?usage: make-venv.sh DIR}" && pwd)"
python3 -m venv "$dir/.venv"
"$dir/.venv/bin/pip" install --quiet --upgrade pip
"$dir/.venv/bin/pip" install --quiet -r "$dir/requirements.txt"
"$dir/.venv/bin/pip" freeze
