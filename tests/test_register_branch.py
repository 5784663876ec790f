"""The register on a branch of its own (``archive.register_branch``, docs/archive.md): ``warta publish``
numbers and records on ``warta-arsip``, signed by the publishing identity, and never touches main; only
the identity's commits on that branch count; a forged commit there or under ``arsip/`` on main takes no
number."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from approvals_helpers import Person, Site
from identity_helpers import CI_EMAIL, Key, git_verifies, keygen, make_cast, signers_file
from publish_helpers import approved_release, isolated_env, publish, publish_json, tags
from register_branch_helpers import (
    BRANCH,
    branch_commits,
    branch_office,
    branch_records,
    forge_on_branch,
    trailer,
)

from pipeline.identity import SIGNING_KEY_ENV


@pytest.fixture(scope="module")
def cast(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Person]:
    return make_cast(tmp_path_factory.mktemp("cast-keys"))


@pytest.fixture(scope="module")
def ci(tmp_path_factory: pytest.TempPathFactory) -> Key:
    return keygen(tmp_path_factory.mktemp("ci-key"), "warta-publish")


@pytest.fixture
def site(tmp_path: Path, cast: dict[str, Person], ci: Key, monkeypatch: pytest.MonkeyPatch) -> Site:
    made = branch_office(tmp_path, cast, ci)
    for key, value in isolated_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    return made


def signed_publish(site: Site, ci: Key, *args: str) -> subprocess.CompletedProcess[str]:
    return publish(site, *args, env={SIGNING_KEY_ENV: ci.text})


def main_ref(site: Site) -> bytes:
    return (site.root / ".git" / "refs" / "heads" / "main").read_bytes()


def test_publish_numbers_and_records_on_the_register_branch_and_leaves_main_alone(site: Site, ci: Key) -> None:
    path = approved_release(site, "pelatihan-kader")
    before = main_ref(site)
    proc = signed_publish(site, ci)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert main_ref(site) == before  # main's ref, byte for byte
    assert site.git("ls-tree", "-r", "--name-only", "main", "--", "arsip/") == ""
    assert not (site.root / "arsip").exists()
    assert site.git("status", "--porcelain", "--untracked-files=no") == ""
    held = branch_records(site)
    assert held[path]["published_at"] and held[path]["number"]
    commits = branch_commits(site)
    assert len(commits) == 2  # numbering, then the publication record
    signers = signers_file(site.home, CI_EMAIL, ci.public)
    main = site.git("rev-parse", "main")
    for index, sha in enumerate(commits):
        parents = site.git("rev-list", "--parents", "-n", "1", sha).split()[1:]
        assert len(parents) == (0 if index == 0 else 1)
        changed = site.git("diff-tree", "--root", "--no-commit-id", "--name-only", "-r", sha).split()
        assert changed and all(p.startswith("arsip/") for p in changed)
        assert git_verifies(site, "commit", sha, signers)
        assert trailer(site, sha, "Warta-Register") in ("numbering", "record")
        assert trailer(site, sha, "Warta-Main") == main
    made = tags(site)
    tag = f"arsip/{held[path]['number']}"
    assert tag in made and git_verifies(site, "tag", tag, signers)
    assert site.git("rev-list", "-n", "1", tag) in commits


def test_a_second_publish_adds_to_the_branch_and_numbers_in_sequence(site: Site, ci: Key) -> None:
    first = approved_release(site, "pertama")
    assert signed_publish(site, ci).returncode == 0
    second = approved_release(site, "kedua")
    proc = signed_publish(site, ci)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    held = branch_records(site)
    assert int(held[second]["urut"]) == int(held[first]["urut"]) + 1
    assert len(branch_commits(site)) == 4


@pytest.mark.parametrize("how", ["unsigned", "official", "outside", "merge"])
def test_a_forged_commit_on_the_register_branch_is_ignored_and_takes_no_number(site: Site, ci: Key,
                                                                              how: str) -> None:
    first = approved_release(site, "pertama")
    assert signed_publish(site, ci).returncode == 0
    held = branch_records(site)
    kode, tahun, urut = held[first]["klasifikasi"]["code"], held[first]["tahun"], int(held[first]["urut"])
    number = f"{kode}/{urut + 1}/UJI/{tahun}"
    fake = dict(held[first], number=number, urut=urut + 1, path="content/siaran-pers/2025/palsu.md",
                title="Rilis palsu")
    fake.pop("_file")
    rel = f"arsip/{tahun}/{kode}/{urut + 1:04d}-palsu.yaml"
    files = {rel: yaml.safe_dump(fake, allow_unicode=True, sort_keys=False)}
    wahyu = site.cast["wahyu"]
    if how == "outside":
        files["content/siaran-pers/2025/palsu.md"] = "---\ntitle: x\n---\n"
    forged = forge_on_branch(site, wahyu, files, sign_with=wahyu.key if how == "official" else None,
                             merge_from="side" if how == "merge" else None)
    second = approved_release(site, "kedua")
    code, doc = publish_json(site, env={SIGNING_KEY_ENV: ci.text})
    assert code == 0, doc
    assert any(forged[:12] in w and BRANCH in w for w in doc["warnings"]), doc["warnings"]
    now = branch_records(site)
    assert now[second]["number"] == number  # the forger's number went to the real release
    assert "content/siaran-pers/2025/palsu.md" not in now  # and its record is gone from the tip
    assert site.git("ls-tree", "--name-only", BRANCH, "--", "content/") == ""


def test_a_forged_record_on_main_is_ignored_in_branch_mode(site: Site, ci: Key) -> None:
    first = approved_release(site, "pertama")
    assert signed_publish(site, ci).returncode == 0
    held = branch_records(site)
    record = dict(held[first])
    rel = str(record.pop("_file"))
    record["title"] = "Judul yang diubah"
    site.write(rel, yaml.safe_dump(record, allow_unicode=True, sort_keys=False))
    site.git("add", rel, person=site.cast["wahyu"])
    site.git("commit", "-q", "--no-gpg-sign", "-m", "Arsip: ubah\n\nWarta-Register: numbering",
             person=site.cast["wahyu"])
    forged = site.head()
    code, doc = publish_json(site, env={SIGNING_KEY_ENV: ci.text})
    assert code == 0, doc
    assert any(forged[:12] in w and BRANCH in w for w in doc["warnings"]), doc["warnings"]
    assert branch_records(site)[first]["title"] != "Judul yang diubah"


def switch_to_branch(site: Site, *, approve: bool = True) -> None:
    """The office changes warta.yml to put the register on warta-arsip (a governance change: one approval
    per SOP signatory, unless ``approve`` is false) and merges it."""
    config = site.root / "warta.yml"
    site.switch("tata/arsip-cabang", create=True)
    config.write_text(config.read_text().replace("archive:\n", f"archive:\n  register_branch: {BRANCH}\n", 1))
    site.commit("Register di cabang warta-arsip", site.cast["rina"])
    if approve:
        site.record(site.cast["yuli"], "warta.yml", 1, "ketua_ppid")
        site.record(site.cast["wahyu"], "warta.yml", 2, "kepala_dinas")
    site.merge("tata/arsip-cabang", site.cast["wahyu"])


@pytest.fixture
def main_site(tmp_path: Path, cast: dict[str, Person], ci: Key, monkeypatch: pytest.MonkeyPatch) -> Site:
    made = branch_office(tmp_path, cast, ci, branch=False)
    for key, value in isolated_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    return made


def test_switching_from_main_to_the_branch_keeps_every_number(main_site: Site, ci: Key) -> None:
    site = main_site
    first = approved_release(site, "pertama")
    assert signed_publish(site, ci).returncode == 0
    on_main = {p: dict(r) for p, r in records_on(site, "main").items()}
    assert first in on_main and site.git("branch", "--list", BRANCH) == ""
    switch_to_branch(site)
    second = approved_release(site, "kedua")
    code, doc = publish_json(site, env={SIGNING_KEY_ENV: ci.text})
    assert code == 0, doc
    held = branch_records(site)
    for path, record in on_main.items():  # every number filed on main is on the branch, unchanged
        assert held[path]["number"] == record["number"] and held[path]["_file"] == record["_file"]
    assert int(held[second]["urut"]) == int(held[first]["urut"]) + 1  # the sequence goes on
    assert len({r["number"] for r in held.values()}) == len(held)
    root = branch_commits(site)[0]
    assert site.git("rev-list", "--parents", "-n", "1", root).split()[1:] == []
    assert trailer(site, root, "Warta-Main") == site.git("rev-parse", "main")
    # the old tags (on main's register commits) still count; the new one points into the branch
    made = tags(site)
    assert f"arsip/{held[first]['number']}" in made and f"arsip/{held[second]['number']}" in made
    assert site.git("rev-list", "-n", "1", f"arsip/{held[second]['number']}") in branch_commits(site)
    assert not any("tag arsip/" in w for w in doc["warnings"]), doc["warnings"]
    # a further run numbers nothing
    code, doc = publish_json(site, env={SIGNING_KEY_ENV: ci.text})
    assert code == 0 and doc["numbers"] == [], doc


def test_an_unapproved_switch_to_the_branch_does_not_take_effect(main_site: Site, ci: Key) -> None:
    site = main_site
    approved_release(site, "pertama")
    assert signed_publish(site, ci).returncode == 0
    switch_to_branch(site, approve=False)
    second = approved_release(site, "kedua")
    code, doc = publish_json(site, env={SIGNING_KEY_ENV: ci.text})
    assert code == 1 and any(p.startswith("warta.yml:") for p in doc["pending_governance"]), doc  # not in effect
    assert site.git("branch", "--list", BRANCH) == ""  # the trusted warta.yml keeps the register on main
    assert second in records_on(site, "main")


def records_on(site: Site, ref: str) -> dict[str, dict[str, object]]:
    return branch_records(site, ref)


def test_register_branch_must_be_a_branch_name_and_not_main(site: Site) -> None:
    config = site.root / "warta.yml"
    text = config.read_text()
    for value, words in (("main", "the main branch"), ("'bad..name'", "plain branch name")):
        config.write_text(text.replace(f"register_branch: {BRANCH}", f"register_branch: {value}"))
        proc = site.cli("check")
        assert proc.returncode == 2, proc.stdout + proc.stderr
        line = next(i for i, t in enumerate(config.read_text().splitlines(), 1) if "register_branch" in t)
        assert f"warta.yml:{line}: error:" in proc.stderr + proc.stdout and words in proc.stderr + proc.stdout
        assert "archive.register_branch" in proc.stderr + proc.stdout
