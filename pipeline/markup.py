"""The Markdown dialect of warta: one body to sanitised HTML, and the same under a deadline.

The body is converted by Python-Markdown, then sanitised with ``nh3`` (ammonia) so raw HTML written in
Markdown cannot inject scripts, event handlers, styles, frames or remote images. Images written in the
body (``![alt](foto.jpg)``) are not emitted as ``<img>``: each becomes a token that the build replaces
with the ``<picture>`` the media pipeline made from the photo, so no source photo (and its GPS position)
is ever linked or copied. Headings move one level down, because the page title is the only ``<h1>``.

Python-Markdown is not linear on every input (see :mod:`pipeline.bounded`), so every body that comes
from a content file is rendered by :func:`render_bounded` / :func:`render_many_bounded`: in a worker
process, with a deadline per body (``limits.render_seconds`` in ``warta.yml``). A body that runs past it
is a finding for its file; every other body still renders. This module imports only the renderer, so
the worker processes stay small.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

import markdown
import nh3

from pipeline import bounded
from pipeline.errors import Finding

# The dialect: the site renderer and image discovery must see exactly the same images (the digest and
# `warta check` agree with the page). pipeline.content.MARKDOWN_EXTENSIONS must stay equal to this.
EXTENSIONS = ("tables", "sane_lists", "fenced_code")
# Bump when the HTML produced for the same body changes, so cached renderings are not reused.
RENDER_VERSION = "warta-render-1"
_NH3_VERSION = getattr(nh3, "__version__", "")
FINGERPRINT = f"{RENDER_VERSION}|markdown {markdown.__version__}|nh3 {_NH3_VERSION}"
# Structural and embedding tags never come from a body: landmarks belong to the theme (one <nav>,
# one <main>), images come from the media pipeline, image maps need images.
_DROPPED_TAGS = {"img", "area", "map", "nav", "aside", "header", "footer", "article", "hgroup"}
ALLOWED_TAGS = set(nh3.ALLOWED_TAGS) - _DROPPED_TAGS
_HEADING = re.compile(r"<(/?)h([1-6])\b")
DEFAULT_SECONDS = 10.0


@dataclass(frozen=True)
class Rendered:
    """Sanitised HTML of one body; ``images[i]`` is the ``(src, alt)`` behind ``token(i)``.

    ``error`` is set (and ``html`` empty) when the body could not be rendered within its deadline:
    such a body must not be published.
    """

    html: str
    images: tuple[tuple[str, str], ...]
    nonce: str
    error: str | None = None

    def token(self, index: int) -> str:
        return f"<span>wartaimg{self.nonce}n{index}</span>"


class _ImageTokens(markdown.treeprocessors.Treeprocessor):  # type: ignore[misc]
    def __init__(self, md: markdown.Markdown, nonce: str, sink: list[tuple[str, str]]) -> None:
        super().__init__(md)
        self.nonce = nonce
        self.sink = sink

    def run(self, root: ET.Element) -> None:
        for img in root.iter("img"):
            index = len(self.sink)
            self.sink.append((img.get("src", ""), img.get("alt", "")))
            img.tag = "span"
            img.attrib.clear()
            img.text = f"wartaimg{self.nonce}n{index}"


class _ImageTokenExtension(markdown.extensions.Extension):  # type: ignore[misc]
    def __init__(self, nonce: str, sink: list[tuple[str, str]]) -> None:
        super().__init__()
        self.nonce = nonce
        self.sink = sink

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Markdown's API name
        md.treeprocessors.register(_ImageTokens(md, self.nonce, self.sink), "warta_image_tokens", 0)


def nonce_of(body: str) -> str:
    # Derived from the body, so a body cannot contain its own token.
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]


def render_markdown(body: str) -> Rendered:
    """One body to sanitised HTML with image tokens. Pure, unbounded: use :func:`render_bounded` for files."""
    nonce = nonce_of(body)
    sink: list[tuple[str, str]] = []
    md = markdown.Markdown(extensions=[*EXTENSIONS, _ImageTokenExtension(nonce, sink)], output_format="html")
    raw = md.convert(body)
    clean = nh3.clean(raw, tags=ALLOWED_TAGS, strip_comments=True, link_rel="noopener noreferrer")
    clean = _HEADING.sub(lambda m: f"<{m[1]}h{min(int(m[2]) + 1, 6)}", clean)
    return Rendered(clean, tuple(sink), nonce)


def render_chunk(bodies: Sequence[str]) -> list[Rendered]:
    return [render_markdown(body) for body in bodies]


def overrun_message(reason: str, seconds: float) -> str:
    return (f"body: the Markdown could not be rendered ({reason}); the limit is {seconds:g} s per file "
            "(limits.render_seconds in warta.yml). Long runs of unmatched brackets '[' or backticks "
            "are the usual cause: shorten or escape them")


def _failed(body: str, reason: str, seconds: float) -> Rendered:
    return Rendered("", (), nonce_of(body), error=overrun_message(reason, seconds))


def render_many_bounded(bodies: Sequence[str], seconds: float = DEFAULT_SECONDS, *,
                        workers: int = 1, chunk: int = 1) -> list[Rendered]:
    """Render each body in worker processes, each within ``seconds``; a failed one has ``error`` set.

    With ``chunk`` > 1 bodies travel in groups (fewer round trips); a group that fails is rendered
    again body by body, so the deadline still applies to each body.
    """
    if chunk <= 1:
        outcomes = bounded.map_bounded(render_markdown, list(bodies), seconds, workers=workers)
        return [o if isinstance(o, Rendered) else _failed(b, o.reason, seconds)
                for b, o in zip(bodies, outcomes, strict=True)]
    groups = [list(bodies[i:i + chunk]) for i in range(0, len(bodies), chunk)]
    results: list[Rendered] = []
    for group, outcome in zip(groups, bounded.map_bounded(render_chunk, groups, seconds, workers=workers),
                              strict=True):
        results.extend(render_many_bounded(group, seconds, workers=workers) if isinstance(outcome, bounded.Overrun)
                       else outcome)
    return results


def render_bounded(body: str, path: str, line: int | None = None,
                   seconds: float = DEFAULT_SECONDS) -> Rendered | Finding:
    """The rendering of one file's body, or a finding at ``path:line`` when it cannot be had in time."""
    outcome = bounded.call_bounded(render_markdown, body, seconds)
    if isinstance(outcome, Rendered):
        return outcome
    return Finding(path, line, overrun_message(outcome.reason, seconds), "body")
