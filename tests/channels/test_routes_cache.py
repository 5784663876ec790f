"""``warta status``'s routes cache (pipeline/channels/routing.py RoutesCache, .warta-cache/status/routes.json):
the routes it gives equal routing each item parsed afresh; changed bytes, another configuration or SOP steps,
and an edited, truncated or foreign file are never believed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from pipeline.channels import routing
from pipeline.channels.routing import destinations, routes
from pipeline.config import SiteConfig, parse_config
from pipeline.content import parse_item
from pipeline.sop import Sop
from pipeline.sop_files import load_sops
from pipeline.tree import WorkTree

CHANNELS = """
channels:
  facebook: {type: facebook, page_id: "1234", token_env: FB_TOKEN}
  telegram: {type: telegram, chat_id: "@dpmkbantul", token_env: TG_TOKEN}
  layar: {type: videotron, folder: _videotron}
"""
ITEMS = {
    "content/berita/2025/semua.md": "---\ntitle: Semua\ndate: 2025-03-04\nsummary: R.\n---\nIsi.\n",
    "content/berita/2025/telegram.md": "---\ntitle: T\ndate: 2025-03-04\nsummary: R.\nkanal: [telegram]\n---\nIsi.\n",
    "content/siaran-pers/2025/siaran.md": "---\ntitle: S\ndate: 2025-03-04\nsummary: R.\n---\nIsi.\n",
    "content/siaran-pers/2025/rusak.md": "---\ntitle: [tidak, selesai\n---\nIsi.\n",
    "content/siaran-pers/2025/tanpa-judul.md": "---\ndate: 2025-03-04\n---\nIsi.\n",
}


def config_with(project_root: Path, channels: str = CHANNELS) -> SiteConfig:
    text = (project_root / "warta.yml").read_text(encoding="utf-8")
    return parse_config(text[:text.index("channels:")] + channels.strip() + "\n\n" + text[text.index("deploy:"):])


@pytest.fixture
def site(tmp_path: Path) -> Path:
    for rel, text in ITEMS.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    return tmp_path


def fresh(site: Path, config: SiteConfig, sops: dict[str, Sop]) -> dict[str, list[str]]:
    """What each item's routes are, every item parsed here (the definition, without any cache)."""
    out = {}
    for rel in ITEMS:
        item = parse_item(WorkTree(site), rel, (site / rel).read_bytes(), config)[0]
        if item is not None:
            out[rel] = routes(item, sops.get(item.sop_id), config)
    return out


def test_cached_routes_equal_routing_each_item_afresh(site: Path, project_root: Path) -> None:
    config, sops = config_with(project_root), load_sops(project_root)
    cache = site / ".warta-cache/status/routes.json"
    expected = fresh(site, config, sops)
    assert "content/siaran-pers/2025/rusak.md" not in expected and "content/siaran-pers/2025/tanpa-judul.md" not in expected
    assert expected["content/berita/2025/telegram.md"] == ["telegram"]
    assert expected["content/siaran-pers/2025/siaran.md"] == []
    assert destinations(WorkTree(site), ITEMS, config, sops, cache=cache) == expected
    assert cache.is_file()
    assert destinations(WorkTree(site), ITEMS, config, sops, cache=cache) == expected


def test_unchanged_items_are_not_parsed_again(site: Path, project_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config, sops = config_with(project_root), load_sops(project_root)
    cache = site / ".warta-cache/status/routes.json"
    expected = destinations(WorkTree(site), ITEMS, config, sops, cache=cache)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(routing, "parse_item", refuse)
    assert destinations(WorkTree(site), ITEMS, config, sops, cache=cache) == expected


def test_changed_bytes_configuration_or_sop_steps_are_routed_again(site: Path, project_root: Path) -> None:
    config, sops = config_with(project_root), load_sops(project_root)
    cache = site / ".warta-cache/status/routes.json"
    destinations(WorkTree(site), ITEMS, config, sops, cache=cache)
    (site / "content/berita/2025/semua.md").write_text(ITEMS["content/berita/2025/semua.md"].replace(
        "summary: R.\n", "summary: R.\nkanal: [facebook]\n"), encoding="utf-8")
    assert destinations(WorkTree(site), ITEMS, config, sops, cache=cache) == fresh(site, config, sops)
    assert destinations(WorkTree(site), ITEMS, config, sops, cache=cache)["content/berita/2025/semua.md"] == [
        "facebook"]
    fewer = config_with(project_root, CHANNELS.replace("telegram: {type: telegram",
                                                       "telegram: {enabled: false, type: telegram"))
    assert destinations(WorkTree(site), ITEMS, fewer, sops, cache=cache) == fresh(site, fewer, sops)
    assert "telegram" not in destinations(WorkTree(site), ITEMS, fewer, sops, cache=cache)[
        "content/berita/2025/telegram.md"]
    no_steps = {name: Sop(sop.id, sop.nama, sop.disahkan_oleh, sop.identitas, sop.langkah[:1], path=sop.path)
                for name, sop in sops.items()}
    assert destinations(WorkTree(site), ITEMS, config, no_steps, cache=cache) == fresh(site, config, no_steps)


@pytest.mark.parametrize("damage", ["edited", "truncated", "foreign", "another context"])
def test_a_damaged_cache_is_not_believed(site: Path, project_root: Path, damage: str) -> None:
    config, sops = config_with(project_root), load_sops(project_root)
    cache = site / ".warta-cache/status/routes.json"
    destinations(WorkTree(site), ITEMS, config, sops, cache=cache)
    document = json.loads(cache.read_text(encoding="utf-8"))
    body = json.loads(document["body"])
    if damage == "edited":  # every item claims to go to a channel its check was not made for
        body["entries"] = {k: ["mastodon"] for k in body["entries"]}
        document["body"] = json.dumps(body)
        cache.write_text(json.dumps(document), encoding="utf-8")
    elif damage == "truncated":
        cache.write_bytes(cache.read_bytes()[:50])
    elif damage == "foreign":
        cache.write_text('{"body": "[]", "check": "x"}', encoding="utf-8")
    else:  # a whole, checked file of another context
        body["context"] = "0" * 64
        body["entries"] = {k: ["mastodon"] for k in body["entries"]}
        text = json.dumps(body)
        cache.write_text(json.dumps({"body": text, "check": hashlib.sha256(
            f"warta-routes\0{text}".encode()).hexdigest()}), encoding="utf-8")
    assert destinations(WorkTree(site), ITEMS, config, sops, cache=cache) == fresh(site, config, sops)


def test_a_run_routing_fewer_items_keeps_the_others(site: Path, project_root: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    config, sops = config_with(project_root), load_sops(project_root)
    cache = site / ".warta-cache/status/routes.json"
    expected = destinations(WorkTree(site), ITEMS, config, sops, cache=cache)
    before = cache.read_bytes()
    assert destinations(WorkTree(site), [], config, sops, cache=cache) == {}  # warta status showing nothing
    assert cache.read_bytes() == before
    new = "content/berita/2025/baru.md"
    (site / new).write_text(ITEMS["content/berita/2025/semua.md"].replace("Semua", "Baru"), encoding="utf-8")
    destinations(WorkTree(site), [new], config, sops, cache=cache)  # a new item routed alone

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(routing, "parse_item", refuse)
    assert destinations(WorkTree(site), [*ITEMS, new], config, sops, cache=cache) == {
        **expected, new: expected["content/berita/2025/semua.md"]}
