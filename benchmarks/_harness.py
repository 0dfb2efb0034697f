"""Shared benchmark harness: thread pinning, timing, tables, JSON results."""

import datetime
import json
import os
import platform
import statistics
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import numba
import numpy as np
import scipy
import sklearn
from threadpoolctl import threadpool_info, threadpool_limits

RESULTS_DIR = Path(__file__).parent / "results"

# Columns every benchmark row provides; modules add more via EXTRA_COLUMNS.
COLUMNS = (
    ("case", "case"),
    ("ours_s", "ours s"),
    ("peer", "peer"),
    ("peer_s", "peer s"),
    ("ratio", "ratio (ours/peer)"),
    ("ours_metric", "our {metric}"),
    ("peer_metric", "peer {metric}"),
)


@contextmanager
def pinned_threads(threads):
    """Limit BLAS/OpenMP, numba and rayon pools to ``threads``, restored on exit.

    threadpoolctl does not see numba's pool, so it is set separately.
    ``RAYON_NUM_THREADS`` only takes effect if the Rust peer's pool starts
    inside the block, which is the case when a benchmark runs in its own process.
    """
    if threads > numba.config.NUMBA_NUM_THREADS:
        raise ValueError(
            f"threads={threads} exceeds numba's limit NUMBA_NUM_THREADS="
            f"{numba.config.NUMBA_NUM_THREADS}."
        )
    previous_numba = numba.get_num_threads()
    previous_rayon = os.environ.get("RAYON_NUM_THREADS")
    os.environ["RAYON_NUM_THREADS"] = str(threads)
    numba.set_num_threads(threads)
    try:
        with threadpool_limits(limits=threads):
            yield
    finally:
        numba.set_num_threads(previous_numba)
        if previous_rayon is None:
            os.environ.pop("RAYON_NUM_THREADS", None)
        else:
            os.environ["RAYON_NUM_THREADS"] = previous_rayon


class Timing(NamedTuple):
    median: float  # seconds
    times: list  # every timed call, seconds
    result: Any  # return value of the last call


def log(msg):
    """Progress line on stderr (the table goes to stdout)."""
    import sys

    print(msg, file=sys.stderr, flush=True)


def time_interleaved(fns, repeats, *, warmup=1, single_run_s=None, budget_s=None):
    """``{name: Timing}`` for the callables ``fns`` (a dict), timed in interleaved rounds.

    ``warmup`` untimed rounds call each function (numba compilation, cold
    caches); then rounds call every function once, in order, so that drift of
    the machine hits ours and the peers alike.  Median of the timed calls.

    With ``single_run_s``, a function whose (timed) first warm-up call took
    longer keeps that call as its only measurement.  With ``budget_s``, each
    function gets ``min(repeats, max(1, budget_s // first call))`` timed calls.
    """
    results, times, due = {}, {}, {}
    for name, fn in fns.items():
        first = None
        for _ in range(max(warmup, 1 if single_run_s or budget_s else 0)):
            start = time.perf_counter()
            results[name] = fn()
            first = time.perf_counter() - start
        times[name], due[name] = [], repeats
        if first is not None and single_run_s is not None and first > single_run_s:
            times[name], due[name] = [first], 0
        elif first is not None and budget_s is not None:
            due[name] = max(1, min(repeats, int(budget_s // max(first, 1e-9))))
    for round_ in range(max(due.values(), default=0)):
        for name, fn in fns.items():
            if round_ < due[name]:
                start = time.perf_counter()
                results[name] = fn()
                times[name].append(time.perf_counter() - start)
    return {name: Timing(statistics.median(times[name]), times[name], results[name])
            for name in fns}


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment(threads):
    """Machine and library facts recorded with every result."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count()
    blas = [
        {k: info.get(k) for k in ("user_api", "internal_api", "version", "num_threads",
                                  "threading_layer", "architecture")}
        | {"library": os.path.basename(info.get("filepath", ""))}
        for info in threadpool_info()
    ]
    return {
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": usable,
        "threads": threads,
        "loadavg_1min": os.getloadavg()[0],  # other load on the machine skews timings
        "numba_threads": numba.get_num_threads(),
        "numba_threading_layer": numba.config.THREADING_LAYER,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "numba": numba.__version__,
        "sklearn": sklearn.__version__,
        "threadpools": blas,
    }


def format_environment(env):
    pools = "; ".join(
        f"{p['internal_api']} {p['version']} ({p['library']}, {p['num_threads']} threads)"
        for p in env["threadpools"]
    ) or "none loaded"
    busy = env["loadavg_1min"] > 0.5 * env["cpus_usable"]
    return ("# WARNING: machine busy before the run; timings may be inflated\n" if busy else "") + (
        f"# {env['cpu']}, {env['cpu_count']} CPUs ({env['cpus_usable']} usable), "
        f"threads pinned to {env['threads']}, load average {env['loadavg_1min']:.2f}\n"
        f"# python {env['python']}, numpy {env['numpy']}, scipy {env['scipy']}, "
        f"numba {env['numba']}, sklearn {env['sklearn']}\n"
        f"# threadpools: {pools}"
    )


def _cell(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1e-3 and value != 0 else f"{value:.4g}"
    return str(value)


def format_table(rows, extra_columns=()):
    """Markdown table of the rows; the metric name goes into the headers."""
    metric = rows[0].get("metric", "metric") if rows else "metric"
    columns = [(k, h.format(metric=metric)) for k, h in COLUMNS] + list(extra_columns)
    lines = [
        "| " + " | ".join(h for _, h in columns) + " |",
        "|" + "|".join("---" for _ in columns) + "|",
    ]
    for row in rows:
        lines.append("| " + " | ".join(_cell(row.get(k)) for k, _ in columns) + " |")
    return "\n".join(lines)


def _jsonable(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def write_json(name, rows, env, settings):
    """Write ``results/<name>-<timestamp>.json``; return its path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = RESULTS_DIR / f"{name}-{stamp}.json"
    payload = {"benchmark": name, "settings": settings, "environment": env, "rows": rows}
    path.write_text(json.dumps(payload, indent=2, default=_jsonable) + "\n")
    return path


def lrsparse_commit():
    """``git describe``-like stamp of the lrsparse sources benchmarked (they change often)."""
    import subprocess
    from pathlib import Path

    import lrsparse

    root = Path(lrsparse.__file__).resolve().parent
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "."],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return commit + (" + uncommitted changes in lrsparse/" if dirty else "")


def markdown_table(header, lines):
    """Print a Markdown table (the closing notes quote the benchmarks' tables as they are)."""
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for line in lines:
        print("| " + " | ".join(line) + " |")
    print(flush=True)


def target_mark(ok):
    """``MET`` or ``MISSED``, the column of the targets' lines every benchmark prints."""
    return "MET   " if ok else "MISSED"
