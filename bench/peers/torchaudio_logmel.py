#!/usr/bin/python3
"""Peer for bench/features_bench.cpp: torchaudio MelSpectrogram + log on the same clips.

Same clips as the C++ benchmark: every (count // 32)-th path of the sorted
ravdess/Actor_*/*.flac list, decoded as float32 (int16 / 32768, as calmspace::load_audio does for
16 kHz FLAC), tiled/cut to exactly 4 s; batched as one (32, 64000) float32 tensor. Same parameters
as the default FeatureOptions: MelSpectrogram(sample_rate=16000, n_fft=512, win_length=400,
hop_length=160, n_mels=64, center=True, pad_mode="reflect", power=2.0, norm=None, mel_scale="htk"),
then torch.log(x.clamp(min=1e-10)). Uses torch.set_num_threads(--threads).

Prints one JSON object: threads, audio_s_per_s (median), per-repetition timings and versions.
Run with Debian's interpreter: /usr/bin/python3 bench/peers/torchaudio_logmel.py --threads 2
"""
import argparse
import json
import os
import statistics
import time

import torch
import torchaudio

from peer_clips import BATCH, SECONDS, SR, load_clips


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--corpora", default=os.path.join(here, "..", "..", "..", "shared", "corpora"))
    parser.add_argument("--min-time", type=float, default=1.0, help="seconds per repetition")
    parser.add_argument("--repetitions", type=int, default=5)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    clips, source = load_clips(args.corpora)
    batch = torch.from_numpy(clips)
    mel = torchaudio.transforms.MelSpectrogram(
        sample_rate=SR, n_fft=512, win_length=400, hop_length=160, n_mels=64, center=True,
        pad_mode="reflect", power=2.0, norm=None, mel_scale="htk")

    def run():
        with torch.inference_mode():
            return torch.log(mel(batch).clamp(min=1e-10))

    out = run()  # warm-up and output check: (32, 64, 401), finite
    assert tuple(out.shape) == (BATCH, 64, 401) and torch.isfinite(out).all(), out.shape
    rates = []
    for _ in range(args.repetitions):
        iters, start = 0, time.perf_counter()
        while True:
            run()
            iters += 1
            elapsed = time.perf_counter() - start
            if elapsed >= args.min_time:
                break
        rates.append(BATCH * SECONDS * iters / elapsed)
    print(json.dumps({
        "peer": "torchaudio MelSpectrogram + log",
        "threads": args.threads,
        "audio_s_per_s": statistics.median(rates),
        "audio_s_per_s_min": min(rates),
        "audio_s_per_s_max": max(rates),
        "repetitions": rates,
        "source": source,
        "torch": torch.__version__,
        "torchaudio": torchaudio.__version__,
    }))


if __name__ == "__main__":
    main()
