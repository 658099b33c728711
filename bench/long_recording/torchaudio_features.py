#!/usr/bin/python3
"""Peer for `calmspace features` on a long recording: torchaudio loads the file and computes
MelSpectrogram + log with the default FeatureOptions (n_fft 512, win 400, hop 160, 64 htk mels,
centred/reflect, power 2, log(max(x, 1e-10))), in-process, on --threads threads. Prints one JSON
line: seconds (load + features, timed inside the process), frames, versions.
  /usr/bin/python3 bench/long_recording/torchaudio_features.py FILE --threads 2
"""
import argparse
import json
import time

import torch
import torchaudio


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    mel = torchaudio.transforms.MelSpectrogram(
        sample_rate=16000, n_fft=512, win_length=400, hop_length=160, n_mels=64, center=True,
        pad_mode="reflect", power=2.0, norm=None, mel_scale="htk")
    start = time.perf_counter()
    x, rate = torchaudio.load(args.file)
    assert rate == 16000, rate
    with torch.inference_mode():
        y = torch.log(mel(x.mean(0)).clamp(min=1e-10))
    seconds = time.perf_counter() - start
    assert torch.isfinite(y).all()
    print(json.dumps({"seconds": seconds, "frames": y.shape[-1], "threads": args.threads,
                      "torch": torch.__version__, "torchaudio": torchaudio.__version__}))


if __name__ == "__main__":
    main()
