"""The per-item findings of ``warta check``, kept by content: an item whose bytes, referenced files,
governance and warta's code are what they were is not judged again (``warta publish`` checks every item
of main on every run; ``warta status`` every open item it shows).

What is kept is the output of the checks that read one item and nothing else (:class:`Checked`:
personal data, placeholder text, the SOP's Kelengkapan before de-duplication, channel warnings);
:func:`pipeline.check.check_site` replays them in the order it computes them, so a run with the cache
gives the same findings, in the same order, as a run without it. The parsing, the photo, classification
and rendering checks, and everything that compares items (duplicate slugs) run every time.

An entry is found by its *key*, always recomputed from the real inputs: the item's path and git blob id,
the path and blob id (or kind) of every file it references, and the *context*: warta's code
(:func:`pipeline.codedigest.code_digest`), the message language, and the configuration, people and SOPs
the check reads. Each stored entry carries its key, and the file carries a digest of its entries: a
truncated, edited, foreign or unreadable file is ignored whole, an entry under another key is never
used. The file (``.warta-cache/check/items.pickle``) is written and read as the parsed items' file is
(:class:`pipeline.itemcache.PickledFile`: one read, a restricted unpickler that builds only findings); it
is local scratch (:func:`~pipeline.cachedir.ensure_local_cache`), safe to delete."""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import json
import os
import stat
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline import yamlio
from pipeline.cachedir import ITEM_CHECKS_CACHE
from pipeline.codedigest import code_digest
from pipeline.errors import Finding
from pipeline.files import blob_id
from pipeline.i18n import get_language
from pipeline.itemcache import Allowed, PickledFile, local_file

if TYPE_CHECKING:
    from pipeline.config import SiteConfig
    from pipeline.people import People
    from pipeline.sop import Sop

FORMAT = 2  # 2: the pickled file of pipeline/itemcache.py (1: JSON)
MAGIC = b"warta-item-checks"
LIMIT = 100_000  # entries kept; beyond it, the ones this run did not use are dropped


@dataclass(frozen=True)
class Checked:
    """The findings of the one-item checks, each list as its check returned it. ``kelengkapan`` is
    ``None`` when the item's SOP is unknown (the check then reports that and stops)."""

    privacy: tuple[Finding, ...]
    text: tuple[Finding, ...]
    kelengkapan: tuple[Finding, ...] | None
    routes: tuple[Finding, ...]


def context_digest(config: SiteConfig, people: People, sops: dict[str, Sop]) -> str:
    """What every entry depends on besides the item: warta's code and libraries, the Python version and
    whether YAML is read by libyaml (its messages and limits differ), the language, the governance."""
    loader = yamlio.StrictLoader.__mro__[1].__name__  # the C loader or not
    digest = hashlib.sha256(f"warta-item-checks {FORMAT}\0{code_digest()}\0{sys.version}\0{loader}\0"
                            f"{get_language()}\0".encode())
    try:
        shown = config.model_dump_json()
    except ValueError:  # a value pydantic cannot write as JSON: its repr names every field too
        shown = repr(config)
    digest.update(shown.encode("utf-8", "surrogateescape"))
    digest.update(b"\0")
    digest.update(repr(people).encode("utf-8", "surrogateescape"))
    digest.update(b"\0")
    digest.update(repr(sorted(sops.items())).encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def file_id(root: Path | str, rel: str) -> str:
    """The git blob id of a regular file in ``root``; ``link``, ``other`` or ``missing`` otherwise."""
    full = os.path.join(root, rel)
    try:
        if not _NO_FOLLOW:  # no O_NOFOLLOW here: look before opening
            mode = os.lstat(full).st_mode
            if stat.S_ISLNK(mode):
                return "link"
        # opened without following a link in the last part, and without waiting on a pipe: then looked at
        fd = os.open(full, _OPEN)
    except OSError as exc:
        return "link" if exc.errno == errno.ELOOP else "missing"
    except ValueError:
        return "missing"
    try:
        found = os.fstat(fd)
        if not stat.S_ISREG(found.st_mode):
            return "other"
        if found.st_size <= _WHOLE:  # an item or a photo: one read
            data = os.read(fd, found.st_size + 1)
            if len(data) != found.st_size:  # grew or shrank while it was read: an id that matches nothing
                return "changing"
            return blob_id(data)
        digest = hashlib.sha1(b"blob %d\0" % found.st_size, usedforsecurity=False)  # a large download: in parts
        size = 0
        while chunk := os.read(fd, _CHUNK):
            digest.update(chunk)
            size += len(chunk)
        return digest.hexdigest() if size == found.st_size else "changing"
    except OSError:
        return "missing"
    finally:
        os.close(fd)


_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)
_FINDING_FIELDS = frozenset(f.name for f in dataclasses.fields(Finding))
_WHOLE = 16 << 20  # files up to this size are read in one go, larger ones in parts of _CHUNK
_CHUNK = 1 << 20
_OPEN = os.O_RDONLY | _NO_FOLLOW | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


