#!/usr/bin/env bash
# The outage run: the primary is hard down (a TCP listener that accepts and never answers, so
# every call to it waits for its timeout), one healthy fallback. After a warm-up that opens the
# primary's circuit, the gateway's latency is compared in one run with a gateway that has only
# the fallback configured (what "calling the fallback directly" costs through Deja), and the
# calls the dead primary received during the measurement are counted from /metrics.
# Usage: DEJA_BIN=<folder with release deja and deja-sim> Benchmarks/reliability/outage.sh [SECONDS] [RATE]
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-15}
RATE=${2:-200}
OUT=${OUT:-bench-out/outage}
SIM_PORT=18601; DEAD_PORT=18602; GW_PORT=18603; DIRECT_PORT=18604
mkdir -p "$OUT"
source Benchmarks/lib.sh
bench_binaries
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
"$BIN/deja-sim" --port "$SIM_PORT" --tokens 64 >"$OUT/sim.log" 2>&1 &
python3 - "$DEAD_PORT" >"$OUT/dead.log" 2>&1 <<'PY' &
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1024)
held = []
while True:
    c, _ = s.accept(); held.append(c)  # accept, read nothing, answer nothing
PY
write_config() { # port file primary_url
  cat >"$2" <<YAML
server:
  port: $1
log_level: error
cache:
  enabled: false
reliability:
  fallbacks:
    gpt-4o-mini: [fb/gpt-4o-mini]
providers:
  fb:
    kind: openai
    base_url: http://127.0.0.1:$SIM_PORT/v1
    model_patterns: ["fb-*"]
YAML
  if [ -n "${3:-}" ]; then cat >>"$2" <<YAML
  dead:
    kind: openai
    base_url: $3
    models: [gpt-4o-mini]
    timeout_ms: 2000
YAML
  else
    sed -i 's/model_patterns: \["fb-\*"\]/models: [gpt-4o-mini]/; /^reliability:/d; /fallbacks:/d; /gpt-4o-mini: \[fb/d' "$2"
  fi
}
write_config "$GW_PORT" "$OUT/gateway.yaml" "http://127.0.0.1:$DEAD_PORT/v1"
write_config "$DIRECT_PORT" "$OUT/direct.yaml"
"$BIN/deja" serve --config "$OUT/gateway.yaml" >"$OUT/gateway.log" 2>&1 &
"$BIN/deja" serve --config "$OUT/direct.yaml" >"$OUT/direct.log" 2>&1 &
for port in $GW_PORT $DIRECT_PORT; do
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health/live" >/dev/null 2>&1 && break; sleep 0.1; done
done
body='{"model":"gpt-4o-mini","messages":[{"role":"user","content":"What is the capital of France?"}],"max_tokens":64}'
dead_calls() {
  curl -sf "http://127.0.0.1:$GW_PORT/metrics" | awk '/^llm_gateway_provider_latency_seconds_count\{provider="dead"\}/ {print $2; found=1} END {if (!found) print 0}'
}
echo "warm-up (the circuit opens):"
for i in 1 2 3; do
  curl -s -o /dev/null -w "  request $i: %{http_code} in %{time_total}s\n" "http://127.0.0.1:$GW_PORT/v1/chat/completions" -H 'content-type: application/json' -d "$body"
done
curl -sf "http://127.0.0.1:$GW_PORT/api/circuit-breakers" | python3 -c 'import json,sys; print("  circuits:", [(c["provider"], c["state"]) for c in json.load(sys.stdin)["circuits"]])'
before=$(dead_calls)
: >"$OUT/results.jsonl"
measure() { # name port
  local line
  line=$(wrk -t1 -c16 -d"${DURATION}s" --latency -s Benchmarks/overhead/chat.lua "http://127.0.0.1:$2" -- "$RATE" 16 | tail -n 1)
  echo "{\"target\":\"$1\",\"result\":$line}" | tee -a "$OUT/results.jsonl"
}
for round in 1 2; do
  if [ "$round" = 1 ]; then measure outage $GW_PORT; measure fallback-only $DIRECT_PORT
  else measure fallback-only $DIRECT_PORT; measure outage $GW_PORT; fi
done
after=$(dead_calls)
echo "calls to the dead primary during the measurement: $((after - before)) (before: $before, after: $after)"
python3 - "$OUT/results.jsonl" <<'PY'
import json, sys, collections
g = collections.defaultdict(list)
for l in open(sys.argv[1]):
    r = json.loads(l); g[r["target"]].append(r["result"])
for t, rs in g.items():
    n = len(rs)
    print(f"{t}: p50 {sum(x['p50_us'] for x in rs)/n:.0f} µs, p99 {sum(x['p99_us'] for x in rs)/n:.0f} µs, non-2xx {sum(x['non2xx'] for x in rs)}, req/s {sum(x['rps'] for x in rs)/n:.0f}")
a = sum(x['p50_us'] for x in g['outage']) / len(g['outage']); b = sum(x['p50_us'] for x in g['fallback-only']) / len(g['fallback-only'])
print(f"p50 outage / fallback-only = {a / b:.3f}")
PY
