#!/usr/bin/python3
"""Are two training runs the same? Compares two run directories made by `calmspace train`:
metrics (metrics.jsonl, every field but the wall-clock ones), report.json, config.yaml and every
dataset and attribute of checkpoints/best.h5 and last.h5, byte for byte (the checkpoint's metrics
history without its wall-clock fields). Prints each difference; exits 1 if there is any.
  /usr/bin/python3 scripts/compare_runs.py RUN_A RUN_B
Used to show that a change of structure changed no behaviour (same config, data and seed).
"""
import json
import os
import sys

import h5py
import numpy as np

CLOCK_FIELDS = {"seconds", "clips_per_s"}  # wall-clock: differ between any two runs


def without_clock(records):
    return [{k: v for k, v in r.items() if k not in CLOCK_FIELDS} for r in records]


def metrics(run):
    with open(os.path.join(run, "metrics.jsonl")) as f:
        return without_clock([json.loads(line) for line in f if line.strip()])


def contents(path):
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            for k, v in obj.attrs.items():
                out[f"{name}@{k}"] = v
            if isinstance(obj, h5py.Dataset):
                out[name] = obj[()]
        f.visititems(visit)
        for k, v in f.attrs.items():
            out[f"/@{k}"] = v
    if "state/metrics_history" in out:
        history = out["state/metrics_history"]
        text = history[0] if isinstance(history, np.ndarray) else history
        out["state/metrics_history"] = without_clock(json.loads(text))
    return out


def same(a, b):
    if isinstance(a, (list, dict, str, bytes)) or isinstance(b, (list, dict, str, bytes)):
        return a == b
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype == object or b.dtype == object:  # variable-length strings
        return a.shape == b.shape and a.tolist() == b.tolist()
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def main():
    a, b = sys.argv[1], sys.argv[2]
    differences = []
    if metrics(a) != metrics(b):
        differences.append("metrics.jsonl")
    for name in ("report.json", "config.yaml"):
        if open(os.path.join(a, name), "rb").read() != open(os.path.join(b, name), "rb").read():
            differences.append(name)
    for name in ("best.h5", "last.h5"):
        ca, cb = contents(os.path.join(a, "checkpoints", name)), contents(os.path.join(b, "checkpoints", name))
        for key in sorted(set(ca) | set(cb)):
            if key not in ca or key not in cb or not same(ca[key], cb[key]):
                differences.append(f"checkpoints/{name}: {key}")
    for d in differences:
        print("differs:", d)
    print(f"{a} and {b}: " + ("the same" if not differences else f"{len(differences)} difference(s)"))
    sys.exit(1 if differences else 0)


if __name__ == "__main__":
    main()
