"""The working tree's digest of each item for ``warta build`` (:mod:`pipeline.site.preview`); the digests
of items with references kept by the status of their files (``.warta-cache/preview/digests.json``).

The preview shows an approved item as approved only when the working tree holds exactly the approved
bytes (uncommitted changes are approved by nobody), so it needs the digest of every item's file and
references as they are on disk.

- **An item without references** is judged by the digest of the very bytes the build loaded and shows
  (:attr:`pipeline.content.Site.read_digests`): nothing is read twice and nothing is kept, so no status
  of a file can ever stand in for its bytes.
- **An item with references** (photos, downloads: files of any size that the build does not read) is
  judged by the bytes the build loaded for its own file (:attr:`pipeline.content.Site.read_own`) and its
  references as they are on disk; that digest is kept with the sha256 of the item's bytes and the status
  of every reference: size, modification and change times in nanoseconds, inode and device, what git's
  index relies on (the change time cannot be set back by any program, so an edit that restores size and
  modification time is still seen). It is reused while the item's bytes and every reference's status are
  the same, the item names the same files, and no folder on the way is a symbolic link; like git's
  index, it cannot see a second write through a shared ``mmap`` into a page not yet written back (no
  time moves). Where ``st_ctime`` is not the change time (Windows: the creation time) nothing is kept.
  A caller that gives no loaded bytes (:meth:`WorkingDigests.digest` alone) has the item's file judged
  by its status too. Everything else is hashed again:

  - a file changed less than :data:`RACY_NS` before it was hashed (it could change again within the
    clock's granularity unseen): its digest is not kept;
  - a missing file, a symbolic link, a file behind a linked folder, anything that is not a regular file:
    never kept (the working tree's reader decides what such a digest is, every time);
  - a cache of another format, whose entries do not match the sha256 it carries (edited or cut short),
    or that cannot be read: ignored.

The preview only shows; ``warta publish`` never reads the working tree (DESIGN section 4, rule 11).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import time
from pathlib import Path
from typing import Any

from pipeline.cachedir import PREVIEW_DIGESTS, ensure_local_cache
from pipeline.content import Item, compute_digest, item_digest
from pipeline.files import write_atomic
from pipeline.tree import WorkTree

FORMAT = 1
RACY_NS = 2_000_000_000
# st_ctime is the change time (which no program sets back) on POSIX systems; on Windows it is the creation time
KEEPS = os.name == "posix"


def _check(body: bytes) -> bytes:
    return hashlib.sha256(f"warta-preview-digests {FORMAT}\n".encode() + body).hexdigest().encode()


class WorkingDigests:
    """Digests of items as the working tree at ``root`` holds them; ``cache``: keep them (see the module
    docstring) in the machine's own cache folder (:func:`~pipeline.cachedir.ensure_local_cache`)."""

    def __init__(self, root: Path, *, cache: bool) -> None:
        self.root = root
        self.base = f"{root}{os.sep}"
        self.file = ensure_local_cache(root) / PREVIEW_DIGESTS if cache and KEEPS else None
        self.entries: dict[str, Any] = {}
        self.fresh: dict[str, Any] = {}
        self._linked: dict[str, bool] = {}
        if self.file is not None:
            with contextlib.suppress(OSError, ValueError):
                check, _sep, body = self.file.read_bytes().partition(b"\n")
                if check == _check(body):  # the first line: a sha256 of the rest (an edit or a cut shows)
                    entries = json.loads(body)
                    self.entries = entries if isinstance(entries, dict) else {}

    def _folder_linked(self, folder: str) -> bool:
        found = self._linked.get(folder)
        if found is None:
            parent = folder.rpartition("/")[0]
            found = (bool(parent) and self._folder_linked(parent)) or os.path.islink(f"{self.base}{folder}")
            self._linked[folder] = found
        return found

    def _status(self, path: str) -> list[int] | None:
        """The status that names the bytes of ``path``; ``None`` when its digest must not be kept."""
        folder = path.rpartition("/")[0]
        if folder and self._folder_linked(folder):
            return None
        try:
            st = os.lstat(f"{self.base}{path}")
        except (OSError, ValueError):
            return None
        if not stat.S_ISREG(st.st_mode):
            return None
        return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]

    def _statuses(self, paths: list[str]) -> list[int] | None:
        out: list[int] = []
        for path in paths:
            found = self._status(path)
            if found is None:
                return None
            out.extend(found)
        return out

    def digest(self, item: Item, read: str | None = None, own: bytes | None = None) -> str | None:
        """The digest of ``item`` as the working tree holds it; ``None`` when it cannot be read. ``read``:
        the digest of the bytes an item without references was loaded from
        (:attr:`pipeline.content.Site.read_digests`): that is its digest, as shown (nothing read or kept).
        ``own``: the bytes an item with references was loaded from (:attr:`pipeline.content.Site.read_own`):
        its own part of the digest is those, never a second read of its file; only its references are
        read (or their kept digest taken by their status)."""
        refs = list(item.references)
        if read is not None and not refs:
            return read
        if own is not None:
            return self._with_own(item, refs, own)
        paths = [item.path, *refs]
        statuses = self._statuses(paths) if self.file is not None else None
        entry = self.entries.get(item.path)
        # an entry: [digest, the references, the status of the item and of each reference, flat]
        if statuses is not None and isinstance(entry, list) and len(entry) == 3 and entry[1] == refs \
                and entry[2] == statuses and isinstance(entry[0], str):
            self.fresh[item.path] = entry
            return entry[0]
        before = time.time_ns()
        try:
            digest = item_digest(self.root, item)
        except OSError:
            return None
        if refs and statuses is not None and self._settled(statuses, before) and self._statuses(paths) == statuses:
            self.fresh[item.path] = [digest, refs, statuses]
        return digest

    def _with_own(self, item: Item, refs: list[str], own: bytes) -> str | None:
        """:meth:`digest` of an item with references from the bytes it was loaded from (``own``)."""
        own_id = hashlib.sha256(own).hexdigest()
        statuses = self._statuses(refs) if self.file is not None else None
        entry = self.entries.get(item.path)
        # an entry: [digest, the references, the status of each reference, flat, sha256 of the item's bytes]
        if statuses is not None and isinstance(entry, list) and len(entry) == 4 and entry[1] == refs \
                and entry[2] == statuses and entry[3] == own_id and isinstance(entry[0], str):
            self.fresh[item.path] = entry
            return entry[0]
        before = time.time_ns()
        try:
            files = WorkTree(self.root).read_many(refs)
        except OSError:
            return None
        files[item.path] = own
        digest = compute_digest(files)
        if statuses is not None and self._settled(statuses, before) and self._statuses(refs) == statuses:
            self.fresh[item.path] = [digest, refs, statuses, own_id]
        return digest

    @staticmethod
    def _settled(statuses: list[int], before: int) -> bool:
        """No file of ``statuses`` changed within :data:`RACY_NS` before ``before`` (when it was read)."""
        return all(before - max(statuses[k + 1], statuses[k + 2]) > RACY_NS for k in range(0, len(statuses), 5))

    def save(self) -> None:
        """Keep the digests of this run's items (the others are forgotten)."""
        if self.file is None or self.fresh == self.entries:
            return
        body = json.dumps(self.fresh, separators=(",", ":")).encode()
        with contextlib.suppress(OSError):
            write_atomic(self.file, _check(body) + b"\n" + body)
