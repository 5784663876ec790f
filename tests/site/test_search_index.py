"""The search index as Pagefind makes it from reduced pages, and as a browser searches it after a change:
real builds in tmp_path, the real ``pagefind`` binary, headless Chromium."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.cachedir import CACHE_DIRNAME
from pipeline.errors import BuildError
from pipeline.site import build_site, search, search_pages
from pipeline.site.search import BUNDLE, _executable, _staged, _work_folders, bundle_keys, groups, reduced
from pipeline.site.serving import make_server
from tests.test_site_build import load, make_site

PAGE = (b'<!DOCTYPE html>\n<html lang="id">\n<head><title>T</title></head>\n<body><header><img src="/l.png" alt="">'
        b'<nav>Menu</nav></header>\n<main><article class="item" data-pagefind-body><h1>Judul</h1>'
        b"<article><p>dalam</p></article><p>Isi.</p></article></main>\n<footer>Alamat</footer></body></html>\n")


def _files(folder: Path) -> dict[str, bytes]:
    """A bundle's files by name, but the filter chunks (and the meta and entry naming them by hash): Pagefind
    writes a filter's values in a different order from one run to the next, even from the same pages. The
    filters of each page are in its fragment, which is compared."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.parent.name != "filter" and p.suffix != ".pf_meta" and p.name != "pagefind-entry.json"}


def _filters(folder: Path) -> list[bytes]:
    """The filter chunks' bytes, each sorted (the values in any order)."""
    return sorted(bytes(sorted(gzip.decompress(p.read_bytes()))) for p in folder.glob("filter/*"))


def test_pagefind_makes_the_same_bundles_from_the_reduced_pages_as_from_the_whole_pages(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    out = build_site(load(root), root / "_site").output
    exe = _executable()
    assert exe is not None
    found = groups(out)
    assert set(found) == {"2025", "2024", "halaman"}
    # Pagefind numbers the pages in the order it finds them (the folder's order on its file system): the
    # whole pages are staged where and as the build stages its reduced ones
    folders = _work_folders(tmp_path)
    try:
        for name, pages in found.items():
            whole = folders[0] / f"stage-{name}"
            for rel, _whole, _read in pages:
                path = out / rel
                # warta's theme gives every indexed page (items and pages) in reduced form
                assert reduced(path.read_bytes()) is not None, path
                target = whole / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
            made = tmp_path / f"made-{name}"
            subprocess.run([str(exe), "--site", str(whole), "--output-path", str(made), "--silent"], check=True,
                           capture_output=True, timeout=300)
            built, whole_files = _files(out / BUNDLE / name), _files(made)
            assert {k: v for k, v in whole_files.items() if k in built} == built, name
            assert all("/" not in k for k in whole_files.keys() - built.keys()), name  # merged: no scripts
            assert _filters(made) == _filters(out / BUNDLE / name), name
            assert any(p.startswith("fragment/") for p in _files(made)) and any(p.startswith("index/") for p in _files(made))
    finally:
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)


def test_a_reduced_page_is_its_html_tag_and_its_whole_body_element() -> None:
    small = reduced(PAGE)
    assert small == (b'<!DOCTYPE html>\n<html lang="id"><body><article class="item" data-pagefind-body><h1>Judul</h1>'
                     b"<article><p>dalam</p></article><p>Isi.</p></article></body></html>\n")


def test_a_page_is_given_whole_when_something_outside_its_body_could_change_the_index() -> None:
    outside = {
        "a filter in the header": PAGE.replace(b"<nav>", b'<nav data-pagefind-filter="Jenis">'),
        "a meta in the head": PAGE.replace(b"<title>", b'<meta data-pagefind-meta="image:/x.png"><title>'),
        "an h1 before the body (Pagefind's title)": PAGE.replace(b"<nav>Menu</nav>", b"<h1>Kantor</h1>"),
        "two bodies": PAGE.replace(b"<footer>", b"<footer data-pagefind-body>"),
        "no h1 in the body": PAGE.replace(b"<h1>Judul</h1>", b"<h2>Judul</h2>"),
        "a body never closed": PAGE.replace(b"<p>Isi.</p></article></main>", b"<p>Isi.</p></main>"),
        "no html tag": PAGE.replace(b'<html lang="id">', b""),
        "no body": PAGE.replace(b" data-pagefind-body", b""),
    }
    for why, page in outside.items():
        assert page != PAGE, why
        assert reduced(page) is None, why


