"""PyTorch parity of a CalmSpace safetensors export.

usage: /usr/bin/python3 torch_parity.py CASES_DIR
Each subfolder of CASES_DIR holds model.safetensors (the export), x.npy (B, T, F) padded
features, lengths.npy (B,) and logits.npy (B, C): what CalmSpace's CPU model computed. The model
is rebuilt from the export alone: nn.LSTM / nn.GRU / nn.RNN named `rnn` (batch_first) + nn.Linear
named `head`, options from the `model` metadata, weights loaded with load_state_dict by name;
inputs normalised with input_norm.mean/std; each clip run on its true frames; pooled (mean over
frames, or last = forward state at the last frame + reverse state at frame 0, PyTorch's h_n).
With model.residual / model.layer_norm the recurrent layers run one at a time (ResidualNormRnn
below: r = y + x from the second layer on, z = nn.LayerNorm(r), named `norm`). With
model.frontend = conv the features first pass ConvFrontend below, named `frontend`.
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


class ResidualNormRnn(torch.nn.Module):
    """CalmSpace's stack between recurrent layers (core/model/residual_norm.h).

    `rnn` is the multi-layer module, so the export's rnn.* names load as they are; the forward
    pass runs its layers one at a time through one-layer copies, adding each layer's input to its
    output from the second layer on (residual) and normalising every layer's output (norm.{l}).
    """

    def __init__(self, rnn, layers, width, residual, layer_norm):
        super().__init__()
        self.rnn = rnn
        self.residual = residual
        if layer_norm:
            self.norm = torch.nn.ModuleList(
                [torch.nn.LayerNorm(width, eps=1e-5) for _ in range(layers)])
        self.layer_norm = layer_norm

    def single_layers(self):
        """One-layer modules holding layer l's weights (call after load_state_dict)."""
        out = []
        for l in range(self.rnn.num_layers):
            kw = dict(input_size=self.rnn.input_size if l == 0 else
                      self.rnn.hidden_size * (2 if self.rnn.bidirectional else 1),
                      hidden_size=self.rnn.hidden_size, num_layers=1, batch_first=True,
                      bidirectional=self.rnn.bidirectional)
            if isinstance(self.rnn, torch.nn.RNN):
                kw["nonlinearity"] = self.rnn.nonlinearity
            one = type(self.rnn)(**kw).double()
            for name, _ in one.named_parameters():
                source = name.replace("_l0", "_l%d" % l)
                getattr(one, name).data.copy_(getattr(self.rnn, source).data)
            out.append(one)
        return out

    def forward(self, x):
        y = x
        for l, one in enumerate(self.single_layers()):
            inp = y
            y, _ = one(inp)
            if self.residual and l > 0:
                y = y + inp
            if self.layer_norm:
                y = self.norm[l](y)
        return y, None


