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
version, options and :func:`stage_version` (this module's code): each page :func:`reduced` to its ``<html>`` tag and its
``data-pagefind-body`` element, the same index from a fifth less work (``tests/site/test_search_index.py``),
staged in a private folder in RAM when there is one. Bundles are kept in ``.warta-cache/site/pagefind/<key>/``;
a bundle whose pages are unchanged is taken from there (hard links) instead of being made again. A merged
bundle in the site holds only its index (:func:`_index_only`).
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
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from pipeline.cachedir import CACHE_DIRNAME
from pipeline.config import KINDS
from pipeline.errors import BuildError, Finding
from pipeline.files import write_atomic
from pipeline.i18n import _

BUNDLE = "pagefind"  # the folder of the index in the site
MANIFEST = "bundles.json"  # in BUNDLE: the names of its bundles, the one the search page loads first
CACHE = f"{CACHE_DIRNAME}/site/pagefind"
KEEP = 3  # bundles kept per group beyond the ones in use (a preview's, the live site's, one more)
PAGES_GROUP = "halaman"  # the bundle of the pages (halaman): <slug>/index.html
ITEM_KINDS = tuple(k for k in KINDS if k != "halaman")
MARK = b"data-pagefind-body"  # only pages with it are indexed (the theme's item.html)
OPTIONS = ("--silent",)
TIMEOUT = 600  # seconds for one bundle
READERS = 4  # threads reading and hashing the pages
READ_MEMO = "read.json"  # in CACHE: the sha256 of each page -> the sha256 of what Pagefind reads of it
RAM = Path("/dev/shm")  # a folder in memory (Linux), to stage the pages for Pagefind in
_CODE = Path(__file__)  # how pages are reduced and staged: its sha256 is in every bundle's key and the memo
_TAG = re.compile(rb"<([a-zA-Z][a-zA-Z0-9-]*)[\s>]")
_HTML = re.compile(rb"<html(?:\s[^>]*)?>", re.IGNORECASE)


@functools.cache
def stage_version() -> str:
    """The sha256 of this module, which decides what Pagefind is given of each page (:func:`reduced`) and how
    it is staged: in every bundle's key and in the memo of what was read, so a change of it makes them miss."""
    return hashlib.sha256(_CODE.read_bytes()).hexdigest()


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


def _by_group(site: Path) -> dict[str, list[Path]]:
    """The pages that may be indexed, by bundle: items by the year of their address, pages (halaman,
    ``<slug>/index.html``) in :data:`PAGES_GROUP`; newest year first, the pages last. List, tag and register
    pages (thousands on a large site) are never among them."""
    found: dict[str, list[Path]] = {PAGES_GROUP: sorted(site.glob("*/index.html"))}
    for kind in ITEM_KINDS:
        for path in site.glob(f"{kind}/[0-9][0-9][0-9][0-9]/*/index.html"):
            found.setdefault(path.parent.parent.name, []).append(path)
    order = sorted((n for n in found if n != PAGES_GROUP), reverse=True) + [PAGES_GROUP]
    return {name: sorted(found[name]) for name in order}


def _digest(path: Path, known: Mapping[str, str]) -> tuple[str, str] | None:
    """The sha256 of a page that carries :data:`MARK` and the sha256 of what Pagefind reads of it (the page
    :func:`reduced`, or whole when it cannot be), taken from ``known`` (the last build's, by the page's
    sha256) when it is there; None for a page Pagefind would not index."""
    data = path.read_bytes()
    if MARK not in data:
        return None
    whole = hashlib.sha256(data).hexdigest()
    read = known.get(whole)
    if read is None:
        small = reduced(data)
        read = whole if small is None else hashlib.sha256(small).hexdigest()
    return whole, read


def _digested(pool: concurrent.futures.Executor, paths: list[Path], known: Mapping[str, str],
              seen: dict[str, str]) -> list[tuple[Path, str]]:
    """The pages of ``paths`` carrying :data:`MARK`, with the sha256 of what Pagefind reads of them, read and
    hashed by the threads of ``pool`` in a few slices (reading and hashing release the GIL); only the
    digests are kept, and each page's two in ``seen``."""
    size = max(256, -(-len(paths) // READERS))
    slices = pool.map(lambda part: [_digest(path, known) for path in part],
                      [paths[i:i + size] for i in range(0, len(paths), size)])
    found = []
    for path, digests in zip(paths, (d for part in slices for d in part), strict=True):
        if digests is not None:
            seen[digests[0]] = digests[1]
            found.append((path, digests[1]))
    return found


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


def groups(site: Path) -> dict[str, list[tuple[Path, str]]]:
    """The indexed pages of ``site`` with the sha256 of what Pagefind reads of them, by bundle
    (:func:`_by_group`), newest year first and the pages last."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=READERS) as pool:
        found = {name: _digested(pool, paths, {}, {}) for name, paths in _by_group(site).items()}
    return {name: pages for name, pages in found.items() if pages}


def _group_key(site: Path, name: str, pages: list[tuple[Path, str]]) -> str:
    h = hashlib.sha256(f"{_version()}\0{' '.join(OPTIONS)}\0{stage_version()}\0{name}\0".encode())
    for path, digest in pages:
        h.update(f"{path.relative_to(site).as_posix()}\0{digest}\0".encode())
    return h.hexdigest()


def bundle_keys(site: Path) -> dict[str, str]:
    """The key of each bundle of ``site`` (group name -> sha256 of its pages, version and options)."""
    return {name: _group_key(site, name, pages) for name, pages in groups(site).items()}


def pages_key(site: Path) -> str:
    """One key for the whole index: the sha256 of every bundle's name and key."""
    return hashlib.sha256(json.dumps(bundle_keys(site), sort_keys=True).encode()).hexdigest()


def _has_h1(data: bytes, start: int, end: int) -> bool:
    return data.find(b"<h1", start, end) >= 0 or data.find(b"<H1", start, end) >= 0


def _element_end(data: bytes, name: bytes, after: int) -> int:
    """Where the element ``<name ...>`` opened just before ``after`` ends (past its ``</name>``), or -1."""
    opening, closing, depth, pos = b"<" + name, b"</" + name + b">", 1, after
    while True:
        close = data.find(closing, pos)
        if close < 0:
            return -1
        nested = data.find(opening, pos, close)
        while nested >= 0 and data[nested + len(opening):nested + len(opening) + 1] not in (b" ", b">", b"\n", b"\t", b"/"):
            nested = data.find(opening, nested + 1, close)  # a longer name (<articles>), not a nested element
        if nested >= 0:
            depth, pos = depth + 1, nested + len(opening)
            continue
        depth, pos = depth - 1, close + len(closing)
        if depth == 0:
            return pos


def reduced(data: bytes) -> bytes | None:
    """The page as Pagefind needs it: its ``<html ...>`` tag (the language) and the one element carrying
    :data:`MARK`, whole; Pagefind then makes the same bundle from less HTML (the header, menu and footer of
    every page are not parsed), and a change to them (a menu entry, the footer, the preview's banner) does
    not change the bundle's key. None when something outside that element could change the index (another
    ``data-pagefind-`` attribute, an ``<h1>``, a second body), or the element has no ``<h1>`` (Pagefind's
    title) or no plain end tag (``</name>``): the whole page is read then."""
    at = data.find(MARK)
    if at < 0 or data.find(MARK, at + 1) >= 0:
        return None
    start = data.rfind(b"<", 0, at)
    tag = _TAG.match(data, start) if start >= 0 else None
    html = _HTML.search(data, 0, start) if tag is not None else None
    if tag is None or html is None:
        return None
    end = _element_end(data, tag.group(1), tag.end(1))
    if (end < 0 or data.find(b"data-pagefind-", 0, start) >= 0 or data.find(b"data-pagefind-", end) >= 0
            or _has_h1(data, 0, start) or _has_h1(data, end, len(data)) or not _has_h1(data, start, end)):
        return None
    return b"<!DOCTYPE html>\n" + html.group(0) + b"<body>" + data[start:end] + b"</body></html>\n"


def _link_tree(source: Path, target: Path) -> None:
    for dirpath, _dirs, filenames in os.walk(source):
        folder = target / Path(dirpath).relative_to(source)
        folder.mkdir(parents=True, exist_ok=True)
        for name in filenames:
            try:
                os.link(Path(dirpath, name), folder / name)
            except OSError:
                shutil.copyfile(Path(dirpath, name), folder / name)


def _stage(site: Path, pages: list[tuple[Path, str]], stage: Path) -> None:
    """A folder holding only one group's pages at their addresses, for Pagefind to read: each page
    :func:`reduced` (or, when it cannot be, a hard link to the page)."""
    for path, _digest in pages:
        target = stage / path.relative_to(site)
        target.parent.mkdir(parents=True, exist_ok=True)
        small = reduced(path.read_bytes())
        if small is not None:
            target.write_bytes(small)
            continue
        try:
            os.link(path, target)
        except OSError:
            shutil.copyfile(path, target)


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


def _staged(site: Path, name: str, pages: list[tuple[Path, str]], folders: tuple[Path, ...]) -> Path:
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
    raise AssertionError("no folder to stage in")  # pragma: no cover - folders is never empty


class _Runner:
    """Pagefind runs, as many at a time as there are processors (Pagefind uses one): a bundle is staged
    and started as soon as it is known to be needed, while the next bundles are hashed or linked; each stage
    is deleted once its Pagefind has finished."""

    def __init__(self, exe: Path, site: Path, cache: Path) -> None:
        self.exe, self.site, self.cache = exe, site, cache
        self.folders: tuple[Path, ...] = ()
        self.running: list[tuple[subprocess.Popen[str], Path]] = []
        self.names: list[str] = []  # the bundles made

    def add(self, name: str, pages: list[tuple[Path, str]]) -> None:
        if not self.folders:
            with contextlib.suppress(OSError):
                self.cache.mkdir(parents=True, exist_ok=True)
            self.folders = _work_folders(self.cache)
        stage = _staged(self.site, name, pages, self.folders)
        if len(self.running) >= (os.cpu_count() or 1):
            self._finish_first()
        self.running.append((_start(self.exe, stage, self.site / BUNDLE / name), stage))
        self.names.append(name)

    def _finish_first(self) -> None:
        proc, stage = self.running[0]
        _finish(proc)
        self.running.pop(0)
        shutil.rmtree(stage, ignore_errors=True)

    def wait(self) -> None:
        while self.running:
            self._finish_first()

    def close(self) -> None:
        for proc, _stage_folder in self.running:
            proc.kill()
            proc.wait()
        self.running = []
        for folder in self.folders:
            shutil.rmtree(folder, ignore_errors=True)


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


def _index_only(bundle: Path) -> None:
    """Leave in a merged bundle only what Pagefind's ``mergeIndex`` fetches from it (its entry, meta, index,
    filter and fragment files): its interface, scripts and WebAssembly are the first bundle's (about 600 KB
    less to deploy per bundle). The kept bundle in the cache stays whole: any bundle may come first later."""
    for path in bundle.iterdir():
        if path.is_file() and path.name != "pagefind-entry.json" and path.suffix != ".pf_meta":
            path.unlink()


def _keep(cache: Path, site: Path, name: str, key: str) -> None:
    with contextlib.suppress(OSError):
        fresh = Path(tempfile.mkdtemp(prefix=".new-", dir=cache))
        _link_tree(site / BUNDLE / name, fresh)
        try:
            fresh.rename(cache / key)
        except OSError:  # another build kept the same bundle first
            shutil.rmtree(fresh, ignore_errors=True)


def _prune(cache: Path, used: set[str], count: int) -> None:
    entries = sorted((p for p in cache.iterdir() if p.is_dir() and p.name not in used and not p.name.startswith(".")),
                     key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP * max(1, count):]:
        shutil.rmtree(old, ignore_errors=True)


def index(site: Path, caches: Path, *, progress: bool = False) -> list[Finding]:
    """Write ``site/pagefind/`` (the search index of the pages in ``site``), reusing kept bundles."""
    exe = _executable()
    if exe is None:
        return [Finding("(search)", None, _("pagefind is not installed (pip install 'pagefind[bin]'): the site is "
                                            "built without its search index"), None, "warning")]
    cache = caches / CACHE
    (site / BUNDLE).mkdir(parents=True, exist_ok=True)
    keys: dict[str, str] = {}
    known, seen = _known(cache), dict[str, str]()
    runner = _Runner(exe, site, cache)
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=READERS) as pool:
            for name, paths in _by_group(site).items():
                pages = _digested(pool, paths, known, seen)
                if not pages:
                    continue
                keys[name] = key = _group_key(site, name, pages)
                kept = cache / key
                if kept.is_dir():
                    os.utime(kept)
                    _link_tree(kept, site / BUNDLE / name)
                else:  # made while the next bundles are hashed and linked
                    runner.add(name, pages)
        if progress:
            message = (_("search index unchanged, reused") if not runner.names else
                       _("indexing pages for search (pagefind): {n} of {total} bundles",
                         n=len(runner.names), total=len(keys)))
            print("build: " + message, file=sys.stderr, flush=True)
        runner.wait()
    finally:
        runner.close()
    if cache.is_dir():
        for name in runner.names:
            _keep(cache, site, name, keys[name])
        if seen != known:
            with contextlib.suppress(OSError):
                write_atomic(cache / READ_MEMO, json.dumps({"version": stage_version(), "pages": seen}))
    (site / BUNDLE / MANIFEST).write_text(json.dumps({"bundles": list(keys)}), encoding="utf-8")
    for name in list(keys)[1:]:
        _index_only(site / BUNDLE / name)
    if cache.is_dir():
        _prune(cache, set(keys.values()), len(keys))
    return []
