#!/usr/bin/env python3
"""Issue 25's fine-tuning bar over several draws of which clips each simulated user corrects.

Reads DIR/summary_<variant>.json (written by summarise.py through run_personalisation.sh) for
every draw folder given, and prints, per variant, each draw's mean gain and worst user, the mean
over draws, each user's gain averaged over the draws, and in how many draws both parts of the bar
hold (mean gain >= +0.10, no user more than 0.02 worse).

Usage: over_draws.py VARIANT[,VARIANT...] DRAW_DIR [DRAW_DIR ...]
"""
import json
import sys
from pathlib import Path


def main() -> None:
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    variants = sys.argv[1].split(",")
    draws = [Path(d) for d in sys.argv[2:]]
    print("| variant | " + " | ".join(d.name for d in draws) + " | mean over draws | draws meeting both parts |")
    print("| --- |" + " --- |" * (len(draws) + 2))
    per_user = {}
    for v in variants:
        cells, means, met = [], [], 0
        for d in draws:
            f = d / f"summary_{v}.json"
            if not f.exists():
                cells.append("-")
                continue
            s = json.loads(f.read_text())
            means.append(s["mean_gain"])
            met += s["mean_gain"] >= 0.10 and s["worst_gain"] >= -0.02
            cells.append(f"{s['mean_gain']:+.3f} / {s['worst_gain']:+.3f}")
            for u in s["users"]:
                per_user.setdefault(v, {}).setdefault(u["user"], []).append(u["gain"])
        mean = f"{sum(means) / len(means):+.3f}" if means else "-"
        print(f"| {v} | " + " | ".join(cells) + f" | {mean} | {met} of {len(means)} |")
    print("\n(each cell: mean gain / worst user's gain)\n")
    users = sorted({u for v in per_user.values() for u in v})
    print("| user | " + " | ".join(variants) + " |")
    print("| --- |" + " --- |" * len(variants))
    for u in users:
        row = []
        for v in variants:
            g = per_user.get(v, {}).get(u, [])
            row.append(f"{sum(g) / len(g):+.3f}" if g else "-")
        print(f"| {u} | " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
