"""The working tree as warta reads it (pipeline/tree.py WorkTree): a symbolic link is a link, whatever it
points to, and reads as nothing, like in git; so does a file under a linked folder, a folder, a FIFO and
a missing path. And ``warta check PATH``'s path resolution (pipeline/check.py resolve_paths)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.check import resolve_paths
from pipeline.errors import UsageError
from pipeline.tree import WorkTree, linked_parent


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "content/siaran-pers/2025").mkdir(parents=True)
    (tmp_path / "content/siaran-pers/2025/a.md").write_bytes(b"---\ntitle: A\n---\n")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside/secret.md").write_bytes(b"secret")
    os.symlink(tmp_path / "outside/secret.md", tmp_path / "content/siaran-pers/2025/link.md")
    os.symlink(tmp_path / "outside", tmp_path / "content/linked")
    os.symlink(tmp_path / "nowhere", tmp_path / "content/dangling.md")
    os.mkfifo(tmp_path / "content/fifo.md")
    return tmp_path


def test_entries_name_what_is_there_without_following_links(tree: Path) -> None:
    work = WorkTree(tree)
    kinds = {p: (e.kind if (e := work.entry(p)) is not None else None) for p in (
        "content/siaran-pers/2025/a.md", "content/siaran-pers/2025/link.md", "content/linked", "content/dangling.md",
        "content/siaran-pers", "content/fifo.md", "content/missing.md", "content/linked/secret.md", "bad\0name")}
    assert kinds == {"content/siaran-pers/2025/a.md": "file", "content/siaran-pers/2025/link.md": "link",
                     "content/linked": "link", "content/dangling.md": "link", "content/siaran-pers": "folder",
                     "content/fifo.md": None, "content/missing.md": None, "content/linked/secret.md": "file",
                     "bad\0name": None}


def test_only_plain_files_outside_linked_folders_are_read(tree: Path) -> None:
    work = WorkTree(tree)
    assert work.read("content/siaran-pers/2025/a.md") == b"---\ntitle: A\n---\n"
    for path in ("content/siaran-pers/2025/link.md", "content/linked/secret.md", "content/dangling.md",
                 "content/siaran-pers", "content/fifo.md", "content/missing.md"):
        assert work.read(path) is None, path
    assert linked_parent(work, "content/linked/secret.md") == "content/linked"
    assert work.read_many(["content/siaran-pers/2025/a.md", "content/linked/secret.md"]) == {
        "content/siaran-pers/2025/a.md": b"---\ntitle: A\n---\n"}


def test_check_paths_resolve_relative_absolute_folders_and_refuse_outside(tree: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    (tree / "content/siaran-pers/2025/b.md").write_bytes(b"---\ntitle: B\n---\n")
    monkeypatch.chdir(tree / "content")
    assert resolve_paths(tree, []) is None
    assert resolve_paths(tree, ["siaran-pers/2025/a.md"]) == ["content/siaran-pers/2025/a.md"]
    assert resolve_paths(tree, [str(tree / "content/siaran-pers/2025/b.md"), "siaran-pers/2025/b.md"]) == [
        "content/siaran-pers/2025/b.md"]
    # a folder: every content file in it, a link too (warta check then reports it as a link)
    assert resolve_paths(tree, ["siaran-pers"]) == ["content/siaran-pers/2025/a.md", "content/siaran-pers/2025/b.md",
                                                    "content/siaran-pers/2025/link.md"]
    everything = resolve_paths(tree, [str(tree)])
    assert everything is not None and "content/siaran-pers/2025/a.md" in everything
    with pytest.raises(UsageError, match="no such file"):
        resolve_paths(tree, ["siaran-pers/2025/none.md"])
    with pytest.raises(UsageError, match="not inside"):
        resolve_paths(tree, [str(tree.parent)])
    # a link is followed to where it leads: here out of content/, still inside the repository
    assert resolve_paths(tree, ["siaran-pers/2025/link.md"]) == ["outside/secret.md"]
    os.symlink(tree.parent, tree / "up")
    with pytest.raises(UsageError, match="not inside"):
        resolve_paths(tree, [str(tree / "up")])
    # a sibling folder whose name starts with the repository's is outside it
    sibling = tree.parent / (tree.name + "-lain")
    sibling.mkdir()
    (sibling / "c.md").write_bytes(b"---\ntitle: C\n---\n")
    with pytest.raises(UsageError, match="not inside"):
        resolve_paths(tree, [str(sibling / "c.md")])


def test_paths_resolve_as_realpath_does(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.check import _realpath

    os.symlink(tree / "content/siaran-pers", tree / "alias")
    monkeypatch.chdir(tree / "content")
    folders: dict[str, str] = {}
    for raw in ("siaran-pers/2025/a.md", "./siaran-pers//2025/a.md", "siaran-pers/2025/", "siaran-pers/2025/link.md",
                "linked/secret.md", "linked/../siaran-pers/2025/a.md", "../alias/2025/a.md", "../alias/2025/../2025/a.md",
                "dangling.md", "missing/x.md", str(tree / "alias/2025/link.md"), ".", "/", "..", "linked/"):
        assert _realpath(raw, folders) == os.path.realpath(raw), raw
