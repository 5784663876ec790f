"""The address-carrying attributes of raw HTML in a body, found in one linear pass (reported, never published).

:func:`embeds` reads HTML the way a browser's tokenizer does, as far as finding start tags and their
attributes goes: a comment runs to ``-->``, a ``<!…>``, ``<?…>`` or end tag to the next ``>``, the text of
``<script>`` and ``<style>`` to its end tag, and an attribute value in quotes to its closing quote; a
construct that is never closed runs to the end of the text (so nothing after it can be a tag, for the
browser and for the sanitiser alike). Every step moves forward, so any input takes linear time
(:class:`html.parser.HTMLParser`, used before, takes quadratic time on runs of ``<a `` or ``<!--`` and
raises on ``<![``).
"""

from __future__ import annotations

import html
import re

URL_ATTRIBUTES = frozenset({"src", "srcset", "poster", "data", "background", "href", "action", "formaction",
                            "cite", "longdesc", "usemap", "xlink:href", "manifest", "icon", "codebase"})
_CSS_URL = re.compile(r"url\s*\(", re.IGNORECASE)
_FRAMES = frozenset({"iframe", "embed", "object", "frame"})
_RAW_TEXT = {"script": re.compile(r"</script", re.IGNORECASE), "style": re.compile(r"</style", re.IGNORECASE)}
_TAG_NAME = re.compile(r"[A-Za-z][^\s/>]*")
_GAP = re.compile(r"[\s/]*")
_ATTRIBUTE = re.compile(r"[^\s/>][^\s/>=]*")
_EQUALS = re.compile(r"\s*=\s*")
_UNQUOTED = re.compile(r"[^\s>]*")


def _judge(tag: str, attrs: list[tuple[str, str | None]], found: list[tuple[str, str, str]]) -> None:
    for name, value in attrs:
        if value is None:
            continue
        if name == "href" and tag == "a":
            continue  # kept, and judged as a link
        if name in URL_ATTRIBUTES or (name == "style" and _CSS_URL.search(value)):
            found.append((tag, name, value))
    if tag in _FRAMES and not any(n in URL_ATTRIBUTES for n, _ in attrs):
        found.append((tag, "", ""))


def _start_tag(text: str, pos: int) -> tuple[str, list[tuple[str, str | None]], int] | None:
    """The start tag at ``text[pos] == "<"``: its name, attributes and the position after it; None when
    it never closes (a quote or the tag itself runs to the end of the text)."""
    name = _TAG_NAME.match(text, pos + 1)
    assert name is not None
    at = name.end()
    attrs: list[tuple[str, str | None]] = []
    while True:
        gap = _GAP.match(text, at)
        assert gap is not None  # [\s/]* always matches
        at = gap.end()
        if at >= len(text):
            return None
        if text[at] == ">":
            return name.group().lower(), attrs, at + 1
        attr = _ATTRIBUTE.match(text, at)
        assert attr is not None  # not a gap, not ">": a name
        at = attr.end()
        value: str | None = None
        equals = _EQUALS.match(text, at)
        if equals is not None:
            at = equals.end()
            if text.startswith(('"', "'"), at):
                close = text.find(text[at], at + 1)
                if close < 0:
                    return None  # an opening quote with no closing one
                value, at = text[at + 1:close], close + 1
            else:
                unquoted = _UNQUOTED.match(text, at)
                assert unquoted is not None  # [^\s>]* always matches
                value, at = unquoted.group(), unquoted.end()
        attrs.append((attr.group().lower(), html.unescape(value) if value is not None else None))


def embeds(text: str) -> list[tuple[str, str, str]]:
    """``(tag, attribute, value)`` of every address-carrying attribute the sanitiser will remove, and
    ``(tag, "", "")`` for a frame or embedded object without one; ``<a href>`` is not among them."""
    found: list[tuple[str, str, str]] = []
    pos = text.find("<")
    while 0 <= pos < len(text):
        if text.startswith("<!--", pos):
            end = text.find("-->", pos + 4)
            nxt = -1 if end < 0 else end + 3
        elif text.startswith(("<!", "<?", "</"), pos):
            end = text.find(">", pos + 2)
            nxt = -1 if end < 0 else end + 1
        elif pos + 1 < len(text) and text[pos + 1].isascii() and text[pos + 1].isalpha():
            tag = _start_tag(text, pos)
            if tag is None:
                return found
            name, attrs, nxt = tag
            _judge(name, attrs, found)
            if name in _RAW_TEXT:
                close = _RAW_TEXT[name].search(text, nxt)
                nxt = len(text) if close is None else close.start()
        else:
            nxt = pos + 1
        if nxt < 0:
            return found
        pos = text.find("<", nxt)
    return found
