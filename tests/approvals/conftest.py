"""The site of the approval tests: a repository of tests/approvals_helpers.py (its trusted root commit, the
test office's people with their keys), with git isolated from the machine's own configuration."""

from __future__ import annotations

from pathlib import Path

import pytest
from approvals_helpers import Person, Site, isolated_site


@pytest.fixture
def site(tmp_path: Path, cast: dict[str, Person], monkeypatch: pytest.MonkeyPatch) -> Site:
    return isolated_site(tmp_path, cast, monkeypatch)
