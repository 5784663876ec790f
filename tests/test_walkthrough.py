"""The README's tour as a new operator walks it, in Indonesian (the default): what a person reads is
Indonesian, never English left over from the source texts (issue 12, "Done when")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from approvals_helpers import Person, isolated_site, release

TITLE = "Pelatihan Pengelola BUMKal Angkatan II"
RELEASE = "content/siaran-pers/2026/pelatihan-pengelola-bumkal-angkatan-ii.md"
# the template's empty fields as the operator fills them in (docs/content.md)
FILLED = {
    'summary: ""': 'summary: "Dinas melatih pengelola BUMKal angkatan kedua."',
    'image: ""': "image: ../../media/2026/pembinaan-kader-posyandu.jpg",
    'image_alt: ""': 'image_alt: "Peserta pelatihan di aula"',
    'nomor: ""': 'nomor: "12"',
    'tanggal: ""': "tanggal: 2026-11-30",
    'jenis_berita: ""': "jenis_berita: kegiatan",
    "Tulis isi di sini.": "Pelatihan diikuti 30 pengelola BUMKal dari 75 kalurahan.",
}


def warta_id(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real command line with no language chosen, as an operator runs it (Indonesian)."""
    env = {k: v for k, v in os.environ.items() if k != "WARTA_LANG"}
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture
def situs(tmp_path: Path) -> Path:
    """``warta init situs-dinas --example``, ``warta new siaran-pers TITLE`` filled in, committed unsigned."""
    assert warta_id("init", "situs-dinas", "--example", cwd=tmp_path).returncode == 0
    root = tmp_path / "situs-dinas"
    made = warta_id("new", "siaran-pers", TITLE, cwd=root)
    assert made.returncode == 0, made.stderr
    release = root / RELEASE
    text = release.read_text(encoding="utf-8")
    for old, new in FILLED.items():
        assert old in text, old
        text = text.replace(old, new)
    release.write_text(text, encoding="utf-8")
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(["git", "-c", "user.name=Operator", "-c", "user.email=operator@example.org",
                    "-c", "commit.gpgsign=false", "commit", "-qm", "Rilis"], cwd=root, check=True)
    return root


def test_status_tells_the_operator_in_indonesian_to_sign_content_commits(situs: Path) -> None:
    result = warta_id("status", cwd=situs)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "tidak ditandatangani oleh orang yang tercantum di sop/people.yaml" in out
    assert "tandatangani commit konten dengan kunci SSH Anda" in out
    assert "is not signed by a person" not in out and "sign content commits" not in out
    assert f"{RELEASE}: tidak dikirim ke kanal mana pun (kanal)" in out
    assert "goes to" not in out and "\ndue: " not in out and not out.startswith("due: ")


def test_check_reports_a_photos_location_in_indonesian(situs: Path) -> None:
    result = warta_id("check", "--json", cwd=situs)
    doc = json.loads(result.stdout)
    located = [f for f in doc["findings"] if f["code"] == "photo.location"]
    assert doc["errors"] == 0 and located, doc["findings"]
    message = located[0]["message"]
    assert "posisi GPS -7." in message and "(dipakai oleh content/siaran-pers/" in message
    assert "GPS position" not in message and "used by" not in message


def test_publish_dry_run_speaks_indonesian_and_names_each_warning_once(situs: Path) -> None:
    subprocess.run(["git", "switch", "-q", "main"], cwd=situs, check=True)
    result = warta_id("publish", "--dry-run", cwd=situs)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "uji coba: tidak ada yang diubah; inilah yang akan dilakukan warta publish yang sebenarnya" in lines
    assert any(line.startswith("baru ") and "content/siaran-pers/2026/pembinaan-kader-posyandu.md" in line
               for line in lines), lines
    (summary,) = [line for line in lines if line.startswith("publish: ")]
    assert summary.startswith("publish: akan menerbitkan ") and " naskah, " in summary and "ditahan" in summary
    # a register finding prints once as `path: warning: message`, as editors' problem matchers read it
    (register,) = [line for line in lines if "pipeline:" in line]
    assert register.startswith("sop/people.yaml: warning: tidak ada entri pipeline:"), register
    assert "sebuah jalan" not in result.stdout and "item(s)" not in result.stdout


def test_verify_says_in_indonesian_which_step_waits(situs: Path) -> None:
    result = warta_id("verify", cwd=situs)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"FAIL {RELEASE}: draf (belum diparaf)" in result.stdout.splitlines()
    assert "  - langkah 2 (kasubbag) belum disetujui" in result.stdout.splitlines()
    assert "is not approved yet" not in result.stdout and ": draft\n" not in result.stdout


