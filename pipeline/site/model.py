"""Data handed between the build, the Pelican reader, the generators and the templates."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from pipeline.content import Item, Site
from pipeline.errors import Finding
from pipeline.site.i18n import Catalogue
from pipeline.site.register import Register

if TYPE_CHECKING:
    from pipeline.site.reuse import PageCache

# Written in place of the path from a page to the site root inside HTML made before the page's place is
# known (item bodies with pictures, list thumbnails). Templates replace it with the page's relative root
# (the ``rooted`` filter); feeds replace it with the absolute site address.
ROOT_MARK = "__warta_root__"


@dataclass
class PageExtra:
    """What the approval pipeline knows about an item and shows on its page.

    When ``build_site`` is given the archive records, an item's record fills ``archive_number``,
    ``klasifikasi`` and ``approvals`` that are left empty here (values set here win).
    """

    draft: bool = False
    forced: bool = False  # serta-merta force publication (approval rule 10): marked "diterbitkan mendesak"
    archive_number: str | None = None
    approvals: list[tuple[str, str, str]] = field(default_factory=list)  # (step label, role title, date)
    notes: list[str] = field(default_factory=list)
    klasifikasi: tuple[str, str] | None = None  # (code, title), e.g. ("400.14.5.6", "Hubungan dengan media massa")
    expired: bool = False  # an announcement past its berlaku_sampai (the gate's "expired"): marked, off the home page


@dataclass
class BuildResult:
    """What a build wrote: the output folder, its HTML pages, the items published and left out."""

    output: Path
    pages: list[str]  # output-relative paths of every HTML page, sorted
    files: int  # every file in the output
    published: list[str]  # repo-relative paths of items with a page (dicabut notices included)
    left_out: list[str]  # items asked for but not published (failed image, draft outside preview, ...)
    seconds: float
    findings: list[Finding] = field(default_factory=list)
    drafts: list[str] = field(default_factory=list)  # published items shown with the draft banner
    register_pages: int = 0  # pages of the archive register (/daftar-arsip/), 0 without records
    reused: int = 0  # pages taken unchanged from the previous output instead of rendered
    images: dict[str, Any] = field(default_factory=dict)  # source path -> the ImageSet of its derivatives
    kept: bool = False  # taken as it was from the last build's record, nothing built (pipeline/publish/lastbuild.py)

    def to_json(self) -> dict[str, Any]:
        return {
            "output": str(self.output),
            "pages": len(self.pages),
            "files": self.files,
            "published": self.published,
            "left_out": self.left_out,
            "drafts": self.drafts,
            "reused": self.reused,
            "seconds": round(self.seconds, 3),
            "findings": [f.to_json() for f in self.findings],
        }


@dataclass(frozen=True)
class Attachment:
    url: str  # site-relative
    title: str
    size: str


@dataclass(frozen=True)
class Body:
    """An item's body as its page shows it, made only when a page or a feed needs it (a page taken
    unchanged from the previous output never does): the rendered HTML with its pictures and local links
    filled in (``fills``: each token and what replaces it, in order), fitted under the page's headings
    (``fit``). ``digest`` is the sha256 of all of it by its inputs, what the page's key needs instead of
    the text: ``key``, the rendering's content address (:func:`pipeline.rendering.body_key_utf8`: the
    renderer and the body's bytes), stands for the HTML. The HTML is kept as UTF-8
    (:class:`pipeline.rendering.Compact`: half the memory of the text), or, for a rendering the cache
    holds, not kept at all: ``load(key)`` reads it when a page or feed shows the body."""

    html: bytes | None  # as pipeline.rendering made it, with tokens, in UTF-8 (None: ``load`` reads it)
    fills: tuple[tuple[str, str], ...]
    fit: Callable[[str], str]
    fit_key: str  # what ``fit`` depends on besides the code (the table label)
    key: str = ""  # the rendering's cache key
    load: Callable[[str], bytes] | None = None

    @functools.cached_property
    def digest(self) -> str:
        h = hashlib.sha256(b"key\0" + self.key.encode("ascii") if self.key else b"html\0" + (self.html or b""))
        h.update(json.dumps([self.fills, self.fit_key], ensure_ascii=False).encode("utf-8", "surrogatepass"))
        return h.hexdigest()

    def text(self) -> str:
        data = self.html
        if data is None:
            assert self.load is not None, "a body without its HTML has a loader"
            data = self.load(self.key)
        html = data.decode("utf-8", "surrogatepass")
        for old, new in self.fills:
            html = html.replace(old, new)
        return self.fit(html)


@dataclass(frozen=True)
class Figure:
    html: Markup  # <picture> with ROOT_MARK paths
    caption: str | None


def _meta_text(meta: Any) -> str:
    """Every field of a front-matter model, as text (its class and its values' reprs: what pydantic's
    own repr says, without its per-field machinery)."""
    extra = getattr(meta, "__pydantic_extra__", None)
    return f"{type(meta).__name__}{meta.__dict__!r}{extra!r}"


def _front_text(item: Item) -> str:
    """What an item's front matter says, for its page's key: the front matter as written and its
    model's class. ``item.meta`` is ``SCHEMAS[kind]`` validated from exactly that text
    (:func:`pipeline.content.parse_item`; nothing else goes into it, nothing changes it later), so the text
    stands for every field without a ``repr`` of the model (0.35 s of CPU for 10,000 items). The code,
    pydantic and PyYAML that make the model from the text are in the build's fingerprint
    (:func:`pipeline.site.reuse.build_fingerprint`). An item made without its front matter's text falls
    back to the model's fields."""
    front = item.front
    return f"{type(item.meta).__name__}\0{front}" if front else _meta_text(item.meta)


