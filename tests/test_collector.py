"""pipeline/collector.py: the end of a pause moves what was made meanwhile to the oldest generation
without a pass over it (and cyclic garbage is still collected later); the ``warta`` program leaves its
objects to the operating system at exit, with temporary folders removed and files flushed as before."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import weakref
from pathlib import Path

from pipeline import collector

PROJECT = Path(__file__).resolve().parents[1]


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def _generation_of(obj: object) -> int | None:
    for generation in range(3):
        if any(o is obj for o in gc.get_objects(generation)):
            return generation
    return None


def test_the_end_of_a_pause_moves_what_was_made_to_the_oldest_generation_and_garbage_is_still_freed() -> None:
    gc.collect()
    with collector.paused():
        assert not gc.isenabled()
        kept = [_Cycle() for _ in range(1000)]
        garbage = _Cycle()
        gone = weakref.ref(garbage)
        assert _generation_of(kept[0]) == 0  # made during the pause: the youngest generation
    assert gc.isenabled() and gc.get_freeze_count() == 0
    assert _generation_of(kept[0]) == 2 and _generation_of(garbage) == 2  # joined the oldest without a pass
    assert gc.get_count()[0] < 100  # the young generation no longer holds them
    del garbage
    gc.collect()
    assert gone() is None  # a full collection still finds the cycle


def test_the_end_of_a_pause_leaves_a_callers_freeze_and_a_disabled_collector_alone() -> None:
    gc.collect()
    held = _Cycle()
    gc.freeze()
    try:
        with collector.paused():
            made = _Cycle()
        assert gc.get_freeze_count() > 0 and _generation_of(held) is None  # still frozen
        assert _generation_of(made) == 0  # nothing moved while a caller's freeze stands
    finally:
        gc.unfreeze()
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()  # a caller without the collector keeps it off
    finally:
        gc.enable()


SCRIPT = """
import gc, json, os, sys, tempfile
from pipeline import cli
kept = tempfile.TemporaryDirectory(prefix="warta-exit-")
handle = open(sys.argv[1], "w", encoding="utf-8")
handle.write("ditulis sebelum keluar")
sys.argv = ["warta", "--lang", "id", "--help"]
try:
    cli.command()
finally:
    print(json.dumps({"folder": kept.name, "frozen": gc.get_freeze_count() > 0}), file=sys.stderr)
"""


def test_the_program_leaves_its_objects_to_the_system_and_still_cleans_up(tmp_path: Path) -> None:
    written = tmp_path / "unclosed.txt"
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(written)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "warta" in done.stdout  # the help was printed
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["frozen"]  # collector.leave ran
    assert not Path(report["folder"]).exists()  # atexit handlers still ran: the temporary folder is gone
    assert written.read_text(encoding="utf-8") == "ditulis sebelum keluar"  # an unclosed file still flushed


def test_the_console_script_and_python_m_run_the_program_entry() -> None:
    text = (PROJECT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'warta = "pipeline.cli:command"' in text
    assert "command()" in (PROJECT / "pipeline" / "__main__.py").read_text(encoding="utf-8")
