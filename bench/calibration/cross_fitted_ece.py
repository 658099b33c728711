#!/usr/bin/env python3
"""A recipe's expected calibration error on held-out speakers, pooled over two speaker folds with
cross-fitted temperatures (issue 19).

Two models of one recipe, A (test fold a) and B (test fold b), each evaluated on its own test fold
by `calmspace eval` (predictions.csv: probabilities at the model's temperature). Each model gets
the temperature fitted (mean NLL, as `calmspace calibrate`) on the other model's held-out clips,
so no clip sets the temperature that scores it; then the top-label ECE over 15 equal-width bins
(as `calmspace eval`) is computed per fold and over the pooled clips, beside the ECE a perfectly
calibrated model with the same confidences would score from sampling alone (1000 seeded draws,
mean and 5th-95th percentiles; core/eval/calibration.h, ece_if_calibrated).

Usage: cross_fitted_ece.py A/predictions.csv T_A B/predictions.csv T_B
  T_A, T_B: the temperatures the predictions were made with (model.temperature; 1 if none).
"""
import csv
import sys

import numpy as np

BINS = 15


def load(path, temperature):
    rows = list(csv.DictReader(open(path, newline="")))
    cols = [k for k in rows[0] if k.startswith("p_")]
    names = [c[2:] for c in cols]
    p = np.array([[float(r[c]) for c in cols] for r in rows])
    truth = np.array([names.index(r["label"]) for r in rows])
    return np.log(np.maximum(p, 1e-30)) * temperature, truth  # logits up to a per-row constant


def softmax(logits, t):
    z = logits / t
    z = z - z.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


def ece(conf, correct):
    b = np.minimum((conf * BINS).astype(int), BINS - 1)
    return sum(abs(correct[b == k].sum() - conf[b == k].sum()) for k in range(BINS)) / len(conf)


def fit_t(logits, truth):
    grid = np.exp(np.linspace(np.log(0.05), np.log(20), 4000))
    nll = [-np.log(softmax(logits, t)[np.arange(len(truth)), truth] + 1e-300).mean() for t in grid]
    return grid[int(np.argmin(nll))]


def calibrated_band(conf, draws=1000):
    rng = np.random.default_rng(1)
    v = np.sort([ece(conf, (rng.random(len(conf)) < conf).astype(float)) for _ in range(draws)])
    return v.mean(), v[int(np.ceil(0.05 * draws)) - 1], v[int(np.ceil(0.95 * draws)) - 1]


def main():
    if len(sys.argv) != 5:
        raise SystemExit(__doc__)
    la, ya = load(sys.argv[1], float(sys.argv[2]))
    lb, yb = load(sys.argv[3], float(sys.argv[4]))
    ta, tb = fit_t(lb, yb), fit_t(la, ya)  # A's temperature from B's clips, and B's from A's
    folds = []
    for name, logits, truth, t in [("A", la, ya, ta), ("B", lb, yb, tb)]:
        p = softmax(logits, t)
        folds.append((name, t, p.max(1), (p.argmax(1) == truth).astype(float)))
    pooled = ("pooled", None, np.concatenate([f[2] for f in folds]),
              np.concatenate([f[3] for f in folds]))
    print("| clips of | temperature (fitted on the other fold) | clips | accuracy | ECE | "
          "a calibrated model's ECE: mean (5-95 %) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, t, conf, correct in folds + [pooled]:
        m, lo, hi = calibrated_band(conf)
        ts = f"{t:.3f}" if t is not None else "-"
        print(f"| {name} | {ts} | {len(conf)} | {correct.mean():.3f} | {ece(conf, correct):.3f} | "
              f"{m:.3f} ({lo:.3f}-{hi:.3f}) |")


if __name__ == "__main__":
    main()
