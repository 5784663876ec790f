"""Issue 14's "done when", through the workflows `warta init` writes: a release approved only by GitHub
reviews, in SOP order, is judged on its pull request (status warta/approvals), merged, and published by the
publish workflow (Pages, then announce), with the reviews named in its archive record.

The GitHub stand-in is the forge adapters' own (tests/forges/servers.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from approvals_helpers import PROJECT, Person, Site
from forge_sites import IDS, PR, REPOSITORY, forge_office, protect_origin, site_files, user
from harness import Runner, StepResult, event_file
from identity_helpers import keygen
from publish_helpers import records
from register_branch_helpers import BRANCH, branch_records
from servers import TOKEN, GitHubServer  # tests/forges, on the path through forge_sites
from workflow_helpers import git, load

VERIFY = "Verify the chain and report it (status warta/approvals, annotations, summary)"


def failures(results: list[StepResult]) -> list[str]:
    return [f"{r.name}: {r.output}" for r in results if r.returncode not in (0, None)]


def test_forge_reviews_approve_and_the_written_workflows_publish_with_the_reviews_on_record(
        tmp_path: Path, cast: dict[str, Person], monkeypatch: pytest.MonkeyPatch) -> None:
    ci_key = keygen(tmp_path / "ci-key", "ci")
    gh = GitHubServer(REPOSITORY)
    gh.start()
    try:
        site, origin, path, head = forge_office(tmp_path, cast, site_files("github", gh.url, cast, ci_key.public,
                                                                            pages=True))
        monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "home" / "isolated"))
        monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
        for handle in IDS:
            gh.collaborator(user(handle))
        gh.add_pull(PR, head, user("rina"))
        event = event_file(tmp_path, {"pull_request": {"number": PR, "head": {"sha": head}}})
        runner = Runner(origin=origin, home=tmp_path / "home", context={
            "github.token": TOKEN, "github.event.pull_request.number": str(PR), "github.sha": head,
            "github.ref": f"refs/pull/{PR}/merge"})
        runner.env = {"GITHUB_API_URL": gh.url, "GITHUB_SERVER_URL": gh.url, "GITHUB_REPOSITORY": REPOSITORY,
                      "GITHUB_EVENT_PATH": str(event), "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}
        pr_workflow = load(site.root / ".github/workflows/warta-pr.yml")

        # opened: nobody has reviewed, the check says what is next
        results = {r.name: r for r in runner.run_job(pr_workflow, "approvals", tmp_path / "pr-1")}
        assert results[VERIFY].returncode == 1, results[VERIFY].output
        assert gh.statuses[-1][0] == head and gh.statuses[-1][1]["state"] != "success"

        # the Kasubbag, then the Sekdin press Approve (pull_request_review runs the same job)
        now = int(time.time())
        gh.review(PR, user("dwi"), "APPROVED", head, now - 120, body="Sudah diperiksa.")
        gh.review(PR, user("hendro"), "APPROVED", head, now - 60)
        results = {r.name: r for r in runner.run_job(pr_workflow, "approvals", tmp_path / "pr-2")}
        assert results[VERIFY].returncode == 0, results[VERIFY].output
        assert gh.statuses[-1][0] == head and gh.statuses[-1][1]["state"] == "success"
        assert gh.statuses[-1][1]["context"] == "warta/approvals"

        # merged on the forge (a merge commit), pushed to main
        merge = site.merge("rilis/bantuan-bibit", cast["wahyu"])
        site.git("push", "-q", "origin", "main")
        gh.merge_pull(PR, merge)

        main = Runner(origin=origin, home=tmp_path / "home", secrets={"WARTA_SIGNING_KEY": ci_key.text}, context={
            "github.token": TOKEN, "github.ref": "refs/heads/main", "github.run_id": "8",
            "github.sha": merge})
        main.env = {"GITHUB_API_URL": gh.url, "GITHUB_SERVER_URL": gh.url, "GITHUB_REPOSITORY": REPOSITORY}
        publish_workflow = load(site.root / ".github/workflows/warta-publish.yml")
        for job in ("publish", "deploy", "announce"):
            problems = failures(main.run_job(publish_workflow, job, tmp_path / f"main-{job}"))
            assert not problems, problems[0]
    finally:
        gh.stop()

    published = tmp_path / "published"
    git(tmp_path, "clone", "-q", str(origin), str(published))
    approvals = records(published)[path]["approvals"]
    assert [(a["step"], a["source"]["type"], a["source"]["reviewer_id"]) for a in approvals] == [
        (2, "forge", IDS["dwi"]), (3, "forge", IDS["hendro"])]
    assert all(a["source"]["commit"] == head for a in approvals)
    assert main.live is not None
    assert any("bantuan" in p.as_posix() for p in main.live.rglob("index.html"))


def test_with_the_register_on_its_own_branch_no_ci_credential_pushes_main(
        tmp_path: Path, cast: dict[str, Person], monkeypatch: pytest.MonkeyPatch) -> None:
    """The same flow with ``archive.register_branch: warta-arsip`` and an origin whose branch rules refuse
    every push to main but the pull request's merge, and every non-fast-forward of the register branch:
    publish and announce push only the register branch and its tags, and a fresh clone reads the record
    (naming the reviews) from ``origin/warta-arsip``."""
    ci_key = keygen(tmp_path / "ci-key", "ci")
    gh = GitHubServer(REPOSITORY)
    gh.start()
    try:
        files = site_files("github", gh.url, cast, ci_key.public, pages=True, register_branch=BRANCH)
        site, origin, path, head = forge_office(tmp_path, cast, files)
        protect_origin(origin, BRANCH)
        monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "home" / "isolated"))
        monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
        for handle in IDS:
            gh.collaborator(user(handle))
        gh.add_pull(PR, head, user("rina"))
        event = event_file(tmp_path, {"pull_request": {"number": PR, "head": {"sha": head}}})
        runner = Runner(origin=origin, home=tmp_path / "home", context={
            "github.token": TOKEN, "github.event.pull_request.number": str(PR), "github.sha": head,
            "github.ref": f"refs/pull/{PR}/merge"})
        runner.env = {"GITHUB_API_URL": gh.url, "GITHUB_SERVER_URL": gh.url, "GITHUB_REPOSITORY": REPOSITORY,
                      "GITHUB_EVENT_PATH": str(event), "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}
        pr_workflow = load(site.root / ".github/workflows/warta-pr.yml")
        now = int(time.time())
        gh.review(PR, user("dwi"), "APPROVED", head, now - 120, body="Sudah diperiksa.")
        gh.review(PR, user("hendro"), "APPROVED", head, now - 60)
        results = {r.name: r for r in runner.run_job(pr_workflow, "approvals", tmp_path / "pr")}
        assert results[VERIFY].returncode == 0, results[VERIFY].output

        merge = site.merge("rilis/bantuan-bibit", cast["wahyu"])
        refused = subprocess.run(["git", "push", "-q", "origin", "main"], cwd=site.root, capture_output=True,
                                 text=True, env=site.env(cast["wahyu"]))
        assert refused.returncode != 0 and "main takes only merges" in refused.stderr  # the rules hold
        monkeypatch.setenv("WARTA_HARNESS_MERGE", "1")  # the forge's own merge of the pull request
        site.git("push", "-q", "origin", "main")
        monkeypatch.delenv("WARTA_HARNESS_MERGE")
        gh.merge_pull(PR, merge)

        main = Runner(origin=origin, home=tmp_path / "home", secrets={"WARTA_SIGNING_KEY": ci_key.text}, context={
            "github.token": TOKEN, "github.ref": "refs/heads/main", "github.run_id": "8", "github.sha": merge})
        main.env = {"GITHUB_API_URL": gh.url, "GITHUB_SERVER_URL": gh.url, "GITHUB_REPOSITORY": REPOSITORY}
        publish_workflow = load(site.root / ".github/workflows/warta-publish.yml")
        for job in ("publish", "deploy", "announce"):
            ran = main.run_job(publish_workflow, job, tmp_path / f"main-{job}")
            problems = failures(ran)
            assert not problems, problems[0]
            if job == "publish":
                assert main.context["needs.publish.outputs.status"] == "0", "\n".join(r.output for r in ran)
    finally:
        gh.stop()

    assert git(origin, "rev-parse", "main").strip() == merge  # nothing but the merge reached main
    assert git(origin, "ls-tree", "-r", "--name-only", "main", "--", "arsip/") == ""
    published = Site(tmp_path / "published", cast, tmp_path / "home")
    git(tmp_path, "clone", "-q", str(origin), str(published.root))
    assert published.git("branch", "--list", BRANCH) == ""  # a fresh clone: origin/warta-arsip only
    record = branch_records(published, f"origin/{BRANCH}")[path]
    approvals = record["approvals"]
    assert [(a["step"], a["source"]["type"], a["source"]["reviewer_id"]) for a in approvals] == [
        (2, "forge", IDS["dwi"]), (3, "forge", IDS["hendro"])]
    assert all(a["source"]["commit"] == head for a in approvals) and record["published_at"]
    keepers = published.git("log", "--first-parent", "--format=%P", f"origin/{BRANCH}-ulasan").splitlines()
    kept = {line.split()[1] for line in keepers if len(line.split()) == 2}
    assert {a["source"]["record"] for a in approvals} <= kept  # the copies are on the protected review branch
    published.git("fetch", "-q", "origin", "+refs/warta/*:refs/warta/*")
    env = {**published.env(), "PYTHONPATH": str(PROJECT)}
    shown = subprocess.run([sys.executable, "-m", "pipeline", "archive", "show", path], cwd=published.root,
                           env=env, capture_output=True, text=True, timeout=300)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.count("github review") == 2 and str(record["number"]) in shown.stdout
    status = subprocess.run([sys.executable, "-m", "pipeline", "status", "--all", "--json"], cwd=published.root,
                            env=env, capture_output=True, text=True, timeout=300)
    assert status.returncode == 0, status.stderr
    item = next(i for i in json.loads(status.stdout)["items"] if i["path"] == path)
    assert item["state"] == "published" and [s["source"] for s in item["steps"]] == ["github", "github"]
    assert main.live is not None
