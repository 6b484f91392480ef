#!/bin/sh
# bench/suite.sh: convert the benchmark architectures at each precision, run
# rfx-bench on each, and print one table (model x precision: p50, p99,
# p99.9, max, cold start), ready to paste into bench/README.md.
#
#   bench/suite.sh [OPTIONS] [-- RFX-BENCH-OPTIONS...]
#
#   --build DIR        meson build directory with bench/rfx-bench and
#                      tools/convert/rfx-convert (default: build)
#   --zoo DIR          where the full-size ONNX files are, exported by
#                      models/zoo/export.py when missing (default: BUILD/zoo)
#   --reduced          use the committed reduced architectures in
#                      tests/data/arch/ instead (no export; small enough for
#                      a CPU Vulkan driver)
#   --models "A B"     which architectures (default: all seven)
#   --precisions "P.." fp32 fp16 int8 (default: all three; int8 is skipped
#                      with a note when the converter cannot make it)
#   --calib DIR        int8 calibration images (default: tests/data/calib)
#   --iterations N     measured frames per model (default 100)
#   --warmup N         warm-up runs (default 5)
#   --out DIR          converted models, JSON and text reports
#                      (default: BUILD/bench-suite)
#
# Options after -- go to every rfx-bench run (--deadline-ms, --rt, ...).
# The table's cold start is rfx-bench's "main() to first result": context,
# model load and upload, session creation with an empty pipeline cache, and
# the first run, in one process.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=build
zoo=
reduced=0
models="mobilenet_v2 resnet18 resnet50 squeezenet1_1 shufflenet_v2_x1_0 mobilenet_v3_small efficientnet_b0"
precisions="fp32 fp16 int8"
calib=$root/tests/data/calib
iterations=100
warmup=5
out=

usage() {
	sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--zoo) zoo=$2; shift 2 ;;
	--reduced) reduced=1; shift ;;
	--models) models=$2; shift 2 ;;
	--precisions) precisions=$2; shift 2 ;;
	--calib) calib=$2; shift 2 ;;
	--iterations) iterations=$2; shift 2 ;;
	--warmup) warmup=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	--) shift; break ;;
	*) echo "suite.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
done

case $build in /*) ;; *) build=$root/$build ;; esac
bench=$build/bench/rfx-bench
convert=$build/tools/convert/rfx-convert
[ -x "$bench" ] || { echo "suite.sh: no $bench (meson compile -C $build)" >&2; exit 1; }
[ -x "$convert" ] || { echo "suite.sh: no $convert: the converter is not built" >&2; exit 1; }
if [ $reduced = 1 ]; then
	zoo=$root/tests/data/arch
else
	: "${zoo:=$build/zoo}"
fi
: "${out:=$build/bench-suite}"
mkdir -p "$out" "$zoo"
notes=$out/notes.txt
: > "$notes"

# int8 needs a converter that knows it and calibration images.
int8_ok=1
if ! "$convert" --help 2>&1 | grep -q -- 'int8'; then
	int8_ok=0
	echo "int8: this rfx-convert has no --precision int8" >> "$notes"
elif [ ! -d "$calib" ]; then
	int8_ok=0
	echo "int8: no calibration images ($calib); pass --calib DIR" >> "$notes"
fi

results=$out/results.txt
: > "$results"
for m in $models; do
	onnx=$zoo/$m.onnx
	if [ ! -f "$onnx" ]; then
		if [ $reduced = 1 ]; then
			echo "$m: not in $zoo" >> "$notes"
			continue
		fi
		echo "suite.sh: exporting $m to $zoo" >&2
		if ! /usr/bin/python3 "$root/models/zoo/export.py" "$zoo" --only "$m" >&2; then
			echo "$m: export failed (needs Debian's python3-torch, -torchvision, -onnx)" >> "$notes"
			continue
		fi
	fi
	for p in $precisions; do
		rfx=$out/$m.$p.rfx
		if [ "$p" = int8 ] && [ $int8_ok = 0 ]; then
			echo "$m $p skipped" >> "$results"
			continue
		fi
		extra=
		[ "$p" = int8 ] && extra="--calib $calib"
		if [ ! -f "$rfx" ] || [ "$onnx" -nt "$rfx" ] || [ "$convert" -nt "$rfx" ]; then
			echo "suite.sh: converting $m at $p" >&2
			# shellcheck disable=SC2086 # extra is two words or none
			if ! "$convert" --precision "$p" $extra -q "$onnx" -o "$rfx" \
				2> "$out/$m.$p.convert.txt"; then
				echo "$m $p: conversion failed: $(tail -n 1 "$out/$m.$p.convert.txt")" >> "$notes"
				echo "$m $p failed" >> "$results"
				rm -f "$rfx"
				continue
			fi
		fi
		echo "suite.sh: rfx-bench $m $p" >&2
		if "$bench" "$rfx" -n "$iterations" -w "$warmup" -q \
			--json "$out/$m.$p.json" "$@" > "$out/$m.$p.txt" 2> "$out/$m.$p.err"; then
			echo "$m $p $out/$m.$p.json" >> "$results"
		else
			echo "$m $p: rfx-bench failed: $(tail -n 1 "$out/$m.$p.err")" >> "$notes"
			echo "$m $p failed" >> "$results"
		fi
	done
done

# The table, from the JSON files (standard-library Python only).
python3 - "$results" "$notes" "$*" <<'EOF'
import json, sys
results, notes, extra = sys.argv[1], sys.argv[2], sys.argv[3]
rows, device, host, date = [], None, None, ''
for line in open(results):
    parts = line.split(None, 2)
    if len(parts) < 3:
        continue
    m, p, rest = parts
    if not rest.strip().endswith('.json'):
        rows.append((m, p, None, rest.strip()))
        continue
    d = json.load(open(rest.strip()))
    device = device or d['device']
    host = host or d['host']
    date = date or d['date']
    rows.append((m, p, d, ''))
print('| model | precision | frames | p50 ms | p99 ms | p99.9 ms | max ms | cold start ms |')
print('|---|---|---:|---:|---:|---:|---:|---:|')
for m, p, d, why in rows:
    if d is None:
        print('| %s | %s | %s | | | | | |' % (m, p, why))
        continue
    h = d['steady_state']['host_latency_ns']
    cold = d['cold_start']['main_to_first_result_ns']
    print('| %s | %s | %d | %.3f | %.3f | %.3f | %.3f | %.1f |' % (
        m, p, h['n'], h['p50'] / 1e6, h['p99'] / 1e6, h['p99_9'] / 1e6,
        h['max'] / 1e6, cold / 1e6))
if device:
    print('\ndevice: %s (%s %s); host %s, %s CPUs, load average %s; %s' % (
        device['name'], device['driver_name'], device['driver_info'],
        host['hostname'], host['cpus_online'],
        ' '.join('%.2f' % x for x in host['load_average'] or []), date))
print('host latency: submit to fence, back to back; p99.9 of fewer than 1000 '
      'frames is close to the max')
if extra:
    print('rfx-bench options: ' + extra)
for line in open(notes):
    print('note: ' + line.rstrip())
EOF
