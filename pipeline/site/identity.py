"""The office's identity on the site: its logo (and the regency's coat of arms), favicon and app icons.

``site.logo`` and ``site.coat_of_arms`` in ``warta.yml`` name image files of the repository; both are
governed files (:data:`pipeline.governed.CONFIG_PATH_SETTINGS`: their settings say "relative to the
repository root"), so a new logo goes live only with the signatories' approval. The build reads them
like any photo (format by content, pixel limits, damaged files refused with a finding) and writes, under
``identitas/`` in the site:

- ``logo-<h>.png`` and ``logo-<2h>.png``: the header's picture at 1x and 2x (:data:`HEADER_HEIGHT`);
- the same for the coat of arms (``lambang-<h>.png``, ``lambang-<2h>.png``), when there is one;
- ``favicon.ico`` (16, 32 and 48 px; also at the site's root, where browsers look for it),
  ``apple-touch-icon.png`` (180 px), ``icon-192.png`` and ``icon-512.png`` (on a white square, as
  launchers expect), and ``site.webmanifest``.

Every file is a pure function of the source's bytes: two builds write the same bytes. A site without a
logo gets no icons (no file a browser would fetch in vain); a logo that cannot be read is a warning, and
the site is built without it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from pipeline.config import WEEKDAYS, SiteSection
from pipeline.errors import Finding
from pipeline.i18n import _
from pipeline.media.formats import sniff_format
from pipeline.media.inputs import ImageRefused, open_image
from pipeline.site.i18n import Catalogue

FOLDER = "identitas"
HEADER_HEIGHT = 48  # CSS pixels of the logo in the header
ICON_SIZES = {"apple-touch-icon.png": 180, "icon-192.png": 192, "icon-512.png": 512}
FAVICON_SIZES = [(16, 16), (32, 32), (48, 48)]


@dataclass(frozen=True)
class Mark:
    """A picture of the header: site-relative addresses at 1x and 2x, and its CSS size."""

    src: str
    src2x: str
    width: int
    height: int


@dataclass
class Identity:
    """What the templates show: the logo and coat of arms, and whether there are icons."""

    logo: Mark | None = None
    coat_of_arms: Mark | None = None
    icons: bool = False
    findings: list[Finding] = field(default_factory=list)
    digest: str = ""  # sha256 of the sources' bytes: what the reused pages' key needs (pipeline.site.reuse)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _load(root: Path, rel: str, setting: str, max_pixels: int) -> Image.Image:
    path = root / rel
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImageRefused(_("cannot be read ({reason})", reason=exc.strerror or exc)) from None
    fmt = sniff_format(data[:64])
    if fmt is None or fmt == "HEIF":
        raise ImageRefused(_("is not a PNG, JPEG or WebP image"))
    image = open_image(data, fmt, max_pixels)
    try:
        image.load()
    except Exception as exc:  # noqa: BLE001 - untrusted input: a damaged file is a finding
        raise ImageRefused(_("is damaged ({reason})", reason=exc)) from None
    return image.convert("RGBA")


def _scaled(image: Image.Image, height: int) -> Image.Image:
    width = max(1, round(image.width * height / image.height))
    return image.resize((width, height), Image.Resampling.LANCZOS)


def _square(image: Image.Image, size: int, background: tuple[int, int, int, int] | None) -> Image.Image:
    """``image`` fitted into a ``size`` square (centred, 10 % margin on a background for app icons)."""
    inner = round(size * (0.8 if background else 1.0))
    mark = image.copy()
    mark.thumbnail((inner, inner), Image.Resampling.LANCZOS)
    canvas = Image.new("RGBA", (size, size), background or (0, 0, 0, 0))
    canvas.alpha_composite(mark, ((size - mark.width) // 2, (size - mark.height) // 2))
    return canvas


def _mark(image: Image.Image, name: str, out: Path) -> Mark:
    one, two = _scaled(image, HEADER_HEIGHT), _scaled(image, 2 * HEADER_HEIGHT)
    (out / f"{name}-{HEADER_HEIGHT}.png").write_bytes(_png(one))
    (out / f"{name}-{2 * HEADER_HEIGHT}.png").write_bytes(_png(two))
    return Mark(f"{FOLDER}/{name}-{HEADER_HEIGHT}.png", f"{FOLDER}/{name}-{2 * HEADER_HEIGHT}.png", one.width, one.height)


def _icons(image: Image.Image, site: SiteSection, out: Path, root_out: Path) -> None:
    favicon = io.BytesIO()
    _square(image, 256, None).save(favicon, "ICO", sizes=FAVICON_SIZES)
    (out / "favicon.ico").write_bytes(favicon.getvalue())
    (root_out / "favicon.ico").write_bytes(favicon.getvalue())
    for name, size in ICON_SIZES.items():
        (out / name).write_bytes(_png(_square(image, size, (255, 255, 255, 255)).convert("RGB")))
    manifest = {
        "name": site.name,
        "short_name": site.short_name or site.name,
        "lang": site.language,
        "start_url": "../",
        "scope": "../",
        "display": "browser",
        "background_color": "#ffffff",
        "theme_color": "#0a3d6b",
        "icons": [{"src": n, "sizes": f"{s}x{s}", "type": "image/png"} for n, s in ICON_SIZES.items()
                  if n != "apple-touch-icon.png"],
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    (out / "site.webmanifest").write_text(text, encoding="utf-8")


def make_identity(root: Path, site: SiteSection, output: Path, max_pixels: int) -> Identity:
    """Write the logo's and coat of arms' pictures and the icons into ``output`` (the site folder)."""
    identity = Identity()
    out = output / FOLDER
    digest = hashlib.sha256()
    for setting, rel in (("site.logo", site.logo), ("site.coat_of_arms", site.coat_of_arms)):
        if not rel:
            continue
        try:
            image = _load(root, rel, setting, max_pixels)
        except ImageRefused as exc:
            identity.findings.append(Finding("warta.yml", None, _("{setting}: {path} {problem}; the site is built "
                                                                  "without it", setting=setting, path=rel, problem=exc),
                                             setting, "warning"))
            continue
        out.mkdir(parents=True, exist_ok=True)
        digest.update(f"{setting}\0{rel}\0".encode() + image.tobytes())
        if setting == "site.logo":
            identity.logo = _mark(image, "logo", out)
            _icons(image, site, out, output)
            identity.icons = True
        else:
            identity.coat_of_arms = _mark(image, "lambang", out)
    identity.digest = digest.hexdigest()
    return identity


@dataclass(frozen=True)
class Footer:
    """The footer's office hours: ``(days, hours)`` lines ("Senin - Kamis", "07.30 - 16.00 WIB"), days
    without hours last, and the holidays."""

    hours: list[tuple[str, str]]
    holidays: list[dt.date]


def _clock(t: dt.time, language: str) -> str:
    return f"{t.hour:02d}{'.' if language == 'id' else ':'}{t.minute:02d}"


def footer(site: SiteSection, catalogue: Catalogue) -> Footer:
    """Office hours grouped by consecutive days with the same hours (``site.office_hours``)."""
    hours = site.office_hours
    zone = dt.datetime(2026, 1, 1, tzinfo=zoneinfo.ZoneInfo(site.timezone)).tzname() or ""
    groups: list[tuple[list[str], tuple[dt.time, dt.time] | None]] = []
    for day in WEEKDAYS:
        span = hours.get(day)
        if groups and groups[-1][1] == span:
            groups[-1][0].append(day)
        else:
            groups.append(([day], span))
    lines: list[tuple[str, str]] = []
    closed: list[str] = []
    for days, span in groups:
        name = catalogue.text(f"day.{days[0]}")
        if len(days) > 1:
            name += f" – {catalogue.text(f'day.{days[-1]}')}"
        if span is None:
            closed.append(name)
        else:
            lang = catalogue.language
            lines.append((name, f"{_clock(span[0], lang)} – {_clock(span[1], lang)} {zone}".rstrip()))
    if closed:
        lines.append((", ".join(closed), catalogue.text("closed")))
    return Footer(lines, list(site.holidays))
