"""Photos on the site: every image of every published item goes through the media pipeline.

Source photos are never linked or copied (they carry GPS positions in EXIF); pages show the derivatives
``pipeline.media.build_media`` writes into the output and ``picture_html`` describes. An item whose photo
could not be made is left out of the site, with the reason, rather than shown with a broken image.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

from pipeline.cachedir import MEDIA_CACHE, ensure_local_cache
from pipeline.config import SiteConfig
from pipeline.content import Item
from pipeline.errors import Finding
from pipeline.i18n import _
from pipeline.site.model import ROOT_MARK, Figure

HERO_SIZES = "(min-width: 52rem) 48rem, 100vw"
GALLERY_SIZES = "(min-width: 52rem) 24rem, (min-width: 32rem) 50vw, 100vw"
THUMB_SIZES = "(min-width: 40rem) 12rem, 100vw"
INLINE_SIZES = "(min-width: 52rem) 48rem, 100vw"


@dataclass
class Pictures:
    """The derivatives of a build, by repo-relative source path."""

    sets: dict[str, Any] = field(default_factory=dict)  # source path -> pipeline.media ImageSet
    failed: dict[str, str] = field(default_factory=dict)  # item path -> reason
    findings: list[Finding] = field(default_factory=list)

    def _picture(self, path: str, alt: str, sizes: str, lazy: bool, caption: str | None = None) -> Markup | None:
        image_set = self.sets.get(path)
        if image_set is None:
            return None
        from pipeline.media import picture_html  # Pillow: imported only when a build has photos

        # paths start at ROOT_MARK: the page's relative root replaces it when the page is written
        return Markup(picture_html(image_set, alt, sizes=sizes, lazy=lazy, caption=caption, base_url=ROOT_MARK + "/"))

    def inline(self, path: str, alt: str) -> Markup | None:
        return self._picture(path, alt, INLINE_SIZES, True)

    def hero(self, item: Item) -> Figure | None:
        ref = next((i for i in item.images if i.role == "image"), None)
        if ref is None:
            return None
        html = self._picture(ref.path, ref.alt, HERO_SIZES, False)
        return Figure(html, ref.caption) if html is not None else None

    def gallery(self, item: Item) -> list[Figure]:
        out = []
        for ref in item.images:
            if ref.role == "media":
                html = self._picture(ref.path, ref.alt, GALLERY_SIZES, True)
                if html is not None:
                    out.append(Figure(html, ref.caption))
        return out

    def channel_url(self, item: Item, preset: str) -> str | None:
        """Site-relative address of the main photo cropped for a channel (``og``, ``x``, ...)."""
        ref = next((i for i in item.images if i.role == "image"), None)
        image_set = self.sets.get(ref.path) if ref else None
        derivative = image_set.channel(preset) if image_set is not None else None
        return str(derivative.url_path) if derivative is not None else None

    def thumb(self, item: Item) -> Markup | None:
        ref = next((i for i in item.images if i.role == "image"), None)
        return self._picture(ref.path, ref.alt, THUMB_SIZES, True) if ref else None


def make_pictures(
    root: Path, items: Sequence[Item], output: Path, config: SiteConfig, *, progress: bool = False,
    cache_root: Path | None = None,
) -> Pictures:
    """Run the media pipeline for every image of ``items`` (withdrawn items show none). Sources are read
    under ``root``; derivatives are cached in the cache folder ``cache_root`` (default: ``root``'s,
    :func:`~pipeline.cachedir.ensure_local_cache`)."""
    result = Pictures()
    users: dict[str, list[Item]] = {}
    focus: dict[str, tuple[float, float]] = {}
    for item in items:
        if item.meta.status == "dicabut":
            continue
        for ref in item.images:
            users.setdefault(ref.path, []).append(item)
            if ref.role == "image" and item.meta.image_focus:
                fx, fy = item.meta.image_focus
                focus.setdefault(ref.path, (fx, fy))
    if not users:
        return result
    from pipeline.media import MediaJob, build_media  # Pillow: imported only when a build has photos

    main_images = {ref.path for item in items for ref in item.images if ref.role == "image"}
    jobs = [
        MediaJob(
            source=root / path,
            display_path=path,
            used_by=tuple(sorted({i.path for i in who})),
            focus=focus.get(path, (0.5, 0.5)),
            channels=path in main_images,  # Open Graph, Instagram, X, YouTube and videotron crops
        )
        for path, who in sorted(users.items())
    ]
    caches = cache_root or ensure_local_cache(root)
    media = build_media(jobs, output, caches / MEDIA_CACHE, config.media, progress=progress)
    result.findings.extend(media.findings)
    failed = set(media.failed)
    for path, who in users.items():
        if path in failed or path not in media.images:
            for item in who:
                result.failed.setdefault(item.path, _("image {path} could not be processed", path=path))
        else:
            result.sets[path] = media.images[path]
    return result
