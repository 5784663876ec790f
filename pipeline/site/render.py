"""Markdown bodies to safe HTML, once per distinct body (content-addressed cache, parallel when cold).

The body is converted by Python-Markdown, then sanitised with ``nh3`` (ammonia) so raw HTML written in
Markdown cannot inject scripts, event handlers, styles, frames or remote images. Images written in the
body (``![alt](foto.jpg)``) are not emitted as ``<img>``: each becomes a token that the build replaces
with the ``<picture>`` the media pipeline made from the photo, so no source photo (and its GPS position)
is ever linked or copied. Headings move one level down, because the page title is the only ``<h1>``.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import sqlite3
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from pipeline.markup import Rendered, body_key, render_markdown

# Parallel rendering pays off only when many bodies are new (process start-up costs ~0.2 s).
PARALLEL_MIN = 400
__all__ = ["PARALLEL_MIN", "RenderCache", "Rendered", "body_key", "render_all", "render_markdown"]


def _render_chunk(bodies: Sequence[str]) -> list[Rendered]:
    return [render_markdown(body) for body in bodies]


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
                    found[key] = Rendered(data["html"], tuple((s, a) for s, a in data["images"]), data["nonce"],
                                          tuple(data["links"]), tuple((t, n, v) for t, n, v in data["dropped"]))
        except (sqlite3.Error, ValueError, KeyError, TypeError):
            return {}
        return found

    def put_many(self, values: dict[str, Rendered]) -> None:
        if self.db is None or not values:
            return
        rows = [(k, json.dumps({"html": r.html, "images": r.images, "nonce": r.nonce, "links": r.links,
                                "dropped": r.dropped})) for k, r in values.items()]
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
            for (key, _), rendered in zip(todo, results, strict=True):
                fresh[key] = rendered
        else:
            for key, body in todo:
                fresh[key] = render_markdown(body)
        cache.put_many(fresh)
        known.update(fresh)
        return [known[k] for k in keys]
    finally:
        cache.close()
