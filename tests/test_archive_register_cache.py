"""The cache of parsed archive records (``.warta-cache/register/records.json``): a hit is exactly a cold
parse, a damaged or edited entry is never believed, and a changed record file is parsed again."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_archive_records import D2, WIB, approval, record

import pipeline.archive.records as records_module
from pipeline.archive.records import (
    ArchiveRecord,
    StoredRecord,
    add_version,
    load_records,
    records_from_texts,
    render_record,
    withdraw,
    write_record,
)
from pipeline.archive.register_cache import blob_id, forget_caches
from pipeline.cachedir import CACHE_DIRNAME, REGISTER_CACHE
from pipeline.errors import Finding
from pipeline.git import Git
from pipeline.tree import GitTree


def git(root: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Operator", "GIT_AUTHOR_EMAIL": "op@example.go.id",
           "GIT_COMMITTER_NAME": "Operator", "GIT_COMMITTER_EMAIL": "op@example.go.id", "GIT_CONFIG_GLOBAL": "/dev/null"}
    return subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True).stdout


@pytest.fixture(autouse=True)
def _fresh_process() -> Iterator[None]:
    forget_caches()  # each test starts as a new command would: nothing held in memory
    yield
    forget_caches()


def three_records() -> list[ArchiveRecord]:
    first = record()
    second = add_version(record(number="400.14.5.6/2/DPMK/2025", urut=2, path="content/siaran-pers/2025/dua.md",
                                title="Rapat Koordinasi Desa"),
                         D2, dt.datetime(2025, 3, 1, 8, 0, tzinfo=WIB), [approval(2, D2, day=28)],
                         "besar", "Jadwal diubah")
    third = withdraw(record(number="400.14.5.6/3/DPMK/2025", urut=3, path="content/siaran-pers/2025/tiga.md",
                            title="Lomba Desa — “Juara” 2025"),
                     "Salah tanggal", dt.datetime(2025, 3, 2, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=9))))
    return [first, second, third]


def office(tmp_path: Path) -> Path:
    """A repository with three records committed on main and a local ``.warta-cache/``."""
    root = tmp_path / "kantor"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    for rec in three_records():
        write_record(root, rec)
    git(root, "add", "arsip")
    git(root, "commit", "-q", "-m", "Arsip")
    (root / CACHE_DIRNAME).mkdir()
    return root


def cold(root: Path, rev: str = "HEAD") -> tuple[list[StoredRecord], list[Finding]]:
    """The register parsed with no cache at all: every file through the strict YAML loader and schema."""
    tree = GitTree(Git(root), Git(root).text("rev-parse", rev).strip())
    files = [p for p in tree.paths("arsip/") if p.endswith(".yaml")]
    return records_from_texts(tree.read_many(files), cache_root=None)


def head_tree(root: Path) -> GitTree:
    return GitTree(Git(root), Git(root).text("rev-parse", "HEAD").strip())


def no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(text: str, rel: str) -> Any:
        raise AssertionError(f"{rel} was parsed, not taken from the cache")

    monkeypatch.setattr(records_module, "parse_record", refuse)


def cache_document(root: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((root / CACHE_DIRNAME / REGISTER_CACHE).read_text(encoding="utf-8"))
    return data


def test_a_cache_hit_gives_exactly_the_records_of_a_cold_parse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = office(tmp_path)
    expected, expected_findings = cold(root)
    assert len(expected) == 3 and expected_findings == []
    load_records(head_tree(root))  # the first command fills the cache
    assert len(cache_document(root)["entries"]) == 3
    forget_caches()  # a later command: only the file on disk
    no_parsing(monkeypatch)
    stored, findings = load_records(head_tree(root))
    assert findings == expected_findings
    assert [s.file for s in stored] == [s.file for s in expected]
    assert [s.record for s in stored] == [s.record for s in expected]
    assert [s.record.to_json() for s in stored] == [s.record.to_json() for s in expected]
    # a record taken from the cache writes back to the very bytes committed (datetimes keep their offsets)
    committed = head_tree(root).read_many(s.file for s in expected)
    assert [render_record(s.record).encode() for s in stored] == [committed[s.file] for s in stored]
    # the working tree's copy of the same bytes is the same blob: a hit as well
    assert [s.record for s in load_records(root)[0]] == [s.record for s in expected]


def test_the_cache_is_keyed_by_the_git_blob_id_of_the_bytes(tmp_path: Path) -> None:
    root = office(tmp_path)
    load_records(head_tree(root))
    listed = git(root, "ls-tree", "-r", "HEAD", "arsip").split("\n")
    by_git = {line.split("\t")[1]: line.split()[2] for line in listed if line}
    assert {k.split(" ", 1)[0]: k.split(" ", 1)[1] for k in cache_document(root)["entries"]} == \
        {oid: path for path, oid in by_git.items()}
    assert blob_id(b"") == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"  # git hash-object of an empty file


def tamper(root: Path, change: Any) -> None:
    document = cache_document(root)
    for key, entry in document["entries"].items():
        change(key, entry, document)
    (root / CACHE_DIRNAME / REGISTER_CACHE).write_text(json.dumps(document), encoding="utf-8")


def retitle(key: str, entry: list[str], document: dict[str, Any]) -> None:
    payload = json.loads(entry[1])
    payload["title"] = "Judul palsu"
    entry[1] = json.dumps(payload)


def forge_check(key: str, entry: list[str], document: dict[str, Any]) -> None:
    """An entry rewritten by someone who also recomputes its check, with a payload the schema refuses
    (the current version loses its approvals)."""
    payload = json.loads(entry[1])
    payload["approvals"] = []
    entry[1] = json.dumps(payload)
    text = f"{document['parser']}\0{key}\0{entry[0]}\0{entry[1]}"
    entry[2] = hashlib.sha256(text.encode()).hexdigest()


def misplace(key: str, entry: list[str], document: dict[str, Any]) -> None:
    """Valid records with a recomputed check, but for another sequence number than the file's."""
    payload = json.loads(entry[1])
    payload["urut"] = payload["urut"] + 10
    payload["number"] = payload["number"] + "-x"
    entry[1] = json.dumps(payload)
    entry[2] = hashlib.sha256(f"{document['parser']}\0{key}\0{entry[0]}\0{entry[1]}".encode()).hexdigest()


