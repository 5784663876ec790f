"""The example site checked by real clients: axe-core in headless Chromium on every page at a phone's and a
laptop's width, the W3C Nu HTML checker on every page and stylesheet, a crawl of every internal link at the
domain root and under a sub-path (and from a deep 404), the feeds read by feedparser, and Pagefind finding a
release by a word of its body in the browser.

The tools come from the registries, never from the internet at test time: axe-core and vnu-jar from npm
(``package.json``, installed by ``.ci/run`` with ``npm ci``), Chromium and Java from Debian.
"""

from __future__ import annotations

import html.parser
import json
import re
import shutil
import subprocess
import urllib.error
import urllib.request
from collections import deque
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
import pytest
from site_helpers import AXE, VNU, Served, html_pages, page_url

from pipeline.config import load_config

WIDTHS = (390, 1366)


def _need(path: Path, what: str) -> None:
    if not path.is_file():
        pytest.skip(f"{what} is missing ({path}): run 'npm ci' in the project (.ci/run does)")


# --- axe-core ------------------------------------------------------------------------------------------


def _axe(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
             .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"""
    )
    return [str(v) for v in found]


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_passes_axe_core(browser: Any, at_root: Served, width: int) -> None:
    _need(AXE, "axe-core")
    pages = html_pages(at_root.folder)
    assert len(pages) > 40
    context = browser.new_context(viewport={"width": width, "height": 844 if width < 600 else 900})
    problems: dict[str, list[str]] = {}
    try:
        page = context.new_page()
        for rel in pages:
            page.goto(page_url(at_root.base, rel), wait_until="load")
            found = _axe(page)
            if found:
                problems[rel] = found
        # the phone's menu, opened (without JavaScript: a link to #menu)
        if width < 600:
            page.goto(at_root.base + "#menu", wait_until="load")
            assert page.locator("#menu").is_visible()
            if found := _axe(page):
                problems["#menu"] = found
    finally:
        context.close()
    assert not problems, json.dumps(problems, indent=1, ensure_ascii=False)


_ON_FIRST_SCREEN = """name => {
  let n = 0;
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    const text = walk.currentNode;
    if (!text.textContent.includes(name)) continue;
    const range = document.createRange();
    range.selectNodeContents(text);
    const box = range.getBoundingClientRect();
    if (box.height > 0 && box.top < innerHeight) n++;
  }
  return n;
}"""


def test_phone_menu_shows_every_section_without_sideways_scrolling(browser: Any, at_root: Served) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640}, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(at_root.base, wait_until="load")
        assert not page.locator("#menu").is_visible()  # closed: the first screen is the office and its news
        # the office's name once on the first screen, beside its logo
        name = load_config(at_root.root).site.name
        assert page.locator(".site-header .brand").inner_text().strip() == name
        assert page.locator(".site-header img.brand-mark").evaluate("i => i.complete && i.naturalWidth > 0")
        assert page.evaluate(_ON_FIRST_SCREEN, name) == 1
        page.locator("a.menu-open").click()
        links = page.locator("#menu li a")
        assert links.count() >= 12
        for i in range(links.count()):
            box = links.nth(i).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 320, links.nth(i).inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        names = links.all_inner_texts()
        for section in ("Daftar Informasi Publik", "Kontak", "Permohonan Informasi Publik", "Pengajuan Keberatan",
                        "Maklumat Pelayanan", "Laporan Layanan", "Arsip", "Cari"):
            assert section in names
    finally:
        context.close()


# --- the Nu HTML checker ---------------------------------------------------------------------------------


def _vnu(*args: str) -> list[dict[str, Any]]:
    java = shutil.which("java")
    if java is None:
        pytest.skip("java is missing (apt-get install default-jre-headless; .ci/run does)")
    done = subprocess.run([java, "-jar", str(VNU), "--format", "json", "--exit-zero-always", *args],
                          capture_output=True, text=True, timeout=600, check=False)
    messages: list[dict[str, Any]] = json.loads(done.stderr or done.stdout)["messages"]
    return [m for m in messages if m.get("type") == "error" or m.get("subType") == "fatal"]


def test_nu_checker_finds_no_error_on_any_page_or_stylesheet(at_root: Served) -> None:
    _need(VNU, "vnu-jar")
    pages = [str(at_root.folder / p) for p in html_pages(at_root.folder)]
    errors = _vnu("--html", *pages)
    assert not errors, "\n".join(f"{m.get('url')}:{m.get('lastLine')}: {m.get('message')}" for m in errors)
    css = [str(p) for p in at_root.folder.rglob("*.css")]  # warta.css and the search interface's
    assert css
    errors = _vnu("--css", *css)
    assert not errors, "\n".join(f"{m.get('url')}:{m.get('lastLine')}: {m.get('message')}" for m in errors)


# --- links ---------------------------------------------------------------------------------------------


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        for key in ("href", "src"):
            if a.get(key) and not (tag == "link" and a.get("rel") == "canonical"):
                self.urls.append(a[key])
        if a.get("srcset"):
            self.urls += [c.strip().split(" ")[0] for c in a["srcset"].split(",") if c.strip()]


def _get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - the local test server
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read()


def _crawl(served: Served) -> tuple[set[str], list[str]]:
    """Every address reachable from the home page on this host: (visited, broken as 'page -> url status')."""
    origin = urlsplit(served.base).netloc
    queue: deque[tuple[str, str]] = deque([("(start)", served.base)])
    seen: set[str] = {served.base}
    broken: list[str] = []
    while queue:
        source, url = queue.popleft()
        status, kind, body = _get(url)
        if status != 200:
            broken.append(f"{source} -> {url} {status}")
            continue
        if "text/html" not in kind:
            continue
        parser = _Links()
        parser.feed(body.decode("utf-8"))
        for link in parser.urls:
            target = urljoin(url, link).split("#", 1)[0]
            parts = urlsplit(target)
            if parts.scheme not in ("http", "https") or parts.netloc != origin or target in seen:
                continue
            seen.add(target)
            queue.append((url, target))
    return seen, broken


@pytest.mark.parametrize("where", ["at_root", "under_subpath"])
def test_internal_link_crawl_finds_no_broken_link(where: str, request: pytest.FixtureRequest) -> None:
    served: Served = request.getfixturevalue(where)
    seen, broken = _crawl(served)
    assert not broken, "\n".join(broken)
    # the crawl reached every page of the site, and never left the site's path
    reached = {urlsplit(u).path for u in seen}
    prefix = urlsplit(served.base).path
    assert all(p.startswith(prefix) for p in reached)
    for rel in html_pages(served.folder):
        if rel != "404.html":
            assert urlsplit(page_url(served.base, rel)).path in reached, rel


@pytest.mark.parametrize("where", ["at_root", "under_subpath"])
def test_a_deep_missing_address_gets_the_styled_404_page_with_working_links(
        where: str, request: pytest.FixtureRequest) -> None:
    served: Served = request.getfixturevalue(where)
    deep = served.base + "siaran-pers/2025/tidak/ada/di/sini/"
    status, _, body = _get(deep)
    assert status == 404
    text = body.decode("utf-8")
    assert "Halaman tidak ditemukan" in text
    parser = _Links()
    parser.feed(text)
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', text)
    assert stylesheet is not None and _get(urljoin(deep, stylesheet.group(1)))[0] == 200
    home = re.search(r'<a href="([^"]+)">Kembali ke beranda</a>', text)
    assert home is not None and urljoin(deep, home.group(1)) == served.base
    for link in parser.urls:
        target = urljoin(deep, link).split("#", 1)[0]
        if urlsplit(target).netloc == urlsplit(served.base).netloc and target != deep:
            assert _get(target)[0] == 200, link


# --- feeds ---------------------------------------------------------------------------------------------


def test_feeds_parse_with_the_office_as_author_and_the_items_own_dates(at_root: Served) -> None:
    config = load_config(at_root.root)
    feeds = sorted((at_root.folder / "feeds").glob("*.atom.xml"))
    assert len(feeds) >= 4
    for feed_file in feeds:
        parsed = feedparser.parse(feed_file.read_bytes())
        assert not parsed.bozo, (feed_file.name, parsed.get("bozo_exception"))
        assert parsed.entries, feed_file.name
        for entry in parsed.entries:
            assert entry.author == config.site.name
            assert entry.link.startswith(config.site.url + "/")
            # the entry's date is the item's date as its page shows it
            rel = entry.link[len(config.site.url) + 1:]
            html_text = (at_root.folder / rel / "index.html").read_text(encoding="utf-8")
            shown = re.search(r'<p class="item-date">.*?<time datetime="([^"]+)"', html_text, re.S)
            assert shown is not None
            assert entry.published.startswith(shown.group(1)[:10]), (entry.link, entry.published, shown.group(1))


# --- search --------------------------------------------------------------------------------------------


def test_pagefind_finds_a_release_by_a_word_of_its_body(browser: Any, at_root: Served) -> None:
    requests: list[str] = []
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.on("request", lambda r: requests.append(r.url))
    try:
        # the home page loads no search asset; the search page loads Pagefind
        page.goto(at_root.base, wait_until="networkidle")
        assert not [u for u in requests if "/pagefind/" in u]
        page.fill("#q-home", "akuntabilitas")  # a word of the BUMKal release's body only, not of its title
        page.press("#q-home", "Enter")
        result = page.locator(".pagefind-ui__result-link").first
        result.wait_for(timeout=20_000)
        hrefs = page.locator(".pagefind-ui__result-link").evaluate_all("links => links.map(a => a.href)")
        assert any("siaran-pers/2025/pelatihan-manajemen-bumkal/" in h for h in hrefs), hrefs
        assert [u for u in requests if "/pagefind/" in u]
        assert all(urlsplit(u).netloc == urlsplit(at_root.base).netloc for u in requests)
        # the search page itself loads Pagefind only once someone searches
        requests.clear()
        page.goto(at_root.base + "cari/", wait_until="networkidle")
        assert not [u for u in requests if "/pagefind/" in u]
        page.fill("#q", "dilatih")
        # Indonesian stemming: "dilatih" finds the release that says "pelatihan"
        page.locator(".pagefind-ui__result-link").first.wait_for(timeout=20_000)
        hrefs = page.locator(".pagefind-ui__result-link").evaluate_all("links => links.map(a => a.href)")
        assert any("siaran-pers/2025/pelatihan-manajemen-bumkal/" in h for h in hrefs), hrefs
        # the filters: kind, year and kategori_informasi
        filters = page.locator(".pagefind-ui__filter-name").all_inner_texts()
        assert {"Jenis", "Tahun", "Kategori informasi"} <= {f.strip() for f in filters}, filters
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        # the results, as Pagefind's interface draws them, pass axe-core too
        if AXE.is_file():
            assert not _axe(page), _axe(page)
    finally:
        page.close()


def test_without_javascript_the_search_page_is_a_plain_list(browser: Any, at_root: Served) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(at_root.base + "cari/?q=bumkal", wait_until="load")
        assert page.locator(".search-nojs").is_visible()
        links = page.locator("#telusuri a").all_inner_texts()
        assert "Siaran Pers" in links and "Semua tag" in links and any(t.startswith("Arsip tahun") for t in links)
    finally:
        context.close()


# --- screenshots ---------------------------------------------------------------------------------------

SHOTS = {"beranda": "", "siaran-pers": "siaran-pers/2025/pelatihan-manajemen-bumkal/",
         "dip": "daftar-informasi-publik/", "daftar-arsip-2025": "daftar-arsip/2025/"}
SHOTS_DIR = Path(__file__).resolve().parents[2] / "docs" / "site"


@pytest.mark.parametrize("width", WIDTHS)
def test_first_screens_fit_the_width_and_are_kept_for_docs(browser: Any, at_root: Served, width: int,
                                                           tmp_path: Path) -> None:
    """The first screen of the home page, a release, the DIP and the register: nothing wider than the screen,
    every picture with its size given. ``WARTA_SCREENSHOTS=1`` keeps them in docs/site/ (docs/site.md)."""
    import os

    keep = os.environ.get("WARTA_SCREENSHOTS") == "1"
    folder = SHOTS_DIR if keep else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 844 if width < 600 else 900})
    try:
        page = context.new_page()
        for name, rel in SHOTS.items():
            page.goto(at_root.base + rel, wait_until="networkidle")
            assert page.evaluate("document.documentElement.scrollWidth") <= width, name
            unsized = page.evaluate("[...document.images].filter(i => !i.getAttribute('width') || "
                                    "!i.getAttribute('height')).map(i => i.src)")
            assert not unsized, (name, unsized)
            shot = folder / f"{name}-{width}.png"
            page.screenshot(path=str(shot))
            assert shot.stat().st_size > 5_000
    finally:
        context.close()
