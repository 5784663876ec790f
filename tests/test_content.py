"""Content schema: every kind of bad input gets a precise `path:line: error: field: message` finding."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.content import Item, compute_digest, load_items, markdown_images

Write = Callable[[str, str | bytes], Path]

RELEASE = """\
---
title: Pelatihan Pengelola BUMKal Angkatan II
date: 2025-06-12 09:30
summary: Tiga puluh pengelola BUMKal mengikuti pelatihan pembukuan.
tags: [bumkal, pelatihan]
image: foto.jpg
image_alt: Peserta pelatihan menyimak materi pembukuan di aula dinas
disposisi:
  nomor: "045/210/DPMK"
  tanggal: 2025-06-11
  jenis_berita: kegiatan
---
Bantul — Dinas PMK menggelar pelatihan pengelola BUMKal.
"""

PATH = "content/siaran-pers/2025/pelatihan-bumkal.md"


def load(site: Path, only: list[str] | None = None, *, codes: bool = False) -> tuple[list[Item], list[str]]:
    """The items and the findings as lines; with their ``[code]`` (as commands print them) when ``codes``."""
    items, findings = load_items(site, load_config(site), only)
    return items, [f.format(code=codes) for f in findings.sorted()]


@pytest.fixture
def release(write: Write) -> Callable[[str], Path]:
    write("content/siaran-pers/2025/foto.jpg", b"\xff\xd8\xff placeholder bytes")

    def _release(text: str = RELEASE, path: str = PATH) -> Path:
        return write(path, text)

    return _release


def test_valid_release_loads_with_typed_fields(site: Path, release: Callable[[str], Path]) -> None:
    release()
    items, out = load(site)
    assert out == []
    (item,) = items
    assert item.kind == "siaran-pers" and item.slug == "pelatihan-bumkal"
    assert item.sop_id == "pemutakhiran-website"
    assert item.klasifikasi == "400.14.5.6"  # the kind's default from warta.yml
    assert item.published == dt.datetime(2025, 6, 12, 9, 30, tzinfo=item.tz)
    assert str(item.tz) == "Asia/Jakarta"
    assert item.references == ("content/siaran-pers/2025/foto.jpg",)
    assert item.url_path == "siaran-pers/2025/pelatihan-bumkal/"
    assert item.body_line == 13


def test_missing_required_field(site: Path, release: Callable[[str], Path]) -> None:
    release(RELEASE.replace("title: Pelatihan Pengelola BUMKal Angkatan II\n", ""))
    assert load(site)[1] == [f"{PATH}:2: error: title: required field is missing"]


def test_mistyped_fields(site: Path, release: Callable[[str], Path]) -> None:
    text = RELEASE.replace("tags: [bumkal, pelatihan]", "tags: bumkal").replace(
        "title: Pelatihan Pengelola BUMKal Angkatan II", "title: 2025")
    out = load(site)[1] if release(text) else []
    assert f"{PATH}:2: error: title: expected text (got 2025)" in out
    assert f"{PATH}:5: error: tags: expected a list (got 'bumkal')" in out


def test_yaml_11_words_stay_text(site: Path, release: Callable[[str], Path]) -> None:
    # In YAML 1.1 `no` is False and `09:30` is 570; an Indonesian title or place must stay as written.
    release(RELEASE.replace("title: Pelatihan Pengelola BUMKal Angkatan II", "title: no")
            .replace("---\nBantul", "lokasi: 09:30\n---\nBantul"))
    items, out = load(site)
    assert out == []
    assert items[0].meta.title == "no"
    assert items[0].meta.lokasi == "09:30"


@pytest.mark.parametrize(("value", "says"), [
    ("2025-02-30", "'2025-02-30' is not a day of the calendar: 02/2025 has days 1 to 28 [date.no-such-day]"),
    ("2025-13-01", "'2025-13-01' has month 13: there is no such month (01-12) [date.no-such-month]"),
    ("12-06-2025", "'12-06-2025' has the year last; write the year first: 2025-06-12 [date.day-first]"),
    ("12 Juni 2025", "'12 Juni 2025' uses a month name; write it in numbers: write YYYY-MM-DD [date.words]"),
    ("2025-06-11 25:00", "'2025-06-11 25:00' has no such time of day (00:00 to 23:59) [date.no-such-time]"),
    ("besok", "'besok' is not a valid date; write YYYY-MM-DD [date.format]"),
])
def test_a_date_message_says_what_is_wrong_with_the_date(
    site: Path, release: Callable[[str], Path], value: str, says: str,
) -> None:
    release(RELEASE.replace("  tanggal: 2025-06-11", f"  tanggal: {value}"))
    assert load(site, codes=True)[1] == [f"{PATH}:10: error: disposisi.tanggal: {says}"]


def test_date_must_match_year_folder(site: Path, release: Callable[[str], Path]) -> None:
    release(RELEASE.replace("date: 2025-06-12 09:30", "date: 2024-06-12"))
    assert load(site)[1] == [f"{PATH}:3: error: date: year 2024 does not match the folder 2025/"]


def test_unknown_key_suggests_nearest(site: Path, release: Callable[[str], Path]) -> None:
    release(RELEASE.replace("summary:", "sumary:"))
    assert load(site)[1] == [f"{PATH}:4: error: sumary: unknown key (did you mean 'summary'?)"]


def test_unknown_kategori_informasi(site: Path, write: Write) -> None:
    path = "content/informasi-publik/2025/renstra.md"
    write(path, """\
