"""Fixtures of the channel tests: the local platforms server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from channel_servers import Platforms, serve


@pytest.fixture
def platforms() -> Iterator[Platforms]:
    yield from serve()
