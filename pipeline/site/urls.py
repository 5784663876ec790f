"""Paths the site writes itself (a leaf module: generators, settings and templates' glue share them)."""

from __future__ import annotations

FEED_ALL = "feeds/semua.atom.xml"
FEED_KIND = "feeds/{kind}.atom.xml"
__all__ = ["FEED_ALL", "FEED_KIND"]
