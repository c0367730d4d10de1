#!/usr/bin/env bash
# Client-compatibility check: the real client libraries (OpenAI, Anthropic, Google GenAI,
# LangChain, LiteLLM) against a running Deja in demo mode. No provider key and no network beyond
# PyPI (for the first install) are needed: the built-in simulator answers every model.
#
# Usage: scripts/client-check.sh [PYTEST ARGS…]        (or `make clients-check`)
#   e.g.  scripts/client-check.sh clients/test_litellm.py -k stream -x
#
#   DEJA_BIN   the gateway binary                      [.build/debug/deja]
#   VENV       the Python virtual environment          [.venv-ops]
#   PYTHON     the interpreter that creates it         [python3]
#   KEEP_LOGS  1: keep the temporary folder (gateway logs, configs) after the run
#
# Starts two gateways on free loopback ports, each with GOVERNANCE_STORE=memory and its own
# DATA_DIR in a temporary folder:
#   main  — a static client key (tenants:), per-address rate limit off, short retry backoffs;
#           every test but the rate-limit ones uses it
#   rl    — anonymous (loopback), RATE_LIMIT_MAX=2 per RATE_LIMIT_WINDOW_MS=4000, for RateLimitError
# then runs pytest on clients/ and stops both, whatever happens. Exits with pytest's status.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${REPO_ROOT}"

DEJA_BIN="${DEJA_BIN:-.build/debug/deja}"
VENV="${VENV:-${REPO_ROOT}/.venv-ops}"
PYTHON="${PYTHON:-python3}"
REQUIREMENTS="${REPO_ROOT}/clients/requirements.txt"
RL_MAX=2
RL_WINDOW_MS=4000

