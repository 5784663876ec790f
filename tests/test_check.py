"""`warta check` through the real command line: exit codes, findings from schema, SOP and privacy."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cli_helpers import copy_example, run_warta

RELEASE = "content/siaran-pers/2025/pelatihan-manajemen-bumkal.md"


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A copy of the project's example site (warta.yml, sop/, content/)."""
    return copy_example(tmp_path)


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(root: Path, rel: str, needle: str) -> int:
    for n, line in enumerate((root / rel).read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError(f"{needle!r} not in {rel}")


def test_example_site_is_clean(example: Path) -> None:
    result = run_warta("-C", str(example), "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 errors" in result.stderr


def test_press_release_without_disposition_breaks_sop_step_1(example: Path) -> None:
    text = (example / RELEASE).read_text(encoding="utf-8")
    start = text.index("disposisi:")
    end = text.index("\n", text.index("jenis_berita:", start))
    (example / RELEASE).write_text(text[:start] + text[end + 1:], encoding="utf-8")
    result = run_warta("-C", str(example), "check")
    assert result.returncode == 1
    assert (f"{RELEASE}:2: error: disposisi: SOP pemutakhiran-website langkah 1 requires a disposition "
            "with nomor, tanggal and jenis_berita") in result.stdout


def test_press_release_without_multimedia_evidence(example: Path) -> None:
    text = (example / RELEASE).read_text(encoding="utf-8")
    kept = [line for line in text.splitlines(keepends=True)
            if not line.startswith(("image:", "image_alt:", "image_caption:", "image_focus:"))]
    cut = "".join(kept)
    if "media:" in cut:  # drop the extra photos too: no multimedia evidence at all
        head, _, rest = cut.partition("media:\n")
        rest_lines = rest.splitlines(keepends=True)
        while rest_lines and rest_lines[0].startswith((" ", "-")):
            rest_lines.pop(0)
        cut = head + "".join(rest_lines)
    (example / RELEASE).write_text(cut, encoding="utf-8")
    result = run_warta("-C", str(example), "check", RELEASE)
    assert result.returncode == 1
    assert "image: SOP pemutakhiran-website langkah 1 requires multimedia evidence" in result.stdout


def test_personal_phone_number_on_a_page_is_refused(example: Path) -> None:
    rel = "content/halaman/kontak.md"
    edit(example, rel, "## Jam layanan", "Hubungi Pak Sardi di 0812-2233-4455.\n\n## Jam layanan")
    result = run_warta("-C", str(example), "check", "--json")
    assert result.returncode == 1
    doc = json.loads(result.stdout)
    assert doc["errors"] == 1
    (finding,) = [f for f in doc["findings"] if f["severity"] == "error"]
    assert finding["path"] == rel
    assert finding["line"] == line_of(example, rel, "0812-2233-4455")
    assert finding["field"] == "body"
    assert "personal mobile number" in finding["message"]


def test_paths_limit_what_is_reported(example: Path) -> None:
    edit(example, "content/halaman/kontak.md", "title: Kontak", "title: Kontak\ntitel: x")
    only_release = run_warta("-C", str(example), "check", RELEASE)
    assert only_release.returncode == 0
    assert "1 file checked" in only_release.stderr
    folder = run_warta("-C", str(example), "check", "content/halaman")
    assert folder.returncode == 1
    assert "content/halaman/kontak.md:3: error: titel: unknown key (did you mean 'title'?)" in folder.stdout


def test_missing_path_is_a_usage_error(example: Path) -> None:
    result = run_warta("-C", str(example), "check", "content/tidak-ada.md")
    assert result.returncode == 2
    assert "content/tidak-ada.md: no such file or folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_broken_configuration_exits_2_without_traceback(example: Path) -> None:
    edit(example, "warta.yml", "  unit_code: DPMK", "  unit_code: DPMK\n  bahasa: id")
    result = run_warta("-C", str(example), "check")
    assert result.returncode == 2
    assert "warta.yml:" in result.stderr and "site.bahasa: unknown key" in result.stderr
    assert "Traceback" not in result.stderr


def test_kind_mapped_to_missing_sop_is_a_configuration_error(example: Path) -> None:
    edit(example, "warta.yml", "sop: pemutakhiran-website", "sop: pemutakhiran-web")
    result = run_warta("-C", str(example), "check")
    assert result.returncode == 2
    assert "kinds.siaran-pers.sop: no SOP 'pemutakhiran-web' in sop/" in result.stderr


def test_broken_sop_file_exits_2_naming_the_file(example: Path) -> None:
    edit(example, "sop/pemutakhiran-website.yaml", "    pelaksana: kasubbag", "    pelaksana: kasubag")
    result = run_warta("-C", str(example), "check")
    assert result.returncode == 2
    assert "sop/pemutakhiran-website.yaml:" in result.stderr and "kasubag" in result.stderr
    assert "Traceback" not in result.stderr


def test_outside_a_site_is_a_usage_error(tmp_path: Path) -> None:
    result = run_warta("-C", str(tmp_path), "check")
    assert result.returncode == 2
    assert "warta.yml not found" in result.stderr


def test_unknown_classification_code_suggests_the_nearest(example: Path) -> None:
    rel = "content/berita/2025/musrenbang-kapanewon-sedayu.md"
    edit(example, rel, 'klasifikasi: "400.14.1.1"', 'klasifikasi: "400.14.5.66"')
    result = run_warta("-C", str(example), "check", rel)
    assert result.returncode == 1
    line = line_of(example, rel, "400.14.5.66")
    assert f"{rel}:{line}: error: klasifikasi: '400.14.5.66' is not in the Permendagri Nomor 83 Tahun 2022 table" \
        in result.stdout
    assert "nearest: 400.14.5.6 (Hubungan dengan media massa)" in result.stdout


def test_gps_in_a_source_photo_is_a_warning_not_an_error(example: Path, photos: Path) -> None:
    rel = "content/media/2025/pendampingan-apbkal.jpg"
    shutil.copy(photos / "gps_DSCN0010.jpg", example / rel)
    result = run_warta("-C", str(example), "check", "--json")
    assert result.returncode == 0, result.stdout
    doc = json.loads(result.stdout)
    warnings = [f for f in doc["findings"] if f["path"] == rel]
    assert len(warnings) == 1 and warnings[0]["severity"] == "warning"
    assert "GPS position" in warnings[0]["message"]
    assert "content/berita/2025/pendampingan-penyusunan-apbkal-2026.md" in warnings[0]["message"]


def test_corrupt_photo_names_the_file_and_the_release(example: Path, photos: Path) -> None:
    rel = "content/media/2025/pendampingan-apbkal.jpg"
    shutil.copy(photos / "corrupted.jpg", example / rel)
    result = run_warta("-C", str(example), "check")
    assert result.returncode == 1
    (line,) = [x for x in result.stdout.splitlines() if x.startswith(f"{rel}: error:")]
    assert "used by content/berita/2025/pendampingan-penyusunan-apbkal-2026.md" in line
    assert "Traceback" not in result.stderr


def test_personal_data_in_a_press_release_caption_is_refused(example: Path) -> None:
    # Before rule 14 only pages were checked: every kind is now.
    edit(example, RELEASE, "caption: Peserta menyusun", "caption: Ketua kelompok (NIK 3402015708650002) menyusun")
    result = run_warta("-C", str(example), "check", "--json")
    assert result.returncode == 1
    doc = json.loads(result.stdout)
    (finding,) = [f for f in doc["findings"] if f["severity"] == "error"]
    assert (finding["path"], finding["line"], finding["field"]) == (
        RELEASE, line_of(example, RELEASE, "caption: Ketua kelompok"), "caption")
    assert "looks like a NIK or Nomor KK" in finding["message"]


def test_a_waiver_in_the_front_matter_lets_check_pass(example: Path) -> None:
    edit(example, RELEASE, "caption: Peserta menyusun", "caption: Ketua kelompok (NIK 3402015708650002) menyusun")
    edit(example, RELEASE, "lokasi:", "data_pribadi:\n  dikecualikan: ['3402015708650002']\n"
                                      "  alasan: Persetujuan tertulis yang bersangkutan\nlokasi:")
    result = run_warta("-C", str(example), "check")
    assert result.returncode == 0, result.stdout + result.stderr
