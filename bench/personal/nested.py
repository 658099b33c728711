#!/usr/bin/env python3
"""Issue 25's simulated users with the fine-tuning recipe chosen per user from that user's own
corrections only (nested selection; the test clips are never looked at until the end).

For each user of run_personalisation.sh (OUT/manifests/<user>.csv: `train` rows are the person's
corrections, `test` rows the rest of their clips):
  1. inner 2-fold over the corrections: each emotion's corrected clips are dealt into two halves;
     every candidate (CANDIDATES below, "base" = the shipped model unchanged) fine-tunes on one
     half and is scored (UA) on the other, both ways; the inner score is the mean;
  2. the best inner score wins (a tie goes to the earlier candidate, "base" first: a personal
     model must beat the base model on the person's own held-out corrections to be used);
  3. the winner is fine-tuned on all the corrections and scored on the test clips, beside the base.
The rule a page that fine-tunes from corrections should follow (not built yet): keep the base
model unless the personal one does better on the person's held-out corrections.

Usage: nested.py CALMSPACE MODEL OUT [--threads 2]
Writes OUT/<user>/nested/... and OUT/summary_nested.json; prints the table.
"""
import argparse
import csv
import json
import subprocess
from pathlib import Path

# (name, calmspace train overrides on top of configs/finetune.yaml), fixed before any nested run.
# Each spells out the rate, epochs, trainable layers and init_mix it was defined with, so that the
# candidates stay what they were when the recipe file changes (b136410: 40 epochs, 2e-3, 0.75).
KEPT_WHOLE = ["train.init_mix=1"]
CANDIDATES = [
    ("base", None),
    ("all_lr1e-3_20ep", ["train.trainable=all", "train.lr=0.001", "train.epochs=20"] + KEPT_WHOLE),
    ("all_lr3e-3_30ep", ["train.trainable=all", "train.lr=0.003", "train.epochs=30"] + KEPT_WHOLE),
    ("top_lr1e-3_30ep", ["train.trainable=top", "train.lr=0.001", "train.epochs=30"] + KEPT_WHOLE),
    ("head_lr3e-3_30ep", ["train.trainable=head", "train.lr=0.003", "train.epochs=30"] + KEPT_WHOLE),
]


def run(cmd, log: Path):
    with open(log, "a") as f:
        subprocess.run([str(c) for c in cmd], check=True, stdout=f, stderr=subprocess.STDOUT)


def ua(report: Path) -> float:
    return json.loads(report.read_text())["ua"]


class User:
    def __init__(self, a, manifest: Path):
        self.a = a
        self.name = manifest.stem
        self.dir = a.out / self.name / "nested"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.log = self.dir / "log.txt"
        with open(manifest, newline="") as f:
            self.rows = list(csv.DictReader(f))

    def dataset(self, name: str, rows) -> Path:
        """A prepared dataset of `rows` (path,label,speaker,split) onto the model's labels."""
        csv_path, h5 = self.dir / f"{name}.csv", self.dir / f"{name}.h5"
        if not h5.exists():
            with open(csv_path, "w", newline="") as f:
                w = csv.DictWriter(f, fieldnames=["path", "label", "speaker", "split"])
                w.writeheader()
                w.writerows(rows)
            run([self.a.calmspace, "prepare", "csv", "--root", csv_path, "--out", h5,
                 f"data.labels=[{self.a.labels}]"], self.log)
        return h5

    def score(self, candidate, data: Path, name: str) -> float:
        out = self.dir / name
        report = out / "report.json"
        if not report.exists():
            label, overrides = candidate
            if overrides is None:
                run([self.a.calmspace, "eval", self.a.model, "--data", data, "--split", "test",
                     "--out", out, "--threads", self.a.threads, "--no-plots"], self.log)
            else:
                run([self.a.calmspace, "train", self.a.recipe, "--init", self.a.model, "--data",
                     data, "--out", out, "--overwrite", f"train.num_threads={self.a.threads}",
                     *overrides, "--no-plots"], self.log)
        return ua(report)

    def inner_halves(self):
        corrections = [r for r in self.rows if r["split"] == "train"]
        by_label = {}
        for r in corrections:
            by_label.setdefault(r["label"], []).append(r)
        halves = ([], [])
        for label in sorted(by_label):
            for k, r in enumerate(sorted(by_label[label], key=lambda r: r["path"])):
                halves[k % 2].append(r)
        return halves

    def evaluate(self):
        a, b = self.inner_halves()
        inner = {}
        for fold, (fit, held) in enumerate([(a, b), (b, a)]):
            rows = [dict(r, split="train") for r in fit] + [dict(r, split="test") for r in held]
            data = self.dataset(f"inner{fold}", rows)
            for c in CANDIDATES:
                inner.setdefault(c[0], []).append(self.score(c, data, f"inner{fold}_{c[0]}"))
        inner = {k: sum(v) / len(v) for k, v in inner.items()}
        best = max(CANDIDATES, key=lambda c: (inner[c[0]], -CANDIDATES.index(c)))
        outer = self.dataset("outer", self.rows)
        base_ua = self.score(CANDIDATES[0], outer, "outer_base")
        chosen_ua = self.score(best, outer, f"outer_{best[0]}")
        return {"user": self.name, "inner_ua": inner, "chosen": best[0], "base_ua": base_ua,
                "tuned_ua": chosen_ua, "gain": chosen_ua - base_ua,
                "test_clips": json.loads((self.dir / "outer_base" / "report.json").read_text())["clips"]}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("calmspace", type=Path)
    p.add_argument("model", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--recipe", type=Path, default=Path(__file__).resolve().parents[2] / "configs/finetune.yaml")
    p.add_argument("--labels", required=True, help="the model's labels, comma-separated")
    p.add_argument("--threads", default="2")
    a = p.parse_args()
    rows = [User(a, m).evaluate() for m in sorted((a.out / "manifests").glob("*.csv"))]
    print("| user | inner UA per candidate | chosen | test clips | base UA | chosen UA | gain |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        inner = ", ".join(f"{k} {v:.3f}" for k, v in r["inner_ua"].items())
        print(f"| {r['user']} | {inner} | {r['chosen']} | {r['test_clips']} | {r['base_ua']:.3f} | "
              f"{r['tuned_ua']:.3f} | {r['gain']:+.3f} |")
    mean_gain = sum(r["gain"] for r in rows) / len(rows)
    worst = min(r["gain"] for r in rows)
    print(f"\nmean gain {mean_gain:+.3f} (bar >= +0.10: {'met' if mean_gain >= 0.10 else 'not met'}); "
          f"worst user {worst:+.3f} (bar >= -0.02: {'met' if worst >= -0.02 else 'not met'})")
    (a.out / "summary_nested.json").write_text(json.dumps(
        {"candidates": [c[0] for c in CANDIDATES], "users": rows, "mean_gain": mean_gain,
         "worst_gain": worst}, indent=2) + "\n")


if __name__ == "__main__":
    main()
