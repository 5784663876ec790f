"""The register branch with a remote (docs/archive.md, docs/ci.md): ``warta publish`` pushes only
``refs/heads/warta-arsip`` and the ``arsip/*`` tags, never main, never forced; two racing runs never
claim one number; a branch rewritten or deleted on the remote is refused, in the clone that saw it and
in a fresh one; an operator's fresh clone reads the register from ``origin/warta-arsip``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from approvals_helpers import PROJECT, Person, Site
from identity_helpers import Key, keygen, make_cast
from publish_helpers import approved_release, contiguous, isolated_env, publish, publish_json
from register_branch_helpers import BRANCH, bare_git, branch_commits, branch_office

from pipeline.identity import SIGNING_KEY_ENV


@pytest.fixture(scope="module")
def cast(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Person]:
    return make_cast(tmp_path_factory.mktemp("cast-keys"))


@pytest.fixture(scope="module")
def ci(tmp_path_factory: pytest.TempPathFactory) -> Key:
    return keygen(tmp_path_factory.mktemp("ci-key"), "warta-publish")


@pytest.fixture
def office(tmp_path: Path, cast: dict[str, Person], ci: Key, monkeypatch: pytest.MonkeyPatch) -> Site:
    made = branch_office(tmp_path, cast, ci)
    for key, value in isolated_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    return made


def make_bare(office: Site, tmp_path: Path) -> Path:
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(office.root), str(bare)], check=True, capture_output=True)
    return bare


def clone(office: Site, bare: Path, name: str) -> Site:
    target = bare.parent / name
    subprocess.run(["git", "clone", "-q", str(bare), str(target)], check=True, capture_output=True,
                   env=office.env(office.cast["wahyu"]))
    return Site(target, office.cast, office.home)


def remote_register(bare: Path) -> dict[str, dict[str, Any]]:
    import yaml

    out: dict[str, dict[str, Any]] = {}
    for file in bare_git(bare, "ls-tree", "-r", "--name-only", BRANCH, "arsip/").split():
        data = yaml.safe_load(bare_git(bare, "show", f"{BRANCH}:{file}"))
        assert data["path"] not in out, f"{data['path']} has two records"
        out[str(data["path"])] = data
    return out


def signed(site: Site, ci: Key) -> tuple[int, dict[str, Any]]:
    return publish_json(site, env={SIGNING_KEY_ENV: ci.text})


def test_publish_pushes_the_register_branch_and_tags_and_never_main(office: Site, ci: Key, tmp_path: Path) -> None:
    path = approved_release(office, "pelatihan-kader")
    bare = make_bare(office, tmp_path)
    main_before = bare_git(bare, "rev-parse", "main")
    runner = clone(office, bare, "runner")
    code, doc = signed(runner, ci)
    assert code == 0, doc
    assert bare_git(bare, "rev-parse", "main") == main_before
    held = remote_register(bare)
    assert held[path]["published_at"]
    assert bare_git(bare, "rev-parse", BRANCH).strip() == runner.git("rev-parse", BRANCH)
    tag = f"arsip/{held[path]['number']}"
    tagged = bare_git(bare, "rev-list", "-n", "1", tag).strip()
    assert bare_git(bare, "merge-base", "--is-ancestor", tagged, BRANCH, check=False) == ""
    assert bare_git(bare, "merge-base", "--is-ancestor", tagged, "main", check=False) == "" \
        and subprocess.run(["git", f"--git-dir={bare}", "merge-base", "--is-ancestor", tagged, "main"]).returncode == 1


def test_a_fresh_clone_reads_the_register_from_the_remote_tracking_branch(office: Site, ci: Key,
                                                                          tmp_path: Path) -> None:
    path = approved_release(office, "pelatihan-kader")
    bare = make_bare(office, tmp_path)
    assert signed(clone(office, bare, "runner"), ci)[0] == 0
    number = str(remote_register(bare)[path]["number"])
    reader = clone(office, bare, "operator")
    assert reader.git("branch", "--list", BRANCH) == ""  # only refs/remotes/origin/warta-arsip
    listed = reader.cli("archive", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert number in [e["number"] for e in json.loads(listed.stdout)]
    shown = reader.cli("archive", "show", number, "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["record"]["path"] == path
    status = reader.cli("status", "--all", "--json")
    assert status.returncode == 0, status.stderr
    states = {i["path"]: i["state"] for i in json.loads(status.stdout)["items"]}
    assert states[path] == "published"
    report = reader.cli("report", "--json", "--period", str(remote_register(bare)[path]["tahun"]))
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout)["published"]["total"] == 2  # the release and the imported page


def test_a_rewritten_register_branch_is_refused_and_no_number_is_used_twice(office: Site, ci: Key,
                                                                            tmp_path: Path) -> None:
    approved_release(office, "pertama")
    bare = make_bare(office, tmp_path)
    runner = clone(office, bare, "runner")
    assert signed(runner, ci)[0] == 0
    approved_release(office, "kedua")
    office.git("push", "-q", str(bare), "main")
    assert signed(runner, ci)[0] == 0
    first_run = branch_commits(runner)[1]  # the first run's publication record
    numbers_before = {str(r["number"]) for r in remote_register(bare).values()}
    fresh = clone(office, bare, "fresh")
    # an administrator force-pushes the register branch back to the end of the first run (the second
    # run's number is gone from the branch; its signed tag still names it)
    bare_git(bare, "update-ref", f"refs/heads/{BRANCH}", first_run)
    third = approved_release(office, "ketiga")
    office.git("push", "-q", str(bare), "main")
    for who in (runner, fresh, clone(office, bare, "fresh-after")):
        code, doc = signed(who, ci)
        assert code != 0, doc
        text = json.dumps(doc)
        assert BRANCH in text and ("rewritten" in text or "no longer holds" in text), text
    assert third not in {str(r["path"]) for r in remote_register(bare).values()}
    assert bare_git(bare, "rev-parse", BRANCH).strip() == first_run
    assert {t.removeprefix("refs/tags/arsip/") for t in bare_git(bare, "for-each-ref", "--format=%(refname)",
                                                                   "refs/tags/arsip").split()} == numbers_before


def test_a_deleted_register_branch_is_refused(office: Site, ci: Key, tmp_path: Path) -> None:
    approved_release(office, "pertama")
    bare = make_bare(office, tmp_path)
    runner = clone(office, bare, "runner")
    assert signed(runner, ci)[0] == 0
    bare_git(bare, "update-ref", "-d", f"refs/heads/{BRANCH}")
    approved_release(office, "kedua")
    office.git("push", "-q", str(bare), "main")
    for who in (runner, clone(office, bare, "fresh")):
        code, doc = signed(who, ci)
        assert code != 0, doc
        assert BRANCH in json.dumps(doc)
    assert bare_git(bare, "rev-parse", "--verify", "--quiet", BRANCH, check=False) == ""


def _start(site: Site, barrier: Path, ci: Key) -> subprocess.Popen[str]:
    env = {**site.env(site.cast["wahyu"], sign=False), "PYTHONPATH": str(PROJECT),
           "WARTA_TEST_BARRIER": f"{barrier}:2", SIGNING_KEY_ENV: ci.text}
    return subprocess.Popen([sys.executable, "-m", "pipeline", "publish", "--json"], cwd=site.root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(proc: subprocess.Popen[str]) -> tuple[int, dict[str, Any]]:
    out, err = proc.communicate(timeout=300)
    assert "Traceback" not in err, err
    try:
        return proc.returncode, json.loads(out)
    except ValueError:
        raise AssertionError(f"exit {proc.returncode}\n{out}\n{err}") from None


def test_two_racing_runs_number_each_item_once_on_the_branch(office: Site, ci: Key, tmp_path: Path) -> None:
    a = approved_release(office, "bantuan-bibit")
    b = approved_release(office, "subsidi-pupuk", kind="berita")
    bare = make_bare(office, tmp_path)
    main_before = bare_git(bare, "rev-parse", "main")
    one, two = clone(office, bare, "runner-1"), clone(office, bare, "runner-2")
    barrier = tmp_path / "barrier"
    first, second = _start(one, barrier, ci), _start(two, barrier, ci)
    (code_1, doc_1), (code_2, doc_2) = _finish(first), _finish(second)
    assert (code_1, code_2) == (0, 0), json.dumps([doc_1, doc_2], indent=1)
    assert min(doc_1["attempts"], doc_2["attempts"]) == 1 < max(doc_1["attempts"], doc_2["attempts"])
    loser = doc_1 if doc_1["attempts"] != 1 else doc_2
    assert loser["numbers"] == []
    held = remote_register(bare)
    assert set(held) == {a, b, "content/halaman/tentang.md"}
    numbers = [str(r["number"]) for r in held.values()]
    assert len(set(numbers)) == len(numbers)
    assert contiguous([(str(r["klasifikasi"]["code"]), int(r["tahun"]), int(r["urut"])) for r in held.values()])
    assert all(r["published_at"] for r in held.values())
    tagged = sorted(t.removeprefix("refs/tags/") for t in
                    bare_git(bare, "for-each-ref", "--format=%(refname)", "refs/tags/arsip").split())
    assert tagged == sorted(f"arsip/{n}" for n in numbers)
    assert bare_git(bare, "rev-parse", "main") == main_before
    # a third run numbers nothing more
    third = clone(office, bare, "runner-3")
    code, doc = signed(third, ci)
    assert code == 0 and doc["numbers"] == [], doc


def test_publish_without_the_remote_branch_yet_creates_it(office: Site, ci: Key, tmp_path: Path) -> None:
    path = approved_release(office, "pertama")
    bare = make_bare(office, tmp_path)
    assert bare_git(bare, "rev-parse", "--verify", "--quiet", BRANCH, check=False) == ""
    proc = publish(clone(office, bare, "runner"), env={SIGNING_KEY_ENV: ci.text})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert path in remote_register(bare)
