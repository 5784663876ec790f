"""The kept Pagefind bundles (``.warta-cache/site/pagefind/<key>/``) and how a kept bundle gets into a site.

Part of :mod:`pipeline.site.search`. A bundle is kept as a copy of what Pagefind wrote, with the sha256 of
each of its files (:data:`FILES`, written by this module beside them). Into a new site a kept bundle goes
file by file: a hard link to the previous output's file of the same bundle when that file still holds
exactly the kept file's bytes (read and hashed once linked, as page reuse does with pages), else a copy of
the kept file. The kept bundle and a site never share a file: a write into the site's files (a hand edit
of ``pagefind/<year>/pagefind.js``) must not change the kept bundle, nor go on into later builds
(``tests/attacks/test_cache_attacks_pages.py``). A site's previous output and its new one may share files,
as their reused pages do; the previous output is never written to.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from pipeline.files import read_regular

FILES = ".warta-files.json"  # in a kept bundle: {"files": {relative path: sha256 of its bytes}}
ENTRY = "pagefind-entry.json"
KEEP = 3  # bundles kept per group beyond the ones in use (a preview's, the live site's, one more)


def in_index(rel: str) -> bool:
    """Whether a file of a bundle (by its path in the bundle) is one Pagefind's ``mergeIndex`` fetches: the
    entry, the meta and everything in its folders (index, filter and fragment files)."""
    return "/" in rel or rel == ENTRY or rel.endswith(".pf_meta")


def index_only(bundle: Path) -> None:
    """Leave in a merged bundle only what :func:`in_index` names: its interface, scripts and WebAssembly are
    the first bundle's (about 600 KB less to deploy per bundle). The kept bundle stays whole: any bundle may
    come first later."""
    for path in bundle.iterdir():
        if path.is_file() and not in_index(path.name):
            path.unlink()


def _files(kept: Path) -> dict[str, str] | None:
    """The kept bundle's files and their sha256 (:data:`FILES`), or None when missing or damaged."""
    try:
        files = json.loads((kept / FILES).read_text(encoding="utf-8")).get("files")
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(files, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        return None
    if any(k.startswith("/") or ".." in k.split("/") or k == FILES for k in files):
        return None
    return files


def _same_bytes(path: str, digest: str) -> bool:
    """Whether the regular file ``path`` (never through a symbolic link, never blocking on a FIFO) holds bytes
    of sha256 ``digest``: judged by what is open (``fstat``) and read from the same descriptor."""
    found = read_regular(path)
    return found is not None and hashlib.sha256(found[1]).hexdigest() == digest


def _linked(previous: str, target: str, digest: str) -> bool:
    """``target`` made a hard link to the previous output's file ``previous``, when that is a regular file
    holding bytes of sha256 ``digest`` (checked on the link made, so what is checked is what the new site
    holds: a symbolic link is linked as itself and never followed, a FIFO or device never read); False
    (and no ``target``) otherwise."""
    try:
        os.link(previous, target, follow_symlinks=False)
    except OSError:
        return False
    if _same_bytes(target, digest):
        return True
    with contextlib.suppress(OSError):
        os.unlink(target)
    return False


def place(kept: Path, target: Path, previous: Path | None, whole: bool, *, rest: bool = False) -> None:
    """The kept bundle ``kept`` into the site's folder ``target`` (only its index unless ``whole``; with
    ``rest``, only what is not its index): each file linked from ``previous`` (the same bundle's folder in
    the previous output) when that holds the same bytes, else copied from ``kept``. A kept bundle without
    its list of files is copied whole."""
    files = _files(kept)
    if files is None:
        if rest:  # the interface and scripts: the first bundle's top files (copies, never over a file placed)
            for path in kept.iterdir():
                if path.is_file() and not in_index(path.name) and path.name != FILES:
                    shutil.copyfile(path, target / path.name)
            return
        copy_tree(kept, target)
        if not whole:
            index_only(target)
        return
    wanted = sorted(rel for rel in files if (not in_index(rel) if rest else whole or in_index(rel)))
    target.mkdir(parents=True, exist_ok=True)
    made = {""}
    for rel in wanted:
        folder = rel.rpartition("/")[0]
        if folder not in made:
            (target / folder).mkdir(parents=True, exist_ok=True)
            made.add(folder)
        into = os.path.join(target, rel)
        if previous is not None and _linked(os.path.join(previous, rel), into, files[rel]):
            continue
        shutil.copyfile(kept / rel, into)


def copy_tree(source: Path, target: Path) -> None:
    """A copy of a bundle (but its list of files), never a hard link: a kept bundle and a site sharing their
    files, a write into the site's would change the kept one and every later build that reuses it."""
    for dirpath, _dirs, filenames in os.walk(source):
        folder = target / Path(dirpath).relative_to(source)
        folder.mkdir(parents=True, exist_ok=True)
        for name in filenames:
            if not (name == FILES and dirpath == str(source)):
                shutil.copyfile(os.path.join(dirpath, name), folder / name)


def new_folder(cache: Path) -> Path | None:
    """A new private folder in ``cache`` for Pagefind to write a bundle into (:func:`adopt` keeps it), or
    None when the cache cannot be written."""
    try:
        return Path(tempfile.mkdtemp(prefix=".new-", dir=cache))
    except OSError:
        return None


def adopt(cache: Path, fresh: Path, key: str) -> Path:
    """The bundle Pagefind wrote into ``fresh`` (from :func:`new_folder`), kept as ``cache/<key>`` with the
    sha256 of each of its files; the kept bundle's folder (another build's, when it kept the same key
    first; ``fresh`` itself when it cannot be renamed nor its list of files written)."""
    files: dict[str, str] = {}
    top = str(fresh)
    for dirpath, _dirs, filenames in os.walk(top):
        rel = dirpath[len(top) + 1:].replace(os.sep, "/")
        for name in filenames:
            with open(os.path.join(dirpath, name), "rb") as handle:
                files[f"{rel}/{name}" if rel else name] = hashlib.sha256(handle.read()).hexdigest()
    try:
        (fresh / FILES).write_text(json.dumps({"files": files}, sort_keys=True), encoding="utf-8")
        fresh.rename(cache / key)
    except OSError:
        if not (cache / key).is_dir():
            return fresh
        shutil.rmtree(fresh, ignore_errors=True)  # another build kept the same bundle first
    return cache / key


def prune(cache: Path, used: set[str], count: int) -> None:
    """Delete kept bundles beyond the newest ``KEEP`` per bundle in use (``count``), never one in ``used``."""
    entries = sorted((p for p in cache.iterdir() if p.is_dir() and p.name not in used and not p.name.startswith(".")),
                     key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP * max(1, count):]:
        shutil.rmtree(old, ignore_errors=True)
