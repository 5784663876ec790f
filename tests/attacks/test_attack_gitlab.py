"""Attacks on how GitLab approvals are tied to the content they approve (docs/forges.md): GitLab names no
commit for an approval, so warta takes the head of the newest version created before it. A push made
after an approval, even within the same second, must never receive that approval."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from approvals_helpers import Person, Site, item_text, release
from attack_forge import forge_fixtures
from servers import GitLabServer

T0 = int(time.time()) - 3600


@pytest.fixture
def gitlab() -> Iterator[GitLabServer]:
    server = GitLabServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def gitlab_site(tmp_path: Path, cast: dict[str, Person], monkeypatch: pytest.MonkeyPatch,
                gitlab: GitLabServer) -> Site:
    site: Site = forge_fixtures.forge_site(tmp_path, cast, monkeypatch, gitlab.api, kind="gitlab",
                                           token_env="GITLAB_TOKEN")
    for uid in forge_fixtures.IDS.values():
        gitlab.members[uid] = 30
    return site


def _stamp(epoch: int, millis: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{millis:03d}Z"


def _steps(site: Site) -> dict[int, dict[str, Any]]:
    proc = forge_fixtures.run_cli(site, "verify", "--pr", "7", "--json")
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    item = next(i for i in doc["items"] if i["path"].endswith(".md") and i["path"].startswith("content/"))
    return {s["step"]: s for s in item["steps"]}


@pytest.mark.parametrize(("approved_ms", "pushed_ms"), [(100, 900), (500, 500)])
def test_a_gitlab_approval_never_counts_for_a_push_made_in_the_same_second_after_it(
        gitlab_site: Site, gitlab: GitLabServer, approved_ms: int, pushed_ms: int) -> None:
    path = release(gitlab_site)
    first = gitlab_site.head()
    gitlab.add_mr(7, first, forge_fixtures.user("rina"), T0)
    # Dwi approves what she read; within the same second the operator pushes other text
    gitlab.note(7, forge_fixtures.user("dwi"), "approved this merge request", T0 + 10)
    gitlab.notes[7][-1]["created_at"] = _stamp(T0 + 10, approved_ms)
    gitlab_site.write(path, item_text(body="Isi yang tidak pernah dibaca Kasubbag."))
    second = gitlab_site.commit("Ubah isi", gitlab_site.cast["rina"])
    gitlab.push(7, second, T0 + 10)
    gitlab.versions[7][0]["created_at"] = _stamp(T0 + 10, pushed_ms)
    steps = _steps(gitlab_site)
    assert steps[2]["status"] != "approved", "an approval counted for text pushed after it"


def test_a_gitlab_approval_by_a_blocked_account_counts_for_nothing(gitlab_site: Site, gitlab: GitLabServer) -> None:
    """Hendro left the office: the admin blocked his account, which keeps its Developer membership."""
    release(gitlab_site)
    head = gitlab_site.head()
    gitlab.add_mr(7, head, forge_fixtures.user("rina"), T0)
    gitlab.note(7, forge_fixtures.user("dwi"), "approved this merge request", T0 + 10)
    gitlab.note(7, forge_fixtures.user("hendro"), "approved this merge request", T0 + 20)
    hendro = forge_fixtures.IDS["hendro"]
    project = "/api/v4/projects/" + gitlab.repository.replace("/", "%2F")

    def member(uid: str, **_: Any) -> tuple[int, dict[str, str], Any]:
        state = "blocked" if int(uid) == hendro else "active"
        return 200, {}, {"id": int(uid), "username": gitlab.users.get(int(uid), "?"), "state": state,
                         "access_level": 30, "membership_state": "active"}

    gitlab.routes.insert(0, ("GET", re.compile(rf"^{project}/members/all/(\d+)$"), member))
    steps = _steps(gitlab_site)
    assert steps[2]["status"] == "approved"
    assert steps[3]["status"] != "approved", "a blocked account's approval counted"
