#!/usr/bin/python3
"""Writes the feature golden files in tests/golden/ (see README.md for what each file is).

Run from anywhere with Debian's python3 (python3-torchaudio 0.13, python3-numpy, python3-soundfile):
    /usr/bin/python3 tests/golden/make_golden.py [--corpora ../shared/corpora]
References are computed by torchaudio in float64 from the float32 inputs, then stored as float32
(the C++ reader converts to float32 anyway; the rounding, <= 6e-8 relative, is far below the
tests' tolerance).
"""
import argparse
import math
import os

import numpy as np
import soundfile as sf
import torch
import torchaudio
import torchaudio.functional as AF

HERE = os.path.dirname(os.path.abspath(__file__))
SR = 16000
N = 8000  # 0.5 s
REAL_CLIP = "ravdess/Actor_01/03-01-05-01-01-01-01.flac"


def signals():
    """Three fixed 0.5 s float32 signals with energy in every mel band (noise floor ~ -30 dB).

    Each carries 50 Hz mains hum: without it, the lowest band of the pre-emphasised snip-edges
    variant (a single FFT bin at 40 Hz, cut 30 dB by pre-emphasis) fell to e^-17 in one frame, where
    float32 arithmetic alone moves the log by 1.5e-3 (torchaudio float32 vs float64: -17.07905 vs
    -17.08051), so no float32 implementation could meet the tests' 1e-4 tolerance there.
    """
    rng = np.random.default_rng(20240601)
    t = np.arange(N) / SR
    hum = 0.05 * np.sin(2 * np.pi * 50 * t)
    sine_noise = 0.3 * np.sin(2 * np.pi * 440 * t) + 0.2 * np.sin(2 * np.pi * 3000 * t)
    sine_noise += 0.05 * rng.standard_normal(N)
    # Linear chirp 100 Hz -> 7000 Hz over 0.5 s.
    f0, f1 = 100.0, 7000.0
    chirp = 0.4 * np.sin(2 * np.pi * (f0 * t + 0.5 * (f1 - f0) / t[-1] * t * t))
    chirp += 0.05 * rng.standard_normal(N)
    # Voiced-speech-like: harmonics of 150 Hz with 1/k roll-off, 4 Hz amplitude modulation.
    voiced = sum(np.sin(2 * np.pi * 150 * k * t) / k for k in range(1, 40))
    voiced = 0.15 * voiced * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t)) + 0.03 * rng.standard_normal(N)
    return {
        "sine_noise": (sine_noise + hum).astype(np.float32),
        "chirp_noise": (chirp + hum).astype(np.float32),
        "voiced": (voiced + hum).astype(np.float32),
    }


def mel_spec(x, **kw):
    """torchaudio.transforms.MelSpectrogram in x's dtype (float64 for the goldens) -> (T, n_mels)."""
    args = dict(sample_rate=SR, n_fft=512, win_length=400, hop_length=160, n_mels=64,
                center=True, pad_mode="reflect", power=2.0, norm=None, mel_scale="htk")
    args.update(kw)
    m = torchaudio.transforms.MelSpectrogram(**args).to(x.dtype)
    return m(x).T  # (n_mels, T) -> (T, n_mels)


def log_floor(x):
    return torch.log(torch.clamp(x, min=1e-10))


def logmel(x):
    return log_floor(mel_spec(x))


def logmel_slaney(x):
    return log_floor(mel_spec(x, f_min=20.0, f_max=7600.0, window_fn=torch.hamming_window,
                              power=1.0, norm="slaney", mel_scale="slaney"))


def povey_window(n, **kw):
    # Kaldi's povey window: (0.5 - 0.5 cos(2 pi i / (n-1)))^0.85 = symmetric Hann ^ 0.85.
    return torch.hann_window(n, periodic=False, **kw).pow(0.85)


def logmel_snip(x):
    y = x.clone()
    y[1:] = x[1:] - 0.97 * x[:-1]  # pre-emphasis on the whole clip, y[0] = x[0]
    return log_floor(mel_spec(y, n_fft=400, win_length=400, center=False, window_fn=povey_window))


def mfcc(x, lifter=0.0, cmvn=False):
    lm = log_floor(mel_spec(x, n_mels=40))  # (T, 40)
    c = lm @ AF.create_dct(13, 40, norm="ortho").to(x.dtype)  # (T, 13)
    if lifter > 0:
        k = torch.arange(13, dtype=x.dtype)
        c = c * (1.0 + 0.5 * lifter * torch.sin(math.pi * k / lifter))
    d1 = AF.compute_deltas(c.T, win_length=5, mode="replicate")
    d2 = AF.compute_deltas(d1, win_length=5, mode="replicate")
    out = torch.cat([c, d1.T, d2.T], dim=1)  # (T, 39)
    if cmvn:
        mean = out.mean(dim=0, keepdim=True)
        var = out.var(dim=0, unbiased=False, keepdim=True)
        out = (out - mean) / torch.sqrt(var + 1e-10)
    return out


VARIANTS = {
    "logmel": logmel,
    "logmel_slaney": logmel_slaney,
    "logmel_snip": logmel_snip,
    "mfcc": mfcc,
    "mfcc_lifter_cmvn": lambda x: mfcc(x, lifter=22.0, cmvn=True),
}


def save(name, array, x=None, fn=None):
    """Writes name.npy. With x and fn, also reports how far torchaudio's own float32 run of fn lands
    from the float64 reference, in units of the tests' tolerance 1e-4 + 1e-4|b|: a value near 1
    would mean float32 rounding, not the implementation, decides the test."""
    path = os.path.join(HERE, name + ".npy")
    np.save(path, np.ascontiguousarray(array, dtype=np.float32))
    note = ""
    if fn is not None:
        r32 = fn(x.float()).double().numpy()
        worst = np.max(np.abs(r32 - array) / (1e-4 + 1e-4 * np.abs(array)))
        note = f"  float32 torchaudio error / tolerance: {worst:.3f}"
    print(f"{name}.npy {tuple(array.shape)}{note}")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpora", default=os.path.join(HERE, "..", "..", "..", "shared", "corpora"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    for name, x in signals().items():
        save(f"{name}_input", x)
        x64 = torch.from_numpy(x.astype(np.float64))
        for variant, fn in VARIANTS.items():
            save(f"{name}_{variant}", fn(x64).numpy(), x64, fn)
    # One real clip: only its outputs are stored, never the audio.
    audio, sr = sf.read(os.path.join(args.corpora, REAL_CLIP), dtype="float32")
    assert sr == SR and audio.ndim == 1, (sr, audio.shape)
    x64 = torch.from_numpy(audio.astype(np.float64))
    save("ravdess_03-01-05-01-01-01-01_logmel", logmel(x64).numpy(), x64, logmel)


if __name__ == "__main__":
    main()
