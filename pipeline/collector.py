"""Python's cyclic garbage collector during a publish run, a ``warta status`` and a ``warta check``.

A run holds a few hundred thousand long-lived objects (10,000 items, their approval chains, 10,000
archive records) that the stages make and keep, and almost none of them is ever garbage. Each full
collection walks all of them again: at 10,000 releases, about 0.9 s of a run with nothing new (of 4 s)
went to collections that found nothing, 0.22-0.25 s of a ``warta status`` showing 10,000 open items
(of 1.25 s) and about 0.1 s of a ``warta check`` of 10,000 items. So:

- :func:`paused`: no collection while publish makes its plan (snapshot, items, gate, numbers), while
  ``warta status`` reads, judges, checks and shows its items and while ``warta check`` checks them; what
  they make stays alive until the command ends anyway;
- :func:`frozen`: while the site is built and deployed, everything made before is moved out of the
  collector's reach (``gc.freeze``), so the collections the build triggers walk only the build's own
  objects, and are moved back afterwards (``gc.unfreeze``).

Neither changes what is collected in the end (reference counting frees everything that is not in a
cycle at once), only when cycles are looked for. Both restore the collector as they found it, also when
the stage raises.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection inside the block (the collector's state is restored after it)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@contextlib.contextmanager
def frozen() -> Iterator[None]:
    """Inside the block, collections do not walk the objects that existed before it."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
