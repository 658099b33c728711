#!/usr/bin/python3
"""PyTorch peer of `calmspace bench` (core/bench/cell_comparison.h): the same recipe, data, folds
and model per cell, timed the way CalmSpace times it.

Same as CalmSpace
  data      the dataset file's stored feature set made with the config's `features` options
            (datasets/README.md; no set -> an error naming the file and the sets it has)
  splits    core/train/splits.h: test = fold train.test_fold (run k of cross-validation: fold k),
            validation = fold (k + 1) mod K (or train.valid_fold), training = the rest; a CSV split
            column overrides the folds; speaker independence is checked
  model     (B, T, F) padded -> (x - mean) / std with training-split statistics (population std,
            floored at 1e-5) -> nn.RNN / nn.LSTM / nn.GRU (batch_first, packed with the clip
            lengths, hidden, layers, bidirectional, dropout between layers) -> masked pooling over
            each clip's frames (core/model/pooling.h: attention u = tanh(W y + b), e = v . u,
            softmax over t < len; mean; max; last) -> nn.Linear head; CalmSpace's initialisation
            bounds (U(-1/sqrt(fan_in), +): fan_in H for recurrent weights, D for the attention and
            head, A for v); parameter count printed beside CalmSpace's when known
  training  batches of train.batch_size bucketed by length (sorted, consecutive, shuffled within
            and across), SpecAugment masks on the raw features when configured, softmax
            cross-entropy (class-weighted when train.class_weights), global gradient-norm
            clipping, torch.optim.Adam / AdamW with the config's lr, betas, eps and weight decay,
            the lr schedule of core/train/schedule.h set per epoch
  timing    training clips/s = training clips / wall seconds of the epoch's training half (data
            fetch, padding, forward, loss, backward, clipping, update; validation excluded), mean
            over the timed epochs; inference clips/s = fold 0's test split, features in memory,
            evaluation batches of train.batch_size sorted by length, forward + softmax + loss,
            median over passes (at least 3 and --min-inference-seconds)

A speed peer by default: --epochs N (default 2) timed epochs of fold 0 per cell after
--warmup-epochs W (default 1) untimed ones (PyTorch's first epoch can be several times slower:
seen 4-5x with the 32-unit quick recipe on a 2-core machine; CalmSpace's mean over a whole run
amortises its own first epoch), weights from those epochs. --full trains the whole recipe
(train.epochs, early stopping on validation UA with train.patience) on --folds folds (default
all) and reports test UA / WA / macro-F1 of the best epoch too.

CONFIG is either a YAML recipe with optional `section.key=value` overrides, resolved exactly as
CalmSpace resolves it by `calmspace bench CONFIG --print-config` (--calmspace BIN, default
build/tools/calmspace); or, with --resolved, such a resolved YAML (no binary needed: the device
machine); or a `calmspace bench` output bench.json: its resolved config and cells, and its
parameter counts, which must then equal the peer's.

Writes one JSON object (kind torch-cells-peer) to --out (atomically) or stdout: the command, the
machine record (bench/lib/machine.py) with torch's version and device, and per cell the
parameter count, training and inference clips/s. `calmspace bench ... --peer-json FILE` puts it
beside CalmSpace's figures with the ratios; bench/run_cells_bench.sh runs both.
Run with Debian's interpreter:
  /usr/bin/python3 bench/peers/torch_cells.py configs/lstm.yaml --data out/ravdess_h20.h5 \\
      --threads 2 --epochs 2 --out peer.json
  python3 bench/peers/torch_cells.py OUT/bench.json --data out/ravdess_h20.h5 --device cuda
"""
import argparse
import copy
import json
import math
import os
import re
import shlex
import statistics
import subprocess
import sys
import time

import h5py
import numpy as np
import torch
import torch.nn as nn
import yaml
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bench", "lib"))
import machine  # noqa: E402

CELLS = {"rnn": ("rnn", "tanh"), "rnn_tanh": ("rnn", "tanh"), "rnn_relu": ("rnn", "relu"),
         "lstm": ("lstm", None), "gru": ("gru", None)}
MIN_FEATURE_STD = 1e-5  # core/features/feature_stats.h kMinFeatureStd


class YamlLoader(yaml.SafeLoader):
    """SafeLoader that also reads CalmSpace's `1e-04` (YAML 1.2 style, no dot) as a float."""


