"""Source photos: recognised by their content, held to size limits, opened without trusting them.

A source is judged in this order, and the first problem found is the message:

1. size on disk against ``media.max_bytes`` (the file is not even read when it is too big);
2. format from the first bytes (JPEG, PNG, WebP, HEIC/HEIF), whatever the file name says;
3. pixel size from the header against ``media.max_pixels``, *before* any pixel is decoded, so a
   decompression bomb (a tiny file claiming a huge image) is refused without costing memory;
4. structure: a JPEG's marker and restart-marker sequence is walked (a damaged or truncated JPEG decodes
   "successfully" into grey garbage with Pillow, which hides libjpeg's warnings), a PNG's chunk checksums
   are verified; WebP and HEIF are only checked by decoding them (``decode=True``, and always at build).
"""

from __future__ import annotations

import hashlib
import io
import math
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pillow_heif
from PIL import Image, ImageFile

from pipeline.config import MediaSection
from pipeline.errors import BuildError, Finding
from pipeline.i18n import _
from pipeline.media import jpeg, privacy
from pipeline.media.formats import describe_unknown, sniff_format

pillow_heif.register_heif_opener()

# Pillow's own format names for the formats we accept.
SUPPORTED_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
_FORMAT_NAMES = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "HEIF": "HEIC/HEIF"}


# Orientation values 5-8 swap width and height (EXIF 2.32, tag 0x0112).
_SWAPS_AXES = {5, 6, 7, 8}


class MediaError(BuildError):
    """Media could not be built; ``findings`` name each file (and the releases that use it)."""


@dataclass(frozen=True)
class SourceInfo:
    """What is known about a source photo without decoding its pixels."""

    path: Path
    display_path: str
    format: str | None  # one of SUPPORTED_FORMATS, None when not recognised
    size_bytes: int
    width: int  # as displayed: after the EXIF orientation is applied
    height: int
    orientation: int  # EXIF orientation 1-8 (1 when absent)
    sha256: str  # of the file's bytes; "" when the file could not be read
    has_gps: bool
    findings: tuple[Finding, ...] = field(default=())

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def megapixels(self) -> float:
        return self.width * self.height / 1_000_000


def _error(display_path: str, message: str, used_by: Sequence[str]) -> Finding:
    return Finding(display_path, None, message + used_by_suffix(used_by), code="photo.invalid")


def used_by_suffix(used_by: Sequence[str]) -> str:
    if not used_by:
        return ""
    return _(" (used by {items})", items=", ".join(sorted(set(used_by))))


@contextmanager
def pixel_limit(max_pixels: int) -> Iterator[None]:
    """Make Pillow refuse, while opening, any image above ``max_pixels`` (not only its default 89 MP).

    Pillow warns above ``Image.MAX_IMAGE_PIXELS`` and raises above twice that; inside this block the
    limit is ours and the warning is an error too, so nothing above the limit gets as far as decoding.
    Truncated files are refused too (``ImageFile.LOAD_TRUNCATED_IMAGES``, whatever another module set).
    Not thread-safe (it sets module globals): media code opens images in one thread per process.
    """
    previous = Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES
    Image.MAX_IMAGE_PIXELS = max_pixels
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    finally:
        Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _bomb_message(width: int, height: int, max_pixels: int) -> str:
    return (
        _("image claims {width}x{height} pixels ({value:.1f} megapixels), above the limit of {value2:.1f} megapixels "
          "(media.max_pixels); refused without decoding (a decompression bomb, or a photo to scale down before adding it)",
          width=width, height=height, value=width * height / 1000000.0, value2=max_pixels / 1000000.0)
    )


def open_image(data: bytes, fmt: str, max_pixels: int) -> Image.Image:
    """Open (lazily: header only) image bytes already recognised as ``fmt``, refusing oversized images.

    Raises :class:`ImageRefused` with a user-facing message; any other problem Pillow reports on a
    damaged header is turned into the same exception.
    """
    with pixel_limit(max_pixels):
        try:
            image = Image.open(io.BytesIO(data), formats=[fmt])
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            message = _bomb_from_header(data, fmt, max_pixels) or _bomb_from_exception(exc, max_pixels)
            raise ImageRefused(message) from None
        except Exception as exc:  # noqa: BLE001 - untrusted input: every decoder failure is a message
            raise ImageRefused(_("is not a readable {format} image ({reason})", format=_FORMAT_NAMES[fmt],
                                   reason=_reason(exc))) from None
    width, height = image.size
    if width <= 0 or height <= 0:
        name = _FORMAT_NAMES[fmt]
        raise ImageRefused(_("is not a readable {format} image (it claims {width}x{height} pixels)", format=name,
                              width=width, height=height))
    if width * height > max_pixels:
        raise ImageRefused(_bomb_message(width, height, max_pixels))
    return image


