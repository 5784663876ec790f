"""Channels in warta.yml and routing by the SOP: an item goes to the enabled channels whose aksi its SOP
names, narrowed by its own kanal; texts over a platform's limit are check findings (docs/channels.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.channels.routing import route_findings, routes
from pipeline.config import SiteConfig, load_config, parse_config
from pipeline.content import parse_item
from pipeline.errors import ConfigError
from pipeline.sop_files import load_sops
from pipeline.tree import WorkTree

CHANNELS = """
channels:
  facebook: {type: facebook, page_id: "1234", token_env: FB_TOKEN}
  instagram: {type: instagram, ig_user_id: "5678", token_env: IG_TOKEN}
  x: {type: x, token_env: {consumer_key: XK, consumer_secret: XS, access_token: XT, access_token_secret: XTS}}
  telegram: {type: telegram, chat_id: "@dpmkbantul", token_env: TG_TOKEN}
  layar: {type: videotron, folder: _videotron}
"""


def _config(project_root: Path, channels: str = CHANNELS) -> SiteConfig:
    text = (project_root / "warta.yml").read_text(encoding="utf-8")
    head = text[:text.index("channels:")]
    tail = text[text.index("deploy:"):]
    return parse_config(head + channels.strip() + "\n\n" + tail)


def _errors(project_root: Path, channels: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        _config(project_root, channels)
    return [f.format() for f in info.value.findings]


def _item(tmp_path: Path, kind: str, extra: str = "", title: str = "Bantuan Bibit Cabai") -> object:
    rel = f"content/{kind}/2025/bibit.md"
    file = tmp_path / rel
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(f"---\ntitle: {title}\ndate: 2025-03-04\nsummary: Ringkasan.\n{extra}---\nIsi.\n", encoding="utf-8")
    return rel


def _routes(project_root: Path, tmp_path: Path, kind: str, extra: str = "", channels: str = CHANNELS) -> list[str]:
    config = _config(project_root, channels)
    rel = _item(tmp_path, kind, extra)
    item, findings = parse_item(WorkTree(tmp_path), str(rel), (tmp_path / str(rel)).read_bytes(), config)
    assert item is not None, findings
    return routes(item, load_sops(project_root).get(item.sop_id), config)


def test_each_type_serves_its_default_aksi(project_root: Path) -> None:
    config = _config(project_root)
    assert {n: c.aksi for n, c in config.channels.items()} == {
        "facebook": "kirim_medsos", "instagram": "kirim_medsos", "x": "kirim_medsos", "telegram": "kirim_medsos",
        "layar": "tayang_videotron"}
    # the embedded default: an outbox named videotron shows slides
    assert load_config(project_root).channels["videotron"].aksi == "tayang_videotron"


def test_a_press_release_under_seed_002_goes_to_no_social_channel(project_root: Path, tmp_path: Path) -> None:
    # pemutakhiran-website's pipeline steps are terbit_website and arsip only
    assert _routes(project_root, tmp_path, "siaran-pers") == []


def test_seed_000_sends_to_social_media_and_the_videotron(project_root: Path, tmp_path: Path) -> None:
    assert _routes(project_root, tmp_path, "pengumuman") == ["facebook", "instagram", "layar", "telegram", "x"]


def test_seed_003_posts_to_social_media_but_not_the_videotron(project_root: Path, tmp_path: Path) -> None:
    assert _routes(project_root, tmp_path, "berita") == ["facebook", "instagram", "telegram", "x"]


def test_kanal_narrows_the_channels_but_never_widens_them(project_root: Path, tmp_path: Path) -> None:
    assert _routes(project_root, tmp_path, "berita", "kanal: [instagram, layar]\n") == ["instagram"]
    assert _routes(project_root, tmp_path, "pengumuman", "kanal: []\n") == []


def test_a_disabled_channel_gets_nothing(project_root: Path, tmp_path: Path) -> None:
    off = CHANNELS.replace("token_env: FB_TOKEN", "token_env: FB_TOKEN, enabled: false")
    assert "facebook" not in _routes(project_root, tmp_path, "berita", channels=off)


@pytest.mark.parametrize("name", ["WARTA_SIGNING_KEY", "WARTA_DEPLOY_SSH_KEY", "AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN"])
def test_a_token_env_may_not_name_a_secret_warta_holds(project_root: Path, name: str) -> None:
    errors = _errors(project_root, CHANNELS.replace("TG_TOKEN", name))
    assert any("channels.telegram.token_env" in e and name in e for e in errors), errors


def test_x_needs_its_four_oauth1_variables(project_root: Path) -> None:
    errors = _errors(project_root, "channels:\n  x: {type: x, token_env: X_TOKEN}\n")
    assert any("channels.x" in e and "four variables" in e for e in errors), errors
    errors = _errors(project_root, "channels:\n  x: {type: x, token_env: {consumer_key: A, consumer_secret: B}}\n")
    assert any("access_token" in e for e in errors), errors


@pytest.mark.parametrize(("entry", "needs"), [
    ("{type: telegram, token_env: TG}", "chat_id"),
    ("{type: facebook, token_env: FB}", "page_id"),
    ("{type: instagram, token_env: IG}", "ig_user_id"),
    ("{type: mastodon, token_env: MA}", "url"),
    ("{type: webhook, url: 'https://hook.example/in'}", "token_env"),
])
def test_each_platform_names_its_own_fields(project_root: Path, entry: str, needs: str) -> None:
    errors = _errors(project_root, f"channels:\n  c: {entry}\n")
    assert any("channels.c" in e and needs in e for e in errors), errors


@pytest.mark.parametrize("url", ["http://mastodon.example", "https://user@mastodon.example", "https://m.example/?a=1"])
def test_an_api_address_is_https_without_user_or_query(project_root: Path, url: str) -> None:
    errors = _errors(project_root, f"channels:\n  m: {{type: mastodon, url: '{url}', token_env: MA}}\n")
    assert any("channels.m.url" in e for e in errors), errors


def test_unknown_kanal_and_too_long_posts_are_check_findings(project_root: Path, tmp_path: Path) -> None:
    config = _config(project_root)
    long_title = "Pengumuman " + "sangat panjang " * 20
    rel = str(_item(tmp_path, "pengumuman", "kanal: [x, tiktok]\n", title=long_title.strip()))
    item, _ = parse_item(WorkTree(tmp_path), rel, (tmp_path / rel).read_bytes(), config)
    assert item is not None
    found = [f.format() for f in route_findings(item, load_sops(project_root).get(item.sop_id), config)]
    assert any("warning: kanal: no channel 'tiktok'" in f for f in found), found
    assert any("warning: channel x:" in f and "280" in f for f in found), found
    assert all(f.startswith(f"{rel}:") for f in found)
