#!/usr/bin/env bash
# Savings of `auto` on a mixed workload through deja-sim: the same questions sent once with
# `model: auto` and once with `model: quality` (always the strongest model of the catalogue);
# cost from each answer's x-gateway.cost_usd, expected accuracy from the questions' labels.
# Usage (from the package root): Benchmarks/routing/savings.sh [questions]
set -euo pipefail
N=${1:-1000}
SIM_PORT=${SIM_PORT:-18391}
GW_PORT=${GW_PORT:-18392}
OUT=${OUT:-bench-out/routing}
mkdir -p "$OUT"
source Benchmarks/lib.sh
bench_binaries
trap 'kill "${SIM_PID:-}" "${GW_PID:-}" 2>/dev/null || true' EXIT
"$BIN/deja-sim" --port "$SIM_PORT" --tokens 64 >"$OUT/sim.log" 2>&1 &
SIM_PID=$!
cat >"$OUT/gateway.yaml" <<YAML
server:
  port: $GW_PORT
log_level: warning
cache:
  enabled: false
providers:
  openai:
    kind: openai
    base_url: http://127.0.0.1:$SIM_PORT/v1
    api_key: sim
    catalogue: [openai, groq, together]
  anthropic:
    kind: anthropic
    base_url: http://127.0.0.1:$SIM_PORT
    api_key: sim
  gemini:
    kind: gemini
    base_url: http://127.0.0.1:$SIM_PORT
    api_key: sim
YAML
"$BIN/deja" serve --config "$OUT/gateway.yaml" >"$OUT/gateway.log" 2>&1 &
GW_PID=$!
for port in "$SIM_PORT" "$GW_PORT"; do
  for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$port/v1/models" >/dev/null 2>&1 && break; sleep 0.1; done
done
python3 Benchmarks/routing/savings.py --gateway "http://127.0.0.1:$GW_PORT" \
  --labels Tests/Fixtures/routing/routellm-labels-train.jsonl --questions "$N" | tee "$OUT/savings.txt"
