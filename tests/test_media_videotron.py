"""Videotron slides: board size, text that fits, Indonesian dates, playlists, cache, broken photos."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from pipeline.config import Board, SiteSection
from pipeline.media import MediaError, SlideInput, build_videotron, format_date_id
from pipeline.media.videotron import FONT_BOLD, PANEL, fit_text

PHOTOS = Path(__file__).parents[1].parent / "shared/testdata/photos"
SITE = SiteSection(name="Dinas Pemberdayaan Masyarakat dan Kalurahan Kabupaten Bantul", short_name="DPMK Bantul",
                   url="https://dpmk.example.go.id", unit_code="DPMK")
BOARDS = [Board(name="alun-alun", width=480, height=240, seconds=10),
          Board(name="tegak", width=216, height=384, seconds=15)]
LONG_TITLE = ("Penyaluran Bantuan Keuangan Khusus Tahap I kepada Tujuh Puluh Lima Kalurahan se-Kabupaten Bantul "
              "untuk Pembangunan Infrastruktur Perdesaan dan Pemberdayaan Masyarakat Tahun Anggaran 2026")


def _items() -> list[SlideInput]:
    return [
        SlideInput("content/siaran-pers/2025/bibit.md", "Bantuan Bibit Cabai untuk Kelompok Wanita Tani",
                   datetime.date(2025, 1, 14), PHOTOS / "gps_DSCN0010.jpg", "content/media/bibit.jpg"),
        SlideInput("content/berita/2025/panjang.md", LONG_TITLE, datetime.date(2025, 8, 17),
                   PHOTOS / "orientation_landscape_6.jpg", "content/media/air.jpg"),
        SlideInput("content/pengumuman/2025/libur.md", "Layanan Tutup pada Hari Libur Nasional",
                   datetime.date(2025, 3, 31)),
    ]


def _logo(tmp_path: Path) -> Path:
    logo = Image.new("RGBA", (120, 140), (0, 0, 0, 0))
    ImageDraw.Draw(logo).ellipse((0, 10, 120, 130), fill=(30, 130, 60, 255))
    path = tmp_path / "logo.png"
    logo.save(path)
    return path


@pytest.mark.parametrize(("day", "text"), [
    (datetime.date(2025, 1, 14), "Selasa, 14 Januari 2025"),
    (datetime.date(2025, 8, 17), "Minggu, 17 Agustus 2025"),
    (datetime.date(2026, 2, 2), "Senin, 2 Februari 2026"),
    (datetime.date(2024, 12, 27), "Jumat, 27 Desember 2024"),
])
def test_dates_in_indonesian(day: datetime.date, text: str) -> None:
    assert format_date_id(day) == text


def test_a_slide_per_release_per_board_and_playlists(tmp_path: Path) -> None:
    out = tmp_path / "videotron"

    written = build_videotron(_items(), out, SITE, BOARDS, tmp_path / "cache", _logo(tmp_path))

    for board in BOARDS:
        folder = out / board.name
        slides = sorted(p.name for p in folder.glob("*.jpg"))
        assert slides == ["2025-01-14-bibit.jpg", "2025-03-31-libur.jpg", "2025-08-17-panjang.jpg"]
        for name in slides:
            with Image.open(folder / name) as slide:
                assert slide.size == (board.width, board.height)
                assert slide.format == "JPEG" and not slide.getexif()
        playlist = json.loads((folder / "playlist.json").read_text(encoding="utf-8"))
        assert [s["file"] for s in playlist["slides"]] == [
            "2025-08-17-panjang.jpg", "2025-03-31-libur.jpg", "2025-01-14-bibit.jpg"]  # newest first
        assert {s["seconds"] for s in playlist["slides"]} == {board.seconds}
        assert playlist["slides"][0]["release"] == "content/berita/2025/panjang.md"
        m3u = (folder / "playlist.m3u").read_text(encoding="utf-8").splitlines()
        assert m3u[0] == "#EXTM3U"
        assert m3u[1] == f"#EXTINF:{board.seconds},{LONG_TITLE}"
        assert m3u[2::2] == [s["file"] for s in playlist["slides"]]
    assert len(written) == len(BOARDS) * (3 + 2)


def test_a_long_title_is_wrapped_and_shrunk_to_fit(tmp_path: Path) -> None:
    fitted = fit_text(LONG_TITLE, 300, 150, bold=True, max_size=60, min_size=8)
    font = ImageFont.truetype(str(FONT_BOLD), fitted.size)

    assert fitted.size < 60 and len(fitted.lines) > 1
    assert " ".join(fitted.lines) == LONG_TITLE  # nothing cut: it fits above the smallest size
    assert all(font.getlength(line) <= 300 for line in fitted.lines)
    assert fitted.height <= 150


def test_text_that_cannot_fit_ends_in_an_ellipsis() -> None:
    fitted = fit_text(LONG_TITLE, 120, 40, bold=True, max_size=30, min_size=12)
    font = ImageFont.truetype(str(FONT_BOLD), 12)

    assert fitted.size == 12
    assert fitted.lines[-1].endswith("\u2026")
    assert all(font.getlength(line) <= 120 for line in fitted.lines)
    assert fitted.height <= 40


def test_no_text_spills_into_the_panel_margin(tmp_path: Path) -> None:
    out = tmp_path / "videotron"
    build_videotron(_items(), out, SITE, BOARDS[:1], tmp_path / "cache", None)

    slide = Image.open(out / "alun-alun" / "2025-08-17-panjang.jpg").convert("RGB")
    # The panel's right margin (the last 3% of the width) and bottom margin stay plain panel colour.
    w, h = slide.size
    for box in ((w - round(w * 0.03), 0, w, h), (round(w * 0.7), h - round(h * 0.03), w, h)):
        region = slide.crop(box)
        for band, panel in zip(region.split(), PANEL, strict=True):
            extrema = band.getextrema()
            assert isinstance(extrema[0], int) and isinstance(extrema[1], int)
            assert panel - 15 <= extrema[0] <= extrema[1] <= panel + 15, (box, extrema)
    # ...while the title area does hold white text.
    title_band = slide.crop((round(w * 0.6), round(h * 0.3), w, round(h * 0.7))).convert("L")
    assert title_band.getextrema()[1] > 200  # type: ignore[operator]


def test_the_bundled_font_covers_indonesian_text() -> None:
    font = ImageFont.truetype(str(FONT_BOLD), 40)
    missing = font.getmask("\uffff").getbbox()  # what a glyph the font lacks looks like
    for char in "AaZzÉéÈèÀàÖöÜü“”‘’–—…":  # names and loanwords, typographic quotes, dashes, ellipsis
        assert font.getmask(char).getbbox() != missing, char
    assert (FONT_BOLD.parent / "LICENSE").read_text(encoding="utf-8").count("SIL OPEN FONT LICENSE") >= 1


def test_unchanged_slides_are_not_drawn_again(tmp_path: Path) -> None:
    out, cache = tmp_path / "videotron", tmp_path / "cache"
    build_videotron(_items(), out, SITE, BOARDS, cache, None)
    before = {p: p.stat().st_ino for p in (cache / "slides").rglob("*.jpg")}

    items = _items()
    items[2] = SlideInput(items[2].release, "Layanan Buka Kembali", items[2].date)
    build_videotron(items[1:], out, SITE, BOARDS, cache, None)

    after = {p: p.stat().st_ino for p in (cache / "slides").rglob("*.jpg")}
    kept = set(before) & set(after)
    assert len(kept) == len(BOARDS)  # the long-title slide on each board was reused as it was
    assert all(before[p] == after[p] for p in kept)
    assert len(set(after) - set(before)) == len(BOARDS)  # the retitled slide was drawn anew
    assert len(after) == 2 * len(BOARDS)  # slides no longer shown left the cache
    for board in BOARDS:
        assert not (out / board.name / "2025-01-14-bibit.jpg").exists()  # dropped release: slide removed


def test_a_broken_photo_stops_the_videotron_before_anything_is_written(tmp_path: Path) -> None:
    items = _items() + [SlideInput("content/berita/2025/rusak.md", "Rusak", datetime.date(2025, 9, 1),
                                   PHOTOS / "corrupted.jpg", "content/media/rusak.jpg")]

    with pytest.raises(MediaError) as caught:
        build_videotron(items, tmp_path / "videotron", SITE, BOARDS, tmp_path / "cache", None)

    assert [f.path for f in caught.value.findings] == ["content/media/rusak.jpg"]
    assert "content/berita/2025/rusak.md" in caught.value.findings[0].message
    assert not (tmp_path / "videotron").exists()
