"""Attacks on ``warta publish`` copying forge reviews into git (docs/forges.md, "Forge approvals enter
git"): only reviews of the very content that was merged, of a pull request into main, by the people
themselves, are copied; everything else leaves the item held."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from approvals_helpers import Person, Site, item_text, make_site, release
from attack_forge import forge_fixtures
from identity_helpers import Key, keygen, pipeline_block
from publish_helpers import PUBLISH_YML, publish_json, records
from servers import TOKEN, GitHubServer

T0 = int(time.time()) - 3600
user = forge_fixtures.user


@pytest.fixture
def ci(tmp_path_factory: pytest.TempPathFactory) -> Key:
    return keygen(tmp_path_factory.mktemp("ci-key"), "ci")


@pytest.fixture
def office(tmp_path: Path, cast: dict[str, Person], ci: Key, gh: GitHubServer, monkeypatch: pytest.MonkeyPatch) -> Site:
    warta = PUBLISH_YML.replace("  main_branch: main\n", f"  main_branch: main\n  forge:\n    type: github\n"
                                                       f"    url: {gh.url}\n    repository: dinas/situs\n")
    people = forge_fixtures.people_with_ids(cast) + pipeline_block(ci.public)
    site = make_site(tmp_path, cast, extra={"warta.yml": warta, "sop/people.yaml": people})
    (tmp_path / "home" / "isolated").write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "home" / "isolated"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in forge_fixtures.CI_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for handle in forge_fixtures.IDS:
        gh.collaborator(user(handle))
    return site


def _copies(site: Site) -> list[str]:
    return site.git("log", "--format=%H", "--grep=Warta-Source: github", "main").split()


def test_reviews_of_a_head_force_pushed_before_the_merge_are_never_copied(office: Site, gh: GitHubServer,
                                                                           ci: Key) -> None:
    path = release(office)
    seen = office.head()
    gh.add_pull(7, seen, user("rina"))
    gh.review(7, user("dwi"), "APPROVED", seen, T0)
    gh.review(7, user("hendro"), "APPROVED", seen, T0 + 60)
    # after the approvals the author rewrites the branch with other text, and it is merged
    office.git("reset", "-q", "--hard", "main")
    office.switch("rilis/bantuan-bibit")
    office.write(path, item_text(body="Isi lain yang tidak pernah disetujui."))
    office.commit("Rilis (ditulis ulang)", office.cast["rina"])
    merge = office.merge("rilis/bantuan-bibit", office.cast["wahyu"])
    gh.merge_pull(7, merge)
    code, doc = publish_json(office, env={"GITHUB_TOKEN": TOKEN, "WARTA_SIGNING_KEY": ci.text})
    assert _copies(office) == []
    assert path not in records(office.root)
    assert any(h["path"] == path for h in doc["held"])


def test_reviews_of_a_pull_request_merged_into_another_branch_are_never_copied(office: Site, gh: GitHubServer,
                                                                                ci: Key) -> None:
    path = release(office)
    head = office.head()
    gh.add_pull(7, head, user("rina"), base="staging")
    gh.review(7, user("dwi"), "APPROVED", head, T0)
    gh.review(7, user("hendro"), "APPROVED", head, T0 + 60)
    merge = office.merge("rilis/bantuan-bibit", office.cast["wahyu"])  # the same merge reaches main
    gh.merge_pull(7, merge)
    publish_json(office, env={"GITHUB_TOKEN": TOKEN, "WARTA_SIGNING_KEY": ci.text})
    assert _copies(office) == []
    assert path not in records(office.root)


def test_a_reviewer_who_lost_write_access_before_the_publish_is_never_copied(office: Site, gh: GitHubServer,
                                                                              ci: Key) -> None:
    path = release(office)
    head = office.head()
    gh.add_pull(7, head, user("rina"))
    gh.review(7, user("dwi"), "APPROVED", head, T0)
    gh.review(7, user("hendro"), "APPROVED", head, T0 + 60)
    merge = office.merge("rilis/bantuan-bibit", office.cast["wahyu"])
    gh.merge_pull(7, merge)
    gh.collaborator(user("hendro"), permission="read")  # Hendro left the office before the publish
    publish_json(office, env={"GITHUB_TOKEN": TOKEN, "WARTA_SIGNING_KEY": ci.text})
    copied = [office.git("log", "-1", "--format=%an", c) for c in _copies(office)]
    assert copied == ["Dwi Astuti"]
    assert path not in records(office.root)
