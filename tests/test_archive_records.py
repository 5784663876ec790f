"""Archive records: the file layout, a strict schema with path:line findings, and the register checks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from pipeline import yamlio
from pipeline.archive.records import (
    Approval,
    ApprovalSource,
    ArchiveRecord,
    Channel,
    add_version,
    load_records,
    read_records,
    render_record,
    with_publication,
    withdraw,
    write_record,
)
from pipeline.errors import ContentError

WIB = dt.timezone(dt.timedelta(hours=7))
D1 = "sha256:" + "1" * 64
D2 = "sha256:" + "2" * 64


def approval(step: int, digest: str = D1, day: int = 18, **extra: Any) -> Approval:
    fields: dict[str, Any] = {
        "step": step, "kegiatan": f"Langkah {step}", "role": "kasubbag", "role_title": "Kepala Sub Bagian Program",
        "name": "Sri Lestari", "email": "sri@example.go.id", "at": dt.datetime(2025, 2, day, 9, step, tzinfo=WIB),
        "digest": digest, "source": ApprovalSource(type="git", commit="c0ffee" * 6 + "abcd"),
    }
    fields.update(extra)
    return Approval(**fields)


def record(**changes: Any) -> ArchiveRecord:
    data: dict[str, Any] = {
        "number": "400.14.5.6/1/DPMK/2025", "urut": 1, "tahun": 2025,
        "path": "content/siaran-pers/2025/pelatihan-bumkal.md", "title": "Pelatihan BUMKal",
        "kind": "siaran-pers", "digest": D1,
        "klasifikasi": {"code": "400.14.5.6", "title": "Hubungan dengan media massa", "scheme": "permendagri-83-2022"},
        "approvals": [approval(2), approval(3, role="sekdin", role_title="Sekretaris Dinas", name="Budi")],
        "published_at": dt.datetime(2025, 2, 18, 10, 0, tzinfo=WIB),
        "channels": [{"channel": "website", "url": "https://dpmk.example.go.id/siaran-pers/2025/pelatihan-bumkal/"}],
        "versions": [{"digest": D1, "approved_at": dt.datetime(2025, 2, 18, 9, 3, tzinfo=WIB)}],
    }
    data.update(changes)
    return ArchiveRecord.model_validate(data)


def test_record_is_written_under_year_code_and_sequence_and_reads_back(tmp_path: Path) -> None:
    rec = record()
    path = write_record(tmp_path, rec)
    assert path == tmp_path / "arsip/2025/400.14.5.6/0001-pelatihan-bumkal.yaml"
    assert read_records(tmp_path) == [rec]
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Arsip 400.14.5.6/1/DPMK/2025")
    assert "published_at: 2025-02-18 10:00:00+07:00" in text
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".tmp")]


@pytest.mark.parametrize("code", ["400.14", "042", "000", "485", "000.8.3.3"])
def test_codes_and_numbers_that_look_like_numbers_stay_text(tmp_path: Path, code: str) -> None:
    rec = record(number="1", klasifikasi={"code": code, "title": "X", "scheme": "permendagri-78-2012"})
    write_record(tmp_path, rec)
    (back,) = read_records(tmp_path)
    assert back.kode == code and back.number == "1"


def test_rewriting_keeps_the_first_file_name_even_after_a_rename(tmp_path: Path) -> None:
    first = write_record(tmp_path, record())
    moved = record(path="content/siaran-pers/2025/pelatihan-bumkal-angkatan-2.md", title="Pelatihan BUMKal II")
    second = write_record(tmp_path, moved)
    assert second == first
    assert [p.name for p in first.parent.iterdir()] == ["0001-pelatihan-bumkal.yaml"]
    assert read_records(tmp_path)[0].title == "Pelatihan BUMKal II"


def test_a_new_version_a_publication_and_a_withdrawal(tmp_path: Path) -> None:
    rec = record()
    changed = add_version(rec, D2, dt.datetime(2025, 3, 1, 8, tzinfo=WIB),
                          [approval(2, D2, day=28), approval(3, D2, day=28)], "besar",
                          "Jumlah peserta diperbaiki menjadi 150 orang")
    assert changed.digest == D2 and [v.jenis for v in changed.versions] == ["besar", "besar"]
    assert [a.step for a in changed.approvals_for(D2)] == [2, 3]
    assert [a.step for a in changed.approvals_for(D1)] == [2, 3]
    posted = with_publication(changed, None, [Channel(channel="facebook", url="https://fb.example/1"),
                                              Channel(channel="website")])
    assert [c.channel for c in posted.channels] == ["website", "facebook"]
    assert posted.channels[0].url is None and posted.published_at == rec.published_at
    gone = withdraw(posted, "Data penerima bantuan belum final", dt.datetime(2025, 3, 2, 9, tzinfo=WIB))
    write_record(tmp_path, gone)
    (back,) = read_records(tmp_path)
    assert back.status == "dicabut" and back.alasan_pencabutan == "Data penerima bantuan belum final"
    assert back.number == rec.number and len(back.versions) == 2


@pytest.mark.parametrize(("changes", "fragment"), [
    ({"digest": D2}, "digest must be the digest of the last version"),
    ({"approvals": [approval(2, D2)]}, "is not one of the versions"),
    ({"approvals": []}, "the current version has no approvals"),
    ({"status": "dicabut"}, "status dicabut needs alasan_pencabutan"),
    ({"alasan_pencabutan": "salah"}, "belong to status dicabut"),
    ({"klasifikasi": {"code": "../../etc", "title": "x", "scheme": "permendagri-83-2022"}}, "classification code"),
    ({"path": "arsip/2025/x.yaml"}, "path"),
    ({"published_at": dt.datetime(2025, 2, 18, 10, 0)}, "timezone"),
    ({"versions": []}, "versions"),
    ({"record_format": 2}, "record_format 1"),
])
def test_schema_rules(changes: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        record(**changes)
    assert fragment in str(info.value)


def test_a_major_change_needs_its_change_note() -> None:
    with pytest.raises(ValidationError, match="needs catatan_perubahan"):
        add_version(record(), D2, dt.datetime(2025, 3, 1, tzinfo=WIB), [approval(2, D2)], "besar")
    minor = add_version(record(), D2, dt.datetime(2025, 3, 1, tzinfo=WIB), [approval(2, D2)], "kecil")
    assert minor.versions[-1].catatan_perubahan is None


def test_imported_records_need_no_chain() -> None:
    assert record(approvals=[], imported=True).imported


DAMAGED = """\
record_format: 1
number: 400.14.9/2/DPMK/2025
urut: 2
tahun: 2025
path: content/berita/2025/musrenbang.md
title: Musrenbang
kind: berita
digest: sha256:{d}
klasifikasi:
  code: 400.14.9
  titel: Publikasi
  scheme: permendagri-83-2022
