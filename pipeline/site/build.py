"""``build_site``: the website from validated content, written whole or not at all.

Stages: choose the items to publish -> media derivatives for their photos -> render each Markdown body
once (cached by content) -> the pages are planned from the payloads and written through the theme
(:mod:`pipeline.site.writer`) into a temporary folder beside the output, the search index made meanwhile
(:mod:`pipeline.site.search_live`) -> attachments are copied -> the search index finished -> the temporary
folder replaces the output. A build that
fails or is killed leaves the previous output as it was; the next build removes what a killed build left.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import hashlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from markupsafe import Markup

from pipeline.archive.records import ArchiveRecord
from pipeline.cachedir import RENDER_CACHE, SITE_TRASH, ensure_local_cache
from pipeline.config import INTERNAL_KINDS, KINDS
from pipeline.content import InformasiPublikMeta, Item, Site
from pipeline.errors import BuildError, Finding
from pipeline.gate import is_exempt
from pipeline.i18n import _, ngettext
from pipeline.references import resolve_path
from pipeline.rendering import (
    PARALLEL_MIN,
    Compact,
    Prerender,
    RenderCache,
    Shape,
    body_key_utf8,
    render_compact,
    stop_workers,
)
from pipeline.report.summary import ServiceSummary, service_summary
from pipeline.resources import theme_dir
from pipeline.site import generators, heap, i18n, identity, media, search_live, writer
from pipeline.site.generators import tag_slug
from pipeline.site.model import ROOT_MARK, Attachment, Body, BuildResult, PageExtra, Payload, SharedState
from pipeline.site.outline import outline, wrap_tables
from pipeline.site.output import MARKER, MARKER_TEXT, check_output, listing, recover, swap
from pipeline.site.register import Register, klasifikasi_url, make_register
from pipeline.site.reuse import PageCache, build_fingerprint, previous_pages
from pipeline.site.reuse_check import PreviousPages
from pipeline.site.settings import base_settings, read_settings
from pipeline.site.urls import SEARCH_PAGE


def _say(progress: bool, message: str) -> None:
    if progress:
        print(f"build: {message}", file=sys.stderr, flush=True)


# --- items ---------------------------------------------------------------------------------------------


def _choose(
    items: Sequence[Item], extras: Mapping[str, PageExtra], drafts: bool
) -> tuple[list[Item], list[str]]:
    """The items the caller chose (the gate decided: :mod:`pipeline.gate`), less drafts unless ``drafts``.
    Exempt information (UU 14/2008 Pasal 17) never reaches a page whatever a caller passes: a last line
    of defence that the gate makes redundant, not a second decision."""
    items = [i for i in items if not _exempt(i) and i.kind not in INTERNAL_KINDS]  # internal: never on the site
    if drafts:
        return list(items), []
    left = [i.path for i in items if (extras.get(i.path) or PageExtra()).draft]
    return [i for i in items if i.path not in left], left


_exempt = is_exempt  # the gate's one answer (pipeline.gate), asked again here only as a last defence


def _with_record(
    extra: PageExtra, record: ArchiveRecord | None, catalogue: i18n.Catalogue, tz: dt.tzinfo
) -> PageExtra:
    """``extra`` with what its archive record says filled in where ``extra`` says nothing."""
    if record is None:
        return extra
    approvals = extra.approvals or [
        (f"{a.step}. {a.kegiatan}", a.role_title, catalogue.date(a.at.astimezone(tz)))
        for a in record.approvals_for(record.digest)
    ]
    return dataclasses.replace(
        extra,
        archive_number=extra.archive_number or record.number,
        klasifikasi=extra.klasifikasi or (record.klasifikasi.code, record.klasifikasi.title),
        approvals=approvals,
    )


def _size(n: int, language: str) -> str:
    if n < 1024 * 1024:
        return f"{max(1, round(n / 1024))} KB"
    value = f"{n / (1024 * 1024):.1f}"
    return (value.replace(".", ",") if language == "id" else value) + " MB"


def _image_fills(rendered: Compact | Shape, item: Item, pictures: media.Pictures) -> list[tuple[str, str]]:
    """Each picture token of the body and its ``<picture>``."""
    fills = []
    for index, (src, alt) in enumerate(rendered.images):
        path, _where = resolve_path(item.path, src)
        picture = pictures.inline(path, alt) if path else None
        if picture is None:  # content.py refuses such a body; never leave a token behind
            raise BuildError(_("{path}: image '{src}' has no derivative", path=item.path, src=src))
        fills.append((rendered.token(index), str(picture)))
    return fills


def _link_fills(rendered: Compact | Shape, item: Item, pages: Mapping[str, str], downloads: Mapping[str, str],
                findings: list[Finding]) -> list[tuple[str, str]]:
    """Local links of the body: another item's ``.md`` becomes its page, a digested file its download.
    A link to an item that is not on the site loses its address (the text stays)."""
    targets: dict[int, str | None] = {}
    for link in item.item_links:
        url = pages.get(link.path)
        if url is None:
            message = _("link to {target}: that item is not on the site; the link text is shown without a link",
                        target=link.path)
            findings.append(Finding(item.path, item.body_line, message, "body", "warning"))
        targets[link.index] = url
    for link in item.downloads:
        targets[link.index] = downloads.get(link.path)
    fills = []
    for index in range(len(rendered.links)):
        token = rendered.link_token(index)
        url = targets.get(index)
        # a link without a target keeps its text and loses its address
        fills.append((f' href="{token}"', "") if url is None else (f'"{token}"', f'"{ROOT_MARK}/{url}"'))
    return fills


def build_site(
    site: Site,
    output: Path,
    *,
    items: Sequence[Item] | None = None,
    now: dt.datetime | None = None,
    cache_root: Path | None = None,
    extras: Mapping[str, PageExtra] | None = None,
    drafts: bool = False,
    progress: bool = False,
    theme: Path | None = None,
    records: Sequence[ArchiveRecord] | None = None,
    reuse_pages: bool = True,
    search_index: bool = True,
    renderer: Prerender | None = None,
) -> BuildResult:
    """Build the website of ``site`` into ``output`` (replaced whole, only once the build succeeded).

    ``items``: the items the gate chose (:mod:`pipeline.gate`; default: every item of the site); the
    build never judges them again. ``now``: the run's clock (shown as the build time). ``cache_root``:
    the repository whose ``.warta-cache/`` holds caches, when ``site.root`` is a staging tree of git
    objects (``warta publish``). Withdrawn items (status ``dicabut``) get a notice page and are left out
    of lists and feeds. With ``drafts`` (the preview) items whose extras say ``draft`` carry a visible
    banner and ``noindex``; without it they are left out. ``theme`` replaces warta's theme.

    ``records``: the archive register (every record under ``arsip/``, as it is once this build is live).
    With it the site has the register pages (``/daftar-arsip/``) and each item with a record shows its
    number, classification and approval chain (``extras`` may override each); without it (None) there
    are no register pages.

    ``reuse_pages``: pages whose inputs did not change since the last build into ``output`` are taken
    from it instead of being rendered again (:mod:`pipeline.site.reuse`; warta's own theme only).

    ``search_index`` False (``warta build --no-search``, a preview only: ``warta publish`` never passes it):
    no Pagefind stage, so no ``pagefind/`` in the output (the kept bundles stay as they are) and the
    search page says it was built without the index.

    ``renderer``: the bodies rendered in the background while the caller loaded and judged the items
    (:class:`pipeline.rendering.Prerender`, given to :func:`pipeline.content.load_site`); only the
    bodies of the chosen items are taken from it. The caller closes it.
    """
    started = time.perf_counter()
    repo = (cache_root or site.root).resolve()
    output = output if output.is_absolute() else (Path.cwd() / output)
    # unchanged pages are reused only with warta's own theme, whose templates keep the contract of
    # pipeline.site.reuse (a reusable page reads only what is passed to it)
    reuse = theme is None and reuse_pages
    theme = (theme or theme_dir()).resolve()
    check_output(repo, output)
    caches = ensure_local_cache(repo)  # rendered HTML, templates and images: never a cache the repository supplies
    output.parent.mkdir(parents=True, exist_ok=True)
    recover(output, caches / SITE_TRASH)
    heap.give_back()  # what loading and judging the items freed: the build's helper processes start from here
    job = _Build(site, caches, theme, dict(extras or {}), drafts, progress, renderer)
    job.today = (now or dt.datetime.now(site.config.tz)).astimezone(site.config.tz).date()
    job.search_index = search_index
    # without a choice, every item that may ever be public (a convenience for tests and tools)
    chosen = job.choose(site.items if items is None else items)
    temp = Path(tempfile.mkdtemp(prefix=f".{output.name}.building-{os.getpid()}-", dir=output.parent))
    # the caller's items, then the payloads, live until the pages are written: frozen, the collector stops
    # rescanning them on every full pass (about 0.4 s of CPU after one change at 10,000). A caller that froze
    # its own objects first (publish: pipeline/collector.py) unfreezes them itself: gc.unfreeze()
    # moves every frozen object back, so the build only unfreezes what nobody froze before it.
    caller_froze = gc.get_freeze_count() > 0
    gc.freeze()
    try:
        # the previous output's pages checked on the other core while this process renders and writes
        job.previous = previous_pages(caches, output) if reuse else None
        job.render(chosen)  # first: the background renderer's thread ends before the media pool forks
        chosen = job.overran(job.pictures(chosen, temp))
        job.payloads(chosen, records)
        gc.freeze()
        job.summary = service_summary(repo, site.config, records)  # the public service summary page (layanan/)
        state = job.write(chosen, temp, output, reuse)
        if not caller_froze:
            gc.unfreeze()  # before the payloads are let go: a collection sees them again
        pages_kept, published, drafts_shown = state.pages, job.release(), sorted(job.drafts_shown)
        del state  # the payloads (every body) are not needed past the writing
        heap.give_back()
        if job.indexer is not None:  # made while the pages were written (search_live)
            job.findings.extend(job.indexer.finish(progress=progress))
        if job.previous is not None:
            job.previous.close()
        pages, files = listing(temp)
        swap(temp, output, caches / SITE_TRASH)
        if pages_kept is not None:
            pages_kept.save()
    except BaseException:
        job.bodies.close()
        if job.previous is not None:
            job.previous.close()
        if not caller_froze:
            gc.unfreeze()
        if job.indexer is not None:
            job.indexer.close(failed=True)
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return BuildResult(
        output=output,
        pages=pages,
        files=files,
        published=published,
        left_out=sorted(job.left_out),
        seconds=time.perf_counter() - started,
        findings=job.findings,
        drafts=drafts_shown,
        register_pages=len(job.register.urls) if job.register else 0,
        reused=pages_kept.reused if pages_kept is not None else 0,
        images=dict(job.pictures_made.sets),
    )


DOWNLOADS = "berkas"  # downloads and lampiran of an item: <item url>/berkas/<12 hex of sha256>/<name>


def download_url(item: Item, source: Path) -> str:
    """Where a download or lampiran of ``item`` is published: in a folder named by its content, so it can
    never replace the item's page nor another file of the same name."""
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:12]
    return f"{item.url_path}{DOWNLOADS}/{digest}/{source.name}"


