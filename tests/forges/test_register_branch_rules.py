"""The protection of the register branch (``archive.register_branch``), as each forge's API reports it:
docs/ci.md requires that it only grows (no force push), is never deleted, and that only the deploy key
pushes it; ``warta publish`` names every rule weaker than that on each run, as it does for main's."""

from __future__ import annotations

from pathlib import Path

import pytest
from approvals_helpers import Person, Site
from forge_helpers import publishing_office
from identity_helpers import Key
from publish_helpers import publish_json
from register_branch_helpers import BRANCH, BRANCH_YML
from servers import TOKEN, GiteaServer, GitHubServer, GitLabServer
from test_forge_config import _open

# what docs/ci.md asks of main (so that only the register branch's rules are left to report)
MAIN_RULES = [{"type": "pull_request", "parameters": {"require_code_owner_review": True,
                                                      "require_last_push_approval": True}},
              {"type": "required_status_checks",
               "parameters": {"required_status_checks": [{"context": "warta/approvals"}]}}]
REGISTER_RULES = [{"type": "deletion"}, {"type": "non_fast_forward"},
                  {"type": "update", "parameters": {"update_allows_fetch_and_merge": False}}]


def test_github_register_branch_rules_from_rulesets_and_classic_protection(gh: GitHubServer) -> None:
    forge = _open("github", gh.url)
    assert forge.register_rules(BRANCH).weaknesses() == [
        f"the register branch {BRANCH} is not protected: anyone with push access can rewind or delete it "
        "(docs/ci.md: the register branch's ruleset)"]
    gh.rules_of[BRANCH] = [{"type": "deletion"}]  # a ruleset that only restricts deletions
    assert forge.register_rules(BRANCH).weaknesses() == [
        f"force pushes to the register branch {BRANCH} are allowed",
        f"anyone with push access can push to the register branch {BRANCH}: restrict updates to the deploy key"]
    gh.rules_of[BRANCH] = REGISTER_RULES
    assert forge.register_rules(BRANCH).weaknesses() == []
    # classic protection: GitHub's answer for a branch that allows force pushes and has no push restriction
    gh.rules_of[BRANCH] = []
    gh.protection_of[BRANCH] = {"allow_force_pushes": {"enabled": True}, "allow_deletions": {"enabled": False}}
    assert forge.register_rules(BRANCH).weaknesses() == [
        f"force pushes to the register branch {BRANCH} are allowed",
        f"anyone with push access can push to the register branch {BRANCH}: restrict updates to the deploy key"]
    gh.protection_of[BRANCH] = {"allow_force_pushes": {"enabled": False}, "allow_deletions": {"enabled": True},
                                "restrictions": {"users": [], "teams": [], "apps": []}}
    assert forge.register_rules(BRANCH).weaknesses() == [f"the register branch {BRANCH} can be deleted"]


def test_main_protection_does_not_count_for_the_register_branch(gh: GitHubServer) -> None:
    forge = _open("github", gh.url)
    gh.rules_of["main"] = [*MAIN_RULES, *REGISTER_RULES]
    gh.protection_of["main"] = {"allow_force_pushes": {"enabled": False}, "allow_deletions": {"enabled": False}}
    assert forge.register_rules(BRANCH).weaknesses()[0].startswith(f"the register branch {BRANCH} is not protected")


def test_gitea_register_branch_rules_from_its_branch_protection(gitea: GiteaServer) -> None:
    forge = _open("gitea", gitea.api)
    assert "is not protected" in forge.register_rules(BRANCH).weaknesses()[0]
    # Gitea's answer for a protected branch anyone with write access may push and force-push
    gitea.protection_of[BRANCH] = {"branch_name": BRANCH, "enable_push": True, "enable_push_whitelist": False,
                                   "enable_force_push": True}
    assert forge.register_rules(BRANCH).weaknesses() == [
        f"force pushes to the register branch {BRANCH} are allowed",
        f"anyone with push access can push to the register branch {BRANCH}: restrict updates to the deploy key"]
    gitea.protection_of[BRANCH] = {"branch_name": BRANCH, "enable_push": True, "enable_push_whitelist": True,
                                   "push_whitelist_deploy_keys": True, "enable_force_push": False}
    assert forge.register_rules(BRANCH).weaknesses() == []


def test_gitlab_register_branch_rules_from_its_protected_branch(gitlab: GitLabServer) -> None:
    p = "/api/v4/projects/dinas%2Fsitus"
    answer: dict[str, object] = {"name": BRANCH, "allow_force_push": True,
                                 "push_access_levels": [{"access_level": 30, "access_level_description": "Developers"}]}
    gitlab.route("GET", rf"{p}/protected_branches/{BRANCH}", lambda **_: (200, {}, answer))
    forge = _open("gitlab", gitlab.api)
    assert forge.register_rules(BRANCH).weaknesses() == [
        f"force pushes to the register branch {BRANCH} are allowed",
        f"anyone with push access can push to the register branch {BRANCH}: restrict updates to the deploy key"]
    answer.update(allow_force_push=False, push_access_levels=[
        {"access_level": 40, "deploy_key_id": 7, "access_level_description": "Deploy key"},
        {"access_level": 0, "access_level_description": "No one"}])
    assert forge.register_rules(BRANCH).weaknesses() == []


@pytest.fixture
def office(tmp_path: Path, cast: dict[str, Person], ci: Key, gh: GitHubServer,
           monkeypatch: pytest.MonkeyPatch) -> Site:
    site = publishing_office(tmp_path, cast, monkeypatch, BRANCH_YML, gh.url, ci.public, gh.collaborator)
    gh.settings.update(allow_squash_merge=False, allow_rebase_merge=False)
    gh.rules_of["main"] = MAIN_RULES
    return site


def test_publish_reports_a_register_branch_weaker_than_required(office: Site, gh: GitHubServer) -> None:
    code, doc = publish_json(office, "--dry-run", env={"GITHUB_TOKEN": TOKEN})
    rules = [w for w in doc["warnings"] if "branch rules" in w]
    assert rules == [f"branch rules of dinas/situs ({b}): the register branch {b} is not protected: "
                     "anyone with push access can rewind or delete it (docs/ci.md: the register branch's ruleset)"
                     for b in (BRANCH, f"{BRANCH}-ulasan")]  # the review branch, under the same ruleset
    gh.rules_of[BRANCH] = REGISTER_RULES
    code, doc = publish_json(office, "--dry-run", env={"GITHUB_TOKEN": TOKEN})
    assert [w for w in doc["warnings"] if "branch rules" in w] == [rules[1]]
    gh.rules_of[f"{BRANCH}-ulasan"] = REGISTER_RULES
    code, doc = publish_json(office, "--dry-run", env={"GITHUB_TOKEN": TOKEN})
    assert not any("branch rules" in w for w in doc["warnings"]), doc["warnings"]
