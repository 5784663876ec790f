"""warta's own Pelican generator: the pages made from many items at once.

The home page; a paginated list per kind, per tag and per year, with an index of tags and of years; the
Daftar Informasi Publik (DIP) grouped by kategori_informasi; the archive register (``daftar-arsip/``,
when the build has the archive records: :mod:`pipeline.site.register`); an Atom feed per kind;
``sitemap.xml``, ``robots.txt`` and ``404.html``. Withdrawn items (status dicabut) and drafts are in none of the feeds
and not in the sitemap; withdrawn items are in no list either.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pelican.generators import Generator

from pipeline.config import KINDS
from pipeline.content import InformasiPublikMeta
from pipeline.site.model import ROOT_MARK, Payload, SharedState
from pipeline.site.register import Paged
from pipeline.site.urls import FEED_KIND, SEARCH_PAGE, site_path
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
    article: Any  # the Pelican Article (feeds need it)

    @property
    def item(self) -> Any:
        return self.payload.item

    @property
    def url(self) -> str:
        return self.payload.url

    @property
    def date(self) -> dt.datetime:
        published = self.payload.date
        assert published is not None
        return published


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


def _dip_sort_key(entry: Entry) -> tuple[int, str, float, str]:
    meta = entry.item.meta
    nomor = meta.nomor_dip or ""
    digits = re.match(r"\d+", nomor)
    return (int(digits.group()) if digits else 1 << 30, nomor, -entry.date.timestamp(), entry.item.path)


class WartaGenerator(Generator):  # type: ignore[misc]  # Pelican is untyped
    """Builds the list pages from the articles Pelican read through :class:`WartaReader`."""

    def generate_context(self) -> None:
        state: SharedState = self.settings["WARTA"]
        self.state = state
        self.entries: list[Entry] = [Entry(a.warta, a) for a in self.context["articles"]]
        self.by_kind: dict[str, list[Entry]] = {k: [] for k in LIST_KINDS}
        self.by_year: dict[int, list[Entry]] = defaultdict(list)
        tag_entries: dict[str, list[Entry]] = defaultdict(list)
        tag_names: dict[str, set[str]] = defaultdict(set)
        for entry in self.entries:
            self.by_kind[entry.item.kind].append(entry)
            self.by_year[entry.date.year].append(entry)
            for name, _ in entry.payload.tag_links:
                slug = tag_slug(name)
                tag_entries[slug].append(entry)
                tag_names[slug].add(name)
        # several spellings of one tag share a page; it is titled by the first in sort order
        self.tags: list[tuple[str, str, list[Entry]]] = sorted(
            ((slug, sorted(tag_names[slug])[0], entries) for slug, entries in tag_entries.items()),
            key=lambda t: (t[1].lower(), t[0]),
        )
        self.cards: dict[tuple[int, int], Any] = {}
        self.env.globals["CARD"] = self._card
        self.context["WARTA_TAGS"] = [(slug, name, len(entries)) for slug, name, entries in self.tags]
        self.context["WARTA_YEARS"] = [
            (year, len(entries), [(k, sum(1 for e in entries if e.item.kind == k)) for k in LIST_KINDS])
            for year, entries in sorted(self.by_year.items(), reverse=True)
        ]

    # Long on purpose: every list page of the site written in one place, in the order of the menu.
    def generate_output(self, writer: Any) -> None:
        state = self.state
        text = state.catalogue.text
        per_page = state.per_page

        def write(save_as: str, template: str, **values: Any) -> None:
            writer.write_file(
                save_as,
                self.get_template(template),
                self.context,
                relative_urls=True,
                template_name=template,
                **values,
            )

        def write_list(
            pagers: list[Pager],
            heading: str,
            intro: str | None,
            feed: str | None,
            crumbs: list[tuple[str, str]],
        ) -> None:
            for pager in pagers:
                write(
                    pager.page_url + "index.html",
                    "list",
                    pager=pager,
                    heading=heading,
                    intro=intro,
                    feed=feed,
                    crumbs=crumbs,
                    page_url=pager.page_url,
                    noindex=False,
                )

        write(
            "index.html",
            "index",
            latest=[e for e in self.entries if not e.payload.extra.expired][:per_page],
            page_url="",
            noindex=False,
            by_kind={k: len(v) for k, v in self.by_kind.items()},
        )
        for kind in LIST_KINDS:
            entries = self.by_kind[kind]
            feed = FEED_KIND.format(kind=kind) if entries else None
            write_list(paginate(f"{kind}/", entries, per_page), text(f"kind.{kind}"), None, feed, [])
            if entries:
                writer.write_feed([e.article for e in entries], self.context, feed, feed, feed_title=text(f"kind.{kind}"))
        for slug, name, entries in self.tags:
            write_list(
                paginate(f"tag/{slug}/", entries, per_page),
                text("tag_title", tag=name),
                None,
                None,
                [(text("all_tags"), "tag/")],
            )
        write("tag/index.html", "tags", page_url="tag/", noindex=False)
        for year, entries in self.by_year.items():
            write_list(
                paginate(f"arsip/{year}/", entries, per_page),
                text("year_title", year=year),
                None,
                None,
                [(text("archive"), "arsip/")],
            )
        write("arsip/index.html", "archives", page_url="arsip/", noindex=False)
        write(
            "daftar-informasi-publik/index.html",
            "dip",
            page_url="daftar-informasi-publik/",
            noindex=False,
            groups=self._dip_groups(),
        )
        register = state.register
        if register is not None:
            crumbs = [(text("register"), "daftar-arsip/")]
            write("daftar-arsip/index.html", "register_index", page_url="daftar-arsip/", noindex=False,
                  register=register)
            for rpage in register.pages:
                if rpage.heading_year is not None:
                    heading = text("register_year_title", year=rpage.heading_year)
                else:
                    assert rpage.heading_code is not None
                    heading = text("register_code_title", code=rpage.heading_code[0], title=rpage.heading_code[1])
                write(rpage.page_url + "index.html", "register", page_url=rpage.page_url, noindex=False,
                      pager=rpage, heading=heading, crumbs=crumbs)
        if state.summary is not None:  # the public service summary (pipeline.report.summary)
            write("layanan/index.html", "layanan", page_url="layanan/", noindex=False, summary=state.summary)
        write(SEARCH_PAGE + "index.html", "search", page_url=SEARCH_PAGE, noindex=False)
        # the 404 page is served at any missing address, however deep: its links start at the site's path
        # on its host (site.url's path, "" at a domain root), never relative to where it was asked for
        context_404 = dict(self.context, SITEURL=site_path(self.settings["SITE"].url))
        writer.write_file("404.html", self.get_template("404"), context_404, relative_urls=False,
                          template_name="404", page_url="404.html", noindex=True)
        write("sitemap.xml", "sitemap", urls=self._sitemap())
        write("robots.txt", "robots")

    def _card(self, entry: Entry, level: int) -> Any:
        """The card of ``entry`` (``partials/card.html``), rendered once per build and heading level with
        ROOT_MARK paths: an item is on several lists (its kind's, its tags', its year's), each shows the
        same card. The list template roots it (``CARD(entry, 2)|rooted(SITEURL)``)."""
        key = (id(entry.payload), level)
        card = self.cards.get(key)
        if card is None:
            macro = self.env.get_template("partials/card.html").module.card
            card = self.cards[key] = macro(entry, level, ROOT_MARK)
        return card

    def _dip_groups(self) -> list[tuple[str, list[Entry]]]:
        groups: dict[str, list[Entry]] = {k: [] for k in DIP_KATEGORI}
        for entry in self.by_kind["informasi-publik"]:
            meta = entry.item.meta
            if isinstance(meta, InformasiPublikMeta) and meta.kategori_informasi in groups:
                groups[meta.kategori_informasi].append(entry)
        return [(k, sorted(v, key=_dip_sort_key)) for k, v in groups.items()]

    def _sitemap(self) -> list[tuple[str, str | None]]:
        """``(site-relative url, lastmod)`` of every page a search engine should know, in a stable order."""
        iso: Callable[[dt.date | None], str | None] = lambda d: d.isoformat() if d else None  # noqa: E731
        urls: list[tuple[str, str | None]] = [
            ("", None),
            ("daftar-informasi-publik/", None),
            ("arsip/", None),
            ("tag/", None),
        ]
        urls += [(f"{k}/", None) for k in LIST_KINDS if self.by_kind[k]]
        for entry in self.entries:
            if entry.payload.draft:
                continue
            assert entry.payload.date is not None
            last = max(filter(None, (entry.payload.date.date(), entry.payload.updated)))
            urls.append((entry.url, iso(last)))
        for page in self.context["pages"]:
            payload: Payload = page.warta
            if not payload.draft:
                urls.append((payload.url, iso(payload.updated or (payload.date.date() if payload.date else None))))
        urls += [(f"tag/{slug}/", None) for slug, _, _ in self.tags]
        urls += [(f"arsip/{year}/", None) for year in sorted(self.by_year, reverse=True)]
        if self.state.register is not None:
            urls += [(url, None) for url in self.state.register.urls]
        if self.state.summary is not None:
            urls.append(("layanan/", None))
        return urls
