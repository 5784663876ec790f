"""Markdown bodies to safe HTML, once per distinct body (content-addressed cache, parallel when cold).

The body is converted by Python-Markdown, then sanitised with ``nh3`` (ammonia) so raw HTML written in
Markdown cannot inject scripts, event handlers, styles, frames or remote images. Images written in the
body (``![alt](foto.jpg)``) are not emitted as ``<img>``: each becomes a token that the build replaces
with the ``<picture>`` the media pipeline made from the photo, so no source photo (and its GPS position)
is ever linked or copied. Headings move one level down, because the page title is the only ``<h1>``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import os
import re
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import markdown
import nh3

from pipeline.content import MARKDOWN_EXTENSIONS

# Bump when the HTML produced for the same body changes, so cached renderings are not reused.
RENDER_VERSION = "warta-render-1"
_NH3_VERSION = getattr(nh3, "__version__", "")
_FINGERPRINT = f"{RENDER_VERSION}|markdown {markdown.__version__}|nh3 {_NH3_VERSION}"
EXTENSIONS = list(MARKDOWN_EXTENSIONS)  # one dialect: see pipeline/content.py
# Structural and embedding tags never come from a body: landmarks belong to the theme (one <nav>,
# one <main>), images come from the media pipeline, image maps need images.
_DROPPED_TAGS = {"img", "area", "map", "nav", "aside", "header", "footer", "article", "hgroup"}
ALLOWED_TAGS = set(nh3.ALLOWED_TAGS) - _DROPPED_TAGS
_HEADING = re.compile(r"<(/?)h([1-6])\b")
# Parallel rendering pays off only when many bodies are new (process start-up costs ~0.2 s).
PARALLEL_MIN = 400


@dataclass(frozen=True)
class Rendered:
    """Sanitised HTML of one body; ``images[i]`` is the ``(src, alt)`` behind ``token(i)``."""

    html: str
    images: tuple[tuple[str, str], ...]
    nonce: str

    def token(self, index: int) -> str:
        return f"<span>wartaimg{self.nonce}n{index}</span>"


class _ImageTokens(markdown.treeprocessors.Treeprocessor):  # type: ignore[misc]
    def __init__(self, md: markdown.Markdown, nonce: str, sink: list[tuple[str, str]]) -> None:
        super().__init__(md)
        self.nonce = nonce
        self.sink = sink

    def run(self, root: ET.Element) -> None:
        for img in root.iter("img"):
            index = len(self.sink)
            self.sink.append((img.get("src", ""), img.get("alt", "")))
            img.tag = "span"
            img.attrib.clear()
            img.text = f"wartaimg{self.nonce}n{index}"


class _ImageTokenExtension(markdown.extensions.Extension):  # type: ignore[misc]
    def __init__(self, nonce: str, sink: list[tuple[str, str]]) -> None:
        super().__init__()
        self.nonce = nonce
        self.sink = sink

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Markdown's API name
        md.treeprocessors.register(_ImageTokens(md, self.nonce, self.sink), "warta_image_tokens", 0)


def body_key(body: str) -> str:
    return hashlib.sha256(f"{_FINGERPRINT}\0{body}".encode()).hexdigest()


def render_markdown(body: str) -> Rendered:
    """One body to sanitised HTML with image tokens. Pure: the same body gives the same result."""
    # The nonce is derived from the body, so a body cannot contain its own token.
    nonce = hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]
    sink: list[tuple[str, str]] = []
    md = markdown.Markdown(extensions=[*EXTENSIONS, _ImageTokenExtension(nonce, sink)], output_format="html")
    raw = md.convert(body)
    clean = nh3.clean(raw, tags=ALLOWED_TAGS, strip_comments=True, link_rel="noopener noreferrer")
    clean = _HEADING.sub(lambda m: f"<{m[1]}h{min(int(m[2]) + 1, 6)}", clean)
    return Rendered(clean, tuple(sink), nonce)


def _render_chunk(bodies: Sequence[str]) -> list[tuple[str, list[tuple[str, str]], str]]:
    out = []
    for body in bodies:
        r = render_markdown(body)
        out.append((r.html, list(r.images), r.nonce))
    return out


class RenderCache:
    """``sha256(renderer + body) -> Rendered`` in one SQLite file; may be deleted at any time."""

    def __init__(self, path: Path | None) -> None:
        self.db: sqlite3.Connection | None = None
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path)
            self.db.execute("CREATE TABLE IF NOT EXISTS render (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        except (sqlite3.Error, OSError):
            self.db = None  # a cache that cannot be opened is no cache, never an error

    def get_many(self, keys: Sequence[str]) -> dict[str, Rendered]:
        found: dict[str, Rendered] = {}
        if self.db is None:
            return found
        try:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for key, value in self.db.execute(f"SELECT key, value FROM render WHERE key IN ({marks})", chunk):
                    data = json.loads(value)
                    found[key] = Rendered(data["html"], tuple((s, a) for s, a in data["images"]), data["nonce"])
        except (sqlite3.Error, ValueError, KeyError, TypeError):
            return {}
        return found

    def put_many(self, values: dict[str, Rendered]) -> None:
        if self.db is None or not values:
            return
        rows = [(k, json.dumps({"html": r.html, "images": r.images, "nonce": r.nonce})) for k, r in values.items()]
        with contextlib.suppress(sqlite3.Error), self.db:
            self.db.executemany("INSERT OR REPLACE INTO render (key, value) VALUES (?, ?)", rows)

    def close(self) -> None:
        if self.db is not None:
            self.db.close()


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def render_all(bodies: Sequence[str], cache_file: Path | None, *, workers: int | None = None) -> list[Rendered]:
    """Render every body, reusing cached renderings; new ones in parallel when there are many."""
    keys = [body_key(b) for b in bodies]
    cache = RenderCache(cache_file)
    try:
        known = cache.get_many(sorted(set(keys)))
        missing: dict[str, str] = {}
        for key, body in zip(keys, bodies, strict=True):
            if key not in known:
                missing.setdefault(key, body)
        fresh: dict[str, Rendered] = {}
        todo = list(missing.items())
        n_workers = workers if workers is not None else (os.cpu_count() or 1)
        if len(todo) >= PARALLEL_MIN and n_workers > 1:
            texts = [body for _, body in todo]
            size = max(16, len(texts) // (n_workers * 8))
            # forkserver: never fork a process that may hold threads (a test's http server, a pool)
            ctx = multiprocessing.get_context("forkserver")
            with ProcessPoolExecutor(max_workers=n_workers, mp_context=ctx) as pool:
                results = [r for chunk in pool.map(_render_chunk, list(_chunks(texts, size))) for r in chunk]
            for (key, _), (html, images, nonce) in zip(todo, results, strict=True):
                fresh[key] = Rendered(html, tuple((s, a) for s, a in images), nonce)
        else:
            for key, body in todo:
                fresh[key] = render_markdown(body)
        cache.put_many(fresh)
        known.update(fresh)
        return [known[k] for k in keys]
    finally:
        cache.close()
