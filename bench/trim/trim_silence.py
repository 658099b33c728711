#!/usr/bin/env python3
"""Prototype of silence trimming, for measuring it before it is built into CalmSpace.

Copies a CalmSpace dataset file (`calmspace prepare` / `merge`) with every clip's leading and
trailing silence cut, and nothing else changed (labels, speakers, folds, config attributes):
  frames of WIN samples every HOP samples (25 ms / 10 ms at 16 kHz), energy = mean square, in dB;
  a frame is active when its energy is within TOP_DB of the clip's loudest frame;
  the clip keeps [first active frame - margin, last active frame end + margin), margin 100 ms.
This is librosa.effects.trim's rule (top_db below the loudest frame) with a margin, and the rule
of CalmSpace's `audio.trim_db` (core/audio/trim.h). A clip too short for one frame is copied
unchanged. Stored feature sets (`features/`, made from the untrimmed clips) are not copied.

Usage: trim_silence.py IN.h5 OUT.h5 [--top-db 40] [--margin-ms 100]
Prints the seconds before and after. OUT.h5 is written beside as OUT.h5.partial, then renamed.
"""
import argparse
import os

import h5py
import numpy as np

WIN_S, HOP_S = 0.025, 0.010


def active_range(x, sample_rate, top_db, margin_ms):
    """[begin, end) of the samples kept."""
    win, hop = int(WIN_S * sample_rate), int(HOP_S * sample_rate)
    if len(x) <= win:
        return 0, len(x)
    frames = np.lib.stride_tricks.sliding_window_view(x.astype(np.float64), win)[::hop]
    energy_db = 10 * np.log10((frames**2).mean(axis=1) + 1e-20)
    if not np.all(np.isfinite(energy_db)):
        return 0, len(x)
    active = np.nonzero(energy_db > energy_db.max() - top_db)[0]
    margin = int(margin_ms * sample_rate / 1000)
    if active[-1] == len(energy_db) - 1:  # the last frame: its tail (< hop) belongs to no frame
        return max(0, active[0] * hop - margin), len(x)
    return max(0, active[0] * hop - margin), min(len(x), active[-1] * hop + win + margin)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--top-db", type=float, default=40.0)
    ap.add_argument("--margin-ms", type=float, default=100.0)
    args = ap.parse_args()
    if not args.top_db > 0:
        ap.error("--top-db must be > 0")
    partial = args.dst + ".partial"
    with h5py.File(args.src, "r") as src, h5py.File(partial, "w") as dst:
        rate = int(src.attrs["sample_rate"])
        offsets, lengths = src["clips/offset"][:], src["clips/length"][:]
        waves = src["waveforms"]
        kept, new_offsets, new_lengths, at = [], [], [], 0
        for off, n in zip(offsets, lengths):
            x = waves[off:off + n]
            b, e = active_range(x, rate, args.top_db, args.margin_ms)
            kept.append(x[b:e])
            new_offsets.append(at)
            new_lengths.append(e - b)
            at += e - b
        replaced = {
            "waveforms": np.concatenate(kept).astype(np.float32),
            "clips/offset": np.asarray(new_offsets, dtype=offsets.dtype),
            "clips/length": np.asarray(new_lengths, dtype=lengths.dtype),
        }
        dst.attrs.update(dict(src.attrs))

        def copy(name, obj):
            if name == "features" or name.startswith("features/"):
                return  # feature sets of the untrimmed clips
            if isinstance(obj, h5py.Group):
                dst.require_group(name).attrs.update(dict(obj.attrs))
            elif name not in replaced:
                dst.create_dataset(name, data=obj[()]).attrs.update(dict(obj.attrs))

        src.visititems(copy)
        for name, data in replaced.items():
            dst.create_dataset(name, data=data, chunks=src[name].chunks).attrs.update(
                dict(src[name].attrs))
        print(f"{args.src}: {lengths.sum() / rate:.1f} s -> {sum(new_lengths) / rate:.1f} s "
              f"(top_db {args.top_db:g}, margin {args.margin_ms:g} ms) -> {args.dst}")
    os.replace(partial, args.dst)


if __name__ == "__main__":
    main()
