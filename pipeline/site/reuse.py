"""Reuse of unchanged pages: a page whose inputs are the same as in the previous build is taken from
the previous output (a hard link, or a copy) instead of being rendered again.

Every page written from one of the templates in :data:`REUSABLE` gets a key, computed from its inputs
without rendering it: the sha256 of the build's fingerprint (warta's reuse version and code digest,
Pelican, Jinja and MarkupSafe versions, every file of the theme, the message catalogue, the site settings and the shared
state templates read: the menu, the kinds present, whether there is a register, the feed) and of the
page's own inputs (its file name, its template, and every value passed to it: an item by the
fingerprint of everything its page shows, a list by its entries'). The keys of the last build into an
output folder are kept in ``.warta-cache/site/pages/<folder>.json`` with the size, modification time
(ns) and inode of each page as written; a page is reused only when its key is the same and the previous
output's file still has exactly that size, time and inode (a file edited, replaced or removed since is
rendered again; the old output is never read page by page). Content-addressed keys, never by time; the
cache may be deleted at any time. The sitemap is keyed by its list of addresses and dates (reused when
it is unchanged). Pages from other templates (home, tag and year indexes, the DIP, the register index,
feeds) are always rendered: they depend on every item.

A reused page is a hard link to the previous output's file: the new output's folder is a new tree, and
every page is written into a file that did not exist (:mod:`pipeline.site.disk`: ``O_EXCL``), so nothing
is ever written through a link into the previous output (which stays whole until the swap).

A template in :data:`REUSABLE` may read only the values passed to it, the settings and the shared state
named above (never the lists of tags or years); ``tests/test_site_reuse.py`` checks that a build reusing
pages is byte-identical to a build from nothing after each kind of change.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import hashlib
import importlib.metadata
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipeline import collector, yamlio
from pipeline.cachedir import PAGES_CACHE
from pipeline.codedigest import code_digest
from pipeline.files import read_regular, write_atomic
from pipeline.site.generators import Entry, Pager, Shown
from pipeline.site.model import Payload
from pipeline.site.reuse_check import PreviousPages

REUSE_VERSION = "warta-reuse-5"
REUSABLE = frozenset({"item", "dicabut", "list", "register", "sitemap"})  # templates, without extension
CACHE_DIR = PAGES_CACHE


class _Uncacheable(Exception):
    """A value whose content cannot be fingerprinted: the page is rendered."""


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return ""


def _tree_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        h.update(f"{path.relative_to(folder).as_posix()}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


def _plain(value: Any) -> Any:
    """A JSON-able, deterministic form of a value JSON cannot write itself (``json.dumps``' ``default``:
    strings, numbers, lists, tuples and dicts are written by the encoder, in C)."""
    if isinstance(value, Entry):  # a card in a list: everything it shows is in its payload
        return ["e", value.payload.fingerprint]
    if isinstance(value, Pager):  # a page of a list: its place and its entries
        return ["pager", value.base, value.number, value.total, [e.payload.fingerprint for e in value.entries]]
    if isinstance(value, Payload):
        return ["p", value.fingerprint]
    if isinstance(value, Shown):  # an item's page: what it shows is its payload
        return ["c", value.warta.fingerprint]
    if isinstance(value, (dt.datetime, dt.date)):
        return ["d", value.isoformat(), str(getattr(value, "tzinfo", None))]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [type(value).__name__, {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}]
    if hasattr(value, "model_dump_json"):  # a pydantic model (the front matter)
        return ["model", type(value).__name__, value.model_dump_json()]
    raise _Uncacheable(type(value).__name__)


def fingerprint(*values: Any) -> str | None:
    """The sha256 of ``values`` (None when one of them cannot be fingerprinted). A string is written as
    its text (a Markup string too: which values are Markup is fixed by warta's code, part of the build's
    fingerprint)."""
    try:
        data = json.dumps(values, ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=_plain)
    except (_Uncacheable, TypeError, ValueError):
        return None
    return hashlib.sha256(data.encode("utf-8", "surrogatepass")).hexdigest()


def build_fingerprint(theme: Path, catalogue: Any, settings: Mapping[str, Any], state: Any) -> str:
    """What every reusable page depends on besides its own values."""
    parts = {
        "reuse": REUSE_VERSION,
        "code": code_digest(),  # warta's own code and libraries: which values are Markup, what a payload holds
        # an item's key holds its front matter's text for its model (pipeline.site.model._front_text): what
        # reads that text into the model is the code and libraries above, and whether libyaml reads it
        "yaml": yamlio.StrictLoader.__mro__[1].__name__,
        "versions": [_version(name) for name in ("pelican", "jinja2", "markupsafe")],
        "theme": _tree_digest(theme),
        "catalogue": [catalogue.language, list(catalogue.months), sorted(catalogue.messages.items())],
        "settings": {k: str(settings.get(k)) for k in ("SITENAME", "SITEURL", "FEED_DOMAIN", "FEED_ATOM", "DEFAULT_LANG",
                                                       "TIMEZONE", "RELATIVE_URLS", "THEME_STATIC_DIR")},
        "site": state.site.config.site.model_dump_json(),
        "menu": state.menu,
        "kinds": state.kinds_present,
        "register": state.register is not None,
        "working_tree": state.working_tree,
        "identity": getattr(state.identity, "digest", ""),
        "summary": state.summary is not None,  # the menu links the service summary page when there is one
    }
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def _cache_file(root: Path, output: Path) -> Path:
    return root / CACHE_DIR / f"{hashlib.sha256(str(output).encode('utf-8')).hexdigest()[:16]}.json"


def _read(file: Path, output: Path) -> tuple[dict[str, list[Any]], bytes]:
    """The pages the previous build into ``output`` recorded (empty when there is no such record), and the
    bytes of the record they were read from."""
    collecting = gc.isenabled()
    gc.disable()  # 14,000 small lists, none of them garbage: a collection pass meanwhile rescans the whole heap
    raw = b""
    try:
        raw = file.read_bytes()
        data = json.loads(raw.decode("utf-8"))
        if isinstance(data, dict) and data.get("version") == REUSE_VERSION and data.get("output") == str(output):
            pages = data.get("pages")
            if isinstance(pages, dict):
                return pages, raw
    except (OSError, ValueError, RecursionError):  # RecursionError: a record nested past the parser's depth
        pass
    finally:
        collector.resume(collecting)
    return {}, raw


def previous_pages(root: Path, output: Path) -> PreviousPages:
    """The previous build's pages of ``output``, being checked by a helper process from now on
    (:mod:`pipeline.site.reuse_check`): given to :class:`PageCache` later in the same build."""
    file = _cache_file(root, output)
    entries, raw = _read(file, output)
    return PreviousPages(str(output), entries, file, raw)


class PageCache:
    """The keys of one output folder's pages: reads the previous build's, records this build's."""

    def __init__(self, root: Path, output: Path, temp: Path, base: str, checked: PreviousPages | None = None) -> None:
        """``checked``: the previous build's pages as :func:`previous_pages` read them and is having them
        checked (else read here and checked one by one, in process)."""
        self.output = output
        self.output_prefix = os.path.join(str(output), "")  # + a page's name: its file in the previous output
        self.temp = temp
        self.base = base
        self.file = _cache_file(root, output)
        self.checked = checked
        self.previous: Mapping[str, list[Any]] = checked.entries if checked is not None else _read(self.file, output)[0]
        self.current: dict[str, list[Any]] = {}
        self.reused = 0
        self.rendered = 0

    def key(self, name: str, template: str, values: Mapping[str, Any]) -> str | None:
        if template not in REUSABLE:
            return None
        if len(values) == 1:  # an item's page: its payload's fingerprint says it all (no JSON of the values)
            (what, value), = values.items()
            if isinstance(value, Shown):
                text = f"shown\0{self.base}\0{name}\0{template}\0{what}\0{value.warta.fingerprint}"
                return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        return fingerprint(self.base, name, template, dict(values))

    def usable(self, name: str, key: str) -> tuple[str, str, tuple[int, int, int]] | None:
        """The previous build's file of page ``name``, its sha256 and its size, modification time and inode,
        when its key is unchanged and the file still holds the bytes that build wrote (else None). Size,
        time and inode only rule a file out cheaply: an edit through the same inode can put all three
        back, so the bytes are hashed again (tests/attacks/test_cache_attacks_pages.py). The file is
        opened without following a link and judged by what is open (``fstat``): a name swapped for a link
        or a folder is never read, and what was read is what was judged."""
        known = self.previous.get(name)
        if not known or known[0] != key or len(known) != 5:
            return None
        source = self.output_prefix + name
        checked = self.checked
        if checked is not None and checked.intact() is not None:  # the helper checked it as below
            # (pipeline.site.reuse_check), and it is unchanged since
            return (source, known[4], (known[1], known[2], known[3])) if checked.still(name, source) else None
        found = read_regular(source)
        if found is None:
            return None
        stat, data = found
        if [stat.st_size, stat.st_mtime_ns, stat.st_ino] != known[1:4]:  # the order of pipeline.site.disk's stats
            return None
        digest = hashlib.sha256(data).hexdigest()
        return (source, digest, (stat.st_size, stat.st_mtime_ns, stat.st_ino)) if digest == known[4] else None

    def record(self, name: str, key: str | None, stat: tuple[int, int, int], reused: bool, digest: str) -> None:
        """Page ``name`` as written (``reused``: linked from the previous output), with the sha256 of its
        bytes; a page without a key is only counted."""
        if key is not None:
            self.current[name] = [key, *stat, digest]
        if reused:
            self.reused += 1
        else:
            self.rendered += 1

    def save(self) -> None:
        """Keep this build's keys (called once the new output is in place)."""
        data = {"version": REUSE_VERSION, "output": str(self.output), "pages": self.current}
        with contextlib.suppress(OSError):
            write_atomic(self.file, json.dumps(data, separators=(",", ":")))
        self._prune()

    def _prune(self) -> None:
        """Forget the keys of output folders that no longer exist (a dry run's, a test's)."""
        pattern = re.compile(r'"output":"((?:[^"\\]|\\.)*)"')
        for other in self.file.parent.glob("*.json"):
            if other == self.file:
                continue
            with contextlib.suppress(OSError, ValueError):
                with other.open(encoding="utf-8") as handle:
                    head = handle.read(4096)
                found = pattern.search(head)
                if found is None or not Path(json.loads(f'"{found.group(1)}"')).is_dir():
                    other.unlink()
