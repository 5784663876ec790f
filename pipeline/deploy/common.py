"""What every deploy target shares: the result type, the site's file list, hashing and upload order."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from pipeline.errors import ChannelError
from pipeline.i18n import _

Progress = Callable[[str, str], None]
"""Called as ``progress(action, path)`` with action ``upload`` or ``delete`` after each file."""

_CHUNK = 1 << 20


@dataclass(frozen=True)
class DeployResult:
    """What a deploy did (or, with ``dry_run``, would do), as repo-style relative paths.

    ``uploaded``: new or changed files copied to the target; ``deleted``: files the target had that the
    site no longer has; ``unchanged``: files left as they were.
    """

    target: str
    location: str
    uploaded: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    dry_run: bool = False
    version: str | None = field(default=None, compare=False)

    @property
    def changed(self) -> bool:
        return bool(self.uploaded or self.deleted)

    def summary(self) -> str:
        verb = "would upload" if self.dry_run else "uploaded"
        gone = "would delete" if self.dry_run else "deleted"
        return (f"{self.target} {self.location}: {verb} {len(self.uploaded)}, {gone} {len(self.deleted)}, "
                f"unchanged {len(self.unchanged)}")


def site_files(site_dir: Path) -> dict[str, Path]:
    """Every file of the built site by relative POSIX path, sorted.

    Refuses a folder that is missing, has no ``index.html`` (deploying the wrong folder would delete
    the live site), or holds a link leading outside it.
    """
    return {rel: Path(full) for rel, (full, _st) in scan_site(site_dir).items()}


def scan_site(site_dir: Path) -> dict[str, tuple[str, os.stat_result]]:
    """:func:`site_files` with each file's path as a string and its ``lstat`` (one walk by ``scandir``)."""
    if not site_dir.is_dir():
        raise ChannelError(_("deploy: {site_dir} is not a folder; build the site first", site_dir=site_dir))
    if not (site_dir / "index.html").is_file():
        raise ChannelError(_("deploy: {site_dir} has no index.html; is it the built site? Refusing to deploy a folder "
                             "that would replace the live site with something else",
                             site_dir=site_dir))
    base = site_dir.resolve()
    found: dict[str, tuple[str, os.stat_result]] = {}
    stack = [(os.fspath(site_dir), "")]
    while stack:
        folder, prefix = stack.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append((entry.path, prefix + entry.name + "/"))
                    continue
                if entry.is_symlink():
                    real = Path(entry.path).resolve()
                    if real.is_dir():
                        raise ChannelError(_("deploy: {sub} is a linked folder; the built site must be plain files",
                                             sub=Path(entry.path)))
                    if not real.is_relative_to(base) or not real.is_file():
                        raise ChannelError(_("deploy: {path} is a link to something outside the site; refusing",
                                             path=Path(entry.path)))
                found[prefix + entry.name] = (entry.path, entry.stat(follow_symlinks=False))
    return dict(sorted(found.items()))


def files_under(top: str, folders: list[str] | None = None) -> dict[str, os.stat_result]:
    """The ``lstat`` of every entry that is not a folder under ``top``, by relative POSIX path; the
    folders' relative paths are added to ``folders`` when it is given."""
    found: dict[str, os.stat_result] = {}
    stack = [(top, "")]
    while stack:
        folder, prefix = stack.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if folders is not None:
                        folders.append(prefix + entry.name)
                    stack.append((entry.path, prefix + entry.name + "/"))
                else:
                    found[prefix + entry.name] = entry.stat(follow_symlinks=False)
    return found


def file_digest(path: Path, algorithm: str = "sha256") -> str:
    h = hashlib.new(algorithm)
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def same_file(a: Path, b: Path) -> bool:
    """Same bytes (one file hard-linked twice; else size first, then sha256)."""
    try:
        sa, sb = a.stat(), b.stat()
    except OSError:
        return False
    if (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino):
        return True  # the same file (a hard link): the same bytes
    if sa.st_size != sb.st_size:
        return False
    with a.open("rb") as one, b.open("rb") as other:  # the bytes compared (no digest of either)
        while True:
            chunk = one.read(_CHUNK)
            if chunk != other.read(_CHUNK):
                return False
            if not chunk:
                return True


def upload_order(paths: Iterable[str]) -> list[str]:
    """Assets first, then pages deepest first, then feeds, sitemaps and the home page last.

    A target that is updated file by file (a bucket) never shows a page that links to something not
    uploaded yet, and the lists and feeds that announce new pages change after the pages exist.
    """

    def rank(path: str) -> tuple[int, int, str]:
        pure = PurePosixPath(path)
        suffix = pure.suffix.lower()
        depth = len(pure.parts)
        if suffix in (".xml", ".rss", ".atom", ".json", ".txt") and depth <= 2:
            return (3, 0, path)
        if path == "index.html":
            return (4, 0, path)
        if suffix in (".html", ".htm"):
            return (2, -depth, path)
        return (1, 0, path)

    return sorted(paths, key=rank)
