"""The office's identity on the site (logo, coat of arms, icons, footer), the search index and its reuse,
the outline of bodies, expired announcements, and the 404 page under a sub-path: real builds in tmp_path."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import yaml
from PIL import Image

from pipeline.cachedir import CACHE_DIRNAME
from pipeline.config import load_config
from pipeline.governed import is_governed
from pipeline.site import build_site
from pipeline.site.outline import outline, wrap_tables
from pipeline.site.search import CACHE, bundle_keys, pages_key
from tests.test_site_build import PROJECT, load, make_site, page


def _site(tmp: Path, per_page: int = 2, **site: object) -> Path:
    root = make_site(tmp / "site", per_page=per_page)
    shutil.copytree(PROJECT / "identitas", root / "identitas")
    config = yaml.safe_load((root / "warta.yml").read_text(encoding="utf-8"))
    config["site"].update(site)
    (root / "warta.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root


def test_logo_gives_header_pictures_favicon_and_app_icons(tmp_path: Path) -> None:
    root = _site(tmp_path)
    out = build_site(load(root), root / "_site").output
    html = page(out, "siaran-pers/2025/bantuan-bibit")
    assert '<img class="brand-mark" src="../../../identitas/logo-48.png" srcset="../../../identitas/logo-96.png 2x" ' \
           'width="48" height="48" alt="">' in html
    assert '<link rel="icon" href="../../../identitas/favicon.ico" sizes="48x48">' in html
    assert '<link rel="manifest" href="../../../identitas/site.webmanifest">' in html
    with Image.open(out / "identitas/logo-96.png") as logo:
        assert logo.size == (96, 96)
    with Image.open(out / "favicon.ico") as ico:
        assert {(16, 16), (32, 32), (48, 48)} <= set(ico.info["sizes"])
    assert (out / "favicon.ico").read_bytes() == (out / "identitas/favicon.ico").read_bytes()
    for name, size in (("apple-touch-icon.png", 180), ("icon-192.png", 192), ("icon-512.png", 512)):
        with Image.open(out / "identitas" / name) as icon:
            assert icon.size == (size, size) and icon.mode == "RGB"  # opaque: launchers draw no black corners
    manifest = yaml.safe_load((out / "identitas/site.webmanifest").read_text(encoding="utf-8"))
    assert manifest["name"] == load_config(root).site.name and manifest["start_url"] == "../"


def test_coat_of_arms_stands_beside_the_logo(tmp_path: Path) -> None:
    root = _site(tmp_path)
    Image.new("RGB", (300, 400), (200, 30, 30)).save(root / "identitas/lambang.png")
    config = yaml.safe_load((root / "warta.yml").read_text(encoding="utf-8"))
    config["site"]["coat_of_arms"] = "identitas/lambang.png"
    (root / "warta.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    out = build_site(load(root), root / "_site").output
    html = page(out, "")
    # its own proportions (3:4), at the logo's height
    assert '<img class="brand-mark" src="./identitas/lambang-48.png" srcset="./identitas/lambang-96.png 2x" width="36" ' \
           'height="48" alt="">' in html
    assert html.index("lambang-48.png") < html.index("logo-48.png")


def test_a_damaged_logo_is_a_warning_and_no_page_shows_a_broken_picture(tmp_path: Path) -> None:
    root = _site(tmp_path)
    (root / "identitas/logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    result = build_site(load(root), root / "_site")
    warnings = [f for f in result.findings if f.field == "site.logo"]
    assert len(warnings) == 1 and warnings[0].severity == "warning" and "identitas/logo.png" in warnings[0].message
    html = page(result.output, "")
    assert "brand-mark" not in html and "favicon" not in html
    assert not (result.output / "identitas").exists() and not (result.output / "favicon.ico").exists()


def test_logo_and_coat_of_arms_are_governed_files(tmp_path: Path) -> None:
    root = _site(tmp_path, coat_of_arms="aset/lambang-bantul.png")
    config = load_config(root)
    assert is_governed("identitas/logo.png", config) and is_governed("aset/lambang-bantul.png", config)
    # governed because warta.yml names them: the same paths under another warta.yml are not
    assert not is_governed("identitas/logo.png") and not is_governed("aset/lambang-bantul.png")


def test_footer_shows_address_contacts_office_hours_holidays_and_the_ppid(tmp_path: Path) -> None:
    hours = {"senin": "07:30-16:00", "selasa": "07:30-16:00", "rabu": "07:30-16:00", "kamis": "07:30-16:00",
             "jumat": "07:30-11:30", "sabtu": "08:00-12:00"}
    root = _site(tmp_path, office_hours=hours, holidays=["2026-12-25", "2026-12-24"])
    html = page(build_site(load(root), root / "_site").output, "siaran-pers/2025/bantuan-bibit")
    footer = html.split('<footer class="site-footer">', 1)[1]
    assert "Jl. Robert Wolter Monginsidi No. 1" in footer
    assert '<a href="tel:(0274)367000">(0274) 367 000</a>' in footer
    assert '<a href="mailto:dpmk@example.bantulkab.go.id">' in footer
    assert "<dt>Senin – Kamis</dt><dd>07.30 – 16.00 WIB</dd>" in footer
    assert "<dt>Jumat</dt><dd>07.30 – 11.30 WIB</dd>" in footer
    assert "<dt>Sabtu</dt><dd>08.00 – 12.00 WIB</dd>" in footer
    assert "<dt>Minggu</dt><dd>Tutup</dd>" in footer
    assert '<time datetime="2026-12-24">24 Desember 2026</time>, <time datetime="2026-12-25">' in footer
    assert "PPID Pelaksana Dinas Pemberdayaan Masyarakat dan Kalurahan" in footer
    assert '<a href="mailto:ppid.dpmk@example.bantulkab.go.id">' in footer


def test_search_index_is_reused_when_no_page_changed_and_made_again_when_one_did(tmp_path: Path) -> None:
    root = _site(tmp_path)
    out = root / "_site"
    build_site(load(root), out)
    cache = root / CACHE_DIRNAME / CACHE
    keys = bundle_keys(out)
    # one bundle per year of the items' addresses and one for the pages, named by bundles.json, newest first
    assert list(keys) == ["2025", "2024", "halaman"]
    assert json.loads((out / "pagefind" / "bundles.json").read_text(encoding="utf-8")) == {"bundles": list(keys)}
    assert sorted(p.name for p in cache.iterdir() if p.is_dir() and not p.name.startswith(".")) == sorted(keys.values())
    # the first bundle holds Pagefind's interface and scripts, the merged ones only their index
    assert {"pagefind-ui.js", "pagefind-ui.css", "pagefind.js", "pagefind-worker.js", "wasm.id.pagefind"} <= \
        {p.name for p in (out / "pagefind" / "2025").iterdir()}
    for merged in ("2024", "halaman"):
        top = {p.name for p in (out / "pagefind" / merged).iterdir()}
        meta = {n for n in top if n.endswith(".pf_meta")}
        assert len(meta) == 1 and {"fragment", "index", "pagefind-entry.json"} <= top <= {"filter", "fragment", "index",
                                                                                          "pagefind-entry.json", *meta}, top
    entry = out / "pagefind" / "2025" / "pagefind-entry.json"
    assert entry.is_file() and entry.read_bytes() == (cache / keys["2025"] / "pagefind-entry.json").read_bytes()
    first_entry = entry.read_bytes()
    # nothing changed: the kept bundles are taken (copies of the same bytes; Pagefind writes other bytes on
    # every run), Pagefind does not run
    build_site(load(root), out)
    assert bundle_keys(out) == keys
    assert (out / "pagefind/2025/pagefind-entry.json").read_bytes() == first_entry
    assert (out / "pagefind/2024/pagefind-entry.json").read_bytes() == \
        (cache / keys["2024"] / "pagefind-entry.json").read_bytes()
    # one body of 2025 changed: that year's bundle is made again, the others are the kept ones
    body = root / "content/siaran-pers/2025/rapat-koordinasi.md"
    body.write_text(body.read_text(encoding="utf-8").replace("Rapat koordinasi triwulan.", "Rapat kuartal kedua."),
                    encoding="utf-8")
    build_site(load(root), out)
    after = bundle_keys(out)
    assert after["2025"] != keys["2025"] and after["2024"] == keys["2024"] and after["halaman"] == keys["halaman"]
    assert (out / "pagefind/2024/pagefind-entry.json").read_bytes() == \
        (cache / keys["2024"] / "pagefind-entry.json").read_bytes()
    assert (cache / after["2025"]).is_dir() and (cache / keys["2025"]).is_dir()  # the old one kept beside it


def test_body_headings_fit_under_the_page_title_without_skipping_a_level() -> None:
    assert outline("<h3>A</h3><p>x</p><h5 id=\"b\">B</h5><h4>C</h4>") == "<h2>A</h2><p>x</p><h3 id=\"b\">B</h3><h3>C</h3>"
    assert outline("<h1>A</h1><h2>B</h2>") == "<h2>A</h2><h3>B</h3>"
    assert outline("<h2>A</h2><h3>B</h3>") == "<h2>A</h2><h3>B</h3>"
    assert outline("<p>no heading</p>") == "<p>no heading</p>"


def test_body_tables_scroll_in_a_region_a_keyboard_reaches() -> None:
    got = wrap_tables("<p>a</p><table><tr><td>1</td></tr></table><table></table>", "Tabel {n}")
    assert got == ('<p>a</p><div class="table-scroll" role="region" tabindex="0" aria-label="Tabel 1"><table><tr><td>1'
                   '</td></tr></table></div><div class="table-scroll" role="region" tabindex="0" aria-label="Tabel 2">'
                   '<table></table></div>')


def test_a_past_announcement_is_marked_and_off_the_home_page(tmp_path: Path) -> None:
    import datetime as dt

    root = _site(tmp_path, per_page=50)  # every item fits on the home page, unless it is left off
    # jadwal-layanan is valid until 8 April 2025
    before = build_site(load(root), root / "a", now=dt.datetime(2025, 4, 1, tzinfo=dt.UTC)).output
    assert "Jadwal Layanan Selama Libur Lebaran" in page(before, "")
    assert "banner-expired" not in page(before, "pengumuman/2025/jadwal-layanan")
    after = build_site(load(root), root / "b", now=dt.datetime(2025, 4, 9, tzinfo=dt.UTC)).output
    assert "Jadwal Layanan Selama Libur Lebaran" not in page(after, "")
    assert "Pengumuman ini sudah tidak berlaku." in page(after, "pengumuman/2025/jadwal-layanan")
    assert "Tidak berlaku lagi" in page(after, "pengumuman")  # the list says so beside it


def test_the_404_page_links_from_the_path_of_site_url(tmp_path: Path) -> None:
    root = _site(tmp_path, url="https://dinas.example.github.io/warta-contoh/")
    html = (build_site(load(root), root / "_site").output / "404.html").read_text(encoding="utf-8")
    assert '<link rel="stylesheet" href="/warta-contoh/theme/css/warta.css">' in html
    assert '<a href="/warta-contoh/">Kembali ke beranda</a>' in html
    assert 'href="../' not in html


def test_png_icons_are_the_same_bytes_in_two_builds(tmp_path: Path) -> None:
    root = _site(tmp_path)
    one = build_site(load(root), root / "a").output
    two = build_site(load(root), root / "b").output
    for name in ("logo-48.png", "favicon.ico", "icon-512.png", "site.webmanifest"):
        assert (one / "identitas" / name).read_bytes() == (two / "identitas" / name).read_bytes()
    assert Image.open(io.BytesIO((one / "identitas/logo-48.png").read_bytes())).size == (48, 48)


def test_the_index_key_follows_the_pages_pagefind_reads_only(tmp_path: Path) -> None:
    indexed = ("profil/index.html", "siaran-pers/2025/bibit/index.html")
    for rel in ("index.html", "siaran-pers/index.html", "siaran-pers/hal/2/index.html", "tag/bibit/index.html",
                *indexed):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        body = f"<article data-pagefind-body>{rel}</article>" if rel in indexed else rel
        (tmp_path / rel).write_text(body, encoding="utf-8")
    key = pages_key(tmp_path)
    assert list(bundle_keys(tmp_path)) == ["2025", "halaman"]
    # a list page, a tag page, the home page: not indexed, so the index stays
    for rel in ("siaran-pers/hal/2/index.html", "tag/bibit/index.html", "index.html", "siaran-pers/index.html"):
        (tmp_path / rel).write_text("changed", encoding="utf-8")
        assert pages_key(tmp_path) == key, rel
    # an item or a page (halaman): a new index, and only its own bundle's key changes
    for rel, bundle in (("siaran-pers/2025/bibit/index.html", "2025"), ("profil/index.html", "halaman")):
        before = bundle_keys(tmp_path)
        (tmp_path / rel).write_text(f"<article data-pagefind-body>changed {rel}</article>", encoding="utf-8")
        assert pages_key(tmp_path) != key, rel
        key = pages_key(tmp_path)
        changed = {name for name, value in bundle_keys(tmp_path).items() if before[name] != value}
        assert changed == {bundle}, rel
