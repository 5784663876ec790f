"""Personal data detection: NIK/KK numbers and personal mobile numbers, not office numbers or rupiah."""

from __future__ import annotations

import pytest

from pipeline.privacy import find_leaks


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