YamlLoader.add_implicit_resolver("tag:yaml.org,2002:float", re.compile(r"^[-+]?[0-9]+(\.[0-9]*)?[eE][-+]?[0-9]+$"),
                                 list("-+0123456789"))


def load_yaml(text):
    return yaml.load(text, Loader=YamlLoader)


class PeerError(Exception):
    """A bad input: printed as one line naming the input and the reason."""


# ---------------------------------------------------------------------------------------------
# Config


def resolve_config(args):
    """(resolved config dict, cells, CalmSpace parameter counts by cell or {})."""
    if args.config.endswith(".json"):
        if args.overrides:
            raise PeerError(f"{args.config}: a bench.json carries its resolved config; "
                            f"overrides ({' '.join(args.overrides)}) are not allowed with it")
        try:
            bench = json.load(open(args.config))
        except (OSError, ValueError) as e:
            raise PeerError(f"{args.config}: cannot read ({e})") from None
        if bench.get("kind") != "calmspace-bench":
            raise PeerError(f"{args.config}: not a `calmspace bench` output (kind {bench.get('kind')!r})")
        config = load_yaml(bench["config"])
        params = {c["cell"]: int(c["parameters"]) for c in bench["cells"]}
        cells = args.cells.split(",") if args.cells else [c["cell"] for c in bench["cells"]]
        return config, cells, params
    if args.resolved:
        if args.overrides:
            raise PeerError(f"{args.config}: --resolved takes the config as it is; no overrides")
        try:
            config = load_yaml(open(args.config).read())
        except (OSError, yaml.YAMLError) as e:
            raise PeerError(f"{args.config}: cannot read ({e})") from None
        return config, (args.cells or "rnn,lstm,gru").split(","), {}
    binary = args.calmspace
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        raise PeerError(f"--calmspace {binary}: no calmspace binary to resolve {args.config} "
                        "(build it, or pass a bench.json instead of the YAML)")
    cmd = [binary, "bench", args.config, "--data", args.data, "--out", os.devnull,
           "--print-config", *args.overrides]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise PeerError(f"{args.config}: `{shlex.join(cmd)}` failed: "
                        f"{(r.stderr or r.stdout).strip().splitlines()[-1:]}")
    cells = (args.cells or "rnn,lstm,gru").split(",")
    return load_yaml(r.stdout), cells, {}


def same_value(a, b):
    """YAML scalars compared as CalmSpace writes them (20 == 20.0, '1e-10' == 1e-10)."""
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return str(a).lower() == str(b).lower()


def find_feature_set(f, data_path, features):
    """Key of the stored feature set whose options equal the config's `features` section."""
    # num_threads and device change speed and place, not values (feature_options_yaml leaves them
    # out); a stored set holds the features before speaker_norm (feature_set_key ignores it and
    # speaker_norm_label); without prosody columns (extra: []) their options are left out of the
    # key as well
    ignored = {"num_threads", "device", "speaker_norm", "speaker_norm_label"}
    if not features.get("extra"):
        ignored |= {"extra", "f0_min", "f0_max", "voicing_threshold"}
    wanted = {k: v for k, v in features.items() if k not in ignored}
    if str(features.get("speaker_norm", "none")).lower() != "none":
        raise PeerError("features.speaker_norm: the PyTorch peer reads stored features and does "
                        "not normalise by speaker; run it with speaker_norm: none")
    sets = list(f["features"].keys()) if "features" in f else []
    found, seen = [], []
    for key in sets:
        stored = load_yaml(f["features"][key].attrs["options"])
        diff = [f"{k}: {stored.get(k)!r} here, {v!r} in the config" for k, v in wanted.items()
                if k not in stored or not same_value(stored[k], v)]
        (found if not diff else seen).append((key, diff))
    if len(found) == 1:
        return found[0][0]
    if found:
        raise PeerError(f"{data_path}: several feature sets match the config: {[k for k, _ in found]}")
    detail = "; ".join(f"{k} differs ({', '.join(d[:3])})" for k, d in seen) or "it stores none"
    raise PeerError(f"{data_path}: no stored feature set made with the config's features options "
                    f"({detail}); store one with `calmspace prepare ... data.store_features=true`")


