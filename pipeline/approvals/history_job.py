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

``warta verify --all`` forks that child earlier still, as the command starts (:func:`start_early`): git
walks the history while the command imports the rest of warta; :func:`start` takes that child when it
builds the index asked for, and stops it otherwise (:func:`cancel_early` when nothing took it).

The pipe carries frames: a kind byte, the payload's length (8 bytes, little-endian), the payload. Before
it packs the index, the early child sends a hint: the ids of the commits that changed a file
(:func:`.history.content_commits`, as raw bytes: 20 or 32 each, the width of the tip's id). The parent
hands them to :attr:`Pending.on_hint` while the child packs (the judge reads those commit objects
itself and notes the unsigned ones, which spares reading them again when the signatures are checked). A
hint is only a list of ids to look at: every verdict still comes from the objects the parent read from
git.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.cachedir import APPROVALS_CACHE, HISTORY_CACHE, ensure_local_cache
from pipeline.errors import GitError
from pipeline.files import grow_pipe
from pipeline.git import Git

if TYPE_CHECKING:
    from pipeline.approvals.history import History

# pipeline.approvals.history is imported where it is used, not here: it brings the configuration's models
# (pydantic, a third of a second), and :func:`start_early` forks before the command has imported them

_INDEX = b"I"
_FAILED = b"E"  # the child's GitError, as its message
_BUG = b"X"  # anything else: the parent builds the index itself (and meets the error there)
_HINT = b"H"  # the content commits' ids, before the index (see the module docstring)
_HEAD = 9  # a frame's kind byte and its payload's length
_READ = 1 << 20
_PIPE = 1 << 20  # the pipe asked for (Linux's limit for a process, /proc/sys/fs/pipe-max-size)


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
    store: bool = False  # the child stores nothing: the parent keeps the index in ``folder`` (:func:`start_early`)
    on_hint: Callable[[list[str]], None] | None = None  # given the child's hint while the child packs
    _done: bool = field(default=False, repr=False)

    @property
    def forked(self) -> bool:
        return self.pid > 0

    def result(self) -> History:
        """The index (waits for the child); :class:`GitError` when git failed in it."""
        from pipeline.approvals import history  # see the note on imports above

        if self.index is not None:
            return self.index
        data = self._collect()
        kind, payload = data[:1], data[1:]
        if kind == _FAILED:
            raise GitError(payload.decode("utf-8", "replace"))
        found = history.unpack(payload, self.tip) if kind == _INDEX else None
        if found is not None and self.store and self.folder is not None:
            history.store(self.folder, self.tip, payload)
        # a child that said nothing, or an index that does not verify: built here (and any error met here)
        self.index = found if found is not None else history.build(self.git, self.tip, self.folder)
        return self.index

    def cancel(self) -> None:
        """Stop the child (the parent failed before it needed the index)."""
        self.on_hint = None
        if self.forked and not self._done:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self._collect()

    def _collect(self) -> bytes:
        """The child's answer: its last frame's kind byte and payload (empty when it said nothing whole);
        a hint before it goes to :attr:`on_hint`."""
        try:
            while len(head := self._read(_HEAD)) == _HEAD:
                size = int.from_bytes(head[1:], "little")
                payload = self._read(size)
                if len(payload) < size:
                    break
                if head[:1] != _HINT:
                    return head[:1] + payload
                width = len(self.tip) // 2
                if self.on_hint is not None and width and size % width == 0:
                    try:
                        self.on_hint([payload[k:k + width].hex() for k in range(0, size, width)])
                    except BaseException:  # Ctrl-C or an error of the caller's: the child is not waited for
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(self.pid, signal.SIGKILL)
                        raise
            return b""
        except OSError:
            return b""
        finally:
            os.close(self.fd)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self._done = True

    def _read(self, size: int) -> bytes:
        """``size`` bytes from the pipe, fewer only where the child's output ends."""
        chunks: list[bytes] = []
        while size > 0 and (block := os.read(self.fd, min(size, _READ))):
            chunks.append(block)
            size -= len(block)
        return b"".join(chunks)


def start(git: Git, tip: str, folder: Path | None, *, fork: bool = True) -> Pending:
    """The index of main's history up to ``tip``: read from ``folder`` when stored there, else being built
    by a forked child (see the module docstring; the one :func:`start_early` forked when it builds this
    index), or built here when there is no fork (or ``fork`` is false)."""
    from pipeline.approvals import history  # see the note on imports above

    early = _take_early(git, tip)
    stored = history.load(folder, tip)
    if stored is not None:
        if early is not None:
            early.cancel()
        return Pending(git, tip, folder, stored)
    if early is not None:
        early.folder, early.store = folder, True
        return early
    pending = Pending(git, tip, folder)
    if not fork or not hasattr(os, "fork") or threading.active_count() > 1:
        pending.index = history.build(git, tip, folder)
        return pending
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_end)
        _child(git, tip, folder, write_end)
    os.close(write_end)
    pending.pid, pending.fd = pid, read_end
    return pending


