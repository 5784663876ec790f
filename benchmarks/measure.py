"""Measuring commands side by side: one child process at a time, its wall and CPU time, its peak memory.

Shared by ``benchmarks/build.py``, ``verify.py`` and ``publish.py``. The machine these run on is shared
(2 cores, several agents' test suites): absolute seconds move with the load, so every benchmark runs the
tools *interleaved* (one round = each tool once, in turn) and reports, per tool, the minimum and the median
over the rounds, and per pair of tools the minimum and median of each round's own ratio (both sides of a
ratio saw the same load). The 1-minute load average is printed with every figure.

Memory: ``tree_mb`` is the summed resident memory (RSS) of the child and all its descendants (children,
grandchildren, and the processes it left running, see below), sampled every :data:`SAMPLE_EVERY` s
(20 ms) from ``/proc``. A child that shares its parent's address space (between ``vfork`` and ``exec``:
every ``subprocess`` a Python process starts, for the instant before the new program replaces it) shows
its parent's whole RSS, the same pages: it is left out of the sum (:func:`shares_memory`; counting it
would add the parent's size once more, memory nobody uses). A forked child (``os.fork``, a
``multiprocessing`` worker) has its own copy-on-write address space: its RSS, pages it still shares with
its parent included, is counted (this over-states the sum, never under-states it). It is a sampled
figure: a peak of the sum shorter than 20 ms, or a process living less than that (a ``git`` call), may be
missed. ``largest_mb`` is the largest single process: the
largest ``VmHWM`` (the kernel's own peak RSS of a process, kept between samples) of every process seen in
the tree, so a short-lived peak of a process alive at one sample is never missed. ``maxrss_mb`` is
``ru_maxrss`` of ``os.wait4`` (the child and the descendants it waited for; it includes the benchmark's own
pages a forked child holds until it execs, so it is not reported in the tables).

What a command leaves running (a background deleter started with ``start_new_session``, a child it never
waited for) would be reparented to init, out of the measured tree, and run into the next tool's
measurement. This process makes itself a child subreaper (Linux ``PR_SET_CHILD_SUBREAPER``), so those
orphans become its children: they stay in the sampled tree, :func:`measure` waits for them after the
command returned, and reports how long they ran after it (``after_seconds``) and their CPU time
(``after_cpu``, not in ``cpu``, which is the command's and what it waited for, as before; the tables
show their sum, ``all_cpu``). Such orphans are real work of the command: the render workers of a
``multiprocessing`` forkserver are children of the forkserver, which the command never waits for, so
before this their CPU time was in no figure.
"""

from __future__ import annotations

import ctypes
import math
import os
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

SAMPLE_EVERY = 0.02  # a sample of /proc costs about 1 ms on this machine (80 processes)
PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h
SYS_KCMP = {"x86_64": 312, "aarch64": 272}.get(os.uname().machine)  # asm/unistd.h
KCMP_VM = 1  # linux/kcmp.h: do two processes share one address space?
_LIBC = ctypes.CDLL(None, use_errno=True)


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
    largest_mb: float = 0.0  # the largest single process: its own peak RSS (VmHWM), of every process seen
    after_seconds: float = 0.0  # how long what the command left running ran after it returned
    after_cpu: float = 0.0  # the CPU time of what it left running (orphans, reaped here)

    @property
    def all_cpu(self) -> float:
        """The CPU time of the whole tree: the command's, what it waited for, and what it left running."""
        return self.cpu + self.after_cpu


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


def _status(pid: int) -> dict[bytes, bytes]:
    """The fields of ``/proc/<pid>/status`` (empty once it has exited)."""
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            return dict(line.split(b":", 1) for line in f.read().splitlines() if b":" in line)
    except OSError:
        return {}


def shares_memory(pid: int, parent: int) -> bool:
    """``pid`` uses ``parent``'s own address space: a child between ``vfork`` and ``exec`` (the kernel's
    ``kcmp(KCMP_VM)``; where that is refused, the same name, ``VmSize`` and ``VmRSS`` as its parent, which a
    forked child leaves as soon as either side touches a page). A forked child has an address space of
    its own: False."""
    if SYS_KCMP is not None:
        found = int(_LIBC.syscall(SYS_KCMP, pid, parent, KCMP_VM, 0, 0))
        if found >= 0:
            return found == 0
    mine, theirs = _status(pid), _status(parent)
    keys = (b"Name", b"VmSize", b"VmRSS")
    return all(k in mine for k in keys) and all(mine[k] == theirs.get(k) for k in keys)


