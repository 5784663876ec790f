"""The blob ids of the items ``warta status`` shows, kept by each file's status (:mod:`pipeline.blobids`):
an id is read back only while the file's size, times, inode and device are the ones it was read at; an
edit that puts the size and modification time back is still seen (the change time moves), a file changed
just before it was read is not kept, and anything but a regular file is asked about every time."""

from __future__ import annotations

import os
import pickle
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

import pipeline.blobids as blobids
from pipeline.blobids import BlobIds
from pipeline.cachedir import BLOB_IDS_CACHE, CACHE_DIRNAME

SETTLED = 0.2  # seconds after the last write: past the test's racy window (RACY_NS below) and the clock's tick


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files actually opened and hashed (a kept id opens none)."""
    seen: list[str] = []
    real = blobids.file_id

    def counting(root: Any, rel: str) -> str:
        seen.append(rel)
        return real(root, rel)

    monkeypatch.setattr(blobids, "file_id", counting)
    return seen


@pytest.fixture
def short_racy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blobids, "RACY_NS", 50_000_000)  # 50 ms instead of 2 s, so a test need not wait


def git_id(path: Path) -> str:
    return subprocess.run(["git", "hash-object", str(path)], capture_output=True, text=True,
                          check=True).stdout.strip()


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def ids_of(root: Path, paths: list[str]) -> dict[str, str]:
    ids = BlobIds(root)
    out = {p: ids.blob_id(p) for p in paths}
    ids.save()
    return out


def test_kept_ids_are_git_blob_ids_and_a_second_run_opens_no_file(tmp_path: Path, reads: list[str],
                                                                    short_racy: None) -> None:
    paths = [f"content/berita/2025/kabar-{n}.md" for n in range(3)]
    for n, rel in enumerate(paths):
        write(tmp_path, rel, f"---\njudul: Kabar {n}\n---\nIsi kabar dari Bantul.\n")
    time.sleep(SETTLED)
    first = ids_of(tmp_path, paths)
    assert first == {rel: git_id(tmp_path / rel) for rel in paths}
    assert len(reads) == 3 and (tmp_path / CACHE_DIRNAME / BLOB_IDS_CACHE).is_file()
    assert ids_of(tmp_path, paths) == first
    assert len(reads) == 3  # every id came from the kept file


def test_an_edit_that_restores_the_size_and_the_modification_time_is_seen(tmp_path: Path, reads: list[str],
                                                                          short_racy: None) -> None:
    rel = "content/siaran-pers/2025/rilis.md"
    path = write(tmp_path, rel, "Kegiatan dibuka oleh Lurah.\n")
    time.sleep(SETTLED)
    before = ids_of(tmp_path, [rel])[rel]
    st = os.stat(path)
    with open(path, "r+b") as handle:  # the same inode, the same size
        handle.write(b"Kegiatan ditutup oleh Lurah.\n"[: st.st_size])
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (os.stat(path).st_size, os.stat(path).st_mtime_ns, os.stat(path).st_ino) == \
        (st.st_size, st.st_mtime_ns, st.st_ino)
    after = ids_of(tmp_path, [rel])[rel]
    assert after == git_id(path) != before
    assert reads == [rel, rel]


def test_a_file_changed_just_before_it_was_read_is_not_kept(tmp_path: Path, reads: list[str]) -> None:
    rel = "content/berita/2025/baru.md"
    write(tmp_path, rel, "Baru saja ditulis.\n")  # the default RACY_NS: two seconds
    assert ids_of(tmp_path, [rel]) == {rel: git_id(tmp_path / rel)}
    assert ids_of(tmp_path, [rel]) == {rel: git_id(tmp_path / rel)}
    assert reads == [rel, rel]


def test_a_link_a_folder_or_a_missing_file_is_asked_about_every_time(tmp_path: Path, reads: list[str],
                                                                     short_racy: None) -> None:
    write(tmp_path, "asli.md", "Teks asli.\n")
    write(tmp_path, "kabar.md", "Teks asli.\n")
    time.sleep(SETTLED)
    assert len(ids_of(tmp_path, ["kabar.md"])["kabar.md"]) == 40
    (tmp_path / "kabar.md").unlink()
    os.symlink("asli.md", tmp_path / "kabar.md")  # the same bytes behind a link
    (tmp_path / "folder.md").mkdir()
    for _ in range(2):
        assert ids_of(tmp_path, ["kabar.md", "folder.md", "hilang.md"]) == \
            {"kabar.md": "link", "folder.md": "other", "hilang.md": "missing"}
    assert reads.count("kabar.md") == 3 and reads.count("folder.md") == 2 and reads.count("hilang.md") == 2


@pytest.mark.parametrize("damage", ["cut", "edited", "not-a-pickle-of-strings", "a-class"])
def test_a_damaged_or_foreign_file_is_not_used(tmp_path: Path, reads: list[str], short_racy: None,
                                                damage: str) -> None:
    rel = "kabar.md"
    write(tmp_path, rel, "Kabar dari Kalurahan.\n")
    time.sleep(SETTLED)
    right = ids_of(tmp_path, [rel])
    file = tmp_path / CACHE_DIRNAME / BLOB_IDS_CACHE
    data = file.read_bytes()
    head, _sep, body = data.partition(b"\n")
    store = BlobIds(tmp_path).store
    if damage == "cut":
        file.write_bytes(data[:-10])
    elif damage == "edited":
        file.write_bytes(head + b"\n" + body.replace(right[rel][:8].encode(), b"00000000"))
    elif damage == "not-a-pickle-of-strings":  # sealed as this module seals, but of the wrong shape
        forged = pickle.dumps({rel: ("status", right[rel]), 7: None})
        file.write_bytes(store.header(forged) + forged)
    else:  # a pickle that would build an object: the unpickler builds no class
        forged = pickle.dumps({rel: Path("/etc/passwd")})
        file.write_bytes(store.header(forged) + forged)
    assert ids_of(tmp_path, [rel]) == right
    assert reads == [rel, rel]


def test_a_run_over_a_few_items_keeps_the_ids_of_the_others(tmp_path: Path, reads: list[str],
                                                            short_racy: None) -> None:
    paths = ["a.md", "b.md", "c.md"]
    for rel in paths:
        write(tmp_path, rel, f"Isi {rel}.\n")
    time.sleep(SETTLED)
    ids_of(tmp_path, paths)
    ids_of(tmp_path, ["b.md"])  # a branch's status: one item
    ids_of(tmp_path, paths)
    assert reads == paths  # the second and third runs opened none
