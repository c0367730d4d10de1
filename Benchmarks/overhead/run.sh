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

source Benchmarks/lib.sh
bench_binaries
bench_start "  enabled: false"

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
