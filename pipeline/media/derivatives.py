"""What is made from one source photo, and how: site widths (WebP + JPEG) and per-channel crops.

Site derivatives keep the photo's shape and are never larger than the source: a requested width above the
source's width gives one derivative at the source's own width instead. Channel pictures have the exact size
each platform asks for (DOMAIN.md "Image sizes"), cut around the focal point (``image_focus``); a source
too small for one is enlarged to the promised size, with a warning when that is by more than a quarter.

Rendering decodes a source once, at the smallest JPEG DCT scale that still leaves a factor of two for the
final Lanczos resize (the same rule as libvips' shrink-on-load), applies the EXIF orientation, converts its
colour profile to sRGB, and encodes every missing derivative from that one decode.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from PIL import Image, ImageCms, ImageOps

from pipeline.config import MediaSection
from pipeline.i18n import _
from pipeline.media import privacy
from pipeline.media.inputs import ImageRefused, decode, read_orientation

Format = Literal["webp", "jpeg"]
EXTENSIONS: dict[str, str] = {"webp": "webp", "jpeg": "jpg"}

# Fixed per-channel sizes (width, height) from the platforms' published guidance; see DOMAIN.md.
CHANNEL_PRESETS: dict[str, tuple[int, int]] = {
    "og": (1200, 630),  # Open Graph / Facebook link card, 1.91:1
    "instagram-portrait": (1080, 1350),  # 4:5
    "instagram-square": (1080, 1080),
    "x": (1200, 675),  # X in-feed / large card, 16:9
    "youtube": (1280, 720),  # YouTube thumbnail
}
VIDEOTRON_PREFIX = "videotron-"
SITE_PREFIX = "w"

# Quality of pictures shown large on a videotron board, where compression artefacts are metres wide.
BOARD_JPEG_QUALITY = 90


@dataclass(frozen=True)
class Spec:
    """One derivative to make: a preset, a format, its exact pixel size and (for crops) the source box."""

    preset: str  # "w480" for site widths, a CHANNEL_PRESETS key, or "videotron-<board>"
    format: Format
    width: int
    height: int
    quality: int
    crop: tuple[int, int, int, int] | None = None  # (left, top, right, bottom) in oriented source pixels

    def key_material(self) -> dict[str, object]:
        return {
            "preset": self.preset,
            "format": self.format,
            "size": [self.width, self.height],
            "quality": self.quality,
            "crop": list(self.crop) if self.crop else None,
        }


def site_sizes(width: int, height: int, widths: Sequence[int]) -> list[tuple[int, int]]:
    """Sizes of the site derivatives for a ``width`` x ``height`` source: never wider than the source."""
    sizes: dict[int, int] = {}
    for wanted in sorted(set(widths)):
        w = min(wanted, width)
        sizes[w] = max(1, round(height * w / width))
    return sorted(sizes.items())


def focus_crop(
    width: int, height: int, target_w: int, target_h: int, focus: tuple[float, float]
) -> tuple[int, int, int, int]:
    """The largest box of the target's shape inside the source, centred on the focal point where it can be.

    ``focus`` is (x, y), each 0..1 of the oriented source's width and height; the box slides to stay inside
    the photo, so a focal point near an edge gives a box against that edge.
    """
    target_ratio = target_w / target_h
    if width / height > target_ratio:
        box_h = height
        box_w = min(width, max(1, round(height * target_ratio)))
    else:
        box_w = width
        box_h = min(height, max(1, round(width / target_ratio)))
    fx = min(max(focus[0], 0.0), 1.0)
    fy = min(max(focus[1], 0.0), 1.0)
    left = min(max(round(fx * width - box_w / 2), 0), width - box_w)
    top = min(max(round(fy * height - box_h / 2), 0), height - box_h)
    return (left, top, left + box_w, top + box_h)


def channel_sizes(settings: MediaSection) -> dict[str, tuple[int, int]]:
    """Every channel picture's preset name and size: the fixed platforms plus each videotron board."""
    sizes = dict(CHANNEL_PRESETS)
    for board in settings.videotron:
        sizes[VIDEOTRON_PREFIX + board.name] = (board.width, board.height)
    return sizes


