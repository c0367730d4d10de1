#!/usr/bin/env bash
# The cost of the authentication step: one deja-sim, one gateway without client keys and one with
# eight client keys (every request then presents one and is checked against all eight digests),
# driven alternately in one run at fixed rates and concurrencies, cache off. Also direct to the
# simulator, for the gateway's own overhead. Usage: Benchmarks/security/auth.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-10}
SIM_PORT=${SIM_PORT:-18201}
OPEN_PORT=${OPEN_PORT:-18202}
KEYED_PORT=${KEYED_PORT:-18203}
OUT=${OUT:-bench-out/auth}
KEY=bench-client-key-0000000000000007
mkdir -p "$OUT"
source Benchmarks/lib.sh
bench_binaries

trap 'kill "${SIM_PID:-}" "${OPEN_PID:-}" "${KEYED_PID:-}" 2>/dev/null || true' EXIT
"$BIN/deja-sim" --port "$SIM_PORT" --tokens 64 >"$OUT/sim.log" 2>&1 &
SIM_PID=$!
bench_gateway_yaml "$OPEN_PORT" "$OUT/open.yaml" "  enabled: false"
tenants="tenants:"
for i in 0 1 2 3 4 5 6 7; do tenants+=$'\n'"  - key: bench-client-key-000000000000000$i"$'\n'"    tenant: t$i"; done
bench_gateway_yaml "$KEYED_PORT" "$OUT/keyed.yaml" "  enabled: false" "$tenants"
"$BIN/deja" serve --config "$OUT/open.yaml" >"$OUT/open.log" 2>&1 &
OPEN_PID=$!
"$BIN/deja" serve --config "$OUT/keyed.yaml" >"$OUT/keyed.log" 2>&1 &
KEYED_PID=$!
for port in "$SIM_PORT" "$OPEN_PORT"; do
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/v1/models" >/dev/null 2>&1 && break; sleep 0.1; done
done
for _ in $(seq 1 100); do curl -sf -H "Authorization: Bearer $KEY" "http://127.0.0.1:$KEYED_PORT/v1/models" >/dev/null 2>&1 && break; sleep 0.1; done

measure() { # name port connections rate seconds key
  local line
  line=$(DEJA_KEY=$6 wrk -t1 -c"$3" -d"$5s" --latency -s Benchmarks/overhead/chat.lua "http://127.0.0.1:$2" -- "$4" "$3" | tail -n 1)
  echo "{\"target\":\"$1\",\"connections\":$3,\"rate\":$4,\"result\":$line}" | tee -a "$OUT/results.jsonl"
}
: >"$OUT/results.jsonl"
for port in "$OPEN_PORT" "$KEYED_PORT" "$SIM_PORT"; do
  DEJA_KEY=$KEY wrk -t1 -c8 -d3s -s Benchmarks/overhead/chat.lua "http://127.0.0.1:$port" >/dev/null
done
# Alternate the two gateways in rounds, in reversed order in the second round, so that drift of
# the machine's speed and order effects hit both alike.
pair() { # connections rate round
  if [ "$3" = 1 ]; then
    measure no-keys "$OPEN_PORT" "$1" "$2" "$DURATION" ""
    measure keys "$KEYED_PORT" "$1" "$2" "$DURATION" "$KEY"
  else
    measure keys "$KEYED_PORT" "$1" "$2" "$DURATION" "$KEY"
    measure no-keys "$OPEN_PORT" "$1" "$2" "$DURATION" ""
  fi
}
for round in 1 2; do
  measure direct "$SIM_PORT" 16 1000 "$DURATION" ""
  pair 16 1000 "$round"
  for c in 1 8; do
    measure direct "$SIM_PORT" "$c" 0 "$DURATION" ""
    pair "$c" 0 "$round"
  done
done
python3 - "$OUT/results.jsonl" <<'PY'
import json, sys, collections
rows = [json.loads(l) for l in open(sys.argv[1])]
groups = collections.defaultdict(list)
for r in rows:
    groups[(r["connections"], r["rate"], r["target"])].append(r["result"])
print("| connections | rate | target | p50 µs (mean of rounds) | p99 µs | req/s | errors |")
print("| --- | --- | --- | ---: | ---: | ---: | ---: |")
for (c, rate, target), results in sorted(groups.items()):
    p50 = sum(x["p50_us"] for x in results) / len(results)
    p99 = sum(x["p99_us"] for x in results) / len(results)
    rps = sum(x["rps"] for x in results) / len(results)
    errors = sum(x["errors"] + x["non2xx"] for x in results)
    print(f"| {c} | {rate or 'max'} | {target} | {p50:.0f} | {p99:.0f} | {rps:.0f} | {errors} |")
PY
