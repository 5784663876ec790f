"""``warta archive list|show|export`` through the real command line, on a real git repository."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bagit
import pytest
from cli_helpers import run_warta

from pipeline.archive.records import ArchiveRecord, write_record
from pipeline.cli import main
from pipeline.config import load_config
from pipeline.content import load_items

Write = Callable[[str, str | bytes], Path]
WIB = dt.timezone(dt.timedelta(hours=7))

RELEASE = """\
---
title: {title}
date: {date}
image: ../../media/{year}/{photo}
image_alt: Peserta kegiatan di aula dinas
---
Isi siaran pers.
"""

ITEMS = {
    # path: (title, date, photo, number, urut, code)
    "content/siaran-pers/2025/pelatihan-bumkal.md":
        ("Pelatihan Manajemen BUMKal", "2025-02-18 09:30", "bumkal.jpg", "400.14.5.6/1/DPMK/2025", 1, "400.14.5.6"),
    "content/siaran-pers/2025/lomba-kalurahan.md":
        ("Penilaian Lomba Kalurahan", "2025-08-27 10:00", "lomba.jpg", "400.14.5.6/2/DPMK/2025", 2, "400.14.5.6"),
    "content/berita/2026/rakor-pendamping.md":
        ("Rakor Pendamping Kalurahan", "2026-01-15 13:00", "rakor.jpg", "400.14.4.3/1/DPMK/2026", 1, "400.14.4.3"),
}
TITLES = {"400.14.5.6": "Hubungan dengan media massa", "400.14.4.3": "Pemberitaan"}


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=Rina Lestari", "-c", "user.email=rina@example.go.id",
                           "-c", "commit.gpgsign=false", *args], cwd=root, check=True, capture_output=True,
                          text=True).stdout


def make_record(root: Path, path: str, digest: str) -> ArchiveRecord:
    title, date, _photo, number, urut, code = ITEMS[path]
    when = dt.datetime.fromisoformat(date).replace(tzinfo=WIB)
    approvals: list[dict[str, Any]] = [
        {"step": 2, "kegiatan": "Press release diperiksa dan dipilah", "role": "kasubbag",
         "role_title": "Kepala Sub Bagian Program dan Keuangan", "name": "Sri Lestari", "email": "sri@example.go.id",
         "at": when - dt.timedelta(minutes=40), "digest": digest, "signature_fingerprint": "SHA256:abcDEF123",
         "source": {"type": "git", "commit": "a1" * 20}},
        {"step": 3, "kegiatan": "Pemilahan press release yang disetujui", "role": "sekdin",
         "role_title": "Sekretaris Dinas", "name": "Budi Santoso", "email": "budi@example.go.id",
         "at": when - dt.timedelta(minutes=20), "digest": digest,
         "source": {"type": "forge", "commit": "b2" * 20, "forge": "github", "review": "4711"}},
    ]
    rec = ArchiveRecord.model_validate({
        "number": number, "urut": urut, "tahun": when.year, "path": path, "title": title,
        "kind": path.split("/")[1], "digest": digest,
        "klasifikasi": {"code": code, "title": TITLES[code], "scheme": "permendagri-83-2022"},
        "retensi": "2 tahun aktif, 5 tahun inaktif", "approvals": approvals, "published_at": when,
        "channels": [{"channel": "website"}, {"channel": "facebook", "url": "https://facebook.example/posts/9"}],
        "versions": [{"digest": digest, "approved_at": when - dt.timedelta(minutes=20)}],
    })
    write_record(root, rec)
    return rec


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


Cli = Callable[..., Result]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    """The command line in this process (argument parsing, dispatch, exit codes), run inside ``cwd``.

    A few tests below run the installed entry point in a subprocess (``run_warta``) instead.
    """

    def _run(*args: str, cwd: Path) -> Result:
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return _run


@pytest.fixture
def archive(site: Path, write: Write, photos: Path) -> Path:
    for path, (title, date, photo, *_rest) in ITEMS.items():
        year = path.split("/")[2]
        write(path, RELEASE.format(title=title, date=date, year=year, photo=photo))
        target = site / "content/media" / year / photo
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(photos / "Canon_40D.jpg", target)
    config = load_config(site)
    items, findings = load_items(site, config)
    assert not findings.errors, findings.errors
    from pipeline.content import item_digest

    for item in items:
        make_record(site, item.path, item_digest(site, item))
    git(site, "init", "-q", "-b", "main")
    git(site, "add", "-A")
    git(site, "commit", "-q", "-m", "Arsip: 400.14.5.6/1/DPMK/2025, 400.14.5.6/2/DPMK/2025, 400.14.4.3/1/DPMK/2026")
    return site


def test_list_prints_every_record_in_number_order(archive: Path) -> None:
    proc = run_warta("archive", "list", cwd=archive)
    assert proc.returncode == 0, proc.stderr
    rows = [line.split("\t") for line in proc.stdout.splitlines()]
    assert rows == [
        ["400.14.5.6/1/DPMK/2025", "2025-02-18", "Pelatihan Manajemen BUMKal",
         "content/siaran-pers/2025/pelatihan-bumkal.md"],
        ["400.14.5.6/2/DPMK/2025", "2025-08-27", "Penilaian Lomba Kalurahan",
         "content/siaran-pers/2025/lomba-kalurahan.md"],
        ["400.14.4.3/1/DPMK/2026", "2026-01-15", "Rakor Pendamping Kalurahan",
         "content/berita/2026/rakor-pendamping.md"],
    ]
    assert "3 of 3 records" in proc.stderr


def test_list_json_has_the_documented_fields(cli: Cli, archive: Path) -> None:
    proc = cli("archive", "list", "--json", "--year", "2025", cwd=archive)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == [
        {"number": "400.14.5.6/1/DPMK/2025", "path": "content/siaran-pers/2025/pelatihan-bumkal.md",
         "title": "Pelatihan Manajemen BUMKal", "klasifikasi": "400.14.5.6", "year": 2025,
         "published_at": "2025-02-18T09:30:00+07:00", "posts": ["https://facebook.example/posts/9"]},
        {"number": "400.14.5.6/2/DPMK/2025", "path": "content/siaran-pers/2025/lomba-kalurahan.md",
         "title": "Penilaian Lomba Kalurahan", "klasifikasi": "400.14.5.6", "year": 2025,
         "published_at": "2025-08-27T10:00:00+07:00", "posts": ["https://facebook.example/posts/9"]},
    ]


@pytest.mark.parametrize(("args", "numbers"), [
    (["--klasifikasi", "400.14"], ["400.14.5.6/1/DPMK/2025", "400.14.5.6/2/DPMK/2025", "400.14.4.3/1/DPMK/2026"]),
    (["--klasifikasi", "400.14.4"], ["400.14.4.3/1/DPMK/2026"]),
    (["--klasifikasi", "400.14.5.6", "--year", "2026"], []),
    (["--search", "LOMBA"], ["400.14.5.6/2/DPMK/2025"]),
    (["--search", "/1/DPMK/"], ["400.14.5.6/1/DPMK/2025", "400.14.4.3/1/DPMK/2026"]),
    (["--search", "berita/2026"], ["400.14.4.3/1/DPMK/2026"]),
])
def test_list_filters(cli: Cli, archive: Path, args: list[str], numbers: list[str]) -> None:
    proc = cli("archive", "list", "--json", *args, cwd=archive)
    assert proc.returncode == 0, proc.stderr
    assert [row["number"] for row in json.loads(proc.stdout)] == numbers


def test_list_reports_a_damaged_record_and_lists_the_others(cli: Cli, archive: Path) -> None:
    bad = archive / "arsip/2025/400.14.5.6/0002-lomba-kalurahan.yaml"
    bad.write_text(bad.read_text(encoding="utf-8").replace("urut: 2\n", "urut: dua\n"), encoding="utf-8")
    proc = cli("archive", "list", cwd=archive)
    assert proc.returncode == 1
    assert "arsip/2025/400.14.5.6/0002-lomba-kalurahan.yaml:4: error: urut: expected a whole number (got 'dua')" \
        in proc.stderr
    assert len(proc.stdout.splitlines()) == 2
    assert "Traceback" not in proc.stderr


def test_show_by_number_prints_record_versions_approvals_and_git_history(archive: Path) -> None:
    item = archive / "content/siaran-pers/2025/pelatihan-bumkal.md"
    item.write_text(item.read_text(encoding="utf-8") + "\nTambahan.\n", encoding="utf-8")
    git(archive, "commit", "-q", "-am", "Perbaikan: tambahan paragraf")
    proc = run_warta("archive", "show", "400.14.5.6/1/DPMK/2025", cwd=archive)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for expected in [
        "number       400.14.5.6/1/DPMK/2025",
        "klasifikasi  400.14.5.6 Hubungan dengan media massa (permendagri-83-2022)",
        "retensi      2 tahun aktif, 5 tahun inaktif",
        "published    2025-02-18 09:30 WIB",
        "channels     website, facebook https://facebook.example/posts/9",
        "record file  arsip/2025/400.14.5.6/0001-pelatihan-bumkal.yaml",
        "version 1 (current): approved 2025-02-18 09:10 WIB, major (besar)",
        "  step 2: Press release diperiksa dan dipilah",
        "    Sri Lestari <sri@example.go.id>, Kepala Sub Bagian Program dan Keuangan (kasubbag), 2025-02-18 08:50 WIB; "
        "commit a1a1a1a1a1a1, signed SHA256:abcDEF123",
        "    Budi Santoso <budi@example.go.id>, Sekretaris Dinas (sekdin), 2025-02-18 09:10 WIB; "
        "github review 4711 of b2b2b2b2b2b2",
        "git history of content/siaran-pers/2025/pelatihan-bumkal.md (git log --follow):",
    ]:
        assert expected in out, (expected, out)
    history = out.split("(git log --follow):\n", 1)[1].splitlines()
    assert [line.split(": ", 1)[1] for line in history] == [
        "Perbaikan: tambahan paragraf",
        "Arsip: 400.14.5.6/1/DPMK/2025, 400.14.5.6/2/DPMK/2025, 400.14.4.3/1/DPMK/2026",
    ]
    assert all("Rina Lestari" in line for line in history)


def test_show_by_path_as_json(cli: Cli, archive: Path) -> None:
    proc = cli("archive", "show", "--json", "./content/berita/2026/rakor-pendamping.md", cwd=archive)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["file"] == "arsip/2026/400.14.4.3/0001-rakor-pendamping.yaml"
    assert doc["record"]["number"] == "400.14.4.3/1/DPMK/2026"
    assert [a["step"] for a in doc["record"]["approvals"]] == [2, 3]
    assert doc["record"]["approvals"][1]["source"] == {"type": "forge", "commit": "b2" * 20, "forge": "github",
                                                      "review": "4711"}
    assert len(doc["history"]) == 1 and doc["history"][0]["email"] == "rina@example.go.id"


def test_show_without_git_says_so(cli: Cli, archive: Path) -> None:
    shutil.rmtree(archive / ".git")
    proc = cli("archive", "show", "arsip/2025/400.14.5.6/0002-lomba-kalurahan.yaml", cwd=archive)
    assert proc.returncode == 0, proc.stderr
    assert "number       400.14.5.6/2/DPMK/2025" in proc.stdout
    assert "git history: not available" in proc.stdout


def test_show_unknown_number_is_refused(cli: Cli, archive: Path) -> None:
    proc = cli("archive", "show", "400.14.9/99/DPMK/2025", cwd=archive)
    assert proc.returncode == 1
    assert "no archive record for '400.14.9/99/DPMK/2025'" in proc.stderr


def test_archive_without_subcommand_is_a_usage_error(cli: Cli, archive: Path) -> None:
    proc = cli("archive", cwd=archive)
    assert proc.returncode == 2
    assert "list" in proc.stderr and "export" in proc.stderr


# -- export -----------------------------------------------------------------------------------------


def test_export_writes_a_valid_bag_with_records_items_media_and_register(archive: Path, tmp_path: Path) -> None:
    dest = tmp_path / "serah-terima"
    proc = run_warta("archive", "export", "--bagit", str(dest), cwd=archive)
    assert proc.returncode == 0, proc.stderr
    bag = bagit.Bag(str(dest))
    bag.validate()  # every checksum, the Payload-Oxum and the tag manifests
    assert bag.version_info == (1, 0)
    assert set(bag.algorithms) == {"sha256", "sha512"}
    assert bag.info["Source-Organization"] == "Dinas Pemberdayaan Masyarakat dan Kalurahan Kabupaten Bantul"
    assert bag.info["External-Identifier"] == "DPMK/arsip/semua"
    assert bag.info["Bagging-Date"] == dt.date.today().isoformat()
    assert "3 arsip (400.14.5.6/1/DPMK/2025 s.d. 400.14.4.3/1/DPMK/2026)" in bag.info["External-Description"]
    assert sorted(bag.payload_files()) == sorted([
        "data/arsip/2025/400.14.5.6/0001-pelatihan-bumkal.yaml",
        "data/arsip/2025/400.14.5.6/0002-lomba-kalurahan.yaml",
        "data/arsip/2026/400.14.4.3/0001-rakor-pendamping.yaml",
        "data/content/siaran-pers/2025/pelatihan-bumkal.md",
        "data/content/siaran-pers/2025/lomba-kalurahan.md",
        "data/content/berita/2026/rakor-pendamping.md",
        "data/content/media/2025/bumkal.jpg",
        "data/content/media/2025/lomba.jpg",
        "data/content/media/2026/rakor.jpg",
        "data/daftar-arsip.csv",
    ])
    for rel in ("content/media/2025/bumkal.jpg", "arsip/2026/400.14.4.3/0001-rakor-pendamping.yaml"):
        assert (dest / "data" / rel).read_bytes() == (archive / rel).read_bytes()
    register = (dest / "data/daftar-arsip.csv").read_text(encoding="utf-8").splitlines()
    assert register[0].startswith("nomor,klasifikasi,judul_klasifikasi,judul")
    assert register[3].startswith("400.14.4.3/1/DPMK/2026,400.14.4.3,Pemberitaan,Rakor Pendamping Kalurahan,berita")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".serah-terima")]


def test_a_tampered_bag_fails_validation(cli: Cli, archive: Path, tmp_path: Path) -> None:
    dest = tmp_path / "bag"
    assert cli("archive", "export", "--bagit", str(dest), cwd=archive).returncode == 0
    photo = dest / "data/content/media/2025/lomba.jpg"
    photo.write_bytes(photo.read_bytes()[:-1] + b"\x00")
    with pytest.raises(bagit.BagValidationError):
        bagit.Bag(str(dest)).validate()


def test_export_of_one_year(cli: Cli, archive: Path, tmp_path: Path) -> None:
    dest = tmp_path / "bag-2026"
    dest.mkdir()  # an empty folder is fine
    proc = cli("archive", "export", "--bagit", str(dest), "--year", "2026", cwd=archive)
    assert proc.returncode == 0, proc.stderr
    bag = bagit.Bag(str(dest))
    bag.validate()
    assert bag.info["External-Identifier"] == "DPMK/arsip/2026"
    assert sorted(p for p in bag.payload_files() if p.startswith("data/arsip/")) == [
        "data/arsip/2026/400.14.4.3/0001-rakor-pendamping.yaml"]


def test_export_refuses_a_folder_that_is_not_empty(archive: Path, tmp_path: Path) -> None:
    dest = tmp_path / "full"
    dest.mkdir()
    (dest / "catatan.txt").write_text("jangan ditimpa", encoding="utf-8")
    proc = run_warta("archive", "export", "--bagit", str(dest), cwd=archive)
    assert proc.returncode == 2
    assert "is not empty" in proc.stderr
    assert [p.name for p in dest.iterdir()] == ["catatan.txt"]


def test_export_refuses_content_that_differs_from_the_approved_version(cli: Cli, archive: Path, tmp_path: Path) -> None:
    photo = archive / "content/media/2025/lomba.jpg"
    photo.write_bytes(photo.read_bytes() + b"changed")
    dest = tmp_path / "bag"
    proc = cli("archive", "export", "--bagit", str(dest), cwd=archive)
    assert proc.returncode == 1
    assert ("arsip/2025/400.14.5.6/0002-lomba-kalurahan.yaml: error: 400.14.5.6/2/DPMK/2025: "
            "content/siaran-pers/2025/lomba-kalurahan.md or a file it references differs from the approved "
            "version") in proc.stderr
    assert not dest.exists()


def test_export_refuses_a_record_whose_item_is_gone(cli: Cli, archive: Path, tmp_path: Path) -> None:
    (archive / "content/berita/2026/rakor-pendamping.md").unlink()
    proc = cli("archive", "export", "--bagit", str(tmp_path / "bag"), cwd=archive)
    assert proc.returncode == 1
    assert ("arsip/2026/400.14.4.3/0001-rakor-pendamping.yaml: error: 400.14.4.3/1/DPMK/2026: the item "
            "content/berita/2026/rakor-pendamping.md is not in the working tree") in proc.stderr


def test_export_with_no_records_is_refused(cli: Cli, site: Path, tmp_path: Path) -> None:
    proc = cli("archive", "export", "--bagit", str(tmp_path / "bag"), cwd=site)
    assert proc.returncode == 1
    assert "no archive records under arsip/" in proc.stderr
