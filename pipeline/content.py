"""Content items: discovery, strict front matter, typed schemas per kind, digests (the files each item uses:
:func:`pipeline.references.item_references`).

``content/<kind>/<year>/<slug>.md`` (``content/halaman/<slug>.md`` for pages) holds YAML front
matter and Markdown. The front matter is parsed by :mod:`pipeline.yamlio` (YAML 1.2 scalars, line
numbers) and validated by the schema of its kind; every error of every file is collected as a
``path:line: error: field: message`` finding. ``docs/content.md`` documents the fields.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from pipeline import limits, markup, yamlio
from pipeline.config import ALL_KINDS, INTERNAL_KINDS, KINDS, SiteConfig
from pipeline.errors import Finding, Findings
from pipeline.i18n import _
from pipeline.itemcache import ItemCache, item_key
from pipeline.kinds import (
    SCHEMAS,
    SLUG_RE,
    BeritaMeta,
    CatatanPerubahan,
    CommonMeta,
    DataPribadi,
    Disposisi,
    HalamanMeta,
    InformasiPublikMeta,
    Lampiran,
    MediaRef,
    PengumumanMeta,
    SiaranPersMeta,
    SuratPermohonan,
)
from pipeline.markup import MARKDOWN_EXTENSIONS, Rendered, markdown_images
from pipeline.references import APPROVAL_KEYS, ImageRef, LinkRef, check_target, item_references, needs_rendering
from pipeline.rendering import render_all
from pipeline.schema import suggest, validate
from pipeline.tree import FileTree, WorkTree

CONTENT_DIR = "content"
MEDIA_DIR = "content/media"
DATED_KINDS = ("siaran-pers", "berita", "pengumuman", "informasi-publik", *INTERNAL_KINDS)
KATEGORI_INFORMASI = ("berkala", "serta-merta", "setiap-saat", "dikecualikan")
# Top-level paths the site writes itself: a page (content/halaman/<slug>.md) cannot take them.
RESERVED_PAGE_SLUGS = frozenset({
    *KINDS, "tag", "arsip", "daftar-arsip", "hal", "feeds", "theme", "media", "daftar-informasi-publik", "layanan",
    "404.html", "sitemap.xml", "robots.txt", "index.html", "cari", "pagefind", "identitas", "favicon.ico",
})
# The dialect lives in pipeline.markup, the schemas in pipeline.kinds, an item's references (ImageRef, LinkRef)
# in pipeline.references; re-exported for the modules that import them from here.
__all__ = [
    "MARKDOWN_EXTENSIONS", "SCHEMAS", "SLUG_RE", "BeritaMeta", "CatatanPerubahan", "CommonMeta", "DataPribadi",
    "Disposisi", "HalamanMeta", "ImageRef", "InformasiPublikMeta", "Lampiran", "LinkRef", "MediaRef",
    "PengumumanMeta", "SiaranPersMeta", "SuratPermohonan", "markdown_images", "needs_rendering",
]


_UNMADE: Any = object()  # a value not made yet (None is a value: an item without a date)


@dataclass(frozen=True, slots=True)
class Item:
    """One validated content file, parsed once per command (or kept from an earlier run:
    :mod:`pipeline.itemcache`). It holds its front matter's text, not its line map: :meth:`line_of`
    builds that when a finding needs a line (most items never need one)."""

    path: str  # repo-relative POSIX path
    kind: str
    slug: str
    meta: CommonMeta
    body_utf8: bytes  # the Markdown body as UTF-8 (half the memory of the text: :attr:`body`)
    body_line: int
    sop_id: str
    klasifikasi: str | None
    images: tuple[ImageRef, ...]
    attachments: tuple[str, ...]  # lampiran, repo-relative
    front: str = field(repr=False, compare=False)  # the front matter as written (between the --- lines)
    tz: dt.tzinfo = field(repr=False, compare=False, default=dt.UTC)
    downloads: tuple[LinkRef, ...] = ()  # local files linked from the body (published as downloads)
    item_links: tuple[LinkRef, ...] = ()  # links to other items' .md (become their URLs)
    rendered: Rendered | None = field(repr=False, compare=False, default=None)  # the body, when rendered
    _doc: yamlio.YamlDocument | None = field(init=False, repr=False, compare=False, default=None)
    # :attr:`published` and :attr:`url_path`, made on first use (a build asks each item for them about
    # ten times: 0.2 s of 10,000 items' time zones and strings); the front matter never changes
    _published: Any = field(init=False, repr=False, compare=False, default=_UNMADE)
    _url: str | None = field(init=False, repr=False, compare=False, default=None)

    @property
    def title(self) -> str:
        return self.meta.title

    @property
    def body(self) -> str:
        """The Markdown body (made from :attr:`body_utf8` on each call: keep it while it is used)."""
        return self.body_utf8.decode("utf-8")

    @property
    def references(self) -> tuple[str, ...]:
        """Every file the item uses; they are part of its digest (approval rule 2)."""
        return tuple(sorted({i.path for i in self.images} | set(self.attachments) | {d.path for d in self.downloads}))

    def aware(self, value: dt.date | dt.datetime) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value if value.tzinfo else value.replace(tzinfo=self.tz)
        return dt.datetime(value.year, value.month, value.day, tzinfo=self.tz)

    @property
    def published(self) -> dt.datetime | None:
        made = self._published
        if made is _UNMADE:
            made = self.aware(self.meta.date) if self.meta.date is not None else None
            object.__setattr__(self, "_published", made)
        return made  # type: ignore[no-any-return]

    @property
    def publish_at(self) -> dt.datetime | None:
        return self.aware(self.meta.publish_at) if self.meta.publish_at is not None else None

    @property
    def url_path(self) -> str:
        """Site path of the item's page, e.g. ``siaran-pers/2025/bantuan-bibit/``."""
        made = self._url
        if made is None:
            if self.kind == "halaman":
                made = f"{self.slug}/"
            else:
                published = self.published
                assert published is not None
                made = f"{self.kind}/{published.year}/{self.slug}/"
            object.__setattr__(self, "_url", made)
        return made

    def line_of(self, *keys: str | int) -> int:
        """The line of a field (``line_of("media", 0, "file")``), from the front matter's line map, built
        on the first call (the same parse that validated the item, so the same lines)."""
        doc = self._doc
        if doc is None:
            try:
                doc = yamlio.load(self.front, self.path, line_offset=1)
            except yamlio.YamlSyntaxError:  # it parsed when the item was made: cannot happen
                doc = yamlio.YamlDocument(self.path, None, line_offset=1)
            doc.data = None  # the typed `meta` holds the values
            object.__setattr__(self, "_doc", doc)
        return doc.line_of(keys)


