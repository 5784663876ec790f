"""Fixtures of the attack tests: the forge stand-ins (tests/forges/) and the platforms server
(tests/channels/), loaded under their own module names so the other folders' ``conftest`` modules do not
collide with this one."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from approvals_helpers import Person, Site

TESTS = Path(__file__).resolve().parents[1]
for folder in ("forges", "channels"):
    if str(TESTS / folder) not in sys.path:
        sys.path.append(str(TESTS / folder))

import forge_helpers as forge_fixtures  # noqa: E402
from channel_servers import Platforms, channel_office, serve  # noqa: E402
from identity_helpers import Key, keygen  # noqa: E402
from publish_helpers import isolate  # noqa: E402
from publish_helpers import office as publish_office  # noqa: E402
from servers import GitHubServer  # noqa: E402


@pytest.fixture
def platforms() -> Iterator[Platforms]:
    yield from serve()


@pytest.fixture
def office(tmp_path: Path, cast: dict[str, Person], monkeypatch: pytest.MonkeyPatch, platforms: Platforms) -> Site:
    """The channel tests' office: Mastodon, Telegram and X on the local platforms server."""
    made = channel_office(tmp_path, cast, platforms)
    isolate(tmp_path, monkeypatch)
    return made


@pytest.fixture
def site(tmp_path: Path, cast: dict[str, Person], monkeypatch: pytest.MonkeyPatch) -> Site:
    """The publish tests' office (:func:`publish_helpers.office`), its environment isolated."""
    made = publish_office(tmp_path, cast)
    isolate(tmp_path, monkeypatch)
    return made


@pytest.fixture
def ci(tmp_path_factory: pytest.TempPathFactory) -> Key:
    """The publishing identity's key (a module may name its own)."""
    return keygen(tmp_path_factory.mktemp("ci-key"), "ci")


@pytest.fixture
def gh() -> Iterator[GitHubServer]:
    server = GitHubServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def forge(tmp_path: Path, cast: dict[str, Person], monkeypatch: pytest.MonkeyPatch, gh: GitHubServer) -> Site:
    """A site whose warta.yml names the GitHub stand-in; every person a collaborator."""
    made: Site = forge_fixtures.forge_site(tmp_path, cast, monkeypatch, gh.url)
    for handle in forge_fixtures.IDS:
        gh.collaborator(forge_fixtures.user(handle))
    return made
