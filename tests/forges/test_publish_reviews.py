"""The whole flow with forge approvals only: a pull request approved by GitHub reviews in SOP order,
merged, published; ``warta publish`` copies the counted reviews into git as records signed by the
publishing identity, the archive record names the reviews, and later verification needs no forge."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from approvals_helpers import Person, Site, release
from forge_helpers import IDS, publishing_office, run_cli, user
from identity_helpers import CI_EMAIL, Key
from publish_helpers import PUBLISH_YML, publish_json, records
from servers import TOKEN, GitHubServer

T0 = int(time.time()) - 3600


@pytest.fixture
def office(tmp_path: Path, cast: dict[str, Person], ci: Key, gh: GitHubServer,
           monkeypatch: pytest.MonkeyPatch) -> Site:
    return publishing_office(tmp_path, cast, monkeypatch, PUBLISH_YML, gh.url, ci.public, gh.collaborator)


def approved_on_the_forge(site: Site, gh: GitHubServer) -> tuple[str, str]:
    path = release(site)
    head = site.head()
    gh.add_pull(7, head, user("rina"))
    gh.review(7, user("dwi"), "APPROVED", head, T0, body="Sudah diperiksa.")
    gh.review(7, user("hendro"), "APPROVED", head, T0 + 60)
    merge = site.merge("rilis/bantuan-bibit", site.cast["wahyu"])
    gh.merge_pull(7, merge)
    return path, head


def test_published_reviews_are_copied_into_git_and_named_by_the_archive_record(
        office: Site, gh: GitHubServer, ci: Key, monkeypatch: pytest.MonkeyPatch) -> None:
    path, head = approved_on_the_forge(office, gh)
    code, doc = publish_json(office, env={"GITHUB_TOKEN": TOKEN, "WARTA_SIGNING_KEY": ci.text})
    assert code == 0, doc
    approvals = records(office.root)[path]["approvals"]
    assert [(a["step"], a["name"]) for a in approvals] == [(2, "Dwi Astuti"), (3, "Hendro Wibowo")]
    for approval, who in zip(approvals, ("dwi", "hendro"), strict=True):
        source = approval["source"]
        assert source["type"] == "forge" and source["forge"] == "github" and source["commit"] == head
        assert source["reviewer_id"] == IDS[who] and "pullrequestreview-" in source["review"]
        message = office.git("log", "-1", "--format=%B", source["record"])
        assert "Warta-Source: github" in message and f"Warta-Reviewer-Id: {IDS[who]}" in message
        assert office.git("log", "-1", "--format=%ce %G?", source["record"]).startswith(CI_EMAIL)

    copies = office.git("log", "--format=%H", "--grep=Warta-Source: github", "main").split()
    assert len(copies) == 2  # register on main: the copies are main's commits, and no review branch is made
    assert "-ulasan" not in office.git("for-each-ref", "--format=%(refname)", "refs/heads/")
    code, doc = publish_json(office, env={"GITHUB_TOKEN": TOKEN, "WARTA_SIGNING_KEY": ci.text})
    assert code == 0 and office.git("log", "--format=%H", "--grep=Warta-Source: github", "main").split() == copies

    # the forge forgets, changes its mind, or is gone: git alone still holds the approved chain
    for rid in [r["id"] for r in gh.reviews[7]]:
        gh.dismiss(7, rid)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    proc = run_cli(office, "status", "--all", "--json")
    item = next(i for i in json.loads(proc.stdout)["items"] if i["path"] == path)
    assert item["complete"] and [s["source"] for s in item["steps"]] == ["github", "github"]
    assert run_cli(office, "verify", "--all").returncode == 0

    shown = run_cli(office, "archive", "show", path)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.count("github review") == 2 and "dwi-gh (id 201)" in shown.stdout


def test_a_copied_review_not_signed_by_the_publishing_identity_counts_for_nothing(
        office: Site, gh: GitHubServer, ci: Key) -> None:
    path = release(office)
    office.merge("rilis/bantuan-bibit", office.cast["wahyu"])
    dwi = office.cast["dwi"]
    digest = office.digest(path)
    message = (f"Approve step 2\n\nWarta-Item: {path}\nWarta-Digest: {digest}\nWarta-Step: 2\nWarta-Role: kasubbag\n"
               "Warta-Decision: approve\nWarta-Source: github\nWarta-Review-Id: 1\nWarta-Reviewer-Id: 201\n")
    office.git("-c", f"user.signingkey={dwi.key}.pub", "-c", "gpg.format=ssh", "commit", "-q", "--allow-empty",
               "-S", "-m", message, person=dwi, sign=False)  # Dwi signs a "copy" herself
    proc = run_cli(office, "status", "--all", "--json")
    item = next(i for i in json.loads(proc.stdout)["items"] if i["path"] == path)
    assert item["steps"][0]["status"] == "pending"
    assert any("not_publishing_identity" in r["codes"] for r in item["rejections"])


def test_publish_reports_branch_rules_weaker_than_required(office: Site, gh: GitHubServer, ci: Key) -> None:
    code, doc = publish_json(office, "--dry-run", env={"GITHUB_TOKEN": TOKEN})
    warnings = " ".join(doc["warnings"])
    assert "branch main is not protected" in warnings
    gh.protection = {"required_pull_request_reviews": {"dismiss_stale_reviews": True,
                                                       "require_code_owner_reviews": False},
                     "required_status_checks": {"contexts": ["test"], "checks": [{"context": "test"}]}}
    code, doc = publish_json(office, "--dry-run", env={"GITHUB_TOKEN": TOKEN})
    warnings = " ".join(doc["warnings"])
    assert "code-owner review is not required" in warnings and "warta/approvals is not required" in warnings
    assert "dismissed on a new push" not in warnings
    gh.protection = None
    gh.rules = [{"type": "pull_request", "parameters": {"require_code_owner_review": True,
                                                        "require_last_push_approval": True}},
                {"type": "required_status_checks",
                 "parameters": {"required_status_checks": [{"context": "warta/approvals"}]}}]
    code, doc = publish_json(office, "--dry-run", env={"GITHUB_TOKEN": TOKEN})
    assert [w for w in doc["warnings"] if "branch rules" in w] == [
        "branch rules of dinas/situs (main): squash or rebase merging is allowed: it drops the approval records and "
        "the reviewed commits; allow merge commits only"]
    gh.settings.update(allow_squash_merge=False, allow_rebase_merge=False)
    code, doc = publish_json(office, "--dry-run", env={"GITHUB_TOKEN": TOKEN})
    assert not any("branch rules" in w for w in doc["warnings"]), doc["warnings"]


def test_a_copied_review_never_approves_a_governed_file_even_signed_by_the_identity(
        office: Site, gh: GitHubServer, ci: Key) -> None:
    office.switch("sop-change", create=True)
    rel = "sop/rilis-uji.yaml"
    office.write(rel, (office.root / rel).read_text().replace("Menyetujui rilis", "Menyetujui rilis (baru)"))
    office.commit("Ubah SOP", office.cast["rina"])
    digest = office.digest(rel)
    wahyu = office.cast["wahyu"]  # kepala_dinas signs rilis-uji
    message = (f"Approve {rel}\n\nWarta-Item: {rel}\nWarta-Digest: {digest}\nWarta-Step: 1\nWarta-Role: kepala_dinas\n"
               "Warta-Decision: approve\nWarta-Source: github\nWarta-Review-Id: 9\nWarta-Reviewer-Id: 401\n")
    office.git("-c", f"user.signingkey={ci.private}", "-c", "gpg.format=ssh", "commit", "-q", "--allow-empty", "-S",
               "-m", message, person=wahyu, sign=False)  # as if warta publish had copied a review of it
    proc = run_cli(office, "verify", "--json")
    gov = next(g for g in json.loads(proc.stdout)["governance"] if g["path"] == rel)
    assert not gov["complete"] and any("forge_governance" in r["codes"] for r in gov["rejections"])