# Pagefind's interface shows "Searching for <term>..." in the same ``.pagefind-ui__message`` as its later "N
# results for <term>", and draws each result as a placeholder (``.pagefind-ui__loading``, no link) until the
# result's fragment has arrived: the search has settled once its results list is drawn (the list exists only
# after the search, even with no result), the message names the term, and no result is a placeholder.
SETTLED = """t => {
  const list = document.querySelector('#pencarian .pagefind-ui__results');
  const message = document.querySelector('#pencarian .pagefind-ui__message');
  return list !== null && message !== null && message.textContent.includes(t)
    && list.querySelector('.pagefind-ui__loading') === null;
}"""


def _search(tab: Any, url: str, term: str) -> list[str]:
    """The result links once Pagefind's interface has searched ``term`` and drawn every result it found."""
    tab.goto(url, wait_until="networkidle")
    tab.wait_for_function(SETTLED, arg=term, timeout=20_000)
    return [str(h) for h in tab.locator(".pagefind-ui__result-link").evaluate_all("ls => ls.map(a => a.href)")]


def test_a_changed_release_of_an_older_year_is_found_by_its_new_word_after_the_rebuild(browser: Any,
                                                                                        tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    out = root / "_site"
    build_site(load(root), out)
    server = make_server(out, 0, "https://example.org", quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    tab = browser.new_page()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        assert _search(tab, base + "cari/?q=jembatan", "jembatan") == []
        # the 2024 release gets a word no other page has; the 2025 bundle is the one the page loads first
        body = root / "content/siaran-pers/2024/lomba-kalurahan.md"
        body.write_text(body.read_text(encoding="utf-8") + "\nJembatan gantung diresmikan.\n", encoding="utf-8")
        build_site(load(root), out)
        hrefs = _search(tab, base + "cari/?q=jembatan", "jembatan")
        assert [h for h in hrefs if "/siaran-pers/" in h] == [base + "siaran-pers/2024/lomba-kalurahan/"], hrefs
        # the year filter holds the years of every bundle; choosing 2025 leaves out the 2024 release
        tab.goto(base + "cari/?q=kalurahan", wait_until="networkidle")
        tab.locator('.pagefind-ui__result-link[href*="/2024/"]').first.wait_for(timeout=20_000)
        tab.locator(".pagefind-ui__filter-name", has_text="Tahun").click()
        # Pagefind draws the filter from the first bundle and adds the merged bundles' values as they load:
        # wait until every bundle's year is there (not the moment only the first one's is)
        from playwright.sync_api import TimeoutError as PlaywrightTimeout  # only the browser tests pay for it

        years_js = "() => [...document.querySelectorAll('input[name=\"Tahun\"]')].map(b => b.value)"
        with contextlib.suppress(PlaywrightTimeout):
            tab.wait_for_function(f"({years_js})().includes('2024') && ({years_js})().includes('2025')",
                                  timeout=20_000)
        years = tab.evaluate(years_js)
        assert {"2024", "2025"} <= set(years), years
        tab.locator('input[name="Tahun"][value="2025"]').check()
        # the filtered search has settled (not the moment it is still searching, with no list drawn) and left
        # out every 2024 release
        tab.wait_for_function("t => (" + SETTLED + ")(t) && ![...document.querySelectorAll('.pagefind-ui__result-link')]"
                              ".some(a => a.href.includes('/2024/'))", arg="kalurahan", timeout=20_000)
        hrefs = tab.locator(".pagefind-ui__result-link").evaluate_all("links => links.map(a => a.href)")
        assert hrefs and all("/2025/" in h for h in hrefs), hrefs
    finally:
        tab.close()
        server.shutdown()
        server.server_close()


def test_pages_that_cannot_be_staged_in_ram_are_staged_in_the_next_folder(tmp_path: Path) -> None:
    site = tmp_path / "site"
    page = site / "siaran-pers/2025/bibit/index.html"
    page.parent.mkdir(parents=True)
    page.write_bytes(PAGE)
    full = tmp_path / "full"
    full.write_text("a file where a folder should be: making the stage fails as a full RAM disk does", encoding="utf-8")
    spare = tmp_path / "spare"
    spare.mkdir()
    rel = "siaran-pers/2025/bibit/index.html"
    stage = _staged(str(site), "2025", [(rel, hashlib.sha256(PAGE).hexdigest(), "")], (full, spare))
    assert stage == spare / "stage-2025"
    assert (stage / "siaran-pers/2025/bibit/index.html").read_bytes() == reduced(PAGE)


def test_a_failing_pagefind_run_stops_the_build_and_leaves_no_stage_behind(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    ram = tmp_path / "ram"
    ram.mkdir()
    monkeypatch.setattr(search, "RAM", ram)
    site = tmp_path / "site"
    for year in ("2024", "2025"):
        page = site / f"siaran-pers/{year}/bibit/index.html"
        page.parent.mkdir(parents=True)
        page.write_bytes(PAGE)
    monkeypatch.setattr(search, "OPTIONS", ("--silent", "--no-such-option"))  # Pagefind stops at once
    with pytest.raises(BuildError, match="pagefind"):
        search.index(site, tmp_path / "repo" / CACHE_DIRNAME)
    assert list(ram.iterdir()) == []
    cache = tmp_path / "repo" / CACHE_DIRNAME / search.CACHE
    assert list(cache.iterdir()) == []  # nothing kept of a failed run: no bundle, no stage, no half-written one


def test_a_change_to_every_page_outside_its_body_keeps_every_search_bundle(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    out = root / "_site"
    build_site(load(root), out)
    keys = bundle_keys(out)
    entry = out / BUNDLE / "2024" / "pagefind-entry.json"
    before = entry.read_bytes()  # Pagefind writes other bytes on every run: the same bytes are the kept bundle
    page = (out / "siaran-pers/2024/lomba-kalurahan/index.html").read_bytes()
    config = yaml.safe_load((root / "warta.yml").read_text(encoding="utf-8"))
    config["site"]["phone"] = "(0274) 999 1234"  # in the footer of every page
    (root / "warta.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    build_site(load(root), out)
    changed = (out / "siaran-pers/2024/lomba-kalurahan/index.html").read_bytes()
    assert changed != page and b"999 1234" in changed
    assert bundle_keys(out) == keys
    assert entry.read_bytes() == before  # the kept bundle, not made again
    # what Pagefind read of each page is remembered by the page's sha256, for the next build
    memo = json.loads((root / CACHE_DIRNAME / search.CACHE / search.READ_MEMO).read_text(encoding="utf-8"))
    assert memo["version"] == search.stage_version()
    assert hashlib.sha256(changed).hexdigest() in memo["pages"]
    assert memo["pages"][hashlib.sha256(changed).hexdigest()] == hashlib.sha256(reduced(changed) or b"").hexdigest()


def test_a_damaged_memo_of_what_pagefind_read_is_not_used(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    for text in ("not json", '["a list"]', '{"version": "other", "pages": {"a": "b"}}',
                 json.dumps({"version": search.stage_version(), "pages": ["a"]})):
        (cache / search.READ_MEMO).write_text(text, encoding="utf-8")
        assert search._known(cache) == {}, text
    good = {"version": search.stage_version(), "pages": {"a" * 64: "b" * 64, "c": 1}}
    (cache / search.READ_MEMO).write_text(json.dumps(good), encoding="utf-8")
    assert search._known(cache) == {"a" * 64: "b" * 64}


def test_other_code_for_reducing_pages_changes_every_bundle_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = tmp_path / "site/siaran-pers/2025/bibit/index.html"
    page.parent.mkdir(parents=True)
    page.write_bytes(PAGE)
    keys = bundle_keys(tmp_path / "site")
    edited = tmp_path / "search_pages.py"
    edited.write_bytes(Path(search_pages.__file__).read_bytes() + b"\n# reduced() changed\n")
    monkeypatch.setattr(search, "_CODE", (Path(search.__file__), edited))
    search.stage_version.cache_clear()
    try:
        assert bundle_keys(tmp_path / "site").keys() == keys.keys()
        assert bundle_keys(tmp_path / "site")["2025"] != keys["2025"]
    finally:
        monkeypatch.undo()
        search.stage_version.cache_clear()
    assert bundle_keys(tmp_path / "site") == keys