class ConvFrontend(torch.nn.Module):
    """CalmSpace's convolutional front-end (core/model/conv_frontend.h).

    blocks[b].conv = nn.Conv2d(C_in, C, (kt, kf), stride=(st, sf), padding=(0, (kf - 1) // 2))
    over (B, C_in, T, F) after padding kt - 1 zero frames before the clip (causal in time);
    blocks[b].norm = nn.LayerNorm((C, F_b)) over each frame's (channels, bins); then ReLU or GELU.
    (B, T, F) features -> (B, T', C * F_last), channel-major per frame; with conv_bypass = P the
    convolution reads the first F - P columns and each output frame t' gets columns F - P.. of
    feature frame S t' appended (S: the product of the time strides).
    """

    def __init__(self, opts, feat):
        super().__init__()
        self.kt = int(opts["conv_kernel_time"])
        kf = int(opts["conv_kernel_freq"])
        st, sf = int(opts["conv_stride_time"]), int(opts["conv_stride_freq"])
        channels = int(opts["conv_channels"])
        self.layer_norm = opts["conv_layer_norm"] == "true"
        self.act = torch.nn.GELU() if opts["conv_activation"] == "gelu" else torch.nn.ReLU()
        self.blocks = torch.nn.ModuleList()
        self.bypass = int(opts.get("conv_bypass", "0"))
        self.time_stride = st ** int(opts["conv_blocks"])
        c_in, bins = 1, feat - self.bypass
        for _ in range(int(opts["conv_blocks"])):
            block = torch.nn.Module()
            block.conv = torch.nn.Conv2d(c_in, channels, (self.kt, kf), stride=(st, sf),
                                         padding=(0, (kf - 1) // 2))
            bins = (bins + sf - 1) // sf
            if self.layer_norm:
                block.norm = torch.nn.LayerNorm((channels, bins), eps=1e-5)
            self.blocks.append(block)
            c_in = channels
        self.output_dim = channels * bins + self.bypass

    def forward(self, x):
        spectral = x[:, :, :x.shape[2] - self.bypass]
        y = spectral.unsqueeze(1)  # (B, 1, T, F - P)
        for block in self.blocks:
            y = block.conv(torch.nn.functional.pad(y, (0, 0, self.kt - 1, 0)))  # (B, C, T', F')
            y = y.permute(0, 2, 1, 3)  # (B, T', C, F'): LayerNorm over each frame
            if self.layer_norm:
                y = block.norm(y)
            y = self.act(y).permute(0, 2, 1, 3)
        y = y.permute(0, 2, 1, 3).flatten(2)  # (B, T', C * F')
        if self.bypass == 0:
            return y
        return torch.cat([y, x[:, ::self.time_stride, x.shape[2] - self.bypass:]], dim=2)


def build(meta, tensors):
    opts = parse_flat_yaml(meta["model"])
    cell = opts["cell"]
    hidden = int(opts["hidden_size"])
    layers = int(opts["num_layers"])
    bidirectional = opts["bidirectional"] == "true"
    feat = tensors["input_norm.mean"].shape[0]
    classes = len(json.loads(meta["labels"]))
    frontend = ConvFrontend(opts, feat) if opts.get("frontend") == "conv" else None
    kw = dict(input_size=frontend.output_dim if frontend else feat, hidden_size=hidden, num_layers=layers, batch_first=True,
              bidirectional=bidirectional)
    if cell == "lstm":
        rnn = torch.nn.LSTM(**kw)
    elif cell == "gru":
        rnn = torch.nn.GRU(**kw)
    else:
        rnn = torch.nn.RNN(nonlinearity="relu" if cell == "rnn_relu" else "tanh", **kw)
    width = hidden * (2 if bidirectional else 1)
    head = torch.nn.Linear(width, classes)
    residual = opts.get("residual") == "true"
    layer_norm = opts.get("layer_norm") == "true"
    model = torch.nn.Module()
    if residual or layer_norm:
        stack = ResidualNormRnn(rnn, layers, width, residual, layer_norm)
        model.rnn = stack.rnn
        if layer_norm:
            model.norm = stack.norm
    else:
        stack = None
        model.rnn = rnn
    model.head = head
    if frontend:
        model.frontend = frontend
    state = {k: torch.from_numpy(v.copy()) for k, v in tensors.items()
             if k.split(".")[0] in ("frontend", "rnn", "norm", "head")}
    model.load_state_dict(state, strict=True)  # every name and shape must match
    model = model.double()
    model.stack = stack.double() if stack else model.rnn  # what runs the recurrent layers
    return model, opts["pooling"], hidden, bidirectional


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
            seq = torch.from_numpy(clip).unsqueeze(0)
            if hasattr(model, "frontend"):
                seq = model.frontend(seq)
            y, _ = model.stack(seq)
            y = y[0]
            if pooling == "mean":
                p = y.mean(dim=0)
            elif pooling == "last":
                p = y[y.shape[0] - 1, :hidden]
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
