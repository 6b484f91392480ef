#!/usr/bin/env bash
# Installs the Debian packages reflex needs that are missing. Idempotent and
# quiet when everything is present; says what it installs.
#   tools/setup.sh          build, test and demo dependencies
#   tools/setup.sh --dev    also what regenerates models and test data
#                           (python3-torch, python3-torchvision, python3-onnx)
set -euo pipefail

pkgs=(
	meson ninja-build pkg-config gcc libc6-dev
	libvulkan-dev mesa-vulkan-drivers vulkan-validationlayers
	glslang-tools libstb-dev check
	protobuf-c-compiler libprotobuf-c-dev libonnx-dev libonnx-testdata
	python3 valgrind dataset-fashion-mnist
)
if [[ "${1:-}" == "--dev" ]]; then
	pkgs+=(python3-numpy python3-onnx python3-torch python3-torchvision
	       dataset-fashion-mnist clang)
fi

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing+=("$p")
	fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "setup: installing ${missing[*]}" >&2
sudo=()
if [[ $(id -u) -ne 0 ]]; then
	if command -v sudo >/dev/null; then
		sudo=(sudo)
	else
		echo "setup: need root (or sudo) to install: ${missing[*]}" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq >&2
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
echo "setup: done" >&2