# ---------------------------------------------------------------------------------------------
# Data and splits


class Dataset:
    def __init__(self, path, config):
        try:
            f = h5py.File(path, "r")
        except OSError as e:
            raise PeerError(f"{path}: cannot open as HDF5 ({e})") from None
        with f:
            if f.attrs.get("format") != "calmspace-dataset":
                raise PeerError(f"{path}: not a CalmSpace dataset file (format attribute)")
            if int(f.attrs["sample_rate"]) != int(config["audio"]["sample_rate"]):
                raise PeerError(f"{path}: stores audio at {int(f.attrs['sample_rate'])} Hz but "
                                f"audio.sample_rate is {config['audio']['sample_rate']}")
            self.path = path
            self.num_folds = int(f.attrs["num_folds"])
            self.labels = list(f["labels/names"].asstr()[:])
            self.speakers = list(f["speakers/names"].asstr()[:])
            c = f["clips"]
            self.label = c["label"][:].astype(np.int64)
            self.fold = c["fold"][:].astype(np.int64)
            self.speaker = c["speaker"][:].astype(np.int64)
            self.split = list(c["split"].asstr()[:]) if int(f.attrs.get("has_split", 0)) and "split" in c else None
            self.key = find_feature_set(f, path, config["features"])
            g = f["features"][self.key]
            data = g["data"][:]
            offset, frames = g["offset"][:], g["frames"][:]
        self.features = [data[o:o + n] for o, n in zip(offset, frames)]  # views, (T_i, F)
        self.dim = data.shape[1]

    def splits(self, test_fold, valid_fold):
        """(train, valid, test) clip indices, as core/train/splits.cpp makes them."""
        n = len(self.label)
        names = {"train": 0, "training": 0, "valid": 1, "validation": 1, "val": 1, "dev": 1, "test": 2}
        if self.split is not None and any(s for s in self.split):
            parts = []
            for i, s in enumerate(self.split):
                if s.lower() not in names:
                    raise PeerError(f"{self.path}: clip {i} has split '{s}'; expected train, valid or test")
                parts.append(names[s.lower()])
        else:
            K = self.num_folds
            if not 0 <= test_fold < K:
                raise PeerError(f"train.test_fold: {test_fold} is out of range: {self.path} has folds 0..{K - 1}")
            valid = (test_fold + 1) % K if valid_fold < 0 else valid_fold
            if valid >= K or valid == test_fold:
                raise PeerError(f"train.valid_fold: {valid} is out of range or the test fold")
            parts = [2 if fo == test_fold else 1 if fo == valid else 0 for fo in self.fold]
        where = {}
        for i in range(n):
            sp = int(self.speaker[i])
            if where.setdefault(sp, parts[i]) != parts[i]:
                raise PeerError(f"{self.path}: speaker '{self.speakers[sp]}' is in two splits")
        out = tuple([i for i in range(n) if parts[i] == p] for p in range(3))
        if not out[0]:
            raise PeerError(f"{self.path}: the training split has no clips")
        return out


def feature_stats(feats):
    """Per-feature mean and population std over every frame (core/features/feature_stats.h), floored."""
    rows = np.concatenate(feats).astype(np.float64)
    mean = rows.mean(axis=0)
    std = np.sqrt(np.maximum(0.0, (rows * rows).mean(axis=0) - mean * mean))
    return mean.astype(np.float32), np.maximum(std, MIN_FEATURE_STD).astype(np.float32)


def bucketed_batches(frames, batch_size, rng):
    """Positions sorted by length (random ties), cut into batches, shuffled within and across."""
    order = rng.permutation(len(frames))
    order = order[np.argsort(np.asarray(frames)[order], kind="stable")]
    plan = [rng.permutation(order[i:i + batch_size]) for i in range(0, len(order), batch_size)]
    return [plan[i] for i in rng.permutation(len(plan))]


def spec_augment(x, aug, rng):
    """augment.h: time then frequency masks of width U[0, min(max, extent)] filled with the
    clip's mean; x (T, F) is a copy."""
    if not aug.get("time_masks", 0) and not aug.get("freq_masks", 0):
        return x
    x = x.copy()
    fill = x.mean() if x.size else 0.0
    for axis, count, widest in ((0, aug["time_masks"], aug["time_mask_frames"]),
                                (1, aug["freq_masks"], aug["freq_mask_bins"])):
        extent = x.shape[axis]
        for _ in range(int(count)):
            w = int(rng.integers(0, min(int(widest), extent) + 1))
            s = int(rng.integers(0, extent - w + 1))
            if axis == 0:
                x[s:s + w] = fill
            else:
                x[:, s:s + w] = fill
    return x


