"""Photo formats recognised by their first bytes, never by the file name (a leaf module: no imports of
warta's own, so inputs, privacy and videotron can all use it)."""

from __future__ import annotations

from pipeline.i18n import _

# ISO-BMFF brands of HEIF still images with HEVC content (what phones write). AVIF shares the
# container ('mif1' compatible brand) but is not an accepted input.
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"heif"}
_HEIF_GENERIC = {b"mif1", b"msf1"}


def sniff_format(head: bytes) -> str | None:
    """The Pillow format name of an image from its first bytes (at least 32), or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[4:8] == b"ftyp":
        box_size = int.from_bytes(head[0:4], "big")
        major = head[8:12]
        compatible = {head[i : i + 4] for i in range(16, min(box_size, len(head)) - 3, 4)}
        if major in _HEIF_BRANDS:
            return "HEIF"
        if major in _HEIF_GENERIC and compatible & _HEIF_BRANDS:
            return "HEIF"
    return None


def describe_unknown(head: bytes) -> str:
    if head[4:8] == b"ftyp":
        brand = head[8:12].decode("ascii", "replace")
        return _("an ISO media file of brand '{brand}' (AVIF, video or other), not a HEIC photo", brand=brand)
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "a GIF image"
    if head.startswith(b"%PDF"):
        return "a PDF document"
    if head.lstrip().startswith(b"<"):
        return _("text or markup (SVG or HTML?)")
    if not head:
        return _("an empty file")
    return _("of unknown content")
