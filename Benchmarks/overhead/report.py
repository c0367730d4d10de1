"""Turns results.jsonl from run.sh into the Markdown table quoted in BENCHMARKS.md."""
import json
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
def key(r):
    return (r["connections"], r["rate"])
pairs = {}
for r in rows:
    pairs.setdefault(key(r), {})[r["target"]] = r["result"]

print("| load | path | req/s | p50 µs | p90 µs | p99 µs | added p50 µs | added p99 µs | errors |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for (c, rate), both in pairs.items():
    load = f"{rate} req/s (c={c})" if rate else f"c={c}, closed loop"
    d, g = both.get("direct"), both.get("gateway")
    for name, r in (("direct", d), ("gateway", g)):
        if r is None:
            continue
        added50 = added99 = ""
        if name == "gateway" and d:
            added50 = str(r["p50_us"] - d["p50_us"])
            added99 = str(r["p99_us"] - d["p99_us"])
        print(f"| {load} | {name} | {r['rps']:.0f} | {r['p50_us']} | {r['p90_us']} | {r['p99_us']} | {added50} | {added99} | {r['errors'] + r['non2xx']} |")
