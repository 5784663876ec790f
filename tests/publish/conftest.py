"""The site of the publish tests: the office of tests/publish_helpers.py (real git, SSH-signed approvals,
outbox channels, a videotron board), with git isolated from the machine's own configuration."""

from __future__ import annotations

from pathlib import Path

import pytest
from approvals_helpers import Person, Site
from publish_helpers import isolated_env, office


@pytest.fixture
def site(tmp_path: Path, cast: dict[str, Person], monkeypatch: pytest.MonkeyPatch) -> Site:
    made = office(tmp_path, cast)
    for key, value in isolated_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    return made
