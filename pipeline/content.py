"""Content items: discovery, strict front matter, typed schemas per kind, references and digests.

``content/<kind>/<year>/<slug>.md`` (``content/halaman/<slug>.md`` for pages) holds YAML front
matter and Markdown. The front matter is parsed by :mod:`pipeline.yamlio` (YAML 1.2 scalars, line
numbers) and validated by the schema of its kind; every error of every file is collected as a
``path:line: error: field: message`` finding. ``docs/content.md`` documents the fields.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Annotated, Any, Literal

import markdown
from pydantic import ConfigDict, Field, PlainValidator, field_validator

from pipeline import limits, markup, yamlio
from pipeline.config import KINDS, SiteConfig
from pipeline.errors import Finding, Findings
from pipeline.schema import Strict, validate

CONTENT_DIR = "content"
MEDIA_DIR = "content/media"
DATED_KINDS = ("siaran-pers", "berita", "pengumuman", "informasi-publik")
KATEGORI_INFORMASI = ("berkala", "serta-merta", "setiap-saat", "dikecualikan")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _when(value: Any) -> dt.date | dt.datetime:
    if isinstance(value, dt.date):  # datetime is a date too
        return value
    if isinstance(value, str):
        raise ValueError(f"'{value}' is not a valid date; write YYYY-MM-DD or YYYY-MM-DD HH:MM")
    raise ValueError("expected a date written as YYYY-MM-DD or YYYY-MM-DD HH:MM")


def _day(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        raise ValueError(f"'{value}' is not a valid date; write YYYY-MM-DD")
    raise ValueError("expected a date written as YYYY-MM-DD")


When = Annotated[dt.date | dt.datetime, PlainValidator(_when)]
Day = Annotated[dt.date, PlainValidator(_day)]
Text = Annotated[str, Field(min_length=1)]


class _Meta(Strict):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, str_strip_whitespace=True)


class MediaRef(_Meta):
    file: Text
    alt: Text = Field(description="Alt text: what the photo shows.")
    caption: str | None = None


class Disposisi(_Meta):
    """SOP Pemutakhiran Website step 1: 'disposisi/form berisi kualifikasi nomor urut, tanggal dan jenis berita'."""

    nomor: Text
    tanggal: Day
    jenis_berita: Text


class SuratPermohonan(_Meta):
    """SOP Distribusi Pelayanan Informasi Publik step 1: 'Surat Permohonan Penayangan Informasi Publik'."""

    nomor: Text
    tanggal: Day
    pemohon: Text


class Lampiran(_Meta):
    file: Text
    judul: Text


class CatatanPerubahan(_Meta):
    tanggal: Day
    catatan: Text
    jenis: Literal["besar", "kecil"] = "kecil"


class DataPribadi(_Meta):
    """A recorded waiver of the personal-data check (docs/content.md): approved with the text it waives."""

    dikecualikan: list[Text] = Field(min_length=1, description="Each number allowed in this item, as written.")
    alasan: Text = Field(description="Why publishing it is lawful (e.g. the person's written consent).")


class CommonMeta(_Meta):
    """Fields every kind shares (docs/content.md)."""

    title: Text
    date: When
    kind: str | None = None
    summary: str | None = None
    tags: list[Text] = Field(default_factory=list)
    slug: str | None = None
    lang: str | None = Field(None, pattern=r"^[a-z]{2}(-[A-Z]{2})?$")
    image: str | None = None
    image_alt: str | None = None
    image_caption: str | None = None
    image_focus: list[float] | None = None
    media: list[MediaRef] = Field(default_factory=list)
    sop: str | None = None
    klasifikasi: str | None = None
    publish_at: When | None = None
    status: Literal["terbit", "dicabut"] = "terbit"
    alasan_pencabutan: str | None = None
    catatan_perubahan: list[CatatanPerubahan] = Field(default_factory=list)
    data_pribadi: DataPribadi | None = None

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str | None) -> str | None:
        if value is not None and not SLUG_RE.match(value):
            raise ValueError("use lower-case letters, digits and single hyphens, e.g. bantuan-bibit-cabai")
        return value

    @field_validator("image_focus")
    @classmethod
    def _focus(cls, value: list[float] | None) -> list[float] | None:
        if value is not None and (len(value) != 2 or not all(0.0 <= v <= 1.0 for v in value)):
            raise ValueError("write [x, y] with each between 0 and 1, e.g. [0.5, 0.3]")
        return value



class SiaranPersMeta(CommonMeta):
    disposisi: Disposisi | None = None
    lokasi: str | None = None
    kontak: str | None = None


class BeritaMeta(CommonMeta):
    sumber: str | None = None


class PengumumanMeta(CommonMeta):
    surat_permohonan: SuratPermohonan | None = None
    berlaku_sampai: Day | None = None


class InformasiPublikMeta(CommonMeta):
    """A Daftar Informasi Publik row (UU 14/2008; Perki 1/2021)."""

    kategori_informasi: Literal["berkala", "serta-merta", "setiap-saat", "dikecualikan"]
    pejabat_penguasa: Text
    penanggung_jawab: Text
    waktu_tempat: Text
    bentuk_informasi: list[Text] = Field(min_length=1)
    retensi: Text
    nomor_dip: str | None = None
    lampiran: list[Lampiran] = Field(default_factory=list)


class HalamanMeta(CommonMeta):
    date: When | None = None  # type: ignore[assignment]
    urutan: int = 0
    menu: bool = False


SCHEMAS: dict[str, type[CommonMeta]] = {
    "siaran-pers": SiaranPersMeta,
    "berita": BeritaMeta,
    "pengumuman": PengumumanMeta,
    "informasi-publik": InformasiPublikMeta,
    "halaman": HalamanMeta,
}


@dataclass(frozen=True)
class ImageRef:
    """A picture the item shows: repo-relative path, alt text, and where it was written."""

    path: str
    alt: str
    caption: str | None
    line: int
    role: Literal["image", "media", "inline"]


@dataclass(frozen=True)
class Item:
    """One validated content file."""

    path: str  # repo-relative POSIX path
    kind: str
    slug: str
    meta: CommonMeta
    body: str
    body_line: int
    sop_id: str
    klasifikasi: str | None
    images: tuple[ImageRef, ...]
    attachments: tuple[str, ...]  # lampiran, repo-relative
    doc: yamlio.YamlDocument = field(repr=False, compare=False)
    tz: dt.tzinfo = field(repr=False, compare=False, default=dt.UTC)

    @property
    def title(self) -> str:
        return self.meta.title

    @property
    def references(self) -> tuple[str, ...]:
        """Every file the item uses; they are part of its digest (approval rule 2)."""
        return tuple(sorted({i.path for i in self.images} | set(self.attachments)))

    def aware(self, value: dt.date | dt.datetime) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value if value.tzinfo else value.replace(tzinfo=self.tz)
        return dt.datetime(value.year, value.month, value.day, tzinfo=self.tz)

    @property
    def published(self) -> dt.datetime | None:
        return self.aware(self.meta.date) if self.meta.date is not None else None

    @property
    def publish_at(self) -> dt.datetime | None:
        return self.aware(self.meta.publish_at) if self.meta.publish_at is not None else None

    @property
    def url_path(self) -> str:
        """Site path of the item's page, e.g. ``siaran-pers/2025/bantuan-bibit/``."""
        if self.kind == "halaman":
            return f"{self.slug}/"
        assert self.published is not None
        return f"{self.kind}/{self.published.year}/{self.slug}/"

    def line_of(self, *keys: str | int) -> int:
        return self.doc.line_of(keys)


