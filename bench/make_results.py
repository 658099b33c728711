#!/usr/bin/python3
"""Generates bench/RESULTS.md from the result files in bench/results/ (never edit it by hand).

Reads
  *.json  results written by the runners (bench/run_*.sh: kind recurrent, features_cpu,
          train_step_cpu; bench/run_cells_bench.sh copies `calmspace bench`'s bench.json, kind
          calmspace-bench, with its PyTorch peers); each records its command and machine
          (bench/lib/machine.py)
  *.md    older result pages without a JSON twin: their title, summary tables and the command
          that produced them ("Produced by `...`")
Results marked smoke (bench/run_recurrent_bench.sh ... smoke) are listed under their own heading
as checks that the suite runs, not measurements. Usage:
  /usr/bin/python3 bench/make_results.py [--results bench/results] [--out bench/RESULTS.md]
"""
import argparse
import glob
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import machine  # noqa: E402


def pm(s, scale=100.0, fmt="{:.1f}"):
    return f"{fmt.format(scale * s['mean'])} ± {fmt.format(scale * s['std'])}"


def recurrent_section(r):
    lines = [f"Command: `{r['command']}`", "", *machine.markdown(r["machine"]),
             f"- PyTorch {r['machine'].get('torch', '?')} ({r['machine'].get('torch_env', '')}), same shapes and threads",
             f"- FLOP convention: {r.get('flop_convention', '?')}",
             f"- backward: {r.get('backward', '?')}", "",
             "Median time per call. Speed-up = PyTorch time / CalmSpace time (above 1: CalmSpace faster).", "",
             "| benchmark (pass/cell/shape) | CalmSpace ms (min-max) | GFLOP/s | clips/s | PyTorch ms | speed-up |",
             "| --- | --- | --- | --- | --- | --- |"]
    for row in r["rows"]:
        t = f"{row['torch_ms']:.3f}" if "torch_ms" in row else "-"
        s = f"{row['speedup_vs_torch']:.2f}x" if "speedup_vs_torch" in row else "-"
        lines.append(f"| {row['benchmark']} | {row['calmspace_ms']:.3f} ({row['calmspace_ms_min']:.3f}-"
                     f"{row['calmspace_ms_max']:.3f}) | {row['GFLOP_per_s']:.2f} | {row['clips_per_s']:,.0f} | {t} | {s} |")
    return lines


