"""Attacks on what reaches the built site (DESIGN section 4, rules 8 and 11; docs/site.md): the office's
logo is a governed file, so a logo (or a logo setting) changed on main without the signatories' approval
never reaches ``_site/``; internal kinds and unapproved drafts reach neither the pages nor the search
index nor the service summary."""

from __future__ import annotations

import contextlib
import gzip
import io
import zlib
from pathlib import Path

import pytest
from approvals_helpers import Person, Site, make_site
from PIL import Image
from publish_helpers import PUBLISH_YML, approved_release, change_release, isolate, publish, records, release_text

from pipeline.config import parse_config
from pipeline.errors import ConfigError
from pipeline.site.search import BUNDLE


def _png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (128, 128), colour).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def office(tmp_path: Path, cast: dict[str, Person], monkeypatch: pytest.MonkeyPatch) -> Site:
    """The publish tests' office with a red logo in its trusted bootstrap."""
    text = PUBLISH_YML.replace("site:\n", "site:\n  logo: identitas/logo.png\n", 1)
    site = make_site(tmp_path, cast, extra={"warta.yml": text, "identitas/logo.png": _png((200, 0, 0))})  # type: ignore[dict-item]
    isolate(tmp_path, monkeypatch)
    return site


def _plain(data: bytes) -> bytes:
    with contextlib.suppress(OSError, EOFError, zlib.error):
        return gzip.decompress(data)
    return data


