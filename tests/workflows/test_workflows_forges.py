"""The pull-request jobs warta writes for Gitea, Forgejo and GitLab, run by the harness against the forge
adapters' stand-ins of those APIs: reviews (Gitea) and approvals (GitLab) in SOP order turn the status
warta/approvals to success on the head commit."""

from __future__ import annotations

from pathlib import Path

import pytest
from approvals_helpers import Person
from forge_sites import PR, REPOSITORY, T0, forge_office, site_files, user
from harness import Runner, event_file, run_gitlab_job
from servers import TOKEN, GiteaServer, GitLabServer  # tests/forges, on the path through forge_sites
from workflow_helpers import load

from pipeline.workflows.writer import Forge

VERIFY = "Verify the chain and report it (status warta/approvals)"


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "home" / "isolated"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


@pytest.mark.parametrize("forge", ["gitea", "forgejo"])
def test_the_gitea_and_forgejo_check_reports_the_reviewed_chain(tmp_path: Path, cast: dict[str, Person],
                                                                isolated: None, forge: Forge) -> None:
    server = GiteaServer(REPOSITORY)
    server.start()
    try:
        site, origin, _, head = forge_office(tmp_path, cast, site_files(forge, server.api, cast))
        for handle in ("rina", "dwi", "hendro", "wahyu"):
            server.collaborator(user(handle))
        server.add_pull(PR, head, user("rina"))
        server.review(PR, user("dwi"), "APPROVED", head, T0)
        server.review(PR, user("hendro"), "APPROVED", head, T0 + 60)
        event = event_file(tmp_path, {"pull_request": {"number": PR, "head": {"sha": head}}})
        runner = Runner(origin=origin, home=tmp_path / "home", context={
            "github.token": TOKEN, "github.event.pull_request.number": str(PR), "github.sha": head,
            "github.ref": f"refs/pull/{PR}/head"})
        runner.env = {"GITHUB_API_URL": server.api, "GITHUB_SERVER_URL": server.url, "GITHUB_REPOSITORY": REPOSITORY,
                      "GITEA_ACTIONS": "true", "GITHUB_EVENT_PATH": str(event)}
        workflow = load(site.root / f".{forge}" / "workflows" / "warta-pr.yml")
        results = {r.name: r for r in runner.run_job(workflow, "approvals", tmp_path / "runner")}
    finally:
        server.stop()
    assert results["Check the content"].returncode == 0, results["Check the content"].output
    assert results[VERIFY].returncode == 0, results[VERIFY].output
    sha, status = server.statuses[-1]
    assert (sha, status["state"], status["context"]) == (head, "success", "warta/approvals")


def test_the_gitlab_merge_request_job_reports_the_approved_chain(tmp_path: Path, cast: dict[str, Person],
                                                                isolated: None) -> None:
    server = GitLabServer(REPOSITORY)
    server.start()
    try:
        site, origin, _, head = forge_office(tmp_path, cast, site_files("gitlab", server.api, cast))
        for handle in ("rina", "dwi", "hendro", "wahyu"):
            server.members[user(handle)[0]] = 30  # Developer
        server.add_mr(PR, head, user("rina"), T0)
        server.note(PR, user("dwi"), "approved this merge request", T0 + 10)
        server.note(PR, user("hendro"), "approved this merge request", T0 + 20)
        runner = Runner(origin=origin, home=tmp_path / "home", context={})
        job = run_gitlab_job(runner, load(site.root / ".gitlab-ci.yml"), "warta-approvals", tmp_path / "runner", head,
                             {"CI_PIPELINE_SOURCE": "merge_request_event", "CI_MERGE_REQUEST_IID": str(PR),
                              "CI_API_V4_URL": server.api, "CI_PROJECT_PATH": REPOSITORY, "GITLAB_TOKEN": TOKEN})
    finally:
        server.stop()
    assert job.returncode == 0, job.output
    sha, status = server.statuses[-1]
    assert sha == head and status["state"] == "success" and status["name"] == "warta/approvals"
