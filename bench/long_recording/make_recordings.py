#!/usr/bin/python3
"""Long recordings of real speech for the long-recording benchmarks, made from the corpora.

RAVDESS clips (Actor_01 .. Actor_24, sorted) then TESS clips (sorted), end to end, as 16 kHz mono
PCM16, cut to exactly the length asked: 10 min as WAV (the serve upload, 19.2 MB), 30 min and
2 h as FLAC (decoding is part of the measured work). Written to OUT (never into the repository):
  /usr/bin/python3 bench/long_recording/make_recordings.py CORPORA OUT
Existing files of the right length are kept.
"""
import glob
import os
import sys

import numpy as np
import soundfile as sf

RATE = 16000
RECORDINGS = [("speech_10min.wav", 600, "PCM_16"), ("speech_30min.flac", 1800, "PCM_16"),
              ("speech_2h.flac", 7200, "PCM_16")]


def main():
    corpora, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    clips = sorted(glob.glob(os.path.join(corpora, "ravdess", "Actor_*", "*.flac"))) + \
        sorted(glob.glob(os.path.join(corpora, "tess", "*", "*.flac")))
    if not clips:
        sys.exit(f"no RAVDESS or TESS FLAC under {corpora}")
    for name, seconds, subtype in RECORDINGS:
        path = os.path.join(out, name)
        if os.path.exists(path) and sf.info(path).frames == seconds * RATE:
            print(f"{path}: kept")
            continue
        parts, total = [], 0
        for clip in clips:
            x, rate = sf.read(clip, dtype="int16")
            if rate != RATE or x.ndim != 1:
                sys.exit(f"{clip}: expected 16 kHz mono, got {rate} Hz, shape {x.shape}")
            parts.append(x)
            total += len(x)
            if total >= seconds * RATE:
                break
        if total < seconds * RATE:
            sys.exit(f"the corpora hold {total / RATE:.0f} s of speech, fewer than {seconds} s")
        sf.write(path + ".tmp", np.concatenate(parts)[:seconds * RATE], RATE, subtype=subtype,
                 format=os.path.splitext(name)[1][1:].upper())
        os.replace(path + ".tmp", path)
        print(f"{path}: {seconds} s from {len(parts)} clips")


if __name__ == "__main__":
    main()
