"""Attacks on which forge warta believes (docs/forges.md): the token and the reviews travel only over
https (plain http only to this machine, for tests), and the forge is never chosen by the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import parse_config
from pipeline.errors import ConfigError

PROJECT = Path(__file__).resolve().parents[2]


def _with_forge(url: str) -> str:
    text = (PROJECT / "warta.yml").read_text(encoding="utf-8")
    forge = f"  forge:\n    type: gitea\n    url: {url}\n    repository: dinas/situs\n"
    return text.replace("approvals:\n", "approvals:\n" + forge, 1)


@pytest.mark.parametrize("url", ["http://git.dinas.example.go.id/api/v1", "http://10.0.0.5:3000/api/v1",
                                 "https://bot:secret@git.dinas.example.go.id/api/v1"])
def test_a_forge_is_reached_over_https_only_so_nobody_on_the_way_forges_reviews(url: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(_with_forge(url))
    assert any("approvals.forge.url" in f.format() for f in info.value.findings), info.value.findings


@pytest.mark.parametrize("url", ["https://git.dinas.example.go.id/api/v1", "http://127.0.0.1:8080/api/v1"])
def test_an_https_forge_or_one_on_this_machine_is_accepted(url: str) -> None:
    config = parse_config(_with_forge(url))
    assert config.approvals.forge is not None and config.approvals.forge.api_url == url
