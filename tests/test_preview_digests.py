"""The preview's working-tree digests (pipeline/site/preview_digests.py): an item without references is
judged by the bytes the build loaded, never by a kept digest; the digest of an item with references is
kept by file status and used only while every file it was made of is unchanged, and an edit is always
seen, even one that keeps the size and the modification time, or one made to a referenced file."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest
from approvals_helpers import Person, Site, approve_fully, item_text, make_site, release

from pipeline.cachedir import CACHE_DIRNAME, PREVIEW_DIGESTS
from pipeline.config import load_config
from pipeline.content import Item, load_site
from pipeline.site import preview_digests
from pipeline.site.preview import Preview, plan_preview
from pipeline.tree import WorkTree

ITEM = "content/siaran-pers/2025/bantuan-bibit.md"
OTHER = "content/siaran-pers/2025/rapat-koordinasi.md"
DOWNLOAD = "content/media/2025/denah.pdf"
IMPORTED = "content/halaman/tentang.md"  # the root commit's page
EVERY = sorted([IMPORTED, ITEM, OTHER])
PLAIN = sorted([IMPORTED, OTHER])  # without references: judged by the bytes loaded, every time
CHANGED = "changed since the last commit (uncommitted changes are approved by nobody)"


@pytest.fixture
def site(tmp_path: Path, cast: dict[str, Person], monkeypatch: pytest.MonkeyPatch) -> Site:
    made = make_site(tmp_path, cast)
    made.switch("rilis/bantuan-bibit", create=True)
    made.write(DOWNLOAD, b"%PDF-1.4 denah lokasi\n")
    made.write(ITEM, item_text(body="Isi rilis. [Unduh denah](../../media/2025/denah.pdf)"))
    made.commit("Rilis bantuan-bibit", cast["rina"])
    approve_fully(made, ITEM, DOWNLOAD)
    made.merge("rilis/bantuan-bibit", cast["wahyu"])
    release(made, "rapat-koordinasi", text=item_text("Rapat Koordinasi", "Isi rilis rapat."))
    approve_fully(made, OTHER)
    made.merge("rilis/rapat-koordinasi", cast["wahyu"])
    monkeypatch.chdir(made.root)
    return made


def preview(site: Site) -> Preview:
    return plan_preview(load_site(site.root, load_config(site.root)))


def count_hashing(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every item whose digest is not a kept one (its files read and hashed, or the bytes the site was
    loaded from hashed; the real method still does the work)."""
    hashed: list[str] = []
    real = preview_digests.WorkingDigests.digest

    def counting(self: preview_digests.WorkingDigests, item: Item, read: str | None = None,
                 own: bytes | None = None) -> str | None:
        made = real(self, item, read, own)
        entry = self.entries.get(item.path)
        if entry is None or self.fresh.get(item.path) is not entry:
            hashed.append(item.path)
        return made

    monkeypatch.setattr(preview_digests.WorkingDigests, "digest", counting)
    return hashed


