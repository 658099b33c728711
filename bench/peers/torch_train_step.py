#!/usr/bin/python3
"""Peer for bench/train_step_bench.cpp: one PyTorch training step with the same shapes.

nn.RNN (tanh) / nn.LSTM / nn.GRU (input 64, hidden 128, 2 layers, batch_first) -> mean over the
400 frames (every clip is full length, so no packing is needed: PyTorch's fastest path) ->
nn.Linear(128, 8) -> nn.CrossEntropyLoss; torch.optim.Adam(lr=1e-3). Batch of 32 seeded Gaussian
clips, random labels. Step = zero_grad, forward, loss, backward, optimizer.step. Forward alone is
timed under torch.no_grad() in eval mode. Uses torch.set_num_threads(--threads).
--stack: the two layers as separate one-layer modules, the second's input added to its output
(residual) and nn.LayerNorm(128) after each (CalmSpace's model.residual + model.layer_norm).
--frontend (with --stack): CalmSpace's convolutional front-end first (model.frontend = conv at its
defaults): 2 blocks of nn.Conv2d(C_in, 16, (3, 3), stride=(1, 2), padding=(0, 1)) after padding
2 frames before the clip (causal), nn.LayerNorm((16, F')) per frame, ReLU; the recurrent layers
read 16 x 16 = 256 values per frame.

Prints one JSON object: cell, threads, train/forward clips per second (median over repetitions,
with min and max), per-repetition seconds per step, torch version.
Run with Debian's interpreter: /usr/bin/python3 bench/peers/torch_train_step.py --cell lstm --threads 2
"""
import argparse
import json
import math
import statistics
import time

import torch
import torch.nn as nn

BATCH, FRAMES, INPUTS, HIDDEN, LAYERS, CLASSES = 32, 400, 64, 128, 2, 8


class ConvFrontend(nn.Module):
    def __init__(self, channels=16, blocks=2):
        super().__init__()
        self.convs, self.norms = nn.ModuleList(), nn.ModuleList()
        c_in, bins = 1, INPUTS
        for _ in range(blocks):
            self.convs.append(nn.Conv2d(c_in, channels, (3, 3), stride=(1, 2), padding=(0, 1)))
            bins = (bins + 1) // 2
            self.norms.append(nn.LayerNorm((channels, bins)))
            c_in = channels
        self.output_dim = channels * bins

    def forward(self, x):  # (B, T, F) -> (B, T, C * F')
        y = x.unsqueeze(1)
        for conv, norm in zip(self.convs, self.norms):
            y = conv(nn.functional.pad(y, (0, 0, 2, 0))).permute(0, 2, 1, 3)  # (B, T, C, F')
            y = torch.relu(norm(y)).permute(0, 2, 1, 3)
        return y.permute(0, 2, 1, 3).flatten(2)


class Model(nn.Module):
    def __init__(self, cell, stack=False, frontend=False):
        super().__init__()
        kind = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell]
        self.stack = stack
        self.frontend = ConvFrontend() if frontend else None
        inputs = self.frontend.output_dim if frontend else INPUTS
        if stack:
            self.layers = nn.ModuleList(
                [kind(inputs if l == 0 else HIDDEN, HIDDEN, 1, batch_first=True) for l in range(LAYERS)])
            self.norm = nn.ModuleList([nn.LayerNorm(HIDDEN) for _ in range(LAYERS)])
        else:
            self.rnn = kind(INPUTS, HIDDEN, LAYERS, batch_first=True)
        self.head = nn.Linear(HIDDEN, CLASSES)

    def forward(self, x):
        if self.frontend is not None:
            x = self.frontend(x)
        if self.stack:
            y = x
            for l, (rnn, norm) in enumerate(zip(self.layers, self.norm)):
                out, _ = rnn(y)
                y = norm(out + y if l > 0 else out)
        else:
            y, _ = self.rnn(x)
        return self.head(y.mean(dim=1))


def time_reps(fn, reps, min_time):
    """Seconds per call for each repetition (each runs at least min_time seconds)."""
    out = []
    for _ in range(reps):
        n, start = 0, time.perf_counter()
        while True:
            fn()
            n += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_time and n >= 2:
                break
        out.append(elapsed / n)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cell", choices=["rnn", "lstm", "gru"], default="lstm")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--stack", action="store_true", help="residual + layer norm between layers")
    parser.add_argument("--frontend", action="store_true",
                        help="the convolutional front-end first (needs --stack)")
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--min-time", type=float, default=1.0, help="seconds per repetition")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    if args.frontend and not args.stack:
        parser.error("--frontend goes with --stack (CalmSpace's benchmark stack 2)")
    model = Model(args.cell, args.stack, args.frontend)
    x = torch.randn(BATCH, FRAMES, INPUTS)
    y = torch.randint(0, CLASSES, (BATCH,))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=False)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    def forward():
        with torch.no_grad():
            return model(x)

    model.train()
    loss = step()  # warm-up, and check before timing
    assert math.isfinite(loss.item()), "loss not finite"
    train = time_reps(step, args.repetitions, args.min_time)
    model.eval()
    assert torch.isfinite(forward()).all(), "logits not finite"
    fwd = time_reps(forward, args.repetitions, args.min_time)
    rate = lambda s: BATCH / s  # noqa: E731
    print(json.dumps({
        "cell": args.cell, "threads": args.threads, "stack": args.stack, "frontend": args.frontend, "torch": torch.__version__,
        "train_clips_per_s": rate(statistics.median(train)),
        "train_clips_per_s_min": rate(max(train)), "train_clips_per_s_max": rate(min(train)),
        "forward_clips_per_s": rate(statistics.median(fwd)),
        "forward_clips_per_s_min": rate(max(fwd)), "forward_clips_per_s_max": rate(min(fwd)),
        "train_s_per_step": train, "forward_s_per_call": fwd,
    }))


if __name__ == "__main__":
    main()
