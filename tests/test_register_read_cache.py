"""The trusted register's records taken from the cache by git blob id, without reading the blobs
(pipeline/archive/register_read.py ``records_of``): the same records as a cold parse; a changed file, a
tampered, moved or swapped entry is read from git and parsed again."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from test_archive_register_cache import cache_document, cold, git, office, three_records

from pipeline.archive import register_read
from pipeline.archive.records import render_record
from pipeline.archive.register_cache import forget_caches
from pipeline.cachedir import CACHE_DIRNAME, REGISTER_CACHE
from pipeline.git import Git


@pytest.fixture(autouse=True)
def _fresh_process() -> Iterator[None]:
    forget_caches()
    yield
    forget_caches()


def files_at(root: Path, rev: str = "HEAD") -> dict[str, str]:
    return {e.path: e.oid for e in Git(root).ls_tree(Git(root).text("rev-parse", rev).strip(), ["arsip"])}


class Counting(Git):
    """A git whose blob reads are counted (what was read from the object store)."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.read: list[str] = []

    def read_blobs(self, oids: Iterable[str]) -> dict[str, bytes]:
        wanted = list(oids)
        self.read.extend(wanted)
        return super().read_blobs(wanted)


def test_a_warm_register_reads_no_blob_and_equals_a_cold_parse(tmp_path: Path) -> None:
    root = office(tmp_path)
    expected, _ = cold(root)
    first = Counting(root)
    register_read.records_of(first, files_at(root))
    assert len(first.read) == 3  # the first command reads and parses every record
    forget_caches()  # a later command
    later = Counting(root)
    stored, findings = register_read.records_of(later, files_at(root))
    assert later.read == [] and findings == []
    assert [(s.file, s.record) for s in stored] == [(s.file, s.record) for s in expected]


def _rewrite(root: Path, change: Any) -> None:
    document = cache_document(root)
    document["entries"] = change(document["entries"])
    (root / CACHE_DIRNAME / REGISTER_CACHE).write_text(json.dumps(document), encoding="utf-8")
    forget_caches()


def _edit_payload(entries: dict[str, list[str]]) -> dict[str, list[str]]:
    key = sorted(entries)[0]
    entries[key][1] = entries[key][1].replace("Pelatihan BUMKal", "Judul Palsu")  # check kept: not believed
    return entries


def _swap(entries: dict[str, list[str]]) -> dict[str, list[str]]:
    keys = sorted(entries)
    return {keys[0]: entries[keys[1]], keys[1]: entries[keys[0]], keys[2]: entries[keys[2]]}


def _move_to_other_blob(entries: dict[str, list[str]]) -> dict[str, list[str]]:
    key = sorted(entries)[0]
    oid, path = key.split(" ", 1)
    return {**entries, f"{'0' * 40} {path}": entries[key]}


@pytest.mark.parametrize("change", [_edit_payload, _swap])
def test_a_tampered_or_swapped_entry_is_read_from_git_and_parsed(tmp_path: Path, change: Any) -> None:
    root = office(tmp_path)
    expected, _ = cold(root)
    register_read.records_of(Git(root), files_at(root))
    _rewrite(root, change)
    later = Counting(root)
    stored, findings = register_read.records_of(later, files_at(root))
    assert findings == [] and later.read  # what was not believed came from the object store
    assert [(s.file, s.record) for s in stored] == [(s.file, s.record) for s in expected]
    assert all("Judul Palsu" not in s.record.title for s in stored)


def test_an_entry_for_another_blob_never_answers_for_this_one(tmp_path: Path) -> None:
    root = office(tmp_path)
    register_read.records_of(Git(root), files_at(root))
    _rewrite(root, _move_to_other_blob)
    later = Counting(root)
    stored, _ = register_read.records_of(later, files_at(root))
    assert later.read == [] and len(stored) == 3  # the real blob ids still have their own entries
    # a record file changed on main: a new blob id, never met by the entry of its old bytes
    first = three_records()[0]
    changed = first.model_copy(update={"title": "Judul Baru"})
    target = next(root.glob("arsip/2025/400.14.5.6/0001-*.yaml"))
    target.write_text(render_record(changed), encoding="utf-8")
    git(root, "commit", "-q", "-am", "Arsip: ubah")
    forget_caches()
    again = Counting(root)
    stored, findings = register_read.records_of(again, files_at(root))
    assert findings == [] and again.read == [files_at(root)[target.relative_to(root).as_posix()]]
    assert next(s.record for s in stored if s.record.number == first.number).title == "Judul Baru"
    # the old revision still reads as it was, from its own entries
    forget_caches()
    old = Counting(root)
    before, _ = register_read.records_of(old, files_at(root, "HEAD~1"))
    assert old.read == [] and next(s.record for s in before if s.record.number == first.number).title == first.title
