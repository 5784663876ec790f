"""Two ``warta publish`` runs race for one remote (issue 4 item 2): each item is numbered exactly once.

Two clones of one bare remote, each with a different newly merged release, start ``warta publish`` at the
same time. ``WARTA_TEST_BARRIER`` holds both before their first push until both got there, so the race
really happens: one push wins, the other is rejected, fetches, re-plans on the new main and pushes again.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from approvals_helpers import (
    PROJECT,
    Person,
    Site,
)
from publish_helpers import approved_release, contiguous, isolated_env, office, this_year


@pytest.fixture
def origin(tmp_path: Path, cast: dict[str, Person], monkeypatch: pytest.MonkeyPatch) -> Site:
    made = office(tmp_path, cast)
    for key, value in isolated_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    return made


def _clone(origin: Site, bare: Path, name: str) -> Site:
    target = bare.parent / name
    subprocess.run(["git", "clone", "-q", str(bare), str(target)], check=True, capture_output=True,
                   env=origin.env(origin.cast["wahyu"]))
    return Site(target, origin.cast, origin.home)


def _start(clone: Site, barrier: Path) -> subprocess.Popen[str]:
    env = {**clone.env(clone.cast["wahyu"], sign=False), "PYTHONPATH": str(PROJECT),
           "WARTA_TEST_BARRIER": f"{barrier}:2"}
    return subprocess.Popen([sys.executable, "-m", "pipeline", "publish", "--json"], cwd=clone.root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _bare_git(bare: Path, *args: str) -> str:
    return subprocess.run(["git", f"--git-dir={bare}", *args], check=True, capture_output=True,
                          text=True).stdout


def _remote_register(bare: Path) -> dict[str, dict[str, Any]]:
    files = [f for f in _bare_git(bare, "ls-tree", "-r", "--name-only", "main", "arsip/").split() if f]
    out: dict[str, dict[str, Any]] = {}
    for file in files:
        data = yaml.safe_load(_bare_git(bare, "show", f"main:{file}"))
        assert data["path"] not in out, f"{data['path']} has two records"
        data["_file"] = file
        out[data["path"]] = data
    return out


def _check_remote(bare: Path, expected_items: set[str]) -> dict[str, dict[str, Any]]:
    register = _remote_register(bare)
    assert set(register) == expected_items
    numbers = [str(r["number"]) for r in register.values()]
    assert len(set(numbers)) == len(numbers)
    assert contiguous([(str(r["klasifikasi"]["code"]), int(r["tahun"]), int(r["urut"]))
                       for r in register.values()])
    tag_lines = _bare_git(bare, "for-each-ref", "--format=%(refname:strip=2)", "refs/tags/arsip").split()
    assert sorted(tag_lines) == sorted(f"arsip/{n}" for n in numbers)
    for path, record in register.items():
        tag = f"arsip/{record['number']}"
        message = _bare_git(bare, "tag", "-l", "--format=%(contents)", tag)
        assert path in message
        tagged = _bare_git(bare, "rev-list", "-n", "1", tag).strip()
        assert str(record["_file"]) in _bare_git(bare, "ls-tree", "-r", "--name-only", tagged)
        assert _bare_git(bare, "merge-base", "--is-ancestor", tagged, "main") == ""
    return register


def _finish(proc: subprocess.Popen[str]) -> tuple[int, dict[str, Any]]:
    out, err = proc.communicate(timeout=300)
    assert "Traceback" not in err, err
    try:
        return proc.returncode, json.loads(out)
    except ValueError:
        raise AssertionError(f"exit {proc.returncode}\n{out}\n{err}") from None


def test_two_runs_on_different_new_items_number_each_once(origin: Site, tmp_path: Path) -> None:
    x = approved_release(origin, "xantosa-bibit", merge=False)
    y = approved_release(origin, "yudha-pupuk", merge=False)
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(origin.root), str(bare)], check=True, capture_output=True)
    one, two = _clone(origin, bare, "runner-1"), _clone(origin, bare, "runner-2")
    one.git("merge", "-q", "--no-ff", "--no-gpg-sign", "-m", "Merge rilis/xantosa-bibit",
            "origin/rilis/xantosa-bibit", person=one.cast["wahyu"])
    two.git("merge", "-q", "--no-ff", "--no-gpg-sign", "-m", "Merge rilis/yudha-pupuk",
            "origin/rilis/yudha-pupuk", person=two.cast["wahyu"])
    y_approvals = set(two.git("rev-list", "-n", "2", "origin/rilis/yudha-pupuk").split())

    barrier = tmp_path / "barrier"
    first, second = _start(one, barrier), _start(two, barrier)
    (code_1, doc_1), (code_2, doc_2) = _finish(first), _finish(second)

    assert (code_1, code_2) == (0, 0), json.dumps([doc_1, doc_2], indent=1)
    # one push was rejected and retried (more than once when the winner's second commit, the publication
    # record, got in between)
    assert min(doc_1["attempts"], doc_2["attempts"]) == 1 < max(doc_1["attempts"], doc_2["attempts"])
    register = _check_remote(bare, {x, y, "content/halaman/tentang.md"})
    year = this_year()
    assert {str(register[x]["number"]), str(register[y]["number"])} == {
        f"400.14.5.6/1/UJI/{year}", f"400.14.5.6/2/UJI/{year}"}
    # the loser's merge was put on top of the winner's work, its approvals untouched (still signed)
    assert {a["source"]["commit"] for a in register[y]["approvals"]} == y_approvals
    for record in register.values():
        assert record["published_at"] is not None  # both runs finished their publication records
    # every run sees the same register afterwards and numbers nothing more
    third = _clone(origin, bare, "runner-3")
    proc = subprocess.run([sys.executable, "-m", "pipeline", "publish", "--json"], cwd=third.root,
                          env={**third.env(third.cast["wahyu"], sign=False), "PYTHONPATH": str(PROJECT)},
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and json.loads(proc.stdout)["numbers"] == []
    assert _remote_register(bare) == register


def test_two_runs_on_the_same_new_items_do_not_number_twice(origin: Site, tmp_path: Path) -> None:
    a = approved_release(origin, "bantuan-bibit")
    b = approved_release(origin, "subsidi-pupuk", kind="berita")
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(origin.root), str(bare)], check=True, capture_output=True)
    one, two = _clone(origin, bare, "runner-1"), _clone(origin, bare, "runner-2")

    barrier = tmp_path / "barrier"
    first, second = _start(one, barrier), _start(two, barrier)
    (code_1, doc_1), (code_2, doc_2) = _finish(first), _finish(second)

    assert (code_1, code_2) == (0, 0), json.dumps([doc_1, doc_2], indent=1)
    assert min(doc_1["attempts"], doc_2["attempts"]) == 1 < max(doc_1["attempts"], doc_2["attempts"])
    loser = doc_1 if doc_1["attempts"] != 1 else doc_2
    assert loser["numbers"] == []  # on the new main everything already had its number
    _check_remote(bare, {a, b, "content/halaman/tentang.md"})
