"""The SOP model: the five seed SOPs as the documents state them, Waktu, and every refusal."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from rich.console import Console

from pipeline.commands.sop import render_html, show
from pipeline.config import load_config
from pipeline.errors import ConfigError
from pipeline.people import People, load_people
from pipeline.sop import Sop, parse_waktu
from pipeline.sop_files import load_sops, load_sops_from_texts, parse_sop

PROJECT = Path(__file__).resolve().parents[1]
SEED_IDS = {
    "distribusi-pelayanan-informasi-publik",  # seed 000
    "perencanaan-monev-website-medsos",  # seed 001
    "pemutakhiran-website",  # seed 002
    "penyebarluasan-informasi-media-sosial",  # seed 003
    "pengelolaan-web-ppid",  # seed 004
}
# seed 004's rows A1, C1 and C2 as their own procedures, for the internal documents (docs/report.md)
INTERNAL_IDS = {"rencana-konten", "evaluasi-pengelolaan-web", "evaluasi-kinerja-koordinator"}


@pytest.fixture(scope="module")
def people() -> People:
    return load_people(PROJECT)


@pytest.fixture(scope="module")
def sops(people: People) -> dict[str, Sop]:
    return load_sops(PROJECT, roles=people.roles)


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line of ``text`` containing ``needle``."""
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in the test text")


# --------------------------------------------------------------------------------------------------
# The five seed SOPs


def test_all_five_seeds_load_with_the_roles_of_people_yaml(sops: dict[str, Sop], people: People) -> None:
    assert set(sops) == SEED_IDS | INTERNAL_IDS
    for sop in sops.values():
        assert sop.roles() <= set(people.roles), sop.id
        assert people.holders(sop.disahkan_oleh), f"nobody can approve changes to {sop.id}"
        for step in sop.approval_steps():
            assert people.holders(step.pelaksana), f"{sop.id} step {step.no}: nobody holds {step.pelaksana}"


def test_warta_yml_names_only_seed_sops(sops: dict[str, Sop]) -> None:
    config = load_config(PROJECT)
    named = {k.sop for k in config.kinds.values()} | {a.sop for a in config.activities.values()}
    assert named <= set(sops)


def test_seed_000_total_time_is_390_minutes(sops: dict[str, Sop]) -> None:
    sop = sops["distribusi-pelayanan-informasi-publik"]
    # The document's Waktu column: 120, 30, 30, 30, 180 and a TOTAL row of 390.
    assert [s.waktu.minutes for s in sop.langkah] == [120, 30, 30, 30, 180]
    assert sop.total_minutes() == 390
    assert sop.total_waktu is not None and sop.total_waktu.minutes == 390


def test_seed_000_approvals_go_kepala_dinas_kepala_bidang_ketua_tim(sops: dict[str, Sop]) -> None:
    sop = sops["distribusi-pelayanan-informasi-publik"]
    assert [s.pelaksana for s in sop.approval_steps()] == ["kepala_dinas", "kepala_bidang", "ketua_tim"]
    assert sop.step(1).syarat == ("surat_permohonan",)
    assert sop.step(1).paraf is False
    last = sop.pipeline_steps()
    assert [s.no for s in last] == [5]
    assert set(last[0].aksi) == {"terbit_website", "kirim_medsos", "tayang_videotron"}
    assert sop.disahkan_oleh == "kepala_dinas"
    assert sop.identitas.tanggal_pengesahan == dt.date(2025, 1, 2)


def test_seed_001_ketua_tim_verifies_and_may_return(sops: dict[str, Sop]) -> None:
    sop = sops["perencanaan-monev-website-medsos"]
    assert [s.pelaksana for s in sop.approval_steps()] == ["ketua_tim_website", "kepala_bagian"]
    target = sop.return_target(2)
    assert target is not None and target.no == 1
    assert sop.return_target(3) is None
    assert all("daftar_informasi_publik" in sop.step(n).syarat for n in (1, 2, 3))
    assert [s.waktu.minutes for s in sop.langkah] == [300, 60, 30, 60]
    assert sop.identitas.pencatatan == ["Disimpan dalam bentuk softcopy dan hardcopy"]


