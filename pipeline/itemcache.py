"""Parsed content items kept by content: ``.warta-cache/items/parsed.pickle`` (:data:`ITEMS_CACHE`).

Parsing one item (its YAML front matter with line numbers, the schema of its kind, the references it
makes) costs about 0.25 ms; every command that reads the site parses all of them (10,000 items: 2-3 s).
This cache keeps, for each item that parsed **without any finding**, what :func:`pipeline.content.parse_item`
derived from the item's own bytes (its typed front matter, slug, SOP, where its front matter and body
start, the files it references), so a run parses only the items whose bytes changed.

An entry is found by its *key*, the sha256 of the item's repository path and bytes, always computed from
the bytes just read; the file holds entries of one *context* only: warta's code and the libraries it
parses with (:func:`pipeline.codedigest.code_digest`), the Markdown dialect
(:data:`pipeline.markup.FINGERPRINT`: an item's links and images are found in its rendering) and the whole
site configuration (kinds, SOPs, limits, time zone: everything :func:`~pipeline.content.parse_item`
reads). What an item's parse also depends on outside its bytes, the files it references, is never cached:
on a hit :func:`pipeline.content.load_items` checks each of them again in the tree it reads (there, a
regular file, through no symbolic link) and parses the item afresh if one is not, so its finding is
reported as without the cache. An item with findings (errors or warnings) is never kept: it is parsed on
every run, and its findings name file, line and field exactly as always; a kept item carries no line map
(:meth:`pipeline.content.Item.line_of` builds it when something asks).

The file's first line names its format, its context and the sha256 of the rest; a file that is truncated,
edited, of another warta version or configuration, or unreadable is ignored whole (and written again); the
rest is read by a restricted unpickler that builds only the classes an entry holds (the schemas of
:mod:`pipeline.kinds`, :mod:`pipeline.references`' records, dates). It is written atomically (a temporary
file renamed over it): two runs at once leave one whole file or the other. Like every cache it is local
scratch, used only when :func:`~pipeline.cachedir.ensure_local_cache` accepts the folder, and safe to delete.

A run that changed a few entries (up to :data:`DELTA_MOST`; one edited release) leaves the main file as it
is and writes them to ``parsed.delta.pickle`` beside it, in the same format, whose context also names the
sha256 of the main file's body it was written over: it is read only together with that very main file (a
delta left from before another run wrote the main file again is never read). Past that many entries, or
when a run forgets an entry or prunes, the main file is written whole again and the delta removed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import io
import pickle
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from pipeline import collector, kinds, references, yamlio
from pipeline.cachedir import ITEMS_CACHE, ensure_local_cache
from pipeline.codedigest import code_digest
from pipeline.files import write_atomic
from pipeline.markup import FINGERPRINT

if TYPE_CHECKING:
    from pipeline.config import SiteConfig

FORMAT = 2  # 2: byte offsets
MAGIC = b"warta-items"
KEEP_UNUSED = 2000  # entries this run did not use that are kept besides those it used (drafts, other trees)
DELTA_MOST = 500  # entries the delta file holds at most; past them the main file is written again, whole

# what an entry may hold: the classes of an item's typed front matter and references, and dates
_DATES = {"date": dt.date, "datetime": dt.datetime, "timezone": dt.timezone, "timedelta": dt.timedelta}
_REFS = {"ImageRef": references.ImageRef, "LinkRef": references.LinkRef}
_MODELS = {name: value for name, value in vars(kinds).items()
           if isinstance(value, type) and issubclass(value, BaseModel) and value.__module__ == kinds.__name__}
_ALLOWED: dict[str, dict[str, type]] = {"datetime": _DATES, references.__name__: _REFS, kinds.__name__: _MODELS}


Allowed = Mapping[str, Mapping[str, type]]  # module -> class name -> class


class _Unpickler(pickle.Unpickler):
    """Builds nothing but the classes a file's entries hold (defence in depth: the file is local scratch)."""

    def __init__(self, data: bytes, allowed: Allowed) -> None:
        super().__init__(io.BytesIO(data))
        self.allowed = allowed

    def find_class(self, module: str, name: str) -> Any:
        found = self.allowed.get(module, {}).get(name)
        if found is None:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of a cache entry")
        return found


def restricted_load(data: bytes, allowed: Allowed) -> Any:
    """The value pickled in ``data``, building no class but those of ``allowed`` (raises otherwise)."""
    return _Unpickler(data, allowed).load()


class PickledFile:
    """One cache file of entries: a first line ``<magic> <format> <context> <sha256 of the rest>``, then a
    pickle read by a restricted unpickler (``allowed``: the only classes it builds). Shared by the parsed
    items and the check findings (:mod:`pipeline.checkcache`)."""

    def __init__(self, file: Path | None, magic: bytes, fmt: int, context: str, allowed: Allowed) -> None:
        self.file, self.magic, self.format, self.context, self.allowed = file, magic, fmt, context, allowed
        self.loaded: str | None = None  # the sha256 of the body :meth:`load` used (None: it used none)

    def header(self, body: bytes) -> bytes:
        return self._header(hashlib.sha256(body).hexdigest())

    def _header(self, digest: str) -> bytes:
        return b"%s %d %s %s\n" % (self.magic, self.format, self.context.encode(), digest.encode())

    def load(self) -> dict[Any, Any]:
        """The entries, or none at all when anything about the file is not as this run would write it."""
        if self.file is None:
            return {}
        try:
            data = self.file.read_bytes()
        except OSError:
            return {}
        head, sep, body = data.partition(b"\n")
        digest = hashlib.sha256(body).hexdigest()
        if not sep or head + sep != self._header(digest):
            return {}
        collecting = gc.isenabled()
        gc.disable()  # tens of thousands of objects, none of them garbage: no collection passes meanwhile
        try:
            entries = _Unpickler(body, self.allowed).load()
        except Exception:  # noqa: BLE001 - whatever a damaged file raises, it is simply not used
            return {}
        finally:
            collector.resume(collecting)
        if not isinstance(entries, dict):
            return {}
        self.loaded = digest
        return entries

    def save(self, entries: dict[Any, Any]) -> None:
        """Write the file atomically (a temporary file renamed over it); a failure to write is no error."""
        if self.file is None:
            return
        body = pickle.dumps(entries, protocol=pickle.HIGHEST_PROTOCOL)
        with contextlib.suppress(OSError):
            write_atomic(self.file, self.header(body) + body)

    def remove(self) -> None:
        if self.file is not None:
            with contextlib.suppress(OSError):
                self.file.unlink(missing_ok=True)


