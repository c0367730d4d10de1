#!/usr/bin/env bash
# What observability costs per request, in one run against one deja-sim (release builds):
#   before  - an earlier build (OLD_BIN, a folder with `deja`), for reference
#   json    - this build as deployed: metrics, one JSON access line per request (LOG_LEVEL=info),
#             no-op tracer
#   quiet   - this build with LOG_LEVEL=warning (no access lines): the logging share
# Cache off, 64-token answers, stderr to a file (as under a log collector). Alternates the three
# at c=1, c=8 and 1000 req/s (c=16); prints JSON lines, a table and each gateway's CPU per request.
# Usage: OLD_BIN=/path/to/old/release Benchmarks/operations/overhead.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-8}
SIM_PORT=${SIM_PORT:-18301}
OUT=${OUT:-bench-out/operations}
mkdir -p "$OUT"
source Benchmarks/lib.sh
bench_binaries
OLD_BIN=${OLD_BIN:?set OLD_BIN to a folder with an earlier release build of deja}
PORTS=(18302 18303 18304)
NAMES=(before json quiet)

trap 'kill "${SIM_PID:-}" "${PIDS[@]:-}" 2>/dev/null || true' EXIT
"$BIN/deja-sim" --port "$SIM_PORT" --tokens 64 >"$OUT/sim.log" 2>&1 &
SIM_PID=$!
PIDS=()
for i in 0 1 2; do
  bench_gateway_yaml "${PORTS[$i]}" "$OUT/${NAMES[$i]}.yaml" "  enabled: false"
done
GOVERNANCE_STORE=memory RATE_LIMIT_MAX=0 "$OLD_BIN/deja" serve --config "$OUT/before.yaml" >"$OUT/before.log" 2>&1 &
PIDS+=($!)
GOVERNANCE_STORE=memory RATE_LIMIT_MAX=0 LOG_FORMAT=json LOG_LEVEL=info "$BIN/deja" serve --config "$OUT/json.yaml" >"$OUT/json.log" 2>&1 &
PIDS+=($!)
GOVERNANCE_STORE=memory RATE_LIMIT_MAX=0 LOG_FORMAT=json LOG_LEVEL=warning "$BIN/deja" serve --config "$OUT/quiet.yaml" >"$OUT/quiet.log" 2>&1 &
PIDS+=($!)
for port in "$SIM_PORT" "${PORTS[@]}"; do
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/health/live" && break; sleep 0.1; done
done

measure() { # name port connections rate seconds
  local line
  line=$(wrk -t1 -c"$3" -d"${5}s" --latency -s Benchmarks/overhead/chat.lua "http://127.0.0.1:$2" -- "$4" "$3" | tail -n 1)
  echo "{\"target\":\"$1\",\"connections\":$3,\"rate\":$4,\"result\":$line}" | tee -a "$OUT/results.jsonl"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
: >"$OUT/results.jsonl"
for i in 0 1 2; do wrk -t1 -c8 -d3s -s Benchmarks/overhead/chat.lua "http://127.0.0.1:${PORTS[$i]}" >/dev/null; done
CPU0=(); for i in 0 1 2; do CPU0+=("$(cpu_ticks "${PIDS[$i]}")"); done
for round in 1 2; do
  for load in "1 0" "8 0" "16 1000"; do
    set -- $load
    for i in 0 1 2; do measure "${NAMES[$i]}" "${PORTS[$i]}" "$1" "$2" "$DURATION"; done
  done
done
CPU=(); for i in 0 1 2; do CPU+=("$(( $(cpu_ticks "${PIDS[$i]}") - ${CPU0[$i]} ))"); done
echo "access lines written by 'json': $(grep -c '"message":"request"' "$OUT/json.log"), by 'quiet': $(grep -c '"message":"request"' "$OUT/quiet.log" || true)"
python3 - "$OUT/results.jsonl" "$(getconf CLK_TCK)" "${CPU[@]}" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
hz = int(sys.argv[2]); ticks = dict(zip(("before", "json", "quiet"), map(int, sys.argv[3:6])))
loads = {}
for r in rows:
    loads.setdefault((r["connections"], r["rate"]), {}).setdefault(r["target"], []).append(r["result"])
print("| load | build | req/s | p50 µs | p99 µs | p50 vs before | errors |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
for (c, rate), sides in loads.items():
    load = f"{rate} req/s (c={c})" if rate else f"c={c}, closed loop"
    med = {n: {k: statistics.median(x[k] for x in res) for k in ("rps", "p50_us", "p99_us")} for n, res in sides.items()}
    for n in ("before", "json", "quiet"):
        m = med[n]; errs = sum(x["errors"] + x["non2xx"] for x in sides[n])
        delta = "" if n == "before" else f"{m['p50_us'] - med['before']['p50_us']:+.0f}"
        print(f"| {load} | {n} | {m['rps']:.0f} | {m['p50_us']:.0f} | {m['p99_us']:.0f} | {delta} | {errs} |")
for n in ("before", "json", "quiet"):
    count = sum(r["result"]["requests"] for r in rows if r["target"] == n)
    print(f"gateway CPU per request ({n}): {ticks[n] / hz / count * 1e6:.1f} µs over {count} requests")
PY