@dataclass
class Site:
    root: Path
    config: SiteConfig
    items: list[Item]
    findings: Findings
    # of the working tree's items without references (read from ``root`` by :func:`load_site`): the digest
    # (:func:`compute_digest`) of the bytes the item was made from: the preview judges the item by it (once:
    # plan_preview empties it), never by a file's status
    read_digests: dict[str, str] = field(default_factory=dict)
    # of the working tree's items with references: the bytes each was loaded from, for its own part of the
    # preview's digest (its references are read there); taken once as read_digests
    read_own: dict[str, bytes] = field(default_factory=dict)
    # of the working tree's items parsed by :func:`load_site` (not taken from the item cache): each front
    # matter's text -> the values of its keys approvals read (:data:`pipeline.references.APPROVAL_KEYS`), as
    # the strict loader built them; the judge of the preview takes them (once: plan_preview empties it)
    # instead of parsing the same texts again from the commit's blobs (a text is its values)
    fronts: dict[str, dict[str, Any]] = field(default_factory=dict)


def split_front_matter(text: str) -> tuple[str, str, int] | None:
    """``(front matter, body, line of the first body line)`` or None when there is none."""
    span = front_matter_span(text)
    if span is None:
        return None
    start, end, body_start, body_line = span
    return text[start:end], text[body_start:], body_line


