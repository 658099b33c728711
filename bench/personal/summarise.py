#!/usr/bin/env python3
"""Issue 25's fine-tuning bar from run_personalisation.sh's reports: per simulated user, the base
model's and the fine-tuned model's UA on that user's test clips, the gain, and the bar's two
checks (mean gain >= +0.10; no user more than 0.02 worse). Prints a Markdown table and writes
OUT/summary.json.

Usage: summarise.py OUT_DIR [VARIANT]   (VARIANT: the run folder name, default "tuned")
"""
import json
import sys
from pathlib import Path


def main() -> None:
    out = Path(sys.argv[1])
    variant = sys.argv[2] if len(sys.argv) > 2 else "tuned"
    rows = []
    for user in sorted(p for p in out.iterdir() if (p / "base" / "report.json").exists()):
        tuned_report = user / variant / "report.json"
        if not tuned_report.exists():
            continue
        base = json.loads((user / "base" / "report.json").read_text())
        tuned = json.loads(tuned_report.read_text())
        rows.append({"user": user.name, "test_clips": base["clips"], "base_ua": base["ua"],
                     "tuned_ua": tuned["ua"], "gain": tuned["ua"] - base["ua"]})
    if not rows:
        raise SystemExit(f"no finished users under {out}")
    mean_gain = sum(r["gain"] for r in rows) / len(rows)
    worst = min(r["gain"] for r in rows)
    print(f"| user | test clips | base UA | fine-tuned UA ({variant}) | gain |")
    print("| --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['user']} | {r['test_clips']} | {r['base_ua']:.3f} | {r['tuned_ua']:.3f} | "
              f"{r['gain']:+.3f} |")
    print(f"| mean | | {sum(r['base_ua'] for r in rows) / len(rows):.3f} | "
          f"{sum(r['tuned_ua'] for r in rows) / len(rows):.3f} | **{mean_gain:+.3f}** |")
    print(f"\nbar: mean gain {mean_gain:+.3f} (>= +0.10: {'met' if mean_gain >= 0.10 else 'not met'}); "
          f"worst user {worst:+.3f} (>= -0.02: {'met' if worst >= -0.02 else 'not met'})")
    (out / f"summary_{variant}.json").write_text(json.dumps(
        {"variant": variant, "users": rows, "mean_gain": mean_gain, "worst_gain": worst}, indent=2) + "\n")


if __name__ == "__main__":
    main()
