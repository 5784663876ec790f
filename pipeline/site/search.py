"""Search without a server: the Pagefind index of the built site, made after Pelican wrote the pages.

Pagefind (the ``pagefind[bin]`` package ships its binary) reads the finished HTML and writes a static
index and its scripts; the search page (``cari/``) loads them, and only that page does. Only item pages
are indexed: their ``<article>`` carries ``data-pagefind-body``; the kind, the year and the
``kategori_informasi`` are filters (``data-pagefind-filter`` in ``item.html``). The language of each page
is its ``<html lang>``, so Indonesian pages get Pagefind's Indonesian stemming and interface texts.

The index is made of several bundles, one per year of the items' addresses
(``pagefind/<year>/``, from ``<kind>/<year>/<slug>/``) and one for the pages (``pagefind/halaman/``);
``pagefind/bundles.json`` names them, newest first, and the search page loads the first and merges the
others in the browser (Pagefind's ``mergeIndex``). So a changed item re-indexes its year only (Pagefind
has no incremental mode: a bundle is made whole), and each Pagefind run holds one year in memory.

Each bundle is content-addressed by the sha256 of what Pagefind reads (the path of every page of its group
that carries ``data-pagefind-body`` and the sha256 of the bytes Pagefind is given of it), Pagefind's
version, options and :func:`stage_version` (the code of this module and of :mod:`pipeline.site.search_pages`):
each page :func:`reduced` to its ``<html>`` tag and its ``data-pagefind-body`` element, the same index from
a fifth less work (``tests/site/test_search_index.py``), staged in a private folder in RAM when there is
one. What Pagefind reads of a page is remembered by the page's sha256 (:data:`READ_MEMO`), and the build
says the sha256 of each page it wrote (``written``), so a bundle whose pages did not change is known
without reading them. Bundles are kept in ``.warta-cache/site/pagefind/<key>/``; a bundle whose pages are
unchanged is taken from there instead of being made again (:mod:`pipeline.site.search_cache`: linked from
the previous output where that still holds the kept bytes, else copied; never linked to the kept bundle).
A merged bundle in the site holds only its index.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from pipeline.cachedir import PAGEFIND_CACHE
from pipeline.errors import BuildError, Finding
from pipeline.files import write_atomic
from pipeline.i18n import _
from pipeline.site import search_cache, search_pages
from pipeline.site.search_pages import MARK, NOT_INDEXED, PAGES_GROUP, by_group, read_digest, reduced

__all__ = ["BUNDLE", "CACHE", "MANIFEST", "MARK", "PAGES_GROUP", "READ_MEMO", "bundle_keys", "groups", "index",
           "pages_key", "reduced", "stage_version"]

BUNDLE = "pagefind"  # the folder of the index in the site
MANIFEST = "bundles.json"  # in BUNDLE: the names of its bundles, the one the search page loads first
CACHE = PAGEFIND_CACHE  # in the cache folder (pipeline.cachedir.ensure_local_cache)
OPTIONS = ("--silent",)
TIMEOUT = 600  # seconds for one bundle
READERS = 4  # threads reading and hashing the pages
READ_MEMO = "read.json"  # in CACHE: the sha256 of each page -> the sha256 of what Pagefind reads of it
RAM = Path("/dev/shm")  # a folder in memory (Linux), to stage the pages for Pagefind in
# what Pagefind is given of each page (search_pages) and how it is staged (here): in every key and the memo
_CODE = (Path(__file__), Path(search_pages.__file__), Path(__file__).with_name("search_live.py"))
Page = tuple[str, str, str]  # (path in the site, sha256 of the page, sha256 of what Pagefind reads of it)


@functools.cache
def stage_version() -> str:
    """The sha256 of the code deciding what Pagefind is given of each page (:func:`reduced`) and how it is
    staged: in every bundle's key and in the memo of what was read, so a change of it makes them miss."""
    h = hashlib.sha256()
    for path in _CODE:
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def _executable() -> Path | None:
    """The binary the ``pagefind-bin`` wheel ships (``pagefind_extended`` first, as its own finder does)."""
    spec = importlib.util.find_spec("pagefind_bin")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent
    for name in ("pagefind_extended", "pagefind", "pagefind_extended.exe", "pagefind.exe"):
        if (folder / name).is_file():
            return folder / name
    return None


