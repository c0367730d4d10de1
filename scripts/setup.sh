#!/usr/bin/env bash
# Installs what Deja needs on a fresh Debian or Ubuntu machine, and nothing that is already there:
# the system BLAS (OpenBLAS + the reference BLAS), hiredis, SQLite, redis-server and postgresql (integration tests) and wrk
# (load benchmarks). Uses sudo when not run as root. Idempotent: a second run does nothing.
set -euo pipefail

# wordnet-base: WordNet 3.0, the verifier's antonyms, synonyms, derivations and hypernyms.
# prometheus: its promtool checks the /metrics exposition in a test; python3-venv: the client and
# OpenAPI checks install their Python packages into a virtual environment.
packages=(libopenblas-dev libblas-dev libhiredis-dev libsqlite3-dev redis-server postgresql wrk python3 python3-pip python3-venv prometheus wordnet-base ca-certificates)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
    if [ -x /opt/swift/usr/bin/swift ]; then
        echo "setup: swift is at /opt/swift/usr/bin; add it to PATH" >&2
    else
        echo "setup: Swift 6.1 or later is required (https://www.swift.org/install/linux/)" >&2
    fi
    exit 1
fi

# The prometheus package may start its own server where an init system runs; only promtool is used.
# redis-server is started by the tests themselves on a free loopback port; the packaged service
# is not needed.
exit 0
