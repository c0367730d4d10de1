#!/usr/bin/env bash
# Cache latency end to end (release build): a miss served by deja-sim with 0 ms latency, an exact
# hit and a semantic hit, at concurrency 1 and 8; then the lookup cost as one namespace grows, and
# the hit/false-hit trade-off on the labelled pairs. Usage: Benchmarks/cache/run.sh [SECONDS]
# ENCODER_PRECISION (fp32, bf16, int8, auto; default auto) sets cache.encoder_precision;
# LOAD_ONLY=1 stops after the load runs (no growth or pairs measurements).
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-10}
SIM_PORT=${SIM_PORT:-18301}
GW_PORT=${GW_PORT:-18302}
OUT=${OUT:-bench-out/cache}
mkdir -p "$OUT"
source Benchmarks/lib.sh
bench_binaries
bench_start "  enabled: true
  max_entries: 1000000
  blas_threads: ${BLAS_THREADS:-1}
  encoder_precision: ${ENCODER_PRECISION:-auto}"
# Store the question the hit runs ask for.
curl -s "http://127.0.0.1:$GW_PORT/v1/chat/completions" -H 'content-type: application/json' \
  -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Can you explain what a memory leak is?"}]}' >/dev/null

: >"$OUT/results.jsonl"
for c in 1 8; do
  for kind in miss exact semantic; do
    line=$(wrk -t1 -c"$c" -d"${DURATION}s" -s "Benchmarks/cache/$kind.lua" "http://127.0.0.1:$GW_PORT" | tail -n 1)
    echo "{\"kind\":\"$kind\",\"connections\":$c,\"result\":$line}" | tee -a "$OUT/results.jsonl"
  done
  line=$(wrk -t1 -c"$c" -d"${DURATION}s" -s Benchmarks/cache/miss.lua "http://127.0.0.1:$SIM_PORT" | tail -n 1)
  echo "{\"kind\":\"direct-to-sim\",\"connections\":$c,\"result\":$line}" | tee -a "$OUT/results.jsonl"
done
curl -s "http://127.0.0.1:$GW_PORT/api/cache/stats" >"$OUT/stats.json"
kill "$GW_PID" "$SIM_PID"
[[ "${LOAD_ONLY:-0}" == 1 ]] && exit 0

"$BIN/deja" bench cache-scale --sizes 1000,10000,100000 --lookups 2000 | tee "$OUT/scale.md"
for set in Tests/Fixtures/cache-pairs-public.jsonl Tests/Fixtures/cache-pairs-dev.jsonl; do
  "$BIN/deja" bench cache --pairs "$set" --no-verifier --thresholds 0.85,0.90,0.95 | tee -a "$OUT/pairs.md"
  "$BIN/deja" bench cache --pairs "$set" --thresholds 0.85,0.90,0.95 | tee -a "$OUT/pairs.md"
done
