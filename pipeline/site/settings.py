"""The Pelican settings dict for a warta site: everything explicit, nothing read from a pelicanconf.py.

Pelican no longer runs as a whole: :mod:`pipeline.site.writer` renders every page itself in a Jinja
environment made from these settings (as Pelican's generators make theirs), and uses Pelican's reader
machinery (through :class:`pipeline.site.reader.WartaReader` only; its own Markdown, reStructuredText
and HTML readers are off) and writer for the Atom feeds' entries. The settings still say everything
Pelican itself would need, so the templates see the context Pelican gave them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import FileSystemBytecodeCache, StrictUndefined
from pelican.settings import read_settings as pelican_read_settings

from pipeline.cachedir import JINJA_CACHE
from pipeline.config import KINDS
from pipeline.content import RESERVED_PAGE_SLUGS
from pipeline.site.reader import WartaReader
from pipeline.site.urls import FEED_ALL
from pipeline.slug import SUBSTITUTIONS as SLUG_SUBSTITUTIONS

# Site paths a page (halaman) slug may not take, because warta's own pages live there.
RESERVED_PATHS = RESERVED_PAGE_SLUGS  # the paths the site writes itself


def _bytecode_cache(caches: Path) -> dict[str, Any]:
    """Compiled templates in ``site/jinja`` of the cache folder ``caches`` (Jinja keys them by the sha1 of the
    template's source: content-addressed); Pelican compiles every template once per generator otherwise."""
    folder = caches / JINJA_CACHE
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return {}
    return {"bytecode_cache": FileSystemBytecodeCache(str(folder))}


def _order_key(content: Any) -> tuple[float, str]:
    """Newest first; ties broken by source path so two builds order equal dates the same way."""
    return (-content.date.timestamp(), str(content.source_path))


# Long on purpose: one explicit dict of every Pelican setting warta relies on (nothing implicit).
def base_settings(
    root: Path,
    output: Path,
    theme: Path,
    *,
    caches: Path,
    site_url: str,
    site_name: str,
    language: str,
    timezone: str,
    feed_items: int,
    with_feed: bool,
) -> dict[str, Any]:
    """The override dict handed to Pelican's ``read_settings``."""
    return {
        "PATH": os.path.abspath(root),
        "OUTPUT_PATH": os.path.abspath(output),
        "THEME": os.path.abspath(theme),
        "THEME_STATIC_DIR": "theme",
        "THEME_STATIC_PATHS": ["static"],
        "THEME_TEMPLATES_OVERRIDES": [],
        "SITENAME": site_name,
        "SITEURL": site_url,
        "FEED_DOMAIN": site_url,
        "RELATIVE_URLS": True,  # the built folder works anywhere: warta serve, a sub-path, a USB stick
        "DEFAULT_LANG": language,
        "TIMEZONE": timezone,
        "PLUGINS": [],
        "PLUGIN_PATHS": [],
        "READERS": {
            "md": WartaReader,
            "markdown": None,
            "mkd": None,
            "mdown": None,
            "rst": None,
            "html": None,
            "htm": None,
        },
        "ARTICLE_PATHS": [f"content/{kind}" for kind in KINDS if kind != "halaman"],
        "ARTICLE_EXCLUDES": [],
        "PAGE_PATHS": ["content/halaman"],
        "PAGE_EXCLUDES": [],
        "STATIC_PATHS": [],  # photos are never copied: the media pipeline publishes derivatives only
        # Pelican's intrasite link syntax ({static}, {attach}, {filename}, |filename|) is off: a pattern
        # that matches nothing. Local links are resolved by warta against the item's digest (pipeline.markup).
        "INTRASITE_LINK_REGEX": "(?P<what>(?!))",
        "STATIC_EXCLUDES": [],
        "IGNORE_FILES": [".*"],
        "FILENAME_METADATA": "",
        "PATH_METADATA": "",
        "DEFAULT_DATE": None,
        "DEFAULT_METADATA": {},
        "WITH_FUTURE_DATES": True,  # embargo (publish_at) is decided before Pelican runs
        "ARTICLE_ORDER_BY": _order_key,
        "ARTICLE_TRANSLATION_ID": None,  # slugs are unique per kind only: never group items as translations
        "PAGE_TRANSLATION_ID": None,
        "PAGE_ORDER_BY": "basename",
        # one slug function (pipeline.slug): Pelican's own slugs follow the rules of warta new's file names
        **{f"{what}_REGEX_SUBSTITUTIONS": list(SLUG_SUBSTITUTIONS) for what in ("SLUG", "CATEGORY", "TAG", "AUTHOR")},
        "NEWEST_FIRST_ARCHIVES": True,
        "DIRECT_TEMPLATES": [],
        "PAGINATED_TEMPLATES": {},
        "TEMPLATE_PAGES": {},
        "TEMPLATE_EXTENSIONS": [".html", ".xml", ".txt"],
        "CATEGORY_SAVE_AS": "",
        "CATEGORIES_SAVE_AS": "",
        "TAG_SAVE_AS": "",
        "TAGS_SAVE_AS": "",
        "AUTHOR_SAVE_AS": "",
        "AUTHORS_SAVE_AS": "",
        "ARCHIVES_SAVE_AS": "",
        "YEAR_ARCHIVE_SAVE_AS": "",
        "MONTH_ARCHIVE_SAVE_AS": "",
        "DAY_ARCHIVE_SAVE_AS": "",
        "DRAFT_SAVE_AS": "",
        "DRAFT_PAGE_SAVE_AS": "",
        "ARTICLE_LANG_SAVE_AS": "",
        "PAGE_LANG_SAVE_AS": "",
        "FEED_ATOM": FEED_ALL if with_feed else None,
        "FEED_ATOM_URL": FEED_ALL if with_feed else None,
        "FEED_RSS": None,
        "FEED_ALL_ATOM": None,
        "FEED_ALL_RSS": None,
        "CATEGORY_FEED_ATOM": None,
        "CATEGORY_FEED_RSS": None,
        "AUTHOR_FEED_ATOM": None,
        "AUTHOR_FEED_RSS": None,
        "TAG_FEED_ATOM": None,
        "TAG_FEED_RSS": None,
        "TRANSLATION_FEED_ATOM": None,
        "TRANSLATION_FEED_RSS": None,
        "FEED_MAX_ITEMS": feed_items,
        "FEED_APPEND_REF": False,
        "OUTPUT_SOURCES": False,
        "DELETE_OUTPUT_DIRECTORY": False,
        "CACHE_CONTENT": False,  # warta's own render cache is content-addressed (pipeline.rendering)
        "LOAD_CONTENT_CACHE": False,
        "TYPOGRIFY": False,
        "SUMMARY_MAX_LENGTH": None,
        "JINJA_ENVIRONMENT": {
            "trim_blocks": True,
            "lstrip_blocks": True,
            "extensions": [],
            "autoescape": True,
            "auto_reload": False,  # templates do not change during a build: no stat() per page
            "undefined": StrictUndefined,
            **_bytecode_cache(caches),
        },
        "JINJA_FILTERS": {},
        "JINJA_GLOBALS": {},
        "LOG_FILTER": [],
    }


def read_settings(override: Mapping[str, Any]) -> dict[str, Any]:
    """Pelican's ``read_settings`` on our dict (never a settings file); returns the checked settings."""
    settings: dict[str, Any] = pelican_read_settings(path=None, override=dict(override))
    return settings
