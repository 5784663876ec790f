"""markdown-it-py configured as warta's Markdown dialect (:mod:`pipeline.markup`, which sanitises what this
gives and is the only caller): CommonMark with tables, addresses kept as written, every image a token.

Apart from :mod:`pipeline.markup` so that importing the dialect's API (its fingerprint, the rendering
results, the bounded call) does not import markdown-it-py: a command that renders no body (a ``status``,
a ``verify``, a site build whose bodies are all cached) never loads it; the first rendering does.
"""

from __future__ import annotations

import re
import types
from collections.abc import MutableMapping, Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it import helpers as md_helpers
from markdown_it.common.utils import unescapeAll
from markdown_it.helpers.parse_link_destination import _Result
from markdown_it.token import Token
from markdown_it.utils import OptionsDict

from pipeline.markup import MARKDOWN_EXTENSIONS

# An inline address with spaces, up to the ")" that closes the link, on one line; one level of
# parentheses inside it ("laporan (1).pdf"); bounded, so a line of unclosed links stays linear.
_SPACED_ADDRESS = re.compile(r"(?:[^()\n\\]|\\.|\([^()\n]{0,200}\)){0,500}(?=\))")


def _destination(string: str, pos: int, maximum: int) -> _Result:
    """CommonMark's link destination, and, in an inline link or image, an address with spaces up to the
    closing ")" (an optional quoted title after it is left to the title parser)."""
    result = md_helpers.parseLinkDestination(string, pos, maximum)
    if not result.ok or result.pos >= maximum or string[result.pos] not in " \t":
        return result
    back = pos - 1
    while back >= 0 and string[back] in " \t\n":
        back -= 1
    if back < 0 or string[back] != "(":
        return result  # a reference definition ("[a]: x"): CommonMark's rule
    found = _SPACED_ADDRESS.match(string, pos, maximum)
    if found is None:
        return result
    address = found.group().rstrip()
    end = len(address)
    if address.endswith(('"', "'")) and (quote := address.rfind(address[-1], 0, end - 1)) > 0 \
            and address[quote - 1] in " \t":
        address = address[:quote].rstrip()  # [x](surat edaran.pdf "judul")
    spaced = _Result()
    spaced.ok, spaced.pos, spaced.str = True, pos + len(address), unescapeAll(address)
    return spaced


def _image(renderer: Any, tokens: Sequence[Token], idx: int, options: OptionsDict,
           env: MutableMapping[str, Any]) -> str:
    """An image becomes the token ``wartaimg<nonce>n<i>``; ``(src, alt)`` go to ``env["images"]``."""
    token = tokens[idx]
    sink: list[tuple[str, str]] = env["images"]
    alt = renderer.renderInlineAsText(token.children or [], options, env)
    sink.append((str(token.attrs.get("src", "")), alt))
    return f"<span>wartaimg{env['nonce']}n{len(sink) - 1}</span>"


class _Dialect(MarkdownIt):
    """CommonMark with tables; addresses kept as written (no percent-encoding) and never refused here:
    every address reaches the sanitiser and the reference rules, which judge it."""

    def __init__(self) -> None:
        super().__init__(MARKDOWN_EXTENSIONS[0], {"html": True})
        self.enable(list(MARKDOWN_EXTENSIONS[1:]))
        helpers = types.ModuleType("warta_link_helpers")  # markdown-it-py reads these from self.helpers
        helpers.parseLinkLabel = md_helpers.parseLinkLabel  # type: ignore[attr-defined]
        helpers.parseLinkDestination = _destination  # type: ignore[attr-defined]
        helpers.parseLinkTitle = md_helpers.parseLinkTitle  # type: ignore[attr-defined]
        self.helpers = helpers
        self.add_render_rule("image", _image)

    def normalizeLink(self, url: str) -> str:  # noqa: N802 - markdown-it-py's name
        return url

    def normalizeLinkText(self, link: str) -> str:  # noqa: N802 - markdown-it-py's name
        return link

    def validateLink(self, url: str) -> bool:  # noqa: N802 - markdown-it-py's name
        return True


_MD = _Dialect()


def _has_raw_html(tokens: Sequence[Token]) -> bool:
    return any(t.type == "html_block" or (t.children and any(c.type == "html_inline" for c in t.children))
               for t in tokens)


def render(body: str, nonce: str) -> tuple[str, list[tuple[str, str]], bool]:
    """``body`` as markdown-it-py renders it in the dialect, before sanitising: the HTML (images as the
    tokens of ``nonce``), each image's ``(src, alt)`` and whether the body holds raw HTML."""
    env: dict[str, Any] = {"nonce": nonce, "images": []}
    tokens = _MD.parse(body, env)
    raw = _MD.renderer.render(tokens, _MD.options, env)
    return raw, env["images"], _has_raw_html(tokens)
