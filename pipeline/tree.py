"""A small file-tree interface: the same reading code over the working tree or over git objects.

Content parsing, digests and approvals read files through a :class:`FileTree`, never through paths on
disk directly, so that ``warta publish`` can read every byte it publishes from git objects (the closed
world of DESIGN section 4, rule 11) while ``warta check`` and ``warta build --drafts`` read the working
tree with the very same code.

- :class:`GitTree` is the tree of one commit: paths, modes and blob ids from one ``git ls-tree``, bytes
  through one ``git cat-file --batch`` per :meth:`~FileTree.read_many`. Symbolic links are never
  followed: a link is an entry of mode ``120000`` whose bytes are its target text, and it reads as
  :data:`None` like a missing file. Nothing is checked out, so ``.gitattributes`` conversions, submodules,
  untracked and ignored files cannot change what is read.
- :class:`WorkTree` is a folder on disk (the working tree, for drafts and ``warta check``), with the same
  refusal of symbolic links.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol

from pipeline.files import blob_id
from pipeline.git import Git, TreeEntry
from pipeline.i18n import _

REGULAR_MODES = frozenset({"100644", "100755"})
SYMLINK_MODE = "120000"


@dataclass(frozen=True)
class Entry:
    """One path of a tree: ``kind`` is ``file``, ``link`` (a symbolic link) or ``other`` (a submodule)."""

    path: str
    kind: str
    oid: str | None = None  # the git blob id (GitTree), None on disk


class FileTree(Protocol):
    """Read-only files addressed by repository-relative POSIX paths."""

    def entry(self, path: str) -> Entry | None: ...

    def read(self, path: str) -> bytes | None:
        """The bytes of a regular file, or None (missing, a folder, a symbolic link, a submodule)."""
        ...

    def read_many(self, paths: Iterable[str]) -> dict[str, bytes]: ...

    def paths(self, prefix: str = "") -> Iterator[str]:
        """Every path under ``prefix`` (a folder path ending in ``/``, or empty for all), sorted."""
        ...

    def describe(self) -> str:
        """Where the files come from, for messages (``the working tree``, ``main at 1a2b3c4d5e6f``)."""
        ...


def is_file(tree: FileTree, path: str) -> bool:
    found = tree.entry(path)
    return found is not None and found.kind == "file"


def linked_parent(tree: FileTree, path: str) -> str | None:
    """The first part of ``path`` (itself included) that is a symbolic link, or None."""
    parts = PurePosixPath(path).parts
    for n in range(1, len(parts) + 1):
        part = "/".join(parts[:n])
        found = tree.entry(part)
        if found is not None and found.kind == "link":
            return part
    return None


_NO_FOLLOW = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)


def _read_regular(full: str) -> bytes | None:
    """The bytes of ``full`` if it is a regular file (looked at with lstat first, as :meth:`WorkTree.entry`
    does: nothing else is opened), opened without following a link put there meanwhile."""
    try:
        found = os.lstat(full)
        if not stat.S_ISREG(found.st_mode):
            return None
        fd = os.open(full, _NO_FOLLOW)
    except (OSError, ValueError):
        return None
    try:
        data = os.read(fd, found.st_size + 1)  # a regular file reads short only at its end
        if len(data) <= found.st_size:
            return data
        chunks = [data]  # it grew since lstat: read on to the end
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def _plain(path: str) -> bool:
    """A relative path with no empty, ``.`` or ``..`` part."""
    return not any(part in ("", ".", "..") for part in path.split("/"))


class GitTree:
    """The files of one commit, read from git objects only."""

    def __init__(self, git: Git, rev: str, entries: Iterable[TreeEntry] | None = None, label: str = "") -> None:
        self.git = git
        self.rev = rev
        listed = list(entries) if entries is not None else git.ls_tree(rev)
        self._entries: dict[str, TreeEntry] = {e.path: e for e in listed}
        self._folders: set[str] = set()
        for path in self._entries:
            parts = path.split("/")
            for n in range(1, len(parts)):
                self._folders.add("/".join(parts[:n]))
        self._bytes: dict[str, bytes] = {}
        self.label = label or f"{rev[:12]}"

    @property
    def entries(self) -> Mapping[str, TreeEntry]:
        return self._entries

    def oid(self, path: str) -> str | None:
        found = self._entries.get(path)
        return found.oid if found is not None else None

    def entry(self, path: str) -> Entry | None:
        found = self._entries.get(path)
        if found is None:
            return Entry(path, "folder") if path in self._folders else None
        if found.type == "blob" and found.mode in REGULAR_MODES:
            return Entry(path, "file", found.oid)
        if found.type == "blob" and found.mode == SYMLINK_MODE:
            return Entry(path, "link", found.oid)
        return Entry(path, "other", found.oid)

    def read(self, path: str) -> bytes | None:
        return self.read_many([path]).get(path)

    def read_many(self, paths: Iterable[str]) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        todo: dict[str, str] = {}
        for path in paths:
            if path in self._bytes:
                out[path] = self._bytes[path]
                continue
            found = self.entry(path)
            if found is not None and found.kind == "file" and found.oid:
                todo[path] = found.oid
        if todo:
            blobs = self.git.read_blobs(set(todo.values()))
            for path, oid in todo.items():
                if oid in blobs:
                    out[path] = blobs[oid]
        return out

    def remember(self, path: str, data: bytes) -> None:
        """Keep bytes already read (by a batch elsewhere) so they are not read again."""
        self._bytes[path] = data

    def paths(self, prefix: str = "") -> Iterator[str]:
        for path in sorted(self._entries):
            if path.startswith(prefix):
                yield path

    def describe(self) -> str:
        return self.label


class WorkTree:
    """The files of a folder on disk (the working tree). Symbolic links read as None, like in git."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def entry(self, path: str) -> Entry | None:
        try:  # one lstat (a link is a link, whatever it points to)
            mode = os.lstat(os.path.join(self.root, path)).st_mode
        except (OSError, ValueError):
            return None
        if stat.S_ISLNK(mode):
            return Entry(path, "link")
        if stat.S_ISREG(mode):
            return Entry(path, "file")
        if stat.S_ISDIR(mode):
            return Entry(path, "folder")
        return None

    def read(self, path: str) -> bytes | None:
        if linked_parent(self, path) is not None:
            return None
        found = self.entry(path)
        if found is None or found.kind != "file":
            return None
        try:
            with open(os.path.join(self.root, path), "rb") as handle:
                return handle.read()
        except OSError:
            return None

    def read_many(self, paths: Iterable[str]) -> dict[str, bytes]:
        """:meth:`read` of each path; each folder is looked at once per call (10,000 items share a few)."""
        out: dict[str, bytes] = {}
        linked: dict[str, bool] = {}
        for path in paths:
            if not _plain(path):  # an odd spelling (a//b, a/./b): the one-path reading
                data = self.read(path)
                if data is not None:
                    out[path] = data
                continue
            if self._linked_folder(path.rpartition("/")[0], linked):
                continue
            data = _read_regular(os.path.join(self.root, path))
            if data is not None:
                out[path] = data
        return out

    def _linked_folder(self, folder: str, seen: dict[str, bool]) -> bool:
        """Whether ``folder`` or a folder above it is a symbolic link (as :func:`linked_parent` says)."""
        if not folder:
            return False
        known = seen.get(folder)
        if known is None:
            found = self.entry(folder)
            known = self._linked_folder(folder.rpartition("/")[0], seen) or (found is not None and found.kind == "link")
            seen[folder] = known
        return known

    def paths(self, prefix: str = "") -> Iterator[str]:
        base = self.root / prefix if prefix else self.root
        found: list[str] = []
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = [d for d in dirnames if d != ".git"]
            rel = Path(dirpath).relative_to(self.root).as_posix()
            for name in filenames:
                found.append(name if rel == "." else f"{rel}/{name}")
        yield from sorted(found)

    def describe(self) -> str:
        return _("the working tree")