def plan(
    width: int, height: int, settings: MediaSection, focus: tuple[float, float], channels: bool
) -> list[Spec]:
    """Every derivative of a ``width`` x ``height`` (oriented) source."""
    specs: list[Spec] = []
    for w, h in site_sizes(width, height, settings.widths):
        specs.append(Spec(f"{SITE_PREFIX}{w}", "webp", w, h, settings.webp_quality))
        specs.append(Spec(f"{SITE_PREFIX}{w}", "jpeg", w, h, settings.jpeg_quality))
    if channels:
        for preset, (tw, th) in channel_sizes(settings).items():
            quality = BOARD_JPEG_QUALITY if preset.startswith(VIDEOTRON_PREFIX) else settings.jpeg_quality
            specs.append(Spec(preset, "jpeg", tw, th, quality, focus_crop(width, height, tw, th, focus)))
    return specs


# Enlarging a crop by up to a quarter is not visible on a phone screen; beyond that the build warns.
ENLARGE_WARNING = 1.25


def enlarged(specs: Sequence[Spec]) -> list[Spec]:
    """Channel pictures noticeably larger than the part of the source they are cut from."""
    return [s for s in specs if s.crop and s.width > (s.crop[2] - s.crop[0]) * ENLARGE_WARNING]


# --- rendering -----------------------------------------------------------------------------------


def draft_size(stored: tuple[int, int], oriented: tuple[int, int], specs: Sequence[Spec]) -> tuple[int, int]:
    """The size to ask the JPEG decoder for: twice the largest scale any derivative needs."""
    scale = 0.0
    for spec in specs:
        box_w = (spec.crop[2] - spec.crop[0]) if spec.crop else oriented[0]
        box_h = (spec.crop[3] - spec.crop[1]) if spec.crop else oriented[1]
        scale = max(scale, spec.width / box_w, spec.height / box_h)
    scale = min(1.0, 2 * scale)
    return (max(1, math.ceil(stored[0] * scale)), max(1, math.ceil(stored[1] * scale)))


@dataclass
class Working:
    """A decoded, upright source and how its pixels become sRGB.

    Colour conversion happens after resizing (as libvips does), on far fewer pixels: ``finish`` applies it
    to each rendered derivative. ``kept_icc`` is a profile that could not be converted: it is embedded in
    the outputs rather than dropped. ``notes`` explain that for a warning.
    """

    image: Image.Image
    transform: ImageCms.ImageCmsTransform | None = None
    kept_icc: bytes | None = None
    notes: list[str] = field(default_factory=list)

    def finish(self, pixels: Image.Image) -> Image.Image:
        if self.transform is not None:
            pixels = ImageCms.applyTransform(pixels, self.transform) or pixels
        elif pixels.mode not in ("RGB", "RGBA", "L"):
            pixels = pixels.convert("RGB")
        pixels.info = {}
        return pixels


def prepare(image: Image.Image, specs: Sequence[Spec], max_pixels: int) -> Working:
    """Decode (reduced where JPEG allows), orient, and plan the colour conversion of an opened source.

    Damage raises :class:`~pipeline.media.inputs.ImageRefused`.
    """
    stored = image.size
    orientation = read_orientation(image)
    oriented = (stored[1], stored[0]) if orientation in (5, 6, 7, 8) else stored
    if image.format == "JPEG" and specs:
        image.draft("RGB" if image.mode == "RGB" else None, draft_size(stored, oriented, specs))
    decode(image, max_pixels)
    if orientation != 1:
        try:
            ImageOps.exif_transpose(image, in_place=True)
        except Exception as exc:  # noqa: BLE001 - untrusted EXIF
            raise ImageRefused(_("its EXIF orientation cannot be applied ({reason})", reason=exc)) from None
    return colour_plan(image)


_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def colour_plan(image: Image.Image) -> Working:
    """The working image and its conversion to sRGB; an embedded profile is never dropped unconverted."""
    icc = image.info.get("icc_profile")
    if not icc:
        return Working(_normalise_mode(image))
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        description = (ImageCms.getProfileDescription(profile) or "").strip()
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError) as exc:
        note = _("its colour profile cannot be read ({reason}); it is kept as is in the published copies", reason=exc)
        return Working(_normalise_mode(image), kept_icc=icc, notes=[note])
    if "srgb" in description.lower().replace(" ", ""):
        return Working(_normalise_mode(image))
    if image.mode not in ("RGB", "RGBA", "L", "CMYK"):
        image = _normalise_mode(image)
    try:
        transform = ImageCms.buildTransform(
            profile, _SRGB, image.mode, "RGBA" if image.mode == "RGBA" else "RGB",
            renderingIntent=ImageCms.Intent.PERCEPTUAL,
        )
    except (ImageCms.PyCMSError, OSError, ValueError) as exc:
        if image.mode == "CMYK":  # CMYK pixels cannot carry an RGB output's profile: convert plainly
            note = _("its colour profile '{profile}' cannot be used ({reason}); colours were converted "
                     "without it and may look different", profile=description, reason=exc)
            return Working(image.convert("RGB"), notes=[note])
        note = _("its colour profile '{profile}' cannot be converted to sRGB ({reason}); it is kept as is "
                 "in the published copies", profile=description, reason=exc)
        return Working(_normalise_mode(image), kept_icc=icc, notes=[note])
    return Working(image, transform)


