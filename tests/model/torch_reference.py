#!/usr/bin/python3
"""Writes PyTorch goldens for tests/model/torch_golden_test.cpp (run from the repository root):
    /usr/bin/python3 tests/model/torch_reference.py

For each case, a bidirectional 2-layer nn.RNN/LSTM/GRU (input 3, hidden 4, batch_first) on a
padded batch of 3 clips with lengths (6, 4, 1), run through pack_padded_sequence (so the reverse
direction starts at each clip's true end, as cuDNN does with per-sample lengths), pooled over each
clip's true frames (mean, or "last" = h_n of the last layer: forward and reverse), then
nn.Linear(8, 3), then nn.CrossEntropyLoss (mean). Writes to tests/model/golden/<case>/:
  weights.npy (N,) float64: parameters flattened in named_parameters() order = CalmSpace's layout
  x.npy (3, 6, 3), lengths.npy (3,), labels.npy (3,), logits.npy (3, 3), grads.npy (N,)
Weights are uniform(-0.5, 0.5) and inputs standard normal from torch.manual_seed(case index).
"""
import os

import numpy as np
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

CASES = [("lstm", nn.LSTM, {}, "mean"), ("gru", nn.GRU, {}, "last"),
         ("rnn_tanh", nn.RNN, {"nonlinearity": "tanh"}, "mean"),
         ("rnn_relu", nn.RNN, {"nonlinearity": "relu"}, "last")]
F, H, LAYERS, C = 3, 4, 2, 3
LENGTHS = [6, 4, 1]


def main():
    out_root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden")
    torch.set_default_dtype(torch.float64)
    for index, (name, kind, kwargs, pooling) in enumerate(CASES):
        torch.manual_seed(index)
        rnn = kind(F, H, LAYERS, batch_first=True, bidirectional=True, **kwargs)
        head = nn.Linear(2 * H, C)
        params = [p for _, p in rnn.named_parameters()] + [head.weight, head.bias]
        with torch.no_grad():
            for p in params:
                p.uniform_(-0.5, 0.5)
        B, T = len(LENGTHS), max(LENGTHS)
        x = torch.randn(B, T, F)
        for b, n in enumerate(LENGTHS):
            x[b, n:] = 0
        labels = torch.tensor([2, 0, 1])
        lengths = torch.tensor(LENGTHS)
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        y, h_n = rnn(packed)
        if isinstance(h_n, tuple):
            h_n = h_n[0]
        y, _ = pad_packed_sequence(y, batch_first=True, total_length=T)
        if pooling == "mean":
            pooled = y.sum(dim=1) / lengths[:, None]
        else:
            pooled = torch.cat([h_n[-2], h_n[-1]], dim=1)
        logits = head(pooled)
        loss = nn.functional.cross_entropy(logits, labels)
        loss.backward()
        d = os.path.join(out_root, f"{name}_bi_l2_{pooling}")
        os.makedirs(d, exist_ok=True)
        flat = lambda ts: np.concatenate([t.detach().numpy().ravel() for t in ts])  # noqa: E731
        np.save(os.path.join(d, "weights.npy"), flat(params))
        np.save(os.path.join(d, "grads.npy"), flat([p.grad for p in params]))
        np.save(os.path.join(d, "x.npy"), x.numpy())
        np.save(os.path.join(d, "lengths.npy"), lengths.double().numpy())
        np.save(os.path.join(d, "labels.npy"), labels.double().numpy())
        np.save(os.path.join(d, "logits.npy"), logits.detach().numpy())
        print(d, "loss", loss.item())


if __name__ == "__main__":
    main()
