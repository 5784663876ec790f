"""The pages of a site, planned from warta's payloads: what each page is and which values it gets.

Item pages (``item.html``, withdrawn ones ``dicabut.html``); the home page; a paginated list per kind,
per tag and per year, with an index of tags and of years; the Daftar Informasi Publik (DIP) grouped by
kategori_informasi; the archive register (``daftar-arsip/``, when the build has the archive records:
:mod:`pipeline.site.register`); the public service summary; the search page; ``sitemap.xml``,
``robots.txt`` and ``404.html``. Withdrawn items (status dicabut) are in no list, feed or sitemap;
drafts are not in the sitemap. The feeds (an Atom feed of every listed item and one per kind) are
planned here and written by :mod:`pipeline.site.writer`.

Nothing here renders: :func:`plan` returns :class:`Spec` values in writing order, and the writer renders
(or reuses) each one.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.config import KINDS
from pipeline.content import InformasiPublikMeta
from pipeline.site.model import Payload, SharedState
from pipeline.site.register import Paged
from pipeline.site.urls import FEED_ALL, FEED_KIND, SEARCH_PAGE, site_path
from pipeline.slug import slugify

LIST_KINDS = tuple(k for k in KINDS if k != "halaman")
DIP_KATEGORI = (
    "berkala",
    "serta-merta",
    "setiap-saat",
)  # dikecualikan is never published (UU 14/2008 ps. 17)


@functools.lru_cache(maxsize=4096)
def tag_slug(name: str) -> str:
    """``Pemberdayaan Masyarakat`` -> ``pemberdayaan-masyarakat`` (the one slug function, pipeline.slug)."""
    return slugify(name) or "tag"


@dataclass(frozen=True)
class Entry:
    """One item in a list: what a card shows."""

    payload: Payload
    source: str  # the item's absolute source path (feeds read it)
    date: dt.datetime  # the item's date, aware (computed once: lists, sorting and cards read it often)

    @property
    def item(self) -> Any:
        return self.payload.item

    @property
    def url(self) -> str:
        return self.payload.url


def entry(source: str, payload: Payload) -> Entry:
    published = payload.date
    assert published is not None, source  # content.py gives every listed item a date
    return Entry(payload, source, published)


@dataclass(frozen=True)
class Shown:
    """What an item's template reads as ``article`` (or ``page``, for a halaman): its payload."""

    warta: Payload


@dataclass(frozen=True)
class Pager(Paged):
    """One page of a paginated list."""

    base: str  # site-relative url of page 1, ending in '/'
    number: int
    total: int
    entries: Sequence[Entry]