def pad(feats):
    """(B, T_max, F) zero-padded float32 array and the lengths (B,) int64."""
    lengths = np.array([len(x) for x in feats], dtype=np.int64)
    out = np.zeros((len(feats), int(lengths.max()), feats[0].shape[1]), dtype=np.float32)
    for b, x in enumerate(feats):
        out[b, :len(x)] = x
    return out, lengths


def lr_for_epoch(t, epoch, without_improvement, state):
    """core/train/schedule.cpp."""
    if epoch < t["warmup_epochs"]:
        start = t["lr"] / 10
        return start + (t["lr"] - start) * epoch / t["warmup_epochs"]
    if t["schedule"] == "constant":
        return t["lr"]
    if t["schedule"] == "cosine":
        span = max(1, t["epochs"] - t["warmup_epochs"] - 1)
        progress = min(1.0, (epoch - t["warmup_epochs"]) / span)
        return t["min_lr"] + 0.5 * (t["lr"] - t["min_lr"]) * (1 + math.cos(math.pi * progress))
    wait = max(1, (t["patience"] if t["patience"] > 0 else 3) // 3)  # plateau
    if without_improvement > 0 and without_improvement % wait == 0:
        state["plateau_lr"] = max(t["min_lr"], state["plateau_lr"] / 2)
    return state["plateau_lr"]


# ---------------------------------------------------------------------------------------------
# Model


class CellModel(nn.Module):
    """The recurrent classifier of core/model/model_options.h with PyTorch's cells."""

    def __init__(self, m, cell, input_dim, num_classes, mean, std):
        super().__init__()
        kind, act = CELLS[cell]
        H, L, dirs = int(m["hidden_size"]), int(m["num_layers"]), 2 if m["bidirectional"] else 1
        common = dict(input_size=input_dim, hidden_size=H, num_layers=L, batch_first=True,
                      bidirectional=bool(m["bidirectional"]), dropout=float(m["dropout"]) if L > 1 else 0.0)
        self.rnn = (nn.RNN(nonlinearity=act, **common) if kind == "rnn" else
                    nn.LSTM(**common) if kind == "lstm" else nn.GRU(**common))
        self.pooling, self.H, D = m["pooling"], H, H * dirs
        self.input_norm = bool(m["input_norm"])
        if self.pooling == "attention":
            A = int(m["attention_dim"])
            self.att = nn.Linear(D, A)  # W (A, D), b (A): PyTorch's default bound 1/sqrt(D)
            self.att_v = nn.Parameter(torch.empty(A).uniform_(-1 / math.sqrt(A), 1 / math.sqrt(A)))
        self.head = nn.Linear(D, num_classes)
        for p in self.head.parameters():  # init.cpp: head bound 1/sqrt(D) (nn.Linear's default)
            nn.init.uniform_(p, -1 / math.sqrt(D), 1 / math.sqrt(D))
        self.register_buffer("mean", torch.from_numpy(mean))
        self.register_buffer("std", torch.from_numpy(std))

    def forward(self, x, lengths):
        """x (B, T, F) padded on the model's device; lengths (B,) int64 on the CPU."""
        B, T, _ = x.shape
        if self.input_norm:
            x = (x - self.mean) / self.std
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        y, _ = pad_packed_sequence(self.rnn(packed)[0], batch_first=True, total_length=T)  # 0 past len
        lens = lengths.to(x.device)
        mask = torch.arange(T, device=x.device)[None, :] < lens[:, None]  # (B, T)
        if self.pooling == "mean":
            p = y.sum(1) / lens[:, None].to(y.dtype)
        elif self.pooling == "max":
            p = y.masked_fill(~mask[..., None], float("-inf")).max(1).values
        elif self.pooling == "last":
            fwd = y[torch.arange(B, device=x.device), lens - 1, :self.H]
            p = torch.cat([fwd, y[:, 0, self.H:]], dim=1)  # reverse half ends at t = 0
        else:  # attention
            e = torch.tanh(self.att(y)) @ self.att_v  # (B, T)
            alpha = torch.softmax(e.masked_fill(~mask, float("-inf")), dim=1)
            p = (alpha[..., None] * y).sum(1)
        return self.head(p)


def parameter_count(model):
    return sum(p.numel() for p in model.parameters())


# ---------------------------------------------------------------------------------------------
# Training, evaluation, timing


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def train_epoch(model, opt, feats, labels, config, epoch, weights, device, rng):
    """One epoch's training half; returns its wall seconds."""
    t, aug = config["train"], config.get("augment", {})
    loss_fn = nn.CrossEntropyLoss(weight=weights)
    model.train()
    sync(device)
    start = time.perf_counter()
    for members in bucketed_batches([len(f) for f in feats], int(t["batch_size"]), rng):
        x, lengths = pad([spec_augment(feats[i], aug, rng) for i in members])
        y = torch.from_numpy(labels[members]).to(device, non_blocking=True)
        logits = model(torch.from_numpy(x).to(device, non_blocking=True), torch.from_numpy(lengths))
        loss = loss_fn(logits, y)
        opt.zero_grad(set_to_none=False)
        loss.backward()
        if t["grad_clip"] > 0:
            nn.utils.clip_grad_norm_(model.parameters(), float(t["grad_clip"]))
        opt.step()
    sync(device)
    seconds = time.perf_counter() - start
    if not math.isfinite(loss.item()):
        raise PeerError(f"training loss is {loss.item()} at epoch {epoch + 1}")
    return seconds


def predict(model, feats, labels, batch_size, device):
    """Predicted class per clip (evaluation mode, batches sorted by length)."""
    model.eval()
    order = np.argsort([len(f) for f in feats], kind="stable")
    predicted = np.zeros(len(feats), dtype=np.int64)
    with torch.no_grad():
        for i in range(0, len(order), batch_size):
            members = order[i:i + batch_size]
            x, lengths = pad([feats[m] for m in members])
            logits = model(torch.from_numpy(x).to(device, non_blocking=True), torch.from_numpy(lengths))
            probs = torch.softmax(logits, dim=1)
            nn.functional.cross_entropy(logits, torch.from_numpy(labels[members]).to(device))
            predicted[members] = probs.argmax(1).cpu().numpy()
    return predicted


def metrics(truth, predicted, C):
    """WA, UA and macro-F1 as core/eval/metrics.h defines them."""
    conf = np.zeros((C, C), dtype=np.int64)
    np.add.at(conf, (truth, predicted), 1)
    support, pred_n, tp = conf.sum(1), conf.sum(0), np.diag(conf)
    recall = np.where(support > 0, tp / np.maximum(support, 1), 0.0)
    precision = np.where(pred_n > 0, tp / np.maximum(pred_n, 1), 0.0)
    f1 = np.where(precision + recall > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-300), 0.0)
    present = support > 0
    return {"wa": float(tp.sum() / max(1, conf.sum())), "ua": float(recall[present].mean()),
            "macro_f1": float(f1[present | (pred_n > 0)].mean())}


