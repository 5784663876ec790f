"""Target ``local``: the site in a folder (``deploy.path``, ``_site``), swapped in atomically.

Layout (``_site`` as the example)::

    _site -> _site.versions/20250218T023000123456Z     a symlink: the live site
    _site.versions/20250218T023000123456Z/             the live version
    _site.versions/20250211T010000000000Z/             the previous version (kept for a quick rollback)
    _site.versions/<id>.partial/                       a version being written (removed if a run died)

A deploy writes the new version into ``<id>.partial`` (unchanged files are hard links to the live
version, so only changed files are copied), renames it to ``<id>`` once complete, then points ``_site``
at it by renaming a new symlink over the old one: a single ``rename(2)``, so a reader (``warta serve``, a
web server) sees the old site or the new one, never a mix, and a run killed at any point leaves the old
site live. If ``_site`` is still a plain folder (written by an older warta or by hand), it is moved into
``_site.versions/`` first: only that first switch has a moment without ``_site``.

The new version is made out of the oldest one, the folder this deploy would prune (:func:`_recycle`):
renamed to ``<id>.partial``, it keeps only the files of unchanged pages that are the very files live now
(the same inode: the previous deploy linked them from there; a version shares most inodes with the one
before it), everything else in it is removed, and only what is missing is linked or copied in. At
10,000 releases this spares some 24,650 links and 24,650 unlinks and 14,000 folders made and removed
per deploy (2.5-3 s of system time on this disk).

An unchanged file is found by comparing the bytes of the staged file and its live copy, except where a
record of the last deploy (:class:`Deployed`, kept by ``warta publish``) says the pair is the one it
left: the staged file is the same inode with the same size and modification time (a build never writes
into an existing file: a page it reuses is a link to the previous build's, whose bytes it hashed), and
the live file has the same inode, size, modification time and status change time (which every write,
link and ``utime`` sets to the clock and no program can set back). The two held the same bytes when the
record was taken, so the live file is kept without reading either; anything else is compared as before.
The worst a stale record can do is keep a live file as it was deployed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.deploy.common import DeployResult, Progress, files_under, same_file, scan_site
from pipeline.errors import ChannelError
from pipeline.files import exclusive_lock
from pipeline.i18n import _

KEEP = 2  # the live version and the one before it


def versions_dir(live: Path) -> Path:
    return live.parent / f"{live.name}.versions"


def swap_prefix(live: Path) -> str:
    """The name every temporary link of a swap starts with (beside the live folder)."""
    return f".{live.name}.swap-"


def layout_names(path: str) -> tuple[set[str], str]:
    """The top-level names the local target writes for ``deploy.path`` (relative), and its swap prefix:
    the one description of the layout that publish and build use to keep out of it."""
    live = Path(path).as_posix().strip("/").split("/")[0]
    return {live, versions_dir(Path(live)).name}, swap_prefix(Path(live))


def new_version_id(now: dt.datetime | None = None) -> str:
    moment = now or dt.datetime.now(dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")


def live_version(live: Path) -> Path | None:
    """The folder the live site is served from (the symlink's target, or a plain folder), or None."""
    if live.is_symlink():
        target = live.resolve()
        return target if target.is_dir() else None
    if live.is_dir():
        return live
    return None


def _lock(folder: Path) -> contextlib.AbstractContextManager[None]:
    return exclusive_lock(folder / ".lock", lambda: ChannelError(
        _("deploy: another deploy to {parent} is running; try again when it ends", parent=folder.parent)))


@dataclass(frozen=True)
class Deployed:
    """The files a local deploy left live, each with the stats of its staged file and of its live copy
    taken just after the deploy (the two then held the same bytes): ``rows`` maps a relative path to
    (staged inode, size, mtime ns, live inode, size, mtime ns, ctime ns); ``staged_dev`` and
    ``live_dev`` are the two devices, ``version`` the live version's name."""

    version: str
    staged_dev: int
    live_dev: int
    rows: Mapping[str, Sequence[int]]

    def same(self, rel: str, staged: os.stat_result, live: os.stat_result) -> bool:
        """Whether the files of ``rel`` (their ``lstat``) are the pair recorded, unchanged."""
        row = self.rows.get(rel)
        if row is None or len(row) != 7:
            return False
        s, v = staged, live
        return (stat.S_ISREG(s.st_mode) and stat.S_ISREG(v.st_mode)
                and (s.st_dev, s.st_ino, s.st_size, s.st_mtime_ns) == (self.staged_dev, row[0], row[1], row[2])
                and (v.st_dev, v.st_ino, v.st_size, v.st_mtime_ns, v.st_ctime_ns)
                == (self.live_dev, row[3], row[4], row[5], row[6]))


def deployed_files(site_dir: Path, version: Path, files: Iterable[str],
                   live_stats: Mapping[str, os.stat_result] | None = None) -> Deployed | None:
    """The record of a deploy that left ``version`` live from ``site_dir`` (see :class:`Deployed`), taken
    after it (its links and its pruning set the live files' change times); regular files only.
    ``live_stats``: the ``lstat`` of the live version's files, taken after the deploy."""
    try:
        staged_dev, live_dev = os.stat(site_dir).st_dev, os.stat(version).st_dev
    except OSError:
        return None
    rows: dict[str, list[int]] = {}
    top, here = os.fspath(site_dir), os.fspath(version)
    for rel in files:
        try:
            s = os.lstat(os.path.join(top, rel))
            v = live_stats[rel] if live_stats is not None else os.lstat(os.path.join(here, rel))
        except (OSError, KeyError):
            continue
        if stat.S_ISREG(s.st_mode) and stat.S_ISREG(v.st_mode) and s.st_dev == staged_dev and v.st_dev == live_dev:
            rows[rel] = [s.st_ino, s.st_size, s.st_mtime_ns, v.st_ino, v.st_size, v.st_mtime_ns, v.st_ctime_ns]
    return Deployed(version.name, staged_dev, live_dev, rows)


def _place(source: str, target: str, link_from: str | None, made: set[str]) -> None:
    parent = os.path.dirname(target)
    if parent not in made:
        os.makedirs(parent, exist_ok=True)
        made.add(parent)
    if link_from is not None:
        try:
            os.link(link_from, target)
            return
        except OSError:
            pass  # another file system, or links not allowed: copy instead
    shutil.copy2(source, target)


def _spare(versions: Path, keep: str | None) -> Path | None:
    """The newest folder of ``versions`` this deploy would prune (a version older than ``keep``, the live
    one, or a ``.partial`` left by a run that died), to be made into the new version; the others are
    removed."""
    if keep is None or not versions.is_dir():
        return None
    found = sorted((p for p in versions.iterdir() if p.name != keep and not p.name.startswith(".")
                    and p.is_dir() and not p.is_symlink()), key=lambda p: (not p.name.endswith(".partial"), p.name))
    for extra in found[:-1]:
        shutil.rmtree(extra, ignore_errors=True)
    return found[-1] if found else None


def _recycle(into: str, files: Mapping[str, str], same: set[str],
             live: Mapping[str, os.stat_result]) -> tuple[set[str], set[str]]:
    """Make the folder ``into`` (an old version, renamed) hold only what the new version keeps of it: a
    file of an unchanged page that is the very file live now (the same inode: the previous deploy linked
    it from there), nothing else. Every other entry (changed, gone, a link, a folder where a file goes) is
    removed, as are folders no new file is in. Returns the files kept and the folders left (full paths),
    so that the new version is not linked again file by file: a version shares most of its inodes with
    the one before it, and making it anew cost two links' and two unlinks' worth of system time per file."""
    folders: list[str] = []
    entries = files_under(into, folders)
    kept: set[str] = set()
    for rel, st in entries.items():
        was = live.get(rel)
        if (rel in same and was is not None and stat.S_ISREG(st.st_mode)
                and (st.st_dev, st.st_ino) == (was.st_dev, was.st_ino)):
            kept.add(rel)
        else:
            os.unlink(os.path.join(into, rel))
    needed = {rel.rpartition("/")[0] for rel in files}
    for rel in list(needed):
        while "/" in rel:
            rel = rel.rpartition("/")[0]
            needed.add(rel)
    made = {into}
    for rel in sorted(folders, reverse=True):  # the deepest first
        full = os.path.join(into, rel)
        if rel in needed:
            made.add(full)
        else:
            shutil.rmtree(full)
    return kept, made


def deploy_local(site_dir: Path, live: Path, *, dry_run: bool = False,
                 progress: Progress | None = None, known: Deployed | None = None) -> DeployResult:
    """Make ``site_dir`` the site at ``live`` (see the module docstring for how). ``known``: the record of
    the last deploy, believed only for the live version it names."""
    scanned = scan_site(site_dir)
    files = {rel: path for rel, (path, _st) in scanned.items()}
    versions = versions_dir(live)
    site_real = site_dir.resolve()
    for protected in (live.resolve() if live.exists() else None, versions.resolve()):
        if protected is not None and (site_real == protected or protected in site_real.parents):
            raise ChannelError(_("deploy: the built site {site_dir} is inside the live folder {live}; build into another "
                                 "folder (the publish run stages in _site.staging/)",
                                 site_dir=site_dir, live=live))
    current = live_version(live)
    if known is not None and (current is None or current.name != known.version):
        known = None
    here = os.fspath(current) if current is not None else ""
    before = files_under(here) if current is not None else {}
    uploaded: list[str] = []
    unchanged: list[str] = []
    for rel, (path, staged) in scanned.items():
        was = before.get(rel)
        if was is None or not stat.S_ISREG(was.st_mode):
            uploaded.append(rel)
        elif known is not None and known.same(rel, staged, was):
            unchanged.append(rel)  # the pair the last deploy left, untouched since: the same bytes
        elif same_file(Path(path), Path(here, rel)):
            unchanged.append(rel)
        else:
            uploaded.append(rel)
    deleted = [rel for rel in before if rel not in files]
    location = str(live)
    plan = (tuple(uploaded), tuple(sorted(deleted)), tuple(unchanged))
    if dry_run:
        return DeployResult("local", location, *plan, True)
    if current is not None and live.is_symlink() and not uploaded and not deleted:
        return DeployResult("local", location, (), (), tuple(unchanged), False, current.name)

    with _lock(versions):
        version = new_version_id()
        partial = versions / f"{version}.partial"
        keep = current.name if current is not None and live.is_symlink() else None
        spare = _spare(versions, keep)
        same = set(unchanged)
        made: set[str] = set()
        into = os.fspath(partial)
        kept: set[str] = set()
        if spare is not None and current is not None:
            spare.rename(partial)  # a run that dies from here leaves a .partial: recycled or removed next time
            try:
                kept, made = _recycle(into, files, same, before)
            except OSError:  # something in it cannot be removed: start the version afresh beside it
                partial = versions / f"{version}-afresh.partial"
                into, kept, made, spare = os.fspath(partial), set(), set(), None
        if spare is None or current is None:
            partial.mkdir()
        for rel, path in files.items():
            if rel in kept:
                continue
            _place(path, os.path.join(into, rel), os.path.join(here, rel) if rel in same else None, made)
            if progress is not None and rel not in same:
                progress("upload", rel)
        final = versions / version
        partial.rename(final)

        swap = live.parent / f"{swap_prefix(live)}{os.getpid()}"
        swap.unlink(missing_ok=True)
        swap.symlink_to(Path(versions.name) / version, target_is_directory=True)
        previous = current.name if current is not None and live.is_symlink() else None
        if live.exists() and not live.is_symlink():
            if not live.is_dir():
                swap.unlink()
                raise ChannelError(_("deploy: {live} exists and is not a folder; move it away first", live=live))
            previous = f"{version}-before"
            live.rename(versions / previous)  # the one moment without a live folder: first switch only
        os.replace(swap, live)
        for gone in versions.iterdir():
            if gone.is_dir() and gone.name not in (version, previous) and not gone.name.startswith("."):
                shutil.rmtree(gone, ignore_errors=True)
    return DeployResult("local", location, *plan, False, version)
