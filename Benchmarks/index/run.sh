#!/usr/bin/env bash
# Reproduces Benchmarks/index/RESULTS.md. Run from the package root after `swift build -c release`;
# BENCH is the binary that runs `deja bench index` (default: `deja bench index`).
set -euo pipefail
BENCH=${BENCH:-".build/release/deja bench index"}
OUT=${OUT:-/tmp/deja-index-bench}
mkdir -p "$OUT"
# One BLAS thread, so "1 thread" columns mean one core.
export OPENBLAS_NUM_THREADS=1
for set in "easy 0.6" "hard 2.4"; do
    read -r name noise <<<"$set"
    echo "== $name (noise $noise), load: $(cut -d' ' -f1-3 /proc/loadavg)"
    $BENCH --synthetic 100000 --dim 384 --clusters 1000 --noise "$noise" --queries 1000 --seed 1 \
        --m 16 --ef-construction 200 --build-threads 2 --ef 16,32,64,128,256 --write-fvecs "$OUT/$name"
    echo "-- hnswlib, load: $(cut -d' ' -f1-3 /proc/loadavg)"
    python3 Benchmarks/index/hnswlib_compare.py "$OUT/$name" --m 16 --ef-construction 200 --build-threads 2 --ef 16,32,64,128,256
done
echo "== flat at 10k, load: $(cut -d' ' -f1-3 /proc/loadavg)"
$BENCH --synthetic 10000 --dim 384 --clusters 1000 --noise 0.6 --queries 1000 --seed 1 --indexes flat
