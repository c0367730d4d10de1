#!/usr/bin/env python3
"""sentence-transformers baseline for `deja bench embed`.

Measures the same things on the same 200 queries as the Swift benchmark: batch-1 latency
(p50/p99 over RUNS single-query `encode` calls after warm-up) and batch-32 sentences/s, with
1 and 2 torch threads, plus peak RSS. Prints one JSON object.

Usage: python3 Benchmarks/embedding/st_bench.py [MODEL_DIR] [--runs 200] [--batch 32] [--rounds 20]
Needs `pip install sentence-transformers` (pulls torch from PyPI).
"""
import argparse
import json
import os
import resource
import statistics
import time

SUBJECTS = [
    "machine learning", "data analysis", "home gardening", "public speaking", "personal finance",
    "web development", "digital photography", "project management", "creative writing", "mobile apps",
    "cloud computing", "graphic design", "french cooking", "time management", "network security",
    "music production", "video editing", "marathon training", "language learning", "index investing",
]
TEMPLATES = [
    "How do I get started with %@ if I have no experience?",
    "What are the most common mistakes people make with %@ today?",
    "Can you explain %@ to me in simple terms, please?",
    "Why is %@ so important for small businesses these days?",
    "Which books would you recommend for someone learning %@ this year?",
    "What is the difference between %@ and similar approaches in practice?",
    "How much time does it take to become good at %@?",
    "Give me three practical tips for improving my %@ skills quickly.",
    "What tools do professionals use for %@ in large companies?",
    "Is it worth paying for a course on %@ or not?",
]
QUERIES = [t.replace("%@", s) for t in TEMPLATES for s in SUBJECTS]


def percentile(sorted_values, fraction):
    import math
    rank = max(0, min(len(sorted_values) - 1, math.ceil(fraction * len(sorted_values)) - 1))
    return sorted_values[rank]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_model = os.environ.get("DEJA_MODEL_DIR") or os.path.join(here, "..", "..", ".models", "all-MiniLM-L6-v2")
    parser = argparse.ArgumentParser()
    parser.add_argument("model_dir", nargs="?", default=default_model)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--threads", default="1,2")
    args = parser.parse_args()

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(os.path.abspath(args.model_dir), device="cpu")
    results = []
    for threads in [int(t) for t in args.threads.split(",")]:
        torch.set_num_threads(threads)
        for i in range(args.warmup):
            model.encode([QUERIES[i % len(QUERIES)]], batch_size=1)
        latencies = []
        for i in range(args.runs):
            start = time.perf_counter()
            model.encode([QUERIES[i % len(QUERIES)]], batch_size=1)
            latencies.append((time.perf_counter() - start) * 1000)
        latencies.sort()
        batches = [[QUERIES[(r * args.batch + j) % len(QUERIES)] for j in range(args.batch)] for r in range(args.rounds)]
        model.encode(batches[0], batch_size=args.batch)
        start = time.perf_counter()
        for texts in batches:
            model.encode(texts, batch_size=args.batch)
        seconds = time.perf_counter() - start
        results.append({
            "threads": threads,
            "latency_p50_ms": round(percentile(latencies, 0.5), 2),
            "latency_p99_ms": round(percentile(latencies, 0.99), 2),
            "latency_mean_ms": round(statistics.mean(latencies), 2),
            "batch_sentences_per_s": round(args.rounds * args.batch / seconds, 1),
        })
    print(json.dumps({
        "torch": torch.__version__,
        "queries": len(QUERIES),
        "batch": args.batch,
        "results": results,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "loadavg": open("/proc/loadavg").read().split()[:3],
    }, indent=2))


if __name__ == "__main__":
    main()
