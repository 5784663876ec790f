"""Measuring commands side by side: one child process at a time, its wall and CPU time, its peak memory.

Shared by ``benchmarks/build.py``, ``verify.py`` and ``publish.py``. The machine these run on is shared
(2 cores, several agents' test suites): absolute seconds move with the load, so every benchmark runs the
tools *interleaved* (one round = each tool once, in turn) and reports, per tool, the minimum and the median
over the rounds, and per pair of tools the minimum and median of each round's own ratio (both sides of a
ratio saw the same load). The 1-minute load average is printed with every figure.

Memory: ``tree_mb`` is the summed resident memory (RSS) of the child and all its descendants, sampled
every 0.1 s from ``/proc`` (pages a forked worker shares with its parent count in both: this over-states
the sum, never under-states it); ``maxrss_mb`` is ``ru_maxrss`` of ``os.wait4``, the largest single
process among the child and the descendants it waited for (it includes the benchmark's own pages a
forked child holds until it execs, so it is not reported in the tables). A process that lives less than
0.1 s may be missed by the sampler (its tree RSS shows as 0).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

SAMPLE_EVERY = 0.1


@dataclass
class Run:
    seconds: float
    cpu: float  # user + system seconds of the child and the descendants it waited for
    maxrss_mb: float  # the largest single process (os.wait4)
    tree_mb: float  # the process tree's summed resident memory, sampled
    load: float  # 1-minute load average when the run ended
    code: int
    stdout: str = ""
    stderr: str = ""


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def tree_rss(pid: int) -> int:
    """Summed resident bytes of ``pid`` and its descendants (0 once it has exited)."""
    tree, total, todo = _children(), 0, [pid]
    page = os.sysconf("SC_PAGE_SIZE")
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/statm", "rb") as f:
                total += int(f.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            pass
        todo += tree.get(p, [])
    return total


def measure(cmd: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None, *, keep_output: bool = False) -> Run:
    """Run ``cmd`` once; wall time, CPU time and memory of it and its descendants."""
    peak = [0]
    done = threading.Event()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(list(cmd), cwd=cwd, env=dict(env) if env is not None else None, stdout=out,
                                stderr=err)

        def sample() -> None:
            while True:
                peak[0] = max(peak[0], tree_rss(proc.pid))
                if done.wait(SAMPLE_EVERY):
                    return

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        took = time.perf_counter() - started
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace") if keep_output else ""
        stderr = err.read().decode(errors="replace")
    return Run(took, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, peak[0] / 2**20, os.getloadavg()[0],
               proc.returncode, stdout, stderr[-800:] if proc.returncode else "")


def show(label: str, run: Run) -> None:
    flag = "" if run.code == 0 else f"  FAILED (exit {run.code}): {run.stderr.strip()[-400:]}"
    print(f"  {label:34s} {run.seconds:7.2f} s  cpu {run.cpu:6.2f} s  tree {run.tree_mb:6.0f} MB  "
          f"max process {run.maxrss_mb:5.0f} MB  load {run.load:4.1f}{flag}", flush=True)


def spread(values: Sequence[float], unit: str = " s", digits: int = 2) -> str:
    """``median (min)`` of the values."""
    if not values:
        return "-"
    return f"{statistics.median(values):.{digits}f}{unit} (min {min(values):.{digits}f})"


def ratios(a: Sequence[Run], b: Sequence[Run]) -> list[float]:
    """Each round's own ratio ``a / b`` (the same round saw the same load)."""
    return [x.seconds / y.seconds for x, y in zip(a, b, strict=False) if y.seconds > 0]


def ratio_text(a: Sequence[Run], b: Sequence[Run]) -> str:
    found = ratios(a, b)
    if not found:
        return "-"
    return f"{statistics.median(found):.2f}x (min {min(found):.2f}x)"


def table(rows: Mapping[str, Sequence[Run]]) -> list[str]:
    """A Markdown table: per tool, rounds, wall median (min), CPU median, peak tree memory, loads."""
    lines = ["| run | rounds | wall, median (min) | CPU, median | peak tree RSS | load | ok |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for label, runs in rows.items():
        if not runs:
            continue
        loads = [r.load for r in runs]
        ok = "yes" if all(r.code == 0 for r in runs) else f"exit {sorted({r.code for r in runs})}"
        lines.append(f"| {label} | {len(runs)} | {spread([r.seconds for r in runs])} | "
                     f"{statistics.median(r.cpu for r in runs):.2f} s | {max(r.tree_mb for r in runs):.0f} MB | "
                     f"{min(loads):.1f}-{max(loads):.1f} | {ok} |")
    return lines


def load_line() -> str:
    """``uptime``'s view of the machine (printed at the start and the end of every benchmark)."""
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return f"load average {os.getloadavg()}"
