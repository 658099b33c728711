#!/usr/bin/python3
"""Peer for bench/recurrent_bench.cpp: the same shape tables (configs/bench/*.yaml), in PyTorch.

Per shape: nn.RNN (tanh) / nn.LSTM / nn.GRU (batch_first, every clip full length, so no packing)
-> mean over frames -> nn.Linear -> nn.CrossEntropyLoss, inputs seeded Gaussian. Passes, named as
in recurrent_bench (recurrent/torch/<pass>/<cell>/H.._L.._.._B.._T.._F..):
  fwd        forward in training mode with autograd recording (what backward needs)
  fwd_infer  forward in eval mode under torch.no_grad()
  bwd        loss.backward() after an untimed forward: data AND weight gradients together, as the
             CalmSpace CPU backend times them
  step       zero_grad, forward, loss, backward, torch.optim.Adam step
Each pass: one warm-up call (checked finite), then --repetitions repetitions of at least
--min-time seconds; seconds per call median, min and max; counters as recurrent_bench
(clips_per_s, frames_per_s, GFLOP_per_s with the same FLOP convention).

Prints one JSON object {"torch", "threads", "table", "benchmarks": [...]}. Debian's interpreter:
  /usr/bin/python3 bench/peers/torch_recurrent.py --table configs/bench/quick.yaml --threads 2
"""
import argparse
import itertools
import json
import math
import re
import statistics
import time

import torch
import torch.nn as nn
import yaml

KEYS = ("cells", "input", "hidden", "layers", "bidirectional", "batch", "frames", "classes")
GATES = {"rnn": 1, "rnn_tanh": 1, "rnn_relu": 1, "lstm": 4, "gru": 3}
SHORT = {"rnn": "rnn", "rnn_tanh": "rnn", "rnn_relu": "rnn_relu", "lstm": "lstm", "gru": "gru"}


def expand(table):
    """Shapes of a table, as core/bench/shape_table.cpp expands them (same order, no duplicates)."""
    d = dict(input=64, hidden=128, layers=1, bidirectional=False, batch=32, frames=400, classes=8)
    cells = ["rnn", "lstm", "gru"]
    for k, v in (table.get("defaults") or {}).items():
        if k == "cells":
            cells = v if isinstance(v, list) else [v]
        else:
            d[k] = v
    maps = []
    grid = table.get("grid")
    if grid is not None:
        maps += grid if isinstance(grid, list) else [grid]
    maps += table.get("shapes") or []
    out, seen = [], set()
    for m in maps:
        axes = [(k, v if isinstance(v, list) else [v]) for k, v in m.items()]
        if "cells" not in m:
            axes.append(("cells", cells))
        # The C++ parser varies the FIRST axis fastest.
        for combo in itertools.product(*[vals for _, vals in reversed(axes)]):
            s = dict(d)
            for (k, _), v in zip(reversed(axes), combo):
                s["cell" if k == "cells" else k] = v
            s["cell"] = SHORT[s["cell"]]
            name = shape_name(s)
            if (name, s["classes"]) not in seen:
                seen.add((name, s["classes"]))
                out.append(s)
    return out


def shape_name(s):
    return (f"{s['cell']}/H{s['hidden']}_L{s['layers']}_{'bi' if s['bidirectional'] else 'uni'}"
            f"_B{s['batch']}_T{s['frames']}_F{s['input']}")


def flops(s):
    """The FLOP convention of core/bench/shape_table.h: forward, backward-data, backward-weights."""
    G, H, D = GATES[s["cell"]], s["hidden"], 2 if s["bidirectional"] else 1
    fwd = bd = bw = 0.0
    for layer in range(s["layers"]):
        i = s["input"] if layer == 0 else H * D
        fwd += D * 2 * G * H * (i + H)
        bd += D * 2 * G * H * ((0 if layer == 0 else i) + H)
        bw += D * 2 * G * H * (i + H)
    n = s["batch"] * s["frames"]
    return fwd * n, bd * n, bw * n


