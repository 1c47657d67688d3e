"""Summarises a tokenizer benchmark result file: best run per implementation, ratios vs attnlab."""
import json
import sys

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
best = {}
for r in rows:
    if r["impl"] not in best or r["seconds"] < best[r["impl"]]["seconds"]:
        best[r["impl"]] = r
ref = best.get("attnlab")
print(f"\n{'impl':<15}{'MB/s':>9}{'tokens/s':>13}{'seconds':>9}  runs (s)            tokens    ids match attnlab")
for name, b in best.items():
    runs = ", ".join(f"{r['seconds']:.2f}" for r in rows if r["impl"] == name)
    same = "yes" if ref and b["checksum"] == ref["checksum"] and b["tokens"] == ref["tokens"] else "NO"
    print(f"{name:<15}{b['mb_per_s']:>9.2f}{b['tokens_per_s']:>13,.0f}{b['seconds']:>9.2f}  {runs:<18}{b['tokens']:>10,}  {same}")


def per_round_ratios(name, against):
    """seconds of `name` / seconds of `against` in each round: both ran back to back under similar load."""
    ratios = []
    for r in rows:
        if r["impl"] == name:
            mine = [a for a in rows if a["impl"] == against and a["rep"] == r["rep"]]
            if mine:
                ratios.append(r["seconds"] / mine[0]["seconds"])
    return ", ".join(f"{x:.2f}" for x in ratios)


if ref:
    for name, b in best.items():
        if name.startswith("attnlab"):
            continue
        print(f"attnlab / {name}: best vs best {ref['mb_per_s'] / b['mb_per_s']:.2f}x; per round {per_round_ratios(name, 'attnlab')}")
        cold = best.get("attnlab-cold")
        if cold:
            print(f"attnlab-cold / {name}: best vs best {cold['mb_per_s'] / b['mb_per_s']:.2f}x; "
                  f"per round {per_round_ratios(name, 'attnlab-cold')}")
