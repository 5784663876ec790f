"""Size limits on each content file (``limits:`` in ``warta.yml``; DESIGN section 4, rule 13).

A content file whose front matter or body is over its limit is a finding for that file, and the item
is not loaded (so it is neither checked further, rendered, approved nor published); every other item
is. The YAML itself is bounded by :mod:`pipeline.yamlio` (no anchors or aliases, limited nesting) and
the rendering of a body by :mod:`pipeline.markup` (a deadline per body in worker processes).

A caller that can learn a file's size before reading it (``git cat-file --batch-check``, ``stat``)
should skip files over ``LimitsSection.file_bytes`` without reading them, with :func:`file_finding`.
"""

from __future__ import annotations

from pipeline.config import LimitsSection
from pipeline.errors import Finding
from pipeline.i18n import _


def _size(text: str, limit: int) -> int:
    """The UTF-8 size of ``text``, computed only when it could be over ``limit``."""
    return len(text) if len(text) * 4 <= limit else len(text.encode("utf-8"))


def file_finding(path: str, size: int, limits: LimitsSection) -> Finding | None:
    """A finding when a whole content file of ``size`` bytes is over the limit (before it is read)."""
    if size <= limits.file_bytes:
        return None
    return Finding(path, None, _("the file is {size:,} bytes; a content file may have at most {front_matter_bytes:,} "
                                 "bytes of front matter and {body_bytes:,} bytes of body (limits in warta.yml); the item "
                                 "is not loaded",
                                 size=size, front_matter_bytes=limits.front_matter_bytes, body_bytes=limits.body_bytes),
                   code="limit.size")


def size_findings(path: str, size: int, front_matter: str, body: str, body_line: int,
                  limits: LimitsSection) -> list[Finding]:
    """Findings for a content file of ``size`` bytes split into front matter and body; empty when within."""
    out: list[Finding] = []
    fm_size = _size(front_matter, limits.front_matter_bytes)
    if fm_size > limits.front_matter_bytes:
        out.append(Finding(path, 2, _("the front matter is {fm_size:,} bytes; the limit is {front_matter_bytes:,} "
                                      "(limits.front_matter_bytes in warta.yml); the item is not loaded",
                                      fm_size=fm_size, front_matter_bytes=limits.front_matter_bytes), code="limit.size"))
    body_size = _size(body, limits.body_bytes)
    if body_size > limits.body_bytes:
        out.append(Finding(path, body_line, _("body: the body is {body_size:,} bytes; the limit is {body_bytes:,} "
                                              "(limits.body_bytes in warta.yml); the item is not loaded",
                                              body_size=body_size, body_bytes=limits.body_bytes), "body", code="limit.size"))
    if not out:
        whole = file_finding(path, size, limits)
        if whole is not None:
            out.append(whole)
    return out
