#!/usr/bin/env python3
"""The floating-point work of train_step_bench's front-end training step, against what one core
can do at best: how many clips per second the step could reach if every multiply-add ran at the
speed of a large single-threaded OpenBLAS sgemm (issue 21's 3x-PyTorch bar).

Shapes (bench/train_step_bench.cpp, STACK=2): batch 32 clips x 400 frames x 64 log-mel bins; the
conv front-end at its defaults (2 blocks of 16 channels, 3 x 3 kernels, frequency stride 2, so
64 -> 32 -> 16 bins and 16 x 16 = 256 values per frame); 2 recurrent layers of hidden 128 (gates:
rnn 1, gru 3, lstm 4); mean pooling and an 8-class head (negligible).
Forward multiply-adds count 2 FLOPs each. Backward costs twice the forward (the input gradient
and the weight gradient of every product; the first convolution's input gradient is skipped,
which this ignores, so the count is an upper bound by under 1 %). Element-wise work (gates,
layer norm, ReLU, Adam) is left out: it only makes the ceiling lower.

Usage: OPENBLAS_NUM_THREADS=1 train_step_ceiling.py [PYTORCH_CLIPS_PER_S_RNN,GRU,LSTM]
  (the optional PyTorch rates, e.g. from train_step_cpu_frontend_*.md, add the 3x column)
"""
import os
import sys
import time

import numpy as np

B, T, F, H, LAYERS, CH = 32, 400, 64, 128, 2, 16
GATES = {"rnn": 1, "gru": 3, "lstm": 4}


def forward_flops(cell: str) -> float:
    rows = B * T  # frames in the batch
    bins1, bins2 = F // 2, F // 4
    conv = 2 * (1 * 9) * CH * bins1 * rows + 2 * (CH * 9) * CH * bins2 * rows
    g = GATES[cell] * H
    rec = 0
    inputs = CH * bins2  # 256
    for _ in range(LAYERS):
        rec += 2 * rows * inputs * g + 2 * rows * H * g  # input projection + recurrence
        inputs = H
    return conv + rec


def sgemm_peak(n: int = 2048, repeats: int = 5) -> float:
    a = np.random.rand(n, n).astype(np.float32)
    b = np.random.rand(n, n).astype(np.float32)
    a @ b
    best = min(timed(lambda: a @ b) for _ in range(repeats))
    return 2 * n**3 / best / 1e9


def timed(f) -> float:
    t = time.perf_counter()
    f()
    return time.perf_counter() - t


def main() -> None:
    if os.environ.get("OPENBLAS_NUM_THREADS") != "1":
        raise SystemExit("set OPENBLAS_NUM_THREADS=1: the ceiling is one core's")
    torch_rates = [float(x) for x in sys.argv[1].split(",")] if len(sys.argv) > 1 else None
    peak = sgemm_peak()
    print(f"one core, OpenBLAS sgemm 2048^3: {peak:.1f} GFLOP/s (best of 5)\n")
    head = "| cell | GFLOP per step (32 clips) | ceiling clips/s at the sgemm rate |"
    sep = "| --- | --- | --- |"
    if torch_rates:
        head += " PyTorch clips/s | 3x PyTorch clips/s | 3x PyTorch as share of the ceiling |"
        sep += " --- | --- | --- |"
    print(head)
    print(sep)
    for k, cell in enumerate(["rnn", "gru", "lstm"]):
        step = 3 * forward_flops(cell) / 1e9
        ceiling = peak / step * B
        line = f"| {cell} | {step:.2f} | {ceiling:.0f} |"
        if torch_rates:
            line += f" {torch_rates[k]:.1f} | {3 * torch_rates[k]:.0f} | {3 * torch_rates[k] / ceiling:.0%} |"
        print(line)


if __name__ == "__main__":
    main()