def decode(image: Image.Image, max_pixels: int) -> None:
    """Decode the pixels of an image from :func:`open_image`; damage becomes :class:`ImageRefused`."""
    with pixel_limit(max_pixels):
        try:
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRefused(_bomb_from_exception(exc, max_pixels)) from None
        except Exception as exc:  # noqa: BLE001 - untrusted input: every decoder failure is a message
            fmt = _FORMAT_NAMES.get(image.format or "", image.format or "image")
            raise ImageRefused(_("is damaged: its {format} data cannot be decoded ({reason})", format=fmt,
                                  reason=_reason(exc))) from None


def _bomb_from_header(data: bytes, fmt: str, max_pixels: int) -> str | None:
    """The bomb message with the claimed size, read from the header alone (opening decodes nothing)."""
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None
    try:
        with Image.open(io.BytesIO(data), formats=[fmt]) as image:
            width, height = image.size
    except Exception:  # noqa: BLE001 - untrusted input
        return None
    finally:
        Image.MAX_IMAGE_PIXELS = previous
    return _bomb_message(width, height, max_pixels)


def _bomb_from_exception(exc: Exception, max_pixels: int) -> str:
    return (
        _("image is larger than the limit of {value:.1f} megapixels (media.max_pixels); refused without decoding ({exc})",
          value=max_pixels / 1000000.0, exc=exc)
    )


def _reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


class ImageRefused(Exception):
    """A source image was refused; the message completes ``<path>: error: <message>``."""


