"""``restore_worktree`` skips its file-by-file walk only when git's own index proves ``arsip/`` already is
the trusted register; every forged working tree (an in-place edit keeping size and mtime, an extra or
ignored file, a linked folder, a forged commit) is still put back, byte for byte."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from approvals_helpers import Person, Site
from identity_helpers import Key, forge_record_commit, keygen, make_cast, signed_office
from publish_helpers import approved_release, isolated_env, publish

import pipeline.archive.trust as trust
from pipeline.approvals.service import evaluate_repository
from pipeline.archive.register_read import Register
from pipeline.archive.trust import read_register, restore_worktree
from pipeline.git import Git
from pipeline.identity import SIGNING_KEY_ENV


@pytest.fixture(scope="module")
def cast(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Person]:
    return make_cast(tmp_path_factory.mktemp("cast-keys"))


@pytest.fixture(scope="module")
def ci(tmp_path_factory: pytest.TempPathFactory) -> Key:
    return keygen(tmp_path_factory.mktemp("ci-key"), "warta-publish")


@pytest.fixture
def site(tmp_path: Path, cast: dict[str, Person], ci: Key, monkeypatch: pytest.MonkeyPatch) -> Site:
    made = signed_office(tmp_path, cast, ci)
    for key, value in isolated_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    approved_release(made, "rilis-satu")
    proc = publish(made, env={SIGNING_KEY_ENV: ci.text})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return made


def register_of(site: Site) -> tuple[Git, Register]:
    git = Git(site.root)
    people = evaluate_repository(site.root, paths=["sop/people.yaml"]).people
    return git, read_register(git, site.head(), people, branch=None)


def trusted_bytes(site: Site, register: Register) -> dict[str, bytes]:
    git = Git(site.root)
    return {path: git.run("cat-file", "blob", oid).stdout for path, oid in register.files.items()}


def worktree(site: Site) -> dict[str, bytes]:
    folder = site.root / "arsip"
    return {p.relative_to(site.root).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def a_record(register: Register) -> str:
    return sorted(p for p in register.files if p.endswith(".yaml"))[0]


def test_an_unchanged_register_checkout_is_proven_by_the_index_and_left_alone(site: Site) -> None:
    git, register = register_of(site)
    assert register.files and trust._worktree_matches(git, register)
    assert restore_worktree(git, register) == []
    assert worktree(site) == trusted_bytes(site, register)


def test_a_record_edited_in_place_with_the_same_size_and_mtime_is_restored(site: Site) -> None:
    git, register = register_of(site)
    path = a_record(register)
    target = site.root / path
    before = target.stat()
    data = target.read_bytes()
    forged = data.replace(b"a", b"o", 1) if b"a" in data else data[:-1] + b"#"
    assert len(forged) == len(data) and forged != data
    target.write_bytes(forged)
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))  # size and mtime as git recorded them
    assert target.stat().st_size == before.st_size and target.stat().st_mtime_ns == before.st_mtime_ns
    assert not trust._worktree_matches(git, register)
    assert restore_worktree(git, register) == [path]
    assert worktree(site) == trusted_bytes(site, register)


@pytest.mark.parametrize("ignored", [False, True])
def test_an_extra_file_under_arsip_is_removed_even_when_git_ignores_it(site: Site, ignored: bool) -> None:
    git, register = register_of(site)
    extra = "arsip/2099/palsu.yaml"
    if ignored:
        (site.root / ".git" / "info" / "exclude").write_text("arsip/2099/\n", encoding="utf-8")
    (site.root / "arsip" / "2099").mkdir(parents=True)
    (site.root / extra).write_text("number: palsu\n", encoding="utf-8")
    assert not trust._worktree_matches(git, register)
    assert restore_worktree(git, register) == [extra]
    assert worktree(site) == trusted_bytes(site, register)


def test_a_record_folder_replaced_by_a_link_is_restored_and_the_link_not_followed(site: Site, tmp_path: Path) -> None:
    git, register = register_of(site)
    path = a_record(register)
    folder = (site.root / path).parent
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    for f in folder.iterdir():
        (outside / f.name).write_bytes(f.read_bytes())  # the same bytes, behind a link
    for f in list(folder.iterdir()):
        f.unlink()
    folder.rmdir()
    folder.symlink_to(outside, target_is_directory=True)
    assert not trust._worktree_matches(git, register)
    assert restore_worktree(git, register)
    assert not folder.is_symlink() and worktree(site) == trusted_bytes(site, register)


def test_a_forged_record_commit_in_the_checkout_is_undone(site: Site) -> None:
    git, register = register_of(site)
    path = a_record(register)
    forge_record_commit(site, site.cast["eve"], path, "number: palsu\n")
    assert (site.root / path).read_text(encoding="utf-8") == "number: palsu\n"  # checked out, index agrees
    assert not trust._worktree_matches(git, register)
    assert path in restore_worktree(git, register)
    assert worktree(site) == trusted_bytes(site, register)


def test_a_deleted_record_is_written_back(site: Site) -> None:
    git, register = register_of(site)
    path = a_record(register)
    (site.root / path).unlink()
    assert not trust._worktree_matches(git, register)
    assert restore_worktree(git, register) == [path]
    assert worktree(site) == trusted_bytes(site, register)
