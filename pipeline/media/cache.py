"""The media cache: content-addressed files under ``.warta-cache/media/``, safe to delete at any time.

- ``derivatives/<k2>/<key>.<ext>``: one encoded derivative; ``key`` is the sha256 of the source's sha256,
  the derivative's preset, format, size, quality and crop box, and :data:`CACHE_VERSION`.
- ``sources/<s2>/<sha256>.json``: what inspecting a source found (format, size, orientation, GPS), so a
  re-run reads each source only to hash it.
- ``slides/<k2>/<key>.jpg``: rendered videotron slides, keyed by everything drawn on them.

Nothing is keyed by modification time (DESIGN section 7). Files are written to a temporary name and renamed,
so a build that dies leaves no half-written entry.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pipeline.cachedir import MEDIA_CACHE, ensure_local_cache
from pipeline.files import write_atomic

# Bump when rendering changes in a way that must invalidate every cached derivative.
CACHE_VERSION = 1


def default_cache_dir(root: Path) -> Path:
    """``media/`` in the cache folder of the site repository ``root`` (never one the repository supplies:
    :func:`~pipeline.cachedir.ensure_local_cache`): where it keeps its media cache."""
    return ensure_local_cache(root) / MEDIA_CACHE


def key_of(material: dict[str, Any]) -> str:
    """sha256 of a canonical JSON encoding of ``material`` plus the cache version."""
    text = json.dumps({"cache_version": CACHE_VERSION, **material}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def place(cached: Path, dest: Path) -> bool:
    """Make ``dest`` hold a copy of the cached file; False when it already held those bytes in a file
    of its own.

    Never a hard link: the output's file and the kept entry would be one inode, so a write in place to
    ``_site/media/...`` (or a videotron folder) would rewrite the cache entry and every later build would
    serve it, with no name, size or time to show it (``tests/attacks/test_cache_attacks_pages.py``). A
    copy costs about 1 ms per MB on this machine (docs/benchmarks.md); the cache entry is never written
    through ``dest``."""
    with contextlib.suppress(OSError):
        here = os.lstat(dest)
        if stat.S_ISREG(here.st_mode) and not os.path.samefile(cached, dest) and \
                here.st_size == os.stat(cached).st_size and dest.read_bytes() == cached.read_bytes():
            return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".tmp-{os.getpid()}-{dest.name}")
    tmp.unlink(missing_ok=True)
    try:
        shutil.copyfile(cached, tmp)
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return True


class MediaCache:
    """Paths and bookkeeping of one media cache folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.used: set[Path] = set()

    def derivative(self, key: str, extension: str) -> Path:
        path = self.root / "derivatives" / key[:2] / f"{key}.{extension}"
        self.used.add(path)
        return path

    def slide(self, key: str) -> Path:
        path = self.root / "slides" / key[:2] / f"{key}.jpg"
        self.used.add(path)
        return path

    def source_record(self, sha: str) -> Path:
        path = self.root / "sources" / sha[:2] / f"{sha}.json"
        self.used.add(path)
        return path

    def read_source(self, sha: str) -> dict[str, Any] | None:
        path = self.source_record(sha)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("cache_version") != CACHE_VERSION:
            return None
        return data

    def write_source(self, sha: str, record: dict[str, Any]) -> None:
        text = json.dumps({"cache_version": CACHE_VERSION, **record}, sort_keys=True)
        write_atomic(self.source_record(sha), text.encode("utf-8"))

    def prune(self, sections: Iterable[str]) -> int:
        """Delete entries of the given sections not used since this object was made; returns the count."""
        removed = 0
        for section in sections:
            folder = self.root / section
            if not folder.is_dir():
                continue
            for path in sorted(folder.rglob("*")):
                if path.is_file() and path not in self.used:
                    path.unlink()
                    removed += 1
            remove_empty_dirs(folder)
        return removed


def remove_empty_dirs(folder: Path) -> None:
    folders = sorted((p for p in folder.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True)
    for sub in folders:
        with contextlib.suppress(OSError):  # not empty
            sub.rmdir()
