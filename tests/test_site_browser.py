"""The built site in a real headless Chromium (Debian's /usr/bin/chromium through Playwright).

Served by http.server on 127.0.0.1; every request the page makes is recorded, and none may leave
127.0.0.1. Skipped only when /usr/bin/chromium is absent (CI installs it).
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from pipeline.site import PageExtra, build_site
from tests.test_site_build import load, make_site
from tests.test_site_register import records_of

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium); CI installs it",
)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = make_site(tmp_path_factory.mktemp("browser") / "site")
    extras = {"content/informasi-publik/2025/cuaca.md": PageExtra(forced=True)}
    out = build_site(load(root), root / "_site", records=records_of(root), extras=extras).output
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(out)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()



def _open(browser: Any, url: str, width: int) -> tuple[Any, list[str]]:
    page = browser.new_page(viewport={"width": width, "height": 800})
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(url, wait_until="networkidle")
    return page, requests


PAGES = [
    "",
    "siaran-pers/2025/bantuan-bibit/",
    "daftar-informasi-publik/",
    "siaran-pers/",
    "pengumuman/2025/jadwal-layanan/",
    "arsip/",
    "tag/",
    "daftar-arsip/",
    "daftar-arsip/2025/",
    "daftar-arsip/klasifikasi/400.14.5.6/",
    "siaran-pers/2025/ditarik/",
]


@pytest.mark.parametrize("path", PAGES)
def test_page_renders_fits_phone_and_stays_local(browser: Any, server: str, path: str) -> None:
    page, requests = _open(browser, f"{server}/{path}", 360)
    try:
        assert page.locator("h1").count() == 1
        assert page.locator("main#isi").count() == 1 and page.locator("header").count() >= 1
        assert page.locator("footer").count() >= 1 and page.locator("nav").count() >= 1
        # the layout fits a 360 px phone: the page never scrolls sideways
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path}: {overflow}px wider than the screen"
        for request in requests:
            assert urlsplit(request).hostname == "127.0.0.1", f"{path} fetched {request}"
        # every image knows its shape before it arrives, and says what it shows
        for img in page.locator("img").all():
            assert img.get_attribute("width") and img.get_attribute("height")
            assert (img.get_attribute("alt") or "").strip()
        # no stylesheet failed to load
        assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("system-ui")
    finally:
        page.close()


def test_skip_link_moves_focus_to_main_content(browser: Any, server: str) -> None:
    page, _ = _open(browser, f"{server}/siaran-pers/2025/bantuan-bibit/", 1280)
    try:
        page.keyboard.press("Tab")
        focused = page.evaluate("[document.activeElement.className, document.activeElement.textContent]")
        assert focused == ["skip-link", "Langsung ke isi utama"]
        box = page.locator(".skip-link").bounding_box()
        assert box is not None and box["y"] >= 0  # visible once focused
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "isi"
        assert page.evaluate("location.hash") == "#isi"
    finally:
        page.close()


def test_photo_loads_from_the_site(browser: Any, server: str) -> None:
    page, requests = _open(browser, f"{server}/siaran-pers/2025/bantuan-bibit/", 1280)
    try:
        hero = page.locator("figure.hero img")
        assert hero.evaluate("img => img.complete && img.naturalWidth > 0")
        assert any("/media/" in r for r in requests)
        assert page.evaluate("document.documentElement.lang") == "id"
    finally:
        page.close()


def test_register_row_is_reached_from_the_release_page(browser: Any, server: str) -> None:
    page, _ = _open(browser, f"{server}/siaran-pers/2025/bantuan-bibit/", 360)
    try:
        page.locator(".item-record a.archive-number").click()
        page.wait_for_load_state("networkidle")
        assert page.evaluate("location.pathname") == "/daftar-arsip/2025/"
        row = page.locator("tr:target")
        assert row.count() == 1 and "400.14.5.6/1/DPMK/2025" in row.inner_text()
        # the row is on screen, highlighted
        box = row.bounding_box()
        assert box is not None and -1 <= box["y"] < 800  # scrolled to its top (sub-pixel rounding aside)
        assert row.evaluate("tr => getComputedStyle(tr).backgroundColor") != "rgba(0, 0, 0, 0)"
    finally:
        page.close()


def test_screenshots_for_people(browser: Any, server: str, tmp_path: Path) -> None:
    """Full-page screenshots at phone and desktop width (kept in tmp_path for a person to look at;
    WARTA_SCREENSHOTS=DIR keeps them in DIR)."""
    folder = Path(os.environ.get("WARTA_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    for width in (360, 1280):
        for path in ("", "siaran-pers/2025/bantuan-bibit/", "daftar-arsip/", "daftar-arsip/2025/"):
            page, _ = _open(browser, f"{server}/{path}", width)
            try:
                shot = folder / f"{width}-{path.strip('/').replace('/', '_') or 'home'}.png"
                page.screenshot(path=str(shot), full_page=True)
                assert shot.stat().st_size > 5000
            finally:
                page.close()
