"""Announcements: one outbox payload per item version and channel, with the channel's own picture, and the
videotron boards' slides and playlist of the newest releases (DESIGN sections 5 and 8)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from approvals_helpers import (
    Site,
)
from PIL import Image
from publish_helpers import (
    approved_release,
    change_release,
    outbox,
    page,
    publish,
    publish_json,
    records,
    release_text,
)

SITE_URL = "https://dinas.example.go.id"  # site.url of the test warta.yml
BOARD = "_outbox/videotron/simpang-empat"  # media.videotron of the test warta.yml: 384x192



def _payload(root: Path, name: str) -> dict[str, Any]:
    data = json.loads((root / "_outbox" / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _live_file(root: Path, url: object) -> Path:
    assert isinstance(url, str) and url.startswith(SITE_URL + "/")
    return root / "_site" / url.removeprefix(SITE_URL + "/")


def test_payloads_once_per_version_and_channel_with_channel_pictures(site: Site) -> None:
    a = approved_release(site, "bantuan-bibit", title="Bantuan Bibit Cabai", photo="orientation_landscape_1.jpg")
    b = approved_release(site, "rapat-koordinasi", kind="berita", title="Rapat Koordinasi Pendamping")
    assert publish(site).returncode == 0

    register = records(site.root)
    files = outbox(site.root)
    by_item: dict[str, list[str]] = {}
    for name in files:
        by_item.setdefault(str(_payload(site.root, name)["number"]), []).append(name.split("/")[0])
    assert by_item == {str(register[a]["number"]): ["facebook", "instagram"],
                       str(register[b]["number"]): ["facebook", "instagram"]}  # the imported page: none

    facebook = _payload(site.root, next(n for n in files if n.startswith("facebook/")
                                         and _payload(site.root, n)["number"] == register[a]["number"]))
    instagram = _payload(site.root, next(n for n in files if n.startswith("instagram/")
                                          and _payload(site.root, n)["number"] == register[a]["number"]))
    for payload in (facebook, instagram):
        assert payload["title"] == "Bantuan Bibit Cabai" and payload["change"] == "new"
        assert payload["digest"] == register[a]["digest"]
        assert _live_file(site.root, payload["url"]).joinpath("index.html").is_file()
        assert str(payload["url"]) in str(payload["text"])
        assert payload["image_alt"] == "Foto kegiatan di balai kalurahan"
    # each channel gets its own crop (DOMAIN.md image sizes), a file of the live site
    with Image.open(_live_file(site.root, facebook["image"])) as og:
        assert og.size == (1200, 630)
    with Image.open(_live_file(site.root, instagram["image"])) as square:
        assert square.size == (1080, 1080)
    assert f'<meta property="og:image" content="{facebook["image"]}">' in page(site.root, "siaran-pers/2025/bantuan-bibit")
    no_photo = [_payload(site.root, n) for n in files if _payload(site.root, n)["number"] == register[b]["number"]]
    assert all(p["image"] is None for p in no_photo)
    channels = {c["channel"]: c for c in register[a]["channels"]}
    assert set(channels) == {"website", "facebook", "instagram", "videotron"}
    assert (site.root / str(channels["facebook"]["url"])).is_file()

    # nothing new: nothing written again
    stamps = {n: (site.root / "_outbox" / n).stat().st_mtime_ns for n in files}
    assert publish(site).returncode == 0
    assert {n: (site.root / "_outbox" / n).stat().st_mtime_ns for n in outbox(site.root)} == stamps

    # a new version is announced once more, as a change
    note = "\n  - tanggal: 2025-03-10\n    catatan: Jumlah bibit diperbaiki\n    jenis: kecil"
    text = release_text("Bantuan Bibit Cabai", body="Isi baru.", image="../../media/bantuan-bibit.jpg",
                        image_alt="Foto kegiatan di balai kalurahan", catatan_perubahan=note)
    change_release(site, a, text, branch="ubah", refs=("content/media/bantuan-bibit.jpg",))
    assert publish(site).returncode == 0
    after = outbox(site.root)
    assert len(after) == len(files) + 2
    changed = [_payload(site.root, n) for n in after if n not in files]
    assert {p["change"] for p in changed} == {"changed"}
    assert {p["digest"] for p in changed} == {records(site.root)[a]["digest"]}


def test_videotron_boards_show_the_newest_releases(site: Site) -> None:
    old = approved_release(site, "panen-raya", title="Panen Raya Padi di Kalurahan Sumbermulyo", year=2024,
                           photo="orientation_landscape_1.jpg")
    new = approved_release(site, "pasar-murah", title="Pasar Murah Menjelang Lebaran", kind="pengumuman")
    assert publish(site).returncode == 0

    playlist = json.loads((site.root / BOARD / "playlist.json").read_text(encoding="utf-8"))
    slides = playlist["slides"]
    assert [s["release"] for s in slides] == [new, old]  # newest first; the imported page is not a release
    assert [s["title"] for s in slides] == ["Pasar Murah Menjelang Lebaran", "Panen Raya Padi di Kalurahan Sumbermulyo"]
    for slide in slides:
        with Image.open(site.root / BOARD / slide["file"]) as picture:
            assert picture.size == (384, 192) and picture.format == "JPEG"
    m3u = (site.root / BOARD / "playlist.m3u").read_text(encoding="utf-8")
    assert slides[0]["file"] in m3u and "#EXTINF:8," in m3u
    videotron = next(c for c in records(site.root)[old]["channels"] if c["channel"] == "videotron")
    assert (site.root / str(videotron["url"])).is_file()

    # a withdrawn release leaves the boards
    change_release(site, new, release_text("Pasar Murah Menjelang Lebaran", status="dicabut",
                                           alasan_pencabutan="Jadwal dibatalkan"), branch="cabut")
    code, doc = publish_json(site)
    assert code == 0, doc
    playlist = json.loads((site.root / BOARD / "playlist.json").read_text(encoding="utf-8"))
    assert [s["release"] for s in playlist["slides"]] == [old]
    assert sorted(p.name for p in (site.root / BOARD).glob("*.jpg")) == [playlist["slides"][0]["file"]]
    withdrawn = [n for n in outbox(site.root) if _payload(site.root, n)["change"] == "withdrawn"]
    assert len(withdrawn) == 2 and _payload(site.root, withdrawn[0])["alasan_pencabutan"] == "Jadwal dibatalkan"


def test_a_channel_without_its_token_is_left_for_warta_announce(site: Site) -> None:
    """CI passes the channels' tokens only to the announce job: publish names each post it left, records
    nothing for it, and holds nothing back."""
    config = site.root / "warta.yml"
    config.write_text(config.read_text().replace("  videotron: {type: outbox}\n",
                                                 "  videotron: {type: outbox}\n  mastodon: {type: mastodon, "
                                                 "url: 'https://mastodon.example', token_env: MASTODON_TOKEN}\n"))
    site.switch("rilis/kanal", create=True)
    site.commit("Kanal Mastodon", site.cast["rina"])
    # a governance change: one approval per SOP signatory (info-uji: ketua_ppid, rilis-uji: kepala_dinas)
    site.record(site.cast["yuli"], "warta.yml", 1, "ketua_ppid")
    site.record(site.cast["wahyu"], "warta.yml", 2, "kepala_dinas")
    site.merge("rilis/kanal", site.cast["wahyu"])
    path = approved_release(site, "bantuan-bibit")
    code, doc = publish_json(site)
    assert code == 0, doc
    assert any("mastodon" in w and "MASTODON_TOKEN" in w and "warta announce" in w for w in doc["warnings"])
    assert doc["held"] == [] and doc["problems"] == []
    assert "mastodon" not in {c["channel"] for c in records(site.root)[path]["channels"]}
