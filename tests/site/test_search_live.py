"""The search index made while the pages are written (pipeline.site.search_live) is the index made from the
finished site: real builds in tmp_path, the real ``pagefind`` binary."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from pipeline.cachedir import CACHE_DIRNAME
from pipeline.errors import BuildError
from pipeline.site import build_site, search
from pipeline.site.search import BUNDLE, CACHE, bundle_keys
from tests.test_site_build import load, make_site


def _index_files(folder: Path) -> dict[str, bytes]:
    """A bundle's files but those Pagefind writes differently on every run from the same pages (the entry,
    the meta and the filter chunks name each other by hash; the filters' values come in any order)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.parent.name != "filter" and p.suffix != ".pf_meta" and p.name != "pagefind-entry.json"}


def _filters(folder: Path) -> list[bytes]:
    return sorted(bytes(sorted(gzip.decompress(p.read_bytes()))) for p in folder.glob("filter/*"))


def _from_the_finished_site(out: Path, work: Path) -> Path:
    """The index :func:`search.index` makes from a copy of the finished pages, with a cache of its own."""
    copy = work / "copy"
    shutil.copytree(out, copy, ignore=lambda folder, names: ["pagefind"] if Path(folder) == out else [])
    assert search.index(copy, work / "repo" / CACHE_DIRNAME) == []
    return copy


def _same_index(live: Path, finished: Path) -> None:
    manifest = (live / BUNDLE / search.MANIFEST).read_text(encoding="utf-8")
    assert manifest == (finished / BUNDLE / search.MANIFEST).read_text(encoding="utf-8")
    for name in json.loads(manifest)["bundles"]:
        a, b = live / BUNDLE / name, finished / BUNDLE / name
        assert _index_files(a) == _index_files(b), name
        assert _filters(a) == _filters(b), name
        top = [sorted(".pf_meta" if p.suffix == ".pf_meta" else p.name for p in f.iterdir()) for f in (a, b)]
        assert top[0] == top[1], name  # the first bundle whole, the merged ones their index only


def test_the_index_made_while_writing_is_the_index_made_from_the_finished_site(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    out = root / "_site"
    build_site(load(root), out)
    keys = bundle_keys(out)
    assert list(keys) == ["2025", "2024", "halaman"]
    assert all((root / CACHE_DIRNAME / CACHE / key).is_dir() for key in keys.values())  # kept under the keys read
    _same_index(out, _from_the_finished_site(out, tmp_path / "cold"))
    # and after one change, with six of seven... here two of three bundles kept
    body = root / "content/siaran-pers/2024/lomba-kalurahan.md"
    body.write_text(body.read_text(encoding="utf-8") + "\nKalimat tambahan setelah koreksi redaksi.\n", encoding="utf-8")
    build_site(load(root), out)
    after = bundle_keys(out)
    assert after["2024"] != keys["2024"] and after["2025"] == keys["2025"]
    assert (root / CACHE_DIRNAME / CACHE / after["2024"]).is_dir()
    _same_index(out, _from_the_finished_site(out, tmp_path / "change"))


def test_a_failing_pagefind_run_stops_the_build_and_keeps_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ram = tmp_path / "ram"
    ram.mkdir()
    monkeypatch.setattr(search, "RAM", ram)
    root = make_site(tmp_path / "site")
    out = root / "_site"
    monkeypatch.setattr(search, "OPTIONS", ("--silent", "--no-such-option"))  # Pagefind stops at once
    with pytest.raises(BuildError, match="pagefind"):
        build_site(load(root), out)
    assert not out.exists() and list(ram.iterdir()) == []
    assert [p.name for p in (root / CACHE_DIRNAME / CACHE).iterdir()] == []  # no bundle, no stage, no half-written one


def test_pages_that_cannot_be_staged_as_they_are_written_are_staged_once_the_site_is(tmp_path: Path,
                                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    full = tmp_path / "full"
    full.write_text("a file where a folder should be: staging in it fails as in a full RAM disk", encoding="utf-8")
    spare = tmp_path / "spare"

    def folders(cache: Path) -> tuple[Path, ...]:
        spare.mkdir(exist_ok=True)
        return full, spare

    monkeypatch.setattr(search, "_work_folders", folders)
    root = make_site(tmp_path / "site")
    out = root / "_site"
    build_site(load(root), out)
    assert not spare.exists()  # the stages deleted once the bundles were made
    # Pagefind numbers the pages in the order it finds them, which is the file system's: the index from the
    # finished site is staged on the same one
    _same_index(out, _from_the_finished_site(out, tmp_path / "cold"))