def _logo_colour(site: Site) -> tuple[int, ...]:
    pictures = sorted((site.root / "_site" / "identitas").glob("logo-*.png"))
    assert pictures, "the site has no logo pictures"
    with Image.open(pictures[0]) as image:
        return tuple(image.convert("RGB").getpixel((image.width // 2, image.height // 2)))


def test_a_logo_replaced_on_main_without_the_signatories_never_reaches_the_site(office: Site) -> None:
    approved_release(office, "bantuan-bibit", title="Bantuan Bibit Cabai")
    assert publish(office).returncode == 0
    assert _logo_colour(office)[0] > 150  # red: the trusted logo
    # an operator with push access swaps the picture, and points warta.yml at another one
    office.write("identitas/logo.png", _png((0, 0, 200)))
    office.write("identitas/logo-baru.png", _png((0, 200, 0)))
    office.commit("Logo baru", office.cast["rina"])
    assert publish(office).returncode in (0, 1)
    assert _logo_colour(office)[0] > 150, "an unapproved logo reached the site"
    text = (office.root / "warta.yml").read_text(encoding="utf-8").replace("logo: identitas/logo.png",
                                                                           "logo: identitas/logo-baru.png")
    office.write("warta.yml", text)
    office.commit("Pakai logo baru", office.cast["rina"])
    assert publish(office).returncode in (0, 1)
    assert _logo_colour(office)[0] > 150, "a logo named by an unapproved warta.yml reached the site"


def test_an_unapproved_draft_is_in_no_page_and_no_search_index(office: Site) -> None:
    approved_release(office, "bantuan-bibit", title="Bantuan Bibit Cabai")
    office.write("content/siaran-pers/2025/draf-rahasia.md",
                 release_text("Draf Rahasia Zebrakuda", body="Kata sandi rapat zebrakuda belum boleh terbit."))
    office.commit("Draf", office.cast["rina"])
    assert publish(office).returncode in (0, 1)
    site = office.root / "_site"
    assert (site / BUNDLE).is_dir(), "no search index was built (pagefind[bin] is a dependency)"
    approved_seen = False
    for path in site.rglob("*"):
        if path.is_file():
            data = _plain(path.read_bytes())  # Pagefind's fragments and index are gzip-compressed
            assert b"ebrakuda" not in data.lower(), f"{path.relative_to(site)} holds the unapproved draft"
            approved_seen |= path.is_relative_to(site / BUNDLE) and b"Bantuan Bibit" in data
    assert approved_seen, "the search index does not hold the approved release: this test reads it wrong"


@pytest.mark.parametrize("internal", ["rencana-konten", "evaluasi"])
def test_an_internal_kind_can_be_neither_counted_by_the_public_summary_nor_sent_to_a_channel(internal: str) -> None:
    base = (Path(__file__).resolve().parents[2] / "warta.yml").read_text(encoding="utf-8")
    summary = base + f"\nreport:\n  public_summary:\n    kinds: [{internal}]\n"
    channel = base.replace("  facebook:\n    type: outbox\n", f"  facebook:\n    type: outbox\n    kinds: [{internal}]\n")
    assert channel != base
    for text, where in ((summary, "report.public_summary.kinds"), (channel, "channels.facebook.kinds")):
        with pytest.raises(ConfigError) as info:
            parse_config(text)
        assert any(where in f.format() for f in info.value.findings), info.value.findings


def test_theme_files_pushed_to_main_without_the_signatories_never_reach_the_site(office: Site) -> None:
    approved_release(office, "bantuan-bibit", title="Bantuan Bibit Cabai")
    marker = "penanda-tema-tanpa-persetujuan"
    office.write("theme/templates/base.html", f"<html><body>{marker}{{% block content %}}{{% endblock %}}</body></html>\n")
    office.write("theme/templates/item.html", f"<p>{marker}</p>\n")
    office.write("theme/static/css/warta.css", f"body::after {{ content: '{marker}' }}\n")
    office.write("theme/translations/id/LC_MESSAGES/messages.po", f'msgid "Beranda"\nmsgstr "{marker}"\n')
    office.commit("Tema baru", office.cast["rina"])
    assert publish(office).returncode in (0, 1)
    site = office.root / "_site"
    assert (site / "siaran-pers/2025/bantuan-bibit/index.html").is_file()
    for path in site.rglob("*"):
        if path.is_file():
            assert marker.encode() not in _plain(path.read_bytes()), f"{path.relative_to(site)} holds the unapproved theme"


def test_an_approved_release_deleted_on_main_without_a_withdrawal_stays_published(office: Site) -> None:
    path = approved_release(office, "bantuan-bibit", title="Bantuan Bibit Cabai")
    assert publish(office).returncode == 0
    page = office.root / "_site/siaran-pers/2025/bantuan-bibit/index.html"
    before = page.read_text(encoding="utf-8")
    assert "Bantuan Bibit Cabai" in before
    office.git("rm", "-q", path, person=office.cast["rina"])
    office.git("commit", "-q", "-S", "-m", "Hapus rilis", person=office.cast["rina"])
    publish(office)
    assert page.is_file(), "an operator alone took an approved release off the site (no approved withdrawal)"
    assert "Bantuan Bibit Cabai" in page.read_text(encoding="utf-8")


def test_an_approved_withdrawal_is_not_undone_by_pushing_the_old_approved_text_back(office: Site) -> None:
    original = release_text("Pasar Murah Menjelang Lebaran")
    path = approved_release(office, "pasar-murah", text=original)
    assert publish(office).returncode == 0
    change_release(office, path, release_text("Pasar Murah Menjelang Lebaran", status="dicabut",
                                              alasan_pencabutan="Jadwal dibatalkan"), branch="cabut")
    publish(office)
    assert records(office.root)[path]["status"] == "dicabut"
    # the old text still has its old, valid approvals: an operator alone puts it back on main
    office.write(path, original)
    office.commit("Kembalikan rilis", office.cast["rina"])
    publish(office)
    assert records(office.root)[path]["status"] == "dicabut", "an operator alone undid an approved withdrawal"
    page = office.root / "_site/siaran-pers/2025/pasar-murah/index.html"
    assert "Jadwal dibatalkan" in page.read_text(encoding="utf-8")


def test_a_withdrawn_releases_text_leaves_every_file_of_the_site_the_search_index_too(office: Site) -> None:
    word = "zebrakuda"
    path = approved_release(office, "pasar-murah", text=release_text(
        "Pasar Murah Menjelang Lebaran", body=f"Lokasi pasar di balai {word} mulai pukul delapan."))
    assert publish(office).returncode == 0
    site = office.root / "_site"
    assert any(word.encode() in _plain(p.read_bytes()) for p in (site / BUNDLE).rglob("*") if p.is_file()), \
        "the search index does not hold the release: this test reads it wrong"
    change_release(office, path, release_text("Pasar Murah Menjelang Lebaran", status="dicabut",
                                              alasan_pencabutan="Jadwal dibatalkan", body="Dicabut."),
                   branch="cabut")
    publish(office)
    assert records(office.root)[path]["status"] == "dicabut"
    for file in site.rglob("*"):
        if file.is_file():
            assert word.encode() not in _plain(file.read_bytes()), f"{file.relative_to(site)} still holds the withdrawn text"
