"""The last site build of ``warta publish``, kept so that a run whose build would read exactly the same
inputs does not build again (``.warta-cache/publish/last-build.json``, :data:`LAST_BUILD_CACHE`), and a
run whose staged site is the one deployed last, onto a live version untouched since, does not deploy
again (``last-deploy.json``: the ``local`` target only).

A build reads only: the published tree (path -> blob id of every approved item file, every file it
references and every governed file at the trusted state: :func:`pipeline.publish.site.published_files`),
which items are built and how (forced, expired, an older published version), the archive register as
it will be live, the run's day in the site's time zone (the only clock a page shows), the output folder,
and warta's own code, theme and the libraries that render. Of the register every field counts except
the posting channels (:data:`UNREAD_FIELDS`), which no page shows. :func:`build_key` is the sha256 of all of
them (the code as the bytes of every file of the ``pipeline`` package and of the theme).

The record holds that key, the build's result, and a listing of the output folder as it was written
(every file's path, size, modification time and inode, and the folder's own inode). It is believed only
when its check digest matches its content (a truncated or edited record is ignored), its key equals the
key of this run, and the output folder still lists exactly as recorded (a page changed, added or removed
since, and the build runs again). The last deploy's record lists the live version with each file's
change time too, taken after the deploy: a live page edited in place, its modification time put back
or not, is deployed again (the staged folder's change times move when the previous staged tree is
deleted in the background, so its listing leaves them out; page reuse hashes the pages it takes).

Beside it, ``last-deploy-files.json`` (:data:`DEPLOY_FILES`) holds the per-file record of that deploy
(:class:`pipeline.deploy.local.Deployed`: each staged file's inode, size and mtime and its live copy's
inode, size, mtime and change time, taken after the deploy), so that a deploy that runs again compares
the bytes of only the pairs that changed since. It is believed, like the others, only when its check
digest matches and it names this staged folder, this live path and the version live now.

It says nothing about approvals: the plan is made afresh on every run,
and the key is over what the plan chose.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pipeline.archive.records import ArchiveRecord
from pipeline.cachedir import LAST_BUILD_CACHE, LAST_DEPLOY_CACHE, ensure_local_cache
from pipeline.codedigest import code_digest
from pipeline.config import DeploySection
from pipeline.deploy import DeployResult
from pipeline.deploy.local import Deployed, deployed_files, live_version
from pipeline.errors import Finding
from pipeline.files import write_atomic
from pipeline.media.build import Derivative, ImageSet
from pipeline.site.model import BuildResult

FORMAT = 1
DEPLOY_FILES = str(Path(LAST_DEPLOY_CACHE).with_name("last-deploy-files.json"))
# the fields of an archive record no page reads (tests/publish/test_publish_last_build.py builds with and
# without them)
UNREAD_FIELDS = frozenset({"channels"})


def build_key(files: Mapping[str, str], items: Iterable[tuple[str, bool, bool, bool]],
              records: Sequence[ArchiveRecord], today: str, output: Path) -> str:
    """The sha256 of everything a publish build reads (see the module docstring). ``items``: (path,
    forced, expired, an older published version) of each item built."""
    digest = hashlib.sha256(f"{code_digest()}\0{today}\0{output}\0".encode("utf-8", "surrogateescape"))
    for path, oid in sorted(files.items()):
        digest.update(f"f\0{path}\0{oid}\0".encode("utf-8", "surrogateescape"))
    for path, forced, expired, older in sorted(items):
        digest.update(f"i\0{path}\0{int(forced)}{int(expired)}{int(older)}\0".encode("utf-8", "surrogateescape"))
    for record in records:
        # every field but the posting channels, which no page shows (the record stage adds them after the
        # build: keyed, they would make the run after every new release build again)
        digest.update(b"r\0" + record.model_dump_json(exclude=set(UNREAD_FIELDS)).encode("utf-8", "surrogateescape") + b"\0")
    return digest.hexdigest()


def listing(output: Path, *, changes: bool = False, stats: dict[str, os.stat_result] | None = None) -> str | None:
    """A digest of the output folder as it stands: every file's path, size, modification time and
    inode, and the folder's inode (None when it is not there). ``changes``: each file's status change
    time too (``st_ctime_ns``), which every write, ``utime``, link and unlink sets to the clock and no
    program can set back: a file edited in place with its size and modification time put back lists
    otherwise the same. ``stats``: filled with each file's ``lstat`` by relative path."""
    try:
        top = os.stat(output)
    except OSError:
        return None
    rows: list[str] = []
    stack = [(os.fspath(output), "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    rel = prefix + entry.name
                    if entry.is_dir(follow_symlinks=False):
                        rows.append(f"d {rel}")
                        stack.append((entry.path, rel + "/"))
                        continue
                    st = entry.stat(follow_symlinks=False)
                    if stats is not None:
                        stats[rel] = st
                    row = f"{'l' if entry.is_symlink() else 'f'} {rel} {st.st_size} {st.st_mtime_ns} {st.st_ino}"
                    rows.append(f"{row} {st.st_ctime_ns}" if changes else row)
        except OSError:
            return None
    rows.sort()
    rows.insert(0, f"{top.st_dev}:{top.st_ino}")
    return hashlib.sha256("\n".join(rows).encode("utf-8", "surrogateescape")).hexdigest()


class Listings:
    """The listings of one run (the staged site is listed once for the build and the deploy); a folder
    whose own inode changed (a build swapped a new one in) is listed again."""

    def __init__(self) -> None:
        self._known: dict[str, tuple[int, int, str | None]] = {}

    def of(self, folder: Path) -> str | None:
        try:
            top = os.stat(folder)
        except OSError:
            return None
        known = self._known.get(str(folder))
        if known is not None and known[:2] == (top.st_dev, top.st_ino):
            return known[2]
        found = listing(folder)
        self._known[str(folder)] = (top.st_dev, top.st_ino, found)
        return found

    def forget(self, folder: Path) -> None:
        self._known.pop(str(folder), None)


def _finding(raw: Mapping[str, Any]) -> Finding:
    return Finding(str(raw["path"]), raw["line"], str(raw["message"]), raw["field"], raw["severity"], raw["code"])


def _finding_json(f: Finding) -> dict[str, Any]:
    return {"path": f.path, "line": f.line, "message": f.message, "field": f.field, "severity": f.severity,
            "code": f.code}


def _image_json(images: Mapping[str, Any]) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    for source, found in images.items():
        if not isinstance(found, ImageSet):
            return None  # not something this record knows how to keep: build again next time
        out[source] = {"display_path": found.display_path, "sha256": found.sha256, "width": found.width,
                       "height": found.height,
                       "derivatives": [[d.preset, d.format, d.width, d.height, d.url_path] for d in found.derivatives]}
    return out


def _images(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {source: ImageSet(str(v["display_path"]), str(v["sha256"]), int(v["width"]), int(v["height"]),
                             tuple(Derivative(str(p), str(f), int(w), int(h), str(u)) for p, f, w, h, u in v["derivatives"]))
            for source, v in raw.items()}


def _check(body: str, what: str = "build") -> str:
    return hashlib.sha256(f"warta-last-{what}\0{body}".encode("utf-8", "surrogatepass")).hexdigest()


def _read(file: Path, what: str) -> dict[str, Any] | None:
    """A record's body when its check digest matches (else None: missing, truncated or edited)."""
    try:
        document = json.loads(file.read_bytes())
        body, check = document["body"], document["check"]
        if not isinstance(body, str) or check != _check(body, what):
            return None
        data = json.loads(body)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return data if isinstance(data, dict) and data.get("format") == FORMAT else None


def _write(file: Path, what: str, data: dict[str, Any]) -> None:
    body = json.dumps({"format": FORMAT, **data}, ensure_ascii=False, separators=(",", ":"))
    with contextlib.suppress(OSError):  # a record that cannot be written only costs the work next time
        write_atomic(file, json.dumps({"body": body, "check": _check(body, what)}, ensure_ascii=False))


def reuse(root: Path, key: str, output: Path, listings: Listings) -> BuildResult | None:
    """The result of the last build when it read exactly ``key``'s inputs and ``output`` is untouched since."""
    data = _read(ensure_local_cache(root) / LAST_BUILD_CACHE, "build")
    try:
        if data is None or data.get("key") != key or data.get("output") != str(output):
            return None
        if data.get("listing") is None or listings.of(output) != data["listing"]:
            return None
        r = data["result"]
        return BuildResult(output=output, pages=[str(p) for p in r["pages"]], files=int(r["files"]),
                           published=[str(p) for p in r["published"]], left_out=[str(p) for p in r["left_out"]],
                           seconds=0.0, findings=[_finding(f) for f in r["findings"]],
                           drafts=[str(p) for p in r["drafts"]], register_pages=int(r["register_pages"]),
                           reused=len(r["pages"]), images=_images(r["images"]), kept=True)
    except (ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None  # of another shape: build


def remember(root: Path, key: str, output: Path, built: BuildResult, listings: Listings) -> None:
    """Keep ``built`` as the last build for ``key`` (nothing when it cannot be kept whole)."""
    images = _image_json(built.images)
    listings.forget(output)
    found = listings.of(output)
    if images is None or found is None:
        forget(root)
        return
    result = {"pages": built.pages, "files": built.files, "published": built.published, "left_out": built.left_out,
              "findings": [_finding_json(f) for f in built.findings], "drafts": built.drafts,
              "register_pages": built.register_pages, "images": images}
    _write(ensure_local_cache(root) / LAST_BUILD_CACHE, "build",
           {"key": key, "output": str(output), "listing": found, "result": result})


def _live(target: DeploySection, root: Path) -> Path:
    live = Path(target.path)
    return live if live.is_absolute() else root / live


def deployed_already(root: Path, site_dir: Path, target: DeploySection, listings: Listings) -> DeployResult | None:
    """For the ``local`` target: the last deploy's result when it deployed ``site_dir`` as it lists now and
    the live version it left still lists as it did then (a deploy would then change nothing)."""
    if target.target != "local":
        return None  # a remote target's state is only known by asking it: the deploy does
    data = _read(ensure_local_cache(root) / LAST_DEPLOY_CACHE, "deploy")
    live = _live(target, root)
    if data is None or data.get("site") != str(site_dir) or data.get("live") != str(live):
        return None
    current = live_version(live)
    if current is None or not live.is_symlink() or current.name != data.get("version"):
        return None
    # the live version with its change times (listed after the deploy, whose links set them): nothing
    # else writes there, so a page edited in place since is seen, its mtime put back or not
    if listings.of(site_dir) != data.get("site_listing") or listing(current, changes=True) != data.get("version_listing"):
        return None
    files = data.get("files")
    if not isinstance(files, list):
        return None
    return DeployResult("local", str(live), (), (), tuple(str(f) for f in files), False, current.name)


def deployed_record(root: Path, site_dir: Path, target: DeploySection) -> Deployed | None:
    """The per-file record of the last local deploy of ``site_dir`` (see the module docstring), or None."""
    if target.target != "local":
        return None
    try:
        check, _sep, body = (ensure_local_cache(root) / DEPLOY_FILES).read_text(encoding="ascii").partition("\n")
        if check != _check(body, "deploy-files"):
            return None  # truncated or edited: every pair is compared
        data = json.loads(body)
        if (not isinstance(data, dict) or data.get("format") != FORMAT or data.get("site") != str(site_dir)
                or data.get("live") != str(_live(target, root))):
            return None
        rows = data["rows"]
        if not isinstance(rows, dict):
            return None
        return Deployed(str(data["version"]), int(data["staged_dev"]), int(data["live_dev"]), rows)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remember_deploy(root: Path, site_dir: Path, target: DeploySection, result: DeployResult,
                    listings: Listings) -> None:
    """Keep what a local deploy left live (see :func:`deployed_already` and :func:`deployed_record`)."""
    live = _live(target, root)
    current = live_version(live) if target.target == "local" and not result.dry_run else None
    if current is None or current.name != result.version:
        forget_deploy(root)
        return
    files = sorted({*result.uploaded, *result.unchanged})
    stats: dict[str, os.stat_result] = {}
    _write(ensure_local_cache(root) / LAST_DEPLOY_CACHE, "deploy",
           {"site": str(site_dir), "live": str(live), "version": current.name, "site_listing": listings.of(site_dir),
            "version_listing": listing(current, changes=True, stats=stats), "files": files})
    record = deployed_files(site_dir, current, files, stats)
    if record is None:
        return
    body = json.dumps({"format": FORMAT, "site": str(site_dir), "live": str(live), "version": record.version,
                       "staged_dev": record.staged_dev, "live_dev": record.live_dev, "rows": record.rows},
                      separators=(",", ":"))  # ASCII: a file name that is not UTF-8 is written escaped
    with contextlib.suppress(OSError):  # a record that cannot be written only costs the comparisons next time
        write_atomic(ensure_local_cache(root) / DEPLOY_FILES, f"{_check(body, 'deploy-files')}\n{body}")


def forget(root: Path) -> None:
    """No last build (before a build starts: a run that dies in it leaves no record to believe)."""
    with contextlib.suppress(OSError):
        (ensure_local_cache(root) / LAST_BUILD_CACHE).unlink(missing_ok=True)
    forget_deploy(root)


def forget_deploy(root: Path) -> None:
    """No record of the last deploy."""
    for name in (LAST_DEPLOY_CACHE, DEPLOY_FILES):
        with contextlib.suppress(OSError):
            (ensure_local_cache(root) / name).unlink(missing_ok=True)
