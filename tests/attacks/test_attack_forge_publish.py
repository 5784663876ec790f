"""Attacks on ``warta publish`` copying forge reviews into git (docs/forges.md, "Forge approvals enter
git"): only reviews of the very content that was merged, of a pull request into main, by the people
themselves, are copied; everything else leaves the item held."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from approvals_helpers import Person, Site, item_text, make_site, release
from attack_forge import forge_fixtures
from identity_helpers import Key, pipeline_block
from publish_helpers import PUBLISH_YML, publish_json, records
from servers import TOKEN, GitHubServer

T0 = int(time.time()) - 3600
user = forge_fixtures.user


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


@pytest.mark.parametrize(("variable", "value"), [("GITHUB_REPOSITORY", "penyerang/situs"),
                                                 ("GITHUB_API_URL", "http://127.0.0.1:9/api")])
def test_publish_refuses_an_environment_naming_another_forge_and_copies_nothing(
        office: Site, gh: GitHubServer, ci: Key, variable: str, value: str) -> None:
    path = release(office)
    head = office.head()
    gh.add_pull(7, head, user("rina"))
    gh.review(7, user("dwi"), "APPROVED", head, T0)
    gh.review(7, user("hendro"), "APPROVED", head, T0 + 60)
    gh.merge_pull(7, office.merge("rilis/bantuan-bibit", office.cast["wahyu"]))
    code, doc = publish_json(office, env={"GITHUB_TOKEN": TOKEN, "WARTA_SIGNING_KEY": ci.text, variable: value})
    assert code == 2, doc
    assert _copies(office) == []
    assert path not in records(office.root)


def _record_at(site: Site, who: str, path: str, step: int, role: str, at: int) -> None:
    """A signed approval record (as Site.record writes it) dated ``at``."""
    person = site.cast[who]
    digest = site.digest(path)
    message = (f"approve {path}\n\nWarta-Item: {path}\nWarta-Digest: {digest}\nWarta-Step: {step}\n"
               f"Warta-Role: {role}\nWarta-Decision: approve\n")
    env = {**site.env(person, sign=False), "GIT_AUTHOR_DATE": f"@{at} +0700", "GIT_COMMITTER_DATE": f"@{at} +0700"}
    subprocess.run(["git", "-c", f"user.signingkey={person.key}.pub", "-c", "gpg.format=ssh", "commit", "-q",
                    "--allow-empty", "-S", "-m", message], cwd=site.root, env=env, check=True, capture_output=True)


def test_a_request_for_changes_on_the_forge_holds_an_item_whose_git_records_are_complete(
        office: Site, gh: GitHubServer, ci: Key) -> None:
    """Rule 7: a return blocks the digest wherever it is seen, the forge included, until the content changes.
    Hendro (sekdin, step 3) asks for changes on the pull request; later a signed record approves step 3 of
    the same text; the pull request is merged anyway (an admin, or a check the branch rewrote)."""
    path = release(office)
    head = office.head()
    gh.add_pull(7, head, user("rina"))
    _record_at(office, "dwi", path, 2, "kasubbag", T0)
    gh.review(7, user("hendro"), "CHANGES_REQUESTED", head, T0 + 60, body="Angka anggaran salah.")
    _record_at(office, "hendro", path, 3, "sekdin", T0 + 120)
    verify = forge_fixtures.run_cli(office, "verify", "--pr", "7", "--json", env={"GITHUB_TOKEN": TOKEN})
    assert verify.returncode == 1, verify.stdout  # the pull request shows the return
    gh.merge_pull(7, office.merge("rilis/bantuan-bibit", office.cast["wahyu"]))
    code, doc = publish_json(office, env={"GITHUB_TOKEN": TOKEN, "WARTA_SIGNING_KEY": ci.text})
    assert path not in records(office.root), "an item returned on the forge was published"
    kept = office.git("rev-list", "refs/warta/decisions")
    assert "Warta-Decision: return" in office.git("log", "--format=%B", "refs/warta/decisions")
    # the return is in git now: a later run (the forge gone) still holds the item, and keeps nothing more
    code, doc = publish_json(office, env={"WARTA_SIGNING_KEY": ci.text})
    assert path not in records(office.root) and office.git("rev-list", "refs/warta/decisions") == kept
