"""How a large site's pages are made: pagination that links a window of pages, cards shared between lists,
the replaced output deleted out of the build's way. Real builds in tmp_path."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

from pipeline.cachedir import CACHE_DIRNAME, SITE_TRASH
from pipeline.site import build_site, output
from pipeline.site.generators import Pager
from pipeline.site.serving import make_server
from tests.test_site_build import _release, load, make_site, page, siblings


def test_the_pagination_window_is_first_last_and_two_either_side() -> None:
    assert Pager("x/", 1, 1, ()).window == [1]
    assert Pager("x/", 3, 5, ()).window == [1, 2, 3, 4, 5]
    assert Pager("x/", 1, 1000, ()).window == [1, 2, 3, None, 1000]
    assert Pager("x/", 500, 1000, ()).window == [1, None, 498, 499, 500, 501, 502, None, 1000]
    assert Pager("x/", 4, 1000, ()).window == [1, 2, 3, 4, 5, 6, None, 1000]
    assert Pager("x/", 1000, 1000, ()).window == [1, None, 998, 999, 1000]
    # one page left out between 1 and the window is still an ellipsis (as before: never a lone link)
    assert Pager("x/", 5, 9, ()).window == [1, None, 3, 4, 5, 6, 7, None, 9]


def _many(tmp: Path, n: int) -> Path:
    root = make_site(tmp / "site", per_page=1)
    (root / "content/siaran-pers/2023").mkdir()
    for i in range(n):
        (root / f"content/siaran-pers/2023/rilis-{i:02d}.md").write_text(
            _release(f"Rilis Nomor {i:02d}", f"2023-01-{i + 1:02d}", "pertanian", f"Isi rilis {i}."), encoding="utf-8")
    return root


def test_a_middle_list_page_links_its_neighbours_the_ends_and_marks_itself(tmp_path: Path) -> None:
    root = _many(tmp_path, 20)
    out = root / "_site"
    build_site(load(root), out)
    html = page(out, "siaran-pers/hal/10")
    nav = re.search(r'<nav class="pagination".*?</nav>', html, re.S)
    assert nav is not None
    links = re.findall(r'<a href="[^"]*">(\d+)</a>', nav.group())
    assert links == ["1", "8", "9", "11", "12", re.findall(r"\d+", nav.group())[1]]  # last: the page count
    assert '<span aria-current="page">10</span>' in nav.group()
    assert nav.group().count('<li aria-hidden="true">…</li>') == 2
    assert 'rel="prev" href="../../../siaran-pers/hal/9/"' in nav.group()
    assert 'rel="next" href="../../../siaran-pers/hal/11/"' in nav.group()


def test_a_card_is_the_same_in_every_list_and_links_from_each_page(tmp_path: Path) -> None:
    root = _many(tmp_path, 3)
    out = root / "_site"
    build_site(load(root), out)

    def card(base: str) -> str:
        """The card of 'Rilis Nomor 01' on whichever page of the list ``base`` it is (one per page)."""
        for folder in sorted((out / base / "hal").iterdir()):
            html = page(out, f"{base}/hal/{folder.name}")
            found = re.search(r'<li class="card">(?:(?!</li>).)*?Rilis Nomor 01.*?</li>', html, re.S)
            if found:
                return found.group()
        raise AssertionError(f"no card of Rilis Nomor 01 in {base}")

    on_kind = card("siaran-pers")  # three levels below the root (siaran-pers/hal/N/)
    on_tag = card("tag/pertanian")  # four levels
    assert 'href="../../../siaran-pers/2023/rilis-01/"' in on_kind
    assert 'href="../../../../siaran-pers/2023/rilis-01/"' in on_tag
    assert on_kind.replace("../", "") == on_tag.replace("../", "")
    assert "__warta_root__" not in on_kind + on_tag


def test_the_replaced_output_is_deleted_in_the_background_not_left_beside_it(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    out = root / "_site"
    site = load(root)
    build_site(site, out)
    (out / "siaran-pers" / "stale.html").write_text("from the first build", encoding="utf-8")
    build_site(site, out)
    assert not (out / "siaran-pers" / "stale.html").exists()  # the new output replaced the old one whole
    assert siblings(out) == []  # nothing set aside beside the output
    for deleter in list(output._DELETERS):
        assert deleter.wait(timeout=120) == 0
    trash = root / CACHE_DIRNAME / SITE_TRASH
    assert trash.is_dir() and list(trash.iterdir()) == []


def test_without_a_trash_folder_the_old_output_is_deleted_at_once(tmp_path: Path) -> None:
    old = tmp_path / "old"
    (old / "a").mkdir(parents=True)
    (old / "a" / "page.html").write_text("x", encoding="utf-8")
    output.discard(old, None)
    assert not old.exists()


def test_a_search_finds_items_of_several_years_and_pages_through_the_merged_bundles(browser: Any,
                                                                                   tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    out = root / "_site"
    build_site(load(root), out)
    server = make_server(out, 0, "https://example.org", quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    tab = browser.new_page()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        # "kalurahan": the 2025 release on the seedlings (its place) and the 2024 one on the contest (title)
        tab.goto(base + "cari/?q=kalurahan", wait_until="networkidle")
        tab.locator(".pagefind-ui__result-link").first.wait_for(timeout=20_000)
        hrefs = tab.locator(".pagefind-ui__result-link").evaluate_all("links => links.map(a => a.href)")
        assert any("/siaran-pers/2025/bantuan-bibit/" in h for h in hrefs), hrefs
        assert any("/siaran-pers/2024/lomba-kalurahan/" in h for h in hrefs), hrefs
        tab.goto(base + "cari/?q=profil", wait_until="networkidle")  # a page (halaman), in its own bundle
        tab.locator(".pagefind-ui__result-link").first.wait_for(timeout=20_000)
        hrefs = tab.locator(".pagefind-ui__result-link").evaluate_all("links => links.map(a => a.href)")
        assert any(h.endswith("/profil/") for h in hrefs), hrefs
    finally:
        tab.close()
        server.shutdown()
        server.server_close()
