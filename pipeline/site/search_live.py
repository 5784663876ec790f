"""The search index made while the site's pages are written, not after: part of :mod:`pipeline.site.search`.

The writer tells an :class:`Indexer` each page as it goes (:func:`pipeline.site.writer.write_specs`'s
``observe``): a page rendered now with its bytes, or a page reused from the previous output with that
file and the sha256 the writer checked it holds. The indexer knows the pages of each bundle from the
build's plan; once it has seen the last page of a bundle it knows the bundle's key (as
:func:`pipeline.site.search.index` makes it: what Pagefind reads of each page, from the memo or the bytes)
and either places the kept bundle or starts Pagefind on it, in a thread, while the writer goes on with the
next pages and lists: one Pagefind at a time while the writer runs (it uses the other core), as many as
there are cores once it is done. A rendered page's reduced bytes are staged (in RAM) as they come, so no
page is held in memory; a reused one is staged from the previous output's file, which must still hold the
bytes the writer checked. The bundles, keys, memo and manifest are those :func:`pipeline.site.search.index`
makes from the finished site (``tests/site/test_search_live.py``).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterable
from pathlib import Path

from pipeline.errors import BuildError, Finding
from pipeline.files import write_atomic
from pipeline.i18n import _
from pipeline.site import search, search_cache
from pipeline.site.search_pages import MARK, NOT_INDEXED, group_of, reduced


class Indexer:
    """The search index of one build, fed page by page (:meth:`observe`), finished by :meth:`finish`."""

    def __init__(self, site: Path, caches: Path, names: Iterable[str], previous: Path | None) -> None:
        self.exe = search._executable()
        self.site, self.cache = site, caches / search.CACHE
        if previous is not None and (not (previous / search.BUNDLE).is_dir() or previous.resolve() == site.resolve()):
            previous = None
        self.previous = previous
        groups: dict[str, set[str]] = {}
        for name in names:
            group = group_of(os.path.normpath(name))
            if group is not None:
                groups.setdefault(group, set()).add(os.path.normpath(name))
        self.order = sorted((g for g in groups if g != search.PAGES_GROUP), reverse=True) + [search.PAGES_GROUP]
        self.missing = groups
        self.pages: dict[str, dict[str, tuple[str, str, str | None]]] = {g: {} for g in groups}  # rel -> whole, read, source
        self.known = search._known(self.cache) if self.exe is not None else {}
        self.seen: dict[str, str] = {}
        self.keys: dict[str, str] = {}
        self.made: dict[str, Path] = {}  # bundles made: where Pagefind wrote each
        self.broken: set[str] = set()  # bundles whose rendered pages could not be staged as they came
        self.making: set[str] = set()  # bundles Pagefind makes
        # a rendered page's staged bytes until its bundle is staged: Pagefind numbers the pages in the order
        # it finds them on the file system, so a stage's folders are made in the order of their paths
        self.pending: dict[str, Path] = {}
        self.folders: tuple[Path, ...] = ()
        self.cores = os.cpu_count() or 1
        self.slots = threading.Semaphore(max(1, self.cores - 1))  # Pagefind runs while the writer runs
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=self.cores)
        self.tasks: list[concurrent.futures.Future[None]] = []
        self.procs: set[subprocess.Popen[str]] = set()
        self.lock = threading.Lock()
        self.stopped = False
        if self.exe is not None:
            (site / search.BUNDLE).mkdir(parents=True, exist_ok=True)

    # --- fed by the writer ------------------------------------------------------------------------------

    def observe(self, name: str, digest: str | None, source: str | None, data: bytes | None) -> None:
        """Page ``name`` was written: rendered (``data``; ``digest`` its sha256 when the writer took it) or
        reused from ``source`` (the previous output's file, holding bytes of sha256 ``digest``)."""
        if self.exe is None:
            return
        rel = os.path.normpath(name)
        group = group_of(rel)
        if group is None or group not in self.missing or rel not in self.missing[group]:
            return
        if data is None:
            assert source is not None and digest is not None
            read = self.known.get(digest)
            if read is None:  # not remembered: the bytes are needed, and are staged at once
                data = _checked(source, digest, rel)
            else:
                self._record(group, rel, digest, read, source)
        if data is not None:
            whole = digest or hashlib.sha256(data).hexdigest()
            read, staged = NOT_INDEXED, b""
            if MARK in data:
                small = reduced(data)
                staged = data if small is None else small
                read = hashlib.sha256(staged).hexdigest()
                self._stage_one(group, rel, staged)
            self._record(group, rel, whole, read, None)
        self.missing[group].discard(rel)
        if not self.missing[group]:
            self._complete(group)

    def _record(self, group: str, rel: str, whole: str, read: str, source: str | None) -> None:
        self.seen[whole] = read
        self.pages[group][rel] = (whole, read, source)

    def _ensure_folders(self) -> None:
        if not self.folders:
            with contextlib.suppress(OSError):
                self.cache.mkdir(parents=True, exist_ok=True)
            self.folders = search._work_folders(self.cache)

    def _stage_one(self, group: str, rel: str, staged: bytes) -> None:
        if group in self.broken:
            return
        try:
            self._ensure_folders()
            pending = self.folders[0] / f"pending-{group}"
            pending.mkdir(exist_ok=True)
            target = pending / str(len(self.pending))
            target.write_bytes(staged)
            self.pending[rel] = target
        except OSError:  # a full RAM disk: this bundle is staged from the site once it is written
            self.broken.add(group)

    def _complete(self, group: str) -> None:
        pages = [(rel, w, r) for rel, (w, r, _s) in sorted(self.pages[group].items()) if r != NOT_INDEXED]
        if not pages:
            self._drop_stage(group)
            return
        self.keys[group] = key = search._group_key(group, pages)
        kept = self.cache / key
        if kept.is_dir() or group in self.broken:
            self._drop_stage(group)
        if kept.is_dir():
            os.utime(kept)
            self.tasks.append(self.pool.submit(self._place, kept, group))
        elif group not in self.broken:
            self._ensure_folders()
            self.making.add(group)
            self.tasks.append(self.pool.submit(self._make, group))

    # --- in the threads ---------------------------------------------------------------------------------

    def _place(self, kept: Path, group: str) -> None:
        previous = self.previous / search.BUNDLE / group if self.previous else None
        search_cache.place(kept, self.site / search.BUNDLE / group, previous, whole=False)

    def _make(self, group: str) -> None:
        """The bundle's stage, its folders made in the order of their paths (as :func:`search._stage` makes
        them): a rendered page's staged bytes moved in, a reused page's read from the previous output."""
        stage = self.folders[0] / f"stage-{group}"
        for rel, (whole, read, source) in sorted(self.pages[group].items()):
            if read == NOT_INDEXED:
                continue
            target = stage / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if source is None:
                os.rename(self.pending[rel], target)
                continue
            data = _checked(source, whole, rel)
            small = reduced(data)
            target.write_bytes(data if small is None else small)
        self._drop_stage(group, pending_only=True)
        self._run(group, stage)

    def _run(self, group: str, stage: Path) -> None:
        out = search_cache.new_folder(self.cache) if self.cache.is_dir() else None
        with self.lock:
            self.made[group] = out or self.site / search.BUNDLE / group
        with self.slots:
            with self.lock:
                if self.stopped:
                    return
                proc = search._start(self.exe or Path("pagefind"), stage, self.made[group])
                self.procs.add(proc)
            try:
                search._finish(proc)
            finally:
                with self.lock:
                    self.procs.discard(proc)
        shutil.rmtree(stage, ignore_errors=True)
        if out is not None:
            kept = search_cache.adopt(self.cache, out, self.keys[group])
            previous = self.previous / search.BUNDLE / group if self.previous else None
            # most of a bundle made again is the same files as before (a fragment per page, named by its content)
            search_cache.place(kept, self.site / search.BUNDLE / group, previous, whole=False)
            with self.lock:  # a folder not kept (the cache could not take it) is deleted by close()
                self.made[group] = kept

    def _drop_stage(self, group: str, pending_only: bool = False) -> None:
        for folder in self.folders:
            shutil.rmtree(folder / f"pending-{group}", ignore_errors=True)
            if not pending_only:
                shutil.rmtree(folder / f"stage-{group}", ignore_errors=True)

    # --- once every page is written ---------------------------------------------------------------------

    def finish(self, progress: bool = False) -> list[Finding]:
        """Wait for the bundles (making the ones that could not be made during the writing), then the first
        bundle's interface and scripts, the memo, ``bundles.json`` and the pruning of the cache."""
        if self.exe is None:
            self.close()
            return [Finding("(search)", None, _("pagefind is not installed (pip install 'pagefind[bin]'): the site "
                                                "is built without its search index"), None, "warning")]
        try:
            for group in [g for g in self.order if self.missing.get(g)]:  # pages planned but never written
                self.missing[group] = set()
                self._complete(group)
            self.slots.release()  # the writer is done: Pagefind may use every core
            for group in [g for g in self.order if g in self.broken and g in self.keys
                          and not (self.cache / self.keys[g]).is_dir()]:
                pages = [(rel, w, r) for rel, (w, r, _s) in sorted(self.pages[group].items()) if r != NOT_INDEXED]
                stage = search._staged(str(self.site), group, pages, self.folders[1:] or self.folders)
                self.making.add(group)
                self.tasks.append(self.pool.submit(self._run, group, stage))
            if progress:
                message = (_("search index unchanged, reused") if not self.making else
                           _("indexing pages for search (pagefind): {n} of {total} bundles", n=len(self.making),
                             total=len(self.keys)))
                print("build: " + message, file=sys.stderr, flush=True)
            for task in self.tasks:
                task.result()
            self._first()
        except BaseException:
            self.close(failed=True)
            raise
        self.close()
        if self.cache.is_dir() and self.seen != self.known:
            with contextlib.suppress(OSError):
                write_atomic(self.cache / search.READ_MEMO, json.dumps({"version": search.stage_version(),
                                                                        "pages": self.seen}))
        names = [g for g in self.order if g in self.keys]
        (self.site / search.BUNDLE / search.MANIFEST).write_text(json.dumps({"bundles": names}), encoding="utf-8")
        if self.cache.is_dir():
            search_cache.prune(self.cache, set(self.keys.values()), len(self.keys))
        return []

    def _first(self) -> None:
        """The first bundle whole: its interface, scripts and WebAssembly beside its index."""
        names = [g for g in self.order if g in self.keys]
        for group in names:
            into = self.site / search.BUNDLE / group
            if self.made.get(group) == into:  # Pagefind wrote into the site (no cache): it is whole already
                if group != names[0]:
                    search_cache.index_only(into)
                continue
            if group == names[0]:
                kept = self.made.get(group, self.cache / self.keys[group])
                previous = self.previous / search.BUNDLE / group if self.previous else None
                search_cache.place(kept, into, previous, whole=True, rest=True)

    def close(self, failed: bool = False) -> None:
        """Stop what runs (on a failure: Pagefind killed, nothing kept of it), delete the stages."""
        with self.lock:
            self.stopped = failed or self.stopped
            for proc in list(self.procs) if failed else []:
                proc.kill()
        self.pool.shutdown(wait=True, cancel_futures=failed)
        for folder in self.folders:
            shutil.rmtree(folder, ignore_errors=True)
        for out in self.made.values():  # Pagefind's output not kept (or, on a failure, not finished)
            if out.parent == self.cache and out.name.startswith("."):
                shutil.rmtree(out, ignore_errors=True)


def _checked(source: str, digest: str, rel: str) -> bytes:
    """The previous output's file a reused page was linked from, which must still hold bytes of sha256
    ``digest`` (what the writer checked, and the bundle's key says)."""
    try:
        data = search._read(os.path.dirname(source), os.path.basename(source))
    except OSError:
        data = b""
    if hashlib.sha256(data).hexdigest() != digest:
        raise BuildError(_("search index: {page} changed while the site was being built", page=rel))
    return data
