"""The register on a branch of its own (``archive.register_branch``, docs/archive.md): ``warta publish``
numbers and records on ``warta-arsip``, signed by the publishing identity, and never touches main; only
the identity's commits on that branch count; a forged commit there or under ``arsip/`` on main takes no
number."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import pytest
import yaml
from approvals_helpers import Person, Site, approve_fully
from identity_helpers import CI_EMAIL, Key, git_verifies, keygen, make_cast, signers_file
from publish_helpers import approved_release, isolated_env, publish, publish_json, release_text, tags
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
    # nor may the main branch be the register's review branch (<register_branch>-ulasan, which publish writes)
    assert "  main_branch: main\n" in text
    config.write_text(text.replace("  main_branch: main\n", f"  main_branch: {BRANCH}-ulasan\n"))
    proc = site.cli("check")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"{BRANCH}-ulasan" in proc.stderr + proc.stdout and "archive.register_branch" in proc.stderr + proc.stdout


def test_verify_refuses_a_pull_request_that_adds_anything_under_arsip_in_branch_mode(site: Site, ci: Key) -> None:
    first = approved_release(site, "rilis-satu")
    assert signed_publish(site, ci).returncode == 0
    genuine = branch_records(site)[first]
    rel = str(genuine.pop("_file"))
    site.switch("rilis/dua", create=True)
    site.write("content/siaran-pers/2025/dua.md", release_text("Rilis Dua"))
    site.write(rel, yaml.safe_dump(genuine, allow_unicode=True, sort_keys=False))  # even an exact copy
    site.commit("Rilis dua, dan arsip", site.cast["rina"])
    approve_fully(site, "content/siaran-pers/2025/dua.md")
    proc = site.warta("verify")
    assert proc.returncode == 1
    assert f"{rel}: error: the register lives on the branch {BRANCH}" in proc.stdout + proc.stderr
    site.switch("rilis/tiga", create=True, start="main")
    site.write("content/siaran-pers/2025/tiga.md", release_text("Rilis Tiga"))
    site.commit("Rilis tiga", site.cast["rina"])
    approve_fully(site, "content/siaran-pers/2025/tiga.md")
    proc = site.warta("verify")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_report_at_an_older_main_reads_the_register_as_it_was_then(site: Site, ci: Key) -> None:
    first = approved_release(site, "pertama")
    assert signed_publish(site, ci).returncode == 0
    then = site.git("rev-parse", "main")
    approved_release(site, "kedua")
    assert signed_publish(site, ci).returncode == 0
    year = str(branch_records(site)[first]["tahun"])
    now = site.cli("report", "--json", "--period", year)
    before = site.cli("report", "--json", "--period", year, "--at", then)
    assert now.returncode == 0 and before.returncode == 0, now.stderr + before.stderr
    # the release and the imported page; then the second release too
    assert json.loads(before.stdout)["published"]["total"] == 2
    assert json.loads(now.stdout)["published"]["total"] == 3


def test_the_report_at_main_counts_the_publish_run_made_after_mains_last_commit(site: Site, ci: Key) -> None:
    # main's last commit is the release's approval; the publish run that went from it comes two hours later
    # (a scheduled run): the register as of main holds it, so the report at main counts it as published
    path = approved_release(site, "terbit-kemudian")
    head_time = int(site.git("show", "-s", "--format=%ct", "main"))
    later = dt.datetime.fromtimestamp(head_time + 7200, dt.timezone(dt.timedelta(hours=7))).isoformat()
    assert publish(site, env={SIGNING_KEY_ENV: ci.text, "WARTA_NOW": later}).returncode == 0
    record = branch_records(site)[path]
    assert record["published_at"]
    proc = site.cli("report", "--json", "--period", str(record["tahun"]))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["published"]["by_kind"] == {"halaman": 1, "siaran-pers": 1}, doc["published"]  # and the imported page
    # the moment the report describes is that publication's, not main's commit two hours before it
    assert dt.datetime.fromisoformat(doc["as_of"]) == dt.datetime.fromisoformat(later)
    assert dt.datetime.fromisoformat(str(record["published_at"])) == dt.datetime.fromisoformat(later)


def test_the_site_export_and_archive_read_the_register_from_the_branch(site: Site, ci: Key, tmp_path: Path) -> None:
    import bagit

    path = approved_release(site, "pelatihan-kader")
    assert signed_publish(site, ci).returncode == 0
    held = branch_records(site)[path]
    number = str(held["number"])
    register_page = (site.root / "_site" / "daftar-arsip" / str(held["tahun"]) / "index.html").read_text()
    assert number in register_page  # the site's register pages list what the branch holds
    dest = tmp_path / "serah-terima"
    proc = site.cli("archive", "export", "--bagit", str(dest))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    bag = bagit.Bag(str(dest))
    assert bag.is_valid()
    rel = str(held["_file"])
    assert (dest / "data" / rel).read_bytes() == site.file_bytes(rel, rev=BRANCH)  # the record as the branch holds it
    assert number in (dest / "data" / "daftar-arsip.csv").read_text(encoding="utf-8")
    listed = site.cli("archive", "list", "--json")
    assert [e["number"] for e in json.loads(listed.stdout) if e["path"] == path] == [number]


def test_a_register_branch_whose_first_commit_is_not_the_identitys_is_refused(site: Site, ci: Key) -> None:
    """An operator creates warta-arsip before the first publish, with a record of their own: the branch is
    not the register; publish numbers nothing over it and says how to restore it."""
    path = approved_release(site, "pertama")
    wahyu = site.cast["wahyu"]
    blob = site.git("hash-object", "-w", "--stdin", input="number: palsu\n")
    leaf = site.git("mktree", input=f"100644 blob {blob}\t0001-palsu.yaml\n")
    tree = leaf
    for name in ("400.14.5.6", "2026", "arsip"):  # arsip/2026/400.14.5.6/0001-palsu.yaml
        tree = site.git("mktree", input=f"040000 tree {tree}\t{name}\n")
    forged = site.git("commit-tree", tree, "--no-gpg-sign", "-m", "Arsip: nomor palsu\n\nWarta-Register: numbering",
                      person=wahyu)
    site.git("update-ref", f"refs/heads/{BRANCH}", forged)
    code, doc = publish_json(site, env={SIGNING_KEY_ENV: ci.text})
    assert code != 0, doc
    text = json.dumps(doc)
    assert f"first commit of the register branch {BRANCH}" in text and forged[:12] in text
    assert site.git("rev-parse", BRANCH) == forged  # nothing was written over it
    assert path not in [n["path"] for n in doc.get("numbers", [])]


def test_going_back_from_the_branch_to_main_is_refused_and_no_number_is_reused(site: Site, ci: Key) -> None:
    first = approved_release(site, "pertama")
    assert signed_publish(site, ci).returncode == 0
    number = str(branch_records(site)[first]["number"])
    config = site.root / "warta.yml"
    site.switch("tata/arsip-main", create=True)
    config.write_text(config.read_text().replace(f"  register_branch: {BRANCH}\n", ""))
    site.commit("Register kembali ke main", site.cast["rina"])
    site.record(site.cast["yuli"], "warta.yml", 1, "ketua_ppid")
    site.record(site.cast["wahyu"], "warta.yml", 2, "kepala_dinas")
    site.merge("tata/arsip-main", site.cast["wahyu"])
    second = approved_release(site, "kedua")
    code, doc = publish_json(site, env={SIGNING_KEY_ENV: ci.text})
    assert code != 0, doc
    assert f"tag arsip/{number}" in json.dumps(doc) and "register branch" in json.dumps(doc)
    assert site.git("ls-tree", "-r", "--name-only", "main", "--", "arsip/") == ""  # nothing numbered on main
    assert second not in branch_records(site)


def test_the_staff_read_the_branch_warnings_in_indonesian(site: Site, ci: Key) -> None:
    approved_release(site, "pertama")
    assert signed_publish(site, ci).returncode == 0
    forged = forge_on_branch(site, site.cast["wahyu"], {"arsip/catatan.yaml": "number: palsu\n"})
    code, doc = publish_json(site, env={SIGNING_KEY_ENV: ci.text, "WARTA_LANG": "id"})
    assert code == 0, doc
    warning = next(w for w in doc["warnings"] if forged[:12] in w)
    assert f"di cabang register {BRANCH} bukan commit register" in warning and "diabaikan" in warning
    assert warning.split(": ", 2)[1] == "warning"  # the word stays untranslated (DESIGN section 6)


def test_a_forged_deletion_on_the_branch_loses_no_record_and_frees_no_number(site: Site, ci: Key) -> None:
    first = approved_release(site, "pertama")
    assert signed_publish(site, ci).returncode == 0
    held = branch_records(site)[first]
    work = site.root.parent / "hapus"
    wahyu = site.cast["wahyu"]
    site.git("worktree", "add", "-q", str(work), BRANCH)
    forger = Site(work, site.cast, site.home)
    forger.git("rm", "-q", str(held["_file"]), person=wahyu)
    forger.git("commit", "-q", "--no-gpg-sign", "-m", "Arsip: hapus\n\nWarta-Register: record", person=wahyu)
    site.git("worktree", "remove", "--force", str(work))
    second = approved_release(site, "kedua")
    code, doc = publish_json(site, env={SIGNING_KEY_ENV: ci.text})
    assert code == 0, doc
    now = branch_records(site)
    assert now[first]["number"] == held["number"]  # put back by the next signed commit
    assert int(now[second]["urut"]) == int(held["urut"]) + 1 and now[second]["number"] != held["number"]
