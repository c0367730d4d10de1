#!/usr/bin/env bash
# The chaos run: a primary deja-sim injecting mixed faults into 20 % of requests (429 with
# Retry-After, 500, 503, 529, connection reset, a stream cut after two chunks, a 2 s stall), two
# healthy fallbacks in other wire formats (Anthropic, Gemini), RATE req/s for SECONDS through the
# gateway, half of the requests streamed. Reports client success, upstream calls per client
# request (every simulator's /sim/stats) and latency percentiles.
# Usage: DEJA_BIN=<folder with release deja and deja-sim> Benchmarks/reliability/chaos.sh [SECONDS] [RATE]
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-60}
RATE=${2:-500}
CONNECTIONS=${CONNECTIONS:-256}
OUT=${OUT:-bench-out/chaos}
PRIMARY_PORT=18501; FB1_PORT=18502; FB2_PORT=18503; GW_PORT=18504
mkdir -p "$OUT"
source Benchmarks/lib.sh
bench_binaries
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
"$BIN/deja-sim" --port "$PRIMARY_PORT" --tokens 32 --chaos-rate "${CHAOS_RATE:-0.2}" --seed 7 >"$OUT/primary.log" 2>&1 &
"$BIN/deja-sim" --port "$FB1_PORT" --tokens 32 >"$OUT/fb1.log" 2>&1 &
"$BIN/deja-sim" --port "$FB2_PORT" --tokens 32 >"$OUT/fb2.log" 2>&1 &
cat >"$OUT/gateway.yaml" <<YAML
server:
  port: $GW_PORT
log_level: error
cache:
  enabled: false
reliability:
  fallbacks:
    gpt-4o-mini: [fb1/claude-3-5-haiku-latest, fb2/gemini-2.0-flash]
${RELIABILITY_EXTRA:-}
providers:
  primary:
    kind: openai
    base_url: http://127.0.0.1:$PRIMARY_PORT/v1
    models: [gpt-4o-mini]
  fb1:
    kind: anthropic
    base_url: http://127.0.0.1:$FB1_PORT
    models: [claude-3-5-haiku-latest]
  fb2:
    kind: gemini
    base_url: http://127.0.0.1:$FB2_PORT
    models: [gemini-2.0-flash]
YAML
"$BIN/deja" serve --config "$OUT/gateway.yaml" >"$OUT/gateway.log" 2>&1 &
for port in $PRIMARY_PORT $FB1_PORT $FB2_PORT $GW_PORT; do
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health/live" >/dev/null 2>&1 || curl -sf "http://127.0.0.1:$port/sim/stats" >/dev/null 2>&1 && break; sleep 0.1; done
done
for port in $PRIMARY_PORT $FB1_PORT $FB2_PORT; do curl -sf -X POST "http://127.0.0.1:$port/sim/reset" >/dev/null || true; done
result=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s --latency -s Benchmarks/reliability/chaos.lua "http://127.0.0.1:$GW_PORT" -- "$RATE" "$CONNECTIONS" | tail -n 1)
upstream=0
for port in $PRIMARY_PORT $FB1_PORT $FB2_PORT; do
  n=$(curl -sf "http://127.0.0.1:$port/sim/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total_requests"])')
  echo "sim :$port requests $n"
  upstream=$((upstream + n))
done
curl -sf "http://127.0.0.1:$GW_PORT/api/circuit-breakers" >"$OUT/breakers.json" || true
python3 - "$result" "$upstream" <<'PY'
import json, sys
r = json.loads(sys.argv[1]); upstream = int(sys.argv[2])
ok = r["requests"] - r["non2xx"] - r["errors"]
print(json.dumps({**r, "success_rate": round(ok / max(1, r["requests"]), 5), "upstream_calls": upstream,
                  "upstream_per_request": round(upstream / max(1, r["requests"]), 3)}))
PY
echo "circuits: $(cat "$OUT/breakers.json")"
