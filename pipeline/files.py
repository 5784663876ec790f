"""Small file helpers every module shares: one atomic write, one exclusive lock, one safe read.

- :func:`write_atomic` writes a temporary file beside the target and renames it over the target, so a
  reader sees the old bytes or the new ones, never half a file (a killed run leaves the old file);
- :func:`exclusive_lock` takes a lock file with the maintained ``filelock`` library (works on Linux,
  macOS and Windows) and fails at once, with the message given, when another process holds it;
- :func:`read_regular` reads a file only as the regular file at its own name (never through a symbolic
  link, never blocking on a FIFO put in its place), judged by what is open.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from stat import S_ISREG

from pipeline.errors import WartaError

# open a file only as itself: not through a symbolic link, not blocking on a FIFO, not into a child
READ_FLAGS = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
              | getattr(os, "O_BINARY", 0))  # Windows: no newline translation


def blob_id(raw: bytes) -> str:
    """The git blob id (SHA-1 object format) of ``raw``: what ``git hash-object`` prints for these bytes."""
    return hashlib.sha1(b"blob %d\0" % len(raw) + raw, usedforsecurity=False).hexdigest()


def read_regular(path: str) -> tuple[os.stat_result, bytes] | None:
    """The ``fstat`` and the whole bytes of ``path`` when it is a regular file (opened with
    :data:`READ_FLAGS`, judged by ``fstat`` of what is open and read from the same descriptor), ``None``
    otherwise or when it cannot be read, or changed size while read."""
    try:
        fd = os.open(path, READ_FLAGS)
    except (OSError, ValueError):  # ValueError: a NUL in the name
        return None
    try:
        stat = os.fstat(fd)
        if not S_ISREG(stat.st_mode):
            return None
        data = os.read(fd, stat.st_size + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    return (stat, data) if len(data) == stat.st_size else None


def write_atomic(path: Path, data: bytes | str, *, durable: bool = False) -> None:
    """Replace ``path`` with ``data`` (text is written as UTF-8) in one rename; ``durable``: on disk
    before the rename (records a commit will hold)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600: published and committed files are readable by all
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def exclusive_lock(path: Path, busy: Callable[[], WartaError]) -> Iterator[None]:
    """Hold the lock file ``path`` for the block; raise ``busy()`` when another process holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    from filelock import FileLock, Timeout  # imported here for start-up time: 0.1 s, and most commands take no lock

    lock = FileLock(str(path), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise busy() from None
    try:
        yield
    finally:
        lock.release()


def grow_pipe(fd: int, size: int) -> None:
    """Ask the kernel for a pipe buffer of ``size`` bytes on ``fd`` (Linux's ``F_SETPIPE_SZ``), so the
    other end runs ahead. Elsewhere, or when the kernel refuses, the pipe keeps its size: only slower.
    ``fcntl`` is POSIX-only, so it is imported here, never at a module's top (tests/test_portability.py)."""
    try:
        import fcntl
    except ImportError:
        return
    with contextlib.suppress(OSError, AttributeError):
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, size)
