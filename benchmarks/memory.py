"""Peak memory of ``warta build --drafts``: the process tree's summed RSS, each process's peak, per stage.

    .venv/bin/python benchmarks/memory.py --n 10000 [--rounds 2] [--project A --project B] [--trace]

For each ``--project`` (a warta checkout; default this one), interleaved round by round, on
``benchmarks/build.py``'s corpus: a cold build (no ``_preview``, no ``.warta-cache``), then a build after
one release's body changed. The build runs as ``python -c BOOT -C <corpus> build --drafts --json``, where
``BOOT`` wraps the build's stages (``load_site``, ``plan_preview``, media, render, payloads, write, feeds,
search index, listing) so each one prints a line on standard error; the main process adds its own
``VmRSS``/``VmHWM`` to each line (and, with ``--trace``, the ``tracemalloc`` totals and its largest
allocation sites: slower, for finding what holds memory, not for the figures).

A sampler thread reads ``/proc`` every 20 ms: every descendant of the build (``/proc/<pid>/task/*/children``),
its ``VmRSS`` and ``VmHWM``. Printed: the tree's peak (the largest sum seen in one sample) and the stage it
fell in, the tree's peak in each stage, and each process's peak (``VmHWM``, its own high-water mark, so a
peak between two samples is not missed), named by role: main, forkserver, render worker, file helper
(``python -I -S``), pagefind, git. A child between ``vfork`` and ``exec`` (every subprocess a Python
process starts, for an instant) shows its parent's whole RSS, the address space they share
(``measure.shares_memory``: the kernel's ``kcmp``): it is shown as "pre-exec child" and left out of the
tree's sum (the headline peak; a second figure counts it, as the sampler did before session seven). A
forked child (the history job, ``os.fork``) has its own copy-on-write address space and is counted. A
process that lives less than 20 ms may be missed altogether.

CPU is user + system of the whole tree, each process once: ``os.wait4`` of the build counts it and every
descendant waited for down the line (the render workers are reaped by the fork server, which the build
stops and waits for); this process is a child subreaper (``measure.py``), so what the build leaves
running (a fork server it does not wait for, in an older checkout) is adopted here, waited for after the
build returned, and its CPU added (with the workers it reaped). The 20 ms sampler costs CPU of its own
(in this process, not in the figure) and slows the build on 2 cores: read its wall time as a rough one.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build  # noqa: E402 - benchmarks/build.py: the corpus
from measure import SUBREAPER, compile_checkout, installed_env, load_line, reap_left, shares_memory  # noqa: E402

SAMPLE_EVERY = 0.02

# Runs inside the measured build: wraps its stages so each prints a line, with the main process's memory.
BOOT = r"""
import functools, os, sys, time
TRACE = os.environ.get("WARTA_MEMORY_TRACE") == "1"
if TRACE:
    import tracemalloc
    tracemalloc.start()
def own():
    with open("/proc/self/status") as f:
        v = dict(l.split(":", 1) for l in f if l.startswith(("VmRSS", "VmHWM")))
    return int(v["VmRSS"].split()[0]) // 1024, int(v["VmHWM"].split()[0]) // 1024
def say(text):
    rss, hwm = own()
    extra = ""
    if TRACE:
        cur, peak = tracemalloc.get_traced_memory()
        extra = f" traced {cur >> 20} MB (peak {peak >> 20} MB)"
        top = tracemalloc.take_snapshot().statistics("lineno")[:8]
        extra += "".join(f"\n    {s.size >> 20:4d} MB {s.count:8d} {s.traceback[0].filename.split('site-packages/')[-1]}"
                         f":{s.traceback[0].lineno}" for s in top)
    print(f"memory-stage: {text} | main {rss} MB (hwm {hwm} MB){extra}", file=sys.stderr, flush=True)
def wrap(module, owner, name, label):
    import importlib
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return
    holder = getattr(mod, owner) if owner else mod
    func = getattr(holder, name, None)
    if func is None:
        return
    @functools.wraps(func)
    def staged(*a, **k):
        say(label + " start")
        try:
            return func(*a, **k)
        finally:
            say(label + " end")
    setattr(holder, name, staged)
for module, owner, name, label in [
    ("pipeline.commands.build", None, "load_site", "load"),
    ("pipeline.commands.build", None, "plan_preview", "preview plan"),
    ("pipeline.commands.build", None, "build_site", "build_site"),
    ("pipeline.site.build", "_Build", "pictures", "media"),
    ("pipeline.site.build", "_Build", "render", "render"),
    ("pipeline.site.build", "_Build", "payloads", "payloads"),
    ("pipeline.site.build", "_Build", "write", "write"),
    ("pipeline.site.writer", None, "write_specs", "pages"),
    ("pipeline.site.writer", None, "write_feeds", "feeds"),
    ("pipeline.site.search_live", "Indexer", "finish", "search index (the bundles left once the pages are written)"),
    ("pipeline.site.build", None, "_listing", "listing"),
]:
    wrap(module, owner, name, label)
