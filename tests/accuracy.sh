#!/usr/bin/env bash
# Issue 6's accuracy test on the first 1,000 Fashion-MNIST test images
# (Debian's dataset-fashion-mnist), for both committed networks, through
# rfx-classify on the Vulkan backend (frame upload and preprocessing
# included): fp32 must give PyTorch's prediction on every image, and int8
# (calibrated on 500 training images, the converter's default method) must
# stay within 1 percentage point of fp32's accuracy. The full 10,000-image
# table is bench/accuracy_table.sh's (README).
# Usage: accuracy.sh BUILD_DIR SOURCE_DIR [COUNT]
set -euo pipefail
build=$1
src=$2
count=${3:-1000}
M=$src/models/fashion
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
py=python3
acc=$src/bench/accuracy.py

"$py" "$acc" --write-calib "$work/calib" --count 500 x x
read -r scale mean std < <("$py" -c 'import json,sys;m=json.load(open(sys.argv[1]));print(m["scale"], ",".join(map(str,m["mean"])), ",".join(map(str,m["std"])))' "$M/meta.json")
fails=0
for net in fashion_cnn fashion_mobile; do
	declare -A a=()
	for p in fp32 int8; do
		args=(--precision "$p")
		[[ $p == int8 ]] && args+=(--calib "$work/calib")
		"$build/tools/convert/rfx-convert" -q "$M/$net.onnx" -o "$work/$net.$p.rfx" \
			--labels "$M/labels.txt" --scale "$scale" --mean "$mean" --std "$std" "${args[@]}"
		r=$("$py" "$acc" "$work/$net.$p.rfx" "$M/pytorch_test_predictions_$net.npy" \
			--count "$count" --classify "$build/tools/classify/rfx-classify")
		echo "$net $p: $r"
		a[$p]=$r
	done
	# fp32: identical predictions to PyTorch; int8: within 1 pp of fp32.
	if ! "$py" - "$net" "${a[fp32]}" "${a[int8]}" <<'PY'
import json, sys
net, f, q = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
ok = True
if f["disagree"] != 0:
    print(f"FAIL {net} fp32: {f['disagree']} of {f['images']} predictions differ from PyTorch's")
    ok = False
else:
    print(f"ok   {net} fp32: all {f['images']} predictions equal PyTorch's "
          f"({100 * f['accuracy']:.1f}%)")
d = 100 * (q["accuracy"] - f["accuracy"])
if abs(d) > 1.0:
    print(f"FAIL {net} int8: {100 * q['accuracy']:.1f}% is {d:+.2f} pp from fp32 (limit 1 pp)")
    ok = False
else:
    print(f"ok   {net} int8: {100 * q['accuracy']:.1f}%, {d:+.2f} pp from fp32")
sys.exit(0 if ok else 1)
PY
	then
		fails=$((fails + 1))
	fi
	unset a
done
exit $((fails > 0))
