"""The previous output's pages checked on the other core while the build loads and judges its items.

A page is reused (:mod:`pipeline.site.reuse`) only when the previous output still holds the very bytes
the previous build wrote: the file is opened without following a link, judged by ``fstat`` of what is
open (a regular file of the recorded size, modification time and inode) and its bytes are hashed again
(sha256, against the digest recorded when it was written). After one change at 10,000 releases that is
14,000 files read and hashed, about a fifth of a second of the build's own process, which waits for
nothing else meanwhile. :func:`pipeline.site.reuse.previous_pages` hands that check to a helper process
(a fresh ``python -I -S``, standard library only, no secret of the environment, as
:mod:`pipeline.site.disk`'s writer) as soon as the build knows its output folder: it checks every page
the previous build recorded while this process renders, payloads and plans, and answers one verdict per
page. :meth:`PreviousPages.intact` then says which pages may be linked.

The helper is told the record's file (``.warta-cache/site/pages/<folder>.json``) and the output folder;
it reads them, never writes. It checks exactly what :meth:`pipeline.site.reuse.PageCache.usable` checks
in process (and its verdicts are tested against it), and says the sha256 of the record's bytes it read:
its verdicts count only when that is the record this process read (a record written again meanwhile
gives no verdicts). A helper that cannot start or fails answers nothing: every page is then checked in
process, as before. As before, a page is checked before it is linked, and the next build checks the
linked file again.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import struct
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from stat import S_ISREG
from typing import Any

from pipeline.site.disk import KEEP_ENV

# The helper: stdin is the record file's path and the output folder, NUL-separated. It reads the record
# (JSON: {"pages": {name: [key, size, mtime_ns, inode, sha256]}}) and answers "K", the sha256 of the
# record's bytes it read, one byte per page in the record's order ("1": intact), then the change time
# (st_ctime_ns) it saw of each intact page's file, as 64-bit integers.
_HELPER = r"""
import hashlib, json, os, stat, struct, sys
record, prefix = sys.stdin.buffer.read().split(b"\0")[:2]
with open(record, "rb") as handle:
    raw = handle.read()
pages = json.loads(raw.decode("utf-8"))["pages"]
flags = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
         | getattr(os, "O_BINARY", 0))
verdicts, seen = bytearray(), []
for name, entry in pages.items():
    ok, changed = 48, 0
    try:
        _key, size, mtime, ino, digest = entry
        if ("\0" in name or "\\" in name or name.startswith("/") or ".." in name.split("/")
                or not all(type(x) is int for x in (size, mtime, ino)) or type(digest) is not str):
            raise ValueError(name)
        fd = os.open(prefix + os.fsencode(name), flags)
    except (OSError, ValueError, TypeError):
        fd = -1
    if fd >= 0:
        try:
            st = os.fstat(fd)
            if stat.S_ISREG(st.st_mode) and (st.st_size, st.st_mtime_ns, st.st_ino) == (size, mtime, ino):
                data = os.read(fd, st.st_size + 1)
                if len(data) == st.st_size and hashlib.sha256(data).hexdigest() == digest:
                    ok, changed = 49, st.st_ctime_ns
        except (OSError, ValueError):
            pass
        finally:
            os.close(fd)
    verdicts.append(ok)
    seen.append(changed)
sys.stdout.buffer.write(b"K" + hashlib.sha256(raw).hexdigest().encode() + bytes(verdicts)
                        + struct.pack("<%dq" % len(seen), *seen))
"""


class PreviousPages:
    """The pages the previous build into ``output`` recorded (``entries``: name -> [key, size, mtime_ns,
    inode, sha256], as parsed from ``raw``, the bytes of the record ``file``) and the helper checking them
    (``None``: none was started). The helper reads the record itself (nothing large crosses the pipe) and
    says which bytes it read: its verdicts are taken only when those are ``raw``, so they are verdicts on
    these very entries."""

    def __init__(self, output: str, entries: Mapping[str, list[Any]], file: Path | None = None,
                 raw: bytes = b"") -> None:
        self.prefix = os.path.join(output, "")
        self.entries = entries
        self.names = list(entries)
        self.expected = hashlib.sha256(raw).hexdigest().encode()
        self.proc: subprocess.Popen[bytes] | None = None
        self._intact: dict[str, int] | None = None
        if not self.names or file is None:
            return
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", _HELPER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, close_fds=True,
                env={k: v for k, v in os.environ.items() if k.upper() in KEEP_ENV})
        except OSError:
            self.proc = None
            return
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(os.fsencode(file) + b"\0" + os.fsencode(self.prefix) + b"\0")
            self.proc.stdin.close()
        except (OSError, ValueError):
            self.close()

    def intact(self) -> dict[str, int] | None:
        """The names whose file in the previous output was exactly what was recorded when the helper
        checked it, each with the change time (``st_ctime_ns``) it had then (waits for the helper);
        ``None``: no verdicts (no helper, it failed, or it read other bytes of the record than these
        entries came from): check each page in process."""
        if self._intact is None and self.proc is not None:
            proc, self.proc = self.proc, None
            out = b""
            if proc.stdout is not None:
                with contextlib.suppress(OSError):
                    out = proc.stdout.read()
                with contextlib.suppress(OSError):
                    proc.stdout.close()
            with contextlib.suppress(OSError):
                proc.wait()
            n = len(self.names)
            head, verdicts, times = out[:65], out[65:65 + n], out[65 + n:]
            if proc.returncode == 0 and head == b"K" + self.expected and len(verdicts) == n and len(times) == 8 * n:
                changed = struct.unpack(f"<{n}q", times)
                self._intact = {name: changed[k] for k, (name, ok) in enumerate(zip(self.names, verdicts, strict=True))
                                if ok == 49 and _well_formed(self.entries[name])}
        return self._intact

    def still(self, name: str, source: str) -> bool:
        """Page ``name``'s file ``source`` is still what the helper checked: a regular file with the
        recorded size, modification time and inode and the change time the helper saw (any write,
        ``utime`` or rename since moves it), so a page edited or replaced while the build ran is rendered
        again. One ``lstat``, just before the page is linked. (On Windows ``st_ctime`` is the creation
        time: a page edited in place during the build is then seen by the next build, as an edit made
        through the link after it is, anywhere.)"""
        intact = self._intact
        changed = intact.get(name) if intact is not None else None
        if changed is None:
            return False
        try:
            st = os.lstat(source)
        except (OSError, ValueError):
            return False
        known = self.entries[name]
        return S_ISREG(st.st_mode) and (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns) == (
            known[1], known[2], known[3], changed)

    def close(self) -> None:
        """Stop the helper (the build failed, or will not ask) and wait for it."""
        proc, self.proc = self.proc, None
        if proc is not None:
            with contextlib.suppress(OSError):
                proc.kill()
            with contextlib.suppress(OSError):
                if proc.stdout is not None:
                    proc.stdout.close()
            with contextlib.suppress(OSError):
                proc.wait()


def _well_formed(entry: Any) -> bool:
    """An entry as :meth:`pipeline.site.reuse.PageCache.record` writes it (anything else is never reused)."""
    return (isinstance(entry, list) and len(entry) == 5 and isinstance(entry[0], str)
            and all(type(x) is int and x >= 0 for x in entry[1:4]) and isinstance(entry[4], str)
            and len(entry[4]) == 64 and entry[4].isascii())
