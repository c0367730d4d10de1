#!/usr/bin/env bash
# Gateway overhead of two builds in one run: OLD_BIN and NEW_BIN name folders holding release
# builds of `deja` (NEW_BIN also `deja-sim`); one simulator, both gateways without client keys,
# cache off; two rounds, the second in reversed order. Usage:
#   OLD_BIN=… NEW_BIN=… Benchmarks/security/before_after.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-8}
SIM_PORT=18401; OLD_PORT=18402; NEW_PORT=18403
OUT=${OUT:-bench-out/before-after}
mkdir -p "$OUT"
trap 'kill "${SIM_PID:-}" "${OLD_PID:-}" "${NEW_PID:-}" 2>/dev/null || true' EXIT
"$NEW_BIN/deja-sim" --port "$SIM_PORT" --tokens 64 >"$OUT/sim.log" 2>&1 &
SIM_PID=$!
source Benchmarks/lib.sh
bench_gateway_yaml "$OLD_PORT" "$OUT/OLD.yaml" "  enabled: false"
bench_gateway_yaml "$NEW_PORT" "$OUT/NEW.yaml" "  enabled: false"
"$OLD_BIN/deja" serve --config "$OUT/OLD.yaml" >"$OUT/old.log" 2>&1 &
OLD_PID=$!
"$NEW_BIN/deja" serve --config "$OUT/NEW.yaml" >"$OUT/new.log" 2>&1 &
NEW_PID=$!
for port in $SIM_PORT $OLD_PORT $NEW_PORT; do
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/v1/models" >/dev/null 2>&1 && break; sleep 0.1; done
  wrk -t1 -c8 -d3s -s Benchmarks/overhead/chat.lua "http://127.0.0.1:$port" >/dev/null
done
measure() { # name port connections rate
  local line
  line=$(wrk -t1 -c"$3" -d"${DURATION}s" --latency -s Benchmarks/overhead/chat.lua "http://127.0.0.1:$2" -- "$4" "$3" | tail -n 1)
  echo "{\"target\":\"$1\",\"connections\":$3,\"rate\":$4,\"result\":$line}" | tee -a "$OUT/results.jsonl"
}
: >"$OUT/results.jsonl"
for round in 1 2; do
  for load in "16 1000" "1 0" "8 0"; do
    set -- $load
    measure direct $SIM_PORT "$1" "$2"
    if [ "$round" = 1 ]; then measure before $OLD_PORT "$1" "$2"; measure after $NEW_PORT "$1" "$2"
    else measure after $NEW_PORT "$1" "$2"; measure before $OLD_PORT "$1" "$2"; fi
  done
done
python3 - "$OUT/results.jsonl" <<'PY'
import json, sys, collections
g = collections.defaultdict(list)
for l in open(sys.argv[1]):
    r = json.loads(l); g[(r["connections"], r["rate"], r["target"])].append(r["result"])
print("| connections | rate | target | p50 µs (mean of rounds) | p99 µs | req/s |")
print("| --- | --- | --- | ---: | ---: | ---: |")
for (c, rate, t), rs in sorted(g.items()):
    n = len(rs)
    print(f"| {c} | {rate or 'max'} | {t} | {sum(x['p50_us'] for x in rs)/n:.0f} | {sum(x['p99_us'] for x in rs)/n:.0f} | {sum(x['rps'] for x in rs)/n:.0f} |")
PY
