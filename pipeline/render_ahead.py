"""Bodies rendered ahead, in a child process of their own, while ``warta build`` parses and judges the items.

On two cores the main process keeps one busy loading and judging the items, and the other idles until
the bodies are rendered. :class:`Ahead` gives that core the rendering from the start: a child process
(``python -m pipeline.render_ahead``, a clean interpreter, never a fork of the build, so none of the
build's memory is shared or counted twice) reads every body that may be built from a file the build
wrote in the cache folder (deleted once open), renders them one after the other and puts each rendering
into the content-addressed render cache (:class:`pipeline.rendering.RenderCache`), :data:`BATCH` at a
time. The build's process does no work for it meanwhile: no thread, no results to receive (a thread
there shares the GIL with the parsing and was measured gaining nothing: ``rendering.BACKGROUND_MIN_CORES``).

When the build needs its bodies (:meth:`Ahead.finished`), the child is told to stop (a byte on its input,
or its input closed): it writes what it has rendered and exits; one still busy after :data:`GRACE`
seconds (a body slow to render) is killed, losing at most its last batch. Every body is then taken as the
serial path takes it: a body the child cached is read from the cache (only the bodies of the items the
gate chose: an unapproved body is cached, never on a page), every other one is rendered by the bounded
workers on every core, with its deadline (DESIGN rule 13). So the child changes when a body is rendered,
never what it renders: the same function as the workers (:func:`pipeline.rendering._render_utf8`), the
same keys, the same cache. Nothing the child does can fail a build: a child that cannot start, crashes or
is killed only leaves more bodies to the workers.

Like the render workers, the child renders untrusted text: it drops every environment variable the
operating system does not need (deploy or signing keys: DESIGN rule 12) before it reads a body; it is
started with only those and the folder holding this package (``PYTHONPATH``), so it imports this very
package and nothing a caller put on its own module path.
Measured at 10,000 releases on 2 cores: docs/benchmarks.md, "Session ten".
"""

from __future__ import annotations

import contextlib
import itertools
import os
import select
import struct
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from pipeline import bounded, rendering
from pipeline.rendering import Background, Compact, RenderCache, _render_utf8, body_key_utf8

GRACE = 0.5  # seconds a stopped child has to write its last batch before it is killed
BATCH = 32  # bodies looked up, rendered and written to the cache together
SIZE = struct.Struct("<Q")  # each body in the bodies' file: its length, then its bytes


def _bodies(handle: BinaryIO) -> Iterator[bytes]:  # pragma: no cover - runs in the child
    while True:
        head = handle.read(SIZE.size)
        if len(head) < SIZE.size:
            return
        (size,) = SIZE.unpack(head)
        body = handle.read(size)
        if len(body) < size:
            return
        yield body


def _stopped(stdin: int) -> bool:  # pragma: no cover - runs in the child
    """The build wrote to the child's input (stop), or closed it (it ended)."""
    return bool(select.select([stdin], [], [], 0)[0])


def main(argv: Sequence[str]) -> int:  # pragma: no cover - runs in the child
    """The child: ``python -m pipeline.render_ahead BODIES CACHE`` renders the bodies of the file
    ``BODIES`` (deleted once open) into the render cache ``CACHE`` until done or told to stop (a byte,
    or the end, on its input), then prints how many it rendered."""
    for key in [k for k in os.environ if k.upper() not in bounded._KEEP_ENV]:
        del os.environ[key]
    bodies_file, cache_file = argv
    stdin = sys.stdin.fileno()
    rendered = 0
    cache = RenderCache(Path(cache_file))
    try:
        with open(bodies_file, "rb") as handle:
            os.unlink(bodies_file)
            if cache.db is None:
                return 0
            seen: set[str] = set()
            batch: dict[str, bytes] = {}
            for body in itertools.chain(_bodies(handle), [b""]):
                key = body_key_utf8(body)
                if body and key not in seen:
                    seen.add(key)
                    batch[key] = body
                if len(batch) < BATCH and body:
                    continue
                known = cache.known(list(batch))
                done: dict[str, Compact] = {}
                for key, text in batch.items():
                    if key in known:
                        continue
                    if _stopped(stdin):
                        break
                    try:
                        done[key] = _render_utf8(text)
                    except Exception:  # noqa: BLE001, S112 - the workers render it again and say why it fails
                        continue
                cache.put_many(done)
                rendered += len(done)
                batch = {}
                if _stopped(stdin):
                    break
    finally:
        cache.close()
        print(rendered, flush=True)
    return 0


