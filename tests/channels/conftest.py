"""Fixtures of the channel tests: the local platforms server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from approvals_helpers import Person, Site
from channel_servers import Platforms, channel_office, serve
from publish_helpers import isolated_env
from publish_helpers import office as publish_office


@pytest.fixture
def platforms() -> Iterator[Platforms]:
    yield from serve()


@pytest.fixture
def office(tmp_path: Path, cast: dict[str, Person], monkeypatch: pytest.MonkeyPatch,
           platforms: Platforms) -> Site:
    """:func:`channel_office` with git isolated from the machine's own configuration."""
    made = channel_office(tmp_path, cast, platforms)
    for key, value in isolated_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    return made


@pytest.fixture
def site(tmp_path: Path, cast: dict[str, Person], monkeypatch: pytest.MonkeyPatch) -> Site:
    """The publish tests' office (outbox channels, a videotron board)."""
    made = publish_office(tmp_path, cast)
    for key, value in isolated_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    return made
