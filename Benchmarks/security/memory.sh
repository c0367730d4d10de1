#!/usr/bin/env bash
# Resident memory of the gateway under inputs meant to grow it: 50,000 requests with unique
# X-Idempotency-Key values (each stores a response), then 20 chat requests with 3.5 MB prompts
# (cache on, native model). Prints VmRSS before and after each phase next to the configured
# budgets. Usage: Benchmarks/security/memory.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
SIM_PORT=${SIM_PORT:-18301}
GW_PORT=${GW_PORT:-18302}
OUT=${OUT:-bench-out/memory}
REQUESTS=${REQUESTS:-50000}
IDEMPOTENCY_BUDGET=${IDEMPOTENCY_BUDGET:-16777216}
mkdir -p "$OUT"
source Benchmarks/lib.sh
bench_binaries
bench_start "  enabled: true
  embedder: native
  idempotency_max_bytes: $IDEMPOTENCY_BUDGET"
rss() { awk '/VmRSS/ {print $2}' "/proc/$GW_PID/status"; }
# Warm up: the model, the pools, one of each request.
curl -s "http://127.0.0.1:$GW_PORT/v1/chat/completions" -H 'content-type: application/json' \
  -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"warm up"}]}' >/dev/null
start=$(rss)
echo "rss_kb start $start"
# wrk stops at the duration, so run until REQUESTS have been sent (about 1,000-3,000 per second here).
# RSS is printed after every 5 s of load, so a plateau (bounded) can be told from a climb.
sent=0
while [ "$sent" -lt "$REQUESTS" ]; do
  line=$(wrk -t1 -c16 -d5s -s Benchmarks/security/unique_keys.lua "http://127.0.0.1:$GW_PORT" | tail -n 1)
  n=$(echo "$line" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')
  sent=$((sent + n))
  echo "  after $sent keys: rss_kb $(rss)"
done
after_keys=$(rss)
stats=$(curl -s "http://127.0.0.1:$GW_PORT/api/cache/stats")
echo "rss_kb after $sent unique idempotency keys $after_keys (growth $(( (after_keys - start) / 1024 )) MiB; idempotency budget $((IDEMPOTENCY_BUDGET / 1048576)) MiB)"
echo "$stats" | python3 -c 'import json,sys; s=json.load(sys.stdin); print("idempotency:", json.dumps(s.get("idempotency")))'
# 20 requests with 3.5 MB prompts: long digit-and-word text, each a different prompt.
python3 - "$OUT" <<'PY'
import json, sys, random
random.seed(7)
words = "the of and a to in is you that it he was for on are as with his they at be this have from".split()
for i in range(20):
    text = " ".join(random.choice(words) if j % 7 else str(random.randrange(10**12)) for j in range(600_000))[:3_500_000]
    json.dump({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": f"{i} {text}"}]}, open(f"{sys.argv[1]}/big-{i}.json", "w"))
PY
for round in 1 2; do
  for i in $(seq 0 19); do
    curl -s -o /dev/null -w "%{http_code}/%{time_total}s " "http://127.0.0.1:$GW_PORT/v1/chat/completions" \
      -H 'content-type: application/json' --data-binary @"$OUT/big-$i.json"
  done
  echo
  echo "  after round $round of 20 prompts of 3.5 MB: rss_kb $(rss)"
done
after_big=$(rss)
echo "rss_kb after 20 prompts of 3.5 MB $after_big (growth since the keys $(( (after_big - after_keys) / 1024 )) MiB)"
curl -s "http://127.0.0.1:$GW_PORT/api/cache/stats" | python3 -c 'import json,sys; s=json.load(sys.stdin); print("cache entries", s["entries"], "bytes", s["bytes"], "bypasses", s["bypasses"])'