def front_matter_span(text: str) -> tuple[int, int, int, int] | None:
    """Where :func:`split_front_matter`'s parts are in ``text``: ``(front matter start, its end, body start,
    line of the first body line)``, or None."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n").rstrip() != "---":
        return None
    start = offset = len(lines[0])
    for i in range(1, len(lines)):
        if lines[i].rstrip("\r\n").rstrip() in ("---", "..."):
            return start, offset, offset + len(lines[i]), i + 2
        offset += len(lines[i])
    return None


def compute_digest(files: Mapping[str, bytes]) -> str:
    """``sha256:<hex>`` over each file's repo-relative path and bytes, in path order.

    The item's text and every file it references are bound together: changing any one of them
    changes the digest, so earlier approvals become stale (DESIGN section 4, rule 2).
    """
    h = hashlib.sha256()
    for path in sorted(files):
        data = files[path]
        # surrogateescape: a git path that is not UTF-8 still digests (and never crashes a run)
        h.update(path.encode("utf-8", "surrogateescape") + b"\0" + str(len(data)).encode() + b"\0")
        h.update(data)
    return "sha256:" + h.hexdigest()


def item_digest(root: Path, item: Item) -> str:
    """The digest of an item as it is in the working tree."""
    return tree_digest(WorkTree(root), item)


def tree_digest(tree: FileTree, item: Item) -> str:
    """The digest of an item over the bytes ``tree`` holds for it and every file it references."""
    paths = (item.path, *item.references)
    return compute_digest(tree.read_many(paths))


def _kind_of(rel: PurePosixPath) -> str | None:
    parts = rel.parts
    if len(parts) >= 2 and parts[0] == CONTENT_DIR and parts[1] in ALL_KINDS:
        return parts[1]
    return None


def is_item_path(path: str) -> bool:
    """A content file: ``content/<kind>/...md``, not under ``content/media/``, no hidden part."""
    if not (path.startswith(CONTENT_DIR + "/") and path.endswith(".md")) or path.startswith(MEDIA_DIR + "/"):
        return False
    # no hidden part: the first part is "content", so a part starting with "." follows a "/"
    return path.count("/") >= 2 and "/." not in path and (path.isascii() or _utf8(path))


def _utf8(path: str) -> bool:
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:  # a git name that is not UTF-8: never an item (warta check names it)
        return False
    return True


def discover(tree: FileTree | Path) -> list[str]:
    """Repo-relative paths of every Markdown file under ``content/`` (media excluded), sorted."""
    files = WorkTree(tree) if isinstance(tree, Path) else tree
    return [p for p in files.paths(CONTENT_DIR + "/") if is_item_path(p)]


def body_of(raw: bytes) -> str | None:
    """The Markdown body of a content file's bytes, or None when it has none (the parser says why)."""
    try:
        split = split_front_matter(raw.decode("utf-8").removeprefix("\ufeff"))
    except UnicodeDecodeError:
        return None
    return split[1] if split is not None else None


def parse_item(
    tree: FileTree | Path, rel: str, raw: bytes, config: SiteConfig, *, rendered: Rendered | None = None
) -> tuple[Item | None, list[Finding]]:
    """Validate one content file given its bytes; references are resolved in ``tree`` (git objects or a
    folder). The body's references are found in its rendering (``rendered``, else rendered here within
    ``limits.render_seconds``, when the body can hold any)."""
    item, findings, _span = _parse(WorkTree(tree) if isinstance(tree, Path) else tree, rel, raw, config, rendered)
    return item, findings


_NO_SPAN = (0, 0, 0)


