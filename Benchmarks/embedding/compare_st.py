#!/usr/bin/env python3
"""Cross-checks `deja embed` against sentence-transformers on the benchmark queries.

Usage: python3 Benchmarks/embedding/compare_st.py DEJA_BINARY [MODEL_DIR]
Runs `DEJA_BINARY embed --model-dir MODEL_DIR <200 queries>` and SentenceTransformer.encode on
the same texts, and prints the minimum cosine and maximum absolute component difference.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from st_bench import QUERIES  # noqa: E402


def main():
    binary = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    model_dir = sys.argv[2] if len(sys.argv) > 2 else (
        os.environ.get("DEJA_MODEL_DIR") or os.path.join(here, "..", "..", ".models", "all-MiniLM-L6-v2"))
    model_dir = os.path.abspath(model_dir)
    args = [binary, "embed", "--model-dir", model_dir] + QUERIES
    output = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    ours = [json.loads(line)["embedding"] for line in output.splitlines() if line.strip()]

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import numpy as np
    from sentence_transformers import SentenceTransformer
    reference = SentenceTransformer(model_dir, device="cpu").encode(QUERIES, batch_size=32)
    ours = np.array(ours, dtype=np.float64)
    cosines = (ours * reference).sum(axis=1) / (np.linalg.norm(ours, axis=1) * np.linalg.norm(reference, axis=1))
    print(json.dumps({
        "texts": len(QUERIES),
        "min_cosine": float(cosines.min()),
        "max_abs_diff": float(np.abs(ours - reference).max()),
    }, indent=2))


if __name__ == "__main__":
    main()