def test_seed_002_sekdin_decides_ya_to_4_tidak_to_1(sops: dict[str, Sop]) -> None:
    sop = sops["pemutakhiran-website"]
    step = sop.step(3)
    assert step.pelaksana == "sekdin" and step.jenis == "keputusan" and step.paraf
    assert step.ya == 4 and step.next_no == 4
    target = sop.return_target(3)
    assert target is not None and target.no == 1 and target.pelaksana == "petugas_penerima"
    assert [s.no for s in sop.approval_steps()] == [2, 3]
    assert [s.aksi for s in sop.pipeline_steps()] == [("terbit_website",), ("arsip",)]
    assert set(sop.step(1).syarat) == {"bukti_multimedia", "disposisi"}
    assert "klasifikasi" in sop.step(5).syarat
    assert sop.identitas.tanggal_pembuatan == dt.date(2025, 1, 2)
    assert sop.disahkan_oleh == "kepala_dinas"


def test_no_real_persons_name_in_the_sop_files() -> None:
    # Seed 002's signatory is named in the document; the SOP files name roles only.
    for file in (PROJECT / "sop").glob("*.yaml"):
        assert "Nuryanti" not in file.read_text(encoding="utf-8"), file


def test_seed_003_both_approvals_may_return(sops: dict[str, Sop]) -> None:
    sop = sops["penyebarluasan-informasi-media-sosial"]
    approvals = sop.approval_steps()
    assert [(s.no, s.pelaksana) for s in approvals] == [(4, "seksi_pengolahan_data"), (5, "ketua_ppid")]
    for step in approvals:
        target = sop.return_target(step.no)
        assert target is not None and target.no < step.no, step.no
    # The document prints 1-9, 8, 10: eleven rows.
    assert [s.label for s in sop.langkah] == ["1", "2", "3", "4", "5", "6", "7", "8", "9", "8", "10"]
    assert [s.no for s in sop.langkah] == list(range(1, 12))
    assert sop.step(1).jenis == "mulai" and sop.step(11).jenis == "selesai"
    assert [s.aksi for s in sop.pipeline_steps()] == [("kirim_medsos",), ("lapor_tautan",), ("lapor_tautan",)]
    assert sop.identitas.nomor == "01/KPTS/2024"
    assert sop.identitas.tanggal_revisi == dt.date(2024, 1, 10)
    assert sop.total_minutes() == 10 + 10 + 60 + 15 + 15 + 10 + 10 + 10 + 10 + 10 + 10


def test_seed_004_sections_and_recurrences(sops: dict[str, Sop]) -> None:
    sop = sops["pengelolaan-web-ppid"]
    assert [b.kode for b in sop.bagian] == ["A", "B", "C"]
    assert [s.label for s in sop.langkah] == ["A1", "A2", "B1", "B2", "B3", "B4", "B5", "C1", "C2"]
    recurrences = {s.waktu.recurrence for s in sop.langkah}
    assert {"1 x 3 bulan", "tiap bulan", "1 x 6 bulan"} <= recurrences
    a1 = sop.step(1)
    assert (a1.waktu.times, a1.waktu.every, a1.waktu.unit) == (1, 3, "bulan")
    # A content item follows section A only: the plan (A1) is approved, CI uploads (A2).
    assert [s.label for s in sop.main_path()] == ["A1", "A2"]
    assert [s.label for s in sop.approval_steps()] == ["A1"]
    assert [s.label for s in sop.pipeline_steps()] == ["A2"]
    assert "privasi" in sop.step(2).syarat
    assert [s.label for s in sop.main_path("B")] == ["B1", "B2", "B3", "B4", "B5"]
    assert [s.label for s in sop.pipeline_steps("B")] == ["B5"]
    assert sop.approval_steps("C") == []
    assert sop.total_minutes() == 0
    assert sop.step(9).pelaksana == "kepala_dinas"