---
title: Rencana Strategis Dinas PMK 2025-2029
date: 2025-01-15
kategori_informasi: rahasia
pejabat_penguasa: Sekretaris Dinas
penanggung_jawab: Sub Bagian Program dan Keuangan
waktu_tempat: 2025, Bantul
bentuk_informasi: [cetak, elektronik]
retensi: 5 tahun
---
Isi.
""")
    out = load(site)[1]
    assert len(out) == 1
    assert out[0].startswith(f"{path}:4: error: kategori_informasi: input should be 'berkala', 'serta-merta'")


def test_dip_entry_requires_its_columns(site: Path, write: Write) -> None:
    path = "content/informasi-publik/2025/lkjip.md"
    write(path, "---\ntitle: LKjIP 2024\ndate: 2025-02-01\nkategori_informasi: berkala\n---\nIsi.\n")
    out = load(site)[1]
    for name in ("pejabat_penguasa", "penanggung_jawab", "waktu_tempat", "bentuk_informasi", "retensi"):
        assert f"{path}:2: error: {name}: required field is missing" in out
    assert len(out) == 5


def test_duplicate_slugs(site: Path, release: Callable[[str], Path]) -> None:
    release()
    release(RELEASE.replace("date: 2025-06-12 09:30", "date: 2026-01-05").replace("foto.jpg", "../2025/foto.jpg"),
            "content/siaran-pers/2026/pelatihan-bumkal.md")
    out = load(site)[1]
    assert f"{PATH}:1: error: slug 'pelatihan-bumkal' is also used by content/siaran-pers/2026/pelatihan-bumkal.md" in out
    assert len(out) == 2


def test_non_utf8_text(site: Path, write: Write) -> None:
    write(PATH, RELEASE.replace("Bantul — Dinas", "Bantul - Dinas").encode("utf-8").replace(b"Dinas PMK", b"Dinas P\xe9K"))
    (line,) = load(site)[1]
    assert line.startswith(f"{PATH}:13: error: not UTF-8 text (byte 0xe9)")


@pytest.mark.parametrize("front", ["- satu\n- dua\n", "just text\n", ""])
def test_front_matter_not_a_mapping(site: Path, write: Write, front: str) -> None:
    write(PATH, f"---\n{front}---\nIsi.\n")
    (line,) = load(site)[1]
    assert line.startswith(f"{PATH}:2: error: front matter must be a mapping of fields")


def test_no_front_matter(site: Path, write: Write) -> None:
    write(PATH, "# Judul\n\nIsi tanpa front matter.\n")
    (line,) = load(site)[1]
    assert line.startswith(f"{PATH}:1: error: no front matter")


def test_reference_to_missing_file(site: Path, release: Callable[[str], Path]) -> None:
    release(RELEASE.replace("image: foto.jpg", "image: hilang.jpg"))
    assert load(site)[1] == [f"{PATH}:6: error: image: 'hilang.jpg' does not exist "
                             "(looked for content/siaran-pers/2025/hilang.jpg)"]


@pytest.mark.parametrize(
    ("ref", "reason"),
    [
        ("../../../../../etc/passwd", "points outside the repository"),
        ("/etc/passwd", "is an absolute path"),
        ("https://example.com/foto.jpg", "is an external address"),
    ],
)
def test_reference_outside_repository(site: Path, release: Callable[[str], Path], ref: str, reason: str) -> None:
    release(RELEASE.replace("image: foto.jpg", f"image: {ref}"))
    (line,) = load(site)[1]
    assert line.startswith(f"{PATH}:6: error: image: '{ref}' {reason}")


def test_symlink_leading_out_is_refused(site: Path, release: Callable[[str], Path], tmp_path: Path) -> None:
    outside = tmp_path / "rahasia.jpg"
    outside.write_bytes(b"secret")
    os.symlink(outside, site / "content/siaran-pers/2025/tautan.jpg")
    release(RELEASE.replace("image: foto.jpg", "image: tautan.jpg"))
    assert load(site)[1] == [f"{PATH}:6: error: image: 'tautan.jpg' goes through a symbolic link; "
                             "put the file itself in the repository"]


def test_symlink_inside_the_repository_is_refused_too(site: Path, release: Callable[[str], Path]) -> None:
    # a link's target can change without the link changing: approvals would not see it
    (site / "content/galeri").mkdir()
    (site / "content/galeri/foto.jpg").write_bytes(b"\xff\xd8")
    os.symlink("../../galeri", site / "content/siaran-pers/2025/folder")
    release(RELEASE.replace("image: foto.jpg", "image: folder/foto.jpg"))
    assert load(site)[1] == [f"{PATH}:6: error: image: 'folder/foto.jpg' goes through a symbolic link "
                             "(content/siaran-pers/2025/folder is one); put the file itself in the repository"]


def test_symlinked_content_file_is_refused(site: Path, release: Callable[[str], Path]) -> None:
    release()
    os.symlink("pelatihan-bumkal.md", site / "content/siaran-pers/2025/salinan.md")
    assert load(site)[1] == ["content/siaran-pers/2025/salinan.md: error: is a symbolic link; "
                             "content files must be real files in the repository"]


def test_image_without_alt_text(site: Path, release: Callable[[str], Path]) -> None:
    text = RELEASE.replace("image_alt: Peserta pelatihan menyimak materi pembukuan di aula dinas\n", "")
    release(text + "\nFoto kedua:\n\n![](foto.jpg)\n")
    out = load(site)[1]
    assert f"{PATH}:6: error: image_alt: required when image is set (describe what the photo shows)" in out
    assert f"{PATH}:16: error: image 'foto.jpg' has no alt text: write ![what it shows](foto.jpg)" in out
    assert len(out) == 2


def test_media_items_need_alt(site: Path, release: Callable[[str], Path]) -> None:
    release(RELEASE.replace("disposisi:", "media:\n  - file: foto.jpg\ndisposisi:"))
    assert load(site)[1] == [f"{PATH}:9: error: media.0.alt: required field is missing"]


def test_every_error_of_a_file_is_collected(site: Path, release: Callable[[str], Path]) -> None:
    release(RELEASE.replace("summary:", "ringkasan:").replace("  tanggal: 2025-06-11", "  tanggal: 2025-13-01")
            .replace("title: Pelatihan Pengelola BUMKal Angkatan II\n", ""))
    out = load(site)[1]
    assert len(out) == 3, out


def test_unknown_kind_folder(site: Path, write: Write) -> None:
    write("content/siaranpers/2025/x.md", RELEASE)
    (line,) = load(site)[1]
    assert "unknown kind folder 'siaranpers' (did you mean 'siaran-pers'?)" in line


def test_withdrawal_needs_a_reason(site: Path, release: Callable[[str], Path]) -> None:
    release(RELEASE.replace("tags:", "status: dicabut\ntags:"))
    assert load(site)[1] == [f"{PATH}:5: error: alasan_pencabutan: required when status is dicabut (why it is withdrawn)"]


def test_page_needs_no_date_and_no_year_folder(site: Path, write: Write) -> None:
    write("content/halaman/profil.md", "---\ntitle: Profil Dinas\nmenu: true\nurutan: 1\n---\nIsi.\n")
    items, out = load(site)
    assert out == [] and items[0].url_path == "profil/"


def test_markdown_images_found_by_the_parser() -> None:
    body = "Teks `![bukan](kode.jpg)`\n\n![Foto satu](a.jpg)\n\n    ![indentasi kode](b.jpg)\n"
    assert markdown_images(body) == [("a.jpg", "Foto satu")]


def test_digest_binds_text_and_referenced_files() -> None:
    base = {"content/a.md": b"teks", "content/foto.jpg": b"\xff\xd8"}
    digest = compute_digest(base)
    assert digest.startswith("sha256:") and len(digest) == 7 + 64
    assert compute_digest(dict(reversed(list(base.items())))) == digest
    assert compute_digest({**base, "content/foto.jpg": b"\xff\xd9"}) != digest
    assert compute_digest({"content/a.md": b"teks"}) != digest
    # the path is bound too: the same bytes under another name are another item
    assert compute_digest({"content/b.md": b"teks", "content/foto.jpg": b"\xff\xd8"}) != digest


def test_invalid_top_level_date_names_the_field(site: Path, release: Callable[[str], Path]) -> None:
    release(RELEASE.replace("date: 2025-06-12 09:30", "date: 2025-02-30"))
    assert load(site)[1] == [f"{PATH}:3: error: date: '2025-02-30' is not a day of the calendar: 02/2025 has "
                             "days 1 to 28"]


def test_item_cannot_choose_an_sop_that_warta_yml_does_not_allow(site: Path, release: Callable[[str], Path]) -> None:
    # pengelolaan-web-ppid needs one paraf; a press release must not escape the Kasubbag and Sekdin steps
    release(RELEASE.replace("tags:", "sop: pengelolaan-web-ppid\ntags:"))
    assert load(site)[1] == [f"{PATH}:5: error: sop: 'pengelolaan-web-ppid' is not an SOP for siaran-pers in "
                             "warta.yml (allowed: pemutakhiran-website; add it to kinds.siaran-pers.other_sops "
                             "to allow it)"]
    release(RELEASE.replace("tags:", "sop: pemutakhiran-website\ntags:"))
    assert load(site)[1] == []
