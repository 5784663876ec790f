"""``ensure_local_cache``: the cache folder is the machine's own, never one the repository supplies, and a
supplied one never stops a command (it is ignored, with a warning naming it)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pipeline import cachedir, output
from pipeline.cachedir import CACHE_DIRNAME, SCRATCH_DIRNAME, ensure_local_cache
from pipeline.cli import main

PROJECT = Path(__file__).resolve().parent.parent
PIPELINE = PROJECT / "pipeline"


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=x", "-c", "user.email=x@x", "-C", str(root), *args],
                          check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "situs"
    root.mkdir()
    _git(root, "init", "-q")
    (root / "warta.yml").write_text("site: {}\n", encoding="utf-8")
    _git(root, "add", "warta.yml")
    _git(root, "commit", "-q", "-m", "awal")
    output.reset_warnings()
    return root


def test_the_work_trees_own_folder_is_used_without_a_word(repo: Path) -> None:
    (repo / CACHE_DIRNAME / "site").mkdir(parents=True)
    (repo / CACHE_DIRNAME / "site" / "render.sqlite").write_bytes(b"lokal")
    assert ensure_local_cache(repo) == repo / CACHE_DIRNAME
    assert output.warnings() == []


def test_a_committed_folder_is_ignored_for_one_in_the_git_directory_with_a_warning_naming_it(repo: Path) -> None:
    (repo / CACHE_DIRNAME / "signatures").mkdir(parents=True)
    (repo / CACHE_DIRNAME / "signatures" / "verdicts.json").write_text("{}", encoding="utf-8")
    (repo / CACHE_DIRNAME / "media").mkdir()
    (repo / CACHE_DIRNAME / "media" / "a.webp").write_bytes(b"x")
    _git(repo, "add", "-f", CACHE_DIRNAME)
    _git(repo, "commit", "-q", "-m", "cache")
    folder = ensure_local_cache(repo)
    assert folder == repo / ".git" / SCRATCH_DIRNAME and folder.is_dir()
    (warning,) = output.warnings()
    assert f"{repo / CACHE_DIRNAME} is committed to the repository (.warta-cache/media/a.webp and 1 more)" in warning
    assert "ignores it" in warning and str(folder) in warning and "git rm -r --cached .warta-cache" in warning
    assert ensure_local_cache(repo) == folder and len(output.warnings()) == 1  # said once


def test_a_folder_committed_after_it_was_accepted_is_ignored_from_then_on(repo: Path) -> None:
    (repo / CACHE_DIRNAME).mkdir()
    assert ensure_local_cache(repo) == repo / CACHE_DIRNAME
    (repo / CACHE_DIRNAME / "status").mkdir()
    (repo / CACHE_DIRNAME / "status" / "plain").write_bytes(b"\0" * 20)
    _git(repo, "add", "-f", CACHE_DIRNAME)
    assert ensure_local_cache(repo) == repo / ".git" / SCRATCH_DIRNAME


def test_a_link_is_never_followed_and_its_target_never_written(repo: Path, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.mkdir()
    (repo / CACHE_DIRNAME).symlink_to(target)
    folder = ensure_local_cache(repo)
    assert folder == repo / ".git" / SCRATCH_DIRNAME
    assert list(target.iterdir()) == []
    assert "is a symbolic link" in output.warnings()[0] and str(target) in output.warnings()[0]


def test_a_file_in_place_of_the_folder_is_ignored(repo: Path) -> None:
    (repo / CACHE_DIRNAME).write_text("bukan folder", encoding="utf-8")
    assert ensure_local_cache(repo) == repo / ".git" / SCRATCH_DIRNAME
    assert "is not a folder" in output.warnings()[0]
    assert (repo / CACHE_DIRNAME).read_text(encoding="utf-8") == "bukan folder"


def test_a_cache_in_the_revision_being_judged_is_ignored(repo: Path) -> None:
    folder = ensure_local_cache(repo, shipped=".warta-cache/signatures/verdicts.json")
    assert folder == repo / ".git" / SCRATCH_DIRNAME
    assert "committed in the revision being judged (.warta-cache/signatures/verdicts.json)" in output.warnings()[0]


def test_a_worktree_of_the_clone_gets_a_folder_of_its_own_in_its_git_directory(repo: Path, tmp_path: Path) -> None:
    other = tmp_path / "lain"
    _git(repo, "worktree", "add", "-q", str(other))
    (other / CACHE_DIRNAME).symlink_to(tmp_path)
    folder = ensure_local_cache(other)
    assert folder.name == SCRATCH_DIRNAME and folder.parent.parent == repo / ".git" / "worktrees"


def test_outside_a_repository_a_link_gives_one_empty_temporary_folder_for_the_run(tmp_path: Path) -> None:
    root = tmp_path / "bukan-repo"
    root.mkdir()
    (root / CACHE_DIRNAME).symlink_to(tmp_path)
    output.reset_warnings()
    folder = ensure_local_cache(root)
    assert folder.is_dir() and list(folder.iterdir()) == [] and not folder.is_relative_to(tmp_path)
    assert ensure_local_cache(root) == folder
    assert output.warnings()


def test_with_warnings_puts_the_run_warnings_in_front_of_a_documents_own() -> None:
    output.reset_warnings()
    assert output.with_warnings({"warnings": ["w"]}) == {"warnings": ["w"]}
    output.warn("cache diabaikan")
    assert output.with_warnings({"items": []}) == {"items": [], "warnings": ["cache diabaikan"]}
    assert output.with_warnings({"warnings": ["w"]}) == {"warnings": ["cache diabaikan", "w"]}
    assert output.with_warnings({"warnings": 2}) == {"warnings": 2, "run_warnings": ["cache diabaikan"]}
    output.reset_warnings()


def test_every_cache_path_is_relative_to_the_folder_ensure_local_cache_returns() -> None:
    """No path constant names ``.warta-cache`` itself, and no module joins ``.warta-cache`` to a root:
    a cache path built beside ``ensure_local_cache`` would read a committed folder."""
    constants = {name: value for name, value in vars(cachedir).items() if name.isupper() and isinstance(value, str)}
    assert all(not v.startswith(CACHE_DIRNAME) for n, v in constants.items() if n != "CACHE_DIRNAME"), constants
    # (whether the folder is there at all may be asked; governed.py's pattern names it)
    joined = re.compile(r"/ CACHE_DIRNAME\b(?!\)\.exists\(\))|/ \"\.warta-cache\"|\"\.warta-cache/(?!\*\*)")
    found = [f"{p.relative_to(PIPELINE)}:{n}" for p in sorted(PIPELINE.rglob("*.py")) if p.name != "cachedir.py"
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if joined.search(line.split("#")[0]) and '"""' not in line and "``" not in line]
    assert found == []


def test_warta_check_json_keeps_its_count_of_warnings_and_carries_the_run_warning(repo: Path) -> None:
    """``check --json``'s ``warnings`` is a count (docs/content.md): the run's warning goes beside it."""
    root = repo.parent / "contoh"
    shutil.copytree(repo, root)
    for part in ("warta.yml", "sop", "content"):
        source = PROJECT / part
        (shutil.copytree if source.is_dir() else shutil.copy)(source, root / part)
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "situs")
    (root / CACHE_DIRNAME).write_text("bukan folder", encoding="utf-8")
    out = io.StringIO()
    cwd = os.getcwd()
    try:
        os.chdir(root)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            code = main(["check", "--json"])
    finally:
        os.chdir(cwd)
    doc = json.loads(out.getvalue())
    assert code == 0 and doc["error"] is None, doc
    assert isinstance(doc["warnings"], int)
    assert any("is not a folder" in w and "ignores it" in w for w in doc["run_warnings"]), doc
