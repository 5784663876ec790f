"""Reuse of unchanged pages: a page whose inputs are the same as in the previous build is taken from
the previous output (a hard link, or a copy) instead of being rendered again.

Every page written from one of the templates in :data:`REUSABLE` gets a key: the sha256 of the build's
fingerprint (warta's reuse version, Pelican, Jinja and MarkupSafe versions, every file of the theme, the
message catalogue, the site settings and the shared state templates read: the menu, the kinds present,
whether there is a register, the feed) and of the page's own inputs (its file name, its template, and
every value passed to it: an item by the fingerprint of everything its page shows, a list by its
entries'). The keys of the last build into an output folder are kept in
``.warta-cache/site/pages/<folder>.json`` with the sha256 of each page as written; a page is reused only
when its key is the same and the previous output still holds exactly those bytes, so a hand-edited,
missing or foreign file is rendered again. Content-addressed, never by time; the cache may be deleted at
any time. Pages from other templates (home, tag and year indexes, the DIP, the register index, the
sitemap, feeds) are always rendered: they depend on every item.

A template in :data:`REUSABLE` may read only the values passed to it, the settings and the shared state
named above (never the context's lists of articles, dates or tags); ``tests/test_site_reuse.py`` checks
that a build reusing pages is byte-identical to a build from nothing after each kind of change.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from markupsafe import Markup
from pelican.contents import Content
from pelican.urlwrappers import URLWrapper
from pelican.utils import sanitised_join
from pelican.writers import Writer

from pipeline.cachedir import PAGES_CACHE
from pipeline.files import write_atomic
from pipeline.site.generators import Entry
from pipeline.site.model import Payload

REUSE_VERSION = "warta-reuse-2"
REUSABLE = frozenset({"item.html", "dicabut.html", "list.html", "register.html"})
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
    """A JSON-able, deterministic form of a value passed to a template (see :func:`fingerprint`)."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):  # Markup too: its text is what the page shows
        return ["m" if isinstance(value, Markup) else "s", str(value)]
    if isinstance(value, Entry):  # a card in a list: everything it shows is in its payload
        return ["e", value.payload.fingerprint]
    if isinstance(value, Payload):
        return ["p", value.fingerprint]
    if isinstance(value, Content):  # an item's Pelican Article or Page: what it shows is its payload
        payload = getattr(value, "warta", None)
        if not isinstance(payload, Payload):
            raise _Uncacheable(type(value).__name__)
        return ["c", payload.fingerprint, str(value.save_as)]
    if isinstance(value, (dt.datetime, dt.date)):
        return ["d", value.isoformat(), str(getattr(value, "tzinfo", None))]
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        return [type(value).__name__, _plain(fields)]
    if isinstance(value, URLWrapper):  # Pelican's category: its name is all it is
        return ["cat", str(value)]
    if hasattr(value, "model_dump_json"):  # a pydantic model (the front matter)
        return ["model", type(value).__name__, value.model_dump_json()]
    raise _Uncacheable(type(value).__name__)


def fingerprint(*values: Any) -> str | None:
    """The sha256 of ``values`` (None when one of them cannot be fingerprinted)."""
    try:
        data = json.dumps([_plain(v) for v in values], ensure_ascii=False, separators=(",", ":"))
    except _Uncacheable:
        return None
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def build_fingerprint(theme: Path, catalogue: Any, settings: Mapping[str, Any], state: Any) -> str:
    """What every reusable page depends on besides its own values."""
    parts = {
        "reuse": REUSE_VERSION,
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


class PageCache:
    """The keys of one output folder's pages: reads the previous build's, records this build's."""

    def __init__(self, root: Path, output: Path, temp: Path, base: str) -> None:
        self.output = output
        self.temp = temp
        self.base = base
        name = hashlib.sha256(str(output).encode("utf-8")).hexdigest()[:16]
        self.file = root / CACHE_DIR / f"{name}.json"
        self.previous: dict[str, list[str]] = {}
        self.current: dict[str, list[str]] = {}
        self.reused = 0
        self.rendered = 0
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
            if isinstance(data, dict) and data.get("version") == REUSE_VERSION and data.get("output") == str(output):
                pages = data.get("pages")
                if isinstance(pages, dict):
                    self.previous = pages
        except (OSError, ValueError):
            pass

    def key(self, name: str, template: str, values: Mapping[str, Any]) -> str | None:
        if template not in REUSABLE:
            return None
        return fingerprint(self.base, name, template, dict(values))

    def reuse(self, name: str, key: str, target: str) -> bool:
        """Put the previous build's page ``name`` at ``target`` if its key and bytes are unchanged."""
        known = self.previous.get(name)
        if not known or known[0] != key:
            return False
        source = sanitised_join(str(self.output), name)
        try:
            with open(source, "rb") as handle:
                if hashlib.sha256(handle.read()).hexdigest() != known[1]:
                    return False
            os.makedirs(os.path.dirname(target), exist_ok=True)
            try:
                os.link(source, target)
            except OSError:
                shutil.copyfile(source, target)
        except OSError:
            return False
        self.current[name] = known
        self.reused += 1
        return True

    def written(self, name: str, key: str, target: str) -> None:
        with contextlib.suppress(OSError), open(target, "rb") as handle:
            self.current[name] = [key, hashlib.sha256(handle.read()).hexdigest()]
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


class ReusingWriter(Writer):  # type: ignore[misc]  # Pelican is untyped
    """Pelican's writer, taking unchanged reusable pages from the previous output."""

    def write_file(
        self,
        name: Any,
        template: Any,
        context: Any,
        relative_urls: bool = False,
        paginated: Any = None,
        template_name: Any = None,
        override_output: bool = False,
        url: Any = None,
        **kwargs: Any,
    ) -> Any:
        state = self.settings.get("WARTA")
        cache: PageCache | None = getattr(state, "pages", None)
        if cache is None or not name or paginated:
            return super().write_file(name, template, context, relative_urls, paginated, template_name,
                                      override_output, url, **kwargs)
        values = {"relative_urls": relative_urls, "url": url, **kwargs}
        key = cache.key(str(name), str(getattr(template, "name", "")), values)
        target = sanitised_join(self.output_path, name)
        # a path written before goes through Pelican, which refuses or skips it as it always does
        fresh = target not in self._written_files and target not in self._overridden_files
        if key is not None and fresh and cache.reuse(str(name), key, target):
            self._written_files.add(target)  # the bookkeeping of Writer._open_w
            if override_output:
                self._overridden_files.add(target)
            return None
        result = super().write_file(name, template, context, relative_urls, paginated, template_name,
                                    override_output, url, **kwargs)
        if key is not None:
            cache.written(str(name), key, target)
        return result
