"""The git blob id of each item file ``warta status`` shows, kept by the file's status
(``.warta-cache/check/blob-ids.pickle``).

``warta status`` names each shown item by its blob id (:mod:`pipeline.checksets` keys its kept check by
them): 10,000 files opened, read and hashed on every run (0.07 s), where a status of each costs a fifth of
that. A blob id is a function of the file's bytes, and the bytes of a regular file do not change while its
status does not: size, modification and change times in nanoseconds, inode and device (what git's index
relies on too, and :mod:`pipeline.site.preview_digests`; the change time cannot be set back by any program,
so an edit that restores the size and the modification time is still seen). So an id is kept with the
status of the file it was read from, and reused while the status is the same. Anything else is read again:

- a file changed less than :data:`RACY_NS` before it was read (it could change again within the clock's
  granularity unseen), or whose status moved while it was read: its id is not kept;
- anything that is not a regular file (a symbolic link, a folder, a pipe), or is missing: never kept
  (:func:`pipeline.checkcache.file_id` says what it is, every time);
- a file that is not exactly as this module writes it (:class:`pipeline.itemcache.PickledFile`: its
  header, a sha256 of its body, an unpickler that builds no class), or an entry that is no pair of
  strings of the right form: not used.

Like every cache it is local scratch, safe to delete, and trusted only as far as the working tree itself:
it names what status shows. ``warta check``, ``warta approve`` and ``warta publish`` never read it.
"""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

from pipeline.cachedir import BLOB_IDS_CACHE
from pipeline.checkcache import file_id
from pipeline.itemcache import PickledFile, local_file

MAGIC = b"warta-blob-ids"
FORMAT = 1
RACY_NS = 2_000_000_000
KEPT_MAX = 200_000  # entries the file holds at most (those of this run first)


def _status(st: os.stat_result) -> str:
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}:{st.st_dev}:"


class BlobIds:
    """Blob ids of files of the working tree at ``root``, kept by their status (see the module docstring);
    :meth:`save` keeps this run's."""

    def __init__(self, root: Path) -> None:
        self.top = os.fspath(root)
        self.store = PickledFile(local_file(root, BLOB_IDS_CACHE), MAGIC, FORMAT, "git-blob-sha1", {})
        self.kept = self.store.load()  # path -> the status (_status) followed by the 40 hex digits of the id
        self.fresh: dict[str, str] = {}
        self.asked: set[str] = set()

    def blob_id(self, rel: str) -> str:
        """:func:`pipeline.checkcache.file_id` of ``rel`` (a path the caller found spelt plainly, in no
        linked folder), from the kept id when the file's status is the one it was read at."""
        self.asked.add(rel)
        full = os.path.join(self.top, rel)
        try:
            st = os.lstat(full)
        except (OSError, ValueError):
            return file_id(self.top, rel)
        if not stat.S_ISREG(st.st_mode):
            return file_id(self.top, rel)
        status = _status(st)
        kept = self.kept.get(rel)
        if type(kept) is str and len(kept) == len(status) + 40 and kept.startswith(status):
            self.fresh[rel] = kept
            return kept[-40:]
        before = time.time_ns()
        found = file_id(self.top, rel)
        if len(found) == 40 and before - max(st.st_mtime_ns, st.st_ctime_ns) > RACY_NS:
            try:
                again = os.lstat(full)
            except (OSError, ValueError):
                return found
            if _status(again) == status:  # the bytes read are the bytes of that status
                self.fresh[rel] = status + found
        return found

    def save(self) -> None:
        """Keep this run's ids, and the kept ones of files this run did not ask about (a branch's status
        shows a few items; main's stay kept), up to :data:`KEPT_MAX`."""
        entries = dict(self.fresh)
        for rel, value in self.kept.items():
            if len(entries) >= KEPT_MAX:
                break
            if rel not in self.asked and type(rel) is str and type(value) is str:
                entries[rel] = value
        if entries != self.kept:
            self.store.save(entries)