def _parse(files: FileTree, rel: str, raw: bytes, config: SiteConfig, rendered: Rendered | None,
           body_bytes: bytes | None = None, fronts: dict[str, dict[str, Any]] | None = None,
           ) -> tuple[Item | None, list[Finding], tuple[int, int, int]]:
    """:func:`parse_item`, and where the item's front matter starts and ends and its body starts in its bytes
    (what :mod:`pipeline.itemcache` keeps instead of the text). ``body_bytes``: the body as the background
    renderer was given it (:func:`_bodies_to_build`): the item holds that very object when it is its body.
    ``fronts`` receives the front matter's text and its approvals' values (:attr:`Site.fronts`), once it
    parsed as a mapping."""
    pure = PurePosixPath(rel)
    kind = _kind_of(pure)
    if kind is None:
        folder = pure.parts[1] if len(pure.parts) > 2 else ""
        return None, [Finding(rel, None, _("unknown kind folder '{folder}'{suggest}; content lives in content/<kind>/ "
                                           "with kind one of {all_kinds}",
                                           folder=folder, suggest=suggest(folder, ALL_KINDS),
                                           all_kinds=', '.join(ALL_KINDS)),
                              code="content.place")], _NO_SPAN
    if config.kind_section(kind) is None:  # an internal kind (rencana-konten, evaluasi) the site does not use
        return None, [Finding(rel, None, _("warta.yml names no SOP for {kind}: add kinds.{kind}.sop to use it "
                                           "(docs/report.md)", kind=kind), "kind", code="content.place")], _NO_SPAN
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Finding(rel, line, _("not UTF-8 text (byte 0x{raw:02x}); save the file as UTF-8", raw=raw[exc.start]),
                              code="content.encoding")], _NO_SPAN
    if text.startswith("\ufeff"):
        text = text[1:]
    span = front_matter_span(text)
    if span is None:
        return None, [Finding(rel, 1, _("no front matter: the file must start with a '---' line, the YAML fields, and a "
                                        "closing '---' line"), code="content.front-matter")], _NO_SPAN
    start, end, body_start, body_line = span
    fm_text, body = text[start:end], text[body_start:]
    too_large = limits.size_findings(rel, len(raw), fm_text, body, body_line, config.limits)
    if too_large:
        return None, too_large, _NO_SPAN
    try:
        doc = yamlio.load(fm_text, rel, line_offset=1)
    except yamlio.YamlSyntaxError as exc:
        return None, [exc.finding], _NO_SPAN
    findings = yamlio.duplicate_key_findings(doc)
    if not isinstance(doc.data, dict):
        what = "empty" if doc.data is None else f"a {type(doc.data).__name__}"
        return None, [Finding(rel, 2, _("front matter must be a mapping of fields, got {what}", what=what),
                              code="content.front-matter")], _NO_SPAN
    if fronts is not None:  # taken before validation (nothing changes doc.data; the judge reads the values)
        fronts[fm_text] = {key: doc.data[key] for key in APPROVAL_KEYS if key in doc.data}
    meta, errors = validate(SCHEMAS[kind], doc.data, doc)
    findings.extend(errors)
    if meta is not None:
        findings.extend(_field_findings(rel, kind, pure, meta, doc))
    # references are resolved even when the schema refused the front matter: one run reports everything
    if rendered is None and needs_rendering(body):
        got = markup.render_bounded(body, rel, body_line, config.limits.render_seconds)
        if isinstance(got, Finding):
            return None, [*findings, got], _NO_SPAN
        rendered = got
    if rendered is not None and rendered.error:
        return None, [*findings, Finding(rel, body_line, rendered.error, "body", code="body.render")], _NO_SPAN
    refs = item_references(files, rel, kind, doc.data, body, body_line, doc, rendered)
    findings.extend(refs.findings)
    if meta is None:
        return None, findings, _NO_SPAN
    doc.data = None  # the typed `meta` holds the values
    sop_id = meta.sop or config.sop_for_kind(kind)
    kind_cfg = config.kind_section(kind)
    assert kind_cfg is not None  # kind comes from KINDS and the schema requires every kind
    if meta.sop is not None and meta.sop != kind_cfg.sop and meta.sop not in kind_cfg.other_sops:
        # Which SOP governs a kind is decided in warta.yml (approved by the SOP's signatory), never by the
        # item: otherwise a release could choose an SOP with fewer approval steps.
        allowed = ", ".join([kind_cfg.sop, *kind_cfg.other_sops])
        findings.append(Finding(rel, doc.line_of(("sop",)),
                                _("sop: '{sop}' is not an SOP for {kind} in warta.yml (allowed: {allowed}; add it to "
                                  "kinds.{kind}.other_sops to allow it)",
                                  sop=meta.sop, kind=kind, allowed=allowed), "sop", code="sop.not-allowed"))
    body_utf8 = body.encode("utf-8")
    if body_bytes is not None and body_bytes == body_utf8:
        body_utf8 = body_bytes  # one object for the item and the renderer's queue, not two copies
    item = Item(
        path=rel, kind=kind, slug=meta.slug or pure.stem, meta=meta, body_utf8=body_utf8, body_line=body_line,
        sop_id=sop_id,
        klasifikasi=meta.klasifikasi or kind_cfg.klasifikasi, images=tuple(refs.images),
        attachments=tuple(refs.attachments), front=fm_text, tz=config.tz, downloads=tuple(refs.downloads),
        item_links=tuple(refs.item_links), rendered=rendered,
    )
    # the line map was built to report: an item parsed with findings keeps it for the lines asked next
    if findings:
        object.__setattr__(item, "_doc", doc)
    front_at = (3 if raw.startswith(b"\xef\xbb\xbf") else 0) + len(text[:start].encode("utf-8"))
    return item, findings, (front_at, front_at + len(fm_text.encode("utf-8")), len(raw) - len(body_utf8))