@dataclass
class Payload:
    """One published item as the reader gives it to Pelican and the templates show it."""

    item: Item
    extra: PageExtra
    draft: bool  # show the draft banner and keep search engines away
    withdrawn: bool  # status dicabut: a notice page, out of lists, feeds and the sitemap
    content: Body | None  # the body (None: a withdrawal shows none); ``body`` is its text
    hero: Figure | None
    gallery: list[Figure]
    thumb: Markup | None
    attachments: list[Attachment]
    tag_links: list[tuple[str, str]]  # (name, site-relative url)
    og_image: str | None = None  # site-relative address of the 1200x630 Open Graph picture
    archive_url: str | None = None  # site-relative address of the item's row in the archive register
    klasifikasi_url: str | None = None  # site-relative address of its classification's register page
    withdrawn_at: dt.datetime | None = None  # when it was withdrawn (from its archive record)
    imported: bool = False  # its record says: published before warta, without an SOP chain
    went_public: dt.datetime | None = None  # when this site first published it (its archive record)

    @functools.cached_property
    def url(self) -> str:
        return self.item.url_path

    @functools.cached_property
    def fingerprint(self) -> str:
        """sha256 of everything the item's page and its cards show (:mod:`pipeline.site.reuse`)."""
        item = self.item
        parts = [
            item.path, item.kind, item.slug, self.url, item.klasifikasi, str(item.tz),
            _front_text(item),
            [self.draft, self.withdrawn, str(self.thumb), self.og_image, self.archive_url,
             self.klasifikasi_url, self.withdrawn_at.isoformat() if self.withdrawn_at else None, self.imported,
             self.went_public.isoformat() if self.went_public else None],
            [str(self.hero.html), self.hero.caption] if self.hero else None,
            [[str(f.html), f.caption] for f in self.gallery],
            [[a.url, a.title, a.size] for a in self.attachments],
            self.tag_links,
            [self.extra.draft, self.extra.forced, self.extra.archive_number, self.extra.approvals, self.extra.notes,
             self.extra.klasifikasi, self.extra.expired],
        ]
        parts.append(self.content.digest if self.content is not None else None)  # the body by its inputs
        return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()

    @property
    def body(self) -> str:
        """Sanitised HTML with ROOT_MARK paths, made on each use (not kept: 10,000 bodies are tens of MB)."""
        return self.content.text() if self.content is not None else ""

    @functools.cached_property
    def date(self) -> dt.datetime | None:
        return self.item.published

    @functools.cached_property
    def updated(self) -> dt.date | None:
        notes = self.item.meta.catatan_perubahan
        return max((n.tanggal for n in notes), default=None)


@dataclass
class SharedState:
    """Everything the reader and generators need, carried in the Pelican settings under ``WARTA``.

    Pelican never deep-copies the override dict today; ``__deepcopy__`` keeps it that way if it did.
    """

    site: Site
    catalogue: Catalogue
    payloads: dict[str, Payload]  # absolute source path -> payload
    menu: list[tuple[str, str]]  # (title, site-relative url) of halaman with menu: true
    kinds_present: list[str]
    per_page: int
    feed_items: int
    findings: list[Finding] = field(default_factory=list)
    register: Register | None = None  # the archive register, when the build was given the records
    pages: PageCache | None = None  # reuse of unchanged pages from the previous output
    working_tree: bool = False  # a preview with drafts, read from the working tree: said on every page
    summary: Any = None  # pipeline.report.summary.ServiceSummary: the public service summary page, when built
    identity: Any = None  # pipeline.site.identity.Identity: logo, coat of arms, icons
    footer: Any = None  # pipeline.site.identity.Footer: contacts and office hours

    def __deepcopy__(self, memo: dict[int, Any]) -> SharedState:
        return self
