"""Attacks on pull-request reviews as approvals (docs/forges.md), as an outsider opening a pull request,
an operator with push access and an approver acting alone, against the local GitHub stand-in."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from approvals_helpers import Site, item_text, release
from attack_forge import forge_fixtures
from servers import GitHubServer

T0 = int(time.time()) - 3600
user = forge_fixtures.user


def verify(site: Site) -> tuple[int, dict[str, Any]]:
    proc = forge_fixtures.run_cli(site, "verify", "--pr", "7", "--json")
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def item(doc: dict[str, Any], path: str) -> dict[str, Any]:
    return next(i for i in doc["items"] if i["path"] == path)


def test_approvals_of_a_head_later_force_pushed_away_count_for_nothing(forge: Site, gh: GitHubServer) -> None:
    path = release(forge)
    seen = forge.head()
    gh.add_pull(7, seen, user("rina"))
    gh.review(7, user("dwi"), "APPROVED", seen, T0)
    gh.review(7, user("hendro"), "APPROVED", seen, T0 + 60)
    # the author rewrites the branch: the approved commit is gone, other text is the head
    forge.git("reset", "-q", "--hard", "main")
    forge.write(path, item_text(body="Isi lain yang tidak pernah disetujui."))
    other = forge.commit("Rilis (ditulis ulang)", forge.cast["rina"])
    forge.git("reflog", "expire", "--expire=now", "--all")
    forge.git("gc", "-q", "--prune=now")
    gh.pulls[7]["head"]["sha"] = other
    code, doc = verify(forge)
    assert code == 1
    assert item(doc, path)["state"] != "approved"
    assert all(s["status"] != "approved" for s in item(doc, path)["steps"] if s["step"] > 1)


def test_a_request_for_changes_on_the_second_page_of_reviews_still_returns(forge: Site, gh: GitHubServer) -> None:
    path = release(forge)
    head = forge.head()
    gh.add_pull(7, head, user("rina"))
    gh.review(7, user("dwi"), "APPROVED", head, T0)
    for n in range(120):  # a long discussion: what follows is on page 2
        gh.review(7, user("ani"), "COMMENTED", head, T0 + 1 + n)
    gh.review(7, user("hendro"), "CHANGES_REQUESTED", head, T0 + 200, body="Angka anggaran salah.")
    gh.review(7, user("hendro"), "APPROVED", head, T0 + 300)  # the same text: the return still holds
    code, doc = verify(forge)
    assert len(gh.seen(r"/pulls/7/reviews$")) >= 2  # both pages were read
    assert code == 1
    assert item(doc, path)["state"] == "returned"


@pytest.mark.parametrize("governed", [".github/workflows/warta-pr.yml", "theme/templates/base.html",
                                      "sop/people.yaml", "warta.yml", "requirements.txt"])
def test_reviews_never_approve_a_governed_or_ci_file_changed_beside_an_item(forge: Site, gh: GitHubServer,
                                                                           governed: str) -> None:
    path = release(forge)
    target = forge.root / governed
    before = target.read_text(encoding="utf-8") if target.is_file() else ""
    forge.write(governed, before + "\n# diubah di cabang rilis\n")
    forge.commit("Rilis dan satu berkas lain", forge.cast["rina"])
    head = forge.head()
    gh.add_pull(7, head, user("rina"))
    gh.review(7, user("dwi"), "APPROVED", head, T0)
    gh.review(7, user("hendro"), "APPROVED", head, T0 + 60)
    gh.review(7, user("wahyu"), "APPROVED", head, T0 + 120)  # the SOPs' signatory, on the forge
    code, doc = verify(forge)
    assert code == 1, doc
    gov = next(g for g in doc["governance"] if g["path"] == governed)
    assert not gov["complete"]
    assert item(doc, path)["state"] == "approved"  # the item itself is approved by its reviews


def test_the_pull_request_author_cannot_approve_through_a_second_account(forge: Site, gh: GitHubServer) -> None:
    path = release(forge, author="dwi")  # Dwi (kasubbag) writes and signs the release herself
    head = forge.head()
    gh.add_pull(7, head, user("dwi"))
    gh.collaborator((9001, "dwi-pribadi"))
    gh.review(7, (9001, "dwi-pribadi"), "APPROVED", head, T0)  # her private account, in no people.yaml
    gh.review(7, user("ani"), "APPROVED", head, T0 + 30)  # the other kasubbag: this one counts
    gh.review(7, user("hendro"), "APPROVED", head, T0 + 60)
    code, doc = verify(forge)
    steps = {s["step"]: s for s in item(doc, path)["steps"]}
    assert steps[2]["by"] == "Ani Rahayu"
    codes = [c for r in item(doc, path)["rejections"] for c in r["codes"]]
    assert "unknown_forge_user" in codes
    assert all(s.get("by") != "Dwi Astuti" for s in steps.values())


@pytest.mark.parametrize("fault", ["drop", "500", "redirect:http://127.0.0.2:9"])
def test_a_forge_that_fails_is_a_json_error_without_the_token_and_never_a_pass(forge: Site, gh: GitHubServer,
                                                                                fault: str) -> None:
    release(forge)
    head = forge.head()
    gh.add_pull(7, head, user("rina"))
    gh.review(7, user("dwi"), "APPROVED", head, T0)
    gh.review(7, user("hendro"), "APPROVED", head, T0 + 60)
    gh.faults.extend([fault] * 5)
    proc = forge_fixtures.run_cli(forge, "verify", "--pr", "7", "--json")
    assert proc.returncode in (1, 2), proc.stdout
    doc = json.loads(proc.stdout)
    assert "error" in doc
    assert forge_fixtures.TOKEN not in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert not any(r["path"].endswith("/reviews") and "127.0.0.2" in r["path"] for r in gh.requests)


def test_a_warta_role_line_is_not_trusted_when_the_forge_cannot_say_whether_it_was_edited(
        forge: Site, gh: GitHubServer) -> None:
    path = release(forge)
    head = forge.head()
    gh.add_pull(7, head, user("rina"))
    gh.graphql_fails = True  # the token may not run the GraphQL query: edits cannot be seen
    gh.review(7, user("dwi"), "APPROVED", head, T0, body="Setuju.\nWarta-Role: kasubbag")
    code, doc = verify(forge)
    steps = {s["step"]: s for s in item(doc, path)["steps"]}
    assert steps[2]["status"] == "pending"
    assert "warta_role" in [c for r in item(doc, path)["rejections"] for c in r["codes"]]
    assert any("edited" in w for w in doc.get("warnings", []))


def test_an_approval_by_a_reviewer_without_write_access_never_completes_a_chain(forge: Site,
                                                                               gh: GitHubServer) -> None:
    """people.yaml still lists Hendro, but he may no longer write to the repository (he left the office)."""
    path = release(forge)
    head = forge.head()
    gh.add_pull(7, head, user("rina"))
    gh.collaborator(user("hendro"), permission="read")
    gh.review(7, user("dwi"), "APPROVED", head, T0)
    gh.review(7, user("hendro"), "APPROVED", head, T0 + 60)
    code, doc = verify(forge)
    assert code == 1 and item(doc, path)["state"] != "approved"