def test_approvers_read_refusals_in_indonesian(tmp_path: Path, cast: dict[str, Person],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    site = isolated_site(tmp_path, cast, monkeypatch)
    path = release(site)
    monkeypatch.setenv("WARTA_LANG", "id")
    assert site.warta("approve", "-m", "Sudah sesuai", person=cast["dwi"]).returncode == 0
    again = site.warta("approve", person=cast["dwi"])
    assert again.returncode == 1
    assert (f"{path}: ditolak: tidak ada yang perlu Anda setujui: langkah 2 (Kepala Sub Bagian Program dan "
            "Keuangan) sudah disetujui oleh Dwi Astuti; berikutnya langkah 3") in again.stderr, again.stderr
    wrong = site.warta("approve", "--as", "kasubbag", person=cast["hendro"])
    assert wrong.returncode == 1
    assert "tetapi catatannya menyebut kasubbag" in wrong.stderr, wrong.stderr
    assert "Hendro Wibowo tidak memegang peran kasubbag di sop/people.yaml" in wrong.stderr
    assert "the record says" not in wrong.stderr and "does not hold" not in wrong.stderr
    site.switch("main")
    site.switch("rilis/kosong", create=True)  # a branch with no change yet
    empty = site.warta("approve", person=cast["dwi"])
    assert empty.returncode == 1
    assert "tidak ada yang perlu disetujui: tidak ada naskah yang berubah di cabang ini" in empty.stderr, empty.stderr
    assert "commit perubahan lebih dulu" in empty.stderr and "nothing to approve" not in empty.stderr


def test_announce_dry_run_says_when_there_is_nothing_to_post(situs: Path) -> None:
    result = warta_id("announce", "--dry-run", cwd=situs)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ("tidak ada yang perlu diumumkan: setiap naskah yang terbit sudah dikirim, "
                                     "atau SOP-nya tidak menyebut kanal")


def test_an_archivist_reads_a_record_in_indonesian_with_local_times(tmp_path: Path) -> None:
    made = warta_id("demo", str(tmp_path / "demo-site"), cwd=tmp_path)
    assert made.returncode == 0, made.stdout + made.stderr
    demo = tmp_path / "demo-site"
    number = "400.14.5.6/3/DPMK/2026"
    text = warta_id("archive", "show", number, cwd=demo).stdout
    lines = text.splitlines()
    assert lines[0].split() == ["nomor", number]
    assert any(line.startswith("berkas catatan  arsip/") for line in lines), text
    assert any(line.startswith("versi 1 (berlaku): disetujui ") and " WIB, perubahan besar" in line
               for line in lines), text
    assert "  langkah 2: Press Release diperiksa dan dipilah sebagai bahan input data website" in lines
    assert ", ditandatangani SHA256:" in text
    # the return and the git history give their times in the office's zone, as the approvals do
    (returned,) = [line for line in lines if line.startswith("  langkah 3 (sekdin) oleh Hendro Wibowo")]
    assert " WIB; commit " in returned and "+00:00" not in text
    assert "riwayat git content/siaran-pers/2026/" in text
    for english in ("number ", "record file", "version 1", "(current)", "signed SHA", "git history of"):
        assert english not in text, english


def test_archive_show_of_an_unknown_number_with_json_prints_a_json_error(situs: Path) -> None:
    result = warta_id("archive", "show", "400.14.5.6/99/DPMK/2026", "--json", cwd=situs)
    assert result.returncode == 1
    doc = json.loads(result.stdout)
    assert doc["error"]["code"] == "archive.not_found" and doc["error"]["exit_code"] == 1
    assert doc["error"]["message"].startswith("tidak ada catatan arsip untuk '400.14.5.6/99/DPMK/2026'")
    assert doc["findings"] == []
    text = warta_id("archive", "show", "400.14.5.6/99/DPMK/2026", cwd=situs)
    assert text.returncode == 1 and text.stderr.startswith("warta: error: tidak ada catatan arsip untuk ")


def test_help_and_a_draft_preview_speak_indonesian(situs: Path) -> None:
    helped = warta_id("--help", cwd=situs)
    assert "  --version       tampilkan nomor versi program lalu keluar" in helped.stdout.splitlines()
    assert "show program's version" not in helped.stdout
    built = warta_id("build", "--drafts", cwd=situs)
    assert built.returncode == 0, built.stderr
    assert ", 1 di antaranya draf, " in built.stdout and "of them drafts" not in built.stdout


def test_a_base_that_names_no_commit_is_a_usage_error(situs: Path) -> None:
    result = warta_id("verify", "--base", "tidak-ada", "--json", cwd=situs)
    assert result.returncode == 2  # DESIGN.md section 6: 2 is a usage error
    doc = json.loads(result.stdout)
    assert doc["error"]["exit_code"] == 2 and doc["error"]["code"] == "usage"
    assert doc["error"]["message"] == "--base tidak-ada tidak menunjuk commit apa pun"
