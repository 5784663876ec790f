"""The one slug function: the addresses of the site and the file names ``warta new`` makes agree.

It is Pelican's own :func:`pelican.utils.slugify` with warta's substitutions, which the site's Pelican
settings use too (``SLUG_REGEX_SUBSTITUTIONS``, pipeline/site/settings.py): so a tag, a category and a new
item's file name are made by the same rules. The rules, for Indonesian titles: accents and other scripts
are transliterated to ASCII (``Kapanéwon`` -> ``kapanewon``), ``&`` reads ``dan``, apostrophes join
(``Jum'at`` -> ``jumat``), any other punctuation separates words (``6.000`` -> ``6-000``), then lower
case with single hyphens. A title with no Latin letters at all (Javanese script) gives ``""``: give a slug.
"""

from __future__ import annotations

SLUG_MAX = 80
SUBSTITUTIONS: tuple[tuple[str, str], ...] = (
    (r"&", " dan "),
    (r"['`]", ""),  # after transliteration every apostrophe is ' or `
    (r"[^\w\s-]", " "),
    (r"[-\s_]+", "-"),
    (r"\A-+|-+\Z", ""),
)


def slugify(text: str, *, max_length: int = SLUG_MAX) -> str:
    """``Jum'at Bersih & Sehat di Kapanéwon Sedayu`` -> ``jumat-bersih-dan-sehat-di-kapanewon-sedayu``;
    at most ``max_length`` characters, cut at a hyphen."""
    from pelican.utils import slugify as pelican_slugify  # imported here: Pelican is slow to import

    slug = str(pelican_slugify(text, regex_subs=SUBSTITUTIONS))
    if len(slug) > max_length:
        cut = slug[:max_length + 1]
        slug = cut[:cut.rfind("-")] if "-" in cut else slug[:max_length]
    return slug.strip("-")
