"""What Pagefind reads of the built pages: which pages are indexed, by bundle, and each page :func:`reduced`.

Part of :mod:`pipeline.site.search`; this module's code decides what Pagefind is given, so its sha256 is
in every bundle's key (:func:`pipeline.site.search.stage_version`).
"""

from __future__ import annotations

import hashlib
import os
import re

from pipeline.config import KINDS

PAGES_GROUP = "halaman"  # the bundle of the pages (halaman): <slug>/index.html
ITEM_KINDS = tuple(k for k in KINDS if k != "halaman")
MARK = b"data-pagefind-body"  # only pages with it are indexed (the theme's item.html)
NOT_INDEXED = ""  # in the memo of what Pagefind reads: a page without MARK
_TAG = re.compile(rb"<([a-zA-Z][a-zA-Z0-9-]*)[\s>]")
_HTML = re.compile(rb"<html(?:\s[^>]*)?>", re.IGNORECASE)
_YEAR = re.compile(r"[0-9]{4}")


def _folders(path: str) -> list[str]:
    try:
        with os.scandir(path) as entries:
            return [e.name for e in entries if e.is_dir(follow_symlinks=False)]
    except OSError:
        return []


def by_group(site: str) -> dict[str, list[str]]:
    """The pages of ``site`` that may be indexed, as paths relative to it, by bundle: items by the year of
    their address (``<kind>/<year>/<slug>/index.html``), pages (halaman, ``<slug>/index.html``) in
    :data:`PAGES_GROUP`; newest year first, the pages last, each bundle's pages sorted. List, tag and register
    pages (thousands on a large site) are never among them. Only folders are listed (plain strings,
    ``os.scandir``): a page named here may not exist (a folder without ``index.html``), and its reader skips it."""
    top = _folders(site)
    found: dict[str, list[str]] = {PAGES_GROUP: sorted(f"{n}/index.html" for n in top)}
    for kind in ITEM_KINDS:
        if kind not in top:
            continue
        for year in _folders(os.path.join(site, kind)):
            if _YEAR.fullmatch(year):
                found.setdefault(year, []).extend(f"{kind}/{year}/{slug}/index.html"
                                                  for slug in _folders(os.path.join(site, kind, year)))
    order = sorted((n for n in found if n != PAGES_GROUP), reverse=True) + [PAGES_GROUP]
    return {name: sorted(found[name]) for name in order}


def group_of(rel: str) -> str | None:
    """The bundle a page of the site (its path relative to the site) would be in (:func:`by_group`), or None."""
    parts = rel.split("/")
    if len(parts) == 2 and parts[1] == "index.html":
        return PAGES_GROUP
    if len(parts) == 4 and parts[3] == "index.html" and parts[0] in ITEM_KINDS and _YEAR.fullmatch(parts[1]):
        return parts[1]
    return None


def read_digest(data: bytes) -> str:
    """The sha256 of what Pagefind reads of a page (:func:`reduced`, or the page whole when it cannot be),
    or :data:`NOT_INDEXED` for a page without :data:`MARK`."""
    if MARK not in data:
        return NOT_INDEXED
    small = reduced(data)
    return hashlib.sha256(data if small is None else small).hexdigest()


def _has_h1(data: bytes, start: int, end: int) -> bool:
    return data.find(b"<h1", start, end) >= 0 or data.find(b"<H1", start, end) >= 0


def _element_end(data: bytes, name: bytes, after: int) -> int:
    """Where the element ``<name ...>`` opened just before ``after`` ends (past its ``</name>``), or -1."""
    opening, closing, depth, pos = b"<" + name, b"</" + name + b">", 1, after
    while True:
        close = data.find(closing, pos)
        if close < 0:
            return -1
        nested = data.find(opening, pos, close)
        while nested >= 0 and data[nested + len(opening):nested + len(opening) + 1] not in (b" ", b">", b"\n", b"\t", b"/"):
            nested = data.find(opening, nested + 1, close)  # a longer name (<articles>), not a nested element
        if nested >= 0:
            depth, pos = depth + 1, nested + len(opening)
            continue
        depth, pos = depth - 1, close + len(closing)
        if depth == 0:
            return pos


def reduced(data: bytes) -> bytes | None:
    """The page as Pagefind needs it: its ``<html ...>`` tag (the language) and the one element carrying
    :data:`MARK`, whole; Pagefind then makes the same bundle from less HTML (the header, menu and footer of
    every page are not parsed), and a change to them (a menu entry, the footer, the preview's banner) does
    not change the bundle's key. None when something outside that element could change the index (another
    ``data-pagefind-`` attribute, an ``<h1>``, a second body), or the element has no ``<h1>`` (Pagefind's
    title) or no plain end tag (``</name>``): the whole page is read then."""
    at = data.find(MARK)
    if at < 0 or data.find(MARK, at + 1) >= 0:
        return None
    start = data.rfind(b"<", 0, at)
    tag = _TAG.match(data, start) if start >= 0 else None
    html = _HTML.search(data, 0, start) if tag is not None else None
    if tag is None or html is None:
        return None
    end = _element_end(data, tag.group(1), tag.end(1))
    if (end < 0 or data.find(b"data-pagefind-", 0, start) >= 0 or data.find(b"data-pagefind-", end) >= 0
            or _has_h1(data, 0, start) or _has_h1(data, end, len(data)) or not _has_h1(data, start, end)):
        return None
    return b"<!DOCTYPE html>\n" + html.group(0) + b"<body>" + data[start:end] + b"</body></html>\n"
