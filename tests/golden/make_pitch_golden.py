#!/usr/bin/python3
"""Writes the pitch golden files in tests/golden/ (see README.md, "Pitch").

Run with Debian's python3 (python3-torchaudio 0.13, python3-numpy):
    /usr/bin/python3 tests/golden/make_pitch_golden.py
One deterministic 2 s signal (NumPy seed 20261205) with a known F0 contour, its true F0 at
CalmSpace's frame centres, and torchaudio's normalised cross-correlation pitch detector on it
(torchaudio.functional.detect_pitch_frequency; Debian's torchaudio is built without Kaldi, so
compute_kaldi_pitch is not available).
"""
import os

import numpy as np
import torch
import torchaudio.functional as AF

HERE = os.path.dirname(os.path.abspath(__file__))
SR = 16000
N = 2 * SR
HOP = 160  # CalmSpace's default frame shift; centred frames: frame t is centred on t * HOP
GAP = (0.9, 1.2)  # seconds of noise only: no voice, no F0


def true_f0(t):
    """Hz at time t (s): an exponential glide 110 -> 260 Hz with a 5 Hz, +-2 % vibrato."""
    return 110.0 * (260.0 / 110.0) ** (t / 2.0) * (1.0 + 0.02 * np.sin(2 * np.pi * 5 * t))


def signal():
    rng = np.random.default_rng(20261205)
    t = np.arange(N) / SR
    f0 = true_f0(t)
    phase = 2 * np.pi * np.cumsum(f0) / SR
    harmonics = np.zeros(N)
    for k in range(1, 31):
        partial = np.sin(k * phase) / k
        partial[k * f0 > 0.45 * SR] = 0.0  # nothing above 7.2 kHz: no aliasing
        harmonics += partial
    voiced = (t < GAP[0]) | (t >= GAP[1])
    x = 0.2 * harmonics * voiced + 0.01 * rng.standard_normal(N)
    return x.astype(np.float32)


def main():
    torch.set_num_threads(1)
    x = signal()
    frames = 1 + N // HOP
    centres = np.arange(frames) * HOP / SR
    f0 = true_f0(centres)
    f0[(centres >= GAP[0]) & (centres < GAP[1])] = 0.0
    # frame_time 10 ms; median over win_length 30 frames; lags for 85..500 Hz.
    ref = AF.detect_pitch_frequency(torch.from_numpy(x.astype(np.float64))[None, :], SR,
                                    frame_time=0.01, win_length=30, freq_low=85,
                                    freq_high=500)[0]
    np.save(os.path.join(HERE, "pitch_glide_input.npy"), x)
    np.save(os.path.join(HERE, "pitch_glide_true_f0.npy"), f0.astype(np.float32))
    np.save(os.path.join(HERE, "pitch_glide_torchaudio.npy"), ref.numpy().astype(np.float32))
    print(f"{len(x)} samples, {frames} frames; torchaudio: {ref.shape[0]} frames, "
          f"F0 {ref.min():.1f}-{ref.max():.1f} Hz")
    return x, f0, ref.numpy()


if __name__ == "__main__":
    main()
