"""Markdown bodies to safe HTML, once per distinct body (content-addressed cache, worker processes).

What a body becomes is :mod:`pipeline.markup` (the dialect, the sanitiser, image tokens); this module
adds the cache and renders every body that is not cached in worker processes with a deadline per body
(``limits.render_seconds``): a body past it comes back with ``Rendered.error`` set and must be left out.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing.forkserver
import multiprocessing.resource_tracker
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pipeline import bounded
from pipeline.markup import (
    ALLOWED_TAGS,
    EXTENSIONS,
    FINGERPRINT,
    RENDER_VERSION,
    Rendered,
    body_key,
    nonce_of,
    overrun_message,
    render_markdown,
)

__all__ = ["ALLOWED_TAGS", "EXTENSIONS", "RENDER_VERSION", "Background", "Compact", "Prerender", "RenderCache",
           "Rendered", "Shape",
           "body_key",
           "render_all", "render_compact", "render_errors", "render_markdown"]

# More than one worker pays off only when many bodies are new (a worker start costs ~0.2 s).
PARALLEL_MIN = 400
# warta build renders bodies in the background while it loads and judges the items (:class:`Background`) only
# with at least this many cores. On 2 cores (one worker beside the main process) it was measured costing
# about 3 s more CPU and 45 MB more memory at 10,000 releases (the bodies the thread holds, the GIL shared
# with the main thread) for no wall time gained under load: docs/benchmarks.md, "After session seven".
# There a child process renders ahead instead (pipeline.render_ahead).
BACKGROUND_MIN_CORES = 3
# Bodies travel to the workers in groups of this many (a group past its deadline is redone body by body).
CHUNK = 16
DEFAULT_SECONDS = 10.0


@dataclass(frozen=True)
class Compact:
    """A :class:`Rendered` whose HTML is kept as UTF-8 (what a site build holds for every body until its
    page is written): a Python string with a single character past Latin-1 (an em dash) takes two or four
    bytes a character, its UTF-8 about one. The same tokens as :class:`Rendered`."""

    html_utf8: bytes
    images: tuple[tuple[str, str], ...]
    nonce: str
    links: tuple[str, ...] = ()
    dropped: tuple[tuple[str, str, str], ...] = ()
    error: str | None = None

    @classmethod
    def of(cls, rendered: Rendered) -> Compact:
        return cls(rendered.html.encode("utf-8", "surrogatepass"), rendered.images, rendered.nonce, rendered.links,
                   rendered.dropped, rendered.error)

    @property
    def html(self) -> str:
        """The HTML as text (made on each use)."""
        return self.html_utf8.decode("utf-8", "surrogatepass")

    def token(self, index: int) -> str:
        return f"<span>wartaimg{self.nonce}n{index}</span>"

    def link_token(self, index: int) -> str:
        return f"wartalink{self.nonce}n{index}"


@dataclass(frozen=True)
class Shape:
    """What a page needs of a cached rendering before its HTML: its cache key (the rendering's content
    address), its pictures, nonce and links, kept in the cache's ``shape`` table beside the HTML (a few
    hundred bytes, no HTML parsed). A site build reads the HTML of just the pages it renders
    (:meth:`RenderCache.compact`); a page it reuses is keyed by ``key``."""

    key: str
    images: tuple[tuple[str, str], ...]
    nonce: str
    links: tuple[str, ...] = ()
    error: None = None

    def token(self, index: int) -> str:
        return f"<span>wartaimg{self.nonce}n{index}</span>"

    def link_token(self, index: int) -> str:
        return f"wartalink{self.nonce}n{index}"


def body_key_utf8(body: bytes | memoryview) -> str:
    """:func:`pipeline.markup.body_key` of a body given as its UTF-8 (valid UTF-8: a content file's)."""
    digest = hashlib.sha256(f"{FINGERPRINT}\0".encode())
    digest.update(body)
    return digest.hexdigest()


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
            self.db.execute("CREATE TABLE IF NOT EXISTS shape (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        except (sqlite3.Error, OSError):
            self.db = None  # a cache that cannot be opened is no cache, never an error

    def get_many(self, keys: Sequence[str]) -> dict[str, Rendered]:
        return self._get(keys, compact=False)  # type: ignore[return-value]

    def get_compact(self, keys: Sequence[str]) -> dict[str, Compact]:
        """:meth:`get_many` with each HTML as UTF-8 (:class:`Compact`), made row by row."""
        return self._get(keys, compact=True)  # type: ignore[return-value]

    def _rows(self, sql: str, keys: Sequence[str]) -> Iterator[Any]:
        """The rows of ``sql`` (whose ``{marks}`` takes the keys' placeholders) for ``keys``, 500 at a time
        (SQLite's limit on a statement's parameters)."""
        assert self.db is not None
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            yield from self.db.execute(sql.format(marks=",".join("?" * len(chunk))), chunk)

    def _get(self, keys: Sequence[str], compact: bool) -> dict[str, Rendered | Compact]:
        found: dict[str, Rendered | Compact] = {}
        if self.db is None:
            return found
        try:
            for key, value in self._rows("SELECT key, value FROM render WHERE key IN ({marks})", keys):
                data = json.loads(value)
                images = tuple((s, a) for s, a in data["images"])
                links, dropped = tuple(data["links"]), tuple((t, n, v) for t, n, v in data["dropped"])
                found[key] = (Compact(data["html"].encode("utf-8", "surrogatepass"), images, data["nonce"], links,
                                      dropped) if compact else Rendered(data["html"], images, data["nonce"], links,
                                                                        dropped))
        except (sqlite3.Error, ValueError, KeyError, TypeError, AttributeError):
            return {}
        return found

    def shapes(self, keys: Sequence[str]) -> dict[str, Shape]:
        """The :class:`Shape` of each of ``keys`` whose rendering is cached with its shape (the others are
        missing: the caller reads or renders them whole)."""
        found: dict[str, Shape] = {}
        if self.db is None:
            return found
        try:
            # only a shape whose rendering is there: the HTML is read later, from the same file
            for key, value in self._rows("SELECT shape.key, shape.value FROM shape JOIN render USING (key) "
                                         "WHERE shape.key IN ({marks})", keys):
                images, nonce, links = json.loads(value)
                found[key] = Shape(key, tuple((s, a) for s, a in images), nonce, tuple(links))
        except (sqlite3.Error, ValueError, TypeError):
            return {}
        return found

    def put_shapes(self, values: dict[str, Rendered] | dict[str, Compact]) -> None:
        """The shape of each rendering (what :meth:`put_many` writes too), for renderings cached before."""
        if self.db is None or not values:
            return
        rows = ((k, json.dumps([r.images, r.nonce, r.links])) for k, r in values.items())
        with contextlib.suppress(sqlite3.Error), self.db:
            self.db.executemany("INSERT OR REPLACE INTO shape (key, value) VALUES (?, ?)", rows)

    def known(self, keys: Sequence[str]) -> set[str]:
        """Which of ``keys`` are cached, without reading their values."""
        found: set[str] = set()
        if self.db is None:
            return found
        try:
            found.update(k for (k,) in self._rows("SELECT key FROM render WHERE key IN ({marks})", keys))
        except sqlite3.Error:
            return set()
        return found

    def put_many(self, values: dict[str, Rendered] | dict[str, Compact]) -> None:
        if self.db is None or not values:
            return
        # rows made as they are written (a generator): 10,000 bodies' JSON never sit in memory at once
        rows = ((k, json.dumps({"html": r.html, "images": r.images, "nonce": r.nonce, "links": r.links,
                                "dropped": r.dropped})) for k, r in values.items())
        with contextlib.suppress(sqlite3.Error), self.db:
            self.db.executemany("INSERT OR REPLACE INTO render (key, value) VALUES (?, ?)", rows)
        self.put_shapes(values)

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
    :func:`render_compact` for bodies given as text: the same keys, cache, workers and HTML.
    """
    compact = render_compact([b.encode("utf-8") for b in bodies], cache_file, workers=workers, seconds=seconds)
    return [Rendered(c.html, c.images, c.nonce, c.links, c.dropped, c.error) for c in compact]


def _render_utf8(body: bytes) -> Compact:  # pragma: no cover - runs in a worker
    return Compact.of(render_markdown(body.decode("utf-8")))


def _render_utf8_chunk(bodies: list[bytes]) -> list[Compact]:  # pragma: no cover - runs in a worker
    return [_render_utf8(body) for body in bodies]


def _failed(body: bytes, reason: str, seconds: float) -> Compact:
    return Compact(b"", (), nonce_of(body.decode("utf-8")), error=overrun_message(reason, seconds))


Mapper = Callable[[Callable[[Any], Any], Sequence[Any], float, int], list[Any]]


def _global_map(func: Callable[[Any], Any], args: Sequence[Any], seconds: float, workers: int) -> list[Any]:
    return bounded.map_bounded(func, args, seconds, workers=workers)


def _bounded_utf8(bodies: Sequence[bytes], seconds: float, workers: int, chunk: int,
                  mapper: Mapper = _global_map) -> list[Compact]:
    """:func:`pipeline.bounded.map_bounded` of the renderer, for bodies given and results kept as UTF-8:
    what travels to a worker is the body's bytes (no text of every body made at once), what comes back
    its HTML's (never a string in this process). With ``chunk`` > 1 bodies travel in groups (fewer round
    trips); a group that fails is rendered again body by body, so the deadline still applies to each."""
    if chunk <= 1:
        outcomes = mapper(_render_utf8, list(bodies), seconds, workers)
        return [o if isinstance(o, Compact) else _failed(b, o.reason, seconds)
                for b, o in zip(bodies, outcomes, strict=True)]
    groups = [list(bodies[i:i + chunk]) for i in range(0, len(bodies), chunk)]
    results: list[Compact] = []
    for group, outcome in zip(groups, mapper(_render_utf8_chunk, groups, seconds, workers), strict=True):
        results.extend(_bounded_utf8(group, seconds, workers, 1, mapper) if isinstance(outcome, bounded.Overrun)
                       else outcome)
    return results


def render_compact(bodies: Sequence[bytes], cache_file: Path | None, *, workers: int | None = None,
                   seconds: float = DEFAULT_SECONDS) -> list[Compact]:
    """Every body (each given as its UTF-8, a content file's ``body_utf8``), each rendering kept as
    :class:`Compact`: cached renderings reused, new ones rendered in worker processes, each within
    ``seconds`` (see :func:`render_all`)."""
    keys = [body_key_utf8(b) for b in bodies]
    cache = RenderCache(cache_file)
    try:
        known = cache.get_compact(sorted(set(keys)))
        missing: dict[str, bytes] = {}
        for key, body in zip(keys, bodies, strict=True):
            if key not in known:
                missing.setdefault(key, body)
        todo = list(missing.items())
        n_workers = workers if workers is not None else (os.cpu_count() or 1)
        n_workers = n_workers if len(todo) >= PARALLEL_MIN else 1
        results = _bounded_utf8([body for _, body in todo], seconds, n_workers, CHUNK if len(todo) > CHUNK else 1)
        fresh = {key: r for (key, _), r in zip(todo, results, strict=True)}
        cache.put_many({k: r for k, r in fresh.items() if r.error is None})
        known.update(fresh)
        return [known[k] for k in keys]
    finally:
        cache.close()


class Prerender(Protocol):
    """What renders a build's bodies while its items are loaded and judged (:class:`Background`, or
    :class:`pipeline.render_ahead.Ahead` on two cores): given the bodies early, asked for what it
    rendered when the build takes them, closed by the build's caller."""

    def start(self, bodies: Iterable[bytes | memoryview]) -> None: ...

    def finished(self) -> dict[str, Compact]: ...

    def close(self) -> None: ...


class Background:
    """Bodies rendered in a thread of this process while the caller goes on, with worker processes of its
    own (``warta build``: parsing the items and judging the approvals keep one core busy, the others
    render). :meth:`start` is given every body that may be built, before the gate has chosen; :meth:`take`
    returns the rendering of exactly the bodies asked for (those of the items the gate let out), so a body
    rendered for an item that is not published is never output, only cached (by its content, as always).

    The same renderer, cache, deadline per body and workers as :func:`render_compact`; what it renders
    waits in the render cache (in memory only when there is none) until :meth:`take`; a body the
    background did not render (it changed, or there were too few new bodies to be worth a thread) is
    rendered by :meth:`take` then. While the caller works, one core is left to it (``cores`` - 1 workers);
    once :meth:`take` waits, every core renders. An error of the background (a worker that cannot start)
    is raised by :meth:`take`. While the thread runs, code that forks only without threads
    (:mod:`pipeline.approvals.history_job`, the signature pool) does its work in process instead;
    :meth:`finish` ends the thread before anything forks regardless (the media pool).
    """

    BATCH = 256  # bodies per round of the workers: how soon a change of their number takes effect

    def __init__(self, cache_file: Path | None, seconds: float = DEFAULT_SECONDS, *, cores: int | None = None,
                 min_bodies: int | None = None) -> None:
        self.cache_file, self.seconds = cache_file, seconds
        self.min_bodies = min_bodies if min_bodies is not None else PARALLEL_MIN  # fewer new bodies: no thread's worth
        self.cores = cores if cores is not None else (os.cpu_count() or 1)
        self.rendered = 0  # bodies the background rendered (for tests and figures)
        self._done: dict[str, Compact] = {}
        self._hurry = threading.Event()
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._pool = bounded.Pool()

    def start(self, bodies: Iterable[bytes | memoryview]) -> None:
        """Begin rendering ``bodies`` (each as its UTF-8; the iterable is consumed in the background; a
        view is copied only when its batch is sent)."""
        if self._thread is not None:
            raise RuntimeError("Background.start called twice")
        self._thread = threading.Thread(target=self._run, args=(bodies,), name="warta-render", daemon=True)
        self._thread.start()

    def _run(self, bodies: Iterable[bytes | memoryview]) -> None:
        try:
            self._render(bodies)
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread by take()
            self._error = exc
        finally:
            self._pool.close()

    def _render(self, bodies: Iterable[bytes | memoryview]) -> None:
        unique: dict[str, bytes | memoryview] = {}
        for body in bodies:
            unique.setdefault(body_key_utf8(body), body)
        cache = RenderCache(self.cache_file)  # made in this thread: a SQLite connection stays in its thread
        try:
            known = cache.known(list(unique))
            todo = [(k, b) for k, b in unique.items() if k not in known]
            unique.clear()
            if len(todo) < self.min_bodies:
                return  # few new bodies: take() renders them, with the workers it always has
            todo.reverse()  # taken from the end: each batch's bodies are let go of once rendered
            while todo and not self._stop.is_set():
                part = [todo.pop() for _ in range(min(self.BATCH, len(todo)))]
                workers = self.cores if self._hurry.is_set() else max(1, self.cores - 1)
                results = _bounded_utf8([bytes(b) for _, b in part], self.seconds, workers, CHUNK, self._pool.map)
                fresh = dict(zip((k for k, _ in part), results, strict=True))
                cache.put_many({k: r for k, r in fresh.items() if r.error is None})
                # with a cache the HTML waits there, not in memory (the approvals' peak is the build's):
                # take() reads it back; a body whose row did not get written is rendered again then
                self._done.update(fresh if cache.db is None else {k: r for k, r in fresh.items() if r.error})
                self.rendered += len(fresh)
        finally:
            cache.close()

    def finish(self) -> None:
        """Wait for the background, on every core; its error, if it had one, is raised here."""
        self._hurry.set()
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def finished(self) -> dict[str, Compact]:
        """Wait for the background (:meth:`finish`) and hand over what it rendered, by body key (each body
        once: a second call returns nothing)."""
        self.finish()
        done, self._done = self._done, {}
        return done

    def take(self, bodies: Sequence[bytes]) -> list[Compact]:
        """The rendering of each of ``bodies``: rendered in the background, else cached or rendered now."""
        done = self.finished()
        keys = [body_key_utf8(b) for b in bodies]
        rest = iter(render_compact([b for k, b in zip(keys, bodies, strict=True) if k not in done], self.cache_file,
                                   workers=self.cores, seconds=self.seconds))
        return [done[k] if k in done else next(rest) for k in keys]

    def close(self) -> None:
        """Stop the background (a build that failed before it took its bodies) and its workers."""
        self._stop.set()
        self._hurry.set()
        if self._thread is not None:
            self._thread.join()
        self._pool.close()
        self._done = {}


def stop_workers() -> None:
    """Stop the render workers and the processes that started them (multiprocessing's fork server and
    its resource tracker, about 25 MB together): a large build needs none of them past its rendering, and
    the next rendering starts them again. The fork server and tracker are stopped only if this process
    started them, through their own stop methods (private in Python 3.11; skipped where absent)."""
    bounded.shutdown()
    for helper in (getattr(multiprocessing.forkserver, "_forkserver", None),
                   getattr(multiprocessing.resource_tracker, "_resource_tracker", None)):
        stop = getattr(helper, "_stop", None)
        if callable(stop):
            with contextlib.suppress(OSError, ChildProcessError):
                stop()
