"""The previous output's pages checked on the other core while the build loads and judges its items.

A page is reused (:mod:`pipeline.site.reuse`) only when the previous output still holds the very bytes
the previous build wrote: the file is opened without following a link, judged by ``fstat`` of what is
open (a regular file of the recorded size, modification time and inode) and its bytes are hashed again
(sha256, against the digest recorded when it was written). After one change at 10,000 releases that is
14,000 files read and hashed, about a fifth of a second of the build's own process, which waits for
nothing else meanwhile. :func:`start` hands that check to a helper process (a fresh ``python -I -S``,
standard library only, as :mod:`pipeline.site.disk`'s writer) as soon as the build knows its output folder:
it checks every page the previous build recorded while this process loads, judges and renders, and
answers one verdict per page. :meth:`PreviousPages.intact` then says which pages may be linked.

The helper is told only the output folder and, per page, its name and the recorded size, time, inode
and digest; it reads, never writes. It checks exactly what :meth:`pipeline.site.reuse.PageCache.usable`
checks in process (and its verdicts are tested against it). A helper that cannot start or fails
answers nothing: every page is then checked in process, as before. As before, a page is checked before
it is linked, and the next build checks the linked file again.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Mapping
from typing import Any

from pipeline.site.disk import KEEP_ENV

# The helper: stdin is the output folder, then name, size, mtime_ns, inode, sha256 of each page, every
# field ended by NUL; stdout is one byte per page ("1": intact), after a "K".
_HELPER = r"""
import hashlib, os, stat, sys
raw = sys.stdin.buffer.read().split(b"\0")
prefix, fields = raw[0], raw[1:-1]
flags = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
         | getattr(os, "O_BINARY", 0))
out = bytearray(b"K")
for k in range(0, len(fields) - 4, 5):
    name, size, mtime, ino, digest = fields[k:k + 5]
    ok = 48
    try:
        fd = os.open(prefix + name, flags)
    except (OSError, ValueError):
        fd = -1
    if fd >= 0:
        try:
            st = os.fstat(fd)
            if stat.S_ISREG(st.st_mode) and (st.st_size, st.st_mtime_ns, st.st_ino) == (int(size), int(mtime), int(ino)):
                data = os.read(fd, st.st_size + 1)
                if len(data) == st.st_size and hashlib.sha256(data).hexdigest().encode() == digest:
                    ok = 49
        except (OSError, ValueError):
            pass
        finally:
            os.close(fd)
    out.append(ok)
sys.stdout.buffer.write(out)
"""


class PreviousPages:
    """The pages the previous build into ``output`` recorded (``entries``: name -> [key, size, mtime_ns,
    inode, sha256]) and the helper checking them (``None``: none was started)."""

    def __init__(self, output: str, entries: Mapping[str, list[Any]]) -> None:
        self.prefix = os.path.join(output, "")
        self.entries = entries
        self.names = [n for n, e in entries.items() if _well_formed(e) and _plain_name(n)]
        self.proc: subprocess.Popen[bytes] | None = None
        self._intact: set[str] | None = None
        if not self.names:
            return
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", _HELPER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, close_fds=True,
                env={k: v for k, v in os.environ.items() if k.upper() in KEEP_ENV})
        except OSError:
            self.proc = None
            return
        parts = [os.fsencode(self.prefix)]
        for name in self.names:
            _key, size, mtime, ino, digest = entries[name]
            parts += [os.fsencode(name), b"%d" % size, b"%d" % mtime, b"%d" % ino, digest.encode("ascii")]
        assert self.proc.stdin is not None
        try:  # the helper reads everything first (its stdout is only written at the end): no deadlock
            self.proc.stdin.write(b"\0".join(parts) + b"\0")
            self.proc.stdin.close()
        except OSError:
            self.close()

    def intact(self) -> set[str] | None:
        """The names whose file in the previous output is still exactly what was recorded (waits for the
        helper); ``None``: no verdicts (no helper, or it failed): check each page in process."""
        if self._intact is None and self.proc is not None:
            proc, self.proc = self.proc, None
            try:
                assert proc.stdout is not None
                out = proc.stdout.read()
                proc.wait()
            except OSError:
                out = b""
            with contextlib.suppress(OSError):
                proc.stdout.close()  # type: ignore[union-attr]
            if proc.returncode == 0 and out[:1] == b"K" and len(out) == len(self.names) + 1:
                self._intact = {n for n, ok in zip(self.names, out[1:], strict=True) if ok == 49}
        return self._intact

    def close(self) -> None:
        """Stop the helper (the build failed, or will not ask)."""
        proc, self.proc = self.proc, None
        if proc is not None:
            with contextlib.suppress(OSError):
                proc.kill()
            with contextlib.suppress(OSError, ValueError):
                proc.communicate()


def _plain_name(name: str) -> bool:
    try:
        os.fsencode(name)
    except UnicodeError:
        return False
    return "\0" not in name


def _well_formed(entry: Any) -> bool:
    """An entry as :meth:`pipeline.site.reuse.PageCache.record` writes it (anything else is never reused)."""
    return (isinstance(entry, list) and len(entry) == 5 and isinstance(entry[0], str)
            and all(type(x) is int and x >= 0 for x in entry[1:4]) and isinstance(entry[4], str)
            and len(entry[4]) == 64 and entry[4].isascii())