def inspect_source(
    path: Path,
    settings: MediaSection,
    display_path: str,
    *,
    used_by: Sequence[str] = (),
    decode_pixels: bool = False,
) -> SourceInfo:
    """Recognise, measure and check one source photo without trusting it.

    Never raises for a bad file: problems are ``SourceInfo.findings`` (``<display_path>: error: ...``,
    naming ``used_by`` when given). Pixels are decoded only with ``decode_pixels=True``, and never
    for an image above ``settings.max_pixels``.
    """

    def refused(message: str, size: int = 0, sha: str = "", fmt: str | None = None) -> SourceInfo:
        return SourceInfo(path, display_path, fmt, size, 0, 0, 1, sha, False,
                          (_error(display_path, message, used_by),))

    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return refused(_("file not found"))
    except OSError as exc:
        return refused(_("cannot be read ({reason})", reason=exc.strerror))
    if not path.is_file():
        return refused(_("is not a file"))
    if size > settings.max_bytes:
        return refused(
            _("file is {size:.1f} MiB, above the limit of {limit:.1f} MiB (media.max_bytes); scale the photo "
              "down before adding it", size=size / 1048576, limit=settings.max_bytes / 1048576),
            size,
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        return refused(_("cannot be read ({reason})", reason=exc.strerror), size)
    return inspect_bytes(data, path, settings, display_path, used_by=used_by, decode_pixels=decode_pixels)


def inspect_bytes(
    data: bytes,
    path: Path,
    settings: MediaSection,
    display_path: str,
    *,
    used_by: Sequence[str] = (),
    decode_pixels: bool = False,
) -> SourceInfo:
    """:func:`inspect_source` for bytes already read (``path`` is only recorded)."""
    sha = hashlib.sha256(data).hexdigest()
    size = len(data)

    def refused(message: str, fmt: str | None = None) -> SourceInfo:
        return SourceInfo(path, display_path, fmt, size, 0, 0, 1, sha, False,
                          (_error(display_path, message, used_by),))

    if size > settings.max_bytes:
        return refused(_("file is {size:.1f} MiB, above the limit of {limit:.1f} MiB (media.max_bytes)",
                         size=size / 1048576, limit=settings.max_bytes / 1048576))
    fmt = sniff_format(data[:64])
    if fmt is None:
        return refused(
            _("is not a JPEG, PNG, WebP or HEIC photo: its content is {content} "
              "(formats are recognised by content, not by the file name)", content=describe_unknown(data[:64]))
        )
    try:
        image = open_image(data, fmt, settings.max_pixels)
        damage = structure_damage(data, fmt, settings.max_pixels)
        if damage:
            raise ImageRefused(_("is damaged: {damage}", damage=damage))
        if decode_pixels:
            decode(image, settings.max_pixels)
        orientation = read_orientation(image)
        has_gps = privacy.location_summary(image) is not None
    except ImageRefused as exc:
        return refused(str(exc), fmt)
    width, height = image.size
    if orientation in _SWAPS_AXES:
        width, height = height, width
    return SourceInfo(path, display_path, fmt, size, width, height, orientation, sha, has_gps)


def read_orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(0x0112, 1)
    except Exception:  # noqa: BLE001 - a damaged EXIF block only loses the orientation, never the photo
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def structure_damage(data: bytes, fmt: str, max_pixels: int) -> str | None:
    """A description of structural damage found without decoding pixels, or None."""
    if fmt == "JPEG":
        return jpeg_damage(data)
    if fmt == "PNG":
        return png_damage(data, max_pixels)
    return None


def png_damage(data: bytes, max_pixels: int) -> str | None:
    """Verify every chunk's length and CRC up to IEND (Pillow's ``verify``, which decodes no pixels)."""
    try:
        with pixel_limit(max_pixels), Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            image.verify()
    except Exception as exc:  # noqa: BLE001 - untrusted input
        return _("its PNG chunks do not check out ({reason})", reason=_reason(exc))
    return None


# Frame markers (ITU-T T.81 table B.1); lossless frames have no 8x8 blocks to count.
_SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_LOSSLESS_SOF = {0xC3, 0xC7, 0xCB, 0xCF}
_Frame = tuple[int, int, int, dict[int, tuple[int, int]]]


def jpeg_damage(data: bytes) -> str | None:
    """Walk a JPEG's segments and compressed data; describe the first damage, or return None.

    libjpeg only *warns* about corrupt data ("premature end of data segment", "N extraneous bytes
    before marker") and fills the gap with grey, and Pillow discards those warnings. This walk finds
    the same damage: bytes inside the compressed data that are neither stuffed 0xFF00 nor restart markers,
    restart markers out of order or fewer than the image needs, and a file that ends before its end marker.
    """
    frame: _Frame | None = None
    restart_interval = 0
    try:
        for segment in jpeg.segments(data):
            payload = segment.payload
            if segment.marker in _SOF_MARKERS:
                if len(payload) < 6 or len(payload) < 6 + 3 * payload[5] or payload[5] == 0:
                    return _("corrupt JPEG structure: short frame header")
                components = {
                    payload[6 + 3 * i]: (max(1, payload[7 + 3 * i] >> 4), max(1, payload[7 + 3 * i] & 15))
                    for i in range(payload[5])
                }
                height = int.from_bytes(payload[1:3], "big")
                width = int.from_bytes(payload[3:5], "big")
                frame = (segment.marker, width, height, components)
            elif segment.marker == 0xDD and len(payload) >= 2:
                restart_interval = int.from_bytes(payload[0:2], "big")
            elif segment.marker == jpeg.SOS:
                if frame is None:
                    return _("corrupt JPEG structure: image data before the frame header")
                if not payload or len(payload) < 1 + 2 * payload[0]:
                    return _("corrupt JPEG structure: short scan header")
                scan_ids = [payload[1 + 2 * i] for i in range(payload[0])]
                expected = _expected_restarts(frame, scan_ids, restart_interval)
                if expected is not None and segment.restarts != expected:
                    return (
                        _("corrupt image data: {restarts} restart markers where the image needs {expected} (part of the "
                          "compressed data is missing or damaged)",
                          restarts=segment.restarts, expected=expected)
                    )
    except jpeg.JpegDamage as exc:
        return str(exc)
    return None


def _expected_restarts(frame: _Frame, scan_ids: list[int], interval: int) -> int | None:
    """Restart markers a complete scan holds (T.81 A.2: MCUs per scan, one marker between intervals)."""
    sof, width, height, components = frame
    if not interval or not height or sof in _LOSSLESS_SOF:
        return None
    h_max = max(h for h, _ in components.values())
    v_max = max(v for _, v in components.values())
    if len(scan_ids) > 1:
        mcus = math.ceil(width / (8 * h_max)) * math.ceil(height / (8 * v_max))
    else:
        h, v = components.get(scan_ids[0], (h_max, v_max))
        mcus = math.ceil(math.ceil(width * h / h_max) / 8) * math.ceil(math.ceil(height * v / v_max) / 8)
    return max(0, math.ceil(mcus / interval) - 1)