# --------------------------------------------------------------------------------------------------
# Waktu


@pytest.mark.parametrize(("text", "minutes"), [
    ("15 menit", 15),
    ("10 Menit", 10),
    ("120", 120),
    (120, 120),
    ("2 jam", 120),
    ("1 jam 30 menit", 90),
    ("1 hari", 1440),
    ("  60   menit ", 60),
])
def test_waktu_durations(text: str | int, minutes: int) -> None:
    waktu = parse_waktu(text)
    assert waktu.minutes == minutes
    assert waktu.recurrence is None


@pytest.mark.parametrize(("text", "recurrence", "every"), [
    ("1 x 3 bulan", "1 x 3 bulan", 3),
    ("1 x 6 Bulan", "1 x 6 bulan", 6),
    ("1x3 bulan", "1 x 3 bulan", 3),
    ("minimal 1 x 3 bulan", "1 x 3 bulan", 3),
    ("Tiap bulan", "tiap bulan", 1),
    ("setiap 2 minggu", "tiap 2 minggu", 2),
    ("Sesuai dengan jadwal yang ditentukan", "sesuai jadwal", None),
    ("Sesuai dengan permasalahan/jadwal yang ditentukan", "sesuai jadwal", None),
])
def test_waktu_recurrences(text: str, recurrence: str, every: int | None) -> None:
    waktu = parse_waktu(text)
    assert waktu.minutes is None
    assert waktu.recurrence == recurrence
    assert waktu.every == every
    assert waktu.text == " ".join(text.split())


@pytest.mark.parametrize("text", ["lima belas menit", "", "15 detik", "segera", "0 x 3 bulan", "menit"])
def test_waktu_unreadable(text: str) -> None:
    with pytest.raises(ValueError, match="time standard|positive"):
        parse_waktu(text)


def test_waktu_refuses_negative_and_boolean() -> None:
    with pytest.raises(ValueError):
        parse_waktu(-5)
    with pytest.raises(ValueError):
        parse_waktu(True)


# --------------------------------------------------------------------------------------------------
# Refusals, each with its file, line and field

ROLES = ["kepala_dinas", "sekdin", "kasubbag", "operator_website"]

VALID = """\
id: x
nama: Contoh
identitas:
  disahkan_oleh: kepala_dinas
langkah:
  - no: 1
    kegiatan: Operator menulis siaran pers
    pelaksana: operator_website
    jenis: mulai
    mutu_baku: {kelengkapan: Naskah, waktu: 30 menit, output: Draft}
  - no: 2
    kegiatan: Kasubbag memeriksa
    pelaksana: kasubbag
    paraf: true
    mutu_baku: {kelengkapan: Draft, waktu: 15 menit, output: Paraf}
  - no: 3
    kegiatan: Sekdin memutuskan
    pelaksana: sekdin
    jenis: keputusan
    paraf: true
    mutu_baku: {kelengkapan: Draft berparaf, waktu: 15 menit, output: Paraf persetujuan}
    ya: 4
    tidak: 1
  - no: 4
    kegiatan: Terbit di website
    pelaksana: operator_website
    jenis: selesai
    aksi: terbit_website
    mutu_baku: {waktu: 5 menit}
"""


STEP2 = "    paraf: true\n    mutu_baku: {kelengkapan: Draft,"


def in_step2(extra: str) -> str:
    """VALID with ``extra`` lines added to step 2."""
    return VALID.replace(STEP2, "    paraf: true\n" + extra + STEP2.split("\n", 1)[1], 1)


def at(text: str, needle: str) -> str:
    """The start of a finding on the line of ``needle``."""
    return f"sop/x.yaml:{line_of(text, needle)}: error: "