def _version() -> str:
    try:
        return importlib.metadata.version("pagefind-bin")
    except importlib.metadata.PackageNotFoundError:
        return ""


def _read(site: str, rel: str) -> bytes:
    """A page's bytes, never through a symbolic link."""
    fd = os.open(os.path.join(site, rel), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with open(fd, "rb") as handle:
        return handle.read()


def _digest(site: str, rel: str, known: Mapping[str, str]) -> tuple[str, str] | None:
    """The sha256 of a page and of what Pagefind reads of it (:func:`read_digest`; taken from ``known``, the
    last build's, by the page's sha256, when it is there); None when there is no such file (or it is a
    symbolic link)."""
    try:
        data = _read(site, rel)
    except OSError:
        return None
    whole = hashlib.sha256(data).hexdigest()
    read = known.get(whole)
    return whole, read if read is not None else read_digest(data)


def _digested(pool: concurrent.futures.Executor, site: str, rels: list[str], known: Mapping[str, str],
              written: Mapping[str, str], seen: dict[str, str]) -> list[Page]:
    """The pages of ``rels`` carrying :data:`MARK`, with their sha256 and that of what Pagefind reads of them.
    A page whose sha256 the build gave (``written``) and whose reading is remembered (``known``) is not
    read; the others are read and hashed by the threads of ``pool`` in a few slices (reading and hashing
    release the GIL). Each page's two digests go into ``seen``."""
    digests: dict[str, tuple[str, str] | None] = {}
    todo = []
    for rel in rels:
        whole = written.get(rel)
        read = known.get(whole) if whole is not None else None
        if whole is None or read is None:
            todo.append(rel)
        else:
            digests[rel] = (whole, read)
    if todo:
        size = max(64, -(-len(todo) // READERS))
        parts = [todo[i:i + size] for i in range(0, len(todo), size)]
        for part, found in zip(parts, pool.map(lambda part: [_digest(site, rel, known) for rel in part], parts),
                               strict=True):
            digests.update(zip(part, found, strict=True))
    pages = []
    for rel in rels:
        found_digests = digests[rel]
        if found_digests is None:
            continue
        whole, read = found_digests
        seen[whole] = read
        if read != NOT_INDEXED:
            pages.append((rel, whole, read))
    return pages


def _known(cache: Path) -> dict[str, str]:
    """The last build's sha256 of what Pagefind read of each page, by the page's sha256 (:data:`READ_MEMO`);
    empty when missing, unreadable or made by other code (:func:`stage_version`)."""
    try:
        memo = json.loads((cache / READ_MEMO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    pages = memo.get("pages") if isinstance(memo, dict) and memo.get("version") == stage_version() else None
    if not isinstance(pages, dict):
        return {}
    return {k: v for k, v in pages.items() if isinstance(k, str) and isinstance(v, str)}


def groups(site: Path) -> dict[str, list[Page]]:
    """The indexed pages of ``site`` (paths relative to it) with their sha256 and that of what Pagefind reads
    of them, by bundle (:func:`by_group`), newest year first and the pages last."""
    top = str(site)
    with concurrent.futures.ThreadPoolExecutor(max_workers=READERS) as pool:
        found = {name: _digested(pool, top, rels, {}, {}, {}) for name, rels in by_group(top).items()}
    return {name: pages for name, pages in found.items() if pages}


def _group_key(name: str, pages: list[Page]) -> str:
    h = hashlib.sha256(f"{_version()}\0{' '.join(OPTIONS)}\0{stage_version()}\0{name}\0".encode())
    for rel, _whole, read in pages:
        h.update(f"{rel}\0{read}\0".encode())
    return h.hexdigest()


def bundle_keys(site: Path) -> dict[str, str]:
    """The key of each bundle of ``site`` (group name -> sha256 of its pages, version and options)."""
    return {name: _group_key(name, pages) for name, pages in groups(site).items()}


def pages_key(site: Path) -> str:
    """One key for the whole index: the sha256 of every bundle's name and key."""
    return hashlib.sha256(json.dumps(bundle_keys(site), sort_keys=True).encode()).hexdigest()


def _stage(site: str, pages: list[Page], stage: Path) -> None:
    """A folder holding only one group's pages at their addresses, for Pagefind to read: each page
    :func:`reduced` (or whole when it cannot be). A page must still hold the bytes its digest in the key
    says: a bundle kept under that key is made from them."""
    for rel, whole, _digest_read in pages:
        data = _read(site, rel)
        if hashlib.sha256(data).hexdigest() != whole:
            raise BuildError(_("search index: {page} changed while the site was being built", page=rel))
        target = stage / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        small = reduced(data)
        target.write_bytes(data if small is None else small)


def _start(exe: Path, stage: Path, out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([str(exe), "--site", str(stage), "--output-path", str(out), *OPTIONS],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _finish(proc: subprocess.Popen[str]) -> None:
    try:
        output = proc.communicate(timeout=TIMEOUT)[0]
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise BuildError(_("search index: pagefind did not finish within {seconds} s", seconds=TIMEOUT)) from None
    if proc.returncode != 0:
        tail = (output or "").strip().splitlines()[-5:]
        raise BuildError(_("search index: pagefind failed:") + "\n  " + "\n  ".join(tail))


def _staged(site: str, name: str, pages: list[Page], folders: tuple[Path, ...]) -> Path:
    """``pages`` staged in the first of ``folders`` where they fit (a RAM folder may be full)."""
    for i, folder in enumerate(folders):
        stage = folder / f"stage-{name}"
        try:
            _stage(site, pages, stage)
            return stage
        except OSError:
            shutil.rmtree(stage, ignore_errors=True)
            if i == len(folders) - 1:
                raise
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise
    raise AssertionError("no folder to stage in")  # pragma: no cover - folders is never empty


class _Runner:
    """Pagefind runs, as many at a time as there are processors (Pagefind uses one): a bundle is staged
    and started as soon as it is known to be needed, while the next bundles are hashed or placed; each stage
    is deleted once its Pagefind has finished. Pagefind writes each bundle into a new folder of the cache
    (:func:`pipeline.site.search_cache.new_folder`; into the site when the cache cannot be written)."""

    def __init__(self, exe: Path, site: Path, cache: Path) -> None:
        self.exe, self.site, self.cache = exe, site, cache
        self.folders: tuple[Path, ...] = ()
        self.running: list[tuple[subprocess.Popen[str], Path]] = []
        self.made: dict[str, Path] = {}  # the bundles made: where Pagefind wrote each

    @property
    def names(self) -> list[str]:
        return list(self.made)

    def add(self, name: str, pages: list[Page]) -> None:
        if not self.folders:
            with contextlib.suppress(OSError):
                self.cache.mkdir(parents=True, exist_ok=True)
            self.folders = _work_folders(self.cache)
        stage = _staged(str(self.site), name, pages, self.folders)
        if len(self.running) >= (os.cpu_count() or 1):
            self._finish_first()
        out = search_cache.new_folder(self.cache) if self.cache.is_dir() else None
        self.made[name] = out or self.site / BUNDLE / name
        self.running.append((_start(self.exe, stage, self.made[name]), stage))

    def _finish_first(self) -> None:
        proc, stage = self.running[0]
        _finish(proc)
        self.running.pop(0)
        shutil.rmtree(stage, ignore_errors=True)

    def wait(self) -> None:
        while self.running:
            self._finish_first()

    def close(self, failed: bool) -> None:
        for proc, _stage_folder in self.running:
            proc.kill()
            proc.wait()
        self.running = []
        for folder in self.folders:
            shutil.rmtree(folder, ignore_errors=True)
        if failed:  # nothing kept of a failed run
            for out in self.made.values():
                if out.parent == self.cache:
                    shutil.rmtree(out, ignore_errors=True)


def _work_folders(cache: Path) -> tuple[Path, ...]:
    """Private folders (mode 0700) to stage pages in: one in RAM first when the system has one (making
    1,400 small folders and files on a busy disk costs more than Pagefind reading them), then one beside
    the cache (or in the system's temporary folder)."""
    folders = []
    for parent in (RAM, cache if cache.is_dir() else None):
        with contextlib.suppress(OSError):
            if parent is None or parent.is_dir():
                folders.append(Path(tempfile.mkdtemp(prefix=".warta-stage-", dir=parent)))
    return tuple(folders) or (Path(tempfile.mkdtemp(prefix=".warta-stage-")),)


def index(site: Path, caches: Path, *, progress: bool = False, previous: Path | None = None,
          written: Mapping[str, str] | None = None) -> list[Finding]:
    """Write ``site/pagefind/`` (the search index of the pages in ``site``), reusing kept bundles.

    ``previous``: the site's previous output, whose bundle files are linked where they still hold the
    kept bundle's bytes (:func:`pipeline.site.search_cache.place`). ``written``: the sha256 of pages as the
    build wrote them, by their path in ``site`` (a page not named is read)."""
    exe = _executable()
    if exe is None:
        return [Finding("(search)", None, _("pagefind is not installed (pip install 'pagefind[bin]'): the site is "
                                            "built without its search index"), None, "warning")]
    cache = caches / CACHE
    (site / BUNDLE).mkdir(parents=True, exist_ok=True)
    if previous is not None and (not (previous / BUNDLE).is_dir() or previous.resolve() == site.resolve()):
        previous = None
    keys: dict[str, str] = {}
    known, seen = _known(cache), dict[str, str]()
    runner = _Runner(exe, site, cache)
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=READERS) as pool:
            for name, rels in by_group(str(site)).items():
                pages = _digested(pool, str(site), rels, known, written or {}, seen)
                if not pages:
                    continue
                keys[name] = key = _group_key(name, pages)
                kept = cache / key
                if kept.is_dir():
                    os.utime(kept)
                    search_cache.place(kept, site / BUNDLE / name, previous / BUNDLE / name if previous else None,
                                       whole=len(keys) == 1)
                else:  # made while the next bundles are hashed and placed
                    runner.add(name, pages)
        if progress:
            message = (_("search index unchanged, reused") if not runner.names else
                       _("indexing pages for search (pagefind): {n} of {total} bundles",
                         n=len(runner.names), total=len(keys)))
            print("build: " + message, file=sys.stderr, flush=True)
        runner.wait()
    except BaseException:
        runner.close(failed=True)
        raise
    runner.close(failed=False)
    for name, out in runner.made.items():
        into, first = site / BUNDLE / name, name == next(iter(keys))
        if out == into:  # the cache could not be written: Pagefind wrote into the site
            if not first:
                search_cache.index_only(into)
            continue
        kept = search_cache.adopt(cache, out, keys[name])
        # most of a bundle made again is the same files as before (a fragment per page, named by its content)
        search_cache.place(kept, into, previous / BUNDLE / name if previous else None, whole=first)
        if kept.name.startswith("."):  # not kept (its list of files could not be written): gone with the build
            shutil.rmtree(kept, ignore_errors=True)
    if cache.is_dir() and seen != known:
        with contextlib.suppress(OSError):
            write_atomic(cache / READ_MEMO, json.dumps({"version": stage_version(), "pages": seen}))
    (site / BUNDLE / MANIFEST).write_text(json.dumps({"bundles": list(keys)}), encoding="utf-8")
    if cache.is_dir():
        search_cache.prune(cache, set(keys.values()), len(keys))
    return []