[[ "${DEJA_BIN}" == /* ]] || DEJA_BIN="${REPO_ROOT}/${DEJA_BIN}"
if [[ ! -x "${DEJA_BIN}" ]]; then
    echo "error: no gateway binary at ${DEJA_BIN} (run 'swift build' or set DEJA_BIN)" >&2
    exit 2
fi

started=$(date +%s)

# --- Python environment ----------------------------------------------------------------------------
if [[ ! -x "${VENV}/bin/python" ]]; then
    echo "creating ${VENV}"
    "${PYTHON}" -m venv "${VENV}" || {
        echo "client-check: '${PYTHON} -m venv' failed; on Debian/Ubuntu install python3-venv" >&2
        exit 2
    }
fi
# Idempotent: about 2 s when everything pinned is already there, and no network then.
"${VENV}/bin/python" -m pip install --quiet --disable-pip-version-check -r "${REQUIREMENTS}"

# The local embedding model (/v1/embeddings with all-MiniLM-L6-v2); idempotent, checksummed.
scripts/install-model.sh >/dev/null

# --- gateways ------------------------------------------------------------------------------------
WORK="$(mktemp -d "${TMPDIR:-/tmp}/deja-client-check.XXXXXX")"
pids=()
cleanup() {
    local status=$?
    for pid in "${pids[@]}"; do
        kill -TERM "${pid}" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        # give each a moment for a graceful stop, then make sure
        for _ in $(seq 1 50); do kill -0 "${pid}" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "${pid}" 2>/dev/null || true
        wait "${pid}" 2>/dev/null || true
    done
    if [[ "${KEEP_LOGS:-0}" == 1 ]]; then
        echo "gateway logs and configs kept in ${WORK}"
    else
        rm -rf "${WORK}"
    fi
    exit "${status}"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

CLIENT_KEY="client-check-$("${VENV}/bin/python" -c 'import secrets; print(secrets.token_hex(16))')"
cat >"${WORK}/main.yaml" <<EOF
# written by scripts/client-check.sh
demo: true
tenants:
  - key: ${CLIENT_KEY}
    tenant: client-check
# clients/test_faults.py injects upstream failures (x-sim-* headers): short backoffs keep it fast,
# and a high threshold keeps those failures from opening a circuit other tests would then meet.
reliability:
  failure_threshold: 1000
  initial_backoff_ms: 10
  max_backoff_ms: 50
EOF
cat >"${WORK}/rl.yaml" <<EOF
# written by scripts/client-check.sh
demo: true
EOF

# start_gateway NAME RATE_LIMIT_MAX: starts one in the background (config WORK/NAME.yaml, log WORK/NAME.log)
start_gateway() {
    local name="$1" rate_max="$2"
    mkdir -p "${WORK}/${name}-data"
    (
        cd "${WORK}"
        # no provider keys, no shared stores: demo mode, self-contained
        exec env -u OPENAI_API_KEY -u ANTHROPIC_API_KEY -u GEMINI_API_KEY -u GROQ_API_KEY \
            -u TOGETHER_API_KEY -u OLLAMA_URL -u REDIS_URL -u DATABASE_URL -u DEFAULT_PROVIDER \
            -u PORT -u ALLOW_UNAUTHENTICATED -u GLOBAL_MONTHLY_USD_BUDGET -u GLOBAL_MONTHLY_TOKEN_BUDGET \
            -u CACHE_TTL_SECONDS -u CACHE_SIMILARITY_THRESHOLD -u CACHE_MAX_ENTRIES \
            HOST=127.0.0.1 LOG_LEVEL=warning \
            GOVERNANCE_STORE=memory DATA_DIR="${WORK}/${name}-data" \
            RATE_LIMIT_MAX="${rate_max}" RATE_LIMIT_WINDOW_MS="${RL_WINDOW_MS}" \
            DEJA_MODEL_DIR="${REPO_ROOT}/.models/all-MiniLM-L6-v2" \
            "${DEJA_BIN}" serve --demo --config "${WORK}/${name}.yaml" --host 127.0.0.1 --port 0
    ) >"${WORK}/${name}.log" 2>&1 &
    pids+=("$!")
}

# wait_gateway NAME PID: the port from the start-up banner, then /health/live; prints the base URL
wait_gateway() {
    local name="$1" pid="$2" url="" i
    for i in $(seq 1 600); do
        if ! kill -0 "${pid}" 2>/dev/null; then
            echo "error: gateway '${name}' exited during start-up:" >&2
            tail -n 40 "${WORK}/${name}.log" >&2
            return 1
        fi
        url="$(grep -m1 -oE 'listening on http://127\.0\.0\.1:[0-9]+' "${WORK}/${name}.log" | sed 's/^listening on //' || true)"
        if [[ -n "${url}" ]] && "${VENV}/bin/python" - "${url}/health/live" <<'PY' 2>/dev/null; then
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=2) as r:
    sys.exit(0 if r.status == 200 else 1)
PY
            echo "${url}"
            return 0
        fi
        sleep 0.1
    done
    echo "error: gateway '${name}' not live after 60 s:" >&2
    tail -n 40 "${WORK}/${name}.log" >&2
    return 1
}

start_gateway main 0
start_gateway rl "${RL_MAX}"
URL_MAIN="$(wait_gateway main "${pids[0]}")"
URL_RL="$(wait_gateway rl "${pids[1]}")"
echo "gateways: main ${URL_MAIN} (client key required), rate-limited ${URL_RL} (${RL_MAX} per ${RL_WINDOW_MS} ms)"

# --- tests -----------------------------------------------------------------------------------------
# Arguments go to pytest; without a test path among them, the whole of clients/ runs.
has_path=0
for arg in "$@"; do
    if [[ "${arg}" != -* && -e "${arg%%::*}" ]]; then has_path=1; fi
done
[[ "${has_path}" == 1 ]] || set -- "$@" clients/
status=0
# .venv-ops/ is shared with other checks (scripts/check-compose.sh, …): load only the pytest plugins
# these tests use, not whatever else installed one there.
PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 \
    DEJA_BASE_URL="${URL_MAIN}" DEJA_API_KEY="${CLIENT_KEY}" DEJA_AUTH_REQUIRED=1 \
    DEJA_RL_BASE_URL="${URL_RL}" DEJA_RL_MAX="${RL_MAX}" \
    "${VENV}/bin/python" -m pytest -c clients/pytest.ini --rootdir clients -p asyncio -p no:cacheprovider "$@" || status=$?

for pid in "${pids[@]}"; do
    if ! kill -0 "${pid}" 2>/dev/null; then
        echo "error: a gateway (pid ${pid}) died during the tests" >&2
        status=1
    fi
done
if [[ "${status}" -ne 0 ]]; then
    for name in main rl; do
        echo "--- last lines of the '${name}' gateway log" >&2
        tail -n 30 "${WORK}/${name}.log" >&2 || true
    done
fi
echo "client-check: $([[ ${status} -eq 0 ]] && echo passed || echo FAILED) in $(($(date +%s) - started)) s"
exit "${status}"
