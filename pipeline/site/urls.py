"""Paths the site writes itself (a leaf module: generators, settings and templates' glue share them)."""

from __future__ import annotations

from urllib.parse import urlsplit

FEED_ALL = "feeds/semua.atom.xml"
FEED_KIND = "feeds/{kind}.atom.xml"
SEARCH_PAGE = "cari/"  # the search page (pipeline.site.search)
__all__ = ["FEED_ALL", "FEED_KIND", "SEARCH_PAGE", "site_path"]


def site_path(url: str) -> str:
    """The path of ``site.url`` on its host, without the final slash: ``""`` for https://dinas.go.id,
    ``/warta`` for https://dinas.github.io/warta/ (a GitHub Pages project site)."""
    return urlsplit(url).path.rstrip("/")
