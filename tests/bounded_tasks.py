"""Module-level functions for tests/test_bounded.py: the workers import them by name."""

from __future__ import annotations

import os
import time


def square_or_sleep(n: int) -> int:
    """``n * n``, except that a negative ``n`` sleeps ``-n`` seconds first (a body that is too slow)."""
    if n < 0:
        time.sleep(-n)
    return n * n


def fail_on_seven(n: int) -> int:
    if n == 7:
        raise ValueError("seven is refused")
    return n


def die_on_three(n: int) -> int:
    if n == 3:
        os._exit(9)  # the worker process ends abruptly (as when the kernel kills it for memory)
    return n


def worker_pid(_: int) -> int:
    return os.getpid()


def environment(_: int) -> dict[str, str]:
    return dict(os.environ)
