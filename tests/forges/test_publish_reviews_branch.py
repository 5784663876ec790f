"""Forge approvals with the register on a branch of its own (``archive.register_branch``): the copies of
the counted reviews go to ``refs/warta/decisions`` (never to main), each descending from main's tip and
from the copy before it; they count under every rule, and the record on the register branch names them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from approvals_helpers import Person, Site
from forge_helpers import IDS, publishing_office, run_cli
from identity_helpers import CI_EMAIL, Key
from publish_helpers import publish_json
from register_branch_helpers import BRANCH, BRANCH_YML, branch_records
from servers import TOKEN, GitHubServer
from test_publish_reviews import approved_on_the_forge

from pipeline.approvals.decisions import REF


@pytest.fixture
def office(tmp_path: Path, cast: dict[str, Person], ci: Key, gh: GitHubServer,
           monkeypatch: pytest.MonkeyPatch) -> Site:
    return publishing_office(tmp_path, cast, monkeypatch, BRANCH_YML, gh.url, ci.public, gh.collaborator)


def test_review_copies_are_kept_on_the_decisions_ref_and_named_by_the_record_on_the_branch(
        office: Site, gh: GitHubServer, ci: Key, monkeypatch: pytest.MonkeyPatch) -> None:
    path, head = approved_on_the_forge(office, gh)
    main = office.git("rev-parse", "main")
    code, doc = publish_json(office, env={"GITHUB_TOKEN": TOKEN, "WARTA_SIGNING_KEY": ci.text})
    assert code == 0, doc
    assert office.git("rev-parse", "main") == main  # nothing was committed to main
    assert office.git("log", "--format=%H", "--grep=Warta-Source: github", "main") == ""
    record = branch_records(office)[path]
    assert record["published_at"]
    approvals = record["approvals"]
    assert [(a["step"], a["name"]) for a in approvals] == [(2, "Dwi Astuti"), (3, "Hendro Wibowo")]
    copies = [a["source"]["record"] for a in approvals]
    kept = office.git("log", "--format=%P", "--first-parent", REF).split()
    for copy, who in zip(copies, ("dwi", "hendro"), strict=True):
        assert copy in kept  # a keeper of refs/warta/decisions holds it
        message = office.git("log", "-1", "--format=%B", copy)
        assert "Warta-Source: github" in message and f"Warta-Reviewer-Id: {IDS[who]}" in message
        assert office.git("log", "-1", "--format=%ce", copy) == CI_EMAIL
        assert office.git("diff-tree", "--no-commit-id", "--name-only", "-r", copy) == ""  # changes no file
    # graph order: the first copy sits on main's tip, the second on the first
    assert office.git("rev-parse", f"{copies[0]}^") == main
    assert office.git("rev-parse", f"{copies[1]}^") == copies[0]

    # a second run copies nothing again and numbers nothing
    code, doc = publish_json(office, env={"GITHUB_TOKEN": TOKEN, "WARTA_SIGNING_KEY": ci.text})
    assert code == 0 and doc["numbers"] == [], doc
    assert office.git("log", "--format=%P", "--first-parent", REF).split().count(copies[0]) == 1

    # the forge forgets: git alone (main and the decisions ref) still holds the approved chain
    for rid in [r["id"] for r in gh.reviews[7]]:
        gh.dismiss(7, rid)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    proc = run_cli(office, "status", "--all", "--json")
    item = next(i for i in json.loads(proc.stdout)["items"] if i["path"] == path)
    assert item["complete"] and [s["source"] for s in item["steps"]] == ["github", "github"]
    assert item["state"] == "published"
    shown = run_cli(office, "archive", "show", path)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.count("github review") == 2
    assert BRANCH in office.git("branch", "--list", BRANCH)


def test_a_copy_on_the_decisions_ref_not_signed_by_the_publishing_identity_counts_for_nothing(
        office: Site, gh: GitHubServer, ci: Key) -> None:
    """An operator with push access keeps a "copy" of a review on refs/warta/decisions, signed with an
    official's key: it names a forge review, so only the publishing identity's signature could make it
    count."""
    from approvals_helpers import release

    from pipeline.approvals import decisions
    from pipeline.git import Git

    path = release(office)
    office.merge("rilis/bantuan-bibit", office.cast["wahyu"])
    dwi = office.cast["dwi"]
    message = (f"Approve step 2\n\nWarta-Item: {path}\nWarta-Digest: {office.digest(path)}\nWarta-Step: 2\n"
               "Warta-Role: kasubbag\nWarta-Decision: approve\nWarta-Source: github\nWarta-Review-Id: 1\n"
               "Warta-Reviewer-Id: 201\n")
    tree = office.git("rev-parse", "main^{tree}")
    forged = office.git("-c", f"user.signingkey={dwi.key}.pub", "-c", "gpg.format=ssh", "commit-tree", tree,
                        "-p", "main", "-S", input=message, person=dwi, sign=False)
    decisions.keep(Git(office.root), forged, path, "approve")
    main = office.git("rev-parse", "main")
    proc = run_cli(office, "status", "--all", "--json")
    item = next(i for i in json.loads(proc.stdout)["items"] if i["path"] == path)
    assert item["steps"][0]["status"] == "pending"
    assert any("not_publishing_identity" in r["codes"] for r in item["rejections"])
    code, doc = publish_json(office, env={"WARTA_SIGNING_KEY": ci.text})
    assert path in {h["path"] for h in doc["held"]} and office.git("rev-parse", "main") == main
