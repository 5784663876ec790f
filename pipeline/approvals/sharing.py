"""Judging many items on two cores: a forked child judges the second half while this process judges the first.

Judging 10,000 chains takes a core a few tenths of a second, after the history index and the items are
known; both are in memory, so a child forked then (copy-on-write: nothing is read again) judges the
items of the second half with the same code and the same data and sends its verdicts back in the
form the kept run stores them (:func:`pipeline.approvals.reportcache.dump_result`), through a pipe only
the two processes hold (``marshal``: plain values, never code, never a file). The parent reads them back
with :func:`~pipeline.approvals.reportcache.load_result`: the verdicts a kept run gives, equal field by
field to those judged here. What the child judged has no per-item context in memory: it is made
when first asked for (:class:`Contexts`: the same judging of that one item again).

A child that fails for any reason (it never should) sends nothing usable, and the parent judges
those items itself: the same error, if there is one, is met here. No child where there is no ``fork``,
while other threads run (a forked child holds only the calling thread), or for fewer than
:data:`SHARED_FROM` items.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence

from pipeline.approvals.chain_model import ChainResult
from pipeline.approvals.report import ItemContext
from pipeline.approvals.reportcache import dump_result, load_result

SHARED_FROM = 2000  # items: below it, a fork costs more than it saves
_OK = b"R"
_READ = 1 << 20

Judged = tuple[ChainResult, ItemContext]


class Contexts(Mapping[str, ItemContext]):
    """The contexts of judged items: those in ``known``, and those of ``later`` made by ``make`` when
    first read (kept then)."""

    def __init__(self, known: dict[str, ItemContext], later: Sequence[str], make: Callable[[str], ItemContext],
                 order: Sequence[str]) -> None:
        self._known = known
        self._later = set(later) - known.keys()
        self._make = make
        self._order = list(dict.fromkeys(order))

    def __getitem__(self, key: str) -> ItemContext:
        found = self._known.get(key)
        if found is None:
            if key not in self._later:
                raise KeyError(key)
            found = self._known[key] = self._make(key)
        return found

    def __contains__(self, key: object) -> bool:
        return key in self._known or key in self._later

    def __iter__(self) -> Iterator[str]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)


def judge_all(paths: Sequence[str], judge: Callable[[str], Judged], *, share: bool = True
              ) -> tuple[list[ChainResult], dict[str, ItemContext], list[str]]:
    """Every item of ``paths`` judged (results in that order), the contexts judged here, and the paths
    whose contexts were not (the child judged them; see the module docstring)."""
    if not share or len(paths) < SHARED_FROM or not hasattr(os, "fork") or threading.active_count() > 1:
        return _here(paths, judge) + ([],)
    half = len(paths) // 2
    mine, theirs = paths[:half], paths[half:]
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_end)
        _child(theirs, judge, write_end)
    os.close(write_end)
    try:
        results, contexts = _here(mine, judge)
    finally:
        data = _collect(pid, read_end)
    shared = _read(data, theirs)
    if shared is None:  # the child failed: judged here
        more, more_contexts = _here(theirs, judge)
        contexts.update(more_contexts)
        return results + more, contexts, []
    return results + shared, contexts, list(theirs)


def _here(paths: Sequence[str], judge: Callable[[str], Judged]) -> tuple[list[ChainResult], dict[str, ItemContext]]:
    results: list[ChainResult] = []
    contexts: dict[str, ItemContext] = {}
    for path in paths:
        result, context = judge(path)
        results.append(result)
        contexts[path] = context
    return results, contexts


def _read(data: bytes, paths: Sequence[str]) -> list[ChainResult] | None:
    if data[:1] != _OK:
        return None
    try:
        results = [load_result(x) for x in marshal.loads(data[1:])]
    except (EOFError, ValueError, TypeError, IndexError):
        return None
    if [r.path for r in results] != list(paths):
        return None
    return results


def _child(paths: Sequence[str], judge: Callable[[str], Judged], fd: int) -> None:
    """Judge ``paths`` and send the verdicts, then leave without the parent's exit handlers or buffers."""
    code = 0
    try:
        try:
            message = _OK + marshal.dumps([dump_result(judge(p)[0]) for p in paths])
        except BaseException:  # noqa: BLE001 - the parent judges these items itself (and meets any error)
            message = b"X"
        view = memoryview(message)
        while view:
            view = view[os.write(fd, view):]
    except BaseException:  # noqa: BLE001 - the parent is gone: nothing to tell
        code = 1
    finally:
        os._exit(code)


def _collect(pid: int, fd: int) -> bytes:
    chunks: list[bytes] = []
    try:
        while block := os.read(fd, _READ):
            chunks.append(block)
    except OSError:
        chunks = []
    finally:
        os.close(fd)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
    return b"".join(chunks)