def count_reading(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every file the preview's digests read again from the working tree."""
    read: list[str] = []
    real_item = preview_digests.item_digest

    def counting(root: Path, item: Item) -> str:
        read.extend([item.path, *item.references])
        return real_item(root, item)

    class Counting(WorkTree):
        def read_many(self, paths: Any) -> dict[str, bytes]:
            paths = list(paths)
            read.extend(paths)
            return super().read_many(paths)

    monkeypatch.setattr(preview_digests, "item_digest", counting)
    monkeypatch.setattr(preview_digests, "WorkTree", Counting)  # the preview's reads only, not the site's load
    return read


def settle(path: Path) -> None:
    """Wait until the clock the file system stamps change times with has moved past ``path``'s change
    time (no fixed sleep: a probe file is touched until its change time is later)."""
    probe = path.parent / ".probe"
    before = path.stat().st_ctime_ns
    while True:
        probe.write_bytes(b"x")
        if probe.stat().st_ctime_ns > before:
            probe.unlink()
            return


def test_unchanged_items_are_not_hashed_again_and_the_verdicts_stay(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(preview_digests, "RACY_NS", 0)  # the files were written just now
    hashed = count_hashing(monkeypatch)
    first = preview(site)
    assert sorted(hashed) == EVERY and first.reasons == {}
    assert (site.root / CACHE_DIRNAME / PREVIEW_DIGESTS).is_file()
    hashed.clear()
    second = preview(site)
    assert hashed == PLAIN and second.reasons == {} and second.extras == first.extras


def test_files_changed_just_before_they_were_hashed_are_not_kept(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    hashed = count_hashing(monkeypatch)
    preview(site)
    hashed.clear()
    preview(site)  # every file is younger than RACY_NS: its status could repeat after an edit
    assert sorted(hashed) == EVERY
    assert not (site.root / CACHE_DIRNAME / PREVIEW_DIGESTS).is_file() or ITEM not in (
        site.root / CACHE_DIRNAME / PREVIEW_DIGESTS).read_text(encoding="utf-8")


def test_an_edit_keeping_size_and_modification_time_is_seen(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(preview_digests, "RACY_NS", 0)
    preview(site)
    path = site.root / ITEM
    before = path.stat()
    settle(path)
    text = path.read_bytes()
    edited = text.replace(b"Isi rilis.", b"Isi rilus.")
    assert len(edited) == len(text) and edited != text
    path.write_bytes(edited)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_mtime_ns == before.st_mtime_ns and path.stat().st_size == before.st_size
    assert preview(site).reasons == {ITEM: CHANGED}


def test_an_edit_of_a_referenced_file_is_seen(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(preview_digests, "RACY_NS", 0)
    preview(site)
    path = site.root / DOWNLOAD
    settle(path)
    path.write_bytes(b"%PDF-1.4 denah lain!\n")
    assert preview(site).reasons == {ITEM: CHANGED}
    path.write_bytes(b"%PDF-1.4 denah lokasi\n")  # the committed bytes again: approved again
    assert preview(site).reasons == {}


def test_a_file_put_back_behind_a_linked_folder_is_hashed_every_time(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(preview_digests, "RACY_NS", 0)
    loaded = load_site(site.root, load_config(site.root))
    item = next(i for i in loaded.items if i.path == ITEM)
    assert DOWNLOAD in item.references
    preview(site)
    folder = site.root / "content" / "media" / "2025"
    moved = site.root / "elsewhere"
    folder.rename(moved)
    folder.symlink_to(moved, target_is_directory=True)  # the same file (same inode) behind a linked folder
    hashed = count_hashing(monkeypatch)
    for _round in range(2):
        digests = preview_digests.WorkingDigests(site.root, cache=True)
        digests.digest(item)
        digests.save()
        assert ITEM not in digests.fresh  # never kept
    assert hashed == [ITEM, ITEM]


@pytest.mark.parametrize("damage", ["edited", "truncated", "garbage"])
def test_a_damaged_cache_is_not_believed(site: Site, monkeypatch: pytest.MonkeyPatch, damage: str) -> None:
    monkeypatch.setattr(preview_digests, "RACY_NS", 0)
    preview(site)
    cache = site.root / CACHE_DIRNAME / PREVIEW_DIGESTS
    raw = cache.read_bytes()
    # a kept digest edited, the file cut short, something else
    damaged = {"edited": raw.replace(b"sha256:", b"sha256:0", 1)[:-1], "truncated": raw[: len(raw) // 2],
               "garbage": b"not a cache"}[damage]
    cache.write_bytes(damaged)
    hashed = count_hashing(monkeypatch)
    assert preview(site).reasons == {}
    assert sorted(hashed) == EVERY
    assert cache.read_bytes() == raw


def test_a_cold_preview_reads_no_file_without_references_again(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(preview_digests, "RACY_NS", 0)
    read = count_reading(monkeypatch)
    hashed = count_hashing(monkeypatch)
    assert preview(site).reasons == {}
    assert sorted(hashed) == EVERY  # every digest made anew (no cache yet)
    assert read == [DOWNLOAD]  # ITEM's reference: the items themselves are the bytes the site was loaded from
    read.clear()
    hashed.clear()
    # then ITEM's kept by status; the others are the bytes loaded again, never read twice
    assert preview(site).reasons == {} and hashed == PLAIN and read == []


def test_a_file_edited_after_it_was_loaded_is_judged_as_loaded_and_its_digest_not_kept(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(preview_digests, "RACY_NS", 0)
    loaded = load_site(site.root, load_config(site.root))
    path = site.root / OTHER
    settle(path)
    path.write_bytes(path.read_bytes().replace(b"Isi rilis rapat.", b"Isi rilis rapat, diubah."))
    # the preview shows the bytes it loaded, which are the approved ones
    assert plan_preview(loaded).reasons == {}
    # the digest of the loaded bytes is not kept for the edited file's status: the next run reads it
    assert preview(site).reasons == {OTHER: CHANGED}


def _kept_entries(site: Site) -> dict[str, object]:
    raw = (site.root / CACHE_DIRNAME / PREVIEW_DIGESTS).read_bytes()
    return json.loads(raw.partition(b"\n")[2])


def _seal(site: Site, entries: dict[str, object]) -> None:
    """The digests file holding ``entries``, sealed as the module seals it (the seal is a checksum, not a
    secret: anything able to write the folder can make one)."""
    body = json.dumps(entries, separators=(",", ":")).encode()
    seal = hashlib.sha256(f"warta-preview-digests {preview_digests.FORMAT}\n".encode() + body).hexdigest().encode()
    (site.root / CACHE_DIRNAME / PREVIEW_DIGESTS).write_bytes(seal + b"\n" + body)


def test_an_item_without_references_is_judged_by_the_bytes_loaded_not_by_a_status(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A status can stay the same while the bytes change (a write through a shared mmap not yet written
    back; Windows, whose st_ctime is the creation time). For an item without references the bytes are read
    anyway: an entry claiming the approved digest for the edited file's exact status is never believed."""
    monkeypatch.setattr(preview_digests, "RACY_NS", 0)
    preview(site)
    approved = preview_digests.WorkingDigests(site.root, cache=False).digest(
        next(i for i in load_site(site.root, load_config(site.root)).items if i.path == OTHER))
    assert OTHER not in _kept_entries(site) and ITEM in _kept_entries(site)  # only items with references kept
    path = site.root / OTHER
    path.write_bytes(path.read_bytes().replace(b"Isi rilis rapat.", b"Isi rilis rapat, diubah diam-diam."))
    st = os.lstat(path)
    entries = _kept_entries(site)
    entries[OTHER] = [approved, [], [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]]
    _seal(site, entries)
    assert preview(site).reasons == {OTHER: CHANGED}


def test_nothing_is_kept_where_the_change_time_is_not_one(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """On Windows st_ctime is the creation time, which an edit does not move: no digest is kept there."""
    monkeypatch.setattr(preview_digests, "RACY_NS", 0)
    monkeypatch.setattr(preview_digests, "KEEPS", False)
    read = count_reading(monkeypatch)
    for _round in range(2):
        assert preview(site).reasons == {}
    assert read == [DOWNLOAD, DOWNLOAD]  # the reference is read and hashed every time
    assert not (site.root / CACHE_DIRNAME / PREVIEW_DIGESTS).exists()
    path = site.root / DOWNLOAD
    path.write_bytes(b"%PDF-1.4 denah lain!\n")
    assert preview(site).reasons == {ITEM: CHANGED}


@pytest.mark.parametrize("path", [ITEM, OTHER])
def test_an_item_is_judged_by_the_bytes_the_build_shows_not_by_a_later_read(site: Site, path: str) -> None:
    """The build shows the bytes load_site read. An unapproved edit loaded, then the approved bytes put
    back before the preview judges (a `git stash` during the build): the item is not shown as approved,
    with or without references (ITEM links a download)."""
    file = site.root / path
    approved = file.read_bytes()
    file.write_bytes(approved.replace(b"Isi rilis", b"PALSU rilis"))
    loaded = load_site(site.root, load_config(site.root))
    assert b"PALSU" in next(i for i in loaded.items if i.path == path).body_utf8
    file.write_bytes(approved)
    assert plan_preview(loaded).reasons == {path: CHANGED}
