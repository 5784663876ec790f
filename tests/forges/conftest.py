"""Fixtures of the forge tests: the GitHub, Gitea and GitLab stand-ins (servers.py), the publishing
identity's key, and a site whose warta.yml names GitHub (forge_helpers.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from approvals_helpers import Person, Site
from forge_helpers import IDS, forge_site, user
from identity_helpers import Key, keygen
from servers import GiteaServer, GitHubServer, GitLabServer


@pytest.fixture
def gh() -> Iterator[GitHubServer]:
    server = GitHubServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def gitea() -> Iterator[GiteaServer]:
    server = GiteaServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def gitlab() -> Iterator[GitLabServer]:
    server = GitLabServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def ci(tmp_path_factory: pytest.TempPathFactory) -> Key:
    """The publishing identity's key (its public half goes in people.yaml's pipeline: entry)."""
    return keygen(tmp_path_factory.mktemp("ci-key"), "ci")


@pytest.fixture
def site(tmp_path: Path, cast: dict[str, Person], monkeypatch: pytest.MonkeyPatch, gh: GitHubServer) -> Site:
    made = forge_site(tmp_path, cast, monkeypatch, gh.url)
    for handle in IDS:
        gh.collaborator(user(handle))
    return made
