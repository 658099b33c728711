#!/usr/bin/python3
"""GPU peer of `calmspace train configs/lstm.yaml train.device=cuda`: one PyTorch training epoch
with the same shapes, on the same stored features.

Data: the first feature set of 64 dims in a CalmSpace dataset file (/features/<key>/data, offset,
frames; labels from /clips/label), every clip, normalised with the whole set's mean/std.
Model: nn.LSTM(64, 128, num_layers=2, batch_first) on packed sequences (cuDNN, per-clip lengths)
-> attention pooling (u = tanh(W y + b), W (64, 128); e = v . u; softmax over each clip's frames)
-> nn.Linear(128, 8); CrossEntropyLoss; AdamW(lr 4e-3, weight_decay 1e-4); clip_grad_norm_(5).
Batches of 32 clips bucketed by length (sorted, cut, shuffled), as CalmSpace does.
Epoch 1 warms up (cuDNN plans, allocator); epochs 2..N are timed with torch.cuda.synchronize().
--tf32 allows TF32 in cuDNN and matmuls (PyTorch's cuDNN default); without it FP32 is strict,
like CalmSpace's train.precision=fp32.

Prints one JSON object: clips, batches, seconds per timed epoch, clips per second (median), loss
of each epoch, torch / CUDA / cuDNN versions and the GPU name.
Usage: python3 bench/peers/torch_gpu_train_epoch.py --data out/ravdess.h5 [--epochs 3] [--tf32]
"""
import argparse
import json
import statistics
import time

import h5py
import numpy as np
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

INPUTS, HIDDEN, LAYERS, ATTENTION, BATCH = 64, 128, 2, 64, 32


def load(path):
    with h5py.File(path, "r") as f:
        if "features" not in f:
            raise SystemExit(f"{path}: no stored features (prepare with data.store_features=true)")
        for key, group in f["features"].items():
            if int(group.attrs["feature_dim"]) == INPUTS:
                data = group["data"][...]
                offset = group["offset"][...]
                frames = group["frames"][...]
                labels = f["clips"]["label"][...]
                return key, data, offset, frames, labels
    raise SystemExit(f"{path}: no feature set of {INPUTS} dims")


class Model(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.rnn = nn.LSTM(INPUTS, HIDDEN, LAYERS, batch_first=True)
        self.att = nn.Linear(HIDDEN, ATTENTION)
        self.v = nn.Parameter(torch.empty(ATTENTION).uniform_(-ATTENTION**-0.5, ATTENTION**-0.5))
        self.head = nn.Linear(HIDDEN, classes)

    def forward(self, x, lengths):
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        y, _ = pad_packed_sequence(self.rnn(packed)[0], batch_first=True, total_length=x.shape[1])
        e = torch.tanh(self.att(y)) @ self.v  # (B, T)
        mask = torch.arange(x.shape[1], device=x.device)[None, :] < lengths.to(x.device)[:, None]
        alpha = torch.softmax(e.masked_fill(~mask, float("-inf")), dim=1)
        return self.head((alpha.unsqueeze(-1) * y).sum(dim=1))


def batches(frames, rng):
    order = np.argsort(frames, kind="stable")
    cut = [order[i : i + BATCH] for i in range(0, len(order), BATCH)]
    rng.shuffle(cut)
    return cut


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True)
    p.add_argument("--epochs", type=int, default=3, help="1 warm-up + the rest timed")
    p.add_argument("--tf32", action="store_true")
    args = p.parse_args()
    torch.backends.cudnn.allow_tf32 = args.tf32
    torch.backends.cuda.matmul.allow_tf32 = args.tf32
    dev = torch.device("cuda")
    key, data, offset, frames, labels = load(args.data)
    data = (data - data.mean(0)) / (data.std(0) + 1e-8)
    classes = int(labels.max()) + 1
    torch.manual_seed(1)
    rng = np.random.default_rng(1)
    model = Model(classes).to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=4e-3, weight_decay=1e-4)
    loss_fn = nn.CrossEntropyLoss()
    # Padded batches prepared once on the host (CalmSpace pads on the host too).
    clips = [data[o : o + n] for o, n in zip(offset, frames)]
    times, losses = [], []
    for epoch in range(args.epochs):
        plan = batches(frames, rng)
        torch.cuda.synchronize()
        start = time.perf_counter()
        total, seen = 0.0, 0
        for members in plan:
            T = int(frames[members].max())
            x = np.zeros((len(members), T, INPUTS), np.float32)
            for i, c in enumerate(members):
                x[i, : frames[c]] = clips[c]
            xb = torch.from_numpy(x).to(dev, non_blocking=True)
            yb = torch.from_numpy(labels[members].astype(np.int64)).to(dev, non_blocking=True)
            lengths = torch.from_numpy(frames[members].astype(np.int64))
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb, lengths), yb)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            total += loss.detach() * len(members)
            seen += len(members)
        torch.cuda.synchronize()
        if epoch > 0:
            times.append(time.perf_counter() - start)
        losses.append(float(total) / seen)
    med = statistics.median(times) if times else float("nan")
    print(json.dumps({
        "peer": "torch_gpu_train_epoch", "feature_set": key, "clips": int(len(frames)),
        "batches": len(plan), "tf32": args.tf32, "epoch_seconds": times,
        "clips_per_s_median": len(frames) / med, "loss_per_epoch": losses,
        "torch": torch.__version__, "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version(), "gpu": torch.cuda.get_device_name(0),
    }))


if __name__ == "__main__":
    main()
