#!/usr/bin/env bash
# The runtime table of bench/README.md: the six standard architectures at
# 224x224 (models/zoo/export.py, seeded random weights), fp32 and fp16, on
# the default device: session creation with an empty and a warm pipeline
# cache, steady-state latency, and the memory plan (arena bytes against the
# sum of the intermediate tensors it places).
#   bench/runtime_table.sh [BUILD_DIR] [FRAMES]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
frames=${2:-10}
zoo=$build/zoo
models="mobilenet_v2 resnet18 squeezenet1_1 shufflenet_v2_x1_0 mobilenet_v3_small efficientnet_b0"
missing=()
for m in $models; do [[ -f $zoo/$m.onnx ]] || missing+=("$m"); done
if [[ ${#missing[@]} -gt 0 ]]; then
	/usr/bin/python3 models/zoo/export.py --only "${missing[@]}" --threads 1 "$zoo" >&2
fi
echo "| model | precision | session create, empty cache ms | warm cache ms | min ms | p50 ms | p99 ms | arena bytes | sum of tensors bytes | load average |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---|"
for m in $models; do
	for p in fp32 fp16; do
		"$build/tools/convert/rfx-convert" -q "$zoo/$m.onnx" -o "$zoo/$m.$p.rfx" --precision "$p"
		"$build/bench/rfx-bench" "$zoo/$m.$p.rfx" -n "$frames" -w 1 \
			--json "$zoo/$m.$p.json" >/dev/null 2>&1
		python3 - "$m" "$p" "$zoo/$m.$p.json" <<'PY'
import json, sys
m, p, path = sys.argv[1:]
j = json.load(open(path))
cs = j["cold_start"]["session"]
ss = j["steady_state"]["host_latency_ns"]
mem = j["memory"]
ms = lambda ns: "%.1f" % (ns / 1e6) if ns is not None else "-"
load = ", ".join("%.1f" % x for x in j["host"]["load_average"])
print(f"| {m} | {p} | {ms(cs['empty_cache']['create_ns'])} | "
      f"{ms(cs['warm_cache']['create_ns'])} | {ms(ss['min'])} | {ms(ss['p50'])} | "
      f"{ms(ss['p99'])} | {mem['arena_bytes']} | {mem['tensor_bytes']} | {load} |")
PY
	done
done
