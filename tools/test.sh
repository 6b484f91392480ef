#!/usr/bin/env bash
# The whole test suite from a fresh clone: install what is missing, build,
# run every test (with the Vulkan validation layer on; any validation
# warning or error fails), then the suite again built with AddressSanitizer
# and UndefinedBehaviorSanitizer (build-asan/; tests that time things or run
# valgrind are left out there: suite "nosan"), then print each Check summary
# and a final "N passed, N failed" line over both runs.
#   RFX_TEST_SANITIZE=0 tools/test.sh   skips the sanitizer run
set -uo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh || exit 1
tools/build.sh || exit 1

meson test -C build --print-errorlogs --num-processes 2 "$@"
rc=$?
logs=(build/meson-logs/testlog.json)

if [[ "${RFX_TEST_SANITIZE:-1}" != 0 ]]; then
	if [[ ! -f build-asan/build.ninja ]]; then
		meson setup build-asan --buildtype=debugoptimized \
			-Db_sanitize=address,undefined -Db_lundef=false >/dev/null || exit 1
	fi
	meson compile -C build-asan >/dev/null || meson compile -C build-asan || exit 1
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		meson test -C build-asan --print-errorlogs --num-processes 2 \
		--no-suite nosan "$@"
	src=$?
	[[ $rc -eq 0 ]] && rc=$src
	logs+=(build-asan/meson-logs/testlog.json)
fi
python3 tools/test_summary.py "${logs[@]}"
exit $rc
