#!/usr/bin/env bash
# The whole test suite from a fresh clone: install what is missing, build,
# run every test (with the Vulkan validation layer on; any validation
# warning or error fails), then print each Check summary and a final
# "N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh || exit 1
tools/build.sh || exit 1

meson test -C build --print-errorlogs --num-processes 2 "$@"
rc=$?
python3 tools/test_summary.py build/meson-logs/testlog.json
exit $rc