def cells_section(b):
    m = b.get("machine", {})
    lines = [f"Command: `{b.get('command', '?')}`", "", *machine.markdown(m),
             f"- folds: {b['folds_run']} of {b['num_folds']} speaker-independent folds; mean ± sample std", "",
             "| cell | UA (%) | WA (%) | macro-F1 (%) | training time per fold (s) | training clips/s | inference clips/s | parameters |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for c in b["cells"]:
        lines.append(f"| {c['cell']} | {pm(c['ua'])} | {pm(c['wa'])} | {pm(c['macro_f1'])} | "
                     f"{pm(c['train_seconds'], 1.0)} | {c['train_clips_per_s']:,.0f} | "
                     f"{c['inference']['clips_per_s']:,.0f} | {c['parameters']:,} |")
    for peer in b.get("peers", []):  # PyTorch peers (calmspace bench --peer-json), rendered there
        lines += [""] + ["####" + l[2:] if l.startswith("## ") else l
                         for l in peer.get("markdown", "").rstrip().splitlines()]
    return lines


def features_section(r):
    lines = [f"Command: `{r['command']}`", "", *machine.markdown(r["machine"]), "",
             "| threads | CalmSpace audio-s/s (min-max) | torchaudio audio-s/s | CalmSpace / torchaudio |",
             "| --- | --- | --- | --- |"]
    for row in r["rows"]:
        lines.append(f"| {row['threads']} | {row['calmspace_audio_s_per_s']:,.0f} ({row['calmspace_min']:,.0f}-"
                     f"{row['calmspace_max']:,.0f}) | {row['torchaudio_audio_s_per_s']:,.0f} | {row['ratio']:.1f}x |")
    return lines


def train_step_section(r):
    lines = [f"Command: `{r['command']}`", "", *machine.markdown(r["machine"]), "",
             "| cell | threads | CalmSpace train clips/s | PyTorch (PASSIVE) | ratio | CalmSpace forward clips/s | PyTorch (PASSIVE) | ratio |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for row in r["rows"]:
        c, p = row["calmspace"], row["torch_passive"]
        lines.append(f"| {row['cell']} | {row['threads']} | {c['train'][0]:,.1f} | {p['train'][0]:,.1f} | "
                     f"{c['train'][0] / p['train'][0]:.1f}x | {c['forward'][0]:,.1f} | {p['forward'][0]:,.1f} | "
                     f"{c['forward'][0] / p['forward'][0]:.1f}x |")
    return lines


def legacy_md(path):
    """Title, summary (everything before the first '## Raw') and commands of an older result page:
    "Produced by `...`", "Command: `...`", "Dataset: `...`" and `calmspace ...` lines in code blocks."""
    text = open(path).read()
    head = text.split("\n## Raw", 1)[0].strip().splitlines()
    title = head[0].lstrip("# ").strip() if head else os.path.basename(path)
    body = ["####" + l[2:] if l.startswith("## ") else "####" + l[3:] if l.startswith("### ") else l
            for l in head[1:]]
    commands, in_code = [], False
    for l in text.splitlines():
        if l.startswith("```"):
            in_code = not in_code
            continue
        for marker in ("Produced by `", "Command: `", "Dataset: `"):
            if marker in l:
                commands.append(l.split(marker, 1)[1].split("`", 1)[0])
        # "Produced by `A` (here) and `B` (on the device)": every command on that line.
        if "Produced by `" in l:
            commands += l.split("Produced by `", 1)[1].split("`")[2::2]
        # A command, not a program's output line such as "calmspace serve: http://...".
        if in_code and l.startswith(("calmspace ", "build/")) and not l.split()[1].endswith(":"):
            commands.append(l.strip())
    return title, "; ".join(dict.fromkeys(commands)), body


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", default=os.path.join(here, "results"))
    ap.add_argument("--out", default=os.path.join(here, "RESULTS.md"))
    args = ap.parse_args()

    measured, smoke, commands = [], [], []
    jsons = sorted(glob.glob(os.path.join(args.results, "*.json")))
    for path in jsons:
        r = json.load(open(path))
        name = os.path.relpath(path, os.path.dirname(here))
        kind = r.get("kind")
        if kind == "recurrent":
            title, body = f"Recurrent layers, {r.get('backend', 'cpu')} backend: {r.get('table')}", recurrent_section(r)
        elif kind == "calmspace-bench":
            title, body = f"RNN vs LSTM vs GRU on {os.path.basename(r.get('data', '?'))}", cells_section(r)
        elif kind == "features_cpu":
            title, body = "CPU log-mel features vs torchaudio", features_section(r)
        elif kind == "train_step_cpu":
            title = "CPU training step vs PyTorch" + (
                ", conv front-end" if r.get("frontend") else "") + (
                ", residual + layer norm between layers" if r.get("stack") else "")
            body = train_step_section(r)
        else:
            print(f"{name}: unknown result kind {kind!r}, skipped", file=sys.stderr)
            continue
        date = r.get("machine", {}).get("date_utc", "")[:10]
        section = [f"### {title} ({date})", "", f"Source: `{name}`", "", *body, ""]
        (smoke if r.get("smoke") else measured).append(section)
        commands.append((r.get("runner_command", r.get("command", "?")), name, bool(r.get("smoke"))))
    for path in sorted(glob.glob(os.path.join(args.results, "*.md"))):
        if os.path.exists(path[:-3] + ".json"):
            continue
        title, command, body = legacy_md(path)
        name = os.path.relpath(path, os.path.dirname(here))
        measured.append([f"### {title}", "", f"Source: `{name}`", "", *body, ""])
        commands.append((command or "(see the source page)", name, False))

    gpu = [f"`{os.path.basename(p)}`" for p in sorted(glob.glob(os.path.join(args.results, "gpu_*.md")))]
    gpu_pages = "the pages " + ", ".join(gpu) if gpu else "none are recorded yet"
    md = ["# CalmSpace benchmark results", "",
          "Generated by `/usr/bin/python3 bench/make_results.py` from `bench/results/`; do not edit by hand.",
          "Every figure below names the command that produced it and the machine it ran on. GPU numbers "
          "appear only from runs on a real GPU: " + gpu_pages + ". Absolute times on a shared machine "
          "drift: compare ratios measured in the same run.", "",
          "## Commands", "", "| result | command |", "| --- | --- |"]
    md += [f"| `{n}`{' (smoke)' if s else ''} | `{c}` |" for c, n, s in commands]
    md += ["", "## Measured results", ""]
    for s in measured:
        md += s
    if smoke:
        md += ["## Smoke runs (checks that the suite runs; NOT measurements)", "",
               "Tiny repetitions on a loaded 2-core development machine, recorded only to show the "
               "commands and the report format; refresh with recorded runs on a quiet machine.", ""]
        for s in smoke:
            md += s
    with open(args.out + ".tmp", "w") as f:
        f.write("\n".join(md).rstrip() + "\n")
    os.replace(args.out + ".tmp", args.out)
    print(f"wrote {args.out}: {len(measured)} measured, {len(smoke)} smoke result(s)")


if __name__ == "__main__":
    main()