class _Build:
    """One build in the making: each method is one stage of :func:`build_site`, in order."""

    def __init__(self, site: Site, caches: Path, theme: Path, extras: dict[str, PageExtra], drafts: bool,
                 progress: bool, renderer: Prerender | None = None) -> None:
        self.site = site
        self.renderer = renderer
        self.root = site.root.resolve()
        self.caches = caches
        self.theme = theme
        self.config = site.config
        self.extras = extras
        self.drafts = drafts
        self.progress = progress
        self.catalogue, self.findings = i18n.load_catalogue(theme, self.config.site.language)
        self.left_out: list[str] = []
        self.rendered: dict[str, Compact | Shape] = {}
        self.keys: dict[str, str] = {}  # item path -> its body's key in the render cache
        self.bodies = _Bodies(caches / RENDER_CACHE, site.config.limits.render_seconds)
        self.register: Register | None = None
        self.payloads_by_source: dict[str, Payload] = {}
        self.drafts_shown: list[str] = []  # once the payloads are released (release)
        self.copies: list[tuple[Path, str]] = []  # (source in the tree, site path) of downloads and lampiran
        self.pictures_made = media.Pictures()
        self.summary: ServiceSummary | None = None
        self.previous: PreviousPages | None = None  # the previous output's pages being checked (reuse_check)
        self.today = dt.date.today()  # build_site sets the run's day (in the site's time zone)
        self.search_index = True  # build_site sets it: False, the search page says there is no index
        self.indexer: search_live.Indexer | None = None  # the search index, fed by the writer

    def choose(self, items: Sequence[Item]) -> list[Item]:
        chosen, left = _choose(items, self.extras, self.drafts)
        self.left_out.extend(left)
        self.findings.extend(Finding(path, None, _("not approved yet: left out of the site (warta build --drafts shows "
                                                   "it as a draft)"), None, "warning", "content.not-approved")
                             for path in left)
        return chosen

    def _leave_out(self, chosen: list[Item], why: Mapping[str, str], field: str | None = None) -> list[Item]:
        for path, reason in sorted(why.items()):
            self.left_out.append(path)
            self.findings.append(Finding(path, None, _("left out of the site: {reason}", reason=reason), field))
        return [i for i in chosen if i.path not in why]

    def render(self, chosen: list[Item]) -> None:
        """Every body once (taken from the background renderer when there is one, else rendered now)."""
        _say(self.progress, ngettext("{n} item to publish", "{n} items to publish", len(chosen), n=len(chosen)))
        live = [i for i in chosen if i.meta.status != "dicabut"]
        _say(self.progress, ngettext("rendering {n} body", "rendering {n} bodies", len(live), n=len(live)))
        self.rendered, self.keys = _render(live, self.caches / RENDER_CACHE, self.config.limits.render_seconds,
                                           self.renderer)
        self.bodies.bodies = {self.keys[i.path]: i.body_utf8 for i in live}
        if len(live) >= PARALLEL_MIN:  # a large build: its render workers' memory is not needed by the writer and Pagefind
            stop_workers()
            heap.give_back()

    def pictures(self, chosen: list[Item], temp: Path) -> list[Item]:
        """Media derivatives; an item whose photo could not be made is left out, with the reason."""
        made = media.make_pictures(self.root, chosen, temp, self.config, progress=self.progress,
                                   cache_root=self.caches)
        self.findings.extend(made.findings)
        self.pictures_made = made
        return self._leave_out(chosen, made.failed) if made.failed else chosen

    def overran(self, chosen: list[Item]) -> list[Item]:
        """A body past its deadline (rule 13) leaves that item out; every other is built."""
        paths = {i.path for i in chosen}
        overran = {path: r.error for path, r in self.rendered.items() if r.error and path in paths}
        return self._leave_out(chosen, overran, "body") if overran else chosen

    def payloads(self, chosen: list[Item], records: Sequence[ArchiveRecord] | None) -> None:
        """What each page shows: body with pictures and resolved links, attachments, register links."""
        tz = self.config.tz
        by_path = {r.path: r for r in records or ()}
        if records is not None:
            item_pages = {i.path: i.url_path for i in chosen}
            exempt = {i.path for i in self.site.items if _exempt(i) or i.kind in INTERNAL_KINDS}
            item_dates = {i.path: i.published for i in chosen}
            self.register = make_register(records, item_pages.get, hidden=exempt.__contains__, tz=tz,
                                          date_of=item_dates.get)
        item_urls = {i.path: i.url_path for i in chosen if i.meta.status != "dicabut"}
        for item in chosen:
            self.payloads_by_source[os.path.join(str(self.root), item.path)] = self._payload(
                item, by_path.get(item.path), item_urls)
        self.rendered = {}  # each body lives on in its payload only, as rendered (model.Body)

    def release(self) -> list[str]:
        """The items published (sorted), and the payloads let go of (:attr:`drafts_shown` keeps the drafts)."""
        payloads, self.payloads_by_source = self.payloads_by_source, {}
        self.bodies.close()
        self.drafts_shown = [p.item.path for p in payloads.values() if p.draft]
        return sorted(p.item.path for p in payloads.values())

    def _payload(self, item: Item, record: ArchiveRecord | None, item_urls: Mapping[str, str]) -> Payload:
        tz, pictures, register = self.config.tz, self.pictures_made, self.register
        extra = _with_record(self.extras.get(item.path, PageExtra()), record, self.catalogue, tz)
        until = getattr(item.meta, "berlaku_sampai", None)
        if until is not None and until < self.today and not extra.expired:
            extra = dataclasses.replace(extra, expired=True)  # past its berlaku_sampai today, as the gate says
        withdrawn = item.meta.status == "dicabut"
        downloads: dict[str, str] = {}
        for link in () if withdrawn else item.downloads:
            url = download_url(item, self.root / link.path)
            downloads[link.path] = url
            self.copies.append((self.root / link.path, url))
        content = None
        if not withdrawn:
            rendered = self.rendered[item.path]
            fills = _image_fills(rendered, item, pictures) + _link_fills(rendered, item, item_urls, downloads,
                                                                         self.findings)
            # a cached rendering's HTML is read only if its page is rendered (bodies.html)
            html = None if isinstance(rendered, Shape) else rendered.html_utf8
            content = Body(html, tuple(fills), self._fit, self.catalogue.text("table_n"),
                           key=self.keys[item.path], load=self.bodies.html)
        attachments: list[Attachment] = []
        if isinstance(item.meta, InformasiPublikMeta) and not withdrawn:
            for lamp, rel in zip(item.meta.lampiran, item.attachments, strict=False):
                source = self.root / rel
                url = download_url(item, source)
                attachments.append(Attachment(url, lamp.judul, _size(source.stat().st_size, self.catalogue.language)))
                self.copies.append((source, url))
        return Payload(
            item=item,
            extra=extra,
            draft=self.drafts and extra.draft,
            withdrawn=withdrawn,
            content=content,
            hero=pictures.hero(item) if not withdrawn else None,
            gallery=[] if withdrawn else pictures.gallery(item),
            thumb=None if withdrawn else pictures.thumb(item),
            attachments=attachments,
            # pages (halaman) are in no list, so in no tag page either: their tags are not links to nowhere
            tag_links=[] if item.kind == "halaman" else [(t, f"tag/{tag_slug(t)}/") for t in item.meta.tags],
            og_image=None if withdrawn else pictures.channel_url(item, "og"),
            archive_url=register.row_url.get(record.number) if register and record else None,
            klasifikasi_url=klasifikasi_url(record.kode) if register and record else None,
            withdrawn_at=record.dicabut_at.astimezone(tz) if record and record.dicabut_at else None,
            imported=record.imported if record else False,
            # an imported item went public before warta: the day it came onto this site is not that day
            went_public=record.published_at.astimezone(tz) if record and record.published_at and not record.imported
            else None,
        )

    def _fit(self, html: str) -> str:
        """The body's headings under the page's h1, its tables in regions that scroll (:mod:`outline`)."""
        return wrap_tables(outline(html), self.catalogue.text("table_n"))

    def write(self, chosen: list[Item], temp: Path, output: Path, reuse: bool) -> SharedState:
        """The pages and feeds into ``temp`` (:mod:`pipeline.site.writer`); then the downloads and
        attachments are copied."""
        config, catalogue = self.config, self.catalogue
        menu = sorted(
            (i for i in chosen if i.kind == "halaman" and getattr(i.meta, "menu", False) and i.meta.status != "dicabut"),
            key=lambda i: (getattr(i.meta, "urutan", 0), i.meta.title.lower(), i.path),
        )
        marks = identity.make_identity(self.root, config.site, temp, config.media.max_pixels)
        self.findings.extend(marks.findings)
        state = SharedState(
            site=self.site, catalogue=catalogue, payloads=self.payloads_by_source,
            menu=[(i.meta.title, i.url_path) for i in menu], kinds_present=sorted({i.kind for i in chosen}),
            per_page=config.build.per_page, feed_items=config.build.feed_items, register=self.register,
            working_tree=self.drafts, summary=self.summary, identity=marks,
            footer=identity.footer(config.site, catalogue),
        )
        listed = [i for i in chosen if i.kind != "halaman" and i.meta.status != "dicabut"]
        override = base_settings(
            self.root, temp, self.theme, caches=self.caches, site_url=config.site.url, site_name=config.site.name,
            language=config.site.language, timezone=config.site.timezone, feed_items=config.build.feed_items,
            with_feed=bool(listed),
        )
        override["WARTA"] = state
        override["SITE"] = config.site
        override["AUTHOR"] = config.site.name  # feeds: the office is the author of every entry
        override["JINJA_GLOBALS"] = {"_": catalogue.text, "LANG": catalogue.language, "MENU": state.menu,
                                     "ROOT_MARK": ROOT_MARK, "IDENTITY": marks, "FOOTER": state.footer,
                                     "SEARCH": SEARCH_PAGE, "ONCE": _once(), "NAV_URLS": _nav_urls(state.menu),
                                     "SEARCH_INDEX": self.search_index}  # read by search.html only
        override["JINJA_FILTERS"] = {"tanggal": catalogue.date, "tanggal_jam": catalogue.datetime, "rooted": _rooted,
                                     "iso": i18n.iso}
        settings = read_settings(override)
        if reuse:
            state.pages = PageCache(self.caches, output, temp, build_fingerprint(self.theme, catalogue, settings, state),
                                    self.previous)
        plan = generators.plan(state, config.site.url, bool(listed))
        _say(self.progress, _("writing pages into {folder}", folder=temp.name))
        if self.search_index:
            self.indexer = search_live.Indexer(temp, self.caches, (s.name for s in plan.specs), output)
        observe = self.indexer.observe if self.indexer is not None else None
        self.findings.extend(writer.write_site(settings, plan, temp, state.pages, observe))
        if state.pages is not None:
            _say(self.progress, _("{rendered} pages rendered, {reused} unchanged and reused",
                                   rendered=state.pages.rendered, reused=state.pages.reused))
        for source, url in self.copies:
            target = temp / url
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        (temp / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        return state


def _once() -> Any:
    """``{% call ONCE(key...) %}...{% endcall %}``: the block rendered once per key in this build, then
    repeated. For parts of the theme that read only the build's constants and the values in the key
    (the header and footer are the same on every page at one depth)."""
    done: dict[tuple[Any, ...], Any] = {}

    def once(*key: Any, caller: Any) -> Any:
        html = done.get(key)
        if html is None:
            html = done[key] = caller()
        return html

    return once


def _nav_urls(menu: Sequence[tuple[str, str]]) -> frozenset[str]:
    """Every address the site menu can mark as the current page (``base.html``): the home page, each
    kind's list, the DIP, the menu's pages, the service summary, the archive, the search page."""
    return frozenset({"", *(f"{kind}/" for kind in KINDS), "daftar-informasi-publik/", *(url for _t, url in menu),
                      "layanan/", "arsip/", SEARCH_PAGE})


def _render(items: Sequence[Item], cache_file: Path, seconds: float,
            renderer: Prerender | None) -> tuple[dict[str, Compact | Shape], dict[str, str]]:
    """Each body as :mod:`pipeline.markup` renders it, and its key in the render cache: its HTML (as UTF-8)
    taken from the parsed item when parsing rendered it already or from the background ``renderer``
    (which rendered it while the items were loaded and judged), rendered now when the cache does not
    hold it (the bodies travel to the workers as the items' own bytes); a cached one as its
    :class:`~pipeline.rendering.Shape` only (its HTML read if its page is rendered: :class:`_Bodies`)."""
    keys = {i.path: body_key_utf8(i.body_utf8) for i in items}
    out: dict[str, Compact | Shape] = {i.path: Compact.of(i.rendered) for i in items if i.rendered is not None}
    todo = [i for i in items if i.rendered is None]
    done = renderer.finished() if renderer is not None else {}  # key -> the background's rendering
    out.update((i.path, done[keys[i.path]]) for i in todo if keys[i.path] in done)
    todo = [i for i in todo if keys[i.path] not in done]
    cache = RenderCache(cache_file)
    try:
        shapes = cache.shapes(sorted({keys[i.path] for i in todo}))
        out.update((i.path, shapes[keys[i.path]]) for i in todo if keys[i.path] in shapes)
        todo = [i for i in todo if keys[i.path] not in shapes]
        earlier = cache.known(sorted({keys[i.path] for i in todo}))  # cached before shapes were: give them one
        made = render_compact([i.body_utf8 for i in todo], cache_file, seconds=seconds)
        cache.put_shapes({keys[i.path]: r for i, r in zip(todo, made, strict=True) if keys[i.path] in earlier})
    finally:
        cache.close()
    out.update(zip((i.path for i in todo), made, strict=True))
    return out, keys


class _Bodies:
    """The HTML of cached renderings, read one by one as their pages are rendered (one open cache)."""

    def __init__(self, cache_file: Path, seconds: float) -> None:
        self.cache_file, self.seconds = cache_file, seconds
        self.cache: RenderCache | None = None
        self.bodies: dict[str, bytes] = {}  # key -> the Markdown body, to render again if its row is gone

    def html(self, key: str) -> bytes:
        if self.cache is None:
            self.cache = RenderCache(self.cache_file)
        found = self.cache.get_compact([key]).get(key)
        if found is None:  # the cache may be deleted at any time: rendered again, within the deadline
            found = render_compact([self.bodies[key]], self.cache_file, seconds=self.seconds)[0]
            if found.error:
                raise BuildError(found.error)
        return found.html_utf8

    def close(self) -> None:
        if self.cache is not None:
            self.cache.close()
            self.cache = None


def _rooted(html: Any, root: str) -> Markup:
    """HTML made before its page was known, with paths made relative to the page (``SITEURL``)."""
    return Markup(str(html).replace(ROOT_MARK, root))

