"""Building the history index in a forked child while the parent reads the items (a cold run, 2 cores).

Without a stored index, a run spends most of its time in one ``git log`` of main's whole history and in
turning it into the index (:mod:`.history`), while reading the items' front matters (``git cat-file``
and YAML) needs no history at all. So :func:`start` forks when the index is not stored: the child runs
:func:`.history.build_stored` (which stores the index in ``.warta-cache/history/`` when there is one)
and sends the index's stored form (:func:`.history.pack`) back through a pipe; the parent reads the items
meanwhile, then takes the index with :meth:`Pending.result` through :func:`.history.unpack` (the same
sha256-checked form a warm run reads from its file). The index is the one the parent would have built:
the same code builds it from the same commits.

A failure of git in the child (an object missing half way through the log, a killed git, output warta
cannot read) comes back as the :class:`~pipeline.errors.GitError` it raised there, never as an empty
history. A child that ends without a word or sends an index that does not verify (neither should
happen) has the parent build the index itself. There is no fork where the platform has none, or while
other threads run (a forked child holds only the calling thread: a lock another thread held could never
be released in it): the index is then built in process, as :func:`.history.build` does.

A command that will judge every item after loading something large (``warta build``: 10,000 items are
about 140 MB) calls :func:`begin` first: the child is forked while the process is small (a forked child's
RSS counts every page it inherited), and :func:`start` with the same repository, tip and folder takes that
job instead of forking again. :func:`abandon` stops a job nobody took (the command failed first, or a kept
report needed no index).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.approvals import history
from pipeline.approvals.history import History
from pipeline.errors import GitError
from pipeline.files import grow_pipe
from pipeline.git import Git

_INDEX = b"I"
_FAILED = b"E"  # the child's GitError, as its message
_BUG = b"X"  # anything else: the parent builds the index itself (and meets the error there)
_READ = 1 << 20
_PIPE = 1 << 20  # the pipe's size asked for (Linux's default limit for a process: /proc/sys/fs/pipe-max-size)
_BEGUN: dict[tuple[str, str, Path | None], Pending] = {}  # jobs started by begin(), not taken yet


@dataclass
class Pending:
    """The index of main's history up to ``tip``: already known (``index``), or being built by the child
    ``pid`` that writes it to ``fd``."""

    git: Git
    tip: str
    folder: Path | None
    index: History | None = None
    pid: int = 0
    fd: int = -1
    _done: bool = field(default=False, repr=False)

    @property
    def forked(self) -> bool:
        return self.pid > 0

    def result(self) -> History:
        """The index (waits for the child); :class:`GitError` when git failed in it."""
        if self.index is not None:
            return self.index
        data = self._collect()
        kind, payload = data[:1], data[1:]
        if kind == _FAILED:
            raise GitError(payload.decode("utf-8", "replace"))
        found = history.unpack(payload, self.tip) if kind == _INDEX else None
        # a child that said nothing, or an index that does not verify: built here (and any error met here)
        self.index = found if found is not None else history.build(self.git, self.tip, self.folder)
        return self.index

    def cancel(self) -> None:
        """Stop the child (the parent failed before it needed the index)."""
        if self.forked and not self._done:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self._collect()

    def _collect(self) -> bytes:
        chunks: list[bytes] = []
        try:
            while block := os.read(self.fd, _READ):
                chunks.append(block)
        except OSError:
            chunks = []
        finally:
            os.close(self.fd)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self._done = True
        return b"".join(chunks)


def start(git: Git, tip: str, folder: Path | None, *, fork: bool = True) -> Pending:
    """The index of main's history up to ``tip``: read from ``folder`` when stored there, else being built
    by a forked child (see the module docstring), or built here when there is no fork (or ``fork`` is
    false). A job :func:`begin` started for the same repository, tip and folder is taken instead."""
    begun = _BEGUN.pop((str(git.root), tip, folder), None)
    if begun is not None:
        return begun
    pending = Pending(git, tip, folder)
    pending.index = history.load(folder, tip)
    if pending.index is not None:
        return pending
    if not fork or not hasattr(os, "fork") or threading.active_count() > 1:
        pending.index = history.build(git, tip, folder)
        return pending
    read_end, write_end = os.pipe()
    grow_pipe(write_end, _PIPE)  # an index that fits is written and the child exits: no memory held meanwhile
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_end)
        _child(git, tip, folder, write_end)
    os.close(write_end)
    pending.pid, pending.fd = pid, read_end
    return pending


def begin(git: Git, tip: str, folder: Path) -> Pending | None:
    """Fork the job now, for :func:`start` to take later (see the module docstring); ``None`` when the index
    is stored (it is read when needed) or there is no fork here."""
    if (folder / f"{tip}{history.SUFFIX}").is_file() or not hasattr(os, "fork") or threading.active_count() > 1:
        return None
    pending = _BEGUN[(str(git.root), tip, folder)] = start(git, tip, folder)
    return pending


def abandon(pending: Pending) -> None:
    """Stop ``pending`` (from :func:`begin`) when :func:`start` has not taken it."""
    key = (str(pending.git.root), pending.tip, pending.folder)
    if _BEGUN.get(key) is pending:
        del _BEGUN[key]
        pending.cancel()


def _child(git: Git, tip: str, folder: Path | None, fd: int) -> None:
    """Build and send the index, then leave without running the parent's exit handlers or flushing its
    buffers (they are the parent's)."""
    code = 0
    try:
        try:
            message = _INDEX + history.build_stored(git, tip, folder)[1]
        except GitError as exc:
            message = _FAILED + str(exc).encode("utf-8", "replace")
        except BaseException:  # noqa: BLE001 - reported by the parent building the index itself
            message = _BUG
        view = memoryview(message)
        while view:
            view = view[os.write(fd, view):]
    except BaseException:  # noqa: BLE001 - the parent is gone or stopped us: nothing to tell
        code = 1
    finally:
        os._exit(code)
