"""Personal data detection: NIK/KK numbers and personal mobile numbers, not office numbers or rupiah."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import phonenumbers
import pytest

from pipeline.config import load_config
from pipeline.content import Item, load_items
from pipeline.people import People, Person
from pipeline.privacy import allowed_numbers, find_leaks, item_findings

Write = Callable[[str, str | bytes], Path]


@pytest.mark.parametrize(
    "text",
    [
        "Penerima: Sutini, NIK 3402015708650002, Dusun Ngentak.",  # woman: day 17 + 40 = 57
        "No. KK 3402 0112 0520 0001 tercatat.",
        "NIK: 3402-0145-0190-0003",
    ],
)
def test_identity_numbers_are_found(text: str) -> None:
    (leak,) = find_leaks(text)
    assert leak.kind == "nik"
    assert "UU 27/2022" in leak.describe()


@pytest.mark.parametrize(
    "text",
    [
        "Anggaran Rp 1.500.000.000.000.000 dialokasikan.",  # rupiah amount with thousands dots
        "Nomor surat 045/112/DPMK/2025 tanggal 3 Maret 2025.",
        "Kode klasifikasi 400.14.5.6 dan 000.8.3.3.",
        "Nomor 0012345678901234 diawali 00 bukan kode provinsi.",  # no plausible province prefix
    ],
)
def test_ordinary_numbers_are_not_identity_numbers(text: str) -> None:
    assert find_leaks(text) == []


@pytest.mark.parametrize("number", ["0812-3456-7890", "+62 857 1234 5678", "62 813 2222 3333", "0878.1234.5678"])
def test_personal_mobile_numbers_are_found(number: str) -> None:
    leaks = find_leaks(f"Hubungi Bapak Sardi di {number} untuk pendaftaran.")
    assert [(leak.kind, leak.text) for leak in leaks] == [("phone", number)]


def test_office_fixed_line_is_allowed() -> None:
    assert find_leaks("Informasi: telepon kantor (0274) 367123 pada jam kerja.") == []


def test_positions_are_reported() -> None:
    leaks = find_leaks("Baris satu.\nKontak 081234567890 ya.\n")
    assert [(leak.line, leak.column) for leak in leaks] == [(2, 8)]


# --- every published text of every kind (DESIGN section 4 rule 14) -------------------------------

NIK = "3402015708650002"
MOBILE = "0812-3456-7890"


def _item(site: Path, write: Write, rel: str, text: str, people: People | None = None,
          files: tuple[str, ...] = ()) -> tuple[Item, frozenset[str]]:
    for name in files:
        write(name, b"\xff\xd8\xff")
    write(rel, text)
    config = load_config(site)
    items, findings = load_items(site, config, [rel])
    assert not findings.errors, [f.format() for f in findings.errors]
    (item,) = items
    return item, allowed_numbers(config, people)


def _lines(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


INFO = f"""\
---
title: Daftar Penerima Bantuan
date: 2025-03-04
summary: Rekap penerima.
kategori_informasi: berkala
pejabat_penguasa: Sekretariat
penanggung_jawab: PPID
waktu_tempat: Bantul, 2025
bentuk_informasi: [elektronik]
retensi: 5 tahun
image: foto.jpg
image_alt: Warga antre, nomor {MOBILE} di papan
image_caption: Foto kegiatan
media:
  - file: ktp-{NIK}.jpg
    alt: Foto dokumen
    caption: Hubungi 0857 1234 5678
lampiran:
  - file: daftar.pdf
    judul: Daftar NIK {NIK}
tags: [bantuan]
---
Isi tanpa data pribadi.
"""
INFO_PATH = "content/informasi-publik/2025/daftar-penerima.md"
INFO_FILES = ("content/informasi-publik/2025/foto.jpg", f"content/informasi-publik/2025/ktp-{NIK}.jpg",
              "content/informasi-publik/2025/daftar.pdf")


def test_every_published_field_and_file_name_of_a_dip_entry_is_checked(site: Path, write: Write) -> None:
    item, allowed = _item(site, write, INFO_PATH, INFO, files=INFO_FILES)
    found = {(f.line, f.message.split(":")[0]) for f in item_findings(item, allowed)}
    assert found == {
        (_lines(INFO, "image_alt:"), "image_alt"),
        (_lines(INFO, "- file: ktp-"), "media.0.file"),  # the photo's file name
        (_lines(INFO, "caption: Hubungi"), "media.0.caption"),
        (_lines(INFO, "judul: Daftar NIK"), "lampiran.0.judul"),
    }
    assert all(f.severity == "error" and "data_pribadi.dikecualikan" in f.message
               for f in item_findings(item, allowed))


RELEASE = f"""\
---
title: Bantuan untuk Ibu Sutini
date: 2025-03-04
summary: Kontak keluarga {MOBILE}.
kontak: Humas (0274) 367509
---
Keterangan.