def _normalise_mode(image: Image.Image) -> Image.Image:
    mode = image.mode
    if mode in ("RGB", "RGBA", "L"):
        return image
    if mode in ("P", "PA"):
        has_alpha = mode == "PA" or "transparency" in image.info
        return image.convert("RGBA" if has_alpha else "RGB")
    if mode in ("LA", "La", "RGBa"):
        return image.convert("RGBA")
    if mode.startswith("I"):
        # 16-bit greys (PNG): scale to 8 bits instead of letting convert() clip everything above 255.
        return image.convert("I").point(lambda v: v / 257).convert("L")
    if mode == "1":
        return image.convert("L")
    return image.convert("RGB")  # CMYK, YCbCr, LAB, HSV without a usable profile


# Integer box reduction first, then Lanczos over the remaining factor of at most two (as libvips does).
REDUCING_GAP = 2.0


def render(working: Image.Image, oriented: tuple[int, int], spec: Spec) -> Image.Image:
    """One derivative's pixels from the working image (which may be a reduced decode of the source)."""
    sx = working.width / oriented[0]
    sy = working.height / oriented[1]
    box = spec.crop or (0, 0, oriented[0], oriented[1])
    scaled_box = (box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy)
    size = (spec.width, spec.height)
    return working.resize(size, Image.Resampling.LANCZOS, box=scaled_box, reducing_gap=REDUCING_GAP)


def render_all(
    working: Working, oriented: tuple[int, int], specs: Sequence[Spec]
) -> Iterator[tuple[Spec, Image.Image]]:
    """Finished (sRGB) pixels for every spec, resizing once per distinct size and box.

    WebP and JPEG of one size share one resize. Site widths are made widest first, each narrower one from
    the one before it: a Lanczos reduction of an already reduced image is as sharp and several times
    cheaper than one from the full source.
    """
    groups: dict[tuple[int, int, tuple[int, int, int, int] | None], list[Spec]] = {}
    for spec in specs:
        groups.setdefault((spec.width, spec.height, spec.crop), []).append(spec)
    previous_site: Image.Image | None = None
    site_first_widest = sorted(groups.items(), key=lambda g: (g[0][2] is not None, -g[0][0]))
    for (width, height, crop), members in site_first_widest:
        if crop is None and previous_site is not None and previous_site.width >= width:
            pixels = previous_site.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=REDUCING_GAP)
        else:
            pixels = working.finish(render(working.image, oriented, members[0]))
        if crop is None:
            previous_site = pixels
        for spec in members:
            yield spec, pixels


def encode(image: Image.Image, spec: Spec, icc_profile: bytes | None = None) -> bytes:
    """Encode pixels only: no EXIF, XMP, IPTC or comment; an ICC profile only if one could not be converted.

    Raises ``RuntimeError`` if the encoded bytes still carry a metadata block (a guard against a Pillow
    change that would start copying metadata).
    """
    buffer = io.BytesIO()
    extra: dict[str, object] = {"icc_profile": icc_profile} if icc_profile else {}
    image.info = {}
    if spec.format == "jpeg":
        if image.mode == "RGBA":
            flat = Image.new("RGB", image.size, (255, 255, 255))
            flat.paste(image, mask=image.getchannel("A"))
            image = flat
        image.save(buffer, "JPEG", quality=spec.quality, progressive=True, optimize=True, exif=b"", **extra)
    else:
        image.save(buffer, "WEBP", quality=spec.quality, method=4, exif=b"", xmp=b"", **extra)
    data = buffer.getvalue()
    leftovers = privacy.metadata_blocks(data)
    if leftovers:
        raise RuntimeError(_("encoded {preset}.{format} still carries {leftovers}",
                             preset=spec.preset, format=spec.format, leftovers=', '.join(leftovers)))
    return data
