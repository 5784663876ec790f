"""``approvals.forge`` in warta.yml, the forge ids in people.yaml, and the branch rules each forge's API
reports (the findings ``warta publish`` prints)."""

from __future__ import annotations

import pytest
from approvals_helpers import WARTA_YML
from servers import TOKEN, GiteaServer, GitLabServer

from pipeline.config import parse_config
from pipeline.errors import ConfigError
from pipeline.forges import Forge, open_forge
from pipeline.people import parse_people

PEOPLE = """\
roles:
  kasubbag: Kepala Sub Bagian
people:
  - name: Dwi Astuti
    email: dwi@dinas.example.go.id
    roles: [kasubbag]
    github: dwi-gh
    github_id: 201
  - name: Ani Rahayu
    email: ani@dinas.example.go.id
    roles: [kasubbag]
    gitlab_id: 77
"""


def forge_config(block: str) -> str:
    return WARTA_YML % {"signatures": "true"} + block


def test_a_github_forge_needs_only_its_repository() -> None:
    config = parse_config(forge_config("  forge:\n    type: github\n    repository: dinas/situs\n"))
    forge = config.approvals.forge
    assert forge is not None
    assert (forge.api_url, forge.token_variable, forge.source) == ("https://api.github.com", "GITHUB_TOKEN", "github")


def test_a_forgejo_forge_needs_its_api_address_and_is_a_gitea() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(forge_config("  forge:\n    type: forgejo\n    repository: dinas/situs\n"))
    assert "needs url" in str(caught.value) and "warta.yml:" in caught.value.findings[0].format()
    config = parse_config(forge_config("  forge:\n    type: forgejo\n    url: https://git.example.go.id/api/v1\n"
                                       "    repository: dinas/situs\n"))
    assert config.approvals.forge is not None and config.approvals.forge.source == "gitea"


@pytest.mark.parametrize("block, words", [
    ("  forge:\n    type: bitbucket\n    repository: dinas/situs\n", "type"),
    ("  forge:\n    type: github\n    repository: dinas/situs\n    token_env: ghp_abc\n", "token_env"),
    ("  forge:\n    type: github\n    repository: dinas\n", "repository"),
    ("  forge:\n    type: github\n    repository: dinas/situs\n    url: ftp://x\n", "url"),
    ("  forge:\n    type: github\n    repository: dinas/situs\n    tokn_env: X\n", "tokn_env"),
])
def test_a_wrong_forge_section_names_its_line_and_field(block: str, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(forge_config(block))
    text = "\n".join(f.format() for f in caught.value.findings)
    assert "warta.yml:" in text and words in text


def test_people_are_found_by_forge_id_never_by_login() -> None:
    people = parse_people(PEOPLE)
    dwi = people.by_forge_id("github", 201)
    assert dwi is not None and dwi.name == "Dwi Astuti"
    assert people.by_forge_id("gitlab", 77) is not None and people.by_forge_id("gitlab", 201) is None
    assert people.by_forge_id("gitea", 201) is None


@pytest.mark.parametrize("change, words", [
    ("    gitlab_id: 77\n", "already used at line"),
    ("    gitlab_id: abc\n", "gitlab_id"),
    ("    gitlab_id: 0\n", "gitlab_id"),
])
def test_wrong_forge_ids_are_refused_with_their_line(change: str, words: str) -> None:
    text = PEOPLE.replace("    github_id: 201\n", f"    github_id: 201\n{change}")
    with pytest.raises(ConfigError) as caught:
        parse_people(text)
    assert any(words in f.format() and "people.yaml:" in f.format() for f in caught.value.findings)


def test_the_publishing_identity_has_no_forge_id() -> None:
    text = PEOPLE + ('pipeline:\n  name: warta CI\n  email: ci@dinas.example.go.id\n  gitea_id: 5\n'
                     '  ssh_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEW9RnnAOtm9uQML490tU5zRv9TEhBDAGnTgLuCphnlr"]\n')
    with pytest.raises(ConfigError) as caught:
        parse_people(text)
    assert any("gitea_id" in f.format() and "no forge account" in f.format() for f in caught.value.findings)


def _open(kind: str, url: str) -> Forge:
    config = parse_config(forge_config(f"  forge:\n    type: {kind}\n    url: {url}\n    repository: dinas/situs\n"
                                       "    token_env: FORGE_TOKEN\n"))
    assert config.approvals.forge is not None
    return open_forge(config.approvals.forge, {"FORGE_TOKEN": TOKEN})


def test_gitea_branch_rules_are_read_from_its_protection(gitea: GiteaServer) -> None:
    forge = _open("gitea", gitea.api)
    assert forge.branch_rules("main").weaknesses()[0].startswith("branch main is not protected")
    gitea.protection = {"branch_name": "main", "enable_status_check": True, "status_check_contexts": ["warta/approvals"],
                        "dismiss_stale_approvals": True, "enable_approvals_whitelist": True}
    assert [w.split(":")[0] for w in forge.branch_rules("main").weaknesses()] == ["squash or rebase merging is allowed"]
    gitea.settings.update(allow_squash_merge=False, allow_rebase=False, allow_rebase_explicit=False)
    assert forge.branch_rules("main").weaknesses() == []
    gitea.protection["enable_status_check"] = False
    assert forge.branch_rules("main").weaknesses() == [
        "the check warta/approvals is not required before merging"]


def test_gitlab_branch_rules_come_from_protection_approvals_and_pipelines(gitlab: GitLabServer) -> None:
    p = "/api/v4/projects/dinas%2Fsitus"
    settings: dict[str, object] = {"code_owner_approval_required": True}
    gitlab.route("GET", rf"{p}/protected_branches/main", lambda **_: (200, {}, {"name": "main", **settings}))
    gitlab.route("GET", rf"{p}/approvals", lambda **_: (200, {}, {"reset_approvals_on_push": True}))
    gitlab.route("GET", rf"{p}", lambda **_: (200, {}, {"only_allow_merge_if_pipeline_succeeds": False}))
    forge = _open("gitlab", gitlab.api)
    assert forge.branch_rules("main").weaknesses() == [
        "the check warta/approvals is not required before merging"]
    settings["code_owner_approval_required"] = False
    assert "code-owner review is not required" in forge.branch_rules("main").weaknesses()[0]
