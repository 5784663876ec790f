"""Location and device metadata: found in sources (to warn), absent from every published file (enforced).

Phones write the GPS position into EXIF (and sometimes XMP or IPTC), plus the device, its serial number and
maker notes. Published files are encoded from pixels alone, without EXIF, XMP, IPTC or comments; after
encoding, :func:`metadata_blocks` walks the output bytes and the build refuses a file that still carries
any (UU 27/2022 Pelindungan Data Pribadi; seed 004: "prinsip keamanan informasi dan kebijakan privasi").
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

from PIL import Image, ImageFile, IptcImagePlugin

from pipeline.errors import Finding
from pipeline.i18n import _
from pipeline.media import jpeg
from pipeline.media.formats import sniff_format

_GPS_IFD = 0x8825
_GPS_VERSION = 0x0000
# IPTC IIM dataset 2: 90 city, 92 sub-location, 95 province/state, 100 country code, 101 country name.
_IPTC_LOCATION = {(2, 90), (2, 92), (2, 95), (2, 100), (2, 101)}
_XMP_LOCATION = (b"GPSLatitude", b"GPSLongitude", b"LocationCreated", b"LocationShown", b"photoshop:City")


def location_summary(image: Image.Image) -> str | None:
    """What location data an opened (not necessarily decoded) image carries, or None."""
    found: list[str] = []
    try:
        gps = dict(image.getexif().get_ifd(_GPS_IFD))
    except Exception:  # noqa: BLE001 - a damaged EXIF block cannot be read by anyone else either
        gps = {}
    gps.pop(_GPS_VERSION, None)  # a GPS block holding only its version number says nothing
    if gps:
        position = _position(gps)
        found.append(_("GPS position {position}", position=position) if position else _("GPS data"))
    xmp = image.info.get("xmp")
    if isinstance(xmp, str):
        xmp = xmp.encode("utf-8", "replace")
    if isinstance(xmp, bytes) and any(key in xmp for key in _XMP_LOCATION):
        found.append(_("a location in XMP"))
    if isinstance(image, ImageFile.ImageFile) and image.format == "JPEG":
        try:
            iptc = IptcImagePlugin.getiptcinfo(image) or {}
        except Exception:  # noqa: BLE001 - damaged IPTC block
            iptc = {}
        if _IPTC_LOCATION & set(iptc):
            found.append(_("a place name in IPTC"))
    return ", ".join(found) if found else None


def _position(gps: dict[int, Any]) -> str | None:
    """'-7.88810, 110.33000' style text from EXIF GPS tags 1-4, or None when incomplete."""
    try:
        lat = _degrees(gps[2]) * (-1 if str(gps.get(1, "N")).upper().startswith("S") else 1)
        lon = _degrees(gps[4]) * (-1 if str(gps.get(3, "E")).upper().startswith("W") else 1)
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    return f"{lat:.5f}, {lon:.5f}"


def _degrees(value: Any) -> float:
    d, m, s = (float(Fraction(str(v))) if not isinstance(v, float) else v for v in value)
    return d + m / 60 + s / 3600


def gps_warnings(path: Path, display_path: str, used_by: str | Sequence[str] = ()) -> list[Finding]:
    """Warnings for ``warta check`` when a source photo carries its location.

    The published copies never carry it (they are re-encoded without metadata); the warning is there so
    the operator knows the original in the repository still does. A file that cannot be opened gives no
    warning here: :func:`pipeline.media.inputs.inspect_source` reports it as an error.
    """

    try:
        with path.open("rb") as handle:
            fmt = sniff_format(handle.read(64))
            if fmt is None:
                return []
            handle.seek(0)
            with Image.open(handle, formats=[fmt]) as image:
                where = location_summary(image)
    except Exception:  # noqa: BLE001 - unreadable files are reported by inspect_source
        return []
    if where is None:
        return []
    users = [used_by] if isinstance(used_by, str) else list(used_by)
    suffix = _(" (used by {items})", items=", ".join(sorted(set(users)))) if users else ""
    return [
        Finding(
            display_path,
            None,
            _("photo carries its location ({where}); warta removes it from every published copy, but the original in the "
              "repository keeps it: anyone with the repository can read it{suffix}",
              where=where, suffix=suffix),
            severity="warning",
            code="photo.location",
        )
    ]


# Segments an encoded JPEG may carry: JFIF header (APP0), ICC profile (APP2), Adobe colour transform (APP14).
_JPEG_ALLOWED_APP = {0xE0: (b"JFIF\x00",), 0xE2: (b"ICC_PROFILE\x00",), 0xEE: (b"Adobe",)}
_WEBP_ALLOWED = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ICCP", b"ANIM", b"ANMF"}


def metadata_blocks(data: bytes) -> list[str]:
    """Names of metadata blocks in an encoded JPEG or WebP that are not pixels, colour or framing.

    An empty list means the file carries no EXIF, XMP, IPTC, comments or unknown chunks.
    """
    if data.startswith(b"\xff\xd8"):
        return _jpeg_blocks(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp_blocks(data)
    return [_("unrecognised output format")]


def _jpeg_blocks(data: bytes) -> list[str]:
    found: list[str] = []
    try:
        for segment in jpeg.segments(data):
            if segment.marker == 0xFE:
                found.append("JPEG comment")
            elif 0xE0 <= segment.marker <= 0xEF:
                allowed = _JPEG_ALLOWED_APP.get(segment.marker, ())
                if not any(segment.payload.startswith(prefix) for prefix in allowed):
                    found.append(f"APP{segment.marker - 0xE0} segment {segment.payload[:12]!r}")
    except jpeg.JpegDamage as exc:
        found.append(f"damaged JPEG ({exc})")
    return found


def _webp_blocks(data: bytes) -> list[str]:
    found: list[str] = []
    pos = 12
    while pos + 8 <= len(data):
        name = data[pos : pos + 4]
        size = int.from_bytes(data[pos + 4 : pos + 8], "little")
        if name not in _WEBP_ALLOWED:
            found.append(f"WebP chunk {name!r}")
        pos += 8 + size + (size & 1)
    return found
