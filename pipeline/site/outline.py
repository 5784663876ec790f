"""A body fitted into its page: headings under the page's ``h1``, tables that scroll on their own.

Headings: no level skipped (WCAG 1.3.1, the HTML outline).
The body's highest heading becomes ``h2`` (authors write ``##`` for a section, or ``#``), and each
heading is at most one level below the one before it: ``h2`` then ``h4`` becomes ``h2`` then ``h3``. The
text and attributes of every heading stay as they are. The HTML is the sanitiser's output (nh3:
well-formed tags, no comments or scripts that could hold a ``<h`` of their own).

Tables: each is wrapped in a region that scrolls sideways on a narrow screen (the page itself never
does) and that a keyboard can reach and scroll (``tabindex="0"``, named by ``label``).
"""

from __future__ import annotations

import re

_HEADING = re.compile(r"<(/?)h([1-6])\b")
_TABLE = re.compile(r"<table\b.*?</table>", re.S)


def outline(html: str, top: int = 2) -> str:
    """``html`` with its headings renumbered from ``top`` without skipped levels."""
    levels = [int(m.group(2)) for m in _HEADING.finditer(html) if not m.group(1)]
    if not levels:
        return html
    shift = min(levels) - top
    mapped: list[int] = []
    previous = top - 1
    for level in levels:
        new = min(level - shift, previous + 1)
        mapped.append(new)
        previous = new
    if all(old == new for old, new in zip(levels, mapped, strict=True)):
        return html
    opened: list[int] = []
    numbers = iter(mapped)

    def swap(match: re.Match[str]) -> str:
        if match.group(1):  # a closing tag closes the last heading opened
            return f"</h{opened.pop() if opened else match.group(2)}"
        level = next(numbers)
        opened.append(level)
        return f"<h{level}"

    return _HEADING.sub(swap, html)


def wrap_tables(html: str, label: str) -> str:
    """Every ``<table>`` of ``html`` in a focusable, named region that scrolls sideways."""
    if "<table" not in html:
        return html
    counter = iter(range(1, 1 << 30))

    def wrap(match: re.Match[str]) -> str:
        name = label.format(n=next(counter))
        return f'<div class="table-scroll" role="region" tabindex="0" aria-label="{name}">{match.group(0)}</div>'

    return _TABLE.sub(wrap, html)
