"""Real commands speak Indonesian when nobody asks for a language (no ``--lang``, no ``WARTA_LANG``).

The suite runs with ``WARTA_LANG=en`` (tests/conftest.py); these tests remove it from the command's
environment, as an operator's shell has it, and read what the operator reads: build findings for a damaged
photo and a refused output folder, a bad report period, bad office hours in warta.yml, the report itself.
The words ``error``/``warning`` and the finding codes stay as they are (problem matchers read them).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PHOTO = "content/media/2026/penyaluran-bkk-tahap-i.jpg"
RELEASE = "content/siaran-pers/2026/penyaluran-bkk-kalurahan-tahap-i.md"


def _warta(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "WARTA_LANG"}
    environment.update(env)
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, capture_output=True, text=True,
                          env=environment, timeout=300)


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("contoh")
    made = _warta(["init", "situs", "--example"], base)
    assert made.returncode == 0, made.stderr
    return base / "situs"


@pytest.fixture
def site(example: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "situs"
    shutil.copytree(example, copy, symlinks=True)
    return copy


def test_a_damaged_photo_is_reported_in_indonesian_by_warta_build(site: Path) -> None:
    photo = site / PHOTO
    photo.write_bytes(photo.read_bytes()[:3000])  # a JPEG cut off in the middle of its image data
    result = _warta(["build", "--drafts"], site)
    lines = result.stderr.splitlines()
    assert (f"{PHOTO}: error: rusak: terpotong: data gambar terkompresi berakhir terlalu awal (tidak ada penanda "
            f"akhir gambar) (dipakai oleh {RELEASE}) [photo.invalid]") in lines
    assert f"{RELEASE}: error: tidak dimuat di situs: gambar {PHOTO} tidak dapat diproses" in lines
    assert "Traceback" not in result.stderr
    assert "truncated" not in result.stderr and "left out of the site" not in result.stderr


def test_a_photo_that_is_not_a_photo_is_named_in_indonesian(site: Path) -> None:
    (site / PHOTO).write_text("bukan gambar\n", encoding="utf-8")
    result = _warta(["build", "--drafts"], site)
    assert any(line.startswith(f"{PHOTO}: error: bukan foto JPEG, PNG, WebP atau HEIC: isinya ")
               and "(format dikenali dari isi, bukan dari nama berkas)" in line and line.endswith("[photo.invalid]")
               for line in result.stderr.splitlines()), result.stderr


def test_an_output_folder_inside_content_is_refused_in_indonesian(site: Path) -> None:
    result = _warta(["build", "--output", "content/keluaran"], site)
    assert result.returncode != 0
    assert (f"warta: error: keluaran {site / 'content' / 'keluaran'} berada di dalam content/; pilih folder lain, "
            "misalnya _preview") in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_report_period_is_explained_in_indonesian(site: Path) -> None:
    result = _warta(["report", "--period", "2026-13"], site)
    assert result.returncode == 2
    assert "warta: error: --period 2026-13: tulis bulan (2026-11), triwulan (2026-Q4)" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_report_a_head_of_office_reads_is_indonesian(site: Path) -> None:
    result = _warta(["report", "--period", "2026"], site)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# Laporan Monitoring dan Evaluasi — Tahun 2026\n")
    assert "## Waktu per langkah SOP terhadap Mutu Baku" in result.stdout
    page = _warta(["report", "--period", "2026", "--format", "html"], site)
    assert page.returncode == 0, page.stderr
    assert '<html lang="id">' in page.stdout
    assert "<title>Laporan Monitoring dan Evaluasi — Tahun 2026</title>" in page.stdout


def _set_office_hours(site: Path, block: str) -> None:
    config = site / "warta.yml"
    text = config.read_text(encoding="utf-8")
    assert "  timezone: Asia/Jakarta\n" in text
    config.write_text(text.replace("  timezone: Asia/Jakarta\n", "  timezone: Asia/Jakarta\n" + block, 1),
                      encoding="utf-8")


def test_bad_office_hours_in_warta_yml_are_explained_in_indonesian(site: Path) -> None:
    _set_office_hours(site, '  office_hours:\n    senen: "07:30-16:00"\n    selasa: "16:00-07:30"\n'
                            '    rabu: "pagi"\n')
    result = _warta(["check"], site)
    assert result.returncode in (1, 2)
    lines = result.stdout.splitlines() + result.stderr.splitlines()
    assert any(": error: site.office_hours.senen: hari 'senen' tidak dikenal (maksud Anda 'senin'?); pakai salah "
               "satu dari senin, selasa, rabu, kamis, jumat, sabtu, minggu [field.invalid]" in line
               for line in lines), lines
    assert any(": error: site.office_hours.selasa: jam tutup harus sesudah jam buka" in line for line in lines)
    assert any(': error: site.office_hours.rabu: harus berupa jam layanan yang ditulis "HH:MM-HH:MM"' in line
               for line in lines)
    english = _warta(["check"], site, WARTA_LANG="en")
    assert "unknown day 'senen' (did you mean 'senin'?)" in english.stdout + english.stderr


def test_a_channel_reusing_the_forge_token_is_refused_in_indonesian(site: Path) -> None:
    config = site / "warta.yml"
    text = config.read_text(encoding="utf-8")
    forge = "approvals:\n  forge:\n    type: github\n    repository: dinas/situs\n    token_env: TOKEN_BERSAMA\n"
    channel = "channels:\n  kabar:\n    type: telegram\n    chat_id: '@kabar_dinas'\n    token_env: TOKEN_BERSAMA\n"
    assert text.count("\napprovals:\n") == 1 and text.count("\nchannels:\n") == 1
    text = text.replace("\napprovals:\n", "\n" + forge, 1).replace("\nchannels:\n", "\n" + channel, 1)
    config.write_text(text, encoding="utf-8")
    result = _warta(["check"], site)
    output = result.stdout + result.stderr
    assert result.returncode in (1, 2)
    assert ("channels.kabar.token_env menyebut TOKEN_BERSAMA, token forge milik approvals.forge: berikan variabel "
            "tersendiri untuk kanal ini") in output, output


SPAWNED_WORKERS = """
import multiprocessing, sys
from pathlib import Path
from pipeline import i18n
from pipeline.media import build

if __name__ == "__main__":
    multiprocessing.set_start_method("spawn")  # as on macOS and Windows: workers start afresh
    i18n.set_language(sys.argv[1])              # what --lang does in the CLI
    photo = Path(sys.argv[2])
    tasks = [build._Task(f"foto{n}.jpg", photo, "0" * 64, "JPEG", (10, 10), (), (), 1000) for n in range(2)]
    for outcome in build._run(tasks, 2, False):
        print(outcome.error)
"""


@pytest.mark.parametrize(("language", "environment", "expected"), [
    ("en", "id", "changed while the site was being built; build again"),
    ("id", "en", "berubah ketika situs sedang dibangun; bangun ulang"),
])
def test_spawned_media_workers_speak_the_language_the_command_chose(
    tmp_path: Path, language: str, environment: str, expected: str,
) -> None:
    photo = tmp_path / "foto.jpg"
    photo.write_bytes(b"\xff\xd8 changed since it was inspected")  # its SHA-256 is not the task's
    script = tmp_path / "workers.py"
    script.write_text(SPAWNED_WORKERS, encoding="utf-8")
    env = {**os.environ, "WARTA_LANG": environment}  # what a spawned worker would pick up on its own
    result = subprocess.run([sys.executable, str(script), language, str(photo)], capture_output=True, text=True,
                            env=env, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [expected, expected]