def refused(tmp_path: Path, text: str, name: str = "x.yaml", roles: list[str] | None = ROLES) -> list[str]:
    folder = tmp_path / "sop"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_sops(tmp_path, roles=roles)
    assert info.value.exit_code == 2
    return [f.format() for f in info.value.findings]


def test_valid_example_loads(tmp_path: Path) -> None:
    (tmp_path / "sop").mkdir()
    (tmp_path / "sop" / "x.yaml").write_text(VALID, encoding="utf-8")
    (tmp_path / "sop" / "people.yaml").write_text("not: an SOP\n", encoding="utf-8")
    sop = load_sops(tmp_path, roles=ROLES)["x"]
    assert [s.no for s in sop.approval_steps()] == [2, 3]
    assert sop.step(2).next_no == 3 and sop.step(4).next_no is None
    assert sop.total_minutes() == 65
    with pytest.raises(KeyError):
        sop.step(9)


def test_unknown_key_with_suggestion(tmp_path: Path) -> None:
    text = in_step2("    keterangn: x\n")
    messages = refused(tmp_path, text)
    assert any(m.startswith(at(text, "keterangn")) and "keterangn" in m and "'keterangan'" in m
               for m in messages), messages


def test_unknown_role(tmp_path: Path) -> None:
    text = VALID.replace("pelaksana: sekdin", "pelaksana: sekdn")
    messages = refused(tmp_path, text)
    assert messages == [m for m in messages if m.startswith(f"sop/x.yaml:{line_of(text, 'sekdn')}: error: ")]
    assert "pelaksana" in messages[0] and "'sekdin'" in messages[0] and "people.yaml" in messages[0]


def test_unknown_signatory_role(tmp_path: Path) -> None:
    text = VALID.replace("disahkan_oleh: kepala_dinas", "disahkan_oleh: bupati")
    messages = refused(tmp_path, text)
    assert len(messages) == 1
    assert messages[0].startswith(f"sop/x.yaml:{line_of(text, 'bupati')}: error: identitas.disahkan_oleh")


def test_roles_are_not_checked_without_people(tmp_path: Path) -> None:
    (tmp_path / "sop").mkdir()
    (tmp_path / "sop" / "x.yaml").write_text(VALID.replace("pelaksana: sekdin", "pelaksana: siapa_saja"))
    assert load_sops(tmp_path, roles=None)["x"].step(3).pelaksana == "siapa_saja"


@pytest.mark.parametrize(("old", "new", "field"), [
    ("    ya: 4\n", "    ya: 7\n", "ya"),
    ("    tidak: 1\n", "    tidak: 0\n", "tidak"),
    (STEP2, "    paraf: true\n    lanjut: 12\n" + STEP2.split("\n", 1)[1], "lanjut"),
])
def test_route_to_missing_step(tmp_path: Path, old: str, new: str, field: str) -> None:
    text = VALID.replace(old, new, 1)
    messages = refused(tmp_path, text)
    line = line_of(text, new.strip().splitlines()[-1] if field != "lanjut" else "lanjut: 12")
    assert any(m.startswith(f"sop/x.yaml:{line}: error: ") and f".{field}:" in m for m in messages), messages


def test_duplicate_step_number(tmp_path: Path) -> None:
    text = VALID.replace("  - no: 4\n", "  - no: 2\n")
    messages = refused(tmp_path, text)
    second = [n for n, line in enumerate(text.splitlines(), 1) if line == "  - no: 2"][1]
    assert any(m.startswith(f"sop/x.yaml:{second}: error: ") and ".no:" in m and "twice" in m
               for m in messages), messages


def test_unreachable_step(tmp_path: Path) -> None:
    # Step 2 jumps over step 3 and nothing else leads to it.
    text = in_step2("    lanjut: 4\n")
    messages = refused(tmp_path, text)
    assert len(messages) == 1
    assert messages[0].startswith(f"sop/x.yaml:{line_of(text, '- no: 3')}: error: ")
    assert "step 3" in messages[0] and "reached" in messages[0]


