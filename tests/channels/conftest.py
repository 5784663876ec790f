"""Fixtures of the channel tests: the local platforms server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from approvals_helpers import SOP_RILIS, Person, Site, make_site
from channel_servers import Platforms, serve
from publish_helpers import PUBLISH_YML, isolated_env
from publish_helpers import office as publish_office


@pytest.fixture
def platforms() -> Iterator[Platforms]:
    yield from serve()


@pytest.fixture
def office(tmp_path: Path, cast: dict[str, Person], monkeypatch: pytest.MonkeyPatch,
           platforms: Platforms) -> Site:
    """The publish tests' office with Mastodon, Telegram and X channels on the local platforms server."""
    channels = (f"channels:\n"
                f"  mastodon: {{type: mastodon, url: '{platforms.base}', token_env: T_MASTODON}}\n"
                f"  telegram: {{type: telegram, url: '{platforms.base}', chat_id: '@dinasuji', token_env: T_TELEGRAM}}\n"
                f"  x: {{type: x, url: '{platforms.base}', token_env: {{consumer_key: T_XK, consumer_secret: T_XS, "
                f"access_token: T_XT, access_token_secret: T_XTS}}}}\n")
    text = PUBLISH_YML[:PUBLISH_YML.index("channels:")] + channels + PUBLISH_YML[PUBLISH_YML.index("deploy:"):]
    sop = SOP_RILIS.replace("aksi: terbit_website", "aksi: [terbit_website, kirim_medsos]")
    made = make_site(tmp_path, cast, extra={"warta.yml": text, "sop/rilis-uji.yaml": sop})
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