@dataclass
class Site:
    root: Path
    config: SiteConfig
    items: list[Item]
    findings: Findings


def split_front_matter(text: str) -> tuple[str, str, int] | None:
    """``(front matter, body, line of the first body line)`` or None when there is none."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n").rstrip() != "---":
        return None
    for i in range(1, len(lines)):
        if lines[i].rstrip("\r\n").rstrip() in ("---", "..."):
            return "".join(lines[1:i]), "".join(lines[i + 1:]), i + 2
    return None


def compute_digest(files: Mapping[str, bytes]) -> str:
    """``sha256:<hex>`` over each file's repo-relative path and bytes, in path order.

    The item's text and every file it references are bound together: changing any one of them
    changes the digest, so earlier approvals become stale (DESIGN section 4, rule 2).
    """
    h = hashlib.sha256()
    for path in sorted(files):
        data = files[path]
        h.update(path.encode("utf-8") + b"\0" + str(len(data)).encode() + b"\0")
        h.update(data)
    return "sha256:" + h.hexdigest()


def item_digest(root: Path, item: Item) -> str:
    """The digest of an item as it is in the working tree."""
    paths = (item.path, *item.references)
    return compute_digest({p: (root / p).read_bytes() for p in paths})


class _ImageCollector(markdown.treeprocessors.Treeprocessor):  # type: ignore[misc]
    def __init__(self, md: markdown.Markdown, sink: list[tuple[str, str]]) -> None:
        super().__init__(md)
        self.sink = sink

    def run(self, root: ET.Element) -> None:
        for img in root.iter("img"):
            self.sink.append((img.get("src", ""), img.get("alt", "")))


class _ImageExtension(markdown.extensions.Extension):  # type: ignore[misc]
    def __init__(self, sink: list[tuple[str, str]]) -> None:
        super().__init__()
        self.sink = sink

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Markdown's API name
        md.treeprocessors.register(_ImageCollector(md, self.sink), "warta_images", 0)


# The Markdown dialect of warta, shared by the site renderer and by image discovery here: the digest and
# `warta check` must see exactly the images the page will show.
MARKDOWN_EXTENSIONS = ("tables", "sane_lists", "fenced_code")


def markdown_images(body: str) -> list[tuple[str, str]]:
    """``(src, alt)`` of every image in a Markdown body, found by the Markdown parser itself."""
    sink: list[tuple[str, str]] = []
    md = markdown.Markdown(extensions=[*MARKDOWN_EXTENSIONS, _ImageExtension(sink)])
    md.convert(body)
    return sink


_EXTERNAL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def resolve_reference(
    root: Path, item_path: str, ref: str
) -> tuple[str | None, str | None]:
    """Resolve a reference written in ``item_path`` to a repo-relative path.

    Returns ``(path, None)`` or ``(None, reason)``. Refused: absolute paths, URLs, paths that
    leave the repository (``..`` past the root, symlinks leading out), missing files.
    """
    if not ref.strip():
        return None, "empty path"
    if _EXTERNAL.match(ref) or ref.startswith("//"):
        return None, f"'{ref}' is an external address; put the file in the repository"
    if ref.startswith("/") or ref.startswith("\\") or re.match(r"^[A-Za-z]:[\\/]", ref):
        return None, f"'{ref}' is an absolute path; write it relative to the Markdown file"
    base = PurePosixPath(item_path).parent
    joined = PurePosixPath(os.path.normpath(str(base / ref.replace("\\", "/"))).replace(os.sep, "/"))
    if joined.parts and joined.parts[0] == "..":
        return None, f"'{ref}' points outside the repository"
    target = root / joined
    # No symbolic links at all: approvals bind the bytes git stores for the path, and a link's target
    # can change without the link (or the item) changing, outside what the approvers saw.
    step = root
    for part in joined.parts:
        step = step / part
        if step.is_symlink():
            rel_link = step.relative_to(root).as_posix()
            where = "" if rel_link == str(joined) else f" ({rel_link} is one)"
            return None, (f"'{ref}' goes through a symbolic link{where}; put the file itself in the "
                          "repository")
    try:
        real = target.resolve(strict=True)
    except (FileNotFoundError, OSError):
        return None, f"'{ref}' does not exist (looked for {joined})"
    root_real = root.resolve()
    if real != root_real and root_real not in real.parents:
        return None, f"'{ref}' points outside the repository"
    if not real.is_file():
        return None, f"'{ref}' is not a file"
    return str(joined), None


def _kind_of(rel: PurePosixPath) -> str | None:
    parts = rel.parts
    if len(parts) >= 2 and parts[0] == CONTENT_DIR and parts[1] in KINDS:
        return parts[1]
    return None


def discover(root: Path) -> list[str]:
    """Repo-relative paths of every Markdown file under ``content/`` (media excluded), sorted."""
    base = root / CONTENT_DIR
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        if rel_dir == MEDIA_DIR or rel_dir.startswith(MEDIA_DIR + "/"):
            continue
        for name in sorted(filenames):
            if name.endswith(".md") and not name.startswith("."):
                found.append(f"{rel_dir}/{name}")
    return found


def parse_item(
    root: Path, rel: str, raw: bytes, config: SiteConfig
) -> tuple[Item | None, list[Finding]]:
    """Validate one content file given its bytes. Pure apart from reference resolution on disk."""
    findings: list[Finding] = []
    pure = PurePosixPath(rel)
    kind = _kind_of(pure)
    if kind is None:
        folder = pure.parts[1] if len(pure.parts) > 2 else ""
        from pipeline.schema import suggest

        return None, [Finding(rel, None, f"unknown kind folder '{folder}'{suggest(folder, KINDS)}; "
                                          f"content lives in content/<kind>/ with kind one of {', '.join(KINDS)}")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Finding(rel, line, f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8")]
    if text.startswith("\ufeff"):
        text = text[1:]
    split = split_front_matter(text)
    if split is None:
        return None, [Finding(rel, 1, "no front matter: the file must start with a '---' line, "
                                      "the YAML fields, and a closing '---' line")]
    fm_text, body, body_line = split
    too_large = limits.size_findings(rel, len(raw), fm_text, body, body_line, config.limits)
    if too_large:
        return None, too_large
    try:
        doc = yamlio.load(fm_text, rel, line_offset=1)
    except yamlio.YamlSyntaxError as exc:
        return None, [exc.finding]
    findings.extend(yamlio.duplicate_key_findings(doc))
    if not isinstance(doc.data, dict):
        what = "empty" if doc.data is None else f"a {type(doc.data).__name__}"
        return None, [Finding(rel, 2, f"front matter must be a mapping of fields, got {what}")]
    schema = SCHEMAS[kind]
    meta, errors = validate(schema, doc.data, doc)
    findings.extend(errors)
    if meta is None:
        return None, findings

    if meta.image and not (meta.image_alt or "").strip():
        findings.append(Finding(rel, doc.line_of(("image",)),
                                "image_alt: required when image is set (describe what the photo shows)", "image_alt"))
    if meta.status == "dicabut" and not (meta.alasan_pencabutan or "").strip():
        findings.append(Finding(rel, doc.line_of(("status",)),
                                "alasan_pencabutan: required when status is dicabut (why it is withdrawn)",
                                "alasan_pencabutan"))
    if meta.kind is not None and meta.kind != kind:
        findings.append(Finding(rel, doc.line_of(("kind",)),
                                f"kind: '{meta.kind}' does not match the folder content/{kind}/", "kind"))
    slug = meta.slug or pure.stem
    if meta.slug is None and not SLUG_RE.match(slug):
        findings.append(Finding(rel, None, f"file name '{pure.name}' is not a valid slug; use lower-case "
                                           "letters, digits and hyphens, or set slug:", "slug"))
    if kind in DATED_KINDS:
        if len(pure.parts) != 4 or not re.match(r"^\d{4}$", pure.parts[2]):
            findings.append(Finding(rel, None, f"put {kind} items in content/{kind}/<year>/<slug>.md"))
        elif meta.date is not None and int(pure.parts[2]) != meta.date.year:
            findings.append(Finding(rel, doc.line_of(("date",)),
                                    f"date: year {meta.date.year} does not match the folder {pure.parts[2]}/",
                                    "date"))
    elif len(pure.parts) != 3:
        findings.append(Finding(rel, None, "put pages in content/halaman/<slug>.md"))

    images: list[ImageRef] = []
    attachments: list[str] = []

    def ref(value: str, keys: tuple[str | int, ...], name: str) -> str | None:
        resolved, reason = resolve_reference(root, rel, value)
        if reason:
            findings.append(Finding(rel, doc.line_of(keys), f"{name}: {reason}", str(keys[-1])))
        return resolved

    if meta.image:
        got = ref(meta.image, ("image",), "image")
        if got:
            images.append(ImageRef(got, meta.image_alt or "", meta.image_caption, doc.line_of(("image",)), "image"))
    for i, m in enumerate(meta.media):
        got = ref(m.file, ("media", i, "file"), f"media.{i}.file")
        if got:
            images.append(ImageRef(got, m.alt, m.caption, doc.line_of(("media", i)), "media"))
    if isinstance(meta, InformasiPublikMeta):
        for i, lamp in enumerate(meta.lampiran):
            got = ref(lamp.file, ("lampiran", i, "file"), f"lampiran.{i}.file")
            if got:
                attachments.append(got)
    body_lines = body.splitlines()
    has_images = "![" in body or "<img" in body.lower()
    rendered = markup.render_bounded(body, rel, body_line, config.limits.render_seconds) if has_images else None
    if isinstance(rendered, Finding):
        return None, [*findings, rendered]
    for src, alt in rendered.images if rendered else ():
        offset = next((n for n, line in enumerate(body_lines) if src and src in line), 0)
        line = body_line + offset
        if not alt.strip():
            findings.append(Finding(rel, line, f"image '{src}' has no alt text: write ![what it shows]({src})",
                                    "body"))
        resolved, reason = resolve_reference(root, rel, src)
        if reason:
            findings.append(Finding(rel, line, f"image {reason}", "body"))
        elif resolved:
            images.append(ImageRef(resolved, alt, None, line, "inline"))

    doc.data = None  # the typed `meta` holds the values; keep only the line map (memory at 10,000 items)
    sop_id = meta.sop or config.sop_for_kind(kind)
    kind_cfg = config.kind_section(kind)
    assert kind_cfg is not None  # kind comes from KINDS and the schema requires every kind
    if meta.sop is not None and meta.sop != kind_cfg.sop and meta.sop not in kind_cfg.other_sops:
        # Which SOP governs a kind is decided in warta.yml (approved by the SOP's signatory), never by the
        # item: otherwise a release could choose an SOP with fewer approval steps.
        allowed = ", ".join([kind_cfg.sop, *kind_cfg.other_sops])
        findings.append(Finding(rel, doc.line_of(("sop",)),
                                f"sop: '{meta.sop}' is not an SOP for {kind} in warta.yml (allowed: {allowed}; "
                                f"add it to kinds.{kind}.other_sops to allow it)", "sop"))
    item = Item(
        path=rel, kind=kind, slug=slug, meta=meta, body=body, body_line=body_line, sop_id=sop_id,
        klasifikasi=meta.klasifikasi or kind_cfg.klasifikasi, images=tuple(images),
        attachments=tuple(attachments), doc=doc, tz=config.tz,
    )
    return item, findings


def load_items(
    root: Path, config: SiteConfig, paths: Sequence[str] | None = None
) -> tuple[list[Item], Findings]:
    """Load and validate content. ``paths`` limits which files are reported (all are read for slugs)."""
    findings = Findings()
    items: list[Item] = []
    wanted = set(paths) if paths is not None else None
    for rel in discover(root):
        if (root / rel).is_symlink():
            findings.add(rel, None, "is a symbolic link; content files must be real files in the repository")
            continue
        try:
            raw = (root / rel).read_bytes()
        except OSError as exc:
            findings.add(rel, None, f"cannot read: {exc.strerror}")
            continue
        item, errors = parse_item(root, rel, raw, config)
        if wanted is None or rel in wanted:
            findings.extend(errors)
        if item is not None and not any(f.severity == "error" for f in errors):
            items.append(item)
    findings.extend(_duplicate_slugs(items, wanted))
    return items, findings


def _duplicate_slugs(items: Iterable[Item], wanted: set[str] | None) -> list[Finding]:
    by_url: dict[str, list[Item]] = {}
    for item in items:
        # slugs are unique within a kind, whatever the year: the slug names the release branch
        # (rilis/<slug>) and its archive record
        by_url.setdefault(f"{item.kind}:{item.slug}", []).append(item)
    out: list[Finding] = []
    for group in by_url.values():
        if len(group) < 2:
            continue
        for item in group:
            if wanted is not None and item.path not in wanted:
                continue
            others = ", ".join(o.path for o in group if o is not item)
            line = item.line_of("slug") if item.meta.slug else 1
            out.append(Finding(item.path, line, f"slug '{item.slug}' is also used by {others}", "slug"))
    return out


def load_site(root: Path, config: SiteConfig, paths: Sequence[str] | None = None) -> Site:
    items, findings = load_items(root, config, paths)
    return Site(root=root, config=config, items=items, findings=findings)