def context_digest(config: SiteConfig) -> str:
    """What every entry depends on besides the item's bytes: warta's code and libraries, the Markdown
    dialect, the Python version, whether YAML is read by libyaml, and the configuration the items are
    parsed with."""
    digest = hashlib.sha256(f"warta-parsed-items {FORMAT}\0{code_digest()}\0{FINGERPRINT}\0{sys.version}\0"
                            f"{yamlio.StrictLoader.__mro__[1].__name__}\0".encode())  # the C loader or not
    try:
        shown = config.model_dump_json()
    except ValueError:  # a value pydantic cannot write as JSON: its repr names every field too
        shown = repr(config)
    digest.update(shown.encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def item_key(path: str, raw: bytes) -> bytes:
    """The key of the item at ``path`` whose bytes are ``raw``."""
    digest = hashlib.sha256(path.encode("utf-8", "surrogateescape"))
    digest.update(b"\0")
    digest.update(raw)
    return digest.digest()


class ItemCache:
    """The parsed items of one run: :meth:`get` and :meth:`put` by :func:`item_key`, then :meth:`save`.
    An entry is a tuple :mod:`pipeline.content` writes and checks; this class only keeps them."""

    def __init__(self, file: Path | None, context: str) -> None:
        self.store = PickledFile(file, MAGIC, FORMAT, context, _ALLOWED)
        self.stored: dict[bytes, tuple[Any, ...]] = _entries(self.store.load())
        # the entries added since the main file was written: in the delta file, bound to that very file
        self.fresh: dict[bytes, tuple[Any, ...]] = {}
        self.delta = None if self.store.loaded is None else self._delta(self.store.loaded)
        if self.delta is not None:
            self.fresh = _entries(self.delta.load())
            self.stored.update(self.fresh)
        self.used: set[bytes] = set()
        self.added = 0
        self.forgot = False

    def _delta(self, main: str) -> PickledFile | None:
        """The delta file over the main file whose body's sha256 is ``main``: its context names that body,
        so a delta written over another version of the main file (another run rewrote it) is never read."""
        file = self.store.file
        if file is None:
            return None
        return PickledFile(file.with_name(file.stem + ".delta" + file.suffix), MAGIC, FORMAT,
                           f"{self.store.context}+{main}", _ALLOWED)

    @classmethod
    def open(cls, cache_root: Path | None, config: SiteConfig) -> ItemCache:
        """The cache of the repository ``cache_root``, or one in memory only (it saves nothing) when there
        is none or its ``.warta-cache`` is not local scratch."""
        return cls(local_file(cache_root, ITEMS_CACHE), context_digest(config))

    def get(self, key: bytes) -> tuple[Any, ...] | None:
        entry = self.stored.get(key)
        if entry is not None:
            self.used.add(key)
        return entry

    def forget(self, key: bytes) -> None:
        """An entry that did not hold (its caller parsed the item again)."""
        if self.stored.pop(key, None) is not None:
            self.used.discard(key)
            self.fresh.pop(key, None)
            self.added += 1  # the file changes
            self.forgot = True  # the main file may hold it: written again, without it

    def put(self, key: bytes, entry: tuple[Any, ...]) -> None:
        self.stored[key] = entry
        self.fresh[key] = entry
        self.used.add(key)
        self.added += 1

    def save(self, *, prune: bool = False) -> None:
        """Write the file when this run changed it (atomically; a failure to write is no error). ``prune``
        (a run that read every item): beyond :data:`KEEP_UNUSED`, forget the entries it did not use."""
        unused = len(self.stored) - len(self.used)
        pruned = prune and unused > KEEP_UNUSED
        if not self.added and not pruned:
            return
        if self.delta is not None and not pruned and not self.forgot and len(self.fresh) <= DELTA_MOST:
            # a few items changed: the delta file holds them, the main file is left as it is (after one
            # changed release, 14 KB written instead of the whole cache, 20 MB at 10,000 releases)
            self.delta.save(self.fresh)
            return
        entries = {k: v for k, v in self.stored.items() if k in self.used} if pruned else self.stored
        self.store.save(entries)
        if self.delta is not None:
            self.delta.remove()  # written over the old main file: never read again (its context), removed


def _entries(loaded: Mapping[Any, Any]) -> dict[bytes, tuple[Any, ...]]:
    return {k: v for k, v in loaded.items() if isinstance(k, bytes) and isinstance(v, tuple)}


def local_file(cache_root: Path | None, name: str) -> Path | None:
    """``name`` in the cache folder of the repository ``cache_root`` (never one the repository supplies:
    :func:`~pipeline.cachedir.ensure_local_cache`), or None (memory only) without a repository."""
    if cache_root is None:
        return None
    return ensure_local_cache(cache_root) / name
