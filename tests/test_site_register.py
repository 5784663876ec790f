"""The archive on the website: the register pages (``/daftar-arsip/``) and the record on each page.

Records are written as files under ``arsip/`` in the documented format (docs/archive.md) and read with
``load_records``, as ``warta publish`` and ``warta build`` read them; the site is the small fixture site of
``test_site_build``. Assertions are what an archivist reading the pages checks: numbers, titles,
classification codes and titles, approval steps with role titles and dates, status and links.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from pipeline.archive.records import ArchiveRecord, load_records
from pipeline.site import BuildResult, PageExtra, build_site
from pipeline.site.register import make_register
from tests.test_site_build import load, make_site, page, text_of

DIGEST = "sha256:" + "5f0c" * 16
OTHER = "sha256:" + "77aa" * 16
MEDIA = ("400.14.5.6", "Hubungan dengan media massa")
NEWS = ("400.14.4.3", "Penyajian informasi: pemberitaan")


def record_yaml(
    number: str,
    urut: int,
    tahun: int,
    path: str,
    title: str,
    klas: tuple[str, str],
    *,
    published_at: str | None = "2025-03-04 10:30:00+07:00",
    imported: bool = False,
    withdrawn: tuple[str, str] | None = None,
) -> str:
    kind = path.split("/")[1]
    approvals = "approvals: []\n" if imported else f"""approvals:
- step: 2
  kegiatan: Press release diperiksa dan dipilah sebagai bahan input data website
  role: kasubbag
  role_title: Kepala Sub Bagian Program dan Keuangan
  name: Dwi Astuti
  email: dwi@example.go.id
  at: 2025-03-03 23:30:00+07:00
  digest: {DIGEST}
  source: {{type: git, commit: 1c9e0a1}}
- step: 3
  kegiatan: Pemilahan press release yang disetujui
  role: sekdin
  role_title: Sekretaris Dinas
  name: Hendro Wibowo
  email: hendro@example.go.id
  at: 2025-03-03 17:15:00+00:00
  digest: {DIGEST}
  source: {{type: git, commit: 2d8f1b2}}