def _field_findings(rel: str, kind: str, pure: PurePosixPath, meta: CommonMeta,
                    doc: yamlio.YamlDocument) -> list[Finding]:
    """Rules between fields, and between fields and the file's place."""
    findings: list[Finding] = []
    if meta.image and not (meta.image_alt or "").strip():
        findings.append(Finding(rel, doc.line_of(("image",)),
                                _("image_alt: required when image is set (describe what the photo shows)"), "image_alt",
                                code="image.no-alt"))
    if meta.status == "dicabut" and not (meta.alasan_pencabutan or "").strip():
        findings.append(Finding(rel, doc.line_of(("status",)),
                                _("alasan_pencabutan: required when status is dicabut (why it is withdrawn)"),
                                "alasan_pencabutan", code="field.missing"))
    if meta.kind is not None and meta.kind != kind:
        findings.append(Finding(rel, doc.line_of(("kind",)),
                                _("kind: '{kind}' does not match the folder content/{kind2}/", kind=meta.kind,
                                  kind2=kind), "kind",
                                code="content.place"))
    slug = meta.slug or pure.stem
    if meta.slug is None and not SLUG_RE.match(slug):
        findings.append(Finding(rel, None, _("file name '{name}' is not a valid slug; use lower-case letters, digits and "
                                             "hyphens, or set slug:",
                                             name=pure.name), "slug",
                                code="content.slug"))
    if kind in DATED_KINDS:
        if len(pure.parts) != 4 or not re.match(r"^\d{4}$", pure.parts[2]):
            findings.append(Finding(rel, None, _("put {kind} items in content/{kind}/<year>/<slug>.md", kind=kind),
                                    code="content.place"))
        elif meta.date is not None and int(pure.parts[2]) != meta.date.year:
            findings.append(Finding(rel, doc.line_of(("date",)),
                                    _("date: year {year} does not match the folder {parts}/",
                                      year=meta.date.year, parts=pure.parts[2]),
                                    "date", code="date.year-folder"))
    elif len(pure.parts) != 3:
        findings.append(Finding(rel, None, _("put pages in content/halaman/<slug>.md"), code="content.place"))
    if kind == "halaman" and slug in RESERVED_PAGE_SLUGS:
        findings.append(Finding(rel, doc.line_of(("slug",)) if meta.slug else 1,
                                _("page slug '{slug}' is a path the site uses itself ({items}); choose another",
                                  slug=slug, items=', '.join(sorted(RESERVED_PAGE_SLUGS))), "slug",
                                code="content.slug"))
    return findings


