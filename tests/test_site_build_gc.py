"""build_site freezes long-lived objects out of the garbage collector while it writes (docs/benchmarks.md),
and gives them back, built or failed: a process that builds many times (tests, a long-lived tool) keeps
collecting its cycles."""

from __future__ import annotations

import gc
import shutil
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.errors import BuildError
from pipeline.site import build_site
from tests.test_site_build import PROJECT, load, make_site


@pytest.fixture(autouse=True)
def _collected() -> Iterator[None]:
    """What a build (a failed one above all: its traceback holds the payloads in cycles) leaves is collected
    before the next test, which may count live objects (tests/test_site_memory.py)."""
    yield
    gc.collect()


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_a_build_leaves_nothing_frozen_out_of_the_collector(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    gc.unfreeze()
    garbage = _Cycle()  # alive while the build runs, then cyclic garbage the collector must still free
    gone = weakref.ref(garbage)
    site = load(root)
    build_site(site, root / "_site")
    assert gc.get_freeze_count() == 0
    del garbage
    gc.collect()
    assert gone() is None


def test_a_failed_build_leaves_nothing_frozen_out_of_the_collector(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    theme = tmp_path / "theme"
    shutil.copytree(PROJECT / "theme", theme)
    item = theme / "templates" / "item.html"
    item.write_text(item.read_text(encoding="utf-8") + "\n{% if %}\n", encoding="utf-8")
    gc.unfreeze()
    with pytest.raises(BuildError, match="item.html"):
        build_site(load(root), root / "_site", theme=theme)
    assert gc.get_freeze_count() == 0


def test_a_build_inside_a_callers_freeze_leaves_the_callers_objects_frozen(tmp_path: Path) -> None:
    """publish freezes the plan's objects for its build and deploy (pipeline/collector.py): the
    build's own unfreeze must not undo that (gc.unfreeze moves every frozen object back)."""
    root = make_site(tmp_path / "site")
    site = load(root)
    gc.unfreeze()
    held = _Cycle()
    gc.freeze()
    try:
        build_site(site, root / "_site")
        assert gc.get_freeze_count() > 0
        assert not any(o is held for o in gc.get_objects())  # still out of the collector's reach
    finally:
        gc.unfreeze()
    assert any(o is held for o in gc.get_objects())