class NotingTree(WorkTree):
    """A :class:`WorkTree` that notes the answer of every look-up (:func:`answer`): what a check looked
    at (the folders above the files it read, the files its items reference, missing ones included), so
    that a result kept with those answers is used only while each is still the same
    (:class:`pipeline.checkcache.SetChecks`)."""

    def __init__(self, root: Path, noted: dict[tuple[str, str], str]) -> None:
        super().__init__(root)
        self.noted = noted

    def entry(self, path: str) -> Entry | None:
        found = super().entry(path)
        self.noted["entry", path] = _kind(found)
        return found

    def read(self, path: str) -> bytes | None:
        data = super().read(path)
        self.noted["read", path] = _blob(data)
        return data

    def read_many(self, paths: Iterable[str]) -> dict[str, bytes]:
        wanted = list(paths)
        out = super().read_many(wanted)
        for path in wanted:
            self.noted["read", path] = _blob(out.get(path))
        return out


def answer(tree: WorkTree, question: tuple[str, str]) -> str:
    """The answer :class:`NotingTree` notes for ``question`` (``("entry", path)`` or ``("read", path)``),
    asked again of ``tree``: the entry's kind (``none``), or the git blob id of the bytes read (``-``)."""
    how, path = question
    return _kind(tree.entry(path)) if how == "entry" else _blob(tree.read(path))


def _kind(found: Entry | None) -> str:
    return "none" if found is None else found.kind


def _blob(data: bytes | None) -> str:
    return "-" if data is None else blob_id(data)
