"""Attacks on the forge-review copies with the register on its own branch (docs/attacks.md): they are kept
on ``refs/warta/decisions``, a ref no forge ruleset protects, and on the protected review branch
``<register branch>-ulasan``. An operator who can push rewrites the decisions ref after the release went
live, and the reviews are dismissed on the forge; or forges a copy on the review branch; or rewrites it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from approvals_helpers import PROJECT, Person, Site
from forge_helpers import IDS, publishing_office, run_cli, user
from identity_helpers import Key
from publish_helpers import live_files, publish_json, release_text
from register_branch_helpers import BRANCH, BRANCH_YML, bare_git, branch_records, keep_forged_review_copy
from servers import TOKEN, GitHubServer
from test_publish_reviews import T0, approved_on_the_forge, release

from pipeline.approvals.decisions import REF
from pipeline.approvals.records import format_record
from pipeline.git import EMPTY_TREE

REVIEWS = f"refs/heads/{BRANCH}-ulasan"


@pytest.fixture
def office(tmp_path: Path, cast: dict[str, Person], ci: Key, gh: GitHubServer,
           monkeypatch: pytest.MonkeyPatch) -> Site:
    return publishing_office(tmp_path, cast, monkeypatch, BRANCH_YML, gh.url, ci.public, gh.collaborator)


def ci_checkout(office: Site, bare: Path, name: str) -> Site:
    """What the publish workflow's first steps do: a clone of main, then refs/warta/*, the arsip/* tags and
    the register branch fetched."""
    target = bare.parent / name
    env = office.env(office.cast["wahyu"])
    subprocess.run(["git", "clone", "-q", str(bare), str(target)], check=True, capture_output=True, env=env)
    subprocess.run(["git", "fetch", "-q", "--no-tags", "origin", "+refs/warta/*:refs/warta/*",
                    "+refs/tags/arsip/*:refs/tags/arsip/*"], cwd=target, check=True, capture_output=True, env=env)
    for branch in (BRANCH, f"{BRANCH}-ulasan"):
        if bare_git(bare, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}", check=False):
            subprocess.run(["git", "fetch", "-q", "--no-tags", "origin", f"+refs/heads/{branch}:refs/heads/{branch}"],
                           cwd=target, check=True, capture_output=True, env=env)
    return Site(target, office.cast, office.home)


def test_a_rewrite_of_the_decisions_ref_after_publication_leaves_the_published_release_approved(
        office: Site, gh: GitHubServer, ci: Key, monkeypatch: pytest.MonkeyPatch) -> None:
    path, _head = approved_on_the_forge(office, gh)
    bare = office.root.parent / "remote.git"
    subprocess.run(["git", "clone", "-q", "--mirror", str(office.root), str(bare)], check=True, capture_output=True)
    runner = ci_checkout(office, bare, "runner")
    code, doc = publish_json(runner, env={"GITHUB_TOKEN": TOKEN, "WARTA_SIGNING_KEY": ci.text})
    assert code == 0, doc
    assert branch_records(runner)[path]["published_at"]
    assert bare_git(bare, "rev-parse", REF).strip() == runner.git("rev-parse", REF)  # the copies were pushed
    copies = kept_records(runner.git("rev-parse", REF), bare)
    assert len(copies) == 2  # dwi's and hendro's reviews
    assert kept_records(bare_git(bare, "rev-parse", REVIEWS).strip(), bare) == copies  # and on the review branch
    for copy in copies:
        assert "Warta-Source: github" in bare_git(bare, "log", "-1", "--format=%B", copy)
    assert "Warta-Source" not in bare_git(bare, "log", "--format=%B", "main")  # main takes no copy
    # an operator rewrites refs/warta/decisions to its first commit (no ruleset can stop it), and the
    # reviews are dismissed on the forge
    root = bare_git(bare, "rev-list", "--max-parents=0", REF).split()[0]
    bare_git(bare, "update-ref", REF, root)
    bare_git(bare, "reflog", "expire", "--expire=now", "--all")
    bare_git(bare, "gc", "-q", "--prune=now")
    for rid in [r["id"] for r in gh.reviews[7]]:
        gh.dismiss(7, rid)
    fresh = ci_checkout(office, bare, "next-run")
    code, doc = publish_json(fresh, env={"GITHUB_TOKEN": TOKEN, "WARTA_SIGNING_KEY": ci.text})
    assert path not in json.dumps(doc.get("held", [])), doc  # what was published stays approved
    assert "siaran-pers/2025/bantuan-bibit/index.html" in live_files(fresh.root)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    proc = run_cli(fresh, "status", "--all", "--json")
    item = next(i for i in json.loads(proc.stdout)["items"] if i["path"] == path)
    assert item["complete"] and item["state"] == "published", item


def kept_records(tip: str, bare: Path) -> list[str]:
    """The records a keeper chain at ``tip`` keeps (each keeper's second parent), oldest first."""
    out = bare_git(bare, "log", "--first-parent", "--reverse", "--format=%P", tip)
    return [line.split()[1] for line in out.splitlines() if len(line.split()) == 2]


def forged_copy(office: Site, ci: Key, how: str, name: str = "separuh") -> tuple[str, str]:
    """A release merged with step 2 recorded in git, and a copy "from a GitHub review" for step 3 (unsigned,
    signed by another official's key, or by the publishing identity); the item and the copy."""
    path = f"content/siaran-pers/2025/{name}.md"
    office.switch(f"rilis/{name}", create=True)
    office.write(path, release_text(name.capitalize()))
    office.commit(f"Rilis {name}", office.cast["rina"])
    office.record(office.cast["dwi"], path, 2, "kasubbag")
    office.merge(f"rilis/{name}", office.cast["wahyu"])
    main = office.head()
    message = format_record(item=path, digest=office.digest(path), step=3, role="sekdin", decision="approve",
                            subject=f"Approve step 3 by github review 77: {path}", source="github",
                            review={"id": "77", "url": "https://github.com/dinas/situs/pull/5#pullrequestreview-77",
                                    "reviewer_id": str(IDS["hendro"]), "reviewer_login": "hendro",
                                    "state": "APPROVED", "commit": main, "at": "2026-01-05T03:00:00+00:00"})
    args = ["commit-tree", f"{main}^{{tree}}", "-p", main]
    signer = {"another-key": str(office.cast["rina"].key), "identity": str(ci.private)}.get(how)
    if signer is not None:
        args = ["-c", f"user.signingkey={signer}", "-c", "gpg.format=ssh", *args, "-S"]
    return path, office.git(*args, person=office.cast["hendro"], sign=False, input=message)


def keeper_chain(office: Site, records: list[str]) -> str:
    """A keeper chain (unsigned structure, as anyone can make one) keeping ``records``; its tip."""
    rina = office.cast["rina"]
    tip = office.git("commit-tree", EMPTY_TREE, "-m", "warta: decisions", person=rina, sign=False)
    for record in records:
        tip = office.git("commit-tree", f"{record}^{{tree}}", "-p", tip, "-p", record, "-m", "warta: keep",
                         person=rina, sign=False)
    return tip


def test_copies_kept_only_on_the_decisions_ref_are_kept_on_the_review_branch_too(office: Site, ci: Key) -> None:
    """A site that had its register branch before the review branch existed: the identity's copies are on
    refs/warta/decisions alone. The next publish keeps them on the review branch too; a forged copy there
    (unsigned) is left where it is."""
    genuine_path, genuine = forged_copy(office, ci, "identity", "pertama")
    forged_path, forged = forged_copy(office, ci, "unsigned", "kedua")
    office.git("update-ref", REF, keeper_chain(office, [genuine, forged]))
    code, doc = publish_json(office, env={"WARTA_SIGNING_KEY": ci.text})  # no forge token: git alone
    assert genuine_path in json.dumps(doc["numbers"]) and forged_path in json.dumps(doc["held"]), doc
    kept = kept_records(office.git("rev-parse", REVIEWS), office.root / ".git")
    assert kept == [genuine]
    code, doc = publish_json(office, env={"WARTA_SIGNING_KEY": ci.text})
    assert kept_records(office.git("rev-parse", REVIEWS), office.root / ".git") == [genuine]  # kept once


@pytest.mark.parametrize("how", ["unsigned", "another-key", "identity"])
def test_a_forged_copy_on_the_review_branch_approves_nothing(office: Site, ci: Key, how: str) -> None:
    """The last step of a release merged with one approval, "copied from a GitHub review" by hand onto
    warta-arsip-ulasan (an operator who got past the ruleset, or a clone's own branch): unsigned, or signed
    by the operator's own key while it names the approver. Signed by the publishing identity (the control),
    the same copy counts: the branch is read, and only the signature decides."""
    signer = {"another-key": office.cast["rina"].key, "identity": ci.private}.get(how)
    path = keep_forged_review_copy(office, REVIEWS, str(IDS["hendro"]), signer)
    assert office.git("rev-parse", "--verify", "--quiet", REF, check=False) == ""  # only the review branch
    code, doc = publish_json(office, env={"WARTA_SIGNING_KEY": ci.text})  # no forge token: git alone
    if how == "identity":
        assert code == 0, doc
        assert path in json.dumps(doc["numbers"]) and path in branch_records(office), doc
        return
    assert code == 1, doc
    assert path in json.dumps(doc["held"]) and path not in json.dumps(doc["numbers"]), doc


def test_publish_refuses_a_rewritten_review_branch(office: Site, gh: GitHubServer, ci: Key) -> None:
    """The review branch on the remote rewound to its first commit (the copies the published release was
    approved by dropped): the next run refuses, like a rewritten register branch, and the site is untouched."""
    path, _head = approved_on_the_forge(office, gh)
    bare = office.root.parent / "remote.git"
    subprocess.run(["git", "clone", "-q", "--mirror", str(office.root), str(bare)], check=True, capture_output=True)
    runner = ci_checkout(office, bare, "runner")
    code, doc = publish_json(runner, env={"GITHUB_TOKEN": TOKEN, "WARTA_SIGNING_KEY": ci.text})
    assert code == 0, doc
    tip = bare_git(bare, "rev-parse", REVIEWS).strip()
    root = bare_git(bare, "rev-list", "--max-parents=0", REVIEWS).split()[0]
    bare_git(bare, "update-ref", REVIEWS, root)
    live = live_files(runner.root)
    code, doc = publish_json(runner, env={"GITHUB_TOKEN": TOKEN, "WARTA_SIGNING_KEY": ci.text})
    assert code == 1 and doc["error"]["code"] == "git", doc  # as for a rewritten register branch
    text = json.dumps(doc)
    assert f"{BRANCH}-ulasan" in text and tip[:12] in text, doc
    assert live_files(runner.root) == live
    assert bare_git(bare, "rev-parse", REVIEWS).strip() == root  # nothing was pushed over it
    assert path in branch_records(runner)


def test_two_racing_runs_lose_no_review_copy(office: Site, gh: GitHubServer, ci: Key, tmp_path: Path) -> None:
    """Two publish runs copy the same reviews and race for the atomic push: the loser's push (register and
    review branch together) is rejected; whatever copies it holds are joined with the winner's review
    branch, never forced over them."""
    path, _head = approved_on_the_forge(office, gh)
    bare = office.root.parent / "remote.git"
    subprocess.run(["git", "clone", "-q", "--mirror", str(office.root), str(bare)], check=True, capture_output=True)
    runners = [ci_checkout(office, bare, f"runner-{n}") for n in (1, 2)]
    barrier = tmp_path / "barrier"
    procs = [subprocess.Popen([sys.executable, "-m", "pipeline", "publish", "--json"], cwd=r.root, env={
        **r.env(r.cast["wahyu"], sign=False), "PYTHONPATH": str(PROJECT), "WARTA_TEST_BARRIER": f"{barrier}:2",
        "GITHUB_TOKEN": TOKEN, "WARTA_SIGNING_KEY": ci.text}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True) for r in runners]
    docs = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0 and "Traceback" not in err, out + err
        docs.append(json.loads(out))
    assert sorted(d["attempts"] for d in docs)[1] > 1, docs  # they did race
    tip = bare_git(bare, "rev-parse", REVIEWS).strip()
    remote = kept_records(tip, bare)
    made = [kept_records(r.git("rev-parse", REVIEWS), r.root / ".git") for r in runners]
    assert all(len(m) >= 2 for m in made) and set(remote) == set(made[0]) | set(made[1])  # no copy was lost
    for runner in runners:  # and nothing was forced over what a run pushed
        assert bare_git(bare, "merge-base", "--is-ancestor", runner.git("rev-parse", REVIEWS), tip, check=False) == ""
    assert path in branch_records(runners[0]) and path in branch_records(runners[1])


def test_a_copy_left_unpushed_by_an_earlier_run_is_joined_and_pushed(office: Site, gh: GitHubServer, ci: Key) -> None:
    """A clone holds on its review branch a copy the remote's does not (its run lost the race, or its push
    failed); meanwhile another run pushed the branch on. The next publish of that clone joins both and
    pushes them without force: the remote keeps the other run's copies and gains this one."""
    path, _head = approved_on_the_forge(office, gh)
    bare = office.root.parent / "remote.git"
    subprocess.run(["git", "clone", "-q", "--mirror", str(office.root), str(bare)], check=True, capture_output=True)
    late = ci_checkout(office, bare, "late")
    _other, copy = forged_copy(late, ci, "identity", "tertinggal")
    late.git("update-ref", REVIEWS, keeper_chain(late, [copy]))
    first = ci_checkout(office, bare, "first")
    code, doc = publish_json(first, env={"GITHUB_TOKEN": TOKEN, "WARTA_SIGNING_KEY": ci.text})
    assert code == 0, doc
    pushed = bare_git(bare, "rev-parse", REVIEWS).strip()
    code, doc = publish_json(late, env={"GITHUB_TOKEN": TOKEN, "WARTA_SIGNING_KEY": ci.text})
    assert code == 0, doc
    tip = bare_git(bare, "rev-parse", REVIEWS).strip()
    assert bare_git(bare, "merge-base", "--is-ancestor", pushed, tip, check=False) == ""  # not forced
    assert set(kept_records(tip, bare)) >= set(kept_records(pushed, bare)) | {copy}
    assert path in branch_records(late)


def record_at(site: Site, who: str, path: str, step: int, role: str, at: int) -> None:
    """A signed approval record (as Site.record writes it) dated ``at``."""
    person = site.cast[who]
    message = (f"approve {path}\n\nWarta-Item: {path}\nWarta-Digest: {site.digest(path)}\nWarta-Step: {step}\n"
               f"Warta-Role: {role}\nWarta-Decision: approve\n")
    env = {**site.env(person, sign=False), "GIT_AUTHOR_DATE": f"@{at} +0700", "GIT_COMMITTER_DATE": f"@{at} +0700"}
    subprocess.run(["git", "-c", f"user.signingkey={person.key}.pub", "-c", "gpg.format=ssh", "commit", "-q",
                    "--allow-empty", "-S", "-m", message], cwd=site.root, env=env, check=True, capture_output=True)


def test_a_return_given_on_the_forge_is_kept_on_the_review_branch_and_still_holds_after_a_decisions_rewrite(
        office: Site, gh: GitHubServer, ci: Key) -> None:
    """A request for changes on the merged pull request between the git records: publish keeps it as a
    return record on the review branch too, so rewriting refs/warta/decisions and dismissing the review
    on the forge does not free the item in a fresh clone."""
    path = release(office)
    head = office.head()
    gh.add_pull(7, head, user("rina"))
    record_at(office, "dwi", path, 2, "kasubbag", T0)
    gh.review(7, user("hendro"), "CHANGES_REQUESTED", head, T0 + 60, body="Angka anggaran salah.")
    record_at(office, "hendro", path, 3, "sekdin", T0 + 120)
    gh.merge_pull(7, office.merge("rilis/bantuan-bibit", office.cast["wahyu"]))
    bare = office.root.parent / "remote.git"
    subprocess.run(["git", "clone", "-q", "--mirror", str(office.root), str(bare)], check=True, capture_output=True)
    runner = ci_checkout(office, bare, "runner")
    code, doc = publish_json(runner, env={"GITHUB_TOKEN": TOKEN, "WARTA_SIGNING_KEY": ci.text})
    assert path in json.dumps(doc["held"]) and path not in branch_records(runner), doc
    assert "Warta-Decision: return" in bare_git(bare, "log", "--format=%B", REVIEWS)
    root = bare_git(bare, "rev-list", "--max-parents=0", REF).split()[0]
    bare_git(bare, "update-ref", REF, root)
    for rid in [r["id"] for r in gh.reviews[7]]:
        gh.dismiss(7, rid)
    fresh = ci_checkout(office, bare, "next-run")
    code, doc = publish_json(fresh, env={"GITHUB_TOKEN": TOKEN, "WARTA_SIGNING_KEY": ci.text})
    assert path in json.dumps(doc["held"]) and path not in branch_records(fresh), doc
