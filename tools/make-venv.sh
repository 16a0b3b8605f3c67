#!/usr/bin/env bash
# Creates DIR/.venv with the pinned packages of DIR/requirements.txt: the
# Python that made one folder of committed fixtures (tools/onnx,
# tools/tabular), only needed to regenerate them (the test suite reads the
# committed files), or the Ray of tools/cluster, which .ci/install-tools
# makes for the cluster driver's test. With NAME, DIR/.venv-NAME from
# DIR/requirements-NAME.txt instead (the EZKL comparisons' own pins).
set -euo pipefail
dir="$(cd "${1:?usage: make-venv.sh DIR [NAME]}" && pwd)"
suffix="${2:+-$2}"
python3 -m venv "$dir/.venv$suffix"
"$dir/.venv$suffix/bin/pip" install --quiet --upgrade pip
"$dir/.venv$suffix/bin/pip" install --quiet -r "$dir/requirements$suffix.txt"
"$dir/.venv$suffix/bin/pip" freeze
