"""A JPEG marker walk (ITU-T T.81 annex B), shared by the input checks and the output privacy check."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pipeline.i18n import _

# Markers that may follow a scan's compressed data: tables, another scan, end of image, DNL, APPn, COM.
_AFTER_SCAN = {0xC4, 0xCC, 0xDB, 0xDD, 0xDA, 0xD9, 0xDC, 0xFE, *range(0xE0, 0xF0)}
EOI = 0xD9
SOS = 0xDA


class JpegDamage(Exception):
    """The JPEG structure is broken; the message says how and where."""


@dataclass(frozen=True)
class Segment:
    marker: int
    offset: int
    payload: bytes  # the segment's bytes after its length field (empty for EOI)
    restarts: int = 0  # for a scan (SOS): restart markers found in its compressed data


def segments(data: bytes) -> Iterator[Segment]:
    """Every marker segment from after SOI to EOI (inclusive), walking through compressed data.

    Raises :class:`JpegDamage` on truncation, an impossible length, a byte sequence that cannot occur in
    compressed data, or restart markers out of their 0-7 cycle.
    """
    if not data.startswith(b"\xff\xd8"):
        raise JpegDamage(_("not a JPEG (no start-of-image marker)"))
    n = len(data)
    pos = 2
    while True:
        if pos >= n:
            raise JpegDamage(_("truncated: the file ends before the JPEG end-of-image marker"))
        if data[pos] != 0xFF:
            raise JpegDamage(_("corrupt JPEG structure: no marker where one must be, at byte {pos}", pos=pos))
        start = pos
        while pos < n and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= n:
            raise JpegDamage(_("truncated: the file ends inside a JPEG marker"))
        marker = data[pos]
        pos += 1
        if marker == EOI:
            yield Segment(EOI, start, b"")
            return
        if 0xD0 <= marker <= 0xD8 or marker in (0x00, 0x01):
            raise JpegDamage(_("corrupt JPEG structure: unexpected marker 0xFF{marker:02X} at byte {pos}",
                                   marker=marker, pos=start))
        if pos + 2 > n:
            raise JpegDamage(_("truncated: the file ends inside a JPEG segment header"))
        length = int.from_bytes(data[pos : pos + 2], "big")
        end = pos + length
        if length < 2:
            raise JpegDamage(_("corrupt JPEG structure: segment of impossible length at byte {pos}", pos=pos))
        if end > n:
            raise JpegDamage(_("truncated: the file ends inside a JPEG segment"))
        payload = data[pos + 2 : end]
        if marker != SOS:
            yield Segment(marker, start, payload)
            pos = end
            continue
        pos, restarts = _skip_scan(data, end)
        yield Segment(SOS, start, payload, restarts)


def _skip_scan(data: bytes, start: int) -> tuple[int, int]:
    """Skip one scan's compressed data: (offset of the marker after it, restart markers seen)."""
    n = len(data)
    p = start
    restarts = 0
    while True:
        q = data.find(b"\xff", p)
        if q < 0 or q + 1 >= n:
            raise JpegDamage(_("truncated: the compressed image data ends early (no end-of-image marker)"))
        r = q + 1
        if data[r] == 0x00:  # a stuffed 0xFF data byte
            p = r + 1
            continue
        while r < n and data[r] == 0xFF:  # fill bytes before a marker
            r += 1
        if r >= n:
            raise JpegDamage(_("truncated: the compressed image data ends early (no end-of-image marker)"))
        marker = data[r]
        if 0xD0 <= marker <= 0xD7:
            if marker - 0xD0 != restarts % 8:
                raise JpegDamage(_("corrupt image data: restart marker out of sequence at byte {pos}", pos=q))
            restarts += 1
            p = r + 1
            continue
        if marker in _AFTER_SCAN:
            return q, restarts
        raise JpegDamage(
            _("corrupt image data: invalid bytes 0xFF{marker:02X} inside the compressed data at byte {pos}",
              marker=marker, pos=q)
        )
