"""The Markdown dialect of warta: one body to the sanitised HTML that is published, and every local
reference in it.

One function, :func:`render_markdown`, is used by content parsing, by the approval digests and by the
site build, so the files an approval binds and the files a page shows agree by construction:

- the body is converted by markdown-it-py, CommonMark with tables (:data:`MARKDOWN_EXTENSIONS`; the
  dialect is described in docs/content.md, "The Markdown dialect"), then sanitised by ``nh3``
  (ammonia): no scripts, event handlers, styles, frames, forms or embedded media from a body;
- images written in Markdown (``![alt](foto.jpg)``) become tokens that the build replaces with the
  ``<picture>`` of the media pipeline's derivatives (a source photo is never linked or copied);
- the only attribute that may carry an address after sanitising is ``<a href>``. Off-site links
  (``http``, ``https``, ``mailto``, ``tel``) and in-page anchors (``#…``) stay as they are; every other
  ``href`` is a *local link*, replaced by a token the build resolves (another item's ``.md`` becomes its
  URL; a file becomes a download that is part of the item's digest); every other address-carrying
  attribute is dropped;
- raw HTML that would embed something (``<img src>``, ``<video poster>``, ``<iframe>``, ``srcset``,
  CSS ``url()``, …) is not published: it is reported in :attr:`Rendered.dropped` so ``warta check`` and
  approvals name it at ``path:line``.

Addresses are kept as written (no percent-encoding, no scheme filter before the sanitiser), and an inline
link or image may have spaces in its address (``[surat](surat edaran.pdf)``) as Python-Markdown, the
dialect's renderer until ``warta-render-3``, allowed: the files an approved release references stay the
same files.

Pelican's intrasite link syntax (``{static}``, ``{attach}``, ``{filename}``, ``|filename|``) is off
(:mod:`pipeline.site.settings`); written in a body it is just an unresolvable local link.

markdown-it-py is linear in the length of the body, but its constant is large on some inputs (a 1 MiB
body of ``![`` takes about 13 s, see docs/benchmarks.md), so every body that comes from a content file
is still rendered by :func:`render_bounded` (or :mod:`pipeline.rendering`'s batches): in a worker process, with a
deadline per body (``limits.render_seconds`` in ``warta.yml``). A body that runs past it is a finding for
its file; every other body still renders. This module imports only the renderer, so the worker processes
stay small; markdown-it-py itself, configured as the dialect (:mod:`pipeline.markup_dialect`), is imported
on the first rendering, so a command that renders no body starts without it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib.metadata import version

import nh3

from pipeline import bounded
from pipeline.errors import Finding
from pipeline.i18n import _
from pipeline.rawhtml import URL_ATTRIBUTES, embeds

# markdown-it-py's preset, and the rules enabled on top of it
MARKDOWN_EXTENSIONS = ("commonmark", "table")
EXTENSIONS = MARKDOWN_EXTENSIONS
DEFAULT_SECONDS = 10.0
# Bump when the HTML produced for the same body changes, so cached renderings are not reused.
RENDER_VERSION = "warta-render-3"
_NH3_VERSION = getattr(nh3, "__version__", "")
FINGERPRINT = f"{RENDER_VERSION}|markdown-it-py {version('markdown-it-py')}|nh3 {_NH3_VERSION}"

# Structural and embedding tags never come from a body: landmarks belong to the theme (one <nav>,
# one <main>), images come from the media pipeline, image maps need images.
_DROPPED_TAGS = {"img", "area", "map", "nav", "aside", "header", "footer", "article", "hgroup"}
ALLOWED_TAGS = set(nh3.ALLOWED_TAGS) - _DROPPED_TAGS
# Only these attributes survive; the only address among them is <a href>.
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title", "hreflang"},
    "abbr": {"title"},
    "acronym": {"title"},
    "bdo": {"dir"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start", "reversed"},
    "li": {"value"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "span": set(),
}
OFF_SITE_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_HEADING = re.compile(r"<(/?)h([1-6])\b")


@dataclass(frozen=True)
class Rendered:
    """Sanitised HTML of one body.

    ``images[i]`` is the ``(src, alt)`` behind :meth:`token`\\ ``(i)``; ``links[i]`` the local ``href``
    behind :meth:`link_token`\\ ``(i)``; ``dropped`` the ``(tag, attribute, value)`` of raw HTML that
    would have embedded or linked something and was removed. ``error`` is set (and ``html`` empty) when
    the body could not be rendered within its deadline: such a body must not be published.
    """

    html: str
    images: tuple[tuple[str, str], ...]
    nonce: str
    links: tuple[str, ...] = ()
    dropped: tuple[tuple[str, str, str], ...] = ()
    error: str | None = None

    def token(self, index: int) -> str:
        return f"<span>wartaimg{self.nonce}n{index}</span>"

    def link_token(self, index: int) -> str:
        return f"wartalink{self.nonce}n{index}"


def is_off_site(href: str) -> bool:
    """An address on another site (``http(s)://host…``) or an e-mail/phone link: published as it is, only in
    ``<a href>``. ``https:../x`` (a scheme without ``//``) is a relative address to a browser: local."""
    text = href.strip()
    m = _SCHEME.match(text)
    if m is None or m.group(1).lower() not in OFF_SITE_SCHEMES:
        return False
    if m.group(1).lower() in ("http", "https"):
        rest = text[m.end():]
        return rest.startswith("//") and len(rest) > 2 and rest[2] not in "/\\"
    return True


def body_key(body: str) -> str:
    return hashlib.sha256(f"{FINGERPRINT}\0{body}".encode()).hexdigest()


def nonce_of(body: str) -> str:
    # Derived from the body, so a body cannot contain its own tokens.
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]


def render_markdown(body: str) -> Rendered:
    """One body to sanitised HTML with image and link tokens. Pure, unbounded: use :func:`render_bounded`
    for files."""
    from pipeline import markup_dialect  # markdown-it-py, on the first rendering: commands that render none skip it

    nonce = nonce_of(body)
    raw, images, with_html = markup_dialect.render(body, nonce)
    # only raw HTML can embed: Markdown's own output never does
    dropped = tuple(embeds(raw)) if with_html else ()
    links: list[str] = []

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if tag != "a" or attribute != "href":
            return value if attribute not in URL_ATTRIBUTES else None
        text = value.strip()
        if not text or text.startswith("#") or is_off_site(text):
            return value
        links.append(text)
        return f"wartalink{nonce}n{len(links) - 1}"

    clean = nh3.clean(raw, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, attribute_filter=keep,
                      strip_comments=True, link_rel="noopener noreferrer",
                      url_schemes=set(OFF_SITE_SCHEMES))
    clean = _HEADING.sub(lambda m: f"<{m[1]}h{min(int(m[2]) + 1, 6)}", clean).rstrip("\n")
    return Rendered(clean, tuple(images), nonce, tuple(links), dropped)


def markdown_images(body: str) -> list[tuple[str, str]]:
    """``(src, alt)`` of every image in a Markdown body, found by the renderer itself (unbounded)."""
    return list(render_markdown(body).images)


def overrun_message(reason: str, seconds: float) -> str:
    return (_("body: the Markdown could not be rendered ({reason}); the limit is {seconds:g} s per file "
              "(limits.render_seconds in warta.yml). Long runs of unmatched brackets '[' or '![' are the usual "
              "cause: shorten or escape them", reason=reason, seconds=seconds))


def render_bounded(body: str, path: str, line: int | None = None,
                   seconds: float = DEFAULT_SECONDS) -> Rendered | Finding:
    """The rendering of one file's body, or a finding at ``path:line`` when it cannot be had in time."""
    outcome = bounded.call_bounded(render_markdown, body, seconds)
    if isinstance(outcome, Rendered):
        return outcome
    return Finding(path, line, overrun_message(outcome.reason, seconds), "body", code="body.render")
