"""The ``<picture>`` markup for a built image: WebP ``srcset`` with a JPEG fallback, no layout shift."""

from __future__ import annotations

from html import escape

from pipeline.media.build import Derivative, ImageSet

DEFAULT_SIZES = "(max-width: 960px) 100vw, 960px"


def _url(base_url: str, derivative: Derivative) -> str:
    return base_url.rstrip("/") + "/" + derivative.url_path


def _srcset(base_url: str, items: list[Derivative]) -> str:
    return ", ".join(f"{_url(base_url, d)} {d.width}w" for d in items)


def picture_html(
    image_set: ImageSet,
    alt: str,
    *,
    sizes: str = DEFAULT_SIZES,
    lazy: bool = True,
    caption: str | None = None,
    base_url: str = "/",
) -> str:
    """A ``<picture>`` (inside a ``<figure>`` when there is a caption) for one built image.

    The ``<img>`` carries ``width`` and ``height`` (the fallback JPEG's, so the browser knows the shape
    before any byte arrives), ``loading="lazy"`` unless ``lazy=False`` (the first image above the fold,
    which gets ``fetchpriority="high"`` instead), and ``alt`` and ``caption`` escaped as text.
    ``base_url`` is prepended to each derivative's ``url_path`` (``"/"`` for a site at the domain root).
    """
    webp = image_set.site("webp")
    jpeg = image_set.site("jpeg")
    fallback = image_set.fallback()
    attrs = [
        f'src="{escape(_url(base_url, fallback))}"',
        f'srcset="{escape(_srcset(base_url, jpeg))}"',
        f'sizes="{escape(sizes)}"',
        f'width="{fallback.width}"',
        f'height="{fallback.height}"',
        f'alt="{escape(alt)}"',
        'loading="lazy"' if lazy else 'fetchpriority="high"',
        'decoding="async"',
    ]
    picture = (
        "<picture>"
        f'<source type="image/webp" srcset="{escape(_srcset(base_url, webp))}" sizes="{escape(sizes)}">'
        f"<img {' '.join(attrs)}>"
        "</picture>"
    )
    if caption is None:
        return picture
    return f'<figure class="photo">{picture}<figcaption>{escape(caption)}</figcaption></figure>'
