#!/usr/bin/env bash
# The Fashion-MNIST accuracy table of the README: both networks through
# reflex (Vulkan, default device) on the 10,000 test images at fp32, fp16
# and int8 with each calibration method (500 training images).
#   bench/accuracy_table.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
M=models/fashion
out=$build/accuracy
mkdir -p "$out"
[[ -d $out/calib ]] || python3 bench/accuracy.py --write-calib "$out/calib" --count 500 x x
read -r scale mean std < <(python3 -c 'import json,sys;m=json.load(open(sys.argv[1]));print(m["scale"], ",".join(map(str,m["mean"])), ",".join(map(str,m["std"])))' $M/meta.json)
for net in fashion_cnn fashion_mobile; do
	for cfg in fp32 fp16 int8:minmax int8:percentile int8:entropy; do
		p=${cfg%%:*}
		args=(--precision "$p")
		[[ $p == int8 ]] && args+=(--calib "$out/calib" --calib-method "${cfg#*:}")
		"$build/tools/convert/rfx-convert" -q "$M/$net.onnx" -o "$out/$net.$p.rfx" \
			--labels $M/labels.txt --scale "$scale" --mean "$mean" --std "$std" "${args[@]}"
		r=$(python3 bench/accuracy.py "$out/$net.$p.rfx" "$M/pytorch_test_predictions_$net.npy" \
			--classify "$build/tools/classify/rfx-classify")
		python3 -c 'import json,sys;r=json.loads(sys.argv[3]);print("| %s | %s | %.2f%% | %.2f%% | %d |" % (sys.argv[1], sys.argv[2], 100*r["accuracy"], 100*r["pytorch_accuracy"], r["disagree"]))' "$net" "$cfg" "$r"
	done
done
