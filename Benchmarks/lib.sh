# Shared by the load scripts: release binaries, and a deja-sim plus a gateway on loopback ports.
# Source it from the package root. Uses SIM_PORT, GW_PORT and OUT; DEJA_BIN names a folder of
# prebuilt release binaries (deja, deja-sim) and skips the build.

# Load scripts measure the request path: governance keeps its state in memory and the per-address
# request limit (100 per minute by default) is off, unless the caller exports otherwise.
export RATE_LIMIT_MAX=${RATE_LIMIT_MAX:-0}
export GOVERNANCE_STORE=${GOVERNANCE_STORE:-memory}

# Sets BIN to the folder holding release builds of deja and deja-sim.
bench_binaries() {
  if [[ -n "${DEJA_BIN:-}" ]]; then
    BIN=$DEJA_BIN
  else
    swift build -c release --product deja >/dev/null
    swift build -c release --product deja-sim >/dev/null
    BIN=$(swift build -c release --show-bin-path)
  fi
}

# Writes a gateway configuration to $2: port $1, the `cache:` section $3 (YAML, indented two
# spaces), every model served by the simulator at $SIM_PORT, and any further top-level YAML in $4.
bench_gateway_yaml() {
  cat >"$2" <<YAML
server:
  port: $1
log_level: warning
cache:
$3
providers:
  sim:
    kind: openai
    base_url: http://127.0.0.1:$SIM_PORT/v1
    model_patterns: ["*"]
${4:-}
YAML
}

# Starts deja-sim (64-token answers) and the gateway with the `cache:` section given as $1 (YAML,
# indented two spaces); both are stopped when the script exits. Waits until both answer.
bench_start() {
  local cache_yaml=$1
  trap 'kill "${SIM_PID:-}" "${GW_PID:-}" 2>/dev/null || true' EXIT
  "$BIN/deja-sim" --port "$SIM_PORT" --tokens 64 >"$OUT/sim.log" 2>&1 &
  SIM_PID=$!
  bench_gateway_yaml "$GW_PORT" "$OUT/gateway.yaml" "$cache_yaml"
  "$BIN/deja" serve --config "$OUT/gateway.yaml" >"$OUT/gateway.log" 2>&1 &
  GW_PID=$!
  local port
  for port in "$SIM_PORT" "$GW_PORT"; do
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/v1/models" >/dev/null 2>&1 && break; sleep 0.1; done
  done
}
