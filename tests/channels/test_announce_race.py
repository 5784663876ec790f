"""Two ``warta publish`` runs on two clones of one remote announce the same new releases at the same time:
an attempt is claimed only by a fast-forward push of the tip a run read, so each post goes out once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from approvals_helpers import PROJECT, Person, Site
from channel_servers import TOKEN, Platforms, channel_office
from publish_helpers import approved_release, isolated_env

ENV = {"T_MASTODON": TOKEN, "T_TELEGRAM": TOKEN, "T_XK": "ck", "T_XS": "cs", "T_XT": "at", "T_XTS": "as"}


def _clone(origin: Site, bare: Path, name: str) -> Site:
    target = bare.parent / name
    subprocess.run(["git", "clone", "-q", str(bare), str(target)], check=True, capture_output=True,
                   env=origin.env(origin.cast["wahyu"]))
    return Site(target, origin.cast, origin.home)


def _start(clone: Site, tmp_path: Path) -> subprocess.Popen[str]:
    env = {**clone.env(clone.cast["wahyu"], sign=False), "PYTHONPATH": str(PROJECT), **ENV,
           "WARTA_TEST_BARRIER": f"{tmp_path / 'numbering'}:2",
           "WARTA_TEST_BARRIER_ANNOUNCE": f"{tmp_path / 'announce'}:2"}
    return subprocess.Popen([sys.executable, "-m", "pipeline", "publish", "--json"], cwd=clone.root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("branch", [None, "warta-arsip"])
def test_two_runs_racing_to_announce_post_each_release_once(tmp_path: Path, cast: dict[str, Person],
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           platforms: Platforms, branch: str | None) -> None:
    """On main, and with the register (and so the posting ledger) on its own branch."""
    origin = channel_office(tmp_path, cast, platforms, register_branch=branch)
    for key, value in isolated_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    approved_release(origin, "bantuan-bibit", title="Bantuan Bibit Cabai")
    approved_release(origin, "subsidi-pupuk", title="Subsidi Pupuk")
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(origin.root), str(bare)], check=True, capture_output=True)
    runs = [_start(_clone(origin, bare, f"runner-{i}"), tmp_path) for i in (1, 2)]
    outputs = [r.communicate(timeout=300) for r in runs]
    assert all("Traceback" not in err for _, err in outputs), outputs
    docs = [json.loads(out) for out, _ in outputs]
    for kind in ("mastodon", "telegram", "x"):
        assert sorted(p.split("\n")[0] for p in platforms.posts(kind)) == ["Bantuan Bibit Cabai", "Subsidi Pupuk"]
    # the loser says so; a later run finds every post recorded and sends nothing
    losers = [d for d in docs if any("claimed these posts first" in e for e in d["channel_errors"])]
    assert len(losers) == 1, json.dumps(docs, indent=1)
    third = _clone(origin, bare, "runner-3")
    proc = subprocess.run([sys.executable, "-m", "pipeline", "publish", "--json"], cwd=third.root,
                          env={**third.env(third.cast["wahyu"], sign=False), "PYTHONPATH": str(PROJECT), **ENV},
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for kind in ("mastodon", "telegram", "x"):
        assert len(platforms.posts(kind)) == 2
    ref = branch or "main"
    files = subprocess.run(["git", f"--git-dir={bare}", "ls-tree", "-r", "--name-only", ref, "arsip/"],
                           check=True, capture_output=True, text=True).stdout.split()
    if branch:  # nothing of the register reached main
        assert subprocess.run(["git", f"--git-dir={bare}", "ls-tree", "-r", "--name-only", "main", "arsip/"],
                              check=True, capture_output=True, text=True).stdout == ""
    states = []
    for file in files:
        data = yaml.safe_load(subprocess.run(["git", f"--git-dir={bare}", "show", f"{ref}:{file}"], check=True,
                                             capture_output=True, text=True).stdout)
        states += [c.get("state") for c in data["channels"] if c["channel"] in ("mastodon", "telegram", "x")]
    assert states == ["sent"] * 6