def test_loop_without_way_out(tmp_path: Path) -> None:
    # 4 goes back to 2, and 3's Tidak to 1: every path cycles, none reaches an end.
    text = VALID.replace("    jenis: selesai\n    aksi: terbit_website\n",
                         "    jenis: proses\n    aksi: terbit_website\n    lanjut: 2\n")
    messages = refused(tmp_path, text)
    assert any(m.startswith(f"sop/x.yaml:{line_of(text, 'lanjut: 2')}: error: ") and "lanjut" in m
               and "loop" in m for m in messages), messages


def test_a_loop_with_a_way_out_is_fine(tmp_path: Path) -> None:
    # Tidak returns to step 1 (a loop), but Ya leaves it: allowed.
    (tmp_path / "sop").mkdir()
    (tmp_path / "sop" / "x.yaml").write_text(VALID)
    sop = load_sops(tmp_path, roles=ROLES)["x"]
    target = sop.return_target(3)
    assert target is not None and target.no == 1


def test_unreadable_waktu(tmp_path: Path) -> None:
    text = VALID.replace("waktu: 15 menit, output: Paraf}", "waktu: sebentar, output: Paraf}")
    messages = refused(tmp_path, text)
    assert len(messages) == 1
    assert messages[0].startswith(at(text, "sebentar") + "langkah.1.mutu_baku.waktu: ")
    assert "sebentar" in messages[0]


def test_unknown_aksi(tmp_path: Path) -> None:
    text = VALID.replace("aksi: terbit_website", "aksi: [terbit_website, kirim_twitter]")
    messages = refused(tmp_path, text)
    assert len(messages) == 1
    assert messages[0].startswith(f"sop/x.yaml:{line_of(text, 'kirim_twitter')}: error: langkah.3.aksi")
    assert "kirim_twitter" in messages[0] and "kirim_medsos" in messages[0]


def test_unknown_syarat(tmp_path: Path) -> None:
    text = VALID.replace("{kelengkapan: Naskah,", "{syarat: [foto], kelengkapan: Naskah,")
    messages = refused(tmp_path, text)
    assert len(messages) == 1
    assert messages[0].startswith(f"sop/x.yaml:{line_of(text, 'syarat: [foto]')}: error: ")
    assert "syarat" in messages[0] and "'foto'" in messages[0] and "bukti_multimedia" in messages[0]


def test_id_must_match_file_name(tmp_path: Path) -> None:
    messages = refused(tmp_path, VALID, name="siaran-pers.yaml")
    assert messages == [m for m in messages if m.startswith("sop/siaran-pers.yaml:1: error: id: ")]
    assert len(messages) == 1 and "siaran-pers" in messages[0]


def test_keputusan_needs_tidak_and_only_keputusan_has_ya(tmp_path: Path) -> None:
    text = in_step2("    ya: 3\n").replace("    tidak: 1\n", "")
    messages = refused(tmp_path, text)
    assert any(m.startswith(at(text, "jenis: keputusan") + "langkah.2.jenis") for m in messages), messages
    assert any(m.startswith(at(text, "ya: 3") + "langkah.1.ya") for m in messages), messages


def test_paraf_and_aksi_exclude_each_other(tmp_path: Path) -> None:
    text = VALID.replace("    aksi: terbit_website\n", "    aksi: terbit_website\n    paraf: true\n")
    messages = refused(tmp_path, text)
    assert len(messages) == 1
    last_paraf = [n for n, line in enumerate(text.splitlines(), 1) if line == "    paraf: true"][-1]
    assert messages[0].startswith(f"sop/x.yaml:{last_paraf}: error: langkah.3.paraf")


def test_total_waktu_must_match_the_steps(tmp_path: Path) -> None:
    text = VALID.replace("langkah:\n", "total_waktu: 390 menit\nlangkah:\n")
    messages = refused(tmp_path, text)
    assert len(messages) == 1
    assert messages[0].startswith(f"sop/x.yaml:{line_of(text, 'total_waktu')}: error: total_waktu")
    assert "390" in messages[0] and "65" in messages[0]