class Ahead:
    """A child process rendering bodies into the render cache until the build takes them; see the module
    docstring. The same calls as :class:`pipeline.rendering.Background` (:meth:`start`, :meth:`finished`,
    :meth:`close`)."""

    def __init__(self, cache_file: Path | None, *, min_bodies: int | None = None) -> None:
        self.cache_file = cache_file
        self.min_bodies = min_bodies if min_bodies is not None else rendering.PARALLEL_MIN  # fewer: the workers' alone
        self.rendered: int | None = None  # bodies the child said it rendered (for tests and figures)
        self.process: subprocess.Popen[bytes] | None = None
        self._bodies_file: str | None = None  # deleted by the child once open, or by close()

    def start(self, bodies: Iterable[bytes | memoryview]) -> None:
        """Write ``bodies`` (each as its UTF-8) for a new child and return at once; nothing happens without
        a render cache (the child would have nowhere to put its work) or with fewer than ``min_bodies``."""
        if self.process is not None or self._bodies_file is not None:
            raise RuntimeError("Ahead.start called twice")
        given = bodies if isinstance(bodies, Sequence) else list(bodies)
        if self.cache_file is None or len(given) < self.min_bodies:
            return
        try:
            self.cache_file.parent.mkdir(parents=True, exist_ok=True)
            fd, self._bodies_file = tempfile.mkstemp(prefix=".ahead-", suffix=".bodies", dir=self.cache_file.parent)
            with os.fdopen(fd, "wb") as handle:
                for body in given:
                    handle.write(SIZE.pack(len(body)))
                    handle.write(body)
            # a clean interpreter (never a fork: none of the build's memory is shared or counted twice) that
            # finds this very package (the folder holding it first on its path), nothing else of the
            # build's environment; its libraries come from the same interpreter's site-packages
            env = {k: v for k, v in os.environ.items() if k.upper() in bounded._KEEP_ENV}
            env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
            self.process = subprocess.Popen(
                # -P: the working folder (a repository, whatever files it holds) is never on its module path
                [sys.executable, "-P", "-m", "pipeline.render_ahead", self._bodies_file, str(self.cache_file)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, close_fds=True,
                cwd=self.cache_file.parent)
        except (OSError, ValueError):
            self.close()  # no child: the workers render everything, as without one

    def wait(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for the child to finish on its own (tests and figures); True if it did."""
        if self.process is None:
            return True
        try:
            self.process.wait(seconds)
        except subprocess.TimeoutExpired:
            return False
        self.close()
        return True

    def finished(self) -> dict[str, Compact]:
        """Stop the child and wait for it (at most :data:`GRACE` seconds, then it is killed). What it
        rendered is in the cache, so nothing is handed over here (the caller reads the cache)."""
        self.close()
        return {}

    def close(self) -> None:
        """Stop the child, if one runs (idempotent)."""
        process, self.process = self.process, None
        if process is not None:
            assert process.stdin is not None and process.stdout is not None
            with contextlib.suppress(OSError, ValueError):
                process.stdin.write(b"s")
                process.stdin.close()
            try:
                process.wait(GRACE)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            with contextlib.suppress(ValueError):
                said = process.stdout.read().strip()
                self.rendered = int(said) if process.returncode == 0 and said.isdigit() else None
            process.stdout.close()
        if self._bodies_file is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._bodies_file)  # a child that never opened it
            self._bodies_file = None


def ahead_renderer(cache_file: Path | None, seconds: float) -> Background | Ahead | None:
    """What renders a build's bodies while its items are loaded and judged: with enough cores the
    background thread and its workers (:class:`pipeline.rendering.Background`), on two cores a child
    (:class:`Ahead`), on one core nothing (the bodies are rendered when the build takes them)."""
    cores = os.cpu_count() or 1
    if cores >= rendering.BACKGROUND_MIN_CORES:
        return Background(cache_file, seconds)
    return Ahead(cache_file) if cores >= 2 else None


if __name__ == "__main__":  # pragma: no cover - the child
    raise SystemExit(main(sys.argv[1:]))
