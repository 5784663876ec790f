"""Markdown bodies to safe HTML, once per distinct body (content-addressed cache, worker processes).

What a body becomes is :mod:`pipeline.markup` (the dialect, the sanitiser, image tokens); this module
adds the cache and renders every body that is not cached in worker processes with a deadline per body
(``limits.render_seconds``): a body past it comes back with ``Rendered.error`` set and must be left out.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from pipeline.markup import (
    ALLOWED_TAGS,
    EXTENSIONS,
    RENDER_VERSION,
    Rendered,
    body_key,
    render_many_bounded,
    render_markdown,
)

__all__ = ["ALLOWED_TAGS", "EXTENSIONS", "RENDER_VERSION", "RenderCache", "Rendered", "body_key", "render_all",
           "render_errors", "render_markdown"]

# More than one worker pays off only when many bodies are new (a worker start costs ~0.2 s).
PARALLEL_MIN = 400
# Bodies travel to the workers in groups of this many (a group past its deadline is redone body by body).
CHUNK = 16
DEFAULT_SECONDS = 10.0




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

    def known(self, keys: Sequence[str]) -> set[str]:
        """Which of ``keys`` are cached, without reading their values."""
        found: set[str] = set()
        if self.db is None:
            return found
        try:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                found.update(k for (k,) in self.db.execute(f"SELECT key FROM render WHERE key IN ({marks})", chunk))
        except sqlite3.Error:
            return set()
        return found

    def put_many(self, values: dict[str, Rendered]) -> None:
        if self.db is None or not values:
            return
        # rows made as they are written (a generator): 10,000 bodies' JSON never sit in memory at once
        rows = ((k, json.dumps({"html": r.html, "images": r.images, "nonce": r.nonce, "links": r.links,
                                "dropped": r.dropped})) for k, r in values.items())
        with contextlib.suppress(sqlite3.Error), self.db:
            self.db.executemany("INSERT OR REPLACE INTO render (key, value) VALUES (?, ?)", rows)

    def close(self) -> None:
        if self.db is not None:
            self.db.close()


def render_errors(bodies: Sequence[str], cache_file: Path | None, *, seconds: float = DEFAULT_SECONDS) -> list[str | None]:
    """For each body, why it cannot be rendered in time, or None; renderings are cached for the build.

    What ``warta check`` needs: a cached body rendered in time before (rendering is pure), so only the
    bodies not in the cache are rendered, and no cached HTML is read.
    """
    keys = [body_key(b) for b in bodies]
    cache = RenderCache(cache_file)
    try:
        cached = cache.known(sorted(set(keys)))
    finally:
        cache.close()
    todo = [b for k, b in dict(zip(keys, bodies, strict=True)).items() if k not in cached]
    failed = {body_key(b): r.error for b, r in zip(todo, render_all(todo, cache_file, seconds=seconds), strict=True)
              if r.error}
    return [failed.get(k) for k in keys]


def render_all(bodies: Sequence[str], cache_file: Path | None, *, workers: int | None = None,
               seconds: float = DEFAULT_SECONDS) -> list[Rendered]:
    """Render every body, reusing cached renderings; new ones in worker processes, each within ``seconds``.

    A body that cannot be rendered in time (or crashes the renderer) comes back with ``error`` set and
    empty HTML; it is not cached, and the caller leaves its item out with that message as a finding.
    """
    keys = [body_key(b) for b in bodies]
    cache = RenderCache(cache_file)
    try:
        known = cache.get_many(sorted(set(keys)))
        missing: dict[str, str] = {}
        for key, body in zip(keys, bodies, strict=True):
            if key not in known:
                missing.setdefault(key, body)
        todo = list(missing.items())
        n_workers = workers if workers is not None else (os.cpu_count() or 1)
        n_workers = n_workers if len(todo) >= PARALLEL_MIN else 1
        results = render_many_bounded([body for _, body in todo], seconds, workers=n_workers,
                                      chunk=CHUNK if len(todo) > CHUNK else 1)
        fresh = {key: r for (key, _), r in zip(todo, results, strict=True)}
        cache.put_many({k: r for k, r in fresh.items() if r.error is None})
        known.update(fresh)
        return [known[k] for k in keys]
    finally:
        cache.close()
