#!/usr/bin/env bash
# Configures (once) and builds reflex into build/. Used by test.sh and demo.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -f build/build.ninja ]]; then
	meson setup build --buildtype=debugoptimized >/dev/null
fi
meson compile -C build >/dev/null || meson compile -C build
