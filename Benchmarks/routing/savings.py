"""Sends labelled questions to a running gateway as `auto` and as `quality`, and reports the
cost of each and the expected accuracy from the labels (a model of the strong tier answers as
the strong model did, any other as the weak model did)."""
import argparse, collections, json, random, urllib.request
from concurrent.futures import ThreadPoolExecutor

p = argparse.ArgumentParser()
p.add_argument("--gateway", required=True)
p.add_argument("--labels", required=True)
p.add_argument("--questions", type=int, default=1000)
p.add_argument("--strong-quality", type=float, default=0.9, help="catalogue quality from which a model counts as strong")
a = p.parse_args()

rows = [json.loads(l) for l in open(a.labels)]
random.Random(11).shuffle(rows)
rows = rows[: a.questions]  # a random sample keeps the file's mix of MMLU subjects and GSM8K maths

models = json.load(urllib.request.urlopen(a.gateway + "/v1/models"))["data"]
quality = {m["id"]: m["quality"] for m in models if "quality" in m}

def ask(model, prompt):
    body = json.dumps({"model": model, "messages": [{"role": "user", "content": prompt}]}).encode()
    req = urllib.request.Request(a.gateway + "/v1/chat/completions", body, {"content-type": "application/json"})
    g = json.load(urllib.request.urlopen(req, timeout=60))["x-gateway"]
    return g["routing_decision"]["chosen"], g.get("cost_usd", 0.0), g["routing_decision"]

def run(model):
    with ThreadPoolExecutor(8) as ex:
        return list(ex.map(lambda r: ask(model, r["prompt"]), rows))

auto = run("auto")
strong = run("quality")
# A model answers like the strong model (GPT-4 of the labels) when the catalogue rates it at least
# --strong-quality for the question's family; otherwise like the weak one (Mixtral-8x7B).
family = {}
for row, r in zip(rows, auto):
    family[row["prompt"]] = r[2]["family"]
def is_strong(model_id, prompt):
    return quality[model_id][family[prompt]] >= a.strong_quality

def summary(name, results):
    cost = sum(r[1] for r in results)
    acc = sum((row["strong_correct"] if is_strong(r[0], row["prompt"]) else row["weak_correct"]) for row, r in zip(rows, results)) / len(rows)
    share = sum(is_strong(r[0], row["prompt"]) for row, r in zip(rows, results)) / len(rows)
    chosen = collections.Counter(r[0] for r in results).most_common(5)
    print(f"{name:8s} cost ${cost:.4f} for {len(rows)} questions   strong-tier share {share:5.1%}   expected accuracy {acc:.3f}   models {chosen}")
    return cost, acc

c_auto, acc_auto = summary("auto", auto)
c_strong, acc_strong = summary("quality", strong)
weak_acc = sum(r["weak_correct"] for r in rows) / len(rows)
strong_acc = sum(r["strong_correct"] for r in rows) / len(rows)
complexity = collections.Counter(r[2]["complexity"] for r in auto)
print(f"labels: weak accuracy {weak_acc:.3f}, strong accuracy {strong_acc:.3f}; auto complexity mix {dict(complexity)}")
print(f"auto costs {c_auto / c_strong:.1%} of always-strongest ({1 - c_auto / c_strong:.1%} saved); "
      f"expected accuracy {acc_auto:.3f} vs {acc_strong:.3f} (PGR {(acc_auto - weak_acc) / (strong_acc - weak_acc):.2f})")
