"""Which files an item uses: one pure answer for content parsing, digests, approvals and the build.

An item references files in three ways, all found here and nowhere else:

- front-matter fields: ``image``, ``media[].file`` and, for ``informasi-publik``, ``lampiran[].file``
  (:func:`declared_references`, over the raw front-matter mapping, so it works on files that do not
  validate too: approvals must never miss a file an item uses);
- images in the body (``![alt](foto.jpg)``) and local links in the body (``[unduh](surat.pdf)``), found
  in the sanitised HTML that is published (:func:`pipeline.markup.render_markdown`);
- nothing else: a page can embed or link only files that are in its digest.

:func:`resolve_path` turns what the author wrote into a repository path (pure, on paths only);
:func:`check_target` checks that path in a :class:`~pipeline.tree.FileTree` (it exists, is a regular
file, goes through no symbolic link). :func:`item_references` does both for one content item, with a finding
naming the line of each reference that cannot be used (:func:`pipeline.content.parse_item` calls it).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pipeline import yamlio
from pipeline.errors import Finding
from pipeline.i18n import _
from pipeline.markup import Rendered, render_markdown
from pipeline.tree import FileTree, linked_parent

Role = Literal["image", "media", "lampiran", "inline", "link"]
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")
# What may be published as a download or lampiran: documents and data, never anything a browser runs
# (HTML, SVG, XML, scripts): the site must not serve active content an editor can approve by accident.
DOWNLOAD_SUFFIXES = frozenset({".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".odt", ".ods", ".odp",
                               ".rtf", ".csv", ".txt", ".zip", ".7z", ".mp3", ".mp4", ".ogg", ".epub"})
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".gif", ".heic", ".heif", ".tif", ".tiff",
                            ".avif", ".bmp"})


# the front-matter keys :func:`declared_references` reads, with the two more approvals read of an item
# (``sop``, ``kategori_informasi``: pipeline.approvals.revisions.read_item): what a site build's load keeps
# of each front matter it parsed for the judge (pipeline.content.Site.fronts)
APPROVAL_KEYS = frozenset({"sop", "kategori_informasi", "image", "image_alt", "image_caption", "media", "lampiran"})


@dataclass(frozen=True)
class Declared:
    """A file named in the front matter: the written value, its key path (for line numbers), its role."""

    value: str
    keys: tuple[str | int, ...]
    role: Role
    alt: str = ""
    caption: str | None = None

    @property
    def field(self) -> str:
        return ".".join(str(k) for k in self.keys)


def declared_references(kind: str | None, data: Mapping[str, Any]) -> list[Declared]:
    """The files the front matter names (values that are not strings are skipped: the schema reports them)."""
    out: list[Declared] = []
    image = data.get("image")
    if isinstance(image, str) and image.strip():
        alt = data.get("image_alt")
        caption = data.get("image_caption")
        out.append(Declared(image.strip(), ("image",), "image", alt if isinstance(alt, str) else "",
                            caption if isinstance(caption, str) else None))
    groups: list[tuple[str, Role]] = [("media", "media")]
    if kind == "informasi-publik":
        groups.append(("lampiran", "lampiran"))
    for key, role in groups:
        entries = data.get(key)
        if not isinstance(entries, list):
            continue
        for i, entry in enumerate(entries):
            if isinstance(entry, Mapping) and isinstance(entry.get("file"), str) and entry["file"].strip():
                alt = entry.get("alt") if role == "media" else entry.get("judul")
                caption = entry.get("caption") if role == "media" else None
                out.append(Declared(entry["file"].strip(), (key, i, "file"), role,
                                    alt if isinstance(alt, str) else "",
                                    caption if isinstance(caption, str) else None))
    return out


def body_references(body: str, rendered: Rendered | None = None) -> Rendered:
    """The body rendered as it will be published: its images, local links and dropped embeds."""
    return rendered if rendered is not None else render_markdown(body)


def resolve_path(item_path: str, ref: str) -> tuple[str | None, str | None]:
    """``(repo path, None)`` for a reference written in ``item_path``, or ``(None, reason)``.

    Refused: empty, external addresses, absolute paths (``/``, ``\\``, ``C:\\``), protocol-relative
    addresses (``//host``) and paths that leave the repository.
    """
    text = ref.strip()
    if not text:
        return None, "empty path"
    if _SCHEME.match(text) or text.startswith("//"):
        return None, f"'{ref}' is an external address; put the file in the repository"
    if text.startswith(("/", "\\")) or _DRIVE.match(text):
        return None, f"'{ref}' is an absolute path; write it relative to the Markdown file"
    if "\0" in text:
        return None, f"'{ref}' is not a file name"
    clean = text.split("#", 1)[0].split("?", 1)[0]
    if not clean:
        return None, f"'{ref}' names no file"
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(item_path), clean.replace("\\", "/")))
    if joined in (".", "..") or joined.startswith("../"):
        return None, f"'{ref}' points outside the repository"
    if not joined.startswith("content/"):
        # an item publishes files of its own, never a governed file or anything outside content/
        return None, f"'{ref}' is outside content/ ({joined}); put the file beside the text or in content/media/"
    return joined, None


def check_target(tree: FileTree, ref: str, joined: str) -> str | None:
    """Why ``joined`` (resolved from ``ref``) cannot be used, or None when it is a regular file."""
    link = linked_parent(tree, joined)
    if link is not None:
        where = "" if link == joined else f" ({link} is one)"
        return _("'{ref}' goes through a symbolic link{where}; put the file itself in the repository", ref=ref, where=where)
    found = tree.entry(joined)
    if found is None:
        return _("'{ref}' does not exist (looked for {joined})", ref=ref, joined=joined)
    if found.kind != "file":
        return f"'{ref}' is not a file"
    return None


def resolve_in(tree: FileTree, item_path: str, ref: str) -> tuple[str | None, str | None]:
    """:func:`resolve_path`, then :func:`check_target`."""
    joined, reason = resolve_path(item_path, ref)
    if joined is None:
        return None, reason
    problem = check_target(tree, ref, joined)
    return (None, problem) if problem else (joined, None)


def is_item_link(path: str) -> bool:
    """A link to another content item (its ``.md``): it becomes that item's URL, not a download."""
    return path.startswith("content/") and path.endswith(".md")


def is_image(path: str) -> bool:
    return posixpath.splitext(path)[1].lower() in IMAGE_SUFFIXES


def download_problem(ref: str, path: str) -> str | None:
    """Why ``path`` cannot be published as a download or lampiran, or None."""
    suffix = posixpath.splitext(path)[1].lower()
    if suffix in DOWNLOAD_SUFFIXES:
        return None
    allowed = ", ".join(sorted(s.lstrip(".") for s in DOWNLOAD_SUFFIXES))
    return (_("'{ref}' is not a document warta publishes as a download ({value}): web pages, SVG and scripts would run "
              "on the office's site; use one of {allowed}",
              ref=ref, value=suffix or 'no extension', allowed=allowed))


@dataclass(frozen=True)
class ImageRef:
    """A picture the item shows: repo-relative path, alt text, and where it was written."""

    path: str
    alt: str
    caption: str | None
    line: int
    role: Literal["image", "media", "inline"]


@dataclass(frozen=True)
class LinkRef:
    """A local link in the body: ``index`` of its token in the rendered body, what was written, the path."""

    index: int
    href: str
    path: str


def _line_in_body(body_lines: Sequence[str], body_line: int, needle: str) -> int:
    offset = next((n for n, line in enumerate(body_lines) if needle and needle in line), 0)
    return body_line + offset


@dataclass
class ItemReferences:
    """What :func:`item_references` found: pictures, downloads, links to items, and findings."""

    images: list[ImageRef] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)
    downloads: list[LinkRef] = field(default_factory=list)
    item_links: list[LinkRef] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def item_references(tree: FileTree, rel: str, kind: str, data: Mapping[str, Any], body: str, body_line: int,
                    doc: yamlio.YamlDocument, rendered: Rendered | None) -> ItemReferences:
    """Resolve every file the item ``rel`` uses in ``tree``: its front matter (``data``, lines from ``doc``) and
    its ``rendered`` body (``None``: not rendered, front matter only); a finding for each that cannot be."""
    out = ItemReferences()
    for ref in declared_references(kind, data):
        got, reason = resolve_in(tree, rel, ref.value)
        line = doc.line_of(ref.keys)
        if reason or got is None:
            out.findings.append(Finding(rel, line, _("{field}: {reason}", field=ref.field, reason=reason),
                                        str(ref.keys[-1]), code="ref.invalid"))
        elif ref.role == "lampiran":
            if is_image(got):
                out.findings.append(Finding(rel, line, _("{field}: '{value}' is a photo; photos go in image or media so "
                                                         "their location data is removed",
                                                         field=ref.field, value=ref.value),
                                            "file", code="ref.photo-as-file"))
            elif (problem := download_problem(ref.value, got)) is not None:
                out.findings.append(Finding(rel, line, _("{field}: {problem}", field=ref.field, problem=problem), "file",
                                            code="ref.download"))
            else:
                out.attachments.append(got)
        else:
            role: Literal["image", "media"] = "image" if ref.role == "image" else "media"
            out.images.append(ImageRef(got, ref.alt, ref.caption, doc.line_of(ref.keys[:2] if role == "media"
                                                                              else ref.keys), role))
    if rendered is None:
        return out
    lines = body.splitlines()
    for tag, attribute, value in rendered.dropped:
        # removed by the sanitiser: nothing of it is published. A local file there is an error (the author
        # meant to show it); another site's address a warning (it is simply not shown).
        line = _line_in_body(lines, body_line, value or f"<{tag}")
        what = f"<{tag} {attribute}=\"{value}\">" if attribute else f"<{tag}>"
        local = bool(value) and resolve_path(rel, value)[0] is not None
        out.findings.append(Finding(rel, line, _("raw HTML {what} is not published (nothing is embedded from a body or "
                                                 "from another site); show a photo with ![what it shows](file.jpg) and "
                                                 "link other sites with [text](https://…)",
                                                 what=what), "body",
                                    "error" if local else "warning", code="body.raw-html"))
    for src, alt in rendered.images:
        line = _line_in_body(lines, body_line, src)
        if not alt.strip():
            out.findings.append(Finding(rel, line, _("image '{src}' has no alt text: write ![what it shows]({src})",
                                                     src=src),
                                        "body", code="image.no-alt"))
        got, reason = resolve_in(tree, rel, src)
        if reason or got is None:
            out.findings.append(Finding(rel, line, _("image {reason}", reason=reason), "body", code="ref.invalid"))
        else:
            out.images.append(ImageRef(got, alt, None, line, "inline"))
    for index, href in enumerate(rendered.links):
        line = _line_in_body(lines, body_line, href)
        got, reason = resolve_in(tree, rel, href)
        if reason or got is None:
            out.findings.append(Finding(rel, line, _("link {reason}", reason=reason), "body", code="ref.invalid"))
        elif is_item_link(got):
            out.item_links.append(LinkRef(index, href, got))
        elif is_image(got):
            out.findings.append(Finding(rel, line, _("link to the photo '{href}': source photos are never published "
                                                     "(they carry location data); show it with ![what it shows]({href})",
                                                     href=href),
                                        "body", code="ref.photo-link"))
        elif (problem := download_problem(href, got)) is not None:
            out.findings.append(Finding(rel, line, _("link {problem}", problem=problem), "body", code="ref.download"))
        else:
            out.downloads.append(LinkRef(index, href, got))
    return out


def needs_rendering(body: str) -> bool:
    """Whether a body can hold a reference (an image, a link, raw HTML): otherwise it need not be rendered
    to know the files the item uses."""
    return "[" in body or "<" in body
