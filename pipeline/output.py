"""How much a command says: ``-q`` (only results, warnings and errors), default, ``-v`` (more detail).

Results (a finding line, a file name, a JSON document) are printed whatever the level; :func:`info`
is progress and hints (silenced by ``-q``), :func:`detail` what a curious operator may want (shown by
``-v``). Both go to stderr, so stdout stays the result. :func:`warn` is a warning about the run itself
(e.g. a committed ``.warta-cache`` that is ignored): printed once on stderr whatever the level, and carried
in the ``warnings`` of the command's ``--json`` document (:func:`with_warnings`).
"""

from __future__ import annotations

import sys
from typing import Any

QUIET, NORMAL, VERBOSE = 0, 1, 2
_level = NORMAL
_warnings: list[str] = []  # this process's run warnings, in order, each once


def set_level(level: int) -> None:
    global _level
    _level = level


def level() -> int:
    return _level


def info(message: str) -> None:
    """Progress and hints: not with ``-q``."""
    if _level >= NORMAL:
        print(message, file=sys.stderr)


def detail(message: str) -> None:
    """Only with ``-v``."""
    if _level >= VERBOSE:
        print(message, file=sys.stderr)


def warn(message: str) -> None:
    """A warning about the run: on stderr once (even with ``-q``), and in :func:`with_warnings`."""
    if message not in _warnings:
        _warnings.append(message)
        print(f"warta: warning: {message}", file=sys.stderr)  # the word stays English, as in "warta: error:"


def reset_warnings() -> None:
    """Forget the run warnings (a new command starts: :func:`pipeline.cli.main`)."""
    _warnings.clear()


def warnings() -> list[str]:
    """The run warnings given so far (:func:`warn`)."""
    return list(_warnings)


def with_warnings(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` (a ``--json`` document) with the run warnings, when there are any, in front of its
    ``warnings`` list (added when it has none); a document whose ``warnings`` is something else (``check``'s
    count) gets them as ``run_warnings``. Each warning is there once."""
    if not _warnings:
        return doc
    own = doc.get("warnings")
    if own is None or isinstance(own, list):
        kept = list(own or [])
        doc["warnings"] = [*(w for w in _warnings if w not in kept), *kept]
    else:
        doc["run_warnings"] = list(_warnings)
    return doc