def paginate(base: str, entries: Sequence[Entry], per_page: int) -> list[Pager]:
    total = max(1, -(-len(entries) // per_page))
    return [Pager(base, n + 1, total, entries[n * per_page : (n + 1) * per_page]) for n in range(total)]


@dataclass
class Spec:
    """One file to write: its output-relative name, its template (without extension) and its values.
    ``siteurl``: the page's ``SITEURL`` when it is not the path to the root (the 404 page)."""

    name: str
    template: str
    values: dict[str, Any]
    siteurl: str | None = None


@dataclass
class Feed:
    """One Atom feed: its file (also its address), its title (None: the site's name only), its entries."""

    path: str
    title: str | None
    entries: Sequence[Entry]


@dataclass
class Plan:
    """Every page and feed of a build, and what every template may read besides its values."""

    specs: list[Spec] = field(default_factory=list)
    feeds: list[Feed] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)  # WARTA_TAGS, WARTA_YEARS


def _dip_sort_key(entry: Entry) -> tuple[int, str, float, str]:
    meta = entry.item.meta
    nomor = meta.nomor_dip or ""
    digits = re.match(r"\d+", nomor)
    return (int(digits.group()) if digits else 1 << 30, nomor, -entry.date.timestamp(), entry.item.path)


def _order_key(item: Entry) -> tuple[float, str]:
    """Newest first; ties broken by source path so two builds order equal dates the same way."""
    return (-item.date.timestamp(), item.source)


class _Lists:
    """The items grouped the ways the site lists them."""

    def __init__(self, state: SharedState) -> None:
        self.state = state
        listed = [entry(s, p) for s, p in state.payloads.items() if p.item.kind != "halaman" and not p.withdrawn]
        self.entries = sorted(listed, key=_order_key)
        pages = [(s, p) for s, p in state.payloads.items() if p.item.kind == "halaman" and not p.withdrawn]
        self.pages = [p for _s, p in sorted(pages, key=lambda sp: (os.path.basename(sp[0]), sp[0]))]
        self.by_kind: dict[str, list[Entry]] = {k: [] for k in LIST_KINDS}
        self.by_year: dict[int, list[Entry]] = defaultdict(list)
        tag_entries: dict[str, list[Entry]] = defaultdict(list)
        tag_names: dict[str, set[str]] = defaultdict(set)
        for one in self.entries:
            self.by_kind[one.item.kind].append(one)
            self.by_year[one.date.year].append(one)
            for name, _ in one.payload.tag_links:
                slug = tag_slug(name)
                tag_entries[slug].append(one)
                tag_names[slug].add(name)
        # several spellings of one tag share a page; it is titled by the first in sort order
        self.tags: list[tuple[str, str, list[Entry]]] = sorted(
            ((slug, sorted(tag_names[slug])[0], entries) for slug, entries in tag_entries.items()),
            key=lambda t: (t[1].lower(), t[0]),
        )

    def dip_groups(self) -> list[tuple[str, list[Entry]]]:
        groups: dict[str, list[Entry]] = {k: [] for k in DIP_KATEGORI}
        for one in self.by_kind["informasi-publik"]:
            meta = one.item.meta
            if isinstance(meta, InformasiPublikMeta) and meta.kategori_informasi in groups:
                groups[meta.kategori_informasi].append(one)
        return [(k, sorted(v, key=_dip_sort_key)) for k, v in groups.items()]

    def sitemap(self) -> list[tuple[str, str | None]]:
        """``(site-relative url, lastmod)`` of every page a search engine should know, in a stable order."""
        iso: Callable[[dt.date | None], str | None] = lambda d: d.isoformat() if d else None  # noqa: E731
        urls: list[tuple[str, str | None]] = [("", None), ("daftar-informasi-publik/", None), ("arsip/", None),
                                              ("tag/", None)]
        urls += [(f"{k}/", None) for k in LIST_KINDS if self.by_kind[k]]
        for one in self.entries:
            if one.payload.draft:
                continue
            last = max(filter(None, (one.date.date(), one.payload.updated)))
            urls.append((one.url, iso(last)))
        for payload in self.pages:
            if not payload.draft:
                urls.append((payload.url, iso(payload.updated or (payload.date.date() if payload.date else None))))
        urls += [(f"tag/{slug}/", None) for slug, _, _ in self.tags]
        urls += [(f"arsip/{year}/", None) for year in sorted(self.by_year, reverse=True)]
        if self.state.register is not None:
            urls += [(url, None) for url in self.state.register.urls]
        if self.state.summary is not None:
            urls.append(("layanan/", None))
        return urls


def _item_specs(state: SharedState) -> list[Spec]:
    """The page of every chosen item (withdrawn ones: their notice), in source order."""
    specs = []
    for _source, payload in sorted(state.payloads.items()):
        what = "page" if payload.item.kind == "halaman" else "article"
        specs.append(Spec(payload.url + "index.html", "dicabut" if payload.withdrawn else "item",
                          {what: Shown(payload)}))
    return specs


def _list_specs(pagers: list[Pager], heading: str, feed: str | None, crumbs: list[tuple[str, str]]) -> list[Spec]:
    return [Spec(p.page_url + "index.html", "list", {"pager": p, "heading": heading, "intro": None, "feed": feed,
                                                     "crumbs": crumbs, "page_url": p.page_url, "noindex": False})
            for p in pagers]


# Long on purpose: every page of the site planned in one place, in the order of the menu.
def plan(state: SharedState, site_url: str, with_feed: bool) -> Plan:
    """Every page and feed of the site of ``state`` (``with_feed``: the site-wide feed)."""
    text, per_page = state.catalogue.text, state.per_page
    lists = _Lists(state)
    out = Plan(specs=_item_specs(state))
    out.context["WARTA_TAGS"] = [(slug, name, len(entries)) for slug, name, entries in lists.tags]
    out.context["WARTA_YEARS"] = [
        (year, len(entries), [(k, sum(1 for e in entries if e.item.kind == k)) for k in LIST_KINDS])
        for year, entries in sorted(lists.by_year.items(), reverse=True)
    ]
    if with_feed:
        out.feeds.append(Feed(FEED_ALL, None, lists.entries))
    specs = out.specs
    specs.append(Spec("index.html", "index", {
        "latest": [e for e in lists.entries if not e.payload.extra.expired][:per_page], "page_url": "",
        "noindex": False, "by_kind": {k: len(v) for k, v in lists.by_kind.items()}}))
    for kind in LIST_KINDS:
        entries = lists.by_kind[kind]
        feed = FEED_KIND.format(kind=kind) if entries else None
        specs += _list_specs(paginate(f"{kind}/", entries, per_page), text(f"kind.{kind}"), feed, [])
        if feed is not None:
            out.feeds.append(Feed(feed, text(f"kind.{kind}"), entries))
    for slug, name, entries in lists.tags:
        specs += _list_specs(paginate(f"tag/{slug}/", entries, per_page), text("tag_title", tag=name), None,
                             [(text("all_tags"), "tag/")])
    specs.append(Spec("tag/index.html", "tags", {"page_url": "tag/", "noindex": False}))
    for year, entries in lists.by_year.items():
        specs += _list_specs(paginate(f"arsip/{year}/", entries, per_page), text("year_title", year=year), None,
                             [(text("archive"), "arsip/")])
    specs.append(Spec("arsip/index.html", "archives", {"page_url": "arsip/", "noindex": False}))
    specs.append(Spec("daftar-informasi-publik/index.html", "dip", {
        "page_url": "daftar-informasi-publik/", "noindex": False, "groups": lists.dip_groups()}))
    register = state.register
    if register is not None:
        crumbs = [(text("register"), "daftar-arsip/")]
        specs.append(Spec("daftar-arsip/index.html", "register_index",
                          {"page_url": "daftar-arsip/", "noindex": False, "register": register}))
        for rpage in register.pages:
            if rpage.heading_year is not None:
                heading = text("register_year_title", year=rpage.heading_year)
            else:
                assert rpage.heading_code is not None
                heading = text("register_code_title", code=rpage.heading_code[0], title=rpage.heading_code[1])
            specs.append(Spec(rpage.page_url + "index.html", "register", {
                "page_url": rpage.page_url, "noindex": False, "pager": rpage, "heading": heading, "crumbs": crumbs}))
    if state.summary is not None:  # the public service summary (pipeline.report.summary)
        specs.append(Spec("layanan/index.html", "layanan",
                          {"page_url": "layanan/", "noindex": False, "summary": state.summary}))
    specs.append(Spec(SEARCH_PAGE + "index.html", "search", {"page_url": SEARCH_PAGE, "noindex": False}))
    # the 404 page is served at any missing address, however deep: its links start at the site's path
    # on its host (site.url's path, "" at a domain root), never relative to where it was asked for
    specs.append(Spec("404.html", "404", {"page_url": "404.html", "noindex": True}, siteurl=site_path(site_url)))
    specs.append(Spec("sitemap.xml", "sitemap", {"urls": lists.sitemap()}))
    specs.append(Spec("robots.txt", "robots", {}))
    return out
