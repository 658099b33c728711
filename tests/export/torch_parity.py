"""PyTorch parity of a CalmSpace safetensors export.

usage: /usr/bin/python3 torch_parity.py CASES_DIR
Each subfolder of CASES_DIR holds model.safetensors (the export), x.npy (B, T, F) padded
features, lengths.npy (B,) and logits.npy (B, C): what CalmSpace's CPU model computed. The model
is rebuilt from the export alone: nn.LSTM / nn.GRU / nn.RNN named `rnn` (batch_first) + nn.Linear
named `head`, options from the `model` metadata, weights loaded with load_state_dict by name;
inputs normalised with input_norm.mean/std; each clip run on its true frames; pooled (mean over
frames, or last = forward state at the last frame + reverse state at frame 0, PyTorch's h_n).
Computed in float64, so the difference measures CalmSpace's float32 error. Exit 0 = every case
within 1e-5 of CalmSpace's logits.
"""
import json
import os
import struct
import sys

import numpy as np
import torch

TOLERANCE = 1e-5


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__")
    data = raw[8 + n:]
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        tensors[name] = np.frombuffer(data[begin:end], dtype="<f4").reshape(info["shape"])
    return meta, tensors


def parse_flat_yaml(text):
    out = {}
    for line in text.splitlines():
        if ":" in line:
            key, value = line.split(":", 1)
            out[key.strip()] = value.strip()
    return out


def build(meta, tensors):
    opts = parse_flat_yaml(meta["model"])
    cell = opts["cell"]
    hidden = int(opts["hidden_size"])
    layers = int(opts["num_layers"])
    bidirectional = opts["bidirectional"] == "true"
    feat = tensors["input_norm.mean"].shape[0]
    classes = len(json.loads(meta["labels"]))
    kw = dict(input_size=feat, hidden_size=hidden, num_layers=layers, batch_first=True,
              bidirectional=bidirectional)
    if cell == "lstm":
        rnn = torch.nn.LSTM(**kw)
    elif cell == "gru":
        rnn = torch.nn.GRU(**kw)
    else:
        rnn = torch.nn.RNN(nonlinearity="relu" if cell == "rnn_relu" else "tanh", **kw)
    head = torch.nn.Linear(hidden * (2 if bidirectional else 1), classes)
    model = torch.nn.Module()
    model.rnn = rnn
    model.head = head
    state = {k: torch.from_numpy(v.copy()) for k, v in tensors.items()
             if k.startswith("rnn.") or k.startswith("head.")}
    model.load_state_dict(state, strict=True)  # every name and shape must match
    return model.double(), opts["pooling"], hidden, bidirectional


def run_case(folder):
    meta, tensors = read_safetensors(os.path.join(folder, "model.safetensors"))
    model, pooling, hidden, bidirectional = build(meta, tensors)
    x = np.load(os.path.join(folder, "x.npy")).astype(np.float64)
    lengths = np.load(os.path.join(folder, "lengths.npy")).astype(np.int64)
    want = np.load(os.path.join(folder, "logits.npy")).astype(np.float64)
    mean = tensors["input_norm.mean"].astype(np.float64)
    std = tensors["input_norm.std"].astype(np.float64)
    use_norm = meta["input_norm"] == "true"
    got = []
    with torch.no_grad():
        for b, n in enumerate(lengths):
            clip = x[b, :n]
            if use_norm:
                clip = (clip - mean) / std
            y, _ = model.rnn(torch.from_numpy(clip).unsqueeze(0))
            y = y[0]
            if pooling == "mean":
                p = y.mean(dim=0)
            elif pooling == "last":
                p = y[n - 1, :hidden]
                if bidirectional:
                    p = torch.cat([p, y[0, hidden:]])
            else:
                raise SystemExit("unsupported pooling " + pooling)
            got.append(model.head(p).numpy())
    got = np.stack(got)
    err = float(np.abs(got - want).max())
    return err


def main():
    root = sys.argv[1]
    worst = 0.0
    failed = []
    for name in sorted(os.listdir(root)):
        err = run_case(os.path.join(root, name))
        print("%-40s max |torch - calmspace| = %.3g" % (name, err))
        worst = max(worst, err)
        if not err <= TOLERANCE:
            failed.append(name)
    if failed:
        print("FAILED (tolerance %g): %s" % (TOLERANCE, ", ".join(failed)))
        sys.exit(1)
    print("ok: worst %.3g <= %g" % (worst, TOLERANCE))


if __name__ == "__main__":
    main()
