"""Run a pure function on inputs in worker processes, each input under its own wall-clock deadline.

The Markdown renderer is the reason (:mod:`pipeline.markup`): markdown-it-py is linear in the length of a
body, but slow enough on some inputs that a 1 MiB body of ``![`` takes about 14 s (docs/benchmarks.md),
and Python-Markdown, the renderer before it, was quadratic on unmatched brackets (its issue #798). A
timer signal works only in the main thread on Unix and not while C code (a regular expression, the
sanitiser) runs, and a thread cannot be stopped, so the only deadline that works on every platform is a
separate process that is killed when its time is up. The same workers render every body of a large
build on all cores.

:func:`map_bounded` hands each input to an idle worker, waits with :func:`multiprocessing.connection.wait`
and kills a worker whose input has run past the deadline; that input becomes an :class:`Overrun`, a
fresh worker takes its place and every other input still gets its result. A worker that dies (out of
memory, a crash in a C extension) or whose function raises gives an :class:`Overrun` for that input only.
Workers are started once per process and reused (a worker start costs a fraction of a second); each
reports ready only after its imports, so start-up never counts against an input's deadline.
"""

from __future__ import annotations

import atexit
import multiprocessing
import multiprocessing.connection
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

A = TypeVar("A")
R = TypeVar("R")

# Starting a worker (an interpreter importing the renderer) may take long on a loaded CI runner; this
# bounds only start-up, never an input.
START_SECONDS = 120.0


@dataclass(frozen=True)
class Overrun:
    """An input that has no result: it ran past its deadline, its function raised, or its worker died."""

    reason: str


def _context() -> Any:
    # forkserver: never fork a process that may hold threads (a test's HTTP server, a pool); spawn where
    # there is no forkserver (Windows). Both start a clean interpreter.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


# A worker renders untrusted text: it keeps no secret the parent's environment may hold (deploy or
# signing keys), only what the operating system needs.
_KEEP_ENV = frozenset({"PATH", "SYSTEMROOT", "TMP", "TEMP", "TMPDIR", "HOME", "LANG", "LC_ALL", "LC_CTYPE"})


def _serve(conn: multiprocessing.connection.Connection) -> None:  # pragma: no cover - runs in the worker
    for key in [k for k in os.environ if k.upper() not in _KEEP_ENV]:
        del os.environ[key]
    conn.send(("ready", None))
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        func, arg = task
        try:
            conn.send(("ok", func(arg)))
        except Exception as exc:  # noqa: BLE001 - any failure of the function is that input's outcome
            conn.send(("error", f"{type(exc).__name__}: {exc}"[:500]))


@dataclass
class _Worker:
    process: BaseProcess
    conn: multiprocessing.connection.Connection

    @property
    def alive(self) -> bool:
        return self.process.is_alive()

    def stop(self, *, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except (OSError, ValueError):
                self.process.kill()
        self.process.join(timeout=5)
        if self.process.is_alive():  # pragma: no cover - a worker that ignores its stop message
            self.process.kill()
            self.process.join(timeout=5)
        self.conn.close()


class Pool:
    """Worker processes reused across calls; see the module docstring."""

    def __init__(self) -> None:
        self.workers: list[_Worker] = []

    def _start(self) -> _Worker:
        ctx = _context()
        parent, child = ctx.Pipe(duplex=True)
        process = ctx.Process(target=_serve, args=(child,), daemon=True, name="warta-bounded")
        process.start()
        child.close()
        if not parent.poll(START_SECONDS):
            process.kill()
            process.join(timeout=5)
            raise RuntimeError(f"a worker process did not start within {START_SECONDS:.0f} s")
        parent.recv()  # the ready message
        return _Worker(process, parent)

    def _ensure(self, count: int) -> None:
        self.workers = [w for w in self.workers if w.alive]
        while len(self.workers) < count:
            self.workers.append(self._start())

    def map(self, func: Callable[[A], R], args: Sequence[A], seconds: float, workers: int) -> list[R | Overrun]:
        results: list[R | Overrun | None] = [None] * len(args)
        if not args:
            return []
        self._ensure(max(1, min(workers, len(args))))
        todo = list(range(len(args)))[::-1]
        busy: dict[int, tuple[_Worker, int, float]] = {}  # id(conn) -> (worker, input index, deadline)
        idle = list(self.workers)
        while todo or busy:
            while todo and idle:
                worker = idle.pop()
                index = todo.pop()
                try:
                    worker.conn.send((func, args[index]))
                except (OSError, ValueError):  # the worker died while idle: replace it, retry the input
                    todo.append(index)
                    idle.append(self._replace(worker))
                    continue
                busy[id(worker.conn)] = (worker, index, time.monotonic() + seconds)
            soonest = min(deadline for _, _, deadline in busy.values())
            ready = multiprocessing.connection.wait([w.conn for w, _, _ in busy.values()],
                                                    timeout=max(0.0, soonest - time.monotonic()))
            for conn in ready:
                assert isinstance(conn, multiprocessing.connection.Connection)
                worker, index, _ = busy.pop(id(conn))
                try:
                    status, value = conn.recv()
                except (EOFError, OSError):
                    worker.process.join(timeout=5)
                    code = worker.process.exitcode
                    results[index] = Overrun(f"the worker process stopped (exit code {code})")
                    idle.append(self._replace(worker))
                    continue
                results[index] = value if status == "ok" else Overrun(str(value))
                idle.append(worker)
            now = time.monotonic()
            for key, (worker, index, deadline) in list(busy.items()):
                if now >= deadline:
                    del busy[key]
                    results[index] = Overrun(f"took longer than {seconds:g} s")
                    idle.append(self._replace(worker, kill=True))
        return [r if r is not None else Overrun("no result") for r in results]

    def _replace(self, worker: _Worker, *, kill: bool = False) -> _Worker:
        worker.stop(kill=kill or not worker.alive)
        self.workers = [w for w in self.workers if w is not worker]
        fresh = self._start()
        self.workers.append(fresh)
        return fresh

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.workers = []


_POOL: Pool | None = None
_OWNER = 0  # the pid that started the pool: a forked child must not use its parent's workers


def _pool() -> Pool:
    global _POOL, _OWNER
    if _POOL is None or os.getpid() != _OWNER:
        _POOL, _OWNER = Pool(), os.getpid()
        atexit.register(_POOL.close)
    return _POOL


def map_bounded(func: Callable[[A], R], args: Sequence[A], seconds: float, *,
                workers: int | None = None) -> list[R | Overrun]:
    """``func(arg)`` for each arg, in order, each within ``seconds`` of wall-clock time or an Overrun.

    ``func`` must be a module-level function (it is sent to the workers by name); args and results
    travel by pickle.
    """
    count = workers if workers is not None else (os.cpu_count() or 1)
    return _pool().map(func, args, seconds, count)


def call_bounded(func: Callable[[A], R], arg: A, seconds: float) -> R | Overrun:
    """:func:`map_bounded` for one input (one worker, reused by the next call)."""
    return _pool().map(func, [arg], seconds, 1)[0]


def shutdown() -> None:
    """Stop the workers now (they also stop when this process exits)."""
    global _POOL
    if _POOL is not None and os.getpid() == _OWNER:
        _POOL.close()
    _POOL = None


if sys.platform == "win32":  # pragma: no cover - spawn needs the main module importable as is
    multiprocessing.freeze_support()