def parents_of(tree: Mapping[int, list[int]]) -> dict[int, int]:
    """pid -> parent pid, from :func:`_children`'s map."""
    return {kid: parent for parent, kids in tree.items() for kid in kids}


def tree_rss(pid: int) -> int:
    """Summed resident bytes of ``pid`` and its descendants (0 once it has exited), less the children that
    share their parent's address space (:func:`shares_memory`)."""
    tree, total, todo = _children(), 0, [pid]
    parents = parents_of(tree)
    page = os.sysconf("SC_PAGE_SIZE")
    while todo:
        p = todo.pop()
        todo += tree.get(p, [])
        if p != pid and shares_memory(p, parents[p]):
            continue
        try:
            with open(f"/proc/{p}/statm", "rb") as f:
                total += int(f.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            pass
    return total


def _memory(pid: int) -> tuple[int, int]:
    """``(VmRSS, VmHWM)`` of ``pid`` in bytes (0, 0 once it has exited or for a zombie)."""
    rss = hwm = 0
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmRSS:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith(b"VmHWM:"):
                    hwm = int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return rss, hwm


def _subreaper() -> bool:
    """Make this process the reaper of its descendants' orphans (Linux; False elsewhere)."""
    try:
        return int(_LIBC.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


SUBREAPER = _subreaper()


class _Sampler(threading.Thread):
    """The process tree of ``pid`` and of this process's children that were not there before it (the
    orphans it adopted), sampled until :meth:`stop`."""

    def __init__(self, pid: int, before: set[int]) -> None:
        super().__init__(daemon=True)
        self.pid, self.before = pid, before
        self.peak = self.largest = 0
        self.done = threading.Event()

    def roots(self, tree: Mapping[int, list[int]]) -> list[int]:
        return [self.pid, *(p for p in tree.get(os.getpid(), []) if p not in self.before and p != self.pid)]

    def run(self) -> None:
        while True:
            tree = _children()
            parents = parents_of(tree)
            todo, total = self.roots(tree), 0
            while todo:
                p = todo.pop()
                todo += tree.get(p, [])
                if p in parents and p != self.pid and shares_memory(p, parents[p]):
                    # between vfork and exec: its parent's pages, counted with its parent (asked before
                    # reading the size: one that execs meanwhile is left out, a few MB for one sample)
                    continue
                rss, hwm = _memory(p)
                total += rss
                self.largest = max(self.largest, hwm)
            self.peak = max(self.peak, total)
            if self.done.wait(SAMPLE_EVERY):
                return

    def stop(self) -> None:
        self.done.set()
        self.join()


def reap_left(pid: int, before: set[int]) -> float:
    """Wait for every orphan the command ``pid`` left (this subreaper's children other than ``pid`` and
    those in ``before``); their summed CPU time (with the descendants they waited for)."""
    cpu = 0.0
    while True:
        left = [p for p in _children().get(os.getpid(), []) if p not in before and p != pid]
        if not left:
            return cpu
        for pid in left:
            try:
                _, _, usage = os.wait4(pid, 0)
            except ChildProcessError:
                continue
            cpu += usage.ru_utime + usage.ru_stime


def measure(cmd: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None, *, keep_output: bool = False) -> Run:
    """Run ``cmd`` once; wall time, CPU time and memory of it and its descendants, then wait for what it
    left running (see the module docstring)."""
    before = set(_children().get(os.getpid(), []))
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(list(cmd), cwd=cwd, env=dict(env) if env is not None else None, stdout=out,
                                stderr=err)
        sampler = _Sampler(proc.pid, before)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        took = time.perf_counter() - started
        after_cpu = reap_left(proc.pid, before) if SUBREAPER else 0.0
        after = time.perf_counter() - started - took
        sampler.stop()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace") if keep_output else ""
        stderr = err.read().decode(errors="replace")
    return Run(took, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, sampler.peak / 2**20,
               os.getloadavg()[0], proc.returncode, stdout, stderr[-800:] if proc.returncode else "",
               largest_mb=sampler.largest / 2**20, after_seconds=after, after_cpu=after_cpu)


def mb(values: Sequence[float]) -> str:
    """The largest of the memory figures, or ``-`` when none was measured (NaN: an estimate)."""
    found = [v for v in values if not math.isnan(v)]
    return f"{max(found):.0f} MB" if found else "-"


def show(label: str, run: Run) -> None:
    flag = "" if run.code == 0 else f"  FAILED (exit {run.code}): {run.stderr.strip()[-400:]}"
    left = f" (of which left running: cpu {run.after_cpu:.2f} s, {run.after_seconds:.2f} s after it returned)" \
        if run.after_seconds > 0.05 or run.after_cpu > 0 else ""
    print(f"  {label:34s} {run.seconds:7.2f} s  cpu {run.all_cpu:6.2f} s{left}  tree {mb([run.tree_mb]):>7s}  "
          f"largest process {mb([run.largest_mb]):>7s}  load {run.load:4.1f}{flag}", flush=True)


def spread(values: Sequence[float], unit: str = " s", digits: int = 2) -> str:
    """``median (min)`` of the values."""
    if not values:
        return "-"
    return f"{statistics.median(values):.{digits}f}{unit} (min {min(values):.{digits}f})"


def ratios(a: Sequence[Run], b: Sequence[Run], *, cpu: bool = False) -> list[float]:
    """Each round's own ratio ``a / b`` of wall times, or with ``cpu`` of the trees' CPU times (the same
    round saw the same load)."""
    if cpu:
        return [x.all_cpu / y.all_cpu for x, y in zip(a, b, strict=False) if y.all_cpu > 0]
    return [x.seconds / y.seconds for x, y in zip(a, b, strict=False) if y.seconds > 0]


def ratio_text(a: Sequence[Run], b: Sequence[Run], *, cpu: bool = False) -> str:
    found = ratios(a, b, cpu=cpu)
    if not found:
        return "-"
    return f"{statistics.median(found):.2f}x (min {min(found):.2f}x)"


def table(rows: Mapping[str, Sequence[Run]]) -> list[str]:
    """A Markdown table: per tool, rounds, wall median (min), CPU median, peak tree memory, loads."""
    lines = ["| run | rounds | wall, median (min) | CPU of the tree, median | of which left running | peak tree RSS | "
             "largest process | load | ok |", "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for label, runs in rows.items():
        if not runs:
            continue
        loads = [r.load for r in runs]
        ok = "yes" if all(r.code == 0 for r in runs) else f"exit {sorted({r.code for r in runs})}"
        lines.append(f"| {label} | {len(runs)} | {spread([r.seconds for r in runs])} | "
                     f"{statistics.median(r.all_cpu for r in runs):.2f} s | "
                     f"{statistics.median(r.after_cpu for r in runs):.2f} s | {mb([r.tree_mb for r in runs])} | "
                     f"{mb([r.largest_mb for r in runs])} | {min(loads):.1f}-{max(loads):.1f} | {ok} |")
    return lines


def load_line() -> str:
    """``uptime``'s view of the machine (printed at the start and the end of every benchmark)."""
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return f"load average {os.getloadavg()}"


# --------------------------------------------------------------------------------------------------
# warta as installed: from byte code

NO_BYTECODE = "PYTHONDONTWRITEBYTECODE"


def installed_env(checkout: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment a measured ``python -m pipeline`` of ``checkout`` runs with: ``base`` (default this
    process's own), ``PYTHONPATH`` the checkout, and no ``PYTHONDONTWRITEBYTECODE``. ``pip install`` leaves
    warta's byte code compiled; a shell that sets that variable (this sandbox's do) made every measured
    command compile warta's ~120 modules from source again, 1.3-2 s of each run (found in session eleven:
    ``build.py``'s one-change figure was 6.7 s before the checkout was compiled, 4.7-5.0 s after).
    Call :func:`compile_checkout` once before the runs."""
    env = {k: v for k, v in (os.environ if base is None else base).items() if k != NO_BYTECODE}
    env["PYTHONPATH"] = str(checkout)
    return env


def compile_checkout(python: str, checkout: Path) -> None:
    """The checkout's package compiled to byte code (``__pycache__``, ignored by git), as an install leaves
    it, so no measured run pays for compiling (see :func:`installed_env`)."""
    env = {k: v for k, v in os.environ.items() if k != NO_BYTECODE}
    subprocess.run([python, "-m", "compileall", "-q", str(checkout / "pipeline")], env=env, check=True,
                   stdout=subprocess.DEVNULL)
