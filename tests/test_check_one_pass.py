"""`warta check` tells everything at once: schema, SOP Kelengkapan, personal data, photos, references and
placeholder text in one run, each finding with a stable code, in one JSON shape; `warta new` writes what the
SOP requires."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from cli_helpers import copy_example, run_warta

RELEASE = "content/siaran-pers/2025/pelatihan-manajemen-bumkal.md"


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return copy_example(tmp_path)


def rewrite(root: Path, rel: str, *pairs: tuple[str, str]) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    for old, new in pairs:
        assert old in text, f"{old!r} not in {rel}"
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")


def codes(doc: dict[str, object], path: str) -> set[tuple[str, str | None]]:
    findings = doc["findings"]
    assert isinstance(findings, list)
    return {(f["code"], f["field"]) for f in findings if f["path"] == path}


def without_photos(text: str) -> str:
    head, _, body = text.partition("\n---\n")
    kept, skipping = [], False
    for line in head.splitlines():
        if line.startswith(("image:", "image_alt:", "image_caption:", "image_focus:")):
            continue
        if line.startswith("media:"):
            skipping = True
            continue
        if skipping and line.startswith((" ", "-")):
            continue
        skipping = False
        kept.append(line)
    return "\n".join(kept) + "\n---\n" + body


def test_a_schema_error_does_not_hide_the_missing_photo_personal_data_or_a_broken_link(example: Path) -> None:
    path = example / RELEASE
    path.write_text(without_photos(path.read_text(encoding="utf-8")), encoding="utf-8")
    rewrite(example, RELEASE,
            ("  tanggal: 2025-02-17", "  tanggal: 2025-02-30"),  # schema: no such day
            ("**Bantul** —", "**Bantul** — Hubungi Pak Sardi di 0812-2233-4455. Lihat [jadwal](jadwal.pdf)."))
    result = run_warta("-C", str(example), "check", "--json")
    assert result.returncode == 1, result.stderr
    found = codes(json.loads(result.stdout), RELEASE)
    assert ("date.no-such-day", "tanggal") in found
    assert ("sop.bukti-multimedia", "image") in found
    assert ("privacy.phone", "body") in found
    assert ("ref.invalid", "body") in found


def test_a_schema_error_does_not_hide_a_missing_disposition(example: Path) -> None:
    text = (example / RELEASE).read_text(encoding="utf-8")
    start = text.index("disposisi:")
    end = text.index("\n", text.index("jenis_berita:", start))
    (example / RELEASE).write_text(text[:start] + text[end + 1:], encoding="utf-8")
    rewrite(example, RELEASE, ("tags: [", "tag: ["))  # unknown key: the schema refuses the front matter
    result = run_warta("-C", str(example), "check", RELEASE, "--json")
    found = codes(json.loads(result.stdout), RELEASE)
    assert ("field.unknown", "tag") in found
    assert ("sop.disposisi", "disposisi") in found


def test_the_template_placeholder_and_an_empty_summary_are_errors(example: Path) -> None:
    rewrite(example, RELEASE, ("summary: Sebanyak", 'summary: ""\nx_old: Sebanyak'), ("x_old: ", "# "))
    text = (example / RELEASE).read_text(encoding="utf-8")
    head, _, _body = text.partition("\n---\n")
    (example / RELEASE).write_text(head + "\n---\nTulis isi di sini.\n", encoding="utf-8")
    result = run_warta("-C", str(example), "check", RELEASE)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any(line.endswith("error: summary: written but empty: fill it in, or remove the line [text.empty]")
               for line in lines), result.stdout
    assert any("error: body: 'Tulis isi di sini.' is the template's placeholder" in line
               and line.endswith("[text.placeholder]") for line in lines), result.stdout


def test_an_empty_body_is_an_error(example: Path) -> None:
    text = (example / RELEASE).read_text(encoding="utf-8")
    head, _, _body = text.partition("\n---\n")
    (example / RELEASE).write_text(head + "\n---\n\n", encoding="utf-8")
    doc = json.loads(run_warta("-C", str(example), "check", RELEASE, "--json").stdout)
    assert ("text.empty", "body") in codes(doc, RELEASE)


def test_the_json_document_has_the_one_shape_for_findings_and_failures(example: Path) -> None:
    rewrite(example, RELEASE, ("  tanggal: 2025-02-17", "  tanggal: 2025-02-30"))
    result = run_warta("-C", str(example), "check", "--json")
    doc = json.loads(result.stdout)
    assert doc["error"]["code"] == "check.failed" and doc["error"]["exit_code"] == 1 == result.returncode
    assert doc["error"]["message"]
    finding = next(f for f in doc["findings"] if f["code"] == "date.no-such-day")
    assert set(finding) == {"code", "severity", "path", "line", "field", "message"}
    assert finding["path"] == RELEASE and finding["severity"] == "error" and finding["field"] == "tanggal"
    lines = (example / RELEASE).read_text(encoding="utf-8").splitlines()
    assert "2025-02-30" in lines[finding["line"] - 1]
    clean = json.loads(run_warta("-C", str(example), "check", "content/halaman", "--json").stdout)
    assert clean["error"] is None and clean["errors"] == 0


def test_a_failure_before_any_check_is_the_same_json_shape(tmp_path: Path) -> None:
    result = run_warta("-C", str(tmp_path), "check", "--json")
    assert result.returncode == 2
    doc = json.loads(result.stdout)
    assert doc["error"]["code"] == "config" and doc["error"]["exit_code"] == 2
    assert "warta.yml" in doc["error"]["message"] and doc["findings"] == []


def test_findings_print_as_path_line_error_message_code_in_indonesian_too(example: Path) -> None:
    rewrite(example, RELEASE, ("  tanggal: 2025-02-17", "  tanggal: 2025-02-30"))
    result = run_warta("-C", str(example), "--lang", "id", "check", RELEASE)
    line = next(x for x in result.stdout.splitlines() if x.endswith("[date.no-such-day]"))
    assert line.startswith(f"{RELEASE}:") and ": error: disposisi.tanggal: " in line
    assert "bukan hari" in line  # the message itself is Indonesian, the word error is not


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def test_new_writes_every_field_the_sop_requires_and_check_names_each_one(example: Path) -> None:
    _git(example, "init", "-q")
    result = run_warta("-C", str(example), "new", "siaran-pers", "Musyawarah Kalurahan Bunder", "--no-branch")
    assert result.returncode == 0, result.stderr
    rel = result.stdout.strip()
    text = (example / rel).read_text(encoding="utf-8")
    for field in ("image:", "image_alt:", "disposisi:", "  nomor:", "  tanggal:", "  jenis_berita:", "summary:"):
        assert f"\n{field}" in text, field
    assert "# WAJIB (SOP pemutakhiran-website langkah 1" in text  # commented in Indonesian, naming the SOP step
    doc = json.loads(run_warta("-C", str(example), "check", rel, "--json").stdout)
    found = codes(doc, rel)
    assert {("sop.bukti-multimedia", "image"), ("text.empty", "image_alt"), ("text.empty", "nomor"),
            ("text.empty", "tanggal"), ("text.empty", "jenis_berita"), ("text.empty", "summary"),
            ("text.placeholder", "body")} <= found


def test_new_writes_the_request_letter_for_an_announcement(example: Path) -> None:
    _git(example, "init", "-q")
    rel = run_warta("-C", str(example), "new", "pengumuman", "Jadwal Layanan", "--no-branch").stdout.strip()
    text = (example / rel).read_text(encoding="utf-8")
    assert "\nsurat_permohonan:\n  nomor: \"\"" in text and "\nimage:" not in text
