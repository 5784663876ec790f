"""Videotron slides: one picture per release per board, at the board's exact resolution, plus a playlist.

A slide shows the release's photo (cut around its focal point), the office's logo and name, the title and
the date in Indonesian, in the bundled Liberation Sans (``fonts/``, SIL OFL 1.1). Text is fitted to the
board: the title is wrapped and shrunk until it fits its box, and only when even the smallest legible size
cannot hold it are the last words replaced by an ellipsis.

Layout: on boards at least 1.6 times as wide as high (most LED boards: 2:1, 3:1, 16:9) the photo is on
the left and the text panel on the right; on squarer or upright boards the photo is on top.

Each board gets a folder ``<output_dir>/<board name>/`` holding ``YYYY-MM-DD-<slug>.jpg`` slides and two
playlists of the same slides, newest first: ``playlist.m3u`` (extended M3U: ``#EXTINF:<seconds>,<title>``
then the file name) and ``playlist.json`` (board, size, and per slide file, seconds, title, date, release).
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath

from PIL import Image, ImageDraw, ImageFont

from pipeline.config import Board, MediaSection, SiteSection
from pipeline.errors import Finding
from pipeline.files import write_atomic
from pipeline.i18n import _
from pipeline.media import derivatives as deriv
from pipeline.media import privacy
from pipeline.media.cache import MediaCache, key_of, place
from pipeline.media.formats import sniff_format
from pipeline.media.inputs import ImageRefused, MediaError, inspect_source, open_image, used_by_suffix
from pipeline.tanggal import BULAN, hari_tanggal

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_REGULAR = FONT_DIR / "LiberationSans-Regular.ttf"
FONT_BOLD = FONT_DIR / "LiberationSans-Bold.ttf"
# Cached slides are keyed by this module's own text and the fonts, so any change to the drawing redraws them.
LAYOUT_VERSION = hashlib.sha256(
    Path(__file__).read_bytes() + FONT_REGULAR.read_bytes() + FONT_BOLD.read_bytes()
).hexdigest()
SLIDE_QUALITY = 92

PANEL = (11, 37, 69)  # deep navy: white text on it has a contrast ratio above 14:1
TITLE = (255, 255, 255)
OFFICE = (214, 228, 240)
ACCENT = (244, 185, 66)  # amber: date and rule

ELLIPSIS = "\u2026"
_SLIDE_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}-[a-z0-9-]+\.jpg$")


@dataclass(frozen=True)
class SlideInput:
    """One release on the videotron. ``release`` is its repository path (names the slide and messages)."""

    release: str
    title: str
    date: datetime.date
    image: Path | None = None
    image_display_path: str | None = None  # repository path of the photo, for messages
    focus: tuple[float, float] = (0.5, 0.5)
    slug: str | None = None  # file name part; default: the release file's name


def format_date_id(day: datetime.date) -> str:
    """``Selasa, 14 Januari 2025``: day name, day, month name and year in Indonesian."""
    return hari_tanggal(day)


@lru_cache(maxsize=256)
def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_BOLD if bold else FONT_REGULAR), size)


@dataclass(frozen=True)
class FittedText:
    size: int
    lines: tuple[str, ...]
    line_height: int
    bold: bool

    @property
    def font(self) -> ImageFont.FreeTypeFont:
        return _font(self.bold, self.size)

    @property
    def height(self) -> int:
        return self.line_height * len(self.lines)


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy word wrap to ``width`` pixels; a word wider than a line is broken between letters."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if font.getlength(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        while font.getlength(word) > width and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and font.getlength(word[:cut]) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return lines


def fit_text(
    text: str, width: int, height: int, *, bold: bool, max_size: int, min_size: int,
    max_lines: int | None = None, spacing: float = 1.18,
) -> FittedText:
    """The largest font size (``max_size`` down to ``min_size``) at which ``text`` wraps into the box.

    If even ``min_size`` does not fit, as many lines as fit are kept and the last ends in an ellipsis.
    """
    text = " ".join(text.split())
    size = max(max_size, min_size)
    while True:
        font = _font(bold, size)
        line_height = max(1, round(size * spacing))
        lines = wrap(text, font, width)
        fits = len(lines) * line_height <= height and (max_lines is None or len(lines) <= max_lines)
        if fits or size <= min_size:
            break
        size = max(min_size, min(size - 1, int(size * 0.94)))
    if not fits:
        keep = max(1, min(height // line_height, max_lines or len(lines)))
        lines = lines[:keep]
        last = lines[-1]
        while last and font.getlength(last + ELLIPSIS) > width:
            last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
        lines[-1] = (last.rstrip(" ,.;:-") + ELLIPSIS) if last else ELLIPSIS
    return FittedText(size, tuple(lines), line_height, bold)


def _draw_text(
    draw: ImageDraw.ImageDraw, fitted: FittedText, x: int, y: int, fill: tuple[int, int, int]
) -> None:
    font = fitted.font
    ascent = font.getmetrics()[0]
    for i, line in enumerate(fitted.lines):
        # Baseline anchoring keeps lines evenly spaced whatever letters they hold.
        baseline = y + i * fitted.line_height + (fitted.line_height - fitted.size) // 2 + ascent
        draw.text((x, baseline), line, font=font, fill=fill, anchor="ls")


@dataclass(frozen=True)
class Layout:
    photo: tuple[int, int, int, int] | None  # box on the slide
    panel: tuple[int, int, int, int]


def layout(width: int, height: int, has_photo: bool) -> Layout:
    if not has_photo:
        return Layout(None, (0, 0, width, height))
    if width / height >= 1.6:
        photo_w = round(min(width * 0.58, height * 1.5))
        return Layout((0, 0, photo_w, height), (photo_w, 0, width, height))
    photo_h = round(height * 0.55)
    return Layout((0, 0, width, photo_h), (0, photo_h, width, height))


def render_slide(
    width: int,
    height: int,
    *,
    title: str,
    date_text: str,
    office: str,
    photo: Image.Image | None = None,
    focus: tuple[float, float] = (0.5, 0.5),
    logo: Image.Image | None = None,
) -> Image.Image:
    """Draw one slide. ``photo`` is an upright sRGB image; ``logo`` an RGBA (or RGB) image."""
    slide = Image.new("RGB", (width, height), PANEL)
    boxes = layout(width, height, photo is not None)
    if photo is not None and boxes.photo is not None:
        pw, ph = boxes.photo[2] - boxes.photo[0], boxes.photo[3] - boxes.photo[1]
        crop = deriv.focus_crop(photo.width, photo.height, pw, ph, focus)
        cut = photo.convert("RGB").resize((pw, ph), Image.Resampling.LANCZOS, box=crop,
                                               reducing_gap=deriv.REDUCING_GAP)
        slide.paste(cut, boxes.photo[:2])

    left, top, right, bottom = boxes.panel
    panel_w, panel_h = right - left, bottom - top
    pad = max(4, round(min(panel_w, panel_h) * 0.07))
    inner_w = panel_w - 2 * pad
    draw = ImageDraw.Draw(slide)
    rule = max(2, round(height / 160))
    if boxes.photo is not None:  # an amber edge between photo and panel
        if boxes.panel[0] > 0:
            draw.rectangle((left, top, left + rule - 1, bottom), fill=ACCENT)
        else:
            draw.rectangle((left, top, right, top + rule - 1), fill=ACCENT)

    # Header: logo and office name.
    header_h = max(10, round(min(height, panel_h) * 0.13))
    x, y = left + pad, top + pad
    text_x = x
    if logo is not None:
        mark = logo.copy()
        mark.thumbnail((header_h * 2, header_h), Image.Resampling.LANCZOS)
        offset = (x, y + (header_h - mark.height) // 2)
        if mark.mode == "RGBA":
            slide.paste(mark, offset, mark)
        else:
            slide.paste(mark.convert("RGB"), offset)
        text_x = x + mark.width + max(4, pad // 2)
    office_fit = fit_text(office, left + panel_w - pad - text_x, header_h, bold=False,
                          max_size=max(8, round(header_h * 0.42)), min_size=max(6, round(header_h * 0.2)),
                          max_lines=2, spacing=1.12)
    _draw_text(draw, office_fit, text_x, y + (header_h - office_fit.height) // 2, OFFICE)
    y += header_h + max(3, pad // 2)
    draw.rectangle((x, y, x + min(inner_w, round(header_h * 1.6)), y + rule - 1), fill=ACCENT)
    y += rule + max(3, pad // 2)

    # Footer: the date.
    footer_h = max(8, round(min(height, panel_h) * 0.075))
    date_fit = _fit_date(date_text, inner_w, footer_h)
    footer_y = bottom - pad - footer_h
    _draw_text(draw, date_fit, x, footer_y, ACCENT)

    # Title: the rest of the panel.
    title_h = max(1, footer_y - max(3, pad // 2) - y)
    title_fit = fit_text(title, inner_w, title_h, bold=True,
                         max_size=max(8, round(min(height, panel_h * 1.6) * 0.1)),
                         min_size=max(7, round(height * 0.032)))
    _draw_text(draw, title_fit, x, y + (title_h - title_fit.height) // 2, TITLE)
    return slide


def _fit_date(date_text: str, width: int, height: int) -> FittedText:
    """The date on one line; on a narrow panel without the day name, then as digits, never cut short."""
    forms = [date_text]
    if ", " in date_text:
        day, month, year = date_text.split(", ", 1)[1].split(" ")
        forms += [f"{day} {month} {year}", f"{int(day):02d}-{BULAN.index(month) + 1:02d}-{year}"]
    for form in forms:
        fitted = fit_text(form, width, height, bold=True, max_size=round(height / 1.18),
                          min_size=max(6, round(height * 0.4)), max_lines=1)
        if not fitted.lines[-1].endswith(ELLIPSIS):
            return fitted
    return fitted


def encode_slide(slide: Image.Image) -> bytes:
    buffer = io.BytesIO()
    # 4:4:4 chroma keeps the edges of coloured text sharp.
    slide.save(buffer, "JPEG", quality=SLIDE_QUALITY, subsampling=0, optimize=True, exif=b"")
    data = buffer.getvalue()
    leftovers = privacy.metadata_blocks(data)
    if leftovers:
        raise RuntimeError(_("slide still carries {leftovers}", leftovers=', '.join(leftovers)))
    return data


def _slug(item: SlideInput) -> str:
    base = item.slug or PurePosixPath(item.release).stem
    return re.sub(r"[^a-z0-9]+", "-", base.lower()).strip("-")[:60] or "rilis"


def build_videotron(
    items: Sequence[SlideInput],
    output_dir: Path,
    site: SiteSection,
    boards: Sequence[Board],
    cache_dir: Path,
    logo: Path | None,
    *,
    settings: MediaSection | None = None,
    slide_files: dict[str, str] | None = None,
) -> list[Path]:
    """Slides for every item on every board, and each board's playlists; returns every file written.
    ``slide_files``, when given, receives each release's slide file name on the first board (so a caller
    need not read the playlist back).

    Photos and the logo are checked like any source (format by content, limits, damage); if any is broken
    nothing is written and :class:`MediaError` names each file and its release. Slides already drawn with
    the same content come from ``cache_dir`` (the media cache). Old slides are removed from the board folders.
    """
    settings = settings or MediaSection()
    cache = MediaCache(cache_dir)
    findings: list[Finding] = []
    logo_display = site.logo or (str(logo) if logo else "")
    logo_sha = None
    if logo is not None:
        info = inspect_source(logo, settings, logo_display, used_by=["warta.yml site.logo"])
        findings.extend(info.findings)
        logo_sha = info.sha256 if info.ok else None
    photo_shas: dict[int, str | None] = {}
    for index, item in enumerate(items):
        if item.image is None:
            photo_shas[index] = None
            continue
        info = inspect_source(item.image, settings, item.image_display_path or str(item.image),
                              used_by=[item.release])
        findings.extend(f for f in info.findings if f.severity == "error")
        photo_shas[index] = info.sha256 if info.ok else None
    if any(f.severity == "error" for f in findings):
        raise MediaError(findings=findings)

    office = site.short_name or site.name
    logo_image = _load_logo(logo, logo_display, settings) if logo is not None else None
    ordered = sorted(range(len(items)), key=lambda i: (items[i].date, items[i].release), reverse=True)
    written: list[Path] = []
    photos: dict[int, Image.Image] = {}
    largest = max((max(b.width, b.height) for b in boards), default=1)
    try:
        for board in boards:
            folder = output_dir / board.name
            names: list[str] = []
            entries: list[dict[str, object]] = []
            for index in ordered:
                item = items[index]
                name = _unique(f"{item.date:%Y-%m-%d}-{_slug(item)}.jpg", names)
                names.append(name)
                key = key_of({
                    "kind": "slide", "layout": LAYOUT_VERSION, "board": [board.width, board.height],
                    "title": " ".join(item.title.split()), "date": item.date.isoformat(), "office": office,
                    "photo": photo_shas[index], "focus": list(item.focus), "logo": logo_sha,
                })
                cached = cache.slide(key)
                if not cached.is_file():
                    if photo_shas[index] and index not in photos:
                        assert item.image is not None
                        photos[index] = _load_photo(item, settings, largest)
                    slide = render_slide(board.width, board.height, title=item.title,
                                         date_text=format_date_id(item.date), office=office,
                                         photo=photos.get(index), focus=item.focus, logo=logo_image)
                    write_atomic(cached, encode_slide(slide))
                dest = folder / name
                place(cached, dest)
                written.append(dest)
                entries.append({"file": name, "seconds": board.seconds, "title": item.title,
                                "date": item.date.isoformat(), "release": item.release})
                if slide_files is not None and board is boards[0]:
                    slide_files[item.release] = name
            written.extend(_write_playlists(folder, board, entries))
            _remove_old_slides(folder, set(names))
    except ImageRefused as exc:
        raise MediaError(str(exc)) from None
    cache.prune(["slides"])
    return written


def _unique(name: str, taken: list[str]) -> str:
    stem, n = name[:-4], 2
    while name in taken:
        name = f"{stem}-{n}.jpg"
        n += 1
    return name


def _load_photo(item: SlideInput, settings: MediaSection, largest: int) -> Image.Image:
    assert item.image is not None
    display = item.image_display_path or str(item.image)
    try:
        image = open_image(item.image.read_bytes(), _format_of(item.image), settings.max_pixels)
        if image.format == "JPEG":  # decode at twice the largest board side at most (shrink-on-load)
            image.draft("RGB" if image.mode == "RGB" else None, (2 * largest, 2 * largest))
        working = deriv.prepare(image, [], settings.max_pixels)
    except (ImageRefused, OSError) as exc:
        finding = Finding(display, None, _("{exc}{used_by_suffix}", exc=exc, used_by_suffix=used_by_suffix([item.release])))
        raise MediaError(findings=[finding]) from None
    photo = working.image
    photo.thumbnail((2 * largest, 2 * largest), Image.Resampling.LANCZOS, reducing_gap=deriv.REDUCING_GAP)
    return working.finish(photo)


def _load_logo(logo: Path, display: str, settings: MediaSection) -> Image.Image:
    try:
        image = open_image(logo.read_bytes(), _format_of(logo), settings.max_pixels)
        working = deriv.prepare(image, [], settings.max_pixels)
    except (ImageRefused, OSError) as exc:
        raise MediaError(findings=[Finding(display, None, str(exc))]) from None
    mark = working.image
    mark.thumbnail((1024, 1024), Image.Resampling.LANCZOS)
    mark = working.finish(mark)
    return mark if mark.mode == "RGBA" else mark.convert("RGB")


def _format_of(path: Path) -> str:

    with path.open("rb") as handle:
        fmt = sniff_format(handle.read(64))
    if fmt is None:
        raise ImageRefused(_("is not a JPEG, PNG, WebP or HEIC image"))
    return fmt


def _write_playlists(folder: Path, board: Board, entries: list[dict[str, object]]) -> list[Path]:
    m3u = ["#EXTM3U"]
    for entry in entries:
        title = " ".join(str(entry["title"]).split())  # EXTINF: the title is all text after the first comma
        m3u += [f"#EXTINF:{entry['seconds']},{title}", str(entry["file"])]
    playlist = {"board": board.name, "width": board.width, "height": board.height,
                "seconds": board.seconds, "slides": entries}
    m3u_path = folder / "playlist.m3u"
    json_path = folder / "playlist.json"
    write_atomic(m3u_path, ("\n".join(m3u) + "\n").encode("utf-8"))
    write_atomic(json_path, (json.dumps(playlist, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    return [m3u_path, json_path]


def _remove_old_slides(folder: Path, keep: set[str]) -> None:
    for path in folder.iterdir():
        if path.is_file() and _SLIDE_NAME.match(path.name) and path.name not in keep:
            path.unlink()

