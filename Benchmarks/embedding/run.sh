#!/usr/bin/env bash
# Runs the embedding benchmark and the sentence-transformers baseline back to back.
#
# Usage: Benchmarks/embedding/run.sh [DEJA_BINARY] [MODEL_DIR]
#   DEJA_BINARY defaults to .build/release/deja (build it with `swift build -c release`).
#   The baseline needs a Python with sentence-transformers (set PYTHON, default python3);
#   it is skipped when that import fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
DEJA="${1:-.build/release/deja}"
MODEL_DIR="${2:-${DEJA_MODEL_DIR:-.models/all-MiniLM-L6-v2}}"
PYTHON="${PYTHON:-python3}"

lscpu | grep 'Model name'
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
"${DEJA}" bench embed --model-dir "${MODEL_DIR}"
if "${PYTHON}" -c 'import sentence_transformers' 2>/dev/null; then
    echo "load before baseline: $(cut -d' ' -f1-3 /proc/loadavg)"
    "${PYTHON}" Benchmarks/embedding/st_bench.py "${MODEL_DIR}" 2>/dev/null
    "${PYTHON}" Benchmarks/embedding/compare_st.py "${DEJA}" "${MODEL_DIR}" 2>/dev/null
else
    echo "sentence-transformers not importable with ${PYTHON}: baseline skipped"
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
