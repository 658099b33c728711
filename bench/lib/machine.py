"""The machine record of every benchmark result, for the runner scripts (bench/run_*.sh).

The C++ benchmarks write the same record into their Google Benchmark JSON context
(core/bench/machine_info.h: CPU, threads, CUDA runtime/driver/cuDNN, GPUs or why there is none,
compiler, build type, git revision); record() takes it from there when given that JSON, and adds
what only the runner sees: load average, library versions, the build directory's build type, and
whether the measured paths have uncommitted changes.
"""
import datetime
import json
import os
import platform
import subprocess


def sh(cmd, cwd=None):
    """stdout of a shell command, stripped; '? (error)' when it cannot run."""
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, cwd=cwd).stdout.strip()
    except Exception as e:  # noqa: BLE001
        return f"? ({e})"


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def record(root, build, context=None, dirty_paths=(), extra=None):
    """One dict: the C++ record from a Google Benchmark `context` when given, else measured here."""
    m = {}
    if context and "calmspace_machine" in context:
        m = json.loads(context["calmspace_machine"])
    else:
        m = {"host": platform.node(), "os": platform.platform(), "logical_cpus": os.cpu_count(),
             "cpu": sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"),
             "git_revision": sh("git rev-parse HEAD", root),
             "date_utc": datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")}
    cache = os.path.join(build, "CMakeCache.txt")
    if os.path.exists(cache):
        for line in open(cache):
            if line.startswith("CMAKE_BUILD_TYPE:"):
                m["build_type"] = line.split("=", 1)[1].strip()
    m["load_average"] = load_average()
    m["compiler_version"] = sh("c++ --version | head -1")
    m["openblas"] = sh("dpkg-query -W -f='${Package} ${Version}' libopenblas0-pthread")
    m["fftw"] = sh("dpkg-query -W -f='${Version}' libfftw3-single3")
    if dirty_paths:
        m["uncommitted_changes_in_measured_code"] = bool(
            sh("git status --porcelain -- " + " ".join(dirty_paths), root))
    m.update(extra or {})
    return m


def markdown(m):
    """Bullet lines for a results page."""
    cuda = m.get("cuda", {})
    gpus = ", ".join(g["name"] + (f" ({g['bandwidth_gbs']:.0f} GB/s peak)" if "bandwidth_gbs" in g else "")
                     for g in cuda.get("gpus", []))
    dirty = " (uncommitted changes in the measured code)" if m.get("uncommitted_changes_in_measured_code") else ""
    lines = [
        f"- git: {m.get('git_revision', '?')}{dirty}",
        f"- CPU: {m.get('cpu', '?')}, {m.get('logical_cpus', '?')} logical CPUs, {m.get('threads', '?')} threads; {m.get('os', '')}",
        f"- GPU: {gpus or 'none (' + cuda.get('no_gpu_reason', 'not recorded') + ')'}; CUDA runtime {cuda.get('runtime_version') or '-'}, "
        f"driver {cuda.get('driver_version') or '-'}, cuDNN {cuda.get('cudnn_version') or '-'}",
        f"- build: {m.get('build_type', '?')}; {m.get('compiler_version', m.get('compiler', '?'))}; {m.get('openblas', '')}",
        f"- load average (1, 5, 15 min) at the end: {m.get('load_average', '?')} (a shared machine: other jobs may run)",
    ]
    return lines


def median(values):
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2
