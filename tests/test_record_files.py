"""Record files written in bulk (pipeline/archive/record_files.py): the same bytes and the same refusals as
``write_record`` one at a time, whatever the texts hold, and a tampered cache entry is not believed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_archive_records import record

from pipeline.archive import register_cache
from pipeline.archive.record_files import render_fast, write_records
from pipeline.archive.records import ArchiveRecord, load_records, record_relpath, render_record, write_record
from pipeline.cachedir import CACHE_DIRNAME, REGISTER_CACHE
from pipeline.errors import ContentError

ODD_TITLES = [
    "Pelatihan BUMKal", "“Kutipan” — tanda pisah… é ü", "Rapat: #1 & *penting* [x] {y} | > % @ `", "  spasi  ",
    "tab\there", "baris\nbaru", "pemisah\u2028baris", "emoji 😀 di judul", "NEL\x85x", "BOM\ufeffx", "nbsp\xa0x",
    "'kutip tunggal' \"ganda\"", "x" * 250, "kata " * 60, "-", "? tanya", "yes", "null", "0123", "1e5", "~",
    "日本語のタイトル", "\ue000 private use", "a: b", "- daftar",
]


def _many(n: int) -> list[ArchiveRecord]:
    return [record(number=f"400.14.5.6/{k}/DPMK/2025", urut=k, path=f"content/siaran-pers/2025/r{k}.md",
                   title=ODD_TITLES[k % len(ODD_TITLES)]) for k in range(1, n + 1)]


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "arsip").rglob("*")) if p.is_file()}


def test_bulk_writes_the_bytes_write_record_writes_new_and_rewritten(tmp_path: Path) -> None:
    one, bulk = tmp_path / "one", tmp_path / "bulk"
    records = _many(len(ODD_TITLES) * 2)
    for r in records:
        write_record(one, r)
    written = write_records(bulk, records)
    assert written == [bulk / record_relpath(r) for r in records]
    assert _tree(bulk) == _tree(one)
    # rewritten under another item path (another slug): the file that holds the number keeps its name
    changed = [record(number=r.number, urut=r.urut, path=r.path.replace(".md", "-baru.md"), title=r.title + " ubah")
               for r in records[:5]]
    for r in changed:
        write_record(one, r)
    write_records(bulk, changed)
    assert _tree(bulk) == _tree(one)
    assert len(_tree(bulk)) == len(records)


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(title=st.text(min_size=1, max_size=300), place=st.text(max_size=40),
       klas=st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x2fff), min_size=1, max_size=120))
def test_the_fast_emitter_writes_what_pyyaml_writes_for_any_text(title: str, place: str, klas: str) -> None:
    rec = record(title=title, retensi=place or None,
                 klasifikasi={"code": "400.14.5.6", "title": klas, "scheme": "permendagri-83-2022"})
    assert render_fast(rec) == render_record(rec)


def test_a_file_holding_another_number_or_damaged_is_never_overwritten(tmp_path: Path) -> None:
    (path,) = write_records(tmp_path, [record()])
    other = record(number="400.14.5.6/1/DPMK-LAMA/2025", path="content/siaran-pers/2025/lain.md")
    with pytest.raises(ContentError, match="holds number 400.14.5.6/1/DPMK/2025; refusing"):
        write_records(tmp_path, [other])
    kept = path.read_bytes()
    for damage in (kept.replace(b"urut: 1", b"urut: satu"), b"\xff\xfe not text"):
        path.write_bytes(damage)
        with pytest.raises(ContentError, match="is damaged"):
            write_records(tmp_path, [record()])
        assert path.read_bytes() == damage
    # a file named like another sequence number is not this number's file (as write_record)
    path.unlink()
    (path.parent / "01-x.yaml").write_bytes(kept)
    assert write_records(tmp_path, [record()]) == [path]


def test_a_tampered_cache_entry_does_not_let_a_file_of_another_number_be_overwritten(tmp_path: Path) -> None:
    (tmp_path / CACHE_DIRNAME).mkdir()  # not a repository: ensure_local_cache only checks the folder
    (path,) = write_records(tmp_path, [record()])
    register_cache.forget_caches()
    load_records(tmp_path)  # the register read caches the file's parsed record
    register_cache.forget_caches()
    file = tmp_path / CACHE_DIRNAME / REGISTER_CACHE
    document = json.loads(file.read_text(encoding="utf-8"))
    assert len(document["entries"]) == 1
    (entry,) = document["entries"].values()
    entry[1] = entry[1].replace("400.14.5.6/1/DPMK/2025", "400.14.5.6/1/DPMK-LAMA/2025")  # the check is kept
    file.write_text(json.dumps(document), encoding="utf-8")
    other = record(number="400.14.5.6/1/DPMK-LAMA/2025", path="content/siaran-pers/2025/lain.md")
    with pytest.raises(ContentError, match="holds number 400.14.5.6/1/DPMK/2025; refusing"):
        write_records(tmp_path, [other])
    assert "400.14.5.6/1/DPMK/2025" in path.read_text(encoding="utf-8")
    register_cache.forget_caches()
