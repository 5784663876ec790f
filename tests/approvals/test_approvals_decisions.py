"""Approval rule 7 against rewrites: every decision is kept on refs/warta/decisions, so resetting or
rewriting a release branch cannot erase a return (issue 13 point 6). A rewritten or missing decisions
ref is a warning for the signatories, never a hold on approved releases. Real repositories, real keys,
a real bare remote."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from approvals_helpers import Site, chain_of, item_text, release

REF = "refs/warta/decisions"





def returned_by_hendro(site: Site) -> tuple[str, str]:
    """A release approved by Dwi and returned by Hendro with ``warta``; (path, content commit)."""
    path = release(site)
    content = site.head()
    assert site.cli("approve", person=site.cast["dwi"]).returncode == 0
    back = site.cli("return", "--reason", "Foto buram", person=site.cast["hendro"])
    assert back.returncode == 0, back.stderr
    return path, content


def kept(site: Site) -> list[str]:
    """The record commits refs/warta/decisions keeps (second parents along its first-parent line)."""
    lines = site.git("log", "--first-parent", "--format=%P", REF).splitlines()
    return [parents.split()[1] for parents in lines if len(parents.split()) == 2]


def test_approve_and_return_keep_each_record_on_the_decisions_ref(site: Site) -> None:
    path, _ = returned_by_hendro(site)
    records = site.git("log", "--format=%H", "-2", "HEAD").splitlines()
    assert sorted(kept(site)) == sorted(records)
    assert chain_of(site, path).state == "returned"


def test_return_survives_branch_reset(site: Site) -> None:
    path, _ = returned_by_hendro(site)
    site.git("reset", "-q", "--hard", "HEAD~1")  # the operator drops the return from the branch
    result = chain_of(site, path)
    assert result.state == "returned" and not result.complete
    assert result.returned is not None and result.returned.name == "Hendro Wibowo"
    # nobody can approve past it: Hendro's own approval by hand is refused, warta approve refuses
    site.record(site.cast["hendro"], path, 3, "sekdin")
    assert chain_of(site, path).state == "returned"
    proc = site.cli("approve", person=site.cast["hendro"])
    assert proc.returncode == 1 and "returned by Hendro Wibowo" in proc.stderr


def test_return_survives_rewriting_the_content_commit_to_the_same_bytes(site: Site) -> None:
    path, content = returned_by_hendro(site)
    c = site.cast
    site.git("reset", "-q", "--hard", f"{content}~1")
    site.write(path, site.file_bytes(path, content))
    site.commit("Rilis bantuan-bibit (ditulis ulang)", c["rina"])  # same bytes, a new commit
    assert site.head() != content
    site.record(c["dwi"], path, 2, "kasubbag")
    site.record(c["hendro"], path, 3, "sekdin")
    result = chain_of(site, path)
    assert result.state == "returned" and not result.complete


def test_only_a_change_that_saw_the_return_lifts_it(site: Site) -> None:
    path, content = returned_by_hendro(site)
    original = site.file_bytes(path, content)
    site.write(path, item_text(body="Isi yang diperbaiki."))
    site.commit("Perbaiki", site.cast["rina"])
    site.write(path, original)  # and back to the returned bytes, after the return
    site.commit("Kembalikan isi", site.cast["rina"])
    result = chain_of(site, path)
    assert result.state == "draft"  # the chain starts again; the old approval does not come back
    assert [s.status for s in result.steps] == ["pending", "waiting"]


def test_decisions_travel_through_the_remote_and_verify_fetches_them(site: Site, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    site.git("remote", "add", "origin", str(remote))
    path = release(site)
    site.git("push", "-q", "origin", "main", "rilis/bantuan-bibit")
    assert site.cli("approve", person=site.cast["dwi"]).returncode == 0
    back = site.cli("return", "--reason", "Foto buram", person=site.cast["hendro"])
    assert back.returncode == 0 and "could not push" not in back.stderr
    assert subprocess.run(["git", "-C", str(remote), "rev-parse", REF], capture_output=True).returncode == 0
    # somebody force-pushes the release branch without the return; CI checks out a fresh clone
    site.git("push", "-q", "--force", "origin", "HEAD~1:refs/heads/rilis/bantuan-bibit")
    ci = tmp_path / "ci"
    subprocess.run(["git", "clone", "-q", "-b", "rilis/bantuan-bibit", str(remote), str(ci)], check=True,
                   env=site.env())
    subprocess.run(["git", "-C", str(ci), "branch", "-q", "main", "origin/main"], check=True, env=site.env())
    proc = subprocess.run(["git", "-C", str(ci), "rev-parse", "--verify", "-q", REF], capture_output=True)
    assert proc.returncode != 0  # a clone does not bring refs/warta/*: verify must fetch it
    ci_site = Site(ci, site.cast, site.home)
    doc = ci_site.verify_json()
    item = next(i for i in doc["items"] if i["path"] == path)
    assert item["state"] == "returned" and doc["ok"] is False


def test_a_failed_push_is_a_warning_and_the_decision_stands(site: Site, tmp_path: Path) -> None:
    site.git("remote", "add", "origin", str(tmp_path / "nowhere.git"))
    path = release(site)
    proc = site.cli("approve", person=site.cast["dwi"])
    assert proc.returncode == 0
    assert f"warning: could not push {REF} to origin" in proc.stderr
    assert chain_of(site, path).steps[0].status == "approved"
    assert len(kept(site)) == 1


def test_a_deleted_or_rewritten_decisions_ref_is_a_warning_never_a_hold(site: Site) -> None:
    release(site)
    assert site.cli("approve", person=site.cast["dwi"]).returncode == 0
    assert site.cli("approve", person=site.cast["hendro"]).returncode == 0
    site.merge("rilis/bantuan-bibit", site.cast["wahyu"])
    first = site.verify_json("--all")
    assert first["ok"] is True and first["warnings"] == []
    site.git("update-ref", "-d", REF)
    gone = site.verify_json("--all")
    assert gone["ok"] is True  # the approved release still publishes
    assert any(f"{REF} has gone" in w for w in gone["warnings"])
    # a decisions ref rewritten to hold nothing of what it held
    empty = site.git("commit-tree", "4b825dc642cb6eb9a060e54bf8d69288fbee4904", "-m", "warta: decisions",
                     person=site.cast["wahyu"])
    site.git("update-ref", REF, empty)
    rewritten = site.verify_json("--all")
    assert rewritten["ok"] is True
    assert any("was rewritten" in w for w in rewritten["warnings"])
    assert json.dumps(rewritten).count("returned") == 0
