"""Shared fixtures: paths to the project, the shared test photos, and small site repositories."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from approvals_helpers import Person, make_cast
from site_helpers import ARGS, CHROMIUM

PROJECT = Path(__file__).resolve().parents[1]

# The suite's expected messages are the English source texts (msgids); Indonesian, the default, is tested in
# tests/test_i18n.py and where a test says so. Subprocesses inherit this.
os.environ["WARTA_LANG"] = "en"
PHOTOS = PROJECT.parent / "shared" / "testdata" / "photos"


@pytest.fixture(autouse=True)
def _language_as_it_was() -> Iterator[None]:
    """Each test leaves the message language as it found it: a command run in this process with ``--lang id``
    (approvals_helpers.Site.cli) chooses it for the whole process."""
    from pipeline import i18n

    before = i18n._language
    yield
    i18n._language = before


@pytest.fixture(scope="session")
def cast(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Person]:
    """The people of the test office (tests/approvals_helpers.py), each with an ed25519 key generated
    outside any repository; one set per test session."""
    return make_cast(tmp_path_factory.mktemp("keys"))


@pytest.fixture
def project_root() -> Path:
    return PROJECT


@pytest.fixture
def photos() -> Path:
    if not PHOTOS.is_dir():
        pytest.fail(f"test photos missing: {PHOTOS} (shared/ must sit beside the project)")
    return PHOTOS


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A site folder with the project's warta.yml and SOPs and no content yet (no git)."""
    root = tmp_path / "site"
    root.mkdir()
    shutil.copy(PROJECT / "warta.yml", root / "warta.yml")
    shutil.copytree(PROJECT / "sop", root / "sop")
    (root / "content").mkdir()
    return root


@pytest.fixture
def write(site: Path) -> Callable[[str, str | bytes], Path]:
    """Write a file into the site (text is dedented by the caller)."""

    def _write(rel: str, data: str | bytes) -> Path:
        path = site / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
        return path

    return _write


ALONE_CHILD = "WARTA_TEST_ALONE"  # set in the interpreter a test marked ``alone`` is run again in


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "alone: the test forks, which warta refuses while other threads run: it runs "
                                       "in a fresh interpreter when threads of earlier tests are still alive")


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test marked ``alone`` asserts that warta forks (pipeline/approvals/history_job.py, sharing.py fork
    only while no other thread runs). Threads earlier tests leave behind (a local HTTP server's handler of a
    kept-alive connection, a browser driver's) would make warta rightly refuse: such a test is then run again,
    alone, in a fresh interpreter (``python -m pytest <its id>``), and passes or fails with it."""
    if item.get_closest_marker("alone") is None or os.environ.get(ALONE_CHILD) or threading.active_count() == 1:
        return
    others = sorted(t.name for t in threading.enumerate() if t is not threading.current_thread())

    def run_alone() -> None:
        proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", item.nodeid],
                              cwd=item.config.rootpath, env={**os.environ, ALONE_CHILD: "1"},
                              capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, (f"run alone (threads here: {others}):\n{proc.stdout[-6000:]}\n"
                                      f"{proc.stderr[-2000:]}")

    item.runtest = run_alone  # type: ignore[method-assign]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    """With ``CI=true`` (on Linux, where CI installs every system package) a skipped test fails: a CI run
    must not pass because a required package (chromium, sshd, rsync: tools/system_check.py) is missing."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if (report.skipped and os.environ.get("CI", "").lower() == "true" and sys.platform.startswith("linux")
            and not hasattr(report, "wasxfail")):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which must run every test: {reason}"
    return None


class _ThreadlessWatcher(asyncio.PidfdChildWatcher):
    """Playwright's driver process watched through a pidfd on the loop that started it, not by Python 3.11's
    default watcher, a thread living as long as the driver: with that thread, every later test of the
    session that needs a fork (pipeline.approvals.history_job forks only while no other thread runs) failed."""

    def is_active(self) -> bool:
        loop = asyncio.get_running_loop()
        if getattr(self, "_loop", None) is not loop:  # (private in 3.11: the loop it was attached to)
            self.attach_loop(loop)
        return True


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole session: Playwright's sync API runs one event loop per thread, so
    a second ``sync_playwright()`` while another is open fails ("Sync API inside the asyncio loop")."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium); CI installs it")
    from playwright.sync_api import sync_playwright  # only the browser tests pay for it

    asyncio.set_child_watcher(_ThreadlessWatcher())
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
