"""Attacks on the register branch (``archive.register_branch``, docs/archive.md "The register branch",
docs/attacks.md): no archive number lost or reused, no post sent twice, nothing forged counted.

Every repository is real (``tmp_path``), every signature a real ssh-keygen signature; the branch, its
commits and its tags are read with plain git (tests/register_branch_helpers.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from approvals_helpers import SOP_RILIS, Person, Site, make_site, people_yaml
from channel_servers import TOKEN, Platforms
from identity_helpers import Key, keygen, make_cast, pipeline_block
from publish_helpers import PUBLISH_YML, approved_release, isolate, publish, publish_json
from register_branch_helpers import (
    BRANCH,
    bare_git,
    branch_commits,
    branch_office,
    branch_records,
    forge_on_branch,
    keep_forged_review_copy,
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
    isolate(tmp_path, monkeypatch)
    return made


def signed(site: Site, ci: Key) -> tuple[int, dict[str, Any]]:
    return publish_json(site, env={SIGNING_KEY_ENV: ci.text})


def make_bare(site: Site, tmp_path: Path) -> Path:
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(site.root), str(bare)], check=True, capture_output=True)
    return bare


def clone(site: Site, bare: Path, name: str) -> Site:
    target = bare.parent / name
    subprocess.run(["git", "clone", "-q", str(bare), str(target)], check=True, capture_output=True,
                   env=site.env(site.cast["wahyu"]))
    return Site(target, site.cast, site.home)


def remote_numbers(bare: Path, ref: str = BRANCH) -> dict[str, str]:
    """Item path -> archive number, of every record file on ``ref`` of the remote (plain git and YAML)."""
    out: dict[str, str] = {}
    for file in bare_git(bare, "ls-tree", "-r", "--name-only", ref, "arsip/").split():
        data = yaml.safe_load(bare_git(bare, "show", f"{ref}:{file}"))
        out[str(data["path"])] = str(data["number"])
    return out


def tag_targets(repo: Site | Path) -> dict[str, str]:
    """``arsip/*`` tag -> the commit it points at (plain git)."""
    args = ["for-each-ref", "--format=%(refname:strip=2) %(*objectname)%(objectname)", "refs/tags/arsip/"]
    out = repo.git(*args) if isinstance(repo, Site) else bare_git(repo, *args)
    return {line.split()[0]: line.split()[1][:40] for line in out.splitlines() if line.strip()}


def governed_change(site: Site, branch: str, edit: str, replace: str) -> None:
    """Change ``warta.yml`` on ``branch`` (``edit`` -> ``replace``), approved by both signatories of the SOP
    (rule 8), and merge it."""
    config = site.root / "warta.yml"
    site.switch(branch, create=True)
    text = config.read_text()
    assert edit in text
    config.write_text(text.replace(edit, replace, 1))
    site.commit(f"warta.yml: {branch}", site.cast["rina"])
    site.record(site.cast["yuli"], "warta.yml", 1, "ketua_ppid")
    site.record(site.cast["wahyu"], "warta.yml", 2, "kepala_dinas")
    site.merge(branch, site.cast["wahyu"])


# --------------------------------------------------------------------------------------------------
# leaving the branch (an approved change of archive.register_branch): numbers issued there are not lost


@pytest.mark.parametrize("how", ["removed", "renamed"])
def test_an_approved_change_away_from_the_register_branch_never_reuses_a_number_issued_there(
        site: Site, ci: Key, how: str) -> None:
    first = approved_release(site, "pertama")
    code, doc = signed(site, ci)
    assert code == 0, doc
    issued = branch_records(site)[first]["number"]
    tagged = tag_targets(site)[f"arsip/{issued}"]
    # the signatories approve the register going back to main (docs: unsupported), or to a new branch name
    replace = "archive:\n" if how == "removed" else "archive:\n  register_branch: arsip-baru\n"
    governed_change(site, f"tata/{how}", f"archive:\n  register_branch: {BRANCH}\n", replace)
    second = approved_release(site, "kedua")
    code, doc = signed(site, ci)
    numbers = {str(n["number"]) for n in doc.get("numbers", [])} if isinstance(doc.get("numbers"), list) else set()
    # it refuses (the register it would read does not hold what the identity issued), or keeps counting:
    # never gives the first release's number to the second
    assert str(issued) not in numbers, doc
    assert tag_targets(site)[f"arsip/{issued}"] == tagged  # the signed tag was not moved onto another record
    on_main = {str(r["path"]): str(r["number"]) for r in branch_records(site, "main").values()} \
        if site.git("ls-tree", "-r", "--name-only", "main", "--", "arsip/") else {}
    assert on_main.get(second) != str(issued)
    if code == 0:
        assert doc["numbers"], doc
    else:
        assert "arsip/" + str(issued) in json.dumps(doc), doc  # it names the tag that shows why


# --------------------------------------------------------------------------------------------------
# helpers for later tests


def copy_cache(source: Site, target: Site) -> None:
    """What the publish workflow's cache step does: the newest ``.warta-cache`` of main's runs restored into
    a fresh checkout."""
    shutil.copytree(source.root / ".warta-cache", target.root / ".warta-cache", dirs_exist_ok=True)


# --------------------------------------------------------------------------------------------------
# a rewind of the register branch to an earlier tip the identity signed (same prefix): the posting ledger


TOKENS = {"T_MASTODON": TOKEN, "T_TELEGRAM": TOKEN, "T_XK": "ck", "T_XS": "cs", "T_XT": "at", "T_XTS": "as"}


def signed_channel_office(tmp_path: Path, cast: dict[str, Person], ci: Key, platforms: Platforms) -> Site:
    """The channel tests' office (Telegram on the local platforms server: no idempotency key), its register on warta-arsip,
    with the publishing identity ``ci``."""
    channels = (f"channels:\n  telegram: {{type: telegram, url: '{platforms.base}', chat_id: '@dinasuji', "
                "token_env: T_TELEGRAM}\n")
    text = PUBLISH_YML[:PUBLISH_YML.index("channels:")] + channels + PUBLISH_YML[PUBLISH_YML.index("deploy:"):]
    text = text.replace("archive:\n", f"archive:\n  register_branch: {BRANCH}\n", 1)
    sop = SOP_RILIS.replace("aksi: terbit_website", "aksi: [terbit_website, kirim_medsos]")
    return make_site(tmp_path, cast, extra={"warta.yml": text, "sop/rilis-uji.yaml": sop,
                                            "sop/people.yaml": people_yaml(cast) + pipeline_block(ci.public)})


@pytest.mark.parametrize("cache", [True, pytest.param(False, marks=pytest.mark.xfail(strict=True, reason=(
    "open (docs/ci.md, Known limits): a clone with neither the cache nor an earlier fetch of the branch has no "
    "trace of a rewind that drops only publication and posting records; the branch ruleset prevents it")))])
def test_a_rewind_of_the_register_branch_that_drops_the_posting_ledger_never_posts_twice_in_ci(
        tmp_path: Path, cast: dict[str, Person], ci: Key, platforms: Platforms, monkeypatch: pytest.MonkeyPatch,
        cache: bool) -> None:
    office = signed_channel_office(tmp_path, cast, ci, platforms)
    isolate(tmp_path, monkeypatch)
    path = approved_release(office, "bantuan-bibit", title="Bantuan Bibit Cabai")
    bare = make_bare(office, tmp_path)
    runner = clone(office, bare, "runner")
    proc = publish(runner, "--json", env={SIGNING_KEY_ENV: ci.text, **TOKENS})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(platforms.posts("telegram")) == 1
    commits = bare_git(bare, "rev-list", "--first-parent", "--reverse", BRANCH).split()
    number = remote_numbers(bare)[path]
    numbered = bare_git(bare, "rev-list", "-n", "1", f"arsip/{number}").strip()
    assert numbered == commits[0] and len(commits) >= 3  # numbering, then publication and posting records
    # an administrator (on the ruleset's bypass list) force-pushes the branch back to the numbering commit:
    # a tip the identity signed, which every signed tag still names; the posting ledger is gone
    bare_git(bare, "update-ref", f"refs/heads/{BRANCH}", numbered)
    office.git("commit", "-q", "--allow-empty", "-m", "Pembaruan main", person=office.cast["wahyu"])
    office.git("push", "-q", str(bare), "main")
    fresh = clone(office, bare, "next-run")  # every CI run is a fresh checkout
    if cache:
        copy_cache(runner, fresh)  # the workflow's cache step restores main's last .warta-cache
    proc = publish(fresh, "--json", env={SIGNING_KEY_ENV: ci.text, **TOKENS})
    assert "Traceback" not in proc.stderr, proc.stderr
    assert len(platforms.posts("telegram")) == 1, proc.stdout  # never posted twice
    if cache:
        assert proc.returncode != 0 and BRANCH in proc.stdout + proc.stderr, proc.stdout + proc.stderr
        assert bare_git(bare, "rev-parse", BRANCH).strip() == numbered  # nothing numbered over the rewind


# --------------------------------------------------------------------------------------------------
# a branch whose first commit is forged; tags forged, lightweight or re-pointed


def test_a_register_branch_created_first_by_an_operator_is_refused_and_takes_no_number(site: Site, ci: Key) -> None:
    """Before the first publish an operator creates warta-arsip with a record of their own (no ruleset
    yet): the branch is not the register, publish refuses to number over it, and once it is deleted the
    next run starts the branch from the identity's own first commit."""
    path = approved_release(site, "pertama")
    wahyu = site.cast["wahyu"]
    site.git("switch", "-q", "--orphan", BRANCH)
    site.write("arsip/2026/400.14.5.6/0001-palsu.yaml", "number: 400.14.5.6/1/UJI/2026\npath: palsu.md\n")
    site.git("add", "arsip/", person=wahyu)
    site.git("commit", "-q", "--no-gpg-sign", "-m", "Arsip: nomor palsu\n\nWarta-Register: numbering\n",
             person=wahyu)
    forged = site.head()
    site.git("clean", "-fdq")
    site.git("switch", "-q", "-f", "main")
    code, doc = signed(site, ci)
    assert code != 0 and forged[:12] in json.dumps(doc) and BRANCH in json.dumps(doc), doc
    assert site.git("rev-parse", BRANCH) == forged and tag_targets(site) == {}
    site.git("branch", "-D", BRANCH)
    code, doc = signed(site, ci)
    assert code == 0, doc
    root = branch_commits(site)[0]
    assert root != forged and path in branch_records(site)


@pytest.mark.parametrize("how", ["lightweight", "official", "renamed"])
def test_a_forged_tag_for_an_issued_number_changes_nothing(site: Site, ci: Key, how: str) -> None:
    first = approved_release(site, "pertama")
    assert signed(site, ci)[0] == 0
    number = branch_records(site)[first]["number"]
    genuine = tag_targets(site)
    other = branch_commits(site)[-1]
    name = f"arsip/{number}"
    wahyu = site.cast["wahyu"]
    if how == "lightweight":  # moved onto another commit of the branch, as a lightweight tag
        site.git("tag", "-f", name, other)
    elif how == "official":  # an annotated tag signed by an official's own key
        site.git("-c", f"user.signingkey={wahyu.key}", "-c", "gpg.format=ssh", "tag", "-f", "-s", "-m",
                 f"Arsip {number}", name, other, person=wahyu, sign=False)
    else:  # the identity's own tag object of this number, re-pointed under a second name
        site.git("update-ref", "refs/tags/arsip/400.14.5.6/9/UJI/2026", site.git("rev-parse", name))
    second = approved_release(site, "kedua")
    code, doc = signed(site, ci)
    assert code == 0, doc
    held = branch_records(site)
    assert held[first]["number"] == number and held[second]["number"] != number
    assert int(held[second]["urut"]) == int(held[first]["urut"]) + 1  # 9 was not taken by the copied tag
    assert any(name in w or "arsip/400.14.5.6/9/UJI/2026" in w for w in doc["warnings"]), doc["warnings"]
    if how == "renamed":
        assert tag_targets(site)[name] == genuine[name]


# --------------------------------------------------------------------------------------------------
# arsip/ on main in branch mode: a symbolic link; a forged forge-review copy on refs/warta/decisions


def test_a_symbolic_link_under_arsip_on_main_is_never_read_in_branch_mode(site: Site, ci: Key, tmp_path: Path) -> None:
    first = approved_release(site, "pertama")
    assert signed(site, ci)[0] == 0
    outside = tmp_path / "outside.yaml"
    outside.write_text("number: 400.14.5.6/2/UJI/2026\npath: content/siaran-pers/2025/kedua.md\n")
    (site.root / "arsip" / "2026").mkdir(parents=True)
    (site.root / "arsip" / "2026" / "0002-kedua.yaml").symlink_to(outside)
    site.commit("arsip: tautan", site.cast["wahyu"])
    second = approved_release(site, "kedua")
    code, doc = signed(site, ci)
    assert code == 0, doc
    held = branch_records(site)
    assert int(held[second]["urut"]) == int(held[first]["urut"]) + 1
    assert outside.read_text().startswith("number: 400.14.5.6/2/")  # never written through the link
    assert any("arsip/2026/0002-kedua.yaml" in w for w in doc["warnings"]), doc["warnings"]


@pytest.mark.parametrize("how", ["unsigned", "another-key"])
def test_a_forged_forge_review_copy_on_refs_warta_decisions_approves_nothing(site: Site, ci: Key, how: str) -> None:
    """The last step of a release merged with one approval, "copied from a GitHub review" by hand: unsigned,
    or signed by the operator's own key while it names the approver; kept on refs/warta/decisions."""
    signer = site.cast["rina"].key if how == "another-key" else None
    path = keep_forged_review_copy(site, "refs/warta/decisions", "1003", signer)
    code, doc = signed(site, ci)
    assert code == 1, doc
    assert path in json.dumps(doc["held"]) and path not in json.dumps(doc["numbers"]), doc
    assert path not in branch_records(site) if site.git("branch", "--list", BRANCH) else True


# --------------------------------------------------------------------------------------------------
# archive.register_branch values


@pytest.mark.parametrize("value", ["HEAD", "-x", "a..b", "warta-arsip.lock", "'arsip\u00e9'", "'a b'",
                                   "refs/../main", "'warta-arsip/'", "'@{-1}'", "'a:b'"])
def test_register_branch_refuses_a_value_that_is_not_a_plain_branch_name(site: Site, value: str) -> None:
    config = site.root / "warta.yml"
    config.write_text(config.read_text().replace(f"register_branch: {BRANCH}", f"register_branch: {value}"))
    proc = site.cli("check")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "archive.register_branch" in proc.stdout + proc.stderr


# --------------------------------------------------------------------------------------------------
# the commands that show the register (archive list/show/export) read the trusted register only


def test_archive_commands_never_show_a_record_forged_on_the_register_branch_tip(site: Site, ci: Key,
                                                                                tmp_path: Path) -> None:
    """An operator pushes an unsigned commit onto warta-arsip that renumbers the release and adds a record
    of their own; until the next publish commits, it is the branch's tip, which an archivist's clone reads."""
    first = approved_release(site, "pertama")
    assert signed(site, ci)[0] == 0
    genuine = branch_records(site)[first]
    rel = str(genuine.pop("_file"))
    number = str(genuine["number"])
    changed = dict(genuine, number=number.replace("/1/", "/7/"), title="Judul palsu")
    fake = dict(genuine, number=number.replace("/1/", "/8/"), path="content/siaran-pers/2025/palsu.md",
                title="Rilis palsu")
    forge_on_branch(site, site.cast["wahyu"], {
        rel: yaml.safe_dump(changed, allow_unicode=True, sort_keys=False),
        rel.replace("0001-", "0008-"): yaml.safe_dump(fake, allow_unicode=True, sort_keys=False)})
    listed = site.cli("archive", "list", "--json")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    numbers = [e["number"] for e in json.loads(listed.stdout)]
    assert number in numbers and number.replace("/1/", "/7/") not in numbers
    assert number.replace("/1/", "/8/") not in numbers
    shown = site.cli("archive", "show", number, "--json")
    assert shown.returncode == 0 and json.loads(shown.stdout)["record"]["title"] == genuine["title"], shown.stdout
    bag = tmp_path / "serah-terima"
    exported = site.cli("archive", "export", "--bagit", str(bag))
    assert exported.returncode == 0, exported.stdout + exported.stderr
    table = (bag / "data" / "daftar-arsip.csv").read_text(encoding="utf-8")
    assert "palsu" not in table.casefold() and number in table
    assert number.replace("/1/", "/7/") not in table and number.replace("/1/", "/8/") not in table


# --------------------------------------------------------------------------------------------------
# a push rejected halfway: a forged tag for the next number already on the remote


def test_a_forged_tag_for_the_next_number_on_the_remote_rejects_the_whole_push_and_no_number_is_lost(
        site: Site, ci: Key, tmp_path: Path) -> None:
    first = approved_release(site, "pertama")
    bare = make_bare(site, tmp_path)
    runner = clone(site, bare, "runner")
    assert signed(runner, ci)[0] == 0
    number = remote_numbers(bare)[first]
    following = number.replace("/1/", "/2/")
    tip = bare_git(bare, "rev-parse", BRANCH).strip()
    # someone past the tag ruleset puts a lightweight tag of the next number on the remote
    forged_at = bare_git(bare, "rev-parse", "main").strip()
    bare_git(bare, "tag", f"arsip/{following}", forged_at)
    second = approved_release(site, "kedua")
    site.git("push", "-q", str(bare), "main")
    code, doc = signed(runner, ci)
    assert code != 0, doc
    assert f"arsip/{following}" in json.dumps(doc), doc  # git's answer names the tag
    assert bare_git(bare, "rev-parse", BRANCH).strip() == tip  # --atomic: neither the branch nor a tag moved
    assert bare_git(bare, "rev-list", "-n", "1", f"arsip/{following}").strip() == forged_at
    assert second not in remote_numbers(bare)
    bare_git(bare, "tag", "-d", f"arsip/{following}")  # as the docs say: delete it by hand
    fresh = clone(site, bare, "fresh")
    code, doc = signed(fresh, ci)
    assert code == 0, doc
    held = remote_numbers(bare)
    assert held[second] == following and held[first] == number
    tagged = bare_git(bare, "rev-list", "-n", "1", f"arsip/{following}").strip()
    assert tagged in bare_git(bare, "rev-list", BRANCH).split()
    assert bare_git(bare, "cat-file", "-t", f"arsip/{following}").strip() == "tag"


@pytest.mark.parametrize("value", ["Main", "MAIN"])
def test_register_branch_refuses_the_main_branch_in_another_case(site: Site, value: str) -> None:
    """On a case-insensitive file system (an office publishing from a Mac or Windows machine) the loose ref
    refs/heads/Main is main's own file: a register commit would move main."""
    config = site.root / "warta.yml"
    config.write_text(config.read_text().replace(f"register_branch: {BRANCH}", f"register_branch: {value}"))
    proc = site.cli("check")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "the main branch" in proc.stdout + proc.stderr


# --------------------------------------------------------------------------------------------------
# commits signed by the identity's own key that are not register commits; an unsigned deletion


@pytest.mark.parametrize("how", ["identity-outside", "identity-merge", "unsigned-deletion"])
def test_a_commit_on_the_branch_that_is_not_a_register_commit_changes_no_record(site: Site, ci: Key,
                                                                               how: str) -> None:
    first = approved_release(site, "pertama")
    assert signed(site, ci)[0] == 0
    genuine = branch_records(site)
    rel = str(genuine[first]["_file"])
    wahyu = site.cast["wahyu"]
    if how == "unsigned-deletion":  # a commit whose tree deletes the release's record
        work = site.root.parent / "forge-delete"
        site.git("worktree", "add", "-q", str(work), BRANCH)
        forger = Site(work, site.cast, site.home)
        forger.git("rm", "-q", rel, person=wahyu)
        forger.git("commit", "-q", "--no-gpg-sign", "-m", "Arsip: hapus\n\nWarta-Register: record\n", person=wahyu)
        forged = forger.head()
        site.git("worktree", "remove", "--force", str(work))
    else:  # the identity's key (a leaked copy) signing a commit that also changes content, or a merge
        record = dict(genuine[first])
        record.pop("_file")
        record["title"] = "Judul lain"
        files = {rel: yaml.safe_dump(record, allow_unicode=True, sort_keys=False)}
        if how == "identity-outside":
            files["content/siaran-pers/2025/lain.md"] = "---\ntitle: x\n---\n"
        forged = forge_on_branch(site, wahyu, files, sign_with=ci.private,
                                 merge_from="side" if how == "identity-merge" else None)
    second = approved_release(site, "kedua")
    code, doc = signed(site, ci)
    assert code == 0, doc
    said = [w for w in doc["warnings"] if forged[:12] in w]
    assert said, doc["warnings"]
    reason = {"identity-outside": "outside arsip/", "identity-merge": "merge", "unsigned-deletion": "not signed"}[how]
    assert reason in said[0], said  # refused for what it is, not for a missing signature
    now = branch_records(site)
    assert now[first]["number"] == genuine[first]["number"] and now[first]["title"] == genuine[first]["title"]
    assert int(now[second]["urut"]) == int(now[first]["urut"]) + 1
    assert site.git("ls-tree", "--name-only", BRANCH, "--", "content/") == ""