def load_items(
    root: Path | FileTree, config: SiteConfig, paths: Sequence[str] | None = None,
    render_cache: Path | None = None, invalid: list[Item] | None = None, only: bool = False,
    blobs_read: dict[str, bytes] | None = None, cache_root: Path | None = None,
    prerender: Callable[[Iterable[bytes | memoryview]], None] | None = None,
    fronts: dict[str, dict[str, Any]] | None = None,
) -> tuple[list[Item], Findings]:
    """Load and validate content from a folder or a file tree. ``paths`` limits which files are reported
    (all are read for slugs). Bodies that can hold references are rendered first, together, within the
    deadline per body (``render_cache``: the content-addressed cache the build reads too). ``invalid``
    receives the reported items whose front matter is typed but that have errors (warta check examines
    them further, so one run reports everything). ``only``: read just ``paths`` (no other file is read, so
    a slug another item also uses is not found: ``warta status`` uses it for speed, ``check`` never).
    ``blobs_read`` receives the bytes of every file read (path -> bytes). ``cache_root``: the repository
    whose ``.warta-cache`` keeps parsed items (:mod:`pipeline.itemcache`; None: every item is parsed).
    ``prerender`` (a site build's :meth:`pipeline.rendering.Background.start`) is given, as soon as the
    files are read, the bodies a build may render (:func:`_bodies_to_build`), to render while the items
    are parsed and judged. ``fronts`` receives what :attr:`Site.fronts` holds, of every file parsed here."""
    tree = WorkTree(root) if isinstance(root, Path) else root
    findings = Findings()
    wanted = set(paths) if paths is not None else None
    found = discover(tree)
    if only and wanted is not None:
        found = [p for p in found if p in wanted]
    blobs = tree.read_many(found)
    if blobs_read is not None:
        blobs_read.update(blobs)
    cache = ItemCache.open(cache_root, config)
    tz = config.tz
    kept: dict[str, Item] = {}
    keys: dict[str, bytes] = {}
    for rel, raw in blobs.items():
        keys[rel] = key = item_key(rel, raw)
        entry = cache.get(key)
        if entry is not None:
            item = _from_entry(tree, rel, raw, entry, tz)
            if item is not None:
                kept[rel] = item
            else:
                cache.forget(key)
    shared: dict[str, bytes] = {}
    if prerender is not None:
        shared = _bodies_to_build(blobs, kept, config)
        prerender(list(shared.values()))
    renderings = _render_bodies({rel: raw for rel, raw in blobs.items() if rel not in kept}, config, render_cache)
    items: list[Item] = []
    for rel in found:
        data = blobs.get(rel)
        if data is None:
            what = tree.entry(rel)
            if what is not None and what.kind == "link":
                findings.add(rel, None, _("is a symbolic link; content files must be real files in the repository"),
                             code="content.symlink")
            else:
                findings.add(rel, None, _("cannot be read"), code="content.unreadable")
            continue
        if rel in kept:
            items.append(kept[rel])
            continue
        item, errors, span = _parse(tree, rel, data, config, renderings.get(rel), shared.get(rel), fronts)
        if wanted is None or rel in wanted:
            findings.extend(errors)
        if item is not None and not any(f.severity == "error" for f in errors):
            items.append(item)
            if not errors:
                cache.put(keys[rel], _entry_of(item, span))
        elif item is not None and invalid is not None and (wanted is None or rel in wanted):
            invalid.append(item)
    cache.save(prune=not only)  # `only` read a few items: the others' entries are kept for the next run
    findings.extend(_duplicate_slugs(items, wanted))
    return items, findings


def _entry_of(item: Item, span: tuple[int, int, int]) -> tuple[Any, ...]:
    """What :mod:`pipeline.itemcache` keeps of an item that parsed without a finding: everything but its
    bytes (``span``: where its front matter and body are in them) and the time zone (the configuration's)."""
    return (item.kind, item.slug, item.meta, *span, item.body_line, item.sop_id, item.klasifikasi, item.images,
            item.attachments, item.downloads, item.item_links)


def _from_entry(tree: FileTree, rel: str, raw: bytes, entry: tuple[Any, ...], tz: dt.tzinfo) -> Item | None:
    """The item an entry of :func:`_entry_of` kept for exactly these bytes, if every file it references is
    still a regular file in ``tree`` (else None: the item is parsed again and the parse says what is wrong)."""
    try:
        (kind, slug, meta, start, end, body_start, body_line, sop_id, klasifikasi, images, attachments, downloads,
         item_links) = entry
        if rel.split("/", 2)[1] != kind or type(meta) is not SCHEMAS[kind]:  # the key holds the path: cannot be
            return None
        item = Item(path=rel, kind=kind, slug=slug, meta=meta, body_utf8=raw[body_start:], body_line=body_line,
                    sop_id=sop_id, klasifikasi=klasifikasi, images=images, attachments=attachments,
                    front=raw[start:end].decode("utf-8"), tz=tz, downloads=downloads, item_links=item_links)
    except (ValueError, TypeError, KeyError):  # not an entry this code wrote (UnicodeError is a ValueError)
        return None
    if images or attachments or downloads or item_links:
        for path in item.references + tuple(link.path for link in item_links):
            if check_target(tree, path, path) is not None:
                return None
    return item