![Rumah penerima](rumah_081298765432.jpg)
"""
RELEASE_PATH = "content/siaran-pers/2025/bantuan-sutini.md"


def test_summary_contact_and_inline_photo_names_of_a_press_release(site: Path, write: Write) -> None:
    item, allowed = _item(site, write, RELEASE_PATH, RELEASE,
                          files=("content/siaran-pers/2025/rumah_081298765432.jpg",))
    found = sorted((f.line, f.field) for f in item_findings(item, allowed))
    # the office's fixed line in kontak is allowed; the photo named after a mobile number is not
    assert found == [(_lines(RELEASE, "summary:"), "summary"), (_lines(RELEASE, "![Rumah"), "body")]


def test_the_offices_own_numbers_are_allowed(site: Path, write: Write) -> None:
    config = site / "warta.yml"
    config.write_text(config.read_text(encoding="utf-8") + '\nprivacy: {allowed_numbers: ["+62 812 3456 7890"]}\n',
                      encoding="utf-8")
    people = People(roles={"operator": "Operator"}, people=(
        Person("Rina", "rina@example.go.id", ("operator",), phone="+62 857-1234-5678"),))
    text = (f"---\ntitle: Layanan\ndate: 2025-03-04\nsummary: WhatsApp layanan {MOBILE}, humas 0857 1234 5678, "
            "pribadi 0813 2222 3333.\n---\nIsi.\n")
    item, allowed = _item(site, write, "content/berita/2025/layanan.md", text, people=people)
    (finding,) = item_findings(item, allowed)
    assert "'0813 2222 3333' is a personal mobile number" in finding.message


def test_a_recorded_waiver_allows_exactly_the_numbers_it_names(site: Path, write: Write) -> None:
    text = (f"---\ntitle: Pemenang Lomba\ndate: 2025-03-04\nsummary: Pemenang dapat dihubungi di {MOBILE} dan "
            "0813 2222 3333.\ndata_pribadi:\n  dikecualikan: [\"+62 812 3456 7890\", \"0899 0000 1111\"]\n"
            "  alasan: Persetujuan tertulis pemenang, 3 Maret 2025\n---\nIsi.\n")
    item, allowed = _item(site, write, "content/berita/2025/lomba.md", text)
    findings = item_findings(item, allowed)
    errors = [f for f in findings if f.severity == "error"]
    warnings = [f for f in findings if f.severity == "warning"]
    assert [f.message.split(";")[0] for f in errors] == [
        "summary: '0813 2222 3333' is a personal mobile number"]  # the same number in another format is waived
    assert [(f.line, f.field) for f in warnings] == [(_lines(text, "dikecualikan"), "dikecualikan")]
    assert "'0899 0000 1111' does not occur" in warnings[0].message


def test_a_waiver_needs_its_reason(site: Path, write: Write) -> None:
    write("content/berita/2025/tanpa-alasan.md", f"---\ntitle: T\ndate: 2025-03-04\ndata_pribadi:\n"
                                                 f"  dikecualikan: [\"{NIK}\"]\n---\nNIK {NIK}\n")
    _, findings = load_items(site, load_config(site))
    assert [f.format() for f in findings.errors] == [
        "content/berita/2025/tanpa-alasan.md:4: error: data_pribadi.alasan: required field is missing"]


def test_a_withdrawal_is_judged_on_its_notice_only(site: Path, write: Write) -> None:
    # Withdrawing a release because it leaked a NIK must not be blocked by that NIK; the notice shows the
    # title, the address and the reason, and those are checked.
    text = (f"---\ntitle: Bantuan Bibit\ndate: 2025-03-04\nsummary: NIK {NIK}\nstatus: dicabut\n"
            f"alasan_pencabutan: Memuat nomor {MOBILE}\n---\nDaftar: {NIK}\n")
    item, allowed = _item(site, write, "content/berita/2025/bibit.md", text)
    assert [(f.line, f.field) for f in item_findings(item, allowed)] == [(6, "alasan_pencabutan")]


def test_the_line_prefilter_finds_what_the_whole_text_matcher_finds() -> None:
    # Run the phone matcher only on lines with long digit runs: no number may be missed for it.
    text = ("Rapat 4 Maret 2025 pukul 09.30, anggaran Rp 12.500.000.\n"
            "Hubungi 081234567890 atau +62 857 1234 5678\n"
            "tabel | 0878.1234.5678 | 62 813 2222 3333 |\n" * 3)
    expected = [(m.raw_string, m.start) for m in phonenumbers.PhoneNumberMatcher(
        text, "ID", leniency=phonenumbers.Leniency.VALID)
        if phonenumbers.number_type(m.number) in {phonenumbers.PhoneNumberType.MOBILE,
                                                   phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}]
    found = [(leak.text, text.splitlines(keepends=True)[leak.line - 1]) for leak in find_leaks(text)]
    assert [t for t, _ in found] == [t for t, _ in expected] and len(found) == 12