say("imports done")
from pipeline.cli import main
code = main(sys.argv[1:])
say("exit")
raise SystemExit(code)
"""


@dataclass
class Proc:
    pid: int
    role: str
    hwm_mb: float = 0.0


@dataclass
class Run:
    label: str
    wall: float = 0.0
    cpu: float = 0.0
    code: int = 0
    peak_mb: float = 0.0  # the tree's peak, children between vfork and exec left out (they share a parent's pages)
    peak_stage: str = ""
    stages: list[tuple[float, str]] = field(default_factory=list)  # (time, line)
    stage_peak: dict[str, float] = field(default_factory=dict)  # stage -> tree peak (MB)
    counted_mb: float = 0.0  # the tree's peak counting those children too (the figure before session seven)
    stage_counted: dict[str, float] = field(default_factory=dict)
    stage_roles: dict[str, dict[str, float]] = field(default_factory=dict)  # stage -> role -> peak RSS (MB)
    procs: dict[int, Proc] = field(default_factory=dict)
    load: float = 0.0
    stdout: str = ""


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", "rb") as f:
                out.extend(int(x) for x in f.read().split())
        except OSError:
            continue
    return out


def _status(pid: int) -> tuple[float, float, int, bytes] | None:
    """(VmRSS, VmHWM in MB, VmSize in kB, Name), or None once the process is gone (or a zombie)."""
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            lines = f.read().split(b"\n")
    except OSError:
        return None
    got: dict[bytes, int] = {}
    name = b""
    for line in lines:
        if line.startswith((b"VmRSS", b"VmHWM", b"VmSiz")):
            got[line[:5]] = int(line.split()[1])
        elif line.startswith(b"Name:"):
            name = line.split(b":", 1)[1].strip()
    if b"VmRSS" not in got:
        return None
    return got[b"VmRSS"] / 1024, got[b"VmHWM"] / 1024, got.get(b"VmSiz", 0), name


def _role(pid: int, parent_role: str, main: int) -> str:
    if pid == main:
        return "main"
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = f.read().split(b"\0")
        with open(f"/proc/{pid}/comm", "rb") as f:
            comm = f.read().strip().decode()
    except OSError:
        return "?"
    text = b" ".join(argv)
    if b"forkserver" in text:
        return "render worker" if parent_role == "forkserver" else "forkserver"
    if b"-I" in argv and b"-S" in argv:
        return "file helper"
    if parent_role in ("forkserver", "render worker"):
        return "render worker"
    return comm


def measure(label: str, cmd: list[str], cwd: Path, env: dict[str, str]) -> Run:
    run = Run(label)
    stage = ["start"]
    done = threading.Event()
    out = tempfile.TemporaryFile()  # noqa: SIM115 - read and closed once the build has exited
    before = set(_children(os.getpid()))
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.PIPE)
    started = time.perf_counter()
    roles: dict[tuple[int, bytes], str] = {}

    def sample() -> None:
        while not done.is_set():
            # the build, and what it left running that this subreaper adopted
            todo = [proc.pid, *(p for p in _children(os.getpid()) if p not in before and p != proc.pid)]
            total, shared, parents = 0.0, 0.0, {p: ("", 0) for p in todo}
            seen: dict[str, float] = {}
            while todo:
                pid = todo.pop()
                parent_role, parent = parents[pid]
                # asked before reading its size: a child that execs between the two is then left out with
                # its new size (a few MB, for one sample), never counted with its parent's
                pre_exec = bool(parent) and pid != proc.pid and shares_memory(pid, parent)
                status = _status(pid)
                kids = _children(pid)
                if status is not None:
                    rss, hwm, _size, name = status
                    if pre_exec:
                        role = "pre-exec child"  # between vfork and exec: its parent's own pages
                        shared += rss
                    else:
                        role = roles.get((pid, name)) or roles.setdefault((pid, name),
                                                                          _role(pid, parent_role, proc.pid))
                        info = run.procs.setdefault(pid, Proc(pid, role))
                        info.role = role
                        info.hwm_mb = max(info.hwm_mb, hwm)
                    total += rss
                    seen[role] = seen.get(role, 0.0) + rss
                    for kid in kids:
                        parents[kid] = (role, pid)
                todo.extend(kids)
            where = stage[0]
            if total - shared > run.peak_mb:
                run.peak_mb, run.peak_stage = total - shared, where
            run.counted_mb = max(run.counted_mb, total)
            run.stage_peak[where] = max(run.stage_peak.get(where, 0.0), total - shared)
            run.stage_counted[where] = max(run.stage_counted.get(where, 0.0), total)
            per = run.stage_roles.setdefault(where, {})
            for role, mb in seen.items():
                per[role] = max(per.get(role, 0.0), mb)
            done.wait(SAMPLE_EVERY)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    assert proc.stderr is not None
    for raw in proc.stderr:
        line = raw.decode(errors="replace").rstrip()
        now = time.perf_counter() - started
        run.stages.append((now, line))
        if line.startswith("memory-stage: "):
            stage[0] = line[len("memory-stage: "):].split(" | ")[0]
        elif line.startswith("build: "):
            stage[0] = line[len("build: "):][:48]
    _, status, usage = os.wait4(proc.pid, 0)
    run.wall = time.perf_counter() - started
    left = reap_left(proc.pid, before) if SUBREAPER else 0.0  # what it left running, waited for here
    done.set()
    sampler.join()
    run.code = os.waitstatus_to_exitcode(status)
    out.seek(0)
    run.stdout = out.read().decode(errors="replace")
    out.close()
    # the build and every descendant waited for down the line (the fork server reaps the render workers),
    # plus what it left running (adopted and waited for here): each process once
    run.cpu = usage.ru_utime + usage.ru_stime + left
    run.load = os.getloadavg()[0]
    return run


def report(run: Run, verbose: bool) -> None:
    print(f"\n### {run.label}: wall {run.wall:.2f} s, CPU (tree) {run.cpu:.2f} s, exit {run.code}, load {run.load:.1f}")
    print(f"peak tree RSS {run.peak_mb:.0f} MB, in stage '{run.peak_stage}' (children between vfork and exec "
          f"left out; counting them, their parents' pages twice: {run.counted_mb:.0f} MB)")
    by_role: dict[str, list[float]] = {}
    for p in run.procs.values():
        by_role.setdefault(p.role, []).append(p.hwm_mb)
    print("per process (VmHWM): " + "; ".join(
        f"{role} {' + '.join(f'{v:.0f}' for v in sorted(vals, reverse=True)[:4])}"
        f"{f' (+{len(vals) - 4} more)' if len(vals) > 4 else ''} MB" for role, vals in sorted(by_role.items())))
    print("| stage | tree peak | counting pre-exec children | per role, peak RSS in the stage |\n|---|---:|---:|---|")
    for where, mb in run.stage_peak.items():
        roles = ", ".join(f"{r} {v:.0f}" for r, v in sorted(run.stage_roles.get(where, {}).items()))
        print(f"| {where} | {mb:.0f} MB | {run.stage_counted.get(where, 0.0):.0f} MB | {roles} |")
    if verbose:
        for at, line in run.stages:
            print(f"  {at:7.2f} s  {line}")
    if run.code:
        print("\n".join(line for _, line in run.stages[-15:]))
        print(run.stdout[-1500:])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--project", action="append", type=Path, help="a warta checkout (default: this one)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/warta-memory"))
    parser.add_argument("--trace", action="store_true", help="tracemalloc in the main process (slow)")
    parser.add_argument("--cold-only", action="store_true")
    parser.add_argument("--no-search", action="store_true", help="build with --no-search (no Pagefind)")
    parser.add_argument("--verbose", action="store_true", help="print every line the build wrote, timed")
    args = parser.parse_args()
    projects = [p.resolve() for p in args.project or [Path(__file__).resolve().parent.parent]]
    corpus = args.work / f"c{args.n}" / "warta"
    if not corpus.is_dir():
        print(f"generating {args.n} releases in {corpus.parent}", flush=True)
        build.generate(args.n, corpus.parent)
    for project in projects:  # as installed: byte code compiled (measure.installed_env)
        compile_checkout(sys.executable, project)
    print(load_line(), flush=True)
    for k in range(args.rounds):
        for project in projects:
            env = {**installed_env(project), "WARTA_MEMORY_TRACE": "1" if args.trace else "0"}
            cmd = [sys.executable, "-c", BOOT, "-C", str(corpus), "build", "--drafts", "--json",
                   *(["--no-search"] if args.no_search else [])]
            shutil.rmtree(corpus / "_preview", ignore_errors=True)
            shutil.rmtree(corpus / ".warta-cache", ignore_errors=True)
            report(measure(f"{project.name} cold, round {k + 1}", cmd, project, env), args.verbose)
            if args.cold_only:
                continue
            build._touch_one(sorted((corpus / "content" / "siaran-pers").rglob("*.md"))[(args.n // 2 + k) % args.n])
            report(measure(f"{project.name} one change, round {k + 1}", cmd, project, env), args.verbose)
    print(load_line(), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
