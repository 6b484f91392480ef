#!/usr/bin/env bash
# The main job from a fresh clone: install what is missing, build, then
# convert the sample Fashion-MNIST network (int8, calibrated, when this
# rfx-convert has int8; fp32 otherwise) and classify the committed sample
# frames with it on the best Vulkan device, printing the top-5 classes and
# the latency of each frame, and a summary.
#   tools/demo.sh [rfx-classify options]   e.g. --backend cpu, --json
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/build.sh

model=models/fashion
net=fashion_cnn
out=build/demo
convert=build/tools/convert/rfx-convert
classify=build/tools/classify/rfx-classify
mkdir -p "$out"

# The preprocessing the network was trained with, from its metadata.
read -r scale mean std < <(python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
print(m["scale"], ",".join(map(str, m["mean"])), ",".join(map(str, m["std"])))
' "$model/meta.json")

precision=(--precision fp32)
if "$convert" --help | grep -q -- '--calib'; then
	# Calibration images: a set apart from the frames if the model
	# ships one, else the sample frames themselves.
	calib="$model/calib"
	[[ -d "$calib" ]] || calib="$model/frames"
	precision=(--precision int8 --calib "$calib")
	echo "demo: converting $net.onnx to int8, calibrated on $calib/" >&2
else
	echo "demo: this rfx-convert has no int8 yet: converting $net.onnx in fp32" >&2
fi
"$convert" -q "$model/$net.onnx" -o "$out/$net.rfx" "${precision[@]}" \
	--labels "$model/labels.txt" --scale "$scale" --mean "$mean" --std "$std"

echo "demo: classifying $model/frames/ (file names carry the true class)" >&2
"$classify" "$out/$net.rfx" "$model/frames" --top 5 "$@"
