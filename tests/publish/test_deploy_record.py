"""The per-file record of the last local deploy (pipeline/deploy/local.py ``Deployed``): a pair of staged
and live files it lists unchanged is kept without reading either, every other pair is compared by bytes."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.deploy.local import Deployed, deploy_local, deployed_files, live_version

PAGE = "berita/index.html"


def _staged(root: Path, pages: dict[str, bytes]) -> Path:
    site = root / "staging"
    for rel, data in {"index.html": b"<h1>home</h1>", **pages}.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_bytes(data)
    return site


def _first(tmp_path: Path) -> tuple[Path, Path]:
    site = _staged(tmp_path, {PAGE: b"approved page"})
    live = tmp_path / "_site"
    result = deploy_local(site, live)
    assert result.uploaded == ("berita/index.html", "index.html")
    return site, live


def _record(site: Path, live: Path) -> Deployed:
    version = live_version(live)
    assert version is not None
    record = deployed_files(site, version, ["index.html", PAGE])
    assert record is not None and set(record.rows) == {"index.html", PAGE}
    return record


def _edit_in_place(path: Path, data: bytes) -> None:
    before = os.stat(path)
    with path.open("r+b") as handle:
        handle.write(data)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def test_a_pair_the_record_lists_unchanged_is_kept_without_comparing_bytes(tmp_path: Path) -> None:
    """The proof that the record is read: a staged page changed through its own inode with its size and
    mtime put back (which no build does) is kept live as deployed, while without the record it is copied."""
    site, live = _first(tmp_path)
    known = _record(site, live)
    _edit_in_place(site / PAGE, b"approved PAGE")
    (site / "index.html").write_bytes(b"<h1>home, new</h1>")  # a new file: compared, uploaded
    with_record = deploy_local(site, live, dry_run=True, known=known)
    assert with_record.uploaded == ("index.html",) and with_record.unchanged == (PAGE,)
    without = deploy_local(site, live, dry_run=True)
    assert without.uploaded == (PAGE, "index.html")


def test_a_live_file_changed_since_the_record_is_compared_and_copied_again(tmp_path: Path) -> None:
    site, live = _first(tmp_path)
    known = _record(site, live)
    _edit_in_place(live.resolve() / PAGE, b"forged  page")
    result = deploy_local(site, live, known=known)
    assert PAGE in result.uploaded
    assert (live / PAGE).read_bytes() == b"approved page"


def test_a_staged_file_of_another_inode_is_compared(tmp_path: Path) -> None:
    site, live = _first(tmp_path)
    known = _record(site, live)
    before = os.stat(site / PAGE)
    (site / PAGE).unlink()
    (site / PAGE).write_bytes(b"a newer pag")  # same size, a new file
    os.utime(site / PAGE, ns=(before.st_atime_ns, before.st_mtime_ns))
    result = deploy_local(site, live, known=known)
    assert PAGE in result.uploaded
    assert (live / PAGE).read_bytes() == b"a newer pag"


def test_a_record_of_another_live_version_is_not_read(tmp_path: Path) -> None:
    site, live = _first(tmp_path)
    known = _record(site, live)
    (site / "extra.html").write_bytes(b"x")
    deploy_local(site, live)  # another version goes live
    _edit_in_place(site / PAGE, b"approved PAGE")
    result = deploy_local(site, live, dry_run=True, known=known)
    assert PAGE in result.uploaded
