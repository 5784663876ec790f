"""The publish snapshot's folders (pipeline/publish/snapshot.py ``materialize``): exactly the chosen blobs,
written only when they changed; a deleted, a no longer chosen and a changed file are each put right, and
a folder whose manifest is gone or damaged starts afresh."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pipeline.errors import ContentError
from pipeline.git import Git
from pipeline.publish.snapshot import MANIFEST, materialize


def _blob(root: Path, data: bytes) -> str:
    return subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=root, input=data, capture_output=True,
                          check=True).stdout.decode().strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    return root


def _state(folder: Path) -> dict[str, tuple[bytes, int, int]]:
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_ino, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MANIFEST}


def test_an_unchanged_folder_is_not_written_again_and_every_change_is_put_right(repo: Path, tmp_path: Path) -> None:
    git = Git(repo)
    files = {"content/a.md": _blob(repo, b"a\n"), "content/sub/b.md": _blob(repo, b"b\n"), "warta.yml": _blob(repo, b"w\n")}
    folder = tmp_path / "tree"
    materialize(git, files, folder)
    first = _state(folder)
    assert {k: v[0] for k, v in first.items()} == {"content/a.md": b"a\n", "content/sub/b.md": b"b\n", "warta.yml": b"w\n"}
    manifest = (folder / MANIFEST).stat()
    materialize(git, files, folder)
    assert _state(folder) == first  # not one file written again
    assert (folder / MANIFEST).stat().st_mtime_ns == manifest.st_mtime_ns
    (folder / "content/a.md").unlink()  # deleted from the folder: written again
    materialize(git, files, folder)
    assert (folder / "content/a.md").read_bytes() == b"a\n"
    changed = {**files, "content/a.md": _blob(repo, b"a2\n")}
    del changed["content/sub/b.md"]  # no longer chosen: removed, with its empty folder
    materialize(git, changed, folder)
    assert {k: v[0] for k, v in _state(folder).items()} == {"content/a.md": b"a2\n", "warta.yml": b"w\n"}
    assert not (folder / "content/sub").exists()
    assert _state(folder)["warta.yml"] == first["warta.yml"]


@pytest.mark.parametrize("damage", ["missing", "garbage"])
def test_a_folder_without_a_readable_manifest_starts_afresh(repo: Path, tmp_path: Path, damage: str) -> None:
    git = Git(repo)
    files = {"content/a.md": _blob(repo, b"a\n")}
    folder = tmp_path / "tree"
    materialize(git, files, folder)
    (folder / "stray.txt").write_text("not chosen\n")
    (folder / "content/a.md").write_bytes(b"edited\n")
    if damage == "missing":
        (folder / MANIFEST).unlink()
    else:
        (folder / MANIFEST).write_text("{not json")
    materialize(git, files, folder)
    assert {k: v[0] for k, v in _state(folder).items()} == {"content/a.md": b"a\n"}


def test_a_path_that_could_leave_the_folder_is_refused(repo: Path, tmp_path: Path) -> None:
    oid = _blob(repo, b"x\n")
    for bad in ("../x", "/etc/x", "a/../../x", ".git/config"):
        with pytest.raises(ContentError):
            materialize(Git(repo), {bad: oid}, tmp_path / "tree")
    assert not (tmp_path / "x").exists() and not list((tmp_path / "tree").rglob("x"))
