"""Fixtures of the forge tests: a GitHub stand-in and a site whose warta.yml names it (forge_helpers.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from approvals_helpers import Person, Site
from forge_helpers import IDS, forge_site, user
from servers import GitHubServer


@pytest.fixture
def gh() -> Iterator[GitHubServer]:
    server = GitHubServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def site(tmp_path: Path, cast: dict[str, Person], monkeypatch: pytest.MonkeyPatch, gh: GitHubServer) -> Site:
    made = forge_site(tmp_path, cast, monkeypatch, gh.url)
    for handle in IDS:
        gh.collaborator(user(handle))
    return made
