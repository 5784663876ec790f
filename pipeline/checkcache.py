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
used. The file (``.warta-cache/check/items.json``) is local scratch (:func:`ensure_local_cache`), safe to
delete."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.archive.register_cache import blob_id
from pipeline.cachedir import ITEM_CHECKS_CACHE, ensure_local_cache
from pipeline.codedigest import code_digest
from pipeline.errors import ConfigError, Finding
from pipeline.i18n import get_language

if TYPE_CHECKING:
    from pipeline.config import SiteConfig
    from pipeline.people import People
    from pipeline.sop import Sop

FORMAT = 1
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
    """What every entry depends on besides the item: warta's code, the language, the governance."""
    digest = hashlib.sha256(f"warta-item-checks {FORMAT}\0{code_digest()}\0{get_language()}\0".encode())
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


def file_id(root: Path, rel: str) -> str:
    """The git blob id of a regular file in ``root``; ``link``, ``other`` or ``missing`` otherwise."""
    full = os.path.join(root, rel)
    try:
        mode = os.lstat(full).st_mode
        if stat.S_ISLNK(mode):
            return "link"
        if not stat.S_ISREG(mode):
            return "other"
        with open(full, "rb") as handle:
            return blob_id(handle.read())
    except (OSError, ValueError):
        return "missing"


def _finding_json(f: Finding) -> list[Any]:
    return [f.path, f.line, f.message, f.field, f.severity, f.code]


def _finding(raw: Any) -> Finding:
    if not isinstance(raw, list) or len(raw) != 6:
        raise ValueError("finding")
    path, line, message, field, severity, code = raw
    if not (isinstance(path, str) and (line is None or type(line) is int) and isinstance(message, str)
            and (field is None or isinstance(field, str)) and severity in ("error", "warning")
            and (code is None or isinstance(code, str))):
        raise ValueError("finding")
    return Finding(path, line, message, field, severity, code)


def _findings(raw: Any) -> tuple[Finding, ...]:
    if not isinstance(raw, list):
        raise ValueError("findings")
    return tuple(_finding(x) for x in raw)


def _checked_json(c: Checked) -> dict[str, Any]:
    return {"privacy": [_finding_json(f) for f in c.privacy], "text": [_finding_json(f) for f in c.text],
            "kelengkapan": None if c.kelengkapan is None else [_finding_json(f) for f in c.kelengkapan],
            "routes": [_finding_json(f) for f in c.routes]}


def _checked(raw: Any) -> Checked:
    if not isinstance(raw, dict):
        raise ValueError("entry")
    kel = raw.get("kelengkapan")
    return Checked(_findings(raw.get("privacy")), _findings(raw.get("text")),
                   None if kel is None else _findings(kel), _findings(raw.get("routes")))


class ItemChecks:
    """The cache of one check run: :meth:`key`, :meth:`get`, :meth:`put`, then :meth:`save`."""

    def __init__(self, file: Path | None, context: str) -> None:
        self.file, self.context = file, context
        self.stored: dict[str, Any] = {}
        self.used: set[str] = set()
        self.added = 0
        if file is not None:
            self.stored = self._load(file)

    @classmethod
    def open(cls, cache_root: Path, context: str) -> ItemChecks:
        """The cache of ``cache_root`` (a repository), or an empty one that saves nothing when its
        ``.warta-cache`` is not local scratch."""
        try:
            ensure_local_cache(cache_root)
        except ConfigError:
            return cls(None, context)
        return cls(cache_root / ITEM_CHECKS_CACHE, context)

    def _load(self, file: Path) -> dict[str, Any]:
        """The entries of ``file``: its first line says the format, the context and the sha256 of the rest
        (the entries, one JSON object); anything else is no entry at all."""
        try:
            head, sep, body = file.read_bytes().partition(b"\n")
            doc = json.loads(head)
            if (not sep or not isinstance(doc, dict) or doc.get("format") != FORMAT
                    or doc.get("context") != self.context or doc.get("check") != hashlib.sha256(body).hexdigest()):
                return {}
            entries = json.loads(body)
        except (OSError, ValueError):
            return {}
        return entries if isinstance(entries, dict) else {}

    def key(self, path: str, blob: str, references: Iterable[tuple[str, str]]) -> str:
        """The key of the checks of ``path`` with git blob id ``blob`` referencing ``references``
        (path, :func:`file_id`), in this context."""
        text = json.dumps([self.context, path, blob, sorted(references)], ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()

    def get(self, key: str) -> Checked | None:
        entry = self.stored.get(key)
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None
        try:
            found = _checked(entry.get("checked"))
        except ValueError:
            return None
        self.used.add(key)
        return found

    def put(self, key: str, checked: Checked) -> None:
        self.stored[key] = {"key": key, "checked": _checked_json(checked)}
        self.used.add(key)
        self.added += 1

    def save(self) -> None:
        """Write the file when this run added entries (atomically; a failure to write is no error)."""
        if self.file is None or not self.added:
            return
        entries = self.stored
        if len(entries) > LIMIT:
            entries = {k: v for k, v in entries.items() if k in self.used}
        body = json.dumps(entries, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogateescape")
        head = json.dumps({"format": FORMAT, "context": self.context, "check": hashlib.sha256(body).hexdigest()})
        with contextlib.suppress(OSError):
            self.file.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.file.parent, prefix=".items-", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(head.encode() + b"\n" + body)
                os.replace(tmp, self.file)
            except OSError:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)


def references_of(root: Path, references: Sequence[str]) -> list[tuple[str, str]]:
    """Each referenced file with its :func:`file_id` in ``root``."""
    return [(rel, file_id(root, rel)) for rel in references]
