"""Test hooks of ``warta publish`` (never set them in production) and the run's clock.

``WARTA_FAULT_AT=<point>`` makes the process kill itself with SIGKILL at that point (:data:`FAULT_POINTS`);
``WARTA_NOW=<ISO 8601 time>`` sets the clock the run judges embargoes and stamps publications with (the
run says so on its output); ``WARTA_TEST_BARRIER=<folder>:<n>`` holds each run before its first push
until ``n`` runs got there (``WARTA_TEST_BARRIER_ANNOUNCE``: the same before the push of the posting
attempts).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.clock import NOW_ENV as NOW_ENV  # the run's clock, re-exported here
from pipeline.clock import clock as clock

FAULT_ENV = "WARTA_FAULT_AT"
BARRIER_ENV = "WARTA_TEST_BARRIER"
ANNOUNCE_BARRIER_ENV = "WARTA_TEST_BARRIER_ANNOUNCE"  # the same, before the push of a run's posting attempts
FAULT_POINTS = (
    "numbering",  # record files written under arsip/, not committed
    "numbering-commit",  # numbering commit made, no tags, not pushed
    "numbering-tags",  # tags made, not pushed
    "build",  # while the site is being written into the staging folder
    "deploy",  # in the middle of the deploy copy
    "announce",  # after the first payload of the run was written
    "record",  # publication records written under arsip/, not committed
    "record-commit",  # publication commit made, not pushed
)
ANNOUNCE_FAULT_POINTS = (  # with platform channels (pipeline/publish/posting.py; tests/channels)
    "announce-resolved",  # people's resolutions committed, not pushed
    "announce-attempts",  # the attempts committed, not pushed (no claim yet)
    "announce-claimed",  # the attempts pushed (claimed), no call made
    "announce-call",  # the first platform call returned, its outcome not recorded
    "announce-outcomes",  # the outcomes committed, not pushed
)

def fault(point: str) -> None:
    if os.environ.get(FAULT_ENV) == point:
        sys.stdout.flush()
        sys.stderr.flush()
        os.kill(os.getpid(), signal.SIGKILL)


def barrier(env: str = BARRIER_ENV) -> None:
    """For ``WARTA_TEST_BARRIER=<folder>:<n>``: before its first push, wait (at most a minute) until ``n``
    runs have reached this point, so that concurrent runs really race for the push."""
    raw = os.environ.get(env, "")
    if not raw or ":" not in raw:
        return
    folder, count = raw.rsplit(":", 1)
    Path(folder).mkdir(parents=True, exist_ok=True)
    (Path(folder) / str(os.getpid())).touch()
    for _ in range(6000):
        if len(list(Path(folder).iterdir())) >= int(count):
            return
        threading.Event().wait(0.01)


@contextmanager
def fault_during_build(staging: Path) -> Iterator[None]:
    """For ``WARTA_FAULT_AT=build``: die as soon as the build has written a page into its temporary
    folder (and at the latest when it returns), so the kill lands inside the build."""
    if os.environ.get(FAULT_ENV) != "build":
        yield
        return
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.005):
            for temp in staging.glob(".*.building-*"):
                if any(temp.rglob("*.html")):
                    fault("build")

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
    fault("build")