CONFIG_FILE = "warta.yml"  # pipeline.config.CONFIG_FILE (not imported: see the note on imports above)
KEPT_RUNS = f"{APPROVALS_CACHE}/reports"  # pipeline.approvals.reportcache.FOLDER (likewise)
_early: list[Pending] = []  # the child start_early forked, until start takes it or cancel_early stops it


def start_early(start: Path, *, cache: bool = True) -> None:
    """Fork now, before the command has imported what judging needs, the child that builds main's index
    from scratch (``warta verify --all`` without any stored index: the first run on a machine): git walks
    the history while this process imports and reads the items. The child stores nothing (the
    parent has not yet checked that ``.warta-cache/`` is its own); :func:`start` takes it when it asks for
    the index of the same tip of the same repository (the tip is guessed here as ``refs/heads/main`` or
    ``origin/main``; another tip is another index: the child is stopped), and the parent stores what it
    sends. Nothing is forked where an index or a kept run is already stored, while other threads run,
    or where there is no fork. ``start``: a folder of the site (its root is the nearest folder upwards
    holding ``warta.yml``, as the command finds it). ``cache`` false (``--no-cache``): no cache folder is
    looked at, none being used."""
    cancel_early()
    root = next((f for f in (start, *start.parents) if (f / CONFIG_FILE).is_file()), None)
    if root is None:
        return
    if not hasattr(os, "fork") or threading.active_count() > 1:
        return
    if cache:
        folder = ensure_local_cache(root)  # where the run will look (never a committed or linked folder)
        if _has_any(folder / HISTORY_CACHE, ".idx") or _has_any(folder / KEPT_RUNS, ""):
            return
    git = Git(root)
    tip = next((sha for ref in ("refs/heads/main", "refs/remotes/origin/main") if (sha := git.rev_parse(ref))), None)
    if tip is None:
        return
    read_end, write_end = os.pipe()
    grow_pipe(write_end, _PIPE)  # an index that fits is written at once: the child exits, holding nothing
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_end)
        _early_child(git, tip, write_end)
    os.close(write_end)
    _early.append(Pending(git, tip, None, pid=pid, fd=read_end))


def cancel_early() -> None:
    """Stop the child :func:`start_early` forked, when nothing took it (the command ends)."""
    while _early:
        _early.pop().cancel()


def _take_early(git: Git, tip: str) -> Pending | None:
    if not _early:
        return None
    early = _early.pop()
    if early.tip == tip and early.git.root.resolve() == git.root.resolve() and not early._done:
        return early
    early.cancel()
    return None


def _has_any(folder: Path, suffix: str) -> bool:
    try:
        return any(f.name.endswith(suffix) for f in folder.iterdir())
    except OSError:
        return False


def _early_child(git: Git, tip: str, fd: int) -> None:
    """:func:`_child` for :func:`start_early`: git's log started before the history module is imported."""
    gc.disable()  # tens of thousands of small objects, no cycles (as in the parent's evaluation)

    def build() -> bytes:
        log = git.start_log([tip], merge_diffs=False)
        from pipeline.approvals import history  # imported while git walks the history

        index = history.build_started(git, tip, log, packed=False)[0]
        _write(fd, _HINT, b"".join(bytes.fromhex(sha) for sha in history.content_commits(index)))
        return history.pack(index)

    _send(build, fd)


def _child(git: Git, tip: str, folder: Path | None, fd: int) -> None:
    """Build and send the index, then leave without running the parent's exit handlers or flushing its
    buffers (they are the parent's)."""
    from pipeline.approvals import history  # see the note on imports above

    _send(lambda: history.build_stored(git, tip, folder)[1], fd)


def _send(build: Callable[[], bytes], fd: int) -> None:
    code = 0
    try:
        try:
            kind, payload = _INDEX, build()
        except GitError as exc:
            kind, payload = _FAILED, str(exc).encode("utf-8", "replace")
        except BaseException:  # noqa: BLE001 - reported by the parent building the index itself
            kind, payload = _BUG, b""
        _write(fd, kind, payload)
    except BaseException:  # noqa: BLE001 - the parent is gone or stopped us: nothing to tell
        code = 1
    finally:
        os._exit(code)


def _write(fd: int, kind: bytes, payload: bytes) -> None:
    """One frame (see the module docstring)."""
    view = memoryview(kind + len(payload).to_bytes(8, "little") + payload)
    while view:
        view = view[os.write(fd, view):]
