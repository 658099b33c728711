#!/usr/bin/env python3
"""A uniform "model soup" (Wortsman et al., ICML 2022) of fine-tuned checkpoints: OUT is the first
input with every tensor under weights/ replaced by the mean over the inputs (in float64, stored
as float32). Only meaningful for runs fine-tuned from one init (train.init), which stay in one
basin; used by the issue-25 development runs (bench/results/personalisation_cpu_2026-12-07.md).

Usage: soup.py OUT.h5 IN1.h5 IN2.h5 [...]
"""
import shutil
import sys

import h5py
import numpy as np


def main() -> None:
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    out, inputs = sys.argv[1], sys.argv[2:]
    shutil.copyfile(inputs[0], out)
    sources = [h5py.File(p, "r") for p in inputs]
    with h5py.File(out, "r+") as o:
        for name in o["weights"]:
            mean = np.mean([s["weights"][name][()].astype(np.float64) for s in sources], axis=0)
            o["weights"][name][...] = mean.astype(np.float32)


if __name__ == "__main__":
    main()