def test_sections_must_be_declared(tmp_path: Path) -> None:
    text = in_step2("    bagian: Z\n")
    messages = refused(tmp_path, text)
    assert any(m.startswith(at(text, "bagian: Z") + "langkah.1.bagian") for m in messages), messages


def test_wrong_types_name_line_and_field(tmp_path: Path) -> None:
    text = VALID.replace("  - no: 2\n", "  - no: dua\n").replace("jenis: mulai", "jenis: awal")
    messages = refused(tmp_path, text)
    assert any(m.startswith(at(text, "no: dua") + "langkah.1.no") for m in messages), messages
    assert any(m.startswith(at(text, "jenis: awal") + "langkah.0.jenis") for m in messages), messages


def test_impossible_date_names_its_line(tmp_path: Path) -> None:
    text = VALID.replace("identitas:\n", "identitas:\n  tanggal_pembuatan: 2025-02-30\n")
    messages = refused(tmp_path, text)
    assert messages[0].startswith(at(text, "2025-02-30") + "identitas.tanggal_pembuatan")


def test_yaml_syntax_error_and_duplicate_key(tmp_path: Path) -> None:
    broken = VALID.replace("nama: Contoh", "nama: [Contoh")
    assert refused(tmp_path, broken)[0].startswith("sop/x.yaml:")
    doubled = VALID.replace("nama: Contoh\n", "nama: Contoh\nnama: Lain\n")
    messages = refused(tmp_path, doubled)
    assert any(m.startswith(f"sop/x.yaml:{line_of(doubled, 'nama: Lain')}: error: nama") for m in messages)


def test_every_file_is_reported_at_once(tmp_path: Path) -> None:
    folder = tmp_path / "sop"
    folder.mkdir()
    (folder / "x.yaml").write_text(VALID.replace("waktu: 30 menit", "waktu: lama"))
    (folder / "y.yaml").write_text(VALID.replace("id: x", "id: y").replace("ya: 4", "ya: 40"))
    (folder / "z.yaml").write_text(VALID.replace("id: x", "id: z"))
    with pytest.raises(ConfigError) as info:
        load_sops(tmp_path, roles=ROLES)
    paths = sorted({f.path for f in info.value.findings})
    assert paths == ["sop/x.yaml", "sop/y.yaml"]


def test_missing_folder_and_yml_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="sop/"):
        load_sops(tmp_path)
    (tmp_path / "sop").mkdir()
    with pytest.raises(ConfigError, match="no SOP file"):
        load_sops(tmp_path)
    (tmp_path / "sop" / "x.yml").write_text(VALID)
    assert "x.yaml" in refused(tmp_path, VALID, name="y.yml", roles=None)[0]


def test_load_from_texts_as_at_a_git_revision() -> None:
    text = VALID.replace("id: x", "id: pemutakhiran-website")
    sops = load_sops_from_texts({"sop/pemutakhiran-website.yaml": text, "sop/people.yaml": "roles: {}\n"},
                                roles=ROLES)
    assert list(sops) == ["pemutakhiran-website"]
    with pytest.raises(ConfigError) as info:
        load_sops_from_texts({"sop/pemutakhiran-website.yaml": text.replace("sekdin", "sekda")}, roles=ROLES)
    assert info.value.findings[0].path == "sop/pemutakhiran-website.yaml"
    with pytest.raises(ConfigError):
        parse_sop(text, "sop/other.yaml")


# --------------------------------------------------------------------------------------------------
# warta sop show / render


def warta(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline", "-C", str(PROJECT), "sop", *args],
                          capture_output=True, text=True, timeout=120, cwd=PROJECT)


