#!/usr/bin/env bash
# Gateway overhead: drives deja-sim directly and through the gateway (release builds) in one run,
# at fixed rates and at fixed concurrency, non-streaming, 64-token answers, cache not involved.
# Prints one JSON line per measurement and a Markdown table. Usage: Benchmarks/overhead/run.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-15}
SIM_PORT=${SIM_PORT:-18101}
GW_PORT=${GW_PORT:-18102}
CONNECTIONS=16
OUT=${OUT:-bench-out/overhead}
mkdir -p "$OUT"

# DEJA_BIN: a folder holding prebuilt release binaries of deja and deja-sim (skips the build).
if [[ -n "${DEJA_BIN:-}" ]]; then
  BIN=$DEJA_BIN
else
  swift build -c release --product deja >/dev/null
  swift build -c release --product deja-sim >/dev/null
  BIN=$(swift build -c release --show-bin-path)
fi

cleanup() { kill "${SIM_PID:-}" "${GW_PID:-}" 2>/dev/null || true; }
trap cleanup EXIT

"$BIN/deja-sim" --port "$SIM_PORT" --tokens 64 >"$OUT/sim.log" 2>&1 &
SIM_PID=$!
cat >"$OUT/gateway.yaml" <<YAML
server:
  port: $GW_PORT
log_level: warning
cache:
  enabled: false
providers:
  sim:
    kind: openai
    base_url: http://127.0.0.1:$SIM_PORT/v1
    model_patterns: ["*"]
YAML
"$BIN/deja" serve --config "$OUT/gateway.yaml" >"$OUT/gateway.log" 2>&1 &
GW_PID=$!
for port in "$SIM_PORT" "$GW_PORT"; do
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/v1/models" >/dev/null 2>&1 && break; sleep 0.1; done
done

measure() { # name url connections rate seconds
  local name=$1 url=$2 c=$3 rate=$4 secs=$5
  local line
  line=$(wrk -t1 -c"$c" -d"${secs}s" --latency -s Benchmarks/overhead/chat.lua "$url" -- "$rate" "$c" | tail -n 1)
  echo "{\"target\":\"$name\",\"connections\":$c,\"rate\":$rate,\"result\":$line}" | tee -a "$OUT/results.jsonl"
}

: >"$OUT/results.jsonl"
# Warm up both paths (connection pools, caches).
wrk -t1 -c8 -d3s -s Benchmarks/overhead/chat.lua "http://127.0.0.1:$SIM_PORT" >/dev/null
wrk -t1 -c8 -d3s -s Benchmarks/overhead/chat.lua "http://127.0.0.1:$GW_PORT" >/dev/null

for rate in 500 1000 2000; do
  measure direct "http://127.0.0.1:$SIM_PORT" $CONNECTIONS $rate "$DURATION"
  measure gateway "http://127.0.0.1:$GW_PORT" $CONNECTIONS $rate "$DURATION"
done
for c in 1 8; do
  measure direct "http://127.0.0.1:$SIM_PORT" $c 0 10
  measure gateway "http://127.0.0.1:$GW_PORT" $c 0 10
done
measure direct "http://127.0.0.1:$SIM_PORT" 64 0 10
measure gateway "http://127.0.0.1:$GW_PORT" 64 0 10

python3 Benchmarks/overhead/report.py "$OUT/results.jsonl"
