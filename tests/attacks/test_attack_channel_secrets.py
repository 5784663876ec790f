"""Attacks on where a channel's token comes from and goes to (docs/channels.md): a channel's ``token_env``
never names a variable that holds one of warta's own credentials (the publish job's signing, deploy and
forge secrets), whichever forge or deploy the office uses, so no platform host receives them."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import parse_config
from pipeline.errors import ConfigError

PROJECT = Path(__file__).resolve().parents[2]


def _config_text(channels: str, approvals: str = "") -> str:
    text = (PROJECT / "warta.yml").read_text(encoding="utf-8")
    head, tail = text[:text.index("channels:")], text[text.index("deploy:"):]
    if approvals:
        head = head.replace("approvals:\n", "approvals:\n" + approvals, 1)
    return head + channels + "\n" + tail


def _errors(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    return [f.format() for f in info.value.findings]


# the GitLab publish job has every CI/CD variable in its environment, the deploy key too (docs/ci.md);
# Forgejo's default forge token
@pytest.mark.parametrize("name", ["WARTA_DEPLOY_KEY", "FORGEJO_TOKEN"])
def test_a_channel_token_env_never_names_a_credential_of_the_publish_job(name: str) -> None:
    channels = f"channels:\n  telegram: {{type: telegram, chat_id: '@dinas', token_env: {name}}}\n"
    errors = _errors(_config_text(channels))
    assert any("channels.telegram.token_env" in e and name in e for e in errors), errors


def test_a_channel_token_env_never_names_the_forge_token_warta_yml_names() -> None:
    assert "approvals:\n" in (PROJECT / "warta.yml").read_text(encoding="utf-8")
    forge = "  forge:\n    type: gitea\n    url: https://git.dinas.example.go.id/api/v1\n" \
            "    repository: dinas/situs\n    token_env: DINAS_BOT\n"
    channels = "channels:\n  kabar: {type: webhook, url: 'https://hooks.example.org/in', token_env: DINAS_BOT}\n"
    errors = _errors(_config_text(channels, forge))
    assert any("kabar" in e and "DINAS_BOT" in e for e in errors), errors
    # the same office with the channel's own variable is fine
    parse_config(_config_text(channels.replace("token_env: DINAS_BOT", "token_env: KABAR_SECRET"), forge))