class ItemChecks:
    """The cache of one check run: :meth:`key`, :meth:`get`, :meth:`put`, then :meth:`save`."""

    def __init__(self, file: Path | None, context: str) -> None:
        self.store = PickledFile(file, MAGIC, FORMAT, context, _ALLOWED)
        self.context = context
        self.stored: dict[str, Any] = self.store.load()
        self.used: set[str] = set()
        self.added = 0

    @classmethod
    def open(cls, cache_root: Path, context: str) -> ItemChecks:
        """The cache of ``cache_root`` (a repository), or an empty one that saves nothing when its
        ``.warta-cache`` is not local scratch."""
        return cls(local_file(cache_root, ITEM_CHECKS_CACHE), context)

    def key(self, path: str, blob: str, references: Iterable[tuple[str, str]]) -> str:
        """The key of the checks of ``path`` with git blob id ``blob`` referencing ``references``
        (path, :func:`file_id`), in this context."""
        text = json.dumps([self.context, path, blob, sorted(references)], ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()

    def get(self, key: str) -> Checked | None:
        """The checks kept under ``key``: an entry is ``(its key, Checked)``, and one whose key or shape is
        not that is no entry."""
        entry = self.stored.get(key)
        if not (isinstance(entry, tuple) and len(entry) == 2 and entry[0] == key and _is_checked(entry[1])):
            return None
        self.used.add(key)
        found: Checked = entry[1]
        return found

    def put(self, key: str, checked: Checked) -> None:
        self.stored[key] = (key, checked)
        self.used.add(key)
        self.added += 1

    def save(self) -> None:
        """Write the file when this run added entries (atomically; a failure to write is no error)."""
        if not self.added:
            return
        entries = self.stored
        if len(entries) > LIMIT:
            entries = {k: v for k, v in entries.items() if k in self.used}
        self.store.save(entries)


def _is_checked(value: Any) -> bool:
    if not isinstance(value, Checked):
        return False
    try:
        groups = (value.privacy, value.text, value.routes, () if value.kelengkapan is None else value.kelengkapan)
        return all(isinstance(g, tuple) and all(valid_finding(f) for f in g) for g in groups)
    except Exception:  # noqa: BLE001 - an object without its fields: no entry
        return False


def valid_finding(value: Any) -> bool:
    """Whether ``value`` is a :class:`Finding` with every field of its type, as the check makes them (a
    cache file's findings are believed only then)."""
    if type(value) is not Finding:
        return False
    try:
        if set(vars(value)) != _FINDING_FIELDS:  # nothing else: an attribute could shadow a method
            return False
        fields = (value.path, value.line, value.message, value.field, value.severity, value.code)
    except (AttributeError, TypeError):
        return False
    path, line, message, name, severity, code = fields
    return (isinstance(path, str) and isinstance(message, str) and severity in ("error", "warning")
            and (line is None or type(line) is int) and (name is None or isinstance(name, str))
            and (code is None or isinstance(code, str)))


_ALLOWED: Allowed = {"pipeline.errors": {"Finding": Finding}, __name__: {"Checked": Checked}}


def references_of(root: Path, references: Sequence[str], ids: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """Each referenced file with its :func:`file_id` in ``root`` (``ids``: those already taken in this
    run, by path: a download six items link is read once)."""
    known = {} if ids is None else ids
    out = []
    for rel in references:
        found = known.get(rel)
        if found is None:
            found = known[rel] = file_id(root, rel)
        out.append((rel, found))
    return out

