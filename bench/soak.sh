#!/usr/bin/env bash
# The soak of issue 10: converts the sample Fashion-MNIST CNN
# (models/fashion/fashion_cnn.onnx, with its preprocessing metadata) and runs
# rfx-soak on it: 100,000 inferences in one process, RSS and device memory
# at start and end, p50/p99/max of the first and last 10% of the runs,
# deadline misses at 3x the warm-up p50, outputs bit-identical throughout.
# Prints the machine's state around the run and rfx-soak's report; the exit
# status is rfx-soak's (0: every criterion held). Unless timing is off
# (--no-timing), rfx-jitter runs first: 10,000 runs of a 2-thread loop of
# the same length and shape with no GPU, driver or reflex in it, so a
# deadline miss can be told from the machine's own lateness.
#   bench/soak.sh [--build DIR] [--precision fp32|fp16|int8] [RFX-SOAK OPTIONS]
#   e.g. bench/soak.sh -n 20000, bench/soak.sh --backend cpu -n 2000
set -euo pipefail
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
cd "$(dirname "$0")/.."
build=build
precision=fp32
while [[ $# -gt 0 ]]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--precision) precision=$2; shift 2 ;;
	-h|--help) sed -n '2,13s/^# \{0,1\}//p' "$self"; exit 0 ;;
	*) break ;;
	esac
done
convert=$build/tools/convert/rfx-convert
soak=$build/bench/rfx-soak
jitter=$build/bench/rfx-jitter
for exe in "$convert" "$soak"; do
	if [[ ! -x $exe ]]; then
		echo "soak.sh: $exe is missing: build first (tools/build.sh, or" \
			"meson compile -C $build)" >&2
		exit 2
	fi
done

model=models/fashion
out=$build/soak
mkdir -p "$out"
read -r scale mean std < <(python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
print(m["scale"], ",".join(map(str, m["mean"])), ",".join(map(str, m["std"])))
' "$model/meta.json")
calib=()
[[ $precision == int8 ]] && calib=(--calib "$model/frames")
"$convert" -q "$model/fashion_cnn.onnx" -o "$out/fashion_cnn.$precision.rfx" \
	--precision "$precision" "${calib[@]}" --labels "$model/labels.txt" \
	--scale "$scale" --mean "$mean" --std "$std"

echo "soak.sh: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(nproc) CPUs, load$(uptime | sed 's/.*load/load/; s/load average//')"
tree="not a git checkout"
if commit=$(git rev-parse --short HEAD 2>/dev/null); then
	tree=$commit
	git diff --quiet HEAD 2>/dev/null || tree+=" with uncommitted changes"
fi
echo "soak.sh: tree $tree, model fashion_cnn $precision"
timing=1
for arg in "$@"; do [[ $arg == --no-timing ]] && timing=0; done
if [[ $timing == 1 && -x $jitter ]]; then
	echo "soak.sh: the machine alone first (rfx-jitter, no GPU or reflex):"
	"$jitter" -n 10000 -t 2 -s 20 -m 2.2 || true
fi
rc=0
"$soak" "$out/fashion_cnn.$precision.rfx" --json "$out/soak.$precision.json" "$@" || rc=$?
echo "soak.sh: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), load$(uptime | sed 's/.*load/load/; s/load average//'); JSON in $out/soak.$precision.json"
exit $rc
