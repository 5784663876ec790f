"""The preview's working-tree digests kept by file status (pipeline/site/preview_digests.py): a kept
digest is used only while every file it was made of is unchanged, and an edit is always seen, even one
that keeps the size and the modification time, or one made to a referenced file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from approvals_helpers import Person, Site, approve_fully, item_text, make_site, release

from pipeline.cachedir import CACHE_DIRNAME, PREVIEW_DIGESTS
from pipeline.config import load_config
from pipeline.content import Item, load_site
from pipeline.site import preview_digests
from pipeline.site.preview import Preview, plan_preview

ITEM = "content/siaran-pers/2025/bantuan-bibit.md"
OTHER = "content/siaran-pers/2025/rapat-koordinasi.md"
DOWNLOAD = "content/media/2025/denah.pdf"
IMPORTED = "content/halaman/tentang.md"  # the root commit's page
EVERY = sorted([IMPORTED, ITEM, OTHER])
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
                 read_at: int = 0) -> str | None:
        made = real(self, item, read, read_at)
        entry = self.entries.get(item.path)
        if entry is None or self.fresh.get(item.path) is not entry:
            hashed.append(item.path)
        return made

    monkeypatch.setattr(preview_digests.WorkingDigests, "digest", counting)
    return hashed


def count_reading(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every item whose files are read again from the working tree and hashed."""
    read: list[str] = []
    real = preview_digests.item_digest

    def counting(root: Path, item: Item) -> str:
        read.append(item.path)
        return real(root, item)

    monkeypatch.setattr(preview_digests, "item_digest", counting)
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
    assert hashed == [] and second.reasons == {} and second.extras == first.extras


def test_files_changed_just_before_they_were_hashed_are_not_kept(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    hashed = count_hashing(monkeypatch)
    preview(site)
    hashed.clear()
    preview(site)  # every file is younger than RACY_NS: its status could repeat after an edit
    assert sorted(hashed) == EVERY


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
    assert read == [ITEM]  # the others are the bytes the site was loaded from; ITEM references a file
    read.clear()
    hashed.clear()
    assert preview(site).reasons == {} and hashed == [] and read == []  # then kept by status


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