def time_inference(model, feats, labels, batch_size, device, min_seconds):
    rates, total = [], 0.0
    while len(rates) < 3 or total < min_seconds:
        sync(device)
        start = time.perf_counter()
        predict(model, feats, labels, batch_size, device)
        sync(device)
        s = time.perf_counter() - start
        total += s
        rates.append(len(feats) / max(s, 1e-9))
    return {"clips_per_s": statistics.median(rates), "min": min(rates), "max": max(rates),
            "passes": len(rates), "clips": len(feats), "batch_size": batch_size}


def run_fold(ds, config, cell, fold, args, device):
    """Trains `cell` on one fold; returns per-epoch clips/s, the model and, in --full, test metrics."""
    t = config["train"]
    test_fold = fold  # cross_validation.h: run k tests fold k, validates on fold (k + 1) mod K
    train, valid, test = ds.splits(test_fold, -1)
    feats = [ds.features[i] for i in train]
    labels = ds.label[train]
    mean, std = feature_stats(feats) if config["model"]["input_norm"] else (
        np.zeros(ds.dim, np.float32), np.ones(ds.dim, np.float32))
    seed = int(t["seed"])
    torch.manual_seed(seed)
    model = CellModel(config["model"], cell, ds.dim, len(ds.labels), mean, std).to(device)
    kind = torch.optim.AdamW if t["optimizer"] == "adamw" else torch.optim.Adam
    opt = kind(model.parameters(), lr=float(t["lr"]), betas=(float(t["beta1"]), float(t["beta2"])),
               eps=float(t["eps"]), weight_decay=float(t["weight_decay"]))
    weights = None
    if t["class_weights"]:
        C = len(ds.labels)
        count = np.bincount(labels, minlength=C).astype(np.float64)
        w = np.where(count > 0, len(labels) / (np.count_nonzero(count) * np.maximum(count, 1)), 1.0)
        weights = torch.tensor(w, dtype=torch.float32, device=device)
    rng = np.random.default_rng([seed, fold])
    warmup = 0 if args.full else args.warmup_epochs
    epochs = int(t["epochs"]) if args.full else warmup + args.epochs
    state = {"plateau_lr": float(t["lr"])}
    rates, best, best_ua, without = [], None, -1.0, 0
    for epoch in range(epochs):
        if args.full and t["patience"] > 0 and without >= t["patience"]:
            break
        lr = lr_for_epoch(t, epoch, without, state)
        for g in opt.param_groups:
            g["lr"] = lr
        rate = len(train) / train_epoch(model, opt, feats, labels, config, epoch, weights, device, rng)
        if epoch >= warmup:
            rates.append(rate)
        print(f"[{cell} fold {fold + 1}] epoch {epoch + 1}/{epochs}: {rate:.1f} training clips/s"
              + (" (warm-up, not counted)" if epoch < warmup else ""), file=sys.stderr, flush=True)
        if args.full:
            ua = metrics(ds.label[valid], predict(model, [ds.features[i] for i in valid], ds.label[valid],
                                                  int(t["batch_size"]), device), len(ds.labels))["ua"] if valid else 0.0
            if best is None or ua > best_ua:
                best, best_ua, without = copy.deepcopy(model.state_dict()), ua, 0
            else:
                without += 1
    out = {"test_fold": test_fold, "train_clips": len(train), "test_clips": len(test),
           "epoch_clips_per_s": rates}
    if args.full and test and best is not None:
        model.load_state_dict(best)
        out["test"] = metrics(ds.label[test], predict(model, [ds.features[i] for i in test], ds.label[test],
                                                      int(t["batch_size"]), device), len(ds.labels))
    return out, model, test


