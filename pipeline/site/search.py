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

Each bundle is content-addressed by the sha256 of the pages it reads (path and bytes of every page of
its group that carries ``data-pagefind-body``), Pagefind's version and options. Bundles are kept in
``.warta-cache/site/pagefind/<key>/``; a bundle whose pages are unchanged is taken from there (hard links)
instead of being made again.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import importlib.util
import json
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
MANIFEST = "bundles.json"  # in BUNDLE: the names of its bundles, the one the search page loads first
CACHE = f"{CACHE_DIRNAME}/site/pagefind"
KEEP = 3  # bundles kept per group beyond the ones in use (a preview's, the live site's, one more)
PAGES_GROUP = "halaman"  # the bundle of the pages (halaman): <slug>/index.html
ITEM_KINDS = tuple(k for k in KINDS if k != "halaman")
MARK = b"data-pagefind-body"  # only pages with it are indexed (the theme's item.html)
OPTIONS = ("--silent",)
TIMEOUT = 600  # seconds for one bundle


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


def groups(site: Path) -> dict[str, list[tuple[Path, bytes]]]:
    """The indexed pages of ``site`` with their bytes, by bundle: items by the year of their address,
    pages (halaman, ``<slug>/index.html``) in :data:`PAGES_GROUP`; only pages carrying :data:`MARK`, so
    list, tag and register pages (thousands on a large site) are never read by Pagefind."""
    found: dict[str, list[tuple[Path, bytes]]] = {}
    candidates = [(PAGES_GROUP, p) for p in site.glob("*/index.html")]
    for kind in ITEM_KINDS:
        candidates += [(p.parent.parent.name, p) for p in site.glob(f"{kind}/[0-9][0-9][0-9][0-9]/*/index.html")]
    for name, path in candidates:
        data = path.read_bytes()
        if MARK in data:
            found.setdefault(name, []).append((path, data))
    order = sorted((n for n in found if n != PAGES_GROUP), reverse=True) + [n for n in found if n == PAGES_GROUP]
    return {name: sorted(found[name]) for name in order}  # newest year first, the pages last


def _group_key(site: Path, name: str, pages: list[tuple[Path, bytes]]) -> str:
    h = hashlib.sha256(f"{_version()}\0{' '.join(OPTIONS)}\0{name}\0".encode())
    for path, data in pages:
        h.update(f"{path.relative_to(site).as_posix()}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


def bundle_keys(site: Path) -> dict[str, str]:
    """The key of each bundle of ``site`` (group name -> sha256 of its pages, version and options)."""
    return {name: _group_key(site, name, pages) for name, pages in groups(site).items()}


def pages_key(site: Path) -> str:
    """One key for the whole index: the sha256 of every bundle's name and key."""
    return hashlib.sha256(json.dumps(bundle_keys(site), sort_keys=True).encode()).hexdigest()


def _link_tree(source: Path, target: Path) -> None:
    for dirpath, _dirs, filenames in os.walk(source):
        folder = target / Path(dirpath).relative_to(source)
        folder.mkdir(parents=True, exist_ok=True)
        for name in filenames:
            try:
                os.link(Path(dirpath, name), folder / name)
            except OSError:
                shutil.copyfile(Path(dirpath, name), folder / name)


def _stage(site: Path, pages: list[tuple[Path, bytes]], stage: Path) -> None:
    """A folder holding only one group's pages at their addresses (hard links), for Pagefind to read."""
    for path, _data in pages:
        target = stage / path.relative_to(site)
        target.parent.mkdir(parents=True, exist_ok=True)
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


def _run_all(exe: Path, site: Path, todo: dict[str, list[tuple[Path, bytes]]], work: Path) -> None:
    """Pagefind once per group in ``todo``, as many at a time as there are processors."""
    running: list[subprocess.Popen[str]] = []
    try:
        for name, pages in todo.items():
            stage = work / f"stage-{name}"
            _stage(site, pages, stage)
            if len(running) >= (os.cpu_count() or 1):
                _finish(running.pop(0))
            running.append(_start(exe, stage, site / BUNDLE / name))
        while running:
            _finish(running.pop(0))
    finally:
        for proc in running:
            proc.kill()
            proc.wait()


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
    found = groups(site)
    keys = {name: _group_key(site, name, pages) for name, pages in found.items()}
    (site / BUNDLE).mkdir(parents=True, exist_ok=True)
    todo: dict[str, list[tuple[Path, bytes]]] = {}
    for name, key in keys.items():
        kept = cache / key
        if kept.is_dir():
            os.utime(kept)
            _link_tree(kept, site / BUNDLE / name)
        else:
            todo[name] = found[name]
    if progress:
        message = (_("search index unchanged, reused") if not todo else
                   _("indexing pages for search (pagefind): {n} of {total} bundles",
                     n=len(todo), total=len(keys)))
        print("build: " + message, file=sys.stderr, flush=True)
    if todo:
        with contextlib.suppress(OSError):
            cache.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".stage-", dir=cache if cache.is_dir() else None))
        try:
            _run_all(exe, site, todo, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        if cache.is_dir():
            for name in todo:
                _keep(cache, site, name, keys[name])
    (site / BUNDLE / MANIFEST).write_text(json.dumps({"bundles": list(keys)}), encoding="utf-8")
    if cache.is_dir():
        _prune(cache, set(keys.values()), len(keys))
    return []
