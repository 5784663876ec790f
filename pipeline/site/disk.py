"""The file work of a build's pages, done by a small helper process beside the renderer.

Writing a large site is as much the kernel's work as Python's: 14,000 folders made, 14,000 files created
(or hard-linked from the previous output). :class:`Disk` hands that work to a helper process (a fresh
``python -I -S``, standard library only, a few MB) through a pipe, so it runs on the other core while
the build renders the next page; a thread would not do (each system call it makes waits for the
renderer to let go of the GIL). The helper writes only where it is told, inside the build's new folder:

- a folder (``mkdir``; one that exists is fine);
- a page: a file that must not exist yet (``O_CREAT | O_EXCL``, mode 0666 less the umask, as
  ``open(..., "w")``), so it is never written through a hard link nor over another page;
- a link: the previous output's page hard-linked (copied when it cannot be linked) at a new name.

The helper reports the size, modification time and inode of each page it wrote and each copy it made;
of a link, the caller already has them (the previous page it checked is the linked inode).

:meth:`Disk.close` waits for the helper and returns the size, modification time (ns) and inode of every
page and link, in the order they were asked for (:mod:`pipeline.site.reuse` keeps them). If the build
fails, :meth:`Disk.abort` stops the helper before the new folder is removed. A page that would land on
a name already written stops the build.
"""

from __future__ import annotations

import contextlib
import os
import struct
import subprocess
import sys

from pipeline.errors import BuildError
from pipeline.files import grow_pipe
from pipeline.i18n import _

HEAD = struct.Struct("<BII")  # operation, length of the path, length of the data
END, FOLDER, PAGE, LINK = 0, 1, 2, 3
# The helper gets no secret the parent's environment may hold (deploy or signing keys: DESIGN rule 12),
# only what the operating system needs (as pipeline.bounded's render workers).
KEEP_ENV = frozenset({"PATH", "SYSTEMROOT", "TMP", "TEMP", "TMPDIR", "LANG", "LC_ALL", "LC_CTYPE"})
PIPE_SIZE = 1 << 20  # bytes the pipe holds (Linux F_SETPIPE_SZ): the renderer rarely waits for the helper

# The helper: reads operations from stdin, answers once on stdout ("K" and the stats, or "E" and why).
_HELPER = r"""
import os, struct, sys
head, inp, out = struct.Struct("<BII"), sys.stdin.buffer, sys.stdout.buffer
stats = []
FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
def fail(kind, path, why=""):
    out.write(("E" + kind + "\0" + path + "\0" + why).encode("utf-8", "surrogateescape"))
    out.flush()
    sys.exit(1)
def new_file(path, data):
    fd = os.open(path, FLAGS, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        return os.fstat(fd)
    finally:
        os.close(fd)
while True:
    raw = inp.read(head.size)
    if len(raw) < head.size:
        fail("truncated", "")
    op, n, m = head.unpack(raw)
    if op == 0:
        break
    path = os.fsdecode(inp.read(n))
    data = inp.read(m)
    try:
        if op == 1:
            try:
                os.mkdir(path)
            except FileExistsError:
                pass
            continue
        if op == 2:
            st = new_file(path, data)
        else:
            source = os.fsdecode(data)
            try:
                os.link(source, path)
            except FileExistsError:
                raise
            except OSError:
                with open(source, "rb") as handle:
                    st = new_file(path, handle.read())
            else:
                stats.extend((-1, -1, -1))  # linked: the parent knows the inode's size, time and number
                continue
        stats.extend((st.st_size, st.st_mtime_ns, st.st_ino))
    except FileExistsError:
        fail("exists", path)
    except OSError as exc:
        fail("os", path, exc.strerror or type(exc).__name__)
out.write(b"K" + struct.pack("<%dq" % len(stats), *stats))
"""


class Disk:
    """One helper process doing a build's folder, page and link operations, in order."""

    def __init__(self) -> None:
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", _HELPER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, bufsize=PIPE_SIZE, close_fds=True,
                env={k: v for k, v in os.environ.items() if k.upper() in KEEP_ENV})
        except OSError as exc:
            raise BuildError(_("could not start the page writer ({program}): {reason}", program=sys.executable,
                               reason=exc.strerror or type(exc).__name__)) from None
        assert self.proc.stdin is not None
        self.stdin = self.proc.stdin
        grow_pipe(self.stdin.fileno(), PIPE_SIZE)  # Linux only; a smaller pipe works, slower
        self.files = 0  # pages and links asked for: the stats close() returns
        self.linked: dict[int, tuple[int, int, int]] = {}  # the stat of each link, by its place in that order

    def _send(self, op: int, path: str, data: bytes) -> None:
        name = os.fsencode(path)
        try:
            self.stdin.write(b"".join((HEAD.pack(op, len(name), len(data)), name, data)))  # one call per operation
        except BrokenPipeError:
            self._failed()

    def folder(self, path: str) -> None:
        self._send(FOLDER, path, b"")

    def page(self, path: str, data: str | bytes) -> None:
        self._send(PAGE, path, data if isinstance(data, bytes) else data.encode("utf-8"))
        self.files += 1

    def link(self, path: str, source: str, stat: tuple[int, int, int]) -> None:
        """``path`` made a hard link of ``source``, whose (size, mtime_ns, inode) the caller read from the
        file it checked: a link is the same inode, so :meth:`close` gives that back without a ``stat`` in
        the helper (a copy, made where no link can be, is stat'ed as written)."""
        self._send(LINK, path, os.fsencode(source))
        self.linked[self.files] = stat
        self.files += 1

    def close(self) -> list[tuple[int, int, int]]:
        """Wait for every operation; the (size, mtime_ns, inode) of each page and link, in order."""
        try:
            self.stdin.write(HEAD.pack(END, 0, 0))
            self.stdin.flush()
        except BrokenPipeError:
            pass
        out, err = self.proc.communicate()
        if self.proc.returncode != 0 or out[:1] != b"K":
            self._explain(out, err)
        values = struct.unpack(f"<{3 * self.files}q", out[1:])
        stats = [(values[i], values[i + 1], values[i + 2]) for i in range(0, len(values), 3)]
        linked = self.linked
        return [linked[n] if st[0] < 0 else st for n, st in enumerate(stats)]

    def abort(self) -> None:
        """Stop the helper (the build failed): nothing more is written once this returns."""
        with contextlib.suppress(OSError):
            self.proc.kill()
        with contextlib.suppress(OSError, ValueError):
            self.proc.communicate()

    def _failed(self) -> None:
        out, err = self.proc.communicate()
        self._explain(out, err)

    def _explain(self, out: bytes, err: bytes) -> None:
        if out[:1] == b"E":
            kind, path, why = (out[1:].decode("utf-8", "surrogateescape").split("\0") + ["", ""])[:3]
            if kind == "exists":
                raise BuildError(_("two pages of the site would be written to {path}", path=path))
            raise BuildError(_("could not write {path}: {reason}", path=path, reason=why or kind))
        tail = err.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise BuildError(_("the page writer stopped (exit code {code}): {reason}", code=self.proc.returncode,
                           reason=" ".join(tail) or "-"))
