#!/usr/bin/env bash
# Checks the opt-in OTLP build (`swift build --traits OTLP`) end to end:
#
#   1. builds `deja` with the OTLP trait into .build-otlp/ (its own scratch path: the trait changes
#      the dependency graph, and sharing .build/ would rebuild everything twice);
#   2. starts a stand-in OTLP/HTTP receiver (python3's http.server) on a free loopback port that
#      records every POST /v1/traces it gets;
#   3. starts `deja serve --demo` with OTEL_EXPORTER_OTLP_ENDPOINT pointing at it, sends a chat
#      completion, then SIGTERM;
#   4. passes when the gateway exits 0 within the shutdown grace period and the receiver got at
#      least one protobuf export (the batch is flushed on shutdown at the latest).
#
# Not part of CI: a clean build with the trait takes about 14 minutes on the 2-core machine. Run it
# when touching tracing, lifecycle or the swift-otel pin.
#
# Usage: scripts/otlp-check.sh      (or: make otlp-check)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${ROOT}"
SCRATCH="${OTLP_CHECK_SCRATCH:-${ROOT}/.build-otlp}"
MODEL_DIR="${ROOT}/.models/all-MiniLM-L6-v2"
WORK="$(mktemp -d)"
receiver_pid=""; deja_pid=""
cleanup() {
    [[ -n "${deja_pid}" ]] && kill -KILL "${deja_pid}" 2>/dev/null || true
    [[ -n "${receiver_pid}" ]] && kill "${receiver_pid}" 2>/dev/null || true
    rm -rf "${WORK}"
}
trap cleanup EXIT
fail() { printf 'otlp-check: %s\n' "$*" >&2; [[ -f "${WORK}/deja.err" ]] && tail -20 "${WORK}/deja.err" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

printf '==> Building deja with --traits OTLP (%s)\n' "${SCRATCH}"
swift build --traits OTLP --product deja --scratch-path "${SCRATCH}"
BIN="${SCRATCH}/debug/deja"

receiver_port=$(free_port)
cat > "${WORK}/receiver.py" <<'PY'
import http.server, sys
log = open(sys.argv[2], "a", buffering=1)
class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        log.write(f"{self.path} {self.headers.get('Content-Type')} {len(body)}\n")
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
PY
python3 "${WORK}/receiver.py" "${receiver_port}" "${WORK}/exports.log" &
receiver_pid=$!

port=$(free_port)
OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:${receiver_port}" GOVERNANCE_STORE=memory \
    DEJA_MODEL_DIR="${MODEL_DIR}" SHUTDOWN_GRACE_MS=20000 \
    "${BIN}" serve --demo --host 127.0.0.1 --port "${port}" >"${WORK}/deja.out" 2>"${WORK}/deja.err" &
deja_pid=$!
for _ in $(seq 1 150); do
    curl -sf "http://127.0.0.1:${port}/health" >/dev/null && break
    kill -0 "${deja_pid}" 2>/dev/null || fail "the gateway exited at start-up"
    sleep 0.2
done
curl -sf "http://127.0.0.1:${port}/v1/chat/completions" -H 'content-type: application/json' \
    -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"What is OTLP?"}]}' >/dev/null \
    || fail "the chat completion failed"

kill -TERM "${deja_pid}"
started=$(date +%s)
status=0
wait "${deja_pid}" || status=$?
deja_pid=""
elapsed=$(( $(date +%s) - started ))
[[ ${status} -eq 0 ]] || fail "the gateway exited with ${status} after SIGTERM (expected 0)"
grep -q '^/v1/traces application/x-protobuf [1-9]' "${WORK}/exports.log" 2>/dev/null \
    || fail "the receiver got no span export: $(cat "${WORK}/exports.log" 2>/dev/null)"
printf 'otlp-check: passed (SIGTERM → exit 0 in %d s; %d export(s) received)\n' "${elapsed}" "$(wc -l < "${WORK}/exports.log")"