"""
    status = "status: terbit\n"
    if withdrawn:
        status = f"status: dicabut\nalasan_pencabutan: {withdrawn[0]}\ndicabut_at: {withdrawn[1]}\n"
    return (
        f"record_format: 1\nnumber: {number}\nurut: {urut}\ntahun: {tahun}\npath: {path}\ntitle: {title}\n"
        f"kind: {kind}\ndigest: {DIGEST}\nklasifikasi:\n  code: '{klas[0]}'\n  title: '{klas[1]}'\n"
        f"  scheme: permendagri-83-2022\nimported: {'true' if imported else 'false'}\n{approvals}"
        f"published_at: {published_at or 'null'}\n"
        f"versions:\n- digest: {DIGEST}\n  approved_at: 2025-03-04 00:15:00+07:00\n  jenis: besar\n{status}"
    )


RECORDS = {
    "arsip/2025/400.14.5.6/0001-bantuan-bibit.yaml": record_yaml(
        "400.14.5.6/1/DPMK/2025", 1, 2025, "content/siaran-pers/2025/bantuan-bibit.md",
        "Dinas Salurkan Bantuan Bibit Cabai", MEDIA,
    ),
    "arsip/2025/400.14.5.6/0002-ditarik.yaml": record_yaml(
        "400.14.5.6/2/DPMK/2025", 2, 2025, "content/siaran-pers/2025/ditarik.md", "Siaran yang Ditarik", MEDIA,
        published_at="2025-06-10 10:00:00+07:00",
        withdrawn=("Data jumlah penerima keliru", "2025-06-12 08:00:00+07:00"),
    ),
    # numbered before its page exists on the site (a later run publishes it)
    "arsip/2025/400.14.5.6/0003-rapat-koordinasi.yaml": record_yaml(
        "400.14.5.6/3/DPMK/2025", 3, 2025, "content/siaran-pers/2025/rapat-koordinasi.md",
        "Rapat Koordinasi Pendamping", MEDIA, published_at=None,
    ),
    "arsip/2024/400.14.5.6/0001-lomba-kalurahan.yaml": record_yaml(
        "400.14.5.6/1/DPMK/2024", 1, 2024, "content/siaran-pers/2024/lomba-kalurahan.md",
        "Lomba Kalurahan Tingkat Kabupaten", MEDIA, published_at="2024-11-12 09:00:00+07:00", imported=True,
    ),
    "arsip/2025/400.14.4.3/0001-musrenbang.yaml": record_yaml(
        "400.14.4.3/1/DPMK/2025", 1, 2025, "content/berita/2025/musrenbang.md", "Musrenbang Kapanewon Sedayu",
        NEWS, published_at="2025-02-11 13:00:00+07:00",
    ),
    # an item now marked dikecualikan: its title must appear nowhere, the register included
    "arsip/2025/400.14.9/0001-gaji.yaml": record_yaml(
        "400.14.9/1/DPMK/2025", 1, 2025, "content/informasi-publik/2025/gaji.md", "Rekap Gaji Pegawai Rahasia",
        ("400.14.9", "Publikasi melalui media cetak maupun elektronik"),
    ),
}


def records_of(root: Path) -> list[ArchiveRecord]:
    for rel, text in RECORDS.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    stored, findings = load_records(root)
    assert not findings, [f.format() for f in findings]
    return [s.record for s in stored]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildResult]:
    root = make_site(tmp_path_factory.mktemp("register") / "site")
    site = load(root)
    chosen = [i for i in site.items if not i.path.endswith("rapat-koordinasi.md")]
    extras = {"content/informasi-publik/2025/cuaca.md": PageExtra(forced=True)}
    result = build_site(site, root / "_site", items=chosen, extras=extras, records=records_of(root))
    return result.output, result


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a":
            self.links.append(a.get("href", ""))


def _parse(path: Path) -> _Ids:
    parser = _Ids()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [text_of(r) for r in re.findall(r"<tr\b.*?</tr>", body, flags=re.S)]


def test_register_index_lists_years_and_classifications(built: tuple[Path, BuildResult]) -> None:
    out, result = built
    html = page(out, "daftar-arsip")
    text = text_of(html)
    assert "<h1>Daftar Arsip</h1>" in html
    # 2025: bibit, ditarik, rapat-koordinasi, musrenbang (gaji is hidden); 2024: lomba
    assert re.search(r"2025 \(4 arsip\)", text) and re.search(r"2024 \(1 arsip\)", text)
    assert text.index("2025 (4 arsip)") < text.index("2024 (1 arsip)")
    assert "400.14.4.3 Penyajian informasi: pemberitaan (1 arsip)" in text
    assert "400.14.5.6 Hubungan dengan media massa (4 arsip)" in text
    assert "400.14.9" not in text
    # found from every page's footer, from the home page and from the year archive of the lists
    assert 'href="./daftar-arsip/"' in (out / "index.html").read_text(encoding="utf-8")
    assert 'href="../daftar-arsip/"' in page(out, "arsip")
    assert 'href="../../../daftar-arsip/"' in page(out, "siaran-pers/2025/bantuan-bibit")
    assert result.register_pages == 1 + 2 + 2  # the index, two years, two classifications


def test_year_page_rows_in_number_order(built: tuple[Path, BuildResult]) -> None:
    out, _ = built
    html = page(out, "daftar-arsip/2025")
    assert "<h1>Daftar Arsip tahun 2025</h1>" in html
    got = rows(html)
    assert [r.split()[0] for r in got] == [
        "400.14.4.3/1/DPMK/2025",
        "400.14.5.6/1/DPMK/2025",
        "400.14.5.6/2/DPMK/2025",
        "400.14.5.6/3/DPMK/2025",
    ]
    bibit = got[1]
    assert "Dinas Salurkan Bantuan Bibit Cabai" in bibit and "400.14.5.6 Hubungan dengan media massa" in bibit
    # the item's own date, as its page shows it, then the status with the day it went public on the site
    assert "4 Maret 2025 Terbit" in bibit and bibit.strip().endswith("(tayang di situs sejak 4 Maret 2025 )")
    assert '<a href="../../siaran-pers/2025/bantuan-bibit/">Dinas Salurkan Bantuan Bibit Cabai</a>' in html
    # withdrawn: still listed (the number stays taken), with the date it was withdrawn, and no link
    ditarik = got[2]
    assert "Siaran yang Ditarik" in ditarik and "Dicabut 12 Juni 2025" in ditarik
    assert 'href="../../siaran-pers/2025/ditarik/"' not in html
    # numbered, its page not on the site yet: no link, no date, not yet published
    rapat = got[3]
    assert "Rapat Koordinasi Pendamping" in rapat and "Belum terbit" in rapat and "—" in rapat
    assert "rapat-koordinasi/" not in html
    # the classification links to its own register page
    assert 'href="../../daftar-arsip/klasifikasi/400.14.5.6/"' in html
    assert "Rekap Gaji" not in html


def test_classification_page_newest_year_first(built: tuple[Path, BuildResult]) -> None:
    out, _ = built
    html = page(out, "daftar-arsip/klasifikasi/400.14.5.6")
    assert "<h1>Klasifikasi 400.14.5.6: Hubungan dengan media massa</h1>" in html
    numbers = [r.split()[0] for r in rows(html)]
    assert numbers == [
        "400.14.5.6/1/DPMK/2025",
        "400.14.5.6/2/DPMK/2025",
        "400.14.5.6/3/DPMK/2025",
        "400.14.5.6/1/DPMK/2024",
    ]
    assert "Musrenbang" not in html
    assert "12 November 2024" in text_of(html)


def test_release_page_shows_number_classification_and_approval_chain(built: tuple[Path, BuildResult]) -> None:
    out, _ = built
    html = page(out, "siaran-pers/2025/bantuan-bibit")
    record = text_of(html.split('<footer class="item-record"', 1)[1].split(">", 1)[1].split("</footer>", 1)[0])
    assert "Nomor arsip 400.14.5.6/1/DPMK/2025" in record
    assert "Klasifikasi arsip 400.14.5.6 Hubungan dengan media massa" in record
    # each step with the role's title and the date in the office's time zone (17.15 UTC is 00.15 WIB, 4 March)
    assert "2. Press release diperiksa dan dipilah sebagai bahan input data website " \
           "Kepala Sub Bagian Program dan Keuangan 3 Maret 2025" in record
    assert "3. Pemilahan press release yang disetujui Sekretaris Dinas 4 Maret 2025" in record
    # titles and dates only: the approvers' names and addresses stay in the record, off the website
    assert "Dwi Astuti" not in html and "dwi@example.go.id" not in html
    # the number links to its row in the register, and that row exists
    link = re.search(r'<a class="archive-number" href="([^"]+)"', html)
    assert link is not None
    target, anchor = link.group(1).split("#")
    assert target == "../../../daftar-arsip/2025/"
    assert anchor in _parse(out / "siaran-pers/2025/bantuan-bibit" / target / "index.html").ids


def test_imported_record_says_so(built: tuple[Path, BuildResult]) -> None:
    out, _ = built
    html = page(out, "siaran-pers/2024/lomba-kalurahan")
    assert "400.14.5.6/1/DPMK/2024" in html
    # said once, discreetly, among the archive facts: not a warning to citizens
    assert "Dimuat dari arsip situs sebelumnya" in html and "<caption>Persetujuan</caption>" not in html
    assert "tanpa rantai persetujuan" not in html and "banner" not in html.split("<main", 1)[1].split("item-record")[0]
    # it went public before warta: the day it came onto this site is shown nowhere as that day
    assert "Tayang di situs sejak" not in html
    row = next(r for r in rows(page(out, "daftar-arsip/2024")) if "400.14.5.6/1/DPMK/2024" in r)
    assert row.strip().endswith("Terbit") and "tayang" not in row


def test_withdrawn_notice_with_reason_date_and_number(built: tuple[Path, BuildResult]) -> None:
    out, _ = built
    html = page(out, "siaran-pers/2025/ditarik")
    text = text_of(html)
    assert "Informasi ini telah dicabut" in text
    assert "Alasan pencabutan: Data jumlah penerima keliru dan sedang diverifikasi ulang." in text
    assert "Dicabut pada: 12 Juni 2025" in text
    assert "Nomor arsip 400.14.5.6/2/DPMK/2025" in text
    assert "ISI-YANG-DITARIK" not in html and '<meta name="robots" content="noindex">' in html
    # out of every list and feed; only its notice and the register name it
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml"):
            rel = path.relative_to(out).as_posix()
            if rel.startswith(("siaran-pers/2025/ditarik/", "daftar-arsip/")):
                continue
            assert "Siaran yang Ditarik" not in path.read_text(encoding="utf-8"), rel


def test_change_notes_are_listed_on_the_page(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    path = root / "content/siaran-pers/2025/rapat-koordinasi.md"
    text = path.read_text(encoding="utf-8").replace(
        "tags: [koordinasi]\n",
        "tags: [koordinasi]\ncatatan_perubahan:\n"
        "  - {tanggal: 2025-07-02, jenis: kecil, catatan: Salah ketik nama kapanewon diperbaiki}\n"
        "  - {tanggal: 2025-07-09, jenis: besar, catatan: Jadwal rapat berikutnya diubah}\n",
    )
    path.write_text(text, encoding="utf-8")
    result = build_site(load(root), root / "_site", items=[i for i in load(root).items if i.path.endswith("koordinasi.md")])
    html = text_of(page(result.output, "siaran-pers/2025/rapat-koordinasi"))
    assert "Catatan perubahan" in html
    assert "2 Juli 2025 (perubahan kecil): Salah ketik nama kapanewon diperbaiki" in html
    assert "9 Juli 2025 (perubahan besar): Jadwal rapat berikutnya diubah" in html
    assert "Diperbarui 9 Juli 2025" in html


def test_forced_item_is_marked_urgent_in_page_and_lists(built: tuple[Path, BuildResult]) -> None:
    out, _ = built
    assert "Diterbitkan mendesak (serta-merta)" in page(out, "informasi-publik/2025/cuaca")
    assert "Diterbitkan mendesak" in page(out, "informasi-publik")
    assert "Diterbitkan mendesak" not in page(out, "siaran-pers")


def test_register_links_resolve_and_are_in_the_sitemap(built: tuple[Path, BuildResult]) -> None:
    out, _ = built
    for path in (out / "daftar-arsip").rglob("index.html"):
        for url in _parse(path).links:
            parts = urlsplit(url)
            if parts.scheme:
                continue
            target = (path.parent / unquote(parts.path)).resolve()
            target = target / "index.html" if target.is_dir() else target
            assert target.is_file(), f"{path.relative_to(out)}: broken link {url}"
            if parts.fragment:
                assert parts.fragment in _parse(target).ids, url
    sitemap = (out / "sitemap.xml").read_text(encoding="utf-8")
    for url in ("daftar-arsip/", "daftar-arsip/2024/", "daftar-arsip/klasifikasi/400.14.4.3/"):
        assert f"<loc>https://dpmk.example.bantulkab.go.id/{url}</loc>" in sitemap


def test_extras_win_over_the_record(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    extra = PageExtra(archive_number="400.14.5.6/99/DPMK/2025", approvals=[("Langkah 3", "Kepala Dinas", "1 Mei 2025")])
    result = build_site(
        load(root), root / "_site", extras={"content/siaran-pers/2025/bantuan-bibit.md": extra}, records=records_of(root)
    )
    html = text_of(page(result.output, "siaran-pers/2025/bantuan-bibit"))
    assert "400.14.5.6/99/DPMK/2025" in html and "Langkah 3 Kepala Dinas 1 Mei 2025" in html
    assert "Sekretaris Dinas" not in html
    # the classification still comes from the record
    assert "400.14.5.6 Hubungan dengan media massa" in html


def test_without_records_there_is_no_register(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    result = build_site(load(root), root / "_site")
    assert not (result.output / "daftar-arsip").exists() and result.register_pages == 0
    assert "daftar-arsip" not in (result.output / "index.html").read_text(encoding="utf-8")
    assert "daftar-arsip" not in (result.output / "sitemap.xml").read_text(encoding="utf-8")
    empty = build_site(load(root), root / "_empty", records=[])
    assert "Belum ada informasi yang diberi nomor arsip." in page(empty.output, "daftar-arsip")


def test_register_paginates_and_points_each_number_at_its_page(tmp_path: Path) -> None:
    root = tmp_path / "site"
    root.mkdir()
    for urut in range(1, 6):
        rel = f"arsip/2025/400.14.5.6/{urut:04d}-rilis-{urut}.yaml"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(
            record_yaml(f"400.14.5.6/{urut}/DPMK/2025", urut, 2025, f"content/siaran-pers/2025/rilis-{urut}.md",
                        f"Rilis {urut}", MEDIA),
            encoding="utf-8",
        )
    records = [s.record for s in load_records(root)[0]]
    register = make_register(reversed(records), lambda _: None, per_page=2)
    year_pages = [p for p in register.pages if p.heading_year == 2025]
    assert [p.page_url for p in year_pages] == ["daftar-arsip/2025/", "daftar-arsip/2025/hal/2/", "daftar-arsip/2025/hal/3/"]
    assert [[r.urut for r in p.rows] for p in year_pages] == [[1, 2], [3, 4], [5]]
    assert register.row_url["400.14.5.6/3/DPMK/2025"].startswith("daftar-arsip/2025/hal/2/#")
    assert register.row_url["400.14.5.6/5/DPMK/2025"].startswith("daftar-arsip/2025/hal/3/#")
    assert all(r.status == "terbit" for r in register.rows)  # published_at set, even without a page here
