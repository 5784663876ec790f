"""Parsed archive records by content: ``.warta-cache/register/records.json`` (:data:`REGISTER_CACHE`).

Parsing one record file with the strict YAML loader and the schema costs about 2 ms, and every command
reads the whole register (10,000 records: 20 s). This cache keeps, for each record file that parsed
without a finding, the validated record as JSON, keyed by

- the file's **git blob id**, computed here from the bytes themselves (``sha1("blob <size>\\0" + bytes)``,
  the id git gives the same bytes), so a changed file can never meet the entry of its old bytes;
- the file's repository path (the record's folder and sequence number are checked against it);
- the **parser's version**: a digest of the source of the modules that parse and validate a record
  (:data:`PARSER_MODULES`) and of the pydantic and PyYAML versions, so a changed rule re-parses everything.

An entry also holds the sha256 of the bytes and a check digest over all of the above and the payload. On a
hit the sha256 and the check are recomputed and the payload is validated again by the schema (its
cross-field rules included); an entry that fails any of these, a truncated or unreadable file, or a file
of another format is ignored, and the record is parsed from its bytes. The cache holds parse results
only: which files are the register (signed commits, DESIGN section 4 rule 12) is decided by
:mod:`pipeline.archive.trust` every time, over blob ids git gives. Findings (damaged records) are never
cached: such a file is parsed again on every read, with its exact lines.

Like every cache under ``.warta-cache/`` it is local scratch (:func:`pipeline.cachedir.ensure_local_cache`:
never a symbolic link, never committed); it is used only where that folder already exists. Within one
process a record read twice (``warta status`` reads the working tree's register and HEAD's) is validated
once: :func:`cache_for` keeps one cache per repository.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import importlib.util
import json
from pathlib import Path
from typing import Any

from pipeline.cachedir import CACHE_DIRNAME, REGISTER_CACHE, ensure_local_cache
from pipeline.files import blob_id, write_atomic

CACHE_FORMAT = 1
# the modules whose code decides what a record file parses to (their source is part of the key)
PARSER_MODULES = ("pipeline.archive.records", "pipeline.yamlio", "pipeline.schema", "pipeline.config.kinds",
                  "pipeline.kinds", "pipeline.archive.register_cache")
_KEEP_UNUSED = 1000  # entries not read by this process that are kept beyond those read (older revisions)


def _module_source(name: str) -> bytes:
    spec = importlib.util.find_spec(name)
    origin = spec.origin if spec is not None else None
    if not origin:
        return name.encode()
    try:
        return Path(origin).read_bytes()
    except OSError:
        return name.encode()


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "?"


_fingerprint: str | None = None


def parser_fingerprint() -> str:
    """The parser's version: a digest of :data:`PARSER_MODULES`' source and of pydantic's and PyYAML's."""
    global _fingerprint
    if _fingerprint is None:
        digest = hashlib.sha256(f"{CACHE_FORMAT}\0{_version('pydantic')}\0{_version('PyYAML')}\0".encode())
        for name in PARSER_MODULES:
            digest.update(hashlib.sha256(_module_source(name)).digest())
        _fingerprint = digest.hexdigest()
    return _fingerprint


def _check(parser: str, key: str, sha256: str, payload: str) -> str:
    return hashlib.sha256(f"{parser}\0{key}\0{sha256}\0{payload}".encode("utf-8", "surrogatepass")).hexdigest()


class RegisterCache:
    """The parsed records of one repository (``folder`` is its ``.warta-cache``; ``None``: memory only)."""

    def __init__(self, file: Path | None) -> None:
        self.file = file
        self.parser = parser_fingerprint()
        self._entries: dict[str, list[str]] = {}  # "<blob id> <path>" -> [sha256, payload, check]
        self._used: set[str] = set()
        self._parsed: dict[str, Any] = {}  # key -> the validated record (this process)
        self._dirty = False
        if file is not None:
            self._entries = _read(file, self.parser)

    @staticmethod
    def key(rel: str, raw: bytes) -> str:
        return f"{blob_id(raw)} {rel}"

    def get(self, key: str, raw: bytes) -> str | None:
        """The payload stored for ``key`` if the entry is whole and belongs to exactly these bytes."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        sha256, payload, check = entry
        if sha256 != hashlib.sha256(raw).hexdigest() or check != _check(self.parser, key, sha256, payload):
            del self._entries[key]  # damaged or edited: never believed, parsed again (and written again)
            self._dirty = True
            return None
        self._used.add(key)
        return payload

    def get_by_id(self, key: str) -> str | None:
        """The payload stored for ``key`` ("<blob id> <path>") without the bytes at hand: for a blob git
        names by that id (the id is git's name of exactly those bytes), when the entry is whole."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        sha256, payload, check = entry
        if check != _check(self.parser, key, sha256, payload):
            del self._entries[key]
            self._dirty = True
            return None
        self._used.add(key)
        return payload

    def put(self, key: str, raw: bytes, payload: str) -> None:
        sha256 = hashlib.sha256(raw).hexdigest()
        self._entries[key] = [sha256, payload, _check(self.parser, key, sha256, payload)]
        self._used.add(key)
        self._dirty = True

    def forget(self, key: str) -> None:
        """Drop an entry whose payload the schema refused (a tampered entry that kept its check)."""
        self._entries.pop(key, None)
        self._parsed.pop(key, None)
        self._dirty = True

    def parsed(self, key: str) -> Any:
        return self._parsed.get(key)

    def remember(self, key: str, record: Any) -> None:
        self._parsed[key] = record

    def save(self) -> None:
        """Write the cache when it changed: the entries read by this process, and up to
        :data:`_KEEP_UNUSED` others (records of older revisions a later run may read again)."""
        if self.file is None or not self._dirty:
            return
        unused = [k for k in self._entries if k not in self._used]
        keep = {k: self._entries[k] for k in self._entries if k in self._used}
        keep.update({k: self._entries[k] for k in unused[-_KEEP_UNUSED:]})
        document = {"format": CACHE_FORMAT, "parser": self.parser, "entries": keep}
        with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
            write_atomic(self.file, json.dumps(document, ensure_ascii=False, separators=(",", ":")))
            self._dirty = False


def _read(file: Path, parser: str) -> dict[str, list[str]]:
    """The entries of a cache file; nothing when it is missing, unreadable, truncated or of another parser."""
    try:
        document = json.loads(file.read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(document, dict) or document.get("format") != CACHE_FORMAT or document.get("parser") != parser:
        return {}
    entries = document.get("entries")
    if not isinstance(entries, dict):
        return {}
    return {k: v for k, v in entries.items()
            if isinstance(v, list) and len(v) == 3 and all(isinstance(x, str) for x in v)}


_caches: dict[str, RegisterCache] = {}


def cache_for(root: Path | None) -> RegisterCache:
    """The cache of the repository at ``root``, one per process: on disk when the site keeps a
    ``.warta-cache`` (in the folder :func:`~pipeline.cachedir.ensure_local_cache` gives, never one the
    repository supplies), else in memory only."""
    if root is None:
        return RegisterCache(None)
    file: Path | None = None
    if (root / CACHE_DIRNAME).exists():  # a site that keeps caches (its own folder, or one warta ignores)
        folder = ensure_local_cache(root)  # asked every time: a folder committed since is never used
        file = folder / REGISTER_CACHE if folder.is_dir() else None
    name = f"{root.resolve()}\0{file}"
    cache = _caches.get(name)
    if cache is None:
        cache = _caches[name] = RegisterCache(file)
    return cache


def forget_caches() -> None:
    """Drop the caches this process holds (tests; a long-lived process that rewrote the register)."""
    _caches.clear()