def swap(key: str, entry: list[str], document: dict[str, Any]) -> None:
    """Every entry's payload, sha256 and check moved to the next file's key."""
    keys = sorted(document["entries"])
    if key == keys[0]:
        values = [document["entries"][k] for k in keys]
        for k, v in zip(keys, values[1:] + values[:1], strict=True):
            document["entries"][k] = v


@pytest.mark.parametrize("change", [retitle, forge_check, misplace, swap])
def test_a_tampered_cache_entry_is_not_believed(tmp_path: Path, change: Any) -> None:
    root = office(tmp_path)
    expected, _ = cold(root)
    load_records(head_tree(root))
    tamper(root, change)
    forget_caches()
    stored, findings = load_records(head_tree(root))
    assert findings == []
    assert [s.record for s in stored] == [s.record for s in expected]
    assert "Judul palsu" not in {s.record.title for s in stored}
    # the entries were parsed again from the blobs and written back whole
    forget_caches()
    assert [s.record for s in load_records(head_tree(root))[0]] == [s.record for s in expected]


@pytest.mark.parametrize("damage", [
    lambda raw: raw[: len(raw) // 2],  # a write cut short
    lambda raw: b"",
    lambda raw: b"\x00\xff" * 40,
    lambda raw: raw.replace(b'"format":1', b'"format":99'),
    lambda raw: b'{"format":1,"parser":"x","entries":[]}',
])
def test_a_truncated_or_foreign_cache_file_is_ignored(tmp_path: Path, damage: Any) -> None:
    root = office(tmp_path)
    expected, _ = cold(root)
    load_records(head_tree(root))
    file = root / CACHE_DIRNAME / REGISTER_CACHE
    file.write_bytes(damage(file.read_bytes()))
    forget_caches()
    stored, findings = load_records(head_tree(root))
    assert findings == [] and [s.record for s in stored] == [s.record for s in expected]
    assert len(cache_document(root)["entries"]) == 3  # written again


def test_a_record_file_changed_on_main_is_parsed_again(tmp_path: Path) -> None:
    root = office(tmp_path)
    old_head = git(root, "rev-parse", "HEAD").strip()
    load_records(head_tree(root))
    before = {s.record.number: s.record for s in load_records(head_tree(root))[0]}
    changed = withdraw(before["400.14.5.6/1/DPMK/2025"], "Ditarik pimpinan", dt.datetime(2025, 4, 1, 8, tzinfo=WIB))
    write_record(root, changed)
    git(root, "commit", "-q", "-am", "Cabut")
    forget_caches()
    stored, findings = load_records(head_tree(root))
    assert findings == []
    after = {s.record.number: s.record for s in stored}
    assert after["400.14.5.6/1/DPMK/2025"].status == "dicabut"
    assert after["400.14.5.6/1/DPMK/2025"].alasan_pencabutan == "Ditarik pimpinan"
    assert [s.record for s in stored] == [s.record for s in cold(root)[0]]
    # the old revision still reads as it was (its entry is another blob id)
    assert [s.record for s in load_records(GitTree(Git(root), old_head))[0]] == \
        [s.record for s in cold(root, old_head)[0]]
    assert before["400.14.5.6/1/DPMK/2025"].status == "terbit"


def test_a_damaged_record_is_never_cached_and_keeps_its_findings(tmp_path: Path) -> None:
    root = office(tmp_path)
    bad = root / "arsip/2025/400.14.5.6/0004-rusak.yaml"
    bad.write_text("number: [unclosed\n", encoding="utf-8")
    misplaced = root / "arsip/2024/400.14.5.6/0001-pelatihan-bumkal.yaml"
    misplaced.parent.mkdir(parents=True)
    misplaced.write_text(render_record(record()), encoding="utf-8")
    first = load_records(root)
    forget_caches()
    second = load_records(root)
    assert sorted(f.format() for f in first[1]) == sorted(f.format() for f in second[1])
    assert {f.path for f in second[1]} == {"arsip/2025/400.14.5.6/0004-rusak.yaml",
                                           "arsip/2024/400.14.5.6/0001-pelatihan-bumkal.yaml"}
    assert all(" arsip/2024/" not in k and "rusak" not in k for k in cache_document(root)["entries"])


def test_no_cache_is_written_without_a_local_cache_folder(tmp_path: Path) -> None:
    root = office(tmp_path)
    (root / CACHE_DIRNAME).rmdir()
    assert len(load_records(head_tree(root))[0]) == 3
    assert not (root / CACHE_DIRNAME).exists()


def test_a_cache_folder_that_is_a_symbolic_link_is_never_read_or_written(tmp_path: Path) -> None:
    root = office(tmp_path)
    load_records(head_tree(root))
    planted = tmp_path / "planted"
    (root / CACHE_DIRNAME).rename(planted)
    (root / CACHE_DIRNAME).symlink_to(planted)
    tamper(root, forge_check)  # through the link: what a planted cache would say
    before = (planted / "register" / "records.json").read_bytes()
    forget_caches()
    stored, _ = load_records(head_tree(root))
    assert [s.record for s in stored] == [s.record for s in cold(root)[0]]
    assert (planted / "register" / "records.json").read_bytes() == before  # nothing written through the link
