#!/bin/sh
# Runs one libFuzzer target (tests/fuzz) for SECONDS, in a clang build with
# AddressSanitizer and UndefinedBehaviorSanitizer (build-fuzz, configured on
# first use). New interesting inputs go to build-fuzz/fuzz-corpus/TARGET
# (the committed seeds in tests/fuzz/corpus/TARGET are read, not written);
# a crash is written to build-fuzz/crash-* — copy it into the committed
# corpus as crash-<what> once fixed, so the suite replays it.
#
#   tools/fuzz.sh rfx|onnx|frame [SECONDS [JOBS]]     (default 60 s, 1 job)
#   tools/fuzz.sh rfx 3600                            an hour
set -eu
target=${1:?usage: tools/fuzz.sh rfx|onnx|frame [SECONDS [JOBS]]}
secs=${2:-60}
jobs=${3:-1}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD:-$root/build-fuzz}

if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" "$root" -Dfuzz=enabled \
		-Db_sanitize=address,undefined -Db_lundef=false -Dwerror=false \
		-Dc_args='-fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined'
fi
ninja -C "$build" "tests/fuzz/fuzz_$target"
mkdir -p "$build/fuzz-corpus/$target"
cd "$build"
# -rss_limit_mb: a valid input may ask for a lot; more than 2 GB is a bug.
# -timeout: one input taking 10 s is a bug (a hang) as well.
# -jobs forks workers that log to fuzz-N.log; one job runs in the foreground.
par=
[ "$jobs" -gt 1 ] && par="-jobs=$jobs -workers=$jobs"
exec "./tests/fuzz/fuzz_$target" -max_total_time="$secs" $par -rss_limit_mb=2048 -timeout=10 -max_len=65536 \
	-print_final_stats=1 \
	"fuzz-corpus/$target" "$root/tests/fuzz/corpus/$target"
