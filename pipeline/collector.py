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

- :func:`resume`: the end of a pause. Turned back on as it is, the collector's first allocation would
  make one pass over everything made meanwhile, all of it still in the youngest generation (0.11 s after
  publish's plan at 10,000 releases, 0.06 s after a cold ``verify --all``'s evaluation): those objects go
  to the oldest generation at once instead (``gc.freeze`` then ``gc.unfreeze``: two list splices), where
  the next full collection looks at them, as at everything else that lives long.
- :func:`leave`: the end of the ``warta`` program. The interpreter's exit makes a last full collection
  and frees every object one by one (0.16-0.25 s of a ``warta publish`` with nothing new at 10,000);
  frozen, they are left to the operating system, which takes the whole memory back at once. Files and
  other resources are closed by warta where it opens them, ``atexit`` handlers (temporary folders,
  logging) still run, and the standard streams are still flushed.
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
        resume(was)


@contextlib.contextmanager
def frozen() -> Iterator[None]:
    """Inside the block, collections do not walk the objects that existed before it."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def resume(enabled: bool) -> None:
    """End a pause (``gc.disable`` by the caller): the objects made meanwhile join the oldest generation
    without a pass over them (see the module docstring), then the collector is on again if ``enabled``
    (it was before the pause). Only where nothing is frozen: a caller's own freeze is left as it is."""
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()
    if enabled:
        gc.enable()


def leave() -> None:
    """The program ends: no last collection, no object freed one by one (see the module docstring)."""
    gc.freeze()
