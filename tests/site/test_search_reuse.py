"""The search index after a change, cheaply and safely: kept bundles linked from the previous output only
while each file still holds the kept bytes, pages the build wrote not read again, a bundle made again
placed mostly from the previous output; real builds in tmp_path and the real ``pagefind`` binary."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from pathlib import Path

import pytest

from pipeline.cachedir import CACHE_DIRNAME
from pipeline.errors import BuildError
from pipeline.site import build_site, search, search_cache
from pipeline.site.search import BUNDLE, CACHE, bundle_keys
from tests.test_site_build import load, make_site

CHANGED = "content/siaran-pers/2025/rapat-koordinasi.md"


def _files(folder: Path) -> dict[str, os.stat_result]:
    return {p.relative_to(folder).as_posix(): p.stat() for p in sorted(folder.rglob("*")) if p.is_file()}


def _change_one_2025_release(root: Path) -> None:
    body = root / CHANGED
    body.write_text(body.read_text(encoding="utf-8").replace("Rapat koordinasi triwulan.", "Rapat kuartal kedua."),
                    encoding="utf-8")


def test_a_kept_bundle_is_linked_from_the_previous_output_never_from_the_cache(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    out = root / "_site"
    build_site(load(root), out)
    keys = bundle_keys(out)
    before = _files(out / BUNDLE / "2024")
    build_site(load(root), out)  # nothing changed
    after = _files(out / BUNDLE / "2024")
    assert after.keys() == before.keys() and before
    # the same files as the previous output's (hard links: one inode), none of them the kept bundle's file
    assert all(after[rel].st_ino == before[rel].st_ino for rel in after)
    kept = root / CACHE_DIRNAME / CACHE / keys["2024"]
    assert all((kept / rel).stat().st_ino != after[rel].st_ino for rel in after)
    assert all((kept / rel).read_bytes() == (out / BUNDLE / "2024" / rel).read_bytes() for rel in after)


def test_a_bundle_file_edited_in_the_output_is_copied_again_from_the_kept_bundle(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    out = root / "_site"
    build_site(load(root), out)
    keys = bundle_keys(out)
    fragment = sorted((out / BUNDLE / "2024" / "fragment").iterdir())[0]
    rel = fragment.relative_to(out / BUNDLE / "2024").as_posix()
    stat = fragment.stat()
    with fragment.open("r+b") as handle:  # in place, the same size, then its time put back
        handle.write(b"X")
    os.utime(fragment, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    build_site(load(root), out)
    placed = out / BUNDLE / "2024" / rel
    assert placed.read_bytes() == (root / CACHE_DIRNAME / CACHE / keys["2024"] / rel).read_bytes()
    assert placed.stat().st_ino != stat.st_ino  # a copy of the kept file, not the edited one


def test_a_kept_bundle_without_its_list_of_files_is_copied_whole(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    out = root / "_site"
    build_site(load(root), out)
    keys = bundle_keys(out)
    (root / CACHE_DIRNAME / CACHE / keys["2024"] / search_cache.FILES).write_text("{damaged", encoding="utf-8")
    before = _files(out / BUNDLE / "2024")
    build_site(load(root), out)
    after = _files(out / BUNDLE / "2024")
    assert after.keys() == before.keys()
    assert all(after[rel].st_ino != before[rel].st_ino for rel in after)  # copies of the kept bundle
    assert search_cache.FILES not in after


def test_after_one_change_only_the_pages_of_its_bundle_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_site(tmp_path / "site")
    out = root / "_site"
    build_site(load(root), out)
    keys = bundle_keys(out)
    _change_one_2025_release(root)
    read: list[str] = []
    real = search._read

    def counting(site: str, rel: str) -> bytes:
        read.append(Path(site, rel).relative_to(out).as_posix())  # each read is of the previous output
        return real(site, rel)

    monkeypatch.setattr(search, "_read", counting)
    build_site(load(root), out)
    monkeypatch.undo()
    after = bundle_keys(out)
    assert after["2025"] != keys["2025"] and after["2024"] == keys["2024"]
    found = search.groups(out)
    # the changed page's bytes come from the writer; the other pages of its bundle are staged from the
    # previous output's files; no page of a kept bundle is read (the writer said their sha256, the memo
    # what Pagefind reads of them)
    made = {rel for rel, _w, _r in found["2025"]}
    assert "siaran-pers/2025/rapat-koordinasi/index.html" not in read
    assert set(read) == made - {"siaran-pers/2025/rapat-koordinasi/index.html"}
    kept = {rel for name in ("2024", "halaman") for rel, _w, _r in found[name]}
    assert kept and not kept & set(read)


def test_a_bundle_made_again_takes_its_unchanged_files_from_the_previous_output(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    out = root / "_site"
    build_site(load(root), out)
    before = _files(out / BUNDLE / "2025")
    _change_one_2025_release(root)
    build_site(load(root), out)
    after = _files(out / BUNDLE / "2025")
    same = {rel for rel in after if rel in before and after[rel].st_ino == before[rel].st_ino}
    fragments = {rel for rel in after if rel.startswith("fragment/")}
    assert fragments - same  # the changed page's fragment is new
    assert fragments & same  # the other pages' fragments are the previous output's files
    kept = root / CACHE_DIRNAME / CACHE / bundle_keys(out)["2025"]
    for rel in after:  # and every file is the bundle just kept, byte for byte
        assert (out / BUNDLE / "2025" / rel).read_bytes() == (kept / rel).read_bytes(), rel
    texts = [gzip.decompress(p.read_bytes()) for p in (out / BUNDLE / "2025" / "fragment").iterdir()]
    assert any(b"kuartal kedua" in t for t in texts) and not any(b"koordinasi triwulan" in t for t in texts)


def test_a_page_changed_after_its_digest_was_taken_is_not_made_into_a_kept_bundle(tmp_path: Path) -> None:
    site = tmp_path / "site"
    page = site / "siaran-pers/2025/bibit/index.html"
    page.parent.mkdir(parents=True)
    page.write_bytes(b'<html lang="id"><body><article data-pagefind-body><h1>Bibit</h1><p>Isi.</p></article>'
                     b"</body></html>")
    wrote = hashlib.sha256(b"what the build wrote").hexdigest()
    written = {"siaran-pers/2025/bibit/index.html": wrote}
    # what Pagefind reads of the page the build wrote is remembered: the page is not read to make the key,
    # only to stage it, and then it no longer holds what the build wrote
    cache = tmp_path / "repo" / CACHE_DIRNAME / CACHE
    cache.mkdir(parents=True)
    (cache / search.READ_MEMO).write_text(json.dumps({"version": search.stage_version(), "pages": {wrote: "b" * 64}}),
                                          encoding="utf-8")
    with pytest.raises(BuildError, match="siaran-pers/2025/bibit/index.html"):
        search.index(site, tmp_path / "repo" / CACHE_DIRNAME, written=written)
    assert [p.name for p in cache.iterdir() if p.is_dir()] == []


def test_a_page_that_is_a_symbolic_link_is_not_indexed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.html"
    outside.write_bytes(b'<html lang="id"><body><article data-pagefind-body><h1>Rahasia</h1></article></body></html>')
    site = tmp_path / "site"
    page = site / "siaran-pers/2025/bibit/index.html"
    page.parent.mkdir(parents=True)
    page.symlink_to(outside)
    assert search.groups(site) == {}


def test_a_kept_bundle_file_swapped_for_a_fifo_or_a_link_in_the_output_is_copied_from_the_kept_bundle(
        tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    out = root / "_site"
    build_site(load(root), out)
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"not part of the site\n")
    bundle = out / BUNDLE / "2024"
    fifo, link = sorted((bundle / "fragment").iterdir())[0], sorted((bundle / "index").iterdir())[0]
    kept = {p.relative_to(bundle).as_posix(): p.read_bytes() for p in (fifo, link)}
    fifo.unlink()
    os.mkfifo(fifo)  # reading it would block the build for ever
    link.unlink()
    link.symlink_to(secret)
    build_site(load(root), out)  # nothing changed: the 2024 bundle is placed again from the previous output
    for rel, data in kept.items():
        placed = bundle / rel
        assert placed.is_file() and not placed.is_symlink()
        assert placed.read_bytes() == data
