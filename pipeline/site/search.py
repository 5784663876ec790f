"""Search without a server: the Pagefind index of the built site, made after Pelican wrote the pages.

Pagefind (the ``pagefind[bin]`` package ships its binary) reads the finished HTML and writes a static
index and its scripts into ``pagefind/`` of the site; the search page (``cari/``) loads them, and only
that page does. Only item pages are indexed: their ``<article>`` carries ``data-pagefind-body``; the
kind, the year and the ``kategori_informasi`` are filters (``data-pagefind-filter`` in ``item.html``).
The language of each page is its ``<html lang>``, so Indonesian pages get Pagefind's Indonesian
stemming and its Indonesian interface texts.

The index is part of page reuse: it is content-addressed by the sha256 of every page it reads (path and
bytes), Pagefind's version and the options below. The bundles of the last builds are kept in
``.warta-cache/site/pagefind/<key>/``; a build whose pages are the pages of a kept bundle takes it
(hard links) instead of running Pagefind again, so an unchanged site is never indexed twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from pipeline.cachedir import CACHE_DIRNAME
from pipeline.config import KINDS
from pipeline.errors import BuildError, Finding
from pipeline.i18n import _

BUNDLE = "pagefind"  # the folder of the index in the site
CACHE = f"{CACHE_DIRNAME}/site/pagefind"
KEEP = 3  # bundles kept in the cache (the live site's, a preview's, one more)
ITEM_KINDS = tuple(k for k in KINDS if k != "halaman")
# The pages Pagefind reads: items (<kind>/<year>/<slug>/) and pages (<slug>/), never the lists, tag and
# register pages (thousands on a large site, none indexed: only items carry data-pagefind-body).
GLOB = "{*,{" + ",".join(ITEM_KINDS) + "}/[0-9][0-9][0-9][0-9]/*}/index.html"
OPTIONS = ("--output-subdir", BUNDLE, "--glob", GLOB, "--silent")
TIMEOUT = 600  # seconds; 10,000 pages index in well under a minute


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


def _pages(site: Path) -> list[Path]:
    """The pages :data:`GLOB` matches."""
    found = list(site.glob("*/index.html"))
    for kind in ITEM_KINDS:
        found += site.glob(f"{kind}/[0-9][0-9][0-9][0-9]/*/index.html")
    return sorted(found)


def pages_key(site: Path) -> str:
    """sha256 of the pages Pagefind reads (:data:`GLOB`: path and bytes), its version and options."""
    h = hashlib.sha256(f"{_version()}\0{' '.join(OPTIONS)}\0".encode())
    for path in _pages(site):
        data = path.read_bytes()
        h.update(f"{path.relative_to(site).as_posix()}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


def _link_tree(source: Path, target: Path) -> None:
    for dirpath, _dirs, filenames in os.walk(source):
        folder = target / Path(dirpath).relative_to(source)
        folder.mkdir(parents=True, exist_ok=True)
        for name in filenames:
            try:
                os.link(Path(dirpath, name), folder / name)
            except OSError:
                shutil.copyfile(Path(dirpath, name), folder / name)


def _run(site: Path, exe: Path) -> None:
    try:
        done = subprocess.run([str(exe), "--site", str(site), *OPTIONS], capture_output=True, text=True,
                              timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise BuildError(_("search index: pagefind did not finish within {seconds} s", seconds=TIMEOUT)) from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise BuildError(_("search index: pagefind failed:") + "\n  " + "\n  ".join(tail))


def _prune(cache: Path, keep: str) -> None:
    entries = sorted((p for p in cache.iterdir() if p.is_dir() and p.name != keep and not p.name.startswith(".")),
                     key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP - 1:]:
        shutil.rmtree(old, ignore_errors=True)


def index(site: Path, caches: Path, *, progress: bool = False) -> list[Finding]:
    """Write ``site/pagefind/`` (the search index of the pages in ``site``), reusing a kept bundle."""
    exe = _executable()
    if exe is None:
        return [Finding("(search)", None, _("pagefind is not installed (pip install 'pagefind[bin]'): the site is "
                                            "built without its search index"), None, "warning")]
    key = pages_key(site)
    cache = caches / CACHE
    kept = cache / key
    if kept.is_dir():
        os.utime(kept)
        _link_tree(kept, site / BUNDLE)
        if progress:
            print("build: " + _("search index unchanged, reused"), file=sys.stderr, flush=True)
        return []
    if progress:
        print("build: " + _("indexing pages for search (pagefind)"), file=sys.stderr, flush=True)
    _run(site, exe)
    with contextlib.suppress(OSError):
        cache.mkdir(parents=True, exist_ok=True)
        fresh = Path(tempfile.mkdtemp(prefix=".new-", dir=cache))
        _link_tree(site / BUNDLE, fresh)
        try:
            fresh.rename(kept)
        except OSError:  # another build kept the same bundle first
            shutil.rmtree(fresh, ignore_errors=True)
        _prune(cache, key)
    return []
