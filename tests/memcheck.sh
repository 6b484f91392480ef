#!/usr/bin/env bash
# A short end-to-end inference under valgrind memcheck: convert a small
# model, run it on the Vulkan backend (lavapipe here) with rfx-run, and fail
# on any memory error or any definitely/indirectly lost block. Nothing
# leaks on lavapipe (measured: 0 bytes lost); tests/memcheck.supp holds the
# one false report glibc's loader can give, justified there; a driver that
# leaks would get an entry there too, each justified.
# Usage: memcheck.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$build/tools/convert/rfx-convert" -q "$src/tests/data/convert/mobile_op14.onnx" \
	-o "$work/m.rfx"
for backend in vulkan cpu; do
	valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect --error-exitcode=9 \
		--num-callers=30 --suppressions="$src/tests/memcheck.supp" \
		"$build/tools/rfx-run" "$work/m.rfx" \
		"$src/tests/data/convert/mobile_op14.in.npy" \
		--output-dir "$work/out" --backend "$backend"
	echo "memcheck $backend: no errors, no leaks"
done
