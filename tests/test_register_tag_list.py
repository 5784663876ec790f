"""The register's tags listed with their objects' facts kept by object id (pipeline/archive/tag_list.py):
the same list as git's on every run; a new or moved tag, an edited or foreign file are listed by git again."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from pipeline.archive import tag_list
from pipeline.cachedir import CACHE_DIRNAME, TAG_OBJECTS_CACHE
from pipeline.git import Git


def _git(root: Path, *args: str) -> str:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("GIT_")}, "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@example.org",
           "GIT_COMMITTER_NAME": "a", "GIT_COMMITTER_EMAIL": "a@example.org"}
    return subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    for n in (1, 2):
        (root / "f").write_text(f"{n}\n")
        _git(root, "add", "f")
        _git(root, "commit", "-q", "-m", f"c{n}")
    _git(root, "tag", "-a", "-m", "Arsip 1", "arsip/1", "HEAD~1")
    _git(root, "tag", "arsip/ringan", "HEAD")  # lightweight
    _git(root, "tag", "arsip/nama-lain", _git(root, "rev-parse", "arsip/1"))  # the object of arsip/1, other name
    _git(root, "tag", "-a", "-m", "on a tag", "arsip/tag-of-tag", "arsip/1")
    (root / CACHE_DIRNAME).mkdir()
    return root


def facts(tags: list[tag_list.Tag]) -> list[tuple[str, str, str, str, str]]:
    return sorted((t.name, t.kind, t.oid, t.target, t.own_name) for t in tags)


def no_git_listing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(git: Git) -> Any:
        raise AssertionError("every tag object was read again")

    monkeypatch.setattr(tag_list, "_from_git", refuse)


def test_a_warm_listing_reads_no_tag_object_and_equals_gits(clone: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    git = Git(clone)
    expected = facts(tag_list._from_git(git))
    assert {f[0]: f[1] for f in expected} == {"arsip/1": "tag", "arsip/nama-lain": "tag", "arsip/ringan": "commit",
                                              "arsip/tag-of-tag": "tag"}
    assert dict((f[0], f[4]) for f in expected)["arsip/nama-lain"] == "arsip/1"
    assert facts(tag_list.list_tags(git, clone / CACHE_DIRNAME)) == expected  # the first run fills the file
    with monkeypatch.context() as patched:
        no_git_listing(patched)
        assert facts(tag_list.list_tags(git, clone / CACHE_DIRNAME)) == expected


def test_a_new_or_moved_tag_is_listed_by_git_again(clone: Path) -> None:
    git = Git(clone)
    tag_list.list_tags(git, clone / CACHE_DIRNAME)
    _git(clone, "tag", "-f", "-a", "-m", "moved", "arsip/1", "HEAD")  # another object under a known name
    _git(clone, "tag", "-a", "-m", "Arsip 2", "arsip/2", "HEAD")
    assert facts(tag_list.list_tags(git, clone / CACHE_DIRNAME)) == facts(tag_list._from_git(git))
    head = _git(clone, "rev-parse", "HEAD")
    assert {t.name: t.target for t in tag_list.list_tags(git, clone / CACHE_DIRNAME)}["arsip/1"] == head


@pytest.mark.parametrize("damage", ["edit", "truncate", "foreign"])
def test_an_edited_truncated_or_foreign_file_is_not_believed(clone: Path, damage: str) -> None:
    git = Git(clone)
    expected = facts(tag_list._from_git(git))
    tag_list.list_tags(git, clone / CACHE_DIRNAME)
    file = clone / CACHE_DIRNAME / TAG_OBJECTS_CACHE
    if damage == "edit":  # the commit a tag object points at changed, the check kept
        document = json.loads(file.read_text())
        body = json.loads(document["body"])
        for entry in body["objects"].values():
            entry[1] = "0" * 40
        document["body"] = json.dumps(body)
        file.write_text(json.dumps(document))
    elif damage == "truncate":
        file.write_text(file.read_text()[:40])
    else:
        file.write_text(json.dumps({"body": json.dumps({"format": 99, "objects": {}}), "check": "x"}))
    assert facts(tag_list.list_tags(git, clone / CACHE_DIRNAME)) == expected


def test_no_file_through_a_linked_cache_folder(clone: Path, tmp_path: Path) -> None:
    git = Git(clone)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (clone / CACHE_DIRNAME).rmdir()
    (clone / CACHE_DIRNAME).symlink_to(elsewhere, target_is_directory=True)
    assert facts(tag_list.list_tags(git, clone / CACHE_DIRNAME)) == facts(tag_list._from_git(git))
    assert list(elsewhere.rglob("*")) == []