class Model(nn.Module):
    def __init__(self, s):
        super().__init__()
        kind = {"rnn": nn.RNN, "rnn_relu": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[s["cell"]]
        extra = {"nonlinearity": "relu"} if s["cell"] == "rnn_relu" else {}
        self.rnn = kind(s["input"], s["hidden"], s["layers"], batch_first=True,
                        bidirectional=s["bidirectional"], **extra)
        self.head = nn.Linear(s["hidden"] * (2 if s["bidirectional"] else 1), s["classes"])

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.head(y.mean(dim=1))


def time_reps(fn, reps, min_time):
    """Seconds per timed call for each repetition; fn returns the seconds it timed."""
    out = []
    for _ in range(reps):
        n, total, start = 0, 0.0, time.perf_counter()
        while True:
            total += fn()
            n += 1
            if time.perf_counter() - start >= min_time and n >= 2:
                break
        out.append(total / n)
    return out


def bench_shape(s, passes, reps, min_time):
    torch.manual_seed(1)
    model = Model(s)
    x = torch.randn(s["batch"], s["frames"], s["input"])
    y = torch.randint(0, s["classes"], (s["batch"],))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    clock = time.perf_counter

    def fwd():
        t = clock()
        out = model(x)
        dt = clock() - t
        fwd.out = out
        return dt

    def fwd_infer():
        with torch.no_grad():
            t = clock()
            fwd_infer.out = model(x)
            return clock() - t

    def bwd():
        opt.zero_grad(set_to_none=False)
        loss = loss_fn(model(x), y)
        t = clock()
        loss.backward()
        return clock() - t

    def step():
        t = clock()
        opt.zero_grad(set_to_none=False)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        step.loss = loss.item()
        return clock() - t

    fns = {"fwd": fwd, "fwd_infer": fwd_infer, "bwd": bwd, "step": step}
    f_fwd, f_bd, f_bw = flops(s)
    work = {"fwd": f_fwd, "fwd_infer": f_fwd, "bwd": f_bd + f_bw, "step": f_fwd + f_bd + f_bw}
    results = []
    for p in passes:
        model.eval() if p == "fwd_infer" else model.train()
        fns[p]()  # warm-up
        if p in ("fwd", "fwd_infer"):
            assert torch.isfinite(fns[p].out).all(), f"{shape_name(s)} {p}: non-finite logits"
        if p == "step":
            assert math.isfinite(step.loss), f"{shape_name(s)}: non-finite loss"
        secs = time_reps(fns[p], reps, min_time)
        med = statistics.median(secs)
        results.append({
            "name": f"recurrent/torch/{p}/{shape_name(s)}", "pass": p, "shape": shape_name(s),
            "seconds_median": med, "seconds_min": min(secs), "seconds_max": max(secs),
            "seconds": secs, "clips_per_s": s["batch"] / med,
            "frames_per_s": s["batch"] * s["frames"] / med, "GFLOP_per_s": work[p] / med / 1e9,
        })
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--table", action="append", required=True, help="shape table (repeatable)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--passes", default="fwd,fwd_infer,bwd,step")
    ap.add_argument("--filter", default="", help="regex on benchmark names (re.search)")
    ap.add_argument("--repetitions", type=int, default=3)
    ap.add_argument("--min-time", type=float, default=0.5, help="seconds per repetition")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    passes = [p for p in args.passes.split(",") if p]
    out = []
    for path in args.table:
        with open(path) as f:
            shapes = expand(yaml.safe_load(f))
        for s in shapes:
            wanted = [p for p in passes
                      if re.search(args.filter, f"recurrent/torch/{p}/{shape_name(s)}")]
            if wanted:
                out += bench_shape(s, wanted, args.repetitions, args.min_time)
    print(json.dumps({"torch": torch.__version__, "threads": args.threads, "table": args.table,
                      "benchmarks": out}, indent=1))


if __name__ == "__main__":
    main()
