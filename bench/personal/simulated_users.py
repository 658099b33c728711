#!/usr/bin/env python3
"""Simulated users for issue 25's fine-tuning bar: one CSV manifest per held-out speaker.

For each speaker, `--per-class` clips of every emotion (drawn with a seeded shuffle) are that
person's corrections (split "train"), every other clip of theirs tests (split "test"). Paths are
absolute; labels are the corpus's own names (prepare maps them onto the model's with data.labels).

Usage: simulated_users.py CORPORA_DIR OUT_DIR [--per-class 2] [--seed 1] [--fold 0]
Writes OUT_DIR/<corpus>_<speaker>.csv for the RAVDESS actors and the EMOVO speaker of one speaker
fold of the merged corpora (configs/generalise.yaml's six folds): fold 0, RAVDESS actors 01-04
and EMOVO f1, are the speakers the shipped model (models/calmspace-gru.md) never trained on;
fold 1 (actors 05-08, EMOVO f2) are the development users of the recipe's fold-1 model, on which
a fine-tuning recipe may be chosen without touching fold 0.
"""
import argparse
import csv
import random
from pathlib import Path

RAVDESS_EMOTIONS = {"01": "neutral", "02": "calm", "03": "happy", "04": "sad", "05": "angry",
                    "06": "fearful", "07": "disgust", "08": "surprised"}

# EMOVO's speakers in the order `prepare csv` numbers them, so fold k holds the k-th.
EMOVO_SPEAKERS = ["f1", "f2", "f3", "m1", "m2", "m3"]


def ravdess_clips(root: Path, actor: str):
    for f in sorted((root / f"Actor_{actor}").glob("*.flac")):
        yield f, RAVDESS_EMOTIONS[f.stem.split("-")[2]]


def manifest_clips(root: Path, speaker: str):
    with open(root / "manifest.csv", newline="") as m:
        for row in csv.DictReader(m):
            if row["speaker"] == speaker:
                yield root / row["path"], row["label"]


def write_user(out: Path, name: str, clips, per_class: int, seed: int) -> None:
    by_label = {}
    for path, label in clips:
        by_label.setdefault(label, []).append(path)
    rng = random.Random(f"{seed}:{name}")
    rows = []
    for label in sorted(by_label):
        paths = sorted(by_label[label])
        rng.shuffle(paths)
        if len(paths) <= per_class:
            raise SystemExit(f"{name}: only {len(paths)} clips of '{label}', need more than {per_class}")
        rows += [(p, label, "train" if k < per_class else "test") for k, p in enumerate(paths)]
    with open(out / f"{name}.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["path", "label", "speaker", "split"])
        for path, label, split in sorted(rows):
            w.writerow([str(path.resolve()), label, name, split])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("corpora", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--per-class", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--fold", type=int, default=0, choices=range(6),
                   help="speaker fold: RAVDESS actors 4k+1..4k+4 and the k-th EMOVO speaker")
    a = p.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    for n in range(4 * a.fold + 1, 4 * a.fold + 5):
        actor = f"{n:02d}"
        write_user(a.out, f"ravdess_{actor}", ravdess_clips(a.corpora / "ravdess", actor),
                   a.per_class, a.seed)
    emovo = EMOVO_SPEAKERS[a.fold]
    write_user(a.out, f"emovo_{emovo}", manifest_clips(a.corpora / "emovo", emovo), a.per_class,
               a.seed)


if __name__ == "__main__":
    main()
