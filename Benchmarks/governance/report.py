"""Governance on vs off (results.jsonl from overhead.sh): per load, the median over rounds of
each side's p50/p99 and the difference."""
import json
import statistics
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
loads = {}
for r in rows:
    loads.setdefault((r["connections"], r["rate"]), {}).setdefault(r["target"], []).append(r["result"])

print("| load | governance | req/s | p50 µs | p99 µs | added p50 µs | added p99 µs | errors |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for (c, rate), sides in loads.items():
    load = f"{rate} req/s (c={c})" if rate else f"c={c}, closed loop"
    med = {name: {k: statistics.median(x[k] for x in results) for k in ("rps", "p50_us", "p99_us")} for name, results in sides.items()}
    errs = {name: sum(x["errors"] + x["non2xx"] for x in results) for name, results in sides.items()}
    for name in ("off", "on"):
        if name not in med:
            continue
        m = med[name]
        a50 = a99 = ""
        if name == "on" and "off" in med:
            a50 = f"{m['p50_us'] - med['off']['p50_us']:+.0f}"
            a99 = f"{m['p99_us'] - med['off']['p99_us']:+.0f}"
        print(f"| {load} | {name} | {m['rps']:.0f} | {m['p50_us']:.0f} | {m['p99_us']:.0f} | {a50} | {a99} | {errs[name]} |")