def spread(values):
    mean = statistics.fmean(values)
    return {"mean": mean, "std": statistics.stdev(values) if len(values) > 1 else 0.0, "per_fold": values}


def device_record(device, threads):
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        return {"torch_device": f"cuda ({props.name})",
                "cuda": {"gpus": [{"name": props.name, "memory_bytes": props.total_memory}],
                         "runtime_version": torch.version.cuda,
                         "cudnn_version": torch.backends.cudnn.version()}}
    return {"torch_device": "cpu",
            "cuda": {"gpus": [], "no_gpu_reason": "PyTorch ran on the CPU"}}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("config", help="recipe YAML or a `calmspace bench` bench.json")
    ap.add_argument("overrides", nargs="*", help="section.key=value (with a YAML recipe)")
    ap.add_argument("--data", required=True, help="dataset file made by `calmspace prepare`")
    ap.add_argument("--cells", default="", help="comma-separated cells (default rnn,lstm,gru or bench.json's)")
    ap.add_argument("--folds", type=int, default=None, help="folds to run (default 1; folds 0..N-1)")
    ap.add_argument("--epochs", type=int, default=2, help="timed epochs per fold (speed peer)")
    ap.add_argument("--warmup-epochs", type=int, default=1,
                    help="untimed epochs before the timed ones (speed peer): PyTorch's first epoch "
                         "can be several times slower")
    ap.add_argument("--full", action="store_true", help="train the whole recipe; report test metrics too")
    ap.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default train.num_threads)")
    ap.add_argument("--device", default="cpu", help="cpu or cuda[:N]")
    ap.add_argument("--min-inference-seconds", type=float, default=0.3)
    ap.add_argument("--calmspace", default=os.path.join(ROOT, "build", "tools", "calmspace"),
                    help="calmspace binary that resolves a YAML recipe")
    ap.add_argument("--resolved", action="store_true",
                    help="CONFIG is already resolved (`calmspace bench CONFIG --print-config`): no binary needed")
    ap.add_argument("--out", default="", help="JSON file (default stdout)")
    args = ap.parse_intermixed_args()
    args.folds_given = args.folds is not None
    try:
        config, cells, cs_params = resolve_config(args)
        for c in cells:
            if c not in CELLS:
                raise PeerError(f"--cells: unknown cell '{c}' ({', '.join(CELLS)})")
        t = config["train"]
        threads = args.threads or int(t["num_threads"]) or os.cpu_count()
        torch.set_num_threads(threads)
        device = torch.device(args.device)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise PeerError(f"--device {args.device}: this PyTorch has no usable CUDA device")
        ds = Dataset(args.data, config)
        folds = args.folds if args.folds_given else 1
        if args.full and not args.folds_given:
            folds = ds.num_folds
        results = []
        for cell in cells:  # the same model as CalmSpace's, before anything is timed
            n = parameter_count(CellModel(config["model"], cell, ds.dim, len(ds.labels),
                                          np.zeros(ds.dim, np.float32), np.ones(ds.dim, np.float32)))
            print(f"{cell}: {n} parameters (PyTorch)"
                  + (f", {cs_params[cell]} (CalmSpace)" if cell in cs_params else ""), file=sys.stderr)
            if cell in cs_params and cs_params[cell] != n:
                raise PeerError(f"{cell}: PyTorch model has {n} parameters, CalmSpace's {cs_params[cell]}: "
                                "the models differ")
        for cell in cells:
            runs, first_model, first_test = [], None, None
            for k in range(folds):
                run, model, test = run_fold(ds, config, cell, k, args, device)
                runs.append(run)
                if k == 0:
                    first_model, first_test = model, test
            n = parameter_count(first_model)
            rec = {"cell": cell, "parameters": n, "model_bytes": 4 * n,
                   "train_clips_per_s": statistics.fmean(r for run in runs for r in run["epoch_clips_per_s"]),
                   "epochs_timed": sum(len(run["epoch_clips_per_s"]) for run in runs),
                   "folds": runs}
            if cell in cs_params:
                rec["calmspace_parameters"] = cs_params[cell]
            test_feats = [ds.features[i] for i in first_test]
            rec["inference"] = time_inference(first_model, test_feats, ds.label[first_test],
                                              int(t["batch_size"]), device, args.min_inference_seconds)
            rec["inference"]["threads"] = threads
            if args.full:
                for m in ("ua", "wa", "macro_f1"):
                    rec[m] = spread([run["test"][m] for run in runs if "test" in run])
            results.append(rec)
    except PeerError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyError as e:
        print(f"error: {args.config}: the config has no {e} (give a resolved config: "
              "`calmspace bench CONFIG --data D --out O --print-config`)", file=sys.stderr)
        return 1
    extra = {"torch": torch.__version__, "threads": threads, **device_record(device, threads)}
    result = {
        "kind": "torch-cells-peer",
        "command": shlex.join([os.path.relpath(sys.argv[0], ROOT) if sys.argv[0].startswith(ROOT) else sys.argv[0],
                               *sys.argv[1:]]),
        "machine": machine.record(ROOT, os.path.join(ROOT, "build"), dirty_paths=["bench/peers/torch_cells.py"],
                                  extra=extra),
        "data": os.path.abspath(args.data), "feature_set": ds.key, "device": str(device),
        "threads": threads, "mode": "full" if args.full else "speed",
        "epochs_per_fold": int(t["epochs"]) if args.full else args.epochs, "folds_run": folds,
        "warmup_epochs": 0 if args.full else args.warmup_epochs,
        "definitions": {
            "train_clips_per_s": "mean over the timed epochs (after warmup_epochs untimed ones) of "
                                 "training clips / wall seconds of the epoch's training half "
                                 "(validation excluded)",
            "inference": "fold 0's test split, features in memory, batches of train.batch_size sorted "
                         "by length; median over passes of clips per second"},
        "config": config, "cells": results}
    text = json.dumps(result, indent=1) + "\n"
    if args.out:
        with open(args.out + ".tmp", "w") as f:
            f.write(text)
        os.replace(args.out + ".tmp", args.out)
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
