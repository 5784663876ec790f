"""Giving the memory a build has freed back to the system between its stages.

CPython keeps what it frees: objects over 512 bytes (every body, every page's HTML) come from the C
library's ``malloc``, whose heap keeps freed blocks for reuse and returns pages to the system only from
its top. After a stage that made and dropped tens of MB (loading 10,000 items, their bodies sent to the
render workers, the pages written), the process's resident memory stays at its high-water mark, and it
is the size the next stage's helper processes (Pagefind) add to. :func:`give_back` asks glibc's
``malloc_trim`` to return every whole free page of its heap (a few ms); elsewhere it does nothing.
"""

from __future__ import annotations

import ctypes
import functools
import sys
from collections.abc import Callable


@functools.lru_cache(maxsize=1)
def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL(None).malloc_trim  # glibc; musl has none
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def give_back() -> bool:
    """Return the heap's free pages to the system; False where the C library cannot."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
