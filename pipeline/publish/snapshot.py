"""Stage 1 of ``warta publish``: the snapshot, the closed world the run reads everything from.

The run never reads the working tree (DESIGN section 4, rule 11). It reads:

- main's tip as git objects (:class:`~pipeline.tree.GitTree`): items, the files they reference, the
  archive register;
- the approval report over main's history (:func:`pipeline.approvals.service.evaluate_repository`);
- the governed files at the last *trusted* governance state (the last state whose changes were approved
  under rule 8), never at main's tip: an unapproved change to ``warta.yml``, an SOP, the classification
  tables or the theme does not take effect.

:func:`materialize` copies chosen blobs into a private folder under ``.warta-cache/publish/`` with
``git cat-file --batch`` (no checkout: no ``.gitattributes`` conversion, no submodules, no untracked or
ignored files, no symbolic links), incrementally: a file whose blob id did not change is not written
again, and a file that is no longer chosen is deleted. The stages after this one read only such
folders, so every byte they publish derives from an approved blob or a governed file.
"""

from __future__ import annotations

import json
import os
import posixpath
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.approvals.service import Report, evaluate_repository
from pipeline.archive import trust
from pipeline.archive.records import StoredRecord
from pipeline.cachedir import ensure_local_cache
from pipeline.config import SiteConfig
from pipeline.content import is_item_path
from pipeline.errors import ContentError, Finding
from pipeline.files import write_atomic
from pipeline.git import Git
from pipeline.i18n import _
from pipeline.tree import GitTree

MANIFEST = ".warta-manifest.json"
READ_BATCH_BYTES = 64 * 1024 * 1024


@dataclass
class Snapshot:
    """What one run knows, read once: main, its tree, the approvals, the trusted governance, the register."""

    root: Path
    git: Git
    main: str
    main_sha: str
    tree: GitTree
    report: Report
    governed: dict[str, str]  # path -> blob id of every governed file at the last trusted state
    register: list[StoredRecord]
    register_findings: list[Finding] = field(default_factory=list)

    @property
    def config(self) -> SiteConfig:
        return self.report.config

    def item_paths(self) -> list[str]:
        return [p for p in self.tree.paths("content/") if is_item_path(p)]


def take_snapshot(root: Path, git: Git) -> Snapshot:
    """Read main once (see the module docstring). The register is read from main's git objects."""
    head = git.head()
    assert head is not None  # the preflight refused a repository without commits
    tree = GitTree(git, head, label=f"main at {head[:12]}")
    report = evaluate_repository(root, all_items=True, fetch_decisions=True)
    # the register: only the publishing identity's signed commits count (rule 12), judged by trusted people
    run = trust.begin_publish(git, report.people, cache_root=ensure_local_cache(root),
                              branch=report.config.archive.register_branch)
    stored, findings = run.register.records, run.register.findings
    if any(f.severity == "error" for f in findings):
        raise ContentError(_("the archive register under arsip/ is damaged; fix it first"),
                           [f for f in findings if f.severity == "error"])
    governed = dict(report.state.blobs)
    return Snapshot(root, git, report.main, report.main_sha, tree, report, governed, stored, findings)


def safe_path(path: str) -> bool:
    """A repository path that stays inside the folder it is written to, and is UTF-8 text."""
    if not path or path.startswith("/") or "\\" in path or "\0" in path:
        return False
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:  # git names that are not UTF-8 (read with surrogateescape)
        return False
    norm = posixpath.normpath(path)
    return norm == path and not norm.startswith("../") and norm != ".." and ".git" not in norm.split("/")


def materialize(git: Git, files: Mapping[str, str], folder: Path) -> Path:
    """Make ``folder`` hold exactly ``files`` (path -> blob id), writing only what changed. Returns it.

    Paths that could leave the folder are refused; everything is written as a regular file (mode 0644)
    from the object store. A manifest records the blob id of every file, so a run with nothing new writes
    nothing but the manifest check.
    """
    bad = [p for p in files if not safe_path(p)]
    if bad:
        raise ContentError(_("refusing to copy {bad!r} into the publish snapshot: not a plain repository path", bad=bad[0]))
    folder.mkdir(parents=True, exist_ok=True)
    manifest_file = folder / MANIFEST
    try:
        known: dict[str, str] = json.loads(manifest_file.read_text(encoding="utf-8"))
        if not isinstance(known, dict):
            known = {}
    except (OSError, ValueError):
        known = {}
        for child in folder.iterdir():  # no manifest: an unknown folder, start it afresh
            shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
    gone = sorted(set(known) - set(files))
    for path in gone:
        target = folder / path
        if target.is_file() or target.is_symlink():
            target.unlink()
        known.pop(path, None)
    base = os.fspath(folder) + os.sep
    todo = {p: o for p, o in files.items() if known.get(p) != o or not os.path.isfile(base + p)}
    if not todo and not gone and known == files:
        return folder  # exactly as the manifest says: nothing to write, prune or record
    sizes = git.object_sizes(set(todo.values())) if todo else {}
    batch: list[str] = []
    weight = 0
    pending = sorted(todo)
    for n, path in enumerate(pending):
        batch.append(path)
        weight += sizes.get(todo[path], 0)
        if weight < READ_BATCH_BYTES and n + 1 < len(pending):
            continue
        blobs = git.read_blobs({todo[p] for p in batch})
        for done in batch:
            data = blobs.get(todo[done])
            if data is None:
                raise ContentError(_("{done}: blob {value} is missing from the repository", done=done,
                                     value=todo[done][:12]))
            _write(folder, done, data)
            known[done] = todo[done]
        batch, weight = [], 0
    _prune_empty(folder)
    write_atomic(manifest_file, json.dumps(known, sort_keys=True))
    return folder


def _write(folder: Path, path: str, data: bytes) -> None:
    target = folder / path
    parent = target.parent
    # a folder on the way must be a real folder of ours: never write through a link
    step = folder
    for part in Path(path).parent.parts:
        step = step / part
        if step.is_symlink() or (step.exists() and not step.is_dir()):
            step.unlink()
    parent.mkdir(parents=True, exist_ok=True)
    if target.is_symlink() or target.is_dir():
        shutil.rmtree(target) if target.is_dir() and not target.is_symlink() else target.unlink()
    write_atomic(target, data)


def _prune_empty(folder: Path) -> None:
    for dirpath, _dirnames, _filenames in os.walk(folder, topdown=False):
        if Path(dirpath) != folder and not os.listdir(dirpath):
            os.rmdir(dirpath)


def folder_files(folder: Path) -> dict[str, str]:
    """The manifest of a materialized folder (path -> blob id)."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return dict(data) if isinstance(data, dict) else {}
