"""GitHub pull-request reviews as SOP approvals, judged by ``warta verify --pr N`` against a local GitHub
stand-in. The test SOP (tests/approvals_helpers.py, ``rilis-uji``): step 2 kasubbag (Dwi, Ani), step 3
sekdin (Hendro); Rina (operator) writes."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from approvals_helpers import Person, Site, item_text, release
from forge_helpers import IDS, forge_site, people_with_ids, run_cli, user
from servers import GitHubServer

T0 = int(time.time()) - 3600


def verify(site: Site, *args: str) -> tuple[int, dict[str, Any]]:
    proc = run_cli(site, "verify", "--pr", "7", "--json", *args)
    assert proc.returncode in (0, 1, 2), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def item(doc: dict[str, Any], path: str) -> dict[str, Any]:
    return next(i for i in doc["items"] if i["path"] == path)


def steps(doc: dict[str, Any], path: str) -> dict[int, dict[str, Any]]:
    return {s["step"]: s for s in item(doc, path)["steps"]}


def codes(doc: dict[str, Any], path: str) -> list[str]:
    return [c for r in item(doc, path)["rejections"] for c in r["codes"]]


def opened(site: Site, gh: GitHubServer, author: str = "rina") -> str:
    path = release(site)
    gh.add_pull(7, site.head(), user(author))
    return path


def test_reviews_in_sop_order_approve_every_step(site: Site, gh: GitHubServer) -> None:
    path = opened(site, gh)
    head = site.head()
    gh.review(7, user("dwi"), "APPROVED", head, T0)
    gh.review(7, user("hendro"), "APPROVED", head, T0 + 60)
    code, doc = verify(site)
    assert code == 0, doc
    got = steps(doc, path)
    assert got[2]["status"] == got[3]["status"] == "approved"
    assert (got[2]["by"], got[3]["by"]) == ("Dwi Astuti", "Hendro Wibowo")
    assert got[2]["source"] == got[3]["source"] == "github"
    assert got[2]["commit"] == head and got[2]["review"]["reviewer_id"] == 201
    assert "pullrequestreview-" in got[3]["review"]["url"]


def test_a_review_before_the_previous_step_does_not_count_until_given_again(site: Site, gh: GitHubServer) -> None:
    path = opened(site, gh)
    head = site.head()
    gh.review(7, user("hendro"), "APPROVED", head, T0)  # step 3 first: out of order
    gh.review(7, user("dwi"), "APPROVED", head, T0 + 60)
    code, doc = verify(site)
    assert code == 1
    assert steps(doc, path)[2]["status"] == "approved" and steps(doc, path)[3]["status"] == "pending"
    assert "out_of_order" in codes(doc, path)
    gh.review(7, user("hendro"), "APPROVED", head, T0 + 120)  # again, now in order
    code, doc = verify(site)
    assert code == 0 and steps(doc, path)[3]["by"] == "Hendro Wibowo"


def test_a_review_of_an_older_commit_is_stale_for_content_changed_since(site: Site, gh: GitHubServer) -> None:
    path = opened(site, gh)
    old = site.head()
    gh.review(7, user("dwi"), "APPROVED", old, T0)
    site.write(path, item_text(body="Isi rilis yang diubah setelah diperiksa."))
    new = site.commit("Ubah isi", site.cast["rina"])
    gh.pulls[7]["head"]["sha"] = new
    gh.review(7, user("hendro"), "APPROVED", new, T0 + 60)
    code, doc = verify(site)
    assert code == 1
    assert steps(doc, path)[2]["status"] == "pending"
    assert "stale_digest" in codes(doc, path)


def test_a_dismissed_approval_counts_for_nothing(site: Site, gh: GitHubServer) -> None:
    path = opened(site, gh)
    rid = gh.review(7, user("dwi"), "APPROVED", site.head(), T0)
    gh.dismiss(7, rid)
    code, doc = verify(site)
    assert code == 1
    assert steps(doc, path)[2]["status"] == "pending"
    assert "dismissed" in codes(doc, path)


def test_a_reviewer_not_in_people_yaml_counts_for_nothing(site: Site, gh: GitHubServer) -> None:
    path = opened(site, gh)
    gh.collaborator((999, "outsider"))
    gh.review(7, (999, "outsider"), "APPROVED", site.head(), T0)
    code, doc = verify(site)
    assert code == 1 and steps(doc, path)[2]["status"] == "pending"
    reasons = " ".join(r for x in item(doc, path)["rejections"] for r in x["reasons"])
    assert "outsider (id 999)" in reasons and "unknown_forge_user" in codes(doc, path)


def test_a_login_without_an_id_matches_nobody(tmp_path: Path, cast: dict[str, Person], monkeypatch: pytest.MonkeyPatch,
                                              gh: GitHubServer) -> None:
    people = people_with_ids(cast, ids={k: v for k, v in IDS.items() if k != "dwi"}, login_only=("dwi",))
    site = forge_site(tmp_path, cast, monkeypatch, gh.url, people=people)
    gh.collaborator(user("dwi"))
    path = opened(site, gh)
    gh.review(7, user("dwi"), "APPROVED", site.head(), T0)  # login dwi-gh, as people.yaml's github: says
    code, doc = verify(site)
    assert code == 1 and steps(doc, path)[2]["status"] == "pending"
    assert any("a login alone matches nobody" in r for x in item(doc, path)["rejections"] for r in x["reasons"])


def test_a_renamed_login_with_the_same_id_still_counts(site: Site, gh: GitHubServer) -> None:
    path = opened(site, gh)
    gh.collaborator((201, "dwi-astuti-baru"))
    gh.review(7, (201, "dwi-astuti-baru"), "APPROVED", site.head(), T0)
    code, doc = verify(site)
    assert steps(doc, path)[2]["status"] == "approved" and steps(doc, path)[2]["by"] == "Dwi Astuti"


def test_a_login_taken_over_by_another_account_is_not_a_collaborator(site: Site, gh: GitHubServer) -> None:
    path = opened(site, gh)
    gh.collaborator((777, "dwi-gh"))  # the login now belongs to account 777; Dwi's id 201 reviewed
    gh.review(7, user("dwi"), "APPROVED", site.head(), T0)
    code, doc = verify(site)
    assert steps(doc, path)[2]["status"] == "pending" and "not_collaborator" in codes(doc, path)


def test_a_reviewer_without_write_access_counts_for_nothing(site: Site, gh: GitHubServer) -> None:
    path = opened(site, gh)
    gh.collaborator(user("dwi"), "read")
    gh.review(7, user("dwi"), "APPROVED", site.head(), T0)
    code, doc = verify(site)
    assert steps(doc, path)[2]["status"] == "pending" and "not_collaborator" in codes(doc, path)


def test_the_pull_requests_author_cannot_approve_it(site: Site, gh: GitHubServer) -> None:
    path = opened(site, gh, author="dwi")  # Dwi opened the pull request for Rina's text
    gh.review(7, user("dwi"), "APPROVED", site.head(), T0)
    code, doc = verify(site)
    assert code == 1 and steps(doc, path)[2]["status"] == "pending"
    assert "author" in codes(doc, path)


def test_changes_requested_returns_with_the_body_as_reason_until_the_content_changes(site: Site,
                                                                                   gh: GitHubServer) -> None:
    path = opened(site, gh)
    first = site.head()
    rid = gh.review(7, user("dwi"), "CHANGES_REQUESTED", first, T0, body="Foto kurang jelas, ganti.")
    gh.review(7, user("dwi"), "APPROVED", first, T0 + 30)  # same content: the return still blocks
    code, doc = verify(site)
    assert code == 1 and item(doc, path)["state"] == "returned"
    assert any("Foto kurang jelas" in r for r in item(doc, path)["reasons"])
    gh.dismiss(7, rid)  # dismissing the request for changes does not undo the return
    code, doc = verify(site)
    assert item(doc, path)["state"] == "returned"
    site.write(path, item_text(body="Isi rilis dengan foto baru."))
    fixed = site.commit("Ganti foto", site.cast["rina"])
    gh.pulls[7]["head"]["sha"] = fixed
    gh.review(7, user("dwi"), "APPROVED", fixed, T0 + 120)
    gh.review(7, user("hendro"), "APPROVED", fixed, T0 + 180)
    code, doc = verify(site)
    assert code == 0, item(doc, path)["reasons"]


def test_a_comment_counts_for_nothing(site: Site, gh: GitHubServer) -> None:
    path = opened(site, gh)
    gh.review(7, user("dwi"), "COMMENTED", site.head(), T0, body="Sudah bagus. Warta-Role: kasubbag")
    code, doc = verify(site)
    assert code == 1 and steps(doc, path)[2]["status"] == "pending" and item(doc, path)["rejections"] == []


def test_two_roles_the_next_step_without_warta_role_and_the_named_role_with_it(
        tmp_path: Path, cast: dict[str, Person], monkeypatch: pytest.MonkeyPatch, gh: GitHubServer) -> None:
    people = people_with_ids(cast, overrides={"ani": ("kasubbag", "sekdin")})
    site = forge_site(tmp_path, cast, monkeypatch, gh.url, people=people)
    for handle in IDS:
        gh.collaborator(user(handle))
    path = opened(site, gh)
    head = site.head()
    gh.review(7, user("ani"), "APPROVED", head, T0, body="Setuju.\nWarta-Role: sekdin")  # sekdin: not yet
    code, doc = verify(site)
    assert steps(doc, path)[2]["status"] == "pending" and "out_of_order" in codes(doc, path)
    gh.review(7, user("ani"), "APPROVED", head, T0 + 60, body="Setuju.")  # the next step she holds: kasubbag
    code, doc = verify(site)
    assert steps(doc, path)[2]["by"] == "Ani Rahayu" and steps(doc, path)[3]["status"] == "pending"
    gh.review(7, user("ani"), "APPROVED", head, T0 + 90, body="Warta-Role: sekdin")  # one person, one step
    code, doc = verify(site)
    assert steps(doc, path)[3]["status"] == "pending" and "same_person" in codes(doc, path)


def test_an_edited_review_body_cannot_choose_the_role(site: Site, gh: GitHubServer) -> None:
    path = opened(site, gh)
    rid = gh.review(7, user("dwi"), "APPROVED", site.head(), T0, body="Warta-Role: kasubbag")
    gh.edited.add(rid)
    code, doc = verify(site)
    assert steps(doc, path)[2]["status"] == "pending" and "warta_role" in codes(doc, path)


def test_a_review_never_approves_a_governed_file(site: Site, gh: GitHubServer) -> None:
    site.switch("sop-change", create=True)
    sop = site.root / "sop/rilis-uji.yaml"
    site.write("sop/rilis-uji.yaml", sop.read_text().replace("Menyetujui rilis", "Menyetujui rilis (diubah)"))
    site.commit("Ubah SOP", site.cast["rina"])
    gh.add_pull(7, site.head(), user("rina"))
    gh.review(7, user("wahyu"), "APPROVED", site.head(), T0)  # kepala_dinas signs rilis-uji
    code, doc = verify(site)
    assert code == 1
    gov = next(g for g in doc["governance"] if g["path"] == "sop/rilis-uji.yaml")
    assert not gov["complete"] and any("forge_governance" in r["codes"] for r in gov["rejections"])


def test_reviews_of_a_pull_request_into_another_branch_approve_nothing(site: Site, gh: GitHubServer) -> None:
    release(site)
    head = site.head()
    gh.add_pull(7, head, user("rina"), base="staging")
    gh.review(7, user("dwi"), "APPROVED", head, T0)
    gh.review(7, user("hendro"), "APPROVED", head, T0 + 60)
    code, doc = verify(site)
    assert code == 1 and any("would merge into staging" in p for p in doc["problems"])


def test_a_pull_request_whose_head_is_not_checked_out_fails(site: Site, gh: GitHubServer) -> None:
    release(site)
    gh.add_pull(7, "f" * 40, user("rina"))
    code, doc = verify(site)
    assert code == 1 and any("does not contain the head" in p for p in doc["problems"])


def test_git_records_and_reviews_make_one_chain_in_graph_order(site: Site, gh: GitHubServer) -> None:
    path = opened(site, gh)
    content = site.head()
    site.record(site.cast["dwi"], path, 2, "kasubbag")  # step 2 as a signed git record on the branch
    with_record = site.head()
    gh.pulls[7]["head"]["sha"] = with_record
    gh.review(7, user("hendro"), "APPROVED", content, int(time.time()) + 5)  # reviewed before the record existed
    code, doc = verify(site)
    assert code == 1 and steps(doc, path)[2]["source"] == "git" and "not_after_previous" in codes(doc, path)
    gh.review(7, user("hendro"), "APPROVED", with_record, int(time.time()) + 10)  # saw Dwi's record
    code, doc = verify(site)
    assert code == 0 and steps(doc, path)[3]["source"] == "github"


def test_changes_requested_by_someone_without_a_role_in_the_chain_is_only_a_comment(site: Site,
                                                                                   gh: GitHubServer) -> None:
    path = opened(site, gh)
    gh.review(7, user("yuli"), "CHANGES_REQUESTED", site.head(), T0, body="Menurut saya kurang menarik.")
    code, doc = verify(site)
    assert item(doc, path)["state"] != "returned" and "no_role_in_chain" in codes(doc, path)


def test_an_edited_request_for_changes_still_returns(site: Site, gh: GitHubServer) -> None:
    path = opened(site, gh)
    rid = gh.review(7, user("dwi"), "CHANGES_REQUESTED", site.head(), T0, body="Data salah.\nWarta-Role: kasubbag")
    gh.edited.add(rid)
    code, doc = verify(site)
    assert item(doc, path)["state"] == "returned"


def test_a_pending_review_counts_for_nothing(site: Site, gh: GitHubServer) -> None:
    path = opened(site, gh)
    gh.review(7, user("dwi"), "PENDING", site.head(), T0)
    del gh.reviews[7][-1]["submitted_at"]  # a pending review has not been submitted
    code, doc = verify(site)
    assert steps(doc, path)[2]["status"] == "pending" and item(doc, path)["rejections"] == []