def slug_groups(items: Iterable[Item]) -> list[list[Item]]:
    """Items that claim the same slug within a kind (each group has two or more)."""
    by_url: dict[str, list[Item]] = {}
    for item in items:
        # slugs are unique within a kind, whatever the year: the slug names the release branch
        # (rilis/<slug>) and its archive record
        by_url.setdefault(f"{item.kind}:{item.slug}", []).append(item)
    return [group for group in by_url.values() if len(group) > 1]


def slug_finding(item: Item, others: Iterable[Item]) -> Finding:
    line = item.line_of("slug") if item.meta.slug else 1
    names = ", ".join(o.path for o in others)
    return Finding(item.path, line, _("slug '{slug}' is also used by {names}", slug=item.slug, names=names), "slug",
                   code="content.slug-duplicate")


def _bodies_to_build(blobs: Mapping[str, bytes], kept: Mapping[str, Item], config: SiteConfig) -> dict[str, bytes]:
    """The bodies (as UTF-8, the bytes :attr:`Item.body_utf8` will hold) a site build may render, by path:
    every item's, but those of files that are no site item (an internal or unknown kind, too large) and
    those :func:`_render_bodies` renders while parsing (the item keeps that rendering). A new file's body
    is its own copy, which :func:`_parse` gives the item when it is the item's body, so the background
    renderer's queue holds the items' own bodies, not the files' bytes (those are let go of once the
    items are made). Only a guess made before parsing: what the build takes is looked up by each chosen
    item's own body."""
    too_large = config.limits.front_matter_bytes + config.limits.body_bytes
    out: dict[str, bytes] = {}
    for rel, raw in blobs.items():
        item = kept.get(rel)
        if item is not None:
            out[rel] = item.body_utf8
            continue
        kind = _kind_of(PurePosixPath(rel))
        if kind is None or kind in INTERNAL_KINDS or config.kind_section(kind) is None or len(raw) > too_large:
            continue
        at = _body_offset(raw)
        if at is not None and raw.find(b"[", at) < 0 and raw.find(b"<", at) < 0:  # else rendered while parsing
            out[rel] = raw[at:]
    return out


def _body_offset(raw: bytes) -> int | None:
    """Where the body of a content file's bytes starts, as :func:`_parse` splits it, or None (the parser
    says why)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    bom = 3 if text.startswith("\ufeff") else 0
    text = text[1:] if bom else text
    span = front_matter_span(text)
    return bom + len(text[:span[2]].encode("utf-8")) if span is not None else None


def _render_bodies(blobs: Mapping[str, bytes], config: SiteConfig, cache: Path | None) -> dict[str, Rendered]:
    """The rendering of every body that can hold references, in one batch of worker processes."""
    bodies = {rel: body for rel, raw in blobs.items()
              if (body := body_of(raw)) is not None and needs_rendering(body)
              and len(raw) <= config.limits.front_matter_bytes + config.limits.body_bytes}
    if not bodies:
        return {}
    done = render_all(list(bodies.values()), cache, seconds=config.limits.render_seconds)
    return dict(zip(bodies, done, strict=True))


def _duplicate_slugs(items: Iterable[Item], wanted: set[str] | None) -> list[Finding]:
    out: list[Finding] = []
    for group in slug_groups(items):
        if len(group) < 2:
            continue
        for item in group:
            if wanted is not None and item.path not in wanted:
                continue
            out.append(slug_finding(item, [o for o in group if o is not item]))
    return out


def load_site(root: Path, config: SiteConfig, paths: Sequence[str] | None = None,
              tree: FileTree | None = None, *,
              prerender: Callable[[Iterable[bytes | memoryview]], None] | None = None) -> Site:
    """The site's items from ``tree`` (default: the working tree at ``root``); ``prerender``: see
    :func:`load_items`."""
    read: dict[str, bytes] | None = {} if tree is None else None
    fronts: dict[str, dict[str, Any]] = {}
    items, findings = load_items(tree or WorkTree(root), config, paths, cache_root=root, prerender=prerender,
                                 blobs_read=read, fronts=fronts)
    digests = {i.path: compute_digest({i.path: data}) for i in items
               if read and not i.references and (data := read.get(i.path)) is not None}
    own = {i.path: data for i in items if read and i.references and (data := read.get(i.path)) is not None}
    return Site(root=root, config=config, items=items, findings=findings, read_digests=digests, read_own=own,
                fronts=fronts)