imported: true
versions:
- digest: sha256:{d}
  approved_at: 2025-03-0 09:00:00+07:00
""".replace("{d}", "3" * 64)


def test_damaged_files_become_path_line_findings_and_the_rest_still_reads(tmp_path: Path) -> None:
    write_record(tmp_path, record())
    bad = tmp_path / "arsip/2025/400.14.9/0002-musrenbang.yaml"
    bad.parent.mkdir(parents=True)
    bad.write_text(DAMAGED, encoding="utf-8")
    broken = tmp_path / "arsip/2025/400.14.9/0003-rusak.yaml"
    broken.write_text("number: [unclosed\n", encoding="utf-8")
    stored, findings = load_records(tmp_path)
    assert [s.record.number for s in stored] == ["400.14.5.6/1/DPMK/2025"]
    out = [f.format() for f in sorted(findings)]
    assert "arsip/2025/400.14.9/0002-musrenbang.yaml:11: error: klasifikasi.titel: unknown key " \
           "(did you mean 'title'?)" in out
    assert "arsip/2025/400.14.9/0002-musrenbang.yaml:9: error: klasifikasi.title: required field is missing" in out
    assert any(line.startswith("arsip/2025/400.14.9/0002-musrenbang.yaml:16: error: versions.0.approved_at")
               for line in out), out
    assert any(line.startswith("arsip/2025/400.14.9/0003-rusak.yaml:2: error: invalid YAML") for line in out), out
    with pytest.raises(ContentError) as info:
        read_records(tmp_path)
    assert {f.path for f in info.value.findings} == {"arsip/2025/400.14.9/0002-musrenbang.yaml",
                                                      "arsip/2025/400.14.9/0003-rusak.yaml"}


def test_a_record_in_the_wrong_place_is_reported(tmp_path: Path) -> None:
    text = render_record(record())
    wrong = tmp_path / "arsip/2024/400.14.5.6/0001-pelatihan-bumkal.yaml"
    wrong.parent.mkdir(parents=True)
    wrong.write_text(text, encoding="utf-8")
    stored, findings = load_records(tmp_path)
    assert stored == []
    (finding,) = findings
    assert finding.format() == ("arsip/2024/400.14.5.6/0001-pelatihan-bumkal.yaml:3: error: number "
                                "400.14.5.6/1/DPMK/2025 (urut 1, tahun 2025, klasifikasi 400.14.5.6) belongs in "
                                "arsip/2025/400.14.5.6/0001-*.yaml")


def test_one_number_or_one_item_in_two_records_is_an_error_in_both(tmp_path: Path) -> None:
    write_record(tmp_path, record())
    twin = tmp_path / "arsip/2025/400.14.5.6/0001-kembar.yaml"
    twin.write_text(render_record(record(path="content/siaran-pers/2025/kembar.md")), encoding="utf-8")
    again = record(number="400.14.5.6/2/DPMK/2025", urut=2)
    write_record(tmp_path, again)  # a second number for the same item
    stored, findings = load_records(tmp_path)
    assert stored == []
    messages = sorted(f.format() for f in findings)
    assert ("arsip/2025/400.14.5.6/0001-kembar.yaml: error: number: the number 400.14.5.6/1/DPMK/2025 also has a "
            "record in arsip/2025/400.14.5.6/0001-pelatihan-bumkal.yaml") in messages
    assert any("0002-pelatihan-bumkal.yaml: error: path: the item content/siaran-pers/2025/pelatihan-bumkal.md "
               "also has a record in" in m for m in messages), messages


def test_rendered_record_is_strict_yaml_with_every_field(tmp_path: Path) -> None:
    rec = record(retensi="2 tahun aktif, 3 tahun inaktif, permanen")
    doc = yamlio.load(render_record(rec), "x.yaml")
    assert list(doc.data) == list(ArchiveRecord.model_fields)
    assert doc.data["approvals"][0]["source"] == {"type": "git", "commit": "c0ffee" * 6 + "abcd",
                                                  "forge": None, "review": None}
    assert ArchiveRecord.model_validate(doc.data) == rec


def test_forge_sources_name_the_review() -> None:
    forge = ApprovalSource(type="forge", commit="ab" * 20, forge="github", review="https://github.com/o/r/pull/3")
    assert record(approvals=[approval(2, source=forge)]).approvals[0].source.forge == "github"
    with pytest.raises(ValidationError, match="needs forge and review"):
        ApprovalSource(type="forge", commit="ab" * 20)


def test_no_archive_folder_means_no_records(tmp_path: Path) -> None:
    assert read_records(tmp_path) == []


def test_a_new_record_from_an_allocation(tmp_path: Path) -> None:
    from pipeline.archive.numbering import Allocation
    from pipeline.archive.records import Klasifikasi, new_record

    allocation = Allocation("content/berita/2026/rakor.md", "400.14.4.3/7/DPMK/2026", "400.14.4.3", 7, 2026)
    rec = new_record(allocation, title="Rakor", kind="berita", digest=D2,
                     klasifikasi=Klasifikasi(code="400.14.4.3", title="Pemberitaan", scheme="permendagri-83-2022"),
                     approvals=[approval(3, D2)], approved_at=dt.datetime(2026, 1, 15, tzinfo=WIB))
    assert write_record(tmp_path, rec) == tmp_path / "arsip/2026/400.14.4.3/0007-rakor.yaml"
    (back,) = read_records(tmp_path)
    assert back.published_at is None and back.channels == [] and back.versions[0].digest == D2
    with pytest.raises(ValidationError, match="the current version has no approvals"):
        new_record(allocation, title="Rakor", kind="berita", digest=D2, klasifikasi=rec.klasifikasi,
                   approvals=[], approved_at=dt.datetime(2026, 1, 15, tzinfo=WIB))


def test_writing_never_overwrites_another_number_or_a_damaged_file(tmp_path: Path) -> None:
    path = write_record(tmp_path, record())
    other = record(number="400.14.5.6/1/DPMK-LAMA/2025", path="content/siaran-pers/2025/lain.md")
    with pytest.raises(ContentError, match="holds number 400.14.5.6/1/DPMK/2025; refusing"):
        write_record(tmp_path, other)
    path.write_text(path.read_text(encoding="utf-8").replace("urut: 1", "urut: satu"), encoding="utf-8")
    with pytest.raises(ContentError, match="is damaged"):
        write_record(tmp_path, record())
    assert "urut: satu" in path.read_text(encoding="utf-8")
