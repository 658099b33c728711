#!/usr/bin/python3
"""Expected calibration error (top label, 15 equal-width bins, as core/eval/calibration.h) of
`calmspace eval` predictions.csv files, over all clips and per corpus.
Usage: /usr/bin/python3 bench/lib/ece_by_corpus.py DIR/predictions.csv ..."""
import csv
import sys

BINS = 15


def ece(rows):
    bins = [[0, 0.0, 0] for _ in range(BINS)]  # clips, sum of confidence, right
    for r in rows:
        confidence = float(r["confidence"])
        b = bins[min(BINS - 1, int(confidence * BINS))]
        b[0] += 1
        b[1] += confidence
        b[2] += int(r["correct"])
    return sum(abs(b[1] - b[2]) for b in bins) / len(rows)


for path in sys.argv[1:]:
    rows = list(csv.DictReader(open(path, newline="")))
    if not rows:
        print(f"{path}: no clips")
        continue
    corpora = sorted({r["corpus"] for r in rows})
    per = ", ".join(f"{c} {ece([r for r in rows if r['corpus'] == c]):.3f}" for c in corpora)
    print(f"{path}: {len(rows)} clips, ECE {ece(rows):.3f} ({per})")
