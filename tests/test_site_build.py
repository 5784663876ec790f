"""The site build: a small fixture site built for real (Pelican, the theme, the media pipeline).

Assertions are what a reader of the site would check: titles, Indonesian dates, lists and pages, tag and
year pages, feeds and the sitemap, the DIP table, what must never appear, and that a failed build leaves
the previous site whole.

The golden page (tests/golden/site/) is regenerated with
``WARTA_REGEN_GOLDEN=1 .venv/bin/pytest tests/test_site_build.py -k golden``; read the diff before keeping it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from pipeline.config import load_config
from pipeline.content import Site, load_site
from pipeline.errors import BuildError
from pipeline.site import BuildResult, PageExtra, build_site

PROJECT = Path(__file__).resolve().parents[1]
PHOTOS = PROJECT.parent / "shared" / "testdata" / "photos"
GOLDEN = Path(__file__).resolve().parent / "golden" / "site"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
SECRET = "Rekap Gaji Pegawai Rahasia"  # the title of the dikecualikan entry: must appear nowhere


def _release(title: str, date: str, tags: str, body: str, extra: str = "") -> str:
    return f"---\ntitle: {title}\ndate: {date}\nsummary: Ringkasan {title.lower()}.\ntags: [{tags}]\n{extra}---\n{body}\n"


def _dip(title: str, date: str, kategori: str, nomor: str) -> str:
    return (
        f"---\ntitle: {title}\ndate: {date}\nsummary: Ringkasan {title.lower()}.\n"
        f"kategori_informasi: {kategori}\nnomor_dip: {nomor}\npejabat_penguasa: Sekretaris Dinas\n"
        f"penanggung_jawab: Kasubbag Umum\nwaktu_tempat: Januari 2025, Bantul\n"
        f"bentuk_informasi: [cetak, elektronik]\nretensi: 5 tahun\n---\nIsi {title}.\n"
    )


FILES: dict[str, str] = {
    "content/siaran-pers/2025/bantuan-bibit.md": _release(
        "Dinas Salurkan Bantuan Bibit Cabai",
        "2025-03-04 09:30",
        "pertanian, pemberdayaan",
        "Bantul — Sebanyak 6.000 bibit cabai diserahkan.\n\n# Judul di badan\n\n![Petugas menyerahkan bibit]"
        "(../../media/bibit.jpg)\n\nKalimat penutup.",
        "image: ../../media/bibit.jpg\nimage_alt: Petugas menyerahkan bibit cabai kepada ketua kelompok\n"
        "image_caption: Penyerahan bibit di Pajangan.\nlokasi: Balai Kalurahan Pajangan\n",
    ),
    "content/siaran-pers/2025/pelatihan-bumkal.md": _release(
        "Pelatihan Manajemen BUMKal <b>Angkatan I</b>",
        "2025-05-20",
        "pemberdayaan",
        'Teks biasa.\n\n<script>alert("xss")</script>\n\n'
        '<img src="https://tracker.example.net/p.gif" alt="x">\n\n'
        # the link in a paragraph of its own: after a raw HTML line it would be that HTML block's text
        '<p onclick="steal()">klik</p>\n\n[tautan](javascript:alert(1))',
    ),
    "content/siaran-pers/2025/rapat-koordinasi.md": _release(
        "Rapat Koordinasi Pendamping", "2025-07-01", "koordinasi", "Rapat koordinasi triwulan."
    ),
    "content/siaran-pers/2024/lomba-kalurahan.md": _release(
        "Lomba Kalurahan Tingkat Kabupaten", "2024-11-12", "pertanian", "Lomba kalurahan."
    ),
    "content/siaran-pers/2025/ditarik.md": _release(
        "Siaran yang Ditarik",
        "2025-06-10",
        "pertanian",
        "ISI-YANG-DITARIK tidak boleh tampil.",
        "status: dicabut\nalasan_pencabutan: Data jumlah penerima keliru dan sedang diverifikasi ulang.\n",
    ),
    "content/berita/2025/musrenbang.md": _release(
        "Musrenbang Kapanewon Sedayu",
        "2025-02-11",
        "perencanaan",
        "Musrenbang berlangsung.",
        "sumber: Kapanewon Sedayu\n",
    ),
    "content/pengumuman/2025/jadwal-layanan.md": _release(
        "Jadwal Layanan Selama Libur Lebaran",
        "2025-03-28 08:00",
        "layanan",
        "Layanan **tutup** pada 31 Maret.\n\n| Hari | Jam |\n|---|---|\n| Senin | 08.00 |",
        "berlaku_sampai: 2025-04-08\n",
    ),
    "content/informasi-publik/2025/renstra.md": _dip("Rencana Strategis 2025-2029", "2025-01-15", "berkala", "B-01"),
    "content/informasi-publik/2025/lkjip.md": _dip("Laporan Kinerja 2024", "2025-02-20", "berkala", "B-02"),
    "content/informasi-publik/2025/cuaca.md": _dip("Peringatan Cuaca Ekstrem", "2025-11-20", "serta-merta", "SM-01"),
    "content/informasi-publik/2025/daftar-sop.md": _dip("Daftar SOP Dinas", "2025-01-05", "setiap-saat", "SS-01"),
    "content/informasi-publik/2025/gaji.md": _dip(SECRET, "2025-01-10", "dikecualikan", "X-01"),
    "content/halaman/kontak.md": "---\ntitle: Kontak\nmenu: true\nurutan: 2\n---\nTelepon kantor.\n",
    "content/halaman/profil.md": "---\ntitle: Profil Dinas\nmenu: true\nurutan: 1\n---\nProfil singkat.\n",
}


def make_site(root: Path, per_page: int = 2) -> Path:
    root.mkdir(parents=True)
    config = yaml.safe_load((PROJECT / "warta.yml").read_text(encoding="utf-8"))
    config["build"] = {"per_page": per_page, "feed_items": 20}
    (root / "warta.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    shutil.copytree(PROJECT / "sop", root / "sop")
    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "content/media").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PHOTOS / "gps_DSCN0010.jpg", root / "content/media/bibit.jpg")
    return root


def load(root: Path) -> Site:
    site = load_site(root, load_config(root))
    assert not site.findings.errors, [f.format() for f in site.findings.errors]
    return site


def tree_hash(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def siblings(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}."))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, BuildResult]:
    root = make_site(tmp_path_factory.mktemp("fixture") / "site")
    result = build_site(load(root), root / "_site")
    return root, root / "_site", result


def page(out: Path, url: str) -> str:
    return (out / url / "index.html").read_text(encoding="utf-8")


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_item_page_has_title_indonesian_date_and_photo(built: tuple[Path, Path, BuildResult]) -> None:
    _, out, _ = built
    html = page(out, "siaran-pers/2025/bantuan-bibit")
    assert "<h1>Dinas Salurkan Bantuan Bibit Cabai</h1>" in html
    assert "4 Maret 2025, 09.30 WIB" in html
    assert '<html lang="id">' in html
    assert "Balai Kalurahan Pajangan" in html
    # the body's own '# heading' moved below the page title: one h1 per page
    assert html.count("<h1") == 1 and "<h2>Judul di badan</h2>" in html
    # the photo is a derivative from the media pipeline, never the source file
    assert "bibit.jpg" not in html
    img = re.search(r'<img [^>]*alt="Petugas menyerahkan bibit cabai kepada ketua kelompok"[^>]*>', html)
    assert img and 'width="' in img.group() and 'height="' in img.group()
    src = re.search(r'src="([^"]+)"', img.group())
    assert src and src.group(1).startswith("../../../media/")
    assert "Penyerahan bibit di Pajangan." in html
    # the inline image in the body is a picture too, with its alt text
    assert 'alt="Petugas menyerahkan bibit"' in html


def test_no_source_photo_is_copied(built: tuple[Path, Path, BuildResult]) -> None:
    root, out, _ = built
    source = (root / "content/media/bibit.jpg").read_bytes()
    for path in out.rglob("*"):
        if path.is_file():
            assert path.read_bytes() != source, path
            assert path.name != "bibit.jpg"


def test_markdown_cannot_inject_scripts_or_remote_assets(built: tuple[Path, Path, BuildResult]) -> None:
    _, out, _ = built
    html = page(out, "siaran-pers/2025/pelatihan-bumkal")
    assert "Teks biasa." in html
    assert "<script" not in html and "alert(" not in html
    assert "onclick" not in html and "javascript:" not in html
    assert "tracker.example.net" not in html
    # the front-matter title is text: its markup is shown escaped, never interpreted
    assert "Pelatihan Manajemen BUMKal &lt;b&gt;Angkatan I&lt;/b&gt;" in html


class _Assets(HTMLParser):
    """Collects every URL a browser would fetch (not plain links) and every link."""

    def __init__(self) -> None:
        super().__init__()
        self.fetched: list[str] = []
        self.links: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "script":
            self.scripts += 1
        for key in ("src", "poster", "data"):
            if key in a:
                self.fetched.append(a[key])
        if "srcset" in a:
            self.fetched += [c.strip().split(" ")[0] for c in a["srcset"].split(",") if c.strip()]
        if tag == "link" and a.get("rel") in ("stylesheet", "icon", "preload", "manifest", "modulepreload"):
            self.fetched.append(a.get("href", ""))
        if tag == "a" or (tag == "link" and a.get("rel") == "alternate"):
            self.links.append(a.get("href", ""))


def test_no_external_assets_and_scripts_only_on_the_search_page(built: tuple[Path, Path, BuildResult]) -> None:
    _, out, _ = built
    html_files = list(out.rglob("*.html"))
    assert len(html_files) > 20
    for path in html_files:
        parser = _Assets()
        parser.feed(path.read_text(encoding="utf-8"))
        # one script, on the search page only: it loads Pagefind when someone searches
        assert parser.scripts == (1 if path.relative_to(out).as_posix() == "cari/index.html" else 0), path
        for url in parser.fetched:
            assert not re.match(r"^(https?:)?//", url), f"{path}: external asset {url}"
    for css in out.rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        assert "@import" not in text and not re.search(r"url\(\s*['\"]?(https?:)?//", text), css


def test_every_local_link_and_asset_resolves(built: tuple[Path, Path, BuildResult]) -> None:
    _, out, _ = built
    for path in out.rglob("*.html"):
        parser = _Assets()
        parser.feed(path.read_text(encoding="utf-8"))
        for url in parser.fetched + parser.links:
            parts = urlsplit(url)
            if parts.scheme or url.startswith("#") or url.startswith("//"):
                continue
            # the 404 page is served at any depth: its links start at the site's root (site.url's path, "")
            base = out if url.startswith("/") else path.parent
            target = (base / unquote(parts.path).lstrip("/")).resolve()
            if target.is_dir():
                target = target / "index.html"
            assert target.is_file(), f"{path.relative_to(out)}: broken link {url}"


def test_kind_lists_paginate_newest_first(built: tuple[Path, Path, BuildResult]) -> None:
    _, out, _ = built
    first = text_of(page(out, "siaran-pers"))
    second = text_of(page(out, "siaran-pers/hal/2"))
    # four listed releases (the withdrawn one is not listed), two per page, newest first
    assert first.index("Rapat Koordinasi Pendamping") < first.index("Pelatihan Manajemen BUMKal")
    assert "Dinas Salurkan Bantuan Bibit Cabai" in second and "Lomba Kalurahan Tingkat Kabupaten" in second
    assert "Halaman 1 dari 2" in first and "Halaman 2 dari 2" in second
    assert not (out / "siaran-pers/hal/3").exists()
    assert "1 Juli 2025" in first
    assert 'href="../../hal/2/"' not in first and 'href="../siaran-pers/hal/2/"' in page(out, "siaran-pers")


def test_tag_and_year_pages(built: tuple[Path, Path, BuildResult]) -> None:
    _, out, _ = built
    tag = text_of(page(out, "tag/pertanian"))
    assert "Tag: pertanian" in tag
    assert "Dinas Salurkan Bantuan Bibit Cabai" in tag and "Lomba Kalurahan Tingkat Kabupaten" in tag
    assert "Siaran yang Ditarik" not in tag
    year_2024 = text_of(page(out, "arsip/2024"))
    assert "Lomba Kalurahan Tingkat Kabupaten" in year_2024 and "Musrenbang" not in year_2024
    year_2025 = [text_of(page(out, "arsip/2025"))]
    n = 2
    while (out / f"arsip/2025/hal/{n}").exists():
        year_2025.append(text_of(page(out, f"arsip/2025/hal/{n}")))
        n += 1
    joined = " ".join(year_2025)
    # 2025: 3 releases + 1 berita + 1 pengumuman + 4 published DIP entries, 2 per page
    assert len(year_2025) == 5
    assert "Musrenbang Kapanewon Sedayu" in joined and "Lomba Kalurahan" not in joined
    tags = text_of(page(out, "tag"))
    assert "pertanian (2)" in tags
    archive = text_of(page(out, "arsip"))
    assert "2025" in archive and "2024" in archive


def test_home_page_and_menu_order(built: tuple[Path, Path, BuildResult]) -> None:
    _, out, _ = built
    html = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="#isi"' in html and 'id="isi"' in html
    menu = html.split('aria-label="Menu utama"')[1].split("</nav>")[0]
    assert menu.index("Profil Dinas") < menu.index("Kontak")  # urutan 1 before 2
    # the newest item of all kinds comes first
    assert text_of(html).index("Peringatan Cuaca Ekstrem") < text_of(html).index("Rapat Koordinasi Pendamping")
    assert (out / "kontak/index.html").is_file() and (out / "profil/index.html").is_file()


def test_feeds_are_atom_with_absolute_links(built: tuple[Path, Path, BuildResult]) -> None:
    root, out, _ = built
    url = load_config(root).site.url
    feed = ET.parse(out / "feeds/semua.atom.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert "Dinas Salurkan Bantuan Bibit Cabai" in titles
    assert "Siaran yang Ditarik" not in titles and SECRET not in titles
    assert len(entries) == 10  # 4 releases, 1 berita, 1 pengumuman, 4 DIP entries
    for entry in entries:
        link = entry.find(f"{ATOM}link")
        assert link is not None and link.get("href", "").startswith(url + "/")
    bibit = next(e for e in entries if e.findtext(f"{ATOM}title") == "Dinas Salurkan Bantuan Bibit Cabai")
    content = bibit.findtext(f"{ATOM}content") or ""
    assert f'src="{url}/media/' in content and "__warta_root__" not in content
    kind = ET.parse(out / "feeds/berita.atom.xml").getroot()
    assert [e.findtext(f"{ATOM}title") for e in kind.findall(f"{ATOM}entry")] == ["Musrenbang Kapanewon Sedayu"]


def test_sitemap_lists_pages_not_withdrawn_or_exempt(built: tuple[Path, Path, BuildResult]) -> None:
    root, out, _ = built
    url = load_config(root).site.url
    tree = ET.parse(out / "sitemap.xml").getroot()
    locs = [u.findtext(f"{SITEMAP}loc") for u in tree.findall(f"{SITEMAP}url")]
    assert f"{url}/siaran-pers/2025/bantuan-bibit/" in locs
    assert f"{url}/kontak/" in locs and f"{url}/daftar-informasi-publik/" in locs
    assert f"{url}/siaran-pers/2025/ditarik/" not in locs
    assert not any("gaji" in (loc or "") for loc in locs)
    assert len(locs) == len(set(locs))
    lastmod = {u.findtext(f"{SITEMAP}loc"): u.findtext(f"{SITEMAP}lastmod") for u in tree.findall(f"{SITEMAP}url")}
    assert lastmod[f"{url}/siaran-pers/2025/bantuan-bibit/"] == "2025-03-04"


def test_dip_table_grouped_by_kategori(built: tuple[Path, Path, BuildResult]) -> None:
    _, out, _ = built
    html = page(out, "daftar-informasi-publik")
    sections = {
        m.group(1): m.group(0) for m in re.finditer(r'<section class="dip-group" id="([a-z-]+)".*?</section>', html, re.S)
    }
    assert list(sections) == ["berkala", "serta-merta", "setiap-saat"]
    rows = re.findall(r"<tr>\s*<td[^>]*>([^<]*)</td>\s*<th[^>]*><a [^>]*>([^<]*)</a>", sections["berkala"])
    assert rows == [("B-01", "Rencana Strategis 2025-2029"), ("B-02", "Laporan Kinerja 2024")]
    assert "Peringatan Cuaca Ekstrem" in sections["serta-merta"]
    assert "Daftar SOP Dinas" in sections["setiap-saat"]
    berkala = text_of(sections["berkala"])
    for value in (
        "Sekretaris Dinas",
        "Kasubbag Umum",
        "Januari 2025, Bantul",
        "cetak, elektronik",
        "5 tahun",
    ):
        assert value in berkala
    assert "Informasi yang wajib disediakan dan diumumkan secara berkala" in html


def test_dikecualikan_appears_nowhere(built: tuple[Path, Path, BuildResult]) -> None:
    _, out, result = built
    assert "content/informasi-publik/2025/gaji.md" not in result.published
    assert not (out / "informasi-publik/2025/gaji").exists()
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".txt"):
            data = path.read_text(encoding="utf-8")
            assert SECRET not in data and "/gaji/" not in data and "X-01" not in data, path


def test_withdrawn_item_is_a_notice_page_out_of_lists(built: tuple[Path, Path, BuildResult]) -> None:
    _, out, _ = built
    html = page(out, "siaran-pers/2025/ditarik")
    assert "Informasi ini telah dicabut" in html
    assert "Data jumlah penerima keliru dan sedang diverifikasi ulang." in html
    assert "ISI-YANG-DITARIK" not in html
    assert '<meta name="robots" content="noindex">' in html
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml") and "ditarik" not in path.parent.name:
            assert "Siaran yang Ditarik" not in path.read_text(encoding="utf-8"), path


def test_kind_specific_fields(built: tuple[Path, Path, BuildResult]) -> None:
    _, out, _ = built
    html = page(out, "pengumuman/2025/jadwal-layanan")
    assert "Berlaku sampai" in html and "8 April 2025" in html
    assert "<table>" in html and "<td>Senin</td>" in html
    assert "Kapanewon Sedayu" in page(out, "berita/2025/musrenbang")
    dip = page(out, "informasi-publik/2025/renstra")
    assert "Pejabat atau unit yang menguasai informasi" in dip and "Sekretaris Dinas" in dip


def test_second_build_is_byte_identical(built: tuple[Path, Path, BuildResult], tmp_path: Path) -> None:
    root, out, _ = built
    again = build_site(load(root), tmp_path / "again")
    assert tree_hash(again.output) == tree_hash(out)


def test_failed_build_leaves_previous_output_whole(built: tuple[Path, Path, BuildResult], tmp_path: Path) -> None:
    root, _, _ = built
    out = tmp_path / "live"
    build_site(load(root), out)
    before = tree_hash(out)
    theme = tmp_path / "theme"
    shutil.copytree(PROJECT / "theme", theme)
    item_template = theme / "templates" / "item.html"
    item_template.write_text(item_template.read_text(encoding="utf-8") + "\n{% if %}\n", encoding="utf-8")
    with pytest.raises(BuildError, match="item.html"):
        build_site(load(root), out, theme=theme)
    assert tree_hash(out) == before
    assert siblings(out) == []


def test_theme_templates_render_in_the_sandbox(built: tuple[Path, Path, BuildResult], tmp_path: Path) -> None:
    root, _, _ = built
    theme = tmp_path / "theme"
    shutil.copytree(PROJECT / "theme", theme)
    base = theme / "templates" / "base.html"
    # what a hostile template would do to reach Python (and from there files, the environment, a key)
    base.write_text(base.read_text(encoding="utf-8").replace(
        "<body>", "<body>{{ ''.__class__.__mro__[1].__subclasses__() }}", 1), encoding="utf-8")
    with pytest.raises(BuildError, match="SecurityError|unsafe"):
        build_site(load(root), tmp_path / "out", theme=theme)


def test_poisoned_item_fails_the_build_and_keeps_previous_output(
    built: tuple[Path, Path, BuildResult], tmp_path: Path
) -> None:
    root, _, _ = built
    out = tmp_path / "live"
    site = load(root)
    build_site(site, out)
    before = tree_hash(out)
    good = [i for i in site.items if i.slug != "musrenbang"]
    bad = next(i for i in site.items if i.slug == "musrenbang")
    # a page that would be written outside the output folder: Pelican refuses it, warta stops
    poisoned = dataclasses.replace(bad, kind="halaman", slug="../../../../escape")
    with pytest.raises(BuildError):
        build_site(site, out, items=[*good, poisoned])
    assert tree_hash(out) == before
    assert siblings(out) == []
    assert not (tmp_path / "escape").exists()


def test_killed_build_leftovers_are_cleaned(built: tuple[Path, Path, BuildResult], tmp_path: Path) -> None:
    root, _, _ = built
    out = tmp_path / "live"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    leftover = tmp_path / f".live.building-{dead.stdout.strip()}-abc"
    (leftover / "half").mkdir(parents=True)
    build_site(load(root), out)
    assert siblings(out) == []
    assert (out / "index.html").is_file()


def test_refuses_to_replace_a_folder_it_did_not_write(built: tuple[Path, Path, BuildResult], tmp_path: Path) -> None:
    root, _, _ = built
    documents = tmp_path / "documents"
    documents.mkdir()
    (documents / "surat.docx").write_text("penting", encoding="utf-8")
    with pytest.raises(BuildError, match="did not write"):
        build_site(load(root), documents)
    assert (documents / "surat.docx").read_text(encoding="utf-8") == "penting"
    with pytest.raises(BuildError, match="repository"):
        build_site(load(root), root)


def test_drafts_preview_and_extras(built: tuple[Path, Path, BuildResult], tmp_path: Path) -> None:
    root, _, _ = built
    site = load(root)
    extras = {
        "content/siaran-pers/2025/rapat-koordinasi.md": PageExtra(draft=True),
        "content/siaran-pers/2025/bantuan-bibit.md": PageExtra(
            archive_number="400.14.5.6/7/DPMK/2025",
            approvals=[
                ("2. Pemeriksaan", "Kepala Sub Bagian Program dan Keuangan", "3 Maret 2025"),
                ("3. Persetujuan", "Sekretaris Dinas", "4 Maret 2025"),
            ],
            notes=["Diterbitkan ulang setelah koreksi."],
        ),
        "content/informasi-publik/2025/cuaca.md": PageExtra(forced=True),
    }
    preview = build_site(site, tmp_path / "preview", extras=extras, drafts=True)
    draft = page(preview.output, "siaran-pers/2025/rapat-koordinasi")
    assert "DRAF — belum disetujui" in draft and '<meta name="robots" content="noindex">' in draft
    normal = page(preview.output, "siaran-pers/2025/bantuan-bibit")
    assert "DRAF — belum disetujui" not in normal
    # a preview with drafts reads the working tree: every page says so, and none is indexed
    assert "Pratinjau dari salinan kerja." in normal and "<meta name=\"robots\" content=\"noindex\">" in normal
    assert "400.14.5.6/7/DPMK/2025" in normal and "Sekretaris Dinas" in normal
    assert "Diterbitkan ulang setelah koreksi." in normal
    assert "Diterbitkan mendesak (serta-merta)" in page(preview.output, "informasi-publik/2025/cuaca")
    sitemap = (preview.output / "sitemap.xml").read_text(encoding="utf-8")
    assert "rapat-koordinasi" not in sitemap

    public = build_site(site, tmp_path / "public", extras=extras, drafts=False)
    assert "content/siaran-pers/2025/rapat-koordinasi.md" in public.left_out
    assert not (public.output / "siaran-pers/2025/rapat-koordinasi").exists()
    assert "Rapat Koordinasi" not in (public.output / "siaran-pers/index.html").read_text(encoding="utf-8")


def test_only_the_given_items_are_published(built: tuple[Path, Path, BuildResult], tmp_path: Path) -> None:
    root, _, _ = built
    site = load(root)
    chosen = [i for i in site.items if i.kind in ("berita", "halaman")]
    result = build_site(site, tmp_path / "few", items=chosen)
    assert result.published == sorted(i.path for i in chosen)
    assert not (result.output / "siaran-pers/2025/bantuan-bibit").exists()
    assert "Musrenbang Kapanewon Sedayu" in (result.output / "index.html").read_text(encoding="utf-8")
    feed = ET.parse(result.output / "feeds/semua.atom.xml").getroot()
    assert len(feed.findall(f"{ATOM}entry")) == 1


def test_item_with_a_broken_photo_is_left_out(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    shutil.copyfile(PHOTOS / "corrupted.jpg", root / "content/media/bibit.jpg")
    result = build_site(load(root), root / "_site")
    assert "content/siaran-pers/2025/bantuan-bibit.md" in result.left_out
    assert any(f.path == "content/siaran-pers/2025/bantuan-bibit.md" for f in result.findings)
    assert not (root / "_site/siaran-pers/2025/bantuan-bibit").exists()
    assert "Bantuan Bibit" not in (root / "_site/index.html").read_text(encoding="utf-8")
    assert (root / "_site/siaran-pers/2025/rapat-koordinasi/index.html").is_file()


def test_catalogues_have_the_same_messages() -> None:
    catalogues = {
        lang: yaml.safe_load((PROJECT / f"theme/translations/{lang}.yml").read_text(encoding="utf-8"))
        for lang in ("id", "en")
    }
    assert set(catalogues["id"]["messages"]) == set(catalogues["en"]["messages"])
    assert catalogues["id"]["months"][2] == "Maret" and len(catalogues["en"]["months"]) == 12
    used = set()
    for template in (PROJECT / "theme/templates").rglob("*"):
        if template.is_file():
            used |= set(re.findall(r"""_\(\s*["']([a-z_.-]+)["']\s*[,)]""", template.read_text(encoding="utf-8")))
    missing = {key for key in used if key not in catalogues["id"]["messages"]}
    assert not missing


def test_english_site(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    config = yaml.safe_load((root / "warta.yml").read_text(encoding="utf-8"))
    config["site"]["language"] = "en"
    (root / "warta.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    result = build_site(load(root), root / "_site")
    html = page(result.output, "siaran-pers/2025/rapat-koordinasi")
    assert '<html lang="en">' in html and "1 July 2025" in html and "Skip to main content" in html


def _normalise(html: str) -> str:
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    return "<main" + re.sub(r"[ \t]+\n", "\n", main) + "</main>\n"


def test_golden_page(built: tuple[Path, Path, BuildResult]) -> None:
    _, out, _ = built
    got = _normalise(page(out, "pengumuman/2025/jadwal-layanan"))
    golden = GOLDEN / "pengumuman-jadwal-layanan.html"
    if os.environ.get("WARTA_REGEN_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(got, encoding="utf-8")
    assert got == golden.read_text(encoding="utf-8")


def _warta(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=PROJECT,
    )


def test_cli_build_json_and_refusal(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    done = _warta("-C", root, "build")
    assert done.returncode == 0, done.stderr
    assert "site: _preview/" in done.stdout
    # not a git repository: nothing can be claimed approved, so every page is a draft, and it says so once
    notes = [line for line in done.stderr.splitlines() if "not a git repository" in line]
    assert len(notes) == 1, done.stderr
    assert "DRAF — belum disetujui" in page(root / "_preview", "siaran-pers/2025/rapat-koordinasi")
    assert not (root / "_site").exists()
    as_json = _warta("-C", root, "build", "--json", "--output", tmp_path / "elsewhere")
    assert as_json.returncode == 0, as_json.stderr
    doc: dict[str, Any] = json.loads(as_json.stdout)
    assert doc["ok"] is True and doc["pages"] > 20 and doc["output"] == str(tmp_path / "elsewhere")
    assert doc["approvals_checked"] is False and "content/berita/2025/musrenbang.md" in doc["drafts"]
    before = tree_hash(root / "_preview")
    (root / "content/berita/2025/rusak.md").write_text("---\ntitle: Rusak\ndate: 2025-02-30\n---\nx\n", encoding="utf-8")
    refused = _warta("-C", root, "build")
    assert refused.returncode == 1
    assert re.search(r"content/berita/2025/rusak\.md:\d+: error: .*2025-02-30", refused.stderr)
    assert "Traceback" not in refused.stderr
    assert tree_hash(root / "_preview") == before
    refused_json = _warta("-C", root, "build", "--json")
    assert refused_json.returncode == 1 and json.loads(refused_json.stdout)["ok"] is False


def test_cli_build_refuses_the_live_site_folder(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    refused = _warta("-C", root, "build", "--drafts", "--output", root / "_site")
    assert refused.returncode == 2
    assert "_site is the live site" in refused.stderr and "_preview" in refused.stderr
    assert not (root / "_site").exists()


def test_cli_serve_needs_a_built_site_then_serves_on_localhost(tmp_path: Path) -> None:
    import urllib.request

    root = make_site(tmp_path / "site")
    # nothing published yet: serve says what to run instead of building behind the user's back
    missing = _warta("-C", root, "serve", "--port", "0")
    assert missing.returncode == 1
    assert "warta publish" in missing.stderr and "warta serve --output _preview" in missing.stderr
    assert not (root / "_site").exists() and not (root / "_preview").exists()
    assert _warta("-C", root, "build").returncode == 0
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "-C", str(root), "serve", "--port", "0", "--output", str(root / "_preview")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=PROJECT,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert match, line
        with urllib.request.urlopen(f"http://127.0.0.1:{match.group(1)}/siaran-pers/", timeout=30) as response:
            assert response.status == 200
            assert "Rapat Koordinasi Pendamping" in response.read().decode("utf-8")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
