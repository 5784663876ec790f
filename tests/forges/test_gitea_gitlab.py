"""Gitea/Forgejo reviews and GitLab approvals as SOP approvals, against local stand-ins of their APIs."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from approvals_helpers import Person, Site, item_text, release
from forge_helpers import IDS, forge_site, run_cli, user
from servers import TOKEN, GiteaServer, GitLabServer

T0 = int(time.time()) - 3600


def verify(site: Site, *args: str) -> tuple[int, dict[str, Any]]:
    proc = run_cli(site, "verify", "--pr", "7", "--json", *args)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def chain(doc: dict[str, Any], path: str) -> tuple[dict[int, dict[str, Any]], list[str]]:
    item = next(i for i in doc["items"] if i["path"] == path)
    return {s["step"]: s for s in item["steps"]}, [c for r in item["rejections"] for c in r["codes"]]


@pytest.fixture
def gitea_site(tmp_path: Path, cast: dict[str, Person], monkeypatch: pytest.MonkeyPatch, gitea: GiteaServer) -> Site:
    site = forge_site(tmp_path, cast, monkeypatch, gitea.api, kind="forgejo", token_env="FORGEJO_TOKEN")
    for handle in IDS:
        gitea.collaborator(user(handle))
    return site


@pytest.fixture
def gitlab_site(tmp_path: Path, cast: dict[str, Person], monkeypatch: pytest.MonkeyPatch,
                gitlab: GitLabServer) -> Site:
    site = forge_site(tmp_path, cast, monkeypatch, gitlab.api, kind="gitlab", token_env="GITLAB_TOKEN")
    for handle in IDS:
        gitlab.members[IDS[handle]] = 30
    return site


# -- Gitea / Forgejo ---------------------------------------------------------------------------------------


def test_forgejo_reviews_in_order_count_across_pages_and_report_a_status(gitea_site: Site, gitea: GiteaServer) -> None:
    path = release(gitea_site)
    head = gitea_site.head()
    gitea.add_pull(7, head, user("rina"))
    for i in range(60):  # more than one page of comments first
        gitea.review(7, user("eve"), "COMMENT", head, T0 - 1000 + i, body="catatan")
    gitea.review(7, user("dwi"), "APPROVED", head, T0)
    gitea.review(7, user("hendro"), "APPROVED", head, T0 + 60)
    code, doc = verify(gitea_site)
    steps, _ = chain(doc, path)
    assert code == 0 and steps[2]["source"] == steps[3]["source"] == "gitea"
    assert len(gitea.seen(r"/pulls/7/reviews$")) == 2
    proc = run_cli(gitea_site, "verify", "--pr", "7", "--report")
    assert proc.returncode == 0
    sha, status = gitea.statuses[-1]
    assert sha == head and status["state"] == "success" and status["context"] == "warta/approvals"
    assert gitea.requests[-1]["headers"]["Authorization"] == f"token {TOKEN}"


def test_forgejo_dismissed_approval_is_nothing_and_dismissed_request_for_changes_still_returns(
        gitea_site: Site, gitea: GiteaServer) -> None:
    path = release(gitea_site)
    head = gitea_site.head()
    gitea.add_pull(7, head, user("rina"))
    gitea.review(7, user("dwi"), "APPROVED", head, T0, dismissed=True)
    code, doc = verify(gitea_site)
    steps, codes = chain(doc, path)
    assert steps[2]["status"] == "pending" and "dismissed" in codes
    gitea.review(7, user("ani"), "REQUEST_CHANGES", head, T0 + 30, body="Judul salah ketik.", dismissed=True)
    code, doc = verify(gitea_site)
    item = next(i for i in doc["items"] if i["path"] == path)
    assert item["state"] == "returned" and any("Judul salah ketik" in r for r in item["reasons"])


def test_forgejo_an_edited_review_cannot_choose_a_role(gitea_site: Site, gitea: GiteaServer) -> None:
    path = release(gitea_site)
    gitea.add_pull(7, gitea_site.head(), user("rina"))
    gitea.review(7, user("dwi"), "APPROVED", gitea_site.head(), T0, body="Warta-Role: kasubbag", updated=T0 + 500)
    code, doc = verify(gitea_site)
    steps, codes = chain(doc, path)
    assert steps[2]["status"] == "pending" and "warta_role" in codes


# -- GitLab ------------------------------------------------------------------------------------------------


def test_gitlab_approvals_are_tied_to_the_head_of_their_moment(gitlab_site: Site, gitlab: GitLabServer) -> None:
    path = release(gitlab_site)
    first = gitlab_site.head()
    gitlab.add_mr(7, first, user("rina"), T0)
    gitlab.note(7, user("dwi"), "approved this merge request", T0 + 10)  # of the first version
    gitlab.note(7, user("hendro"), "Sudah saya baca.", T0 + 20, system=False)  # a comment: nothing
    code, doc = verify(gitlab_site)
    steps, _ = chain(doc, path)
    assert steps[2]["status"] == "approved" and steps[2]["source"] == "gitlab" and steps[2]["commit"] == first
    gitlab_site.write(path, item_text(body="Isi rilis yang diubah."))
    second = gitlab_site.commit("Ubah isi", gitlab_site.cast["rina"])
    gitlab.push(7, second, T0 + 30)
    gitlab.note(7, user("hendro"), "approved this merge request", T0 + 40)
    code, doc = verify(gitlab_site)
    steps, codes = chain(doc, path)
    assert code == 1 and steps[2]["status"] == "pending" and "stale_digest" in codes  # Dwi saw the old text
    gitlab.note(7, user("dwi"), "unapproved this merge request", T0 + 50)
    gitlab.note(7, user("dwi"), "approved this merge request", T0 + 60)
    gitlab.note(7, user("hendro"), "unapproved this merge request", T0 + 65)
    gitlab.note(7, user("hendro"), "approved this merge request", T0 + 70)
    code, doc = verify(gitlab_site)
    steps, _ = chain(doc, path)
    assert code == 0 and steps[2]["commit"] == steps[3]["commit"] == second


def test_gitlab_a_revoked_approval_or_a_member_below_developer_counts_for_nothing(
        gitlab_site: Site, gitlab: GitLabServer) -> None:
    path = release(gitlab_site)
    gitlab.add_mr(7, gitlab_site.head(), user("rina"), T0)
    gitlab.note(7, user("dwi"), "approved this merge request", T0 + 10)
    gitlab.note(7, user("dwi"), "unapproved this merge request", T0 + 20)
    code, doc = verify(gitlab_site)
    steps, codes = chain(doc, path)
    assert steps[2]["status"] == "pending" and "dismissed" in codes
    gitlab.members[IDS["ani"]] = 20  # Reporter: may not push
    gitlab.note(7, user("ani"), "approved this merge request", T0 + 30)
    code, doc = verify(gitlab_site)
    steps, codes = chain(doc, path)
    assert steps[2]["status"] == "pending" and "not_collaborator" in codes


def test_gitlab_requested_changes_is_a_return(gitlab_site: Site, gitlab: GitLabServer) -> None:
    path = release(gitlab_site)
    gitlab.add_mr(7, gitlab_site.head(), user("rina"), T0)
    gitlab.note(7, user("dwi"), "requested changes", T0 + 10)
    code, doc = verify(gitlab_site)
    assert next(i for i in doc["items"] if i["path"] == path)["state"] == "returned"
