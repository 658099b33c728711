#!/usr/bin/python3
"""GPU peer for bench/features_bench.cpp (features_cuda_logmel/*): torchaudio on CUDA, same shapes.

Same clips as the C++ benchmark and bench/peers/torchaudio_logmel.py: every (count // 32)-th path
of the sorted ravdess/Actor_*/*.flac list, float32, tiled/cut to exactly 4 s; one (32, 64000)
float32 batch. Same parameters as the default FeatureOptions: MelSpectrogram(sample_rate=16000,
n_fft=512, win_length=400, hop_length=160, n_mels=64, center=True, pad_mode="reflect", power=2.0,
norm=None, mel_scale="htk") then torch.log(x.clamp(min=1e-10)).

Two variants, as the C++ benchmark:
  device: the batch already on the GPU, features left on the GPU; timed with CUDA events around
          each call (the same convention as CalmSpace's manual time).
  host:   a CPU tensor in, a CPU tensor out (copies included); wall time with synchronisation.
Validates once against a float64 CPU computation before timing. Prints one JSON object: per
variant the median audio-seconds per second, min/max over repetitions, per-repetition values,
the device name and versions.

Run with Debian's interpreter on a machine with a GPU:
  /usr/bin/python3 bench/peers/torchaudio_features_gpu.py --repetitions 5 --min-time 1
"""
import argparse
import json
import os
import statistics
import time

import torch
import torchaudio

from peer_clips import BATCH, SECONDS, SR, load_clips


def make_transform():
    return torchaudio.transforms.MelSpectrogram(
        sample_rate=SR, n_fft=512, win_length=400, hop_length=160, n_mels=64, center=True,
        pad_mode="reflect", power=2.0, norm=None, mel_scale="htk")


def repeat_timed(step, min_time, repetitions, use_events):
    """Per repetition: run step() until min_time seconds of measured time; audio-s/s."""
    rates = []
    for _ in range(repetitions):
        iters, measured = 0, 0.0
        while measured < min_time:
            if use_events:
                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                start.record()
                step()
                end.record()
                end.synchronize()
                measured += start.elapsed_time(end) * 1e-3
            else:
                t0 = time.perf_counter()
                step()
                torch.cuda.synchronize()
                measured += time.perf_counter() - t0
            iters += 1
        rates.append(BATCH * SECONDS * iters / measured)
    return {"audio_s_per_s": statistics.median(rates), "audio_s_per_s_min": min(rates),
            "audio_s_per_s_max": max(rates), "repetitions": rates}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpora", default=os.path.join(here, "..", "..", "..", "shared", "corpora"))
    parser.add_argument("--min-time", type=float, default=1.0, help="measured seconds per repetition")
    parser.add_argument("--repetitions", type=int, default=5)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print(json.dumps({"peer": "torchaudio MelSpectrogram + log (CUDA)", "skipped": "torch.cuda.is_available() is False"}))
        return

    clips, source = load_clips(args.corpora)
    host_batch = torch.from_numpy(clips)
    device_batch = host_batch.cuda()
    mel = make_transform().cuda()

    def device_step():
        with torch.inference_mode():
            return torch.log(mel(device_batch).clamp(min=1e-10))

    def host_step():
        with torch.inference_mode():
            return torch.log(mel(host_batch.cuda()).clamp(min=1e-10)).cpu()

    out = device_step()  # warm-up and output check: (32, 64, 401) against float64 on the CPU
    torch.cuda.synchronize()
    assert tuple(out.shape) == (BATCH, 64, 401), out.shape
    ref = torch.log(make_transform().double()(host_batch[:2].double()).clamp(min=1e-10))
    err = (out[:2].double().cpu() - ref).abs() - 1e-3 * ref.abs()
    assert torch.isfinite(out).all() and err.max().item() <= 1e-3, err.max().item()
    host_step()

    print(json.dumps({
        "peer": "torchaudio MelSpectrogram + log (CUDA)",
        "device": repeat_timed(device_step, args.min_time, args.repetitions, use_events=True),
        "host": repeat_timed(host_step, args.min_time, args.repetitions, use_events=False),
        "source": source,
        "gpu": torch.cuda.get_device_name(0),
        "torch": torch.__version__,
        "torchaudio": torchaudio.__version__,
        "cuda": torch.version.cuda,
    }))


if __name__ == "__main__":
    main()
