#!/usr/bin/env bash
# The main job from a fresh clone: install what is missing, build, run.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/build.sh
build/tools/rfx-info
