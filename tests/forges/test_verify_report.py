"""``warta verify --pr N --report``: the commit status warta/approvals on the pull request's head, the job
summary, the annotations; the pull request number from the Actions event; and the forge chosen only by
the trusted warta.yml (an environment naming another one is a configuration error, exit 2)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from approvals_helpers import Person, Site, isolated_site, release
from forge_helpers import run_cli, user
from servers import GitHubServer

T0 = int(time.time()) - 3600


def test_report_posts_the_next_step_and_role_then_success(site: Site, gh: GitHubServer, tmp_path: Path) -> None:
    path = release(site)
    head = site.head()
    gh.add_pull(7, head, user("rina"))
    gh.review(7, user("dwi"), "APPROVED", head, T0)
    summary = tmp_path / "summary.md"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_SERVER_URL": "https://github.com",
           "GITHUB_RUN_ID": "99"}
    proc = run_cli(site, "verify", "--pr", "7", "--report", env=env)
    assert proc.returncode == 1
    sha, status = gh.statuses[-1]
    assert sha == head and status["context"] == "warta/approvals" and status["state"] == "failure"
    assert "step 3" in status["description"] and "sekdin" in status["description"]
    assert len(status["description"]) <= 140
    assert status["target_url"] == "https://github.com/dinas/situs/actions/runs/99"
    text = summary.read_text()
    assert "[x] step 2" in text and "Dwi Astuti" in text and "[ ] step 3" in text
    assert f"::error file={path},line=1" in proc.stdout
    gh.review(7, user("hendro"), "APPROVED", head, T0 + 60)
    proc = run_cli(site, "verify", "--pr", "7", "--report", env=env)
    assert proc.returncode == 0, proc.stdout
    assert gh.statuses[-1][1]["state"] == "success"


def test_the_number_comes_from_the_actions_event_file(site: Site, gh: GitHubServer, tmp_path: Path) -> None:
    release(site)
    gh.add_pull(12, site.head(), user("rina"))
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "submitted", "pull_request": {"number": 12}}))
    proc = run_cli(site, "status", "--pr", "--json", env={"GITHUB_EVENT_PATH": str(event)})
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["pull_request"]["number"] == 12


def test_another_repository_in_the_environment_is_a_configuration_error(site: Site, gh: GitHubServer) -> None:
    release(site)
    gh.add_pull(7, site.head(), user("rina"))
    proc = run_cli(site, "verify", "--pr", "7", "--json", env={"GITHUB_REPOSITORY": "penyerang/situs"})
    assert proc.returncode == 2
    assert "penyerang/situs" in json.loads(proc.stdout)["error"]["message"]
    assert gh.requests == []  # nothing was asked of any server


def test_another_api_server_in_the_environment_is_a_configuration_error(site: Site, gh: GitHubServer) -> None:
    release(site)
    proc = run_cli(site, "verify", "--pr", "7", env={"GITHUB_API_URL": "https://evil.example"})
    assert proc.returncode == 2 and "GITHUB_API_URL" in proc.stderr and gh.requests == []


def test_a_branch_cannot_point_verify_at_its_own_forge(site: Site, gh: GitHubServer) -> None:
    evil = GitHubServer().start()
    try:
        release(site)
        text = (site.root / "warta.yml").read_text().replace(gh.url, evil.url)
        site.write("warta.yml", text)
        site.commit("Forge lain", site.cast["rina"])
        evil.add_pull(7, site.head(), user("rina"))
        gh.add_pull(7, site.head(), user("rina"))
        proc = run_cli(site, "verify", "--pr", "7", "--json")
        assert evil.requests == [] and gh.seen("/pulls/7")  # main's warta.yml chose the server
        assert proc.returncode == 1
    finally:
        evil.stop()


def test_without_a_forge_in_warta_yml_pr_is_a_configuration_error(tmp_path: Path, cast: dict[str, Person],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    plain = isolated_site(tmp_path, cast, monkeypatch)
    proc = run_cli(plain, "verify", "--pr", "7", "--json")
    assert proc.returncode == 2 and "approvals.forge" in json.loads(proc.stdout)["error"]["message"]


def test_a_missing_token_is_a_configuration_error(site: Site, gh: GitHubServer, monkeypatch: pytest.MonkeyPatch) -> None:
    release(site)
    monkeypatch.delenv("GITHUB_TOKEN")
    proc = run_cli(site, "verify", "--pr", "7")
    assert proc.returncode == 2 and "GITHUB_TOKEN" in proc.stderr


def test_a_status_the_token_may_not_post_leaves_the_verdict_as_the_exit_code(site: Site, gh: GitHubServer) -> None:
    release(site)
    head = site.head()
    gh.add_pull(7, head, user("rina"))
    gh.review(7, user("dwi"), "APPROVED", head, T0)
    gh.review(7, user("hendro"), "APPROVED", head, T0 + 60)
    gh.route("POST", r"/repos/dinas/situs/statuses/([0-9a-f]+)",
             lambda sha, **_: (403, {}, {"message": "Resource not accessible by integration"}))
    gh.routes.insert(0, gh.routes.pop())  # ahead of the stand-in's own statuses route
    proc = run_cli(site, "verify", "--pr", "7", "--report")
    assert proc.returncode == 0 and "was not posted" in proc.stderr and gh.statuses == []