@pytest.mark.parametrize("sop_id", sorted(SEED_IDS))
def test_show_prints_every_seed(sop_id: str, sops: dict[str, Sop], people: People) -> None:
    buffer = io.StringIO()
    show(sops[sop_id], people, Console(file=buffer, width=160))
    out = buffer.getvalue()
    # The first word of every step's Kegiatan and every Pelaksana's title are in the table.
    for step in sops[sop_id].langkah:
        assert step.kegiatan.split()[0] in out
        assert people.title(step.pelaksana).split()[0] in out
    assert "Disahkan oleh" in out and people.title(sops[sop_id].disahkan_oleh) in out


def test_show_pemutakhiran_website_content() -> None:
    result = warta("show", "pemutakhiran-website")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Pemilahan" in out and "Sekretaris Dinas" in out and "Tidak → 1" in out and "160 menit" in out


def test_show_json() -> None:
    result = warta("show", "distribusi-pelayanan-informasi-publik", "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["id"] == "distribusi-pelayanan-informasi-publik"
    assert doc["total_minutes"] == 390
    assert doc["approval_steps"] == [2, 3, 4]
    assert doc["roles"]["kepala_bidang"] == "Kepala Bidang"
    assert [s["mutu_baku"]["minutes"] for s in doc["langkah"]] == [120, 30, 30, 30, 180]


def test_unknown_id_exits_2_with_the_known_ids() -> None:
    result = warta("show", "pemutakhiran-web")
    assert result.returncode == 2
    assert "pemutakhiran-web" in result.stderr
    for sop_id in SEED_IDS:
        assert sop_id in result.stderr
    assert "Traceback" not in result.stderr
    assert warta("render", "nope").returncode == 2


def test_render_writes_the_flowchart_table(tmp_path: Path, sops: dict[str, Sop], people: People) -> None:
    out = tmp_path / "sop.html"
    result = warta("render", "pemutakhiran-website", "--output", str(out))
    assert result.returncode == 0, result.stderr
    html = ET.fromstring(out.read_text(encoding="utf-8"))
    sop = sops["pemutakhiran-website"]
    headers = [th.get("data-role") for th in html.iter("th") if th.get("class") == "pelaksana"]
    # The paper's columns, in its order: Sekdin | Kasubbag | Operator Website | Petugas Penerima.
    assert headers == ["sekdin", "kasubbag", "operator_website", "petugas_penerima"]
    rows = [tr for tr in html.iter("tr") if tr.get("class") == "langkah"]
    assert [tr.get("data-no") for tr in rows] == ["1", "2", "3", "4", "5"]
    for tr, step in zip(rows, sop.langkah, strict=True):
        lanes = [td for td in tr if "lajur" in (td.get("class") or "")]
        actor = [i for i, td in enumerate(lanes) if "aktor" in (td.get("class") or "")]
        assert len(lanes) == 4 and actor == [headers.index(step.pelaksana)]
        assert "".join(tr.itertext()).count(step.kegiatan) == 1
    step3 = rows[2]
    assert step3.get("data-jenis") == "keputusan"
    assert any(p.tag == "polygon" for p in step3.iter())  # the diamond
    text = "".join(html.itertext())
    assert "Tidak → 1" in text and "Kepala Dinas Pemberdayaan Masyarakat dan Kalurahan" in text


@pytest.mark.parametrize("sop_id", sorted(SEED_IDS))
def test_render_every_seed_is_well_formed(sop_id: str, sops: dict[str, Sop], people: People) -> None:
    sop = sops[sop_id]
    html = ET.fromstring(render_html(sop, people))
    rows = [tr for tr in html.iter("tr") if tr.get("class") == "langkah"]
    assert len(rows) == len(sop.langkah)
    sections = [tr for tr in html.iter("tr") if tr.get("class") == "bagian"]
    assert len(sections) == len(sop.bagian)


def test_tidak_cannot_return_to_its_own_step(tmp_path: Path) -> None:
    text = VALID.replace("    tidak: 1\n", "    tidak: 3\n")
    messages = refused(tmp_path, text)
    assert len(messages) == 1 and messages[0].startswith(at(text, "tidak: 3") + "langkah.2.tidak")
