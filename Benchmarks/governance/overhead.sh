#!/usr/bin/env bash
# Governance on vs off, in one run against one deja-sim (release builds): "off" keeps state in
# memory with no limits and no keys; "on" uses the SQLite store, the per-address limit, and an
# issued key with request, token and monthly budget limits (every request authenticates, takes
# three request limits and two token limits, reserves and settles a budget and writes a ledger
# row). Alternates the two at fixed concurrency and at a fixed rate; prints JSON lines and a table.
# Usage: Benchmarks/governance/overhead.sh [SECONDS]   (ON_STORE=memory: the "on" side without SQLite)
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-10}
SIM_PORT=${SIM_PORT:-18201}
OFF_PORT=${OFF_PORT:-18202}
ON_PORT=${ON_PORT:-18203}
OUT=${OUT:-bench-out/governance}
mkdir -p "$OUT"
source Benchmarks/lib.sh
bench_binaries
ADMIN=bench-admin-token-0123456789abcdef
rm -rf "$OUT/data"

trap 'kill "${SIM_PID:-}" "${OFF_PID:-}" "${ON_PID:-}" 2>/dev/null || true' EXIT
"$BIN/deja-sim" --port "$SIM_PORT" --tokens 64 >"$OUT/sim.log" 2>&1 &
SIM_PID=$!
bench_gateway_yaml "$OFF_PORT" "$OUT/off.yaml" "  enabled: false"
bench_gateway_yaml "$ON_PORT" "$OUT/on.yaml" "  enabled: false" "governance:
  store: ${ON_STORE:-sqlite}
  data_dir: $OUT/data
  rate_limit_max: 100000000"
GOVERNANCE_STORE=memory RATE_LIMIT_MAX=0 "$BIN/deja" serve --config "$OUT/off.yaml" >"$OUT/off.log" 2>&1 &
OFF_PID=$!
env -u GOVERNANCE_STORE -u RATE_LIMIT_MAX ADMIN_API_KEY=$ADMIN "$BIN/deja" serve --config "$OUT/on.yaml" >"$OUT/on.log" 2>&1 &
ON_PID=$!
for port in "$SIM_PORT" "$OFF_PORT" "$ON_PORT"; do
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/health/live" && break; sleep 0.1; done
done
KEY=$(curl -s "http://127.0.0.1:$ON_PORT/api/admin/keys" -H "authorization: Bearer $ADMIN" -H 'content-type: application/json' \
  -d '{"tenant":"bench","limits":{"requests_per_window":1000000000,"tokens_per_minute":2000000000,"monthly_usd":1000000,"monthly_tokens":1000000000000}}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
curl -s -X PUT "http://127.0.0.1:$ON_PORT/api/admin/tenants/bench" -H "authorization: Bearer $ADMIN" -H 'content-type: application/json' \
  -d '{"limits":{"requests_per_window":1000000000,"tokens_per_minute":2000000000,"monthly_usd":1000000}}' >/dev/null

measure() { # name port connections rate seconds key
  local line
  line=$(DEJA_KEY=$6 wrk -t1 -c"$3" -d"${5}s" --latency -s Benchmarks/overhead/chat.lua "http://127.0.0.1:$2" -- "$4" "$3" | tail -n 1)
  echo "{\"target\":\"$1\",\"connections\":$3,\"rate\":$4,\"result\":$line}" | tee -a "$OUT/results.jsonl"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
: >"$OUT/results.jsonl"
DEJA_KEY= wrk -t1 -c8 -d3s -s Benchmarks/overhead/chat.lua "http://127.0.0.1:$OFF_PORT" >/dev/null
DEJA_KEY=$KEY wrk -t1 -c8 -d3s -s Benchmarks/overhead/chat.lua "http://127.0.0.1:$ON_PORT" >/dev/null
OFF_CPU0=$(cpu_ticks "$OFF_PID"); ON_CPU0=$(cpu_ticks "$ON_PID")
for round in 1 2; do
  for c in 1 8; do
    measure off "$OFF_PORT" $c 0 "$DURATION" ""
    measure on "$ON_PORT" $c 0 "$DURATION" "$KEY"
  done
  measure off "$OFF_PORT" 16 1000 "$DURATION" ""
  measure on "$ON_PORT" 16 1000 "$DURATION" "$KEY"
done
# CPU per request of each gateway over the measured runs (clock ticks of utime + stime).
OFF_CPU=$(( $(cpu_ticks "$OFF_PID") - OFF_CPU0 )); ON_CPU=$(( $(cpu_ticks "$ON_PID") - ON_CPU0 ))
python3 - "$OUT/results.jsonl" "$OFF_CPU" "$ON_CPU" "$(getconf CLK_TCK)" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
hz = int(sys.argv[4])
for name, ticks in (("off", int(sys.argv[2])), ("on", int(sys.argv[3]))):
    n = sum(r["result"]["requests"] for r in rows if r["target"] == name)
    print(f"gateway CPU per request ({name}): {ticks / hz / n * 1e6:.1f} µs over {n} requests")
PY
# Every "on" request was admitted (no 429) and written to the ledger.
curl -s "http://127.0.0.1:$ON_PORT/api/analytics?group_by=tenant&from=0" -H "authorization: Bearer $ADMIN" |
  python3 -c 'import json,sys; t=json.load(sys.stdin)["totals"]; print("ledger rows:", t["requests"], "errors:", t["errors"])'
python3 Benchmarks/governance/report.py "$OUT/results.jsonl"
