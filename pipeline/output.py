"""How much a command says: ``-q`` (only results, warnings and errors), default, ``-v`` (more detail).

Results (a finding line, a file name, a JSON document) are printed whatever the level; :func:`info`
is progress and hints (silenced by ``-q``), :func:`detail` what a curious operator may want (shown by
``-v``). Both go to stderr, so stdout stays the result.
"""

from __future__ import annotations

import sys

QUIET, NORMAL, VERBOSE = 0, 1, 2
_level = NORMAL


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
