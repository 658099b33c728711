#!/usr/bin/env python3
"""How much of each corpus's clips is silence, and how quiet that silence is.

Per dataset file (`calmspace prepare` / `merge`) and label: mean duration, RMS level (dBFS), the
share of 25 ms frames (10 ms hop) more than 35 dB below the clip's loudest frame, and the level of
the clip's quietest tenth of frames (its noise floor, dBFS; digital silence reads near -100).
A model trained on clips that are half digital silence learns that silence; a recording from
another microphone has a noise floor instead.

Usage: silence_share.py FILE.h5 [FILE.h5 ...] [--clips 300]   (a seeded sample of clips per file)
"""
import argparse

import h5py
import numpy as np


def clip_stats(x, rate):
    win, hop = int(0.025 * rate), int(0.010 * rate)
    frames = np.lib.stride_tricks.sliding_window_view(x.astype(np.float64), win)[::hop]
    energy_db = 10 * np.log10((frames**2).mean(axis=1) + 1e-10)
    return (len(x) / rate, 10 * np.log10((x.astype(np.float64)**2).mean() + 1e-10),
            float((energy_db < energy_db.max() - 35).mean()), float(np.percentile(energy_db, 10)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--clips", type=int, default=300)
    args = ap.parse_args()
    print("| file | label | clips | duration (s) | RMS (dBFS) | silent frames | floor (dBFS) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for path in args.files:
        with h5py.File(path, "r") as f:
            rate = int(f.attrs["sample_rate"])
            names = [n.decode() if isinstance(n, bytes) else n for n in f["labels/names"][:]]
            offsets, lengths, labels = f["clips/offset"][:], f["clips/length"][:], f["clips/label"][:]
            pick = np.random.default_rng(0).choice(len(offsets), min(args.clips, len(offsets)),
                                                   replace=False)
            rows = {}
            for i in pick:
                if lengths[i] > 0.025 * rate:
                    x = f["waveforms"][offsets[i]:offsets[i] + lengths[i]]
                    rows.setdefault("all", []).append(clip_stats(x, rate))
                    rows.setdefault(names[labels[i]], []).append(clip_stats(x, rate))
            for label in sorted(rows, key=lambda k: (k != "all", k)):
                s = np.asarray(rows[label])
                print(f"| {path} | {label} | {len(s)} | {s[:, 0].mean():.2f} | {s[:, 1].mean():.1f} "
                      f"| {100 * s[:, 2].mean():.0f} % | {s[:, 3].mean():.1f} |")


if __name__ == "__main__":
    main()
