"""The page writer (pipeline/site/writer.py, disk.py): pages written from warta's payloads through the
theme, a new file for every page, unchanged pages hard-linked from the previous output, and a failed
build that leaves the previous output whole. Real builds of the fixture site in tmp_path."""

from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path

import pytest

from pipeline import i18n
from pipeline.errors import BuildError
from pipeline.site import build_site
from pipeline.site.disk import Disk
from tests.test_site_build import PROJECT, load, make_site, siblings, tree_hash

CHANGED = "siaran-pers/2025/rapat-koordinasi/index.html"
UNCHANGED = "siaran-pers/2024/lomba-kalurahan/index.html"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_changed_page_never_writes_through_a_link_into_the_previous_output(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    out = root / "_site"
    build_site(load(root), out)
    before = (out / CHANGED).read_bytes()
    kept_unchanged = os.stat(out / UNCHANGED)
    # a second name for the previous output's files: whatever the next build does, their bytes must stay
    os.link(out / CHANGED, tmp_path / "old-changed.html")
    os.link(out / UNCHANGED, tmp_path / "old-unchanged.html")
    _edit(root / "content/siaran-pers/2025/rapat-koordinasi.md", "Rapat koordinasi triwulan.", "Rapat kuartal.")
    again = build_site(load(root), out)
    assert again.reused > 0
    assert "Rapat kuartal." in (out / CHANGED).read_text(encoding="utf-8")
    assert (tmp_path / "old-changed.html").read_bytes() == before  # the old file was not written over
    assert "Rapat kuartal." not in (tmp_path / "old-changed.html").read_text(encoding="utf-8")
    assert os.stat(out / CHANGED).st_ino != os.stat(tmp_path / "old-changed.html").st_ino
    # the unchanged page is the previous output's file itself (a hard link), bytes untouched
    assert os.stat(out / UNCHANGED).st_ino == kept_unchanged.st_ino
    assert (out / UNCHANGED).read_bytes() == (tmp_path / "old-unchanged.html").read_bytes()


def test_a_page_edited_in_place_with_the_same_size_is_rendered_again(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    out = root / "_site"
    build_site(load(root), out)
    target = out / UNCHANGED
    original = target.read_bytes()
    forged = original.replace(b"Lomba kalurahan.", b"Lomba KALURAHAN.")
    assert len(forged) == len(original) and forged != original
    with open(target, "r+b") as handle:  # the same file (inode), the same size: only its time changes
        handle.write(forged)
    again = build_site(load(root), out)
    assert (out / UNCHANGED).read_bytes() == original
    assert again.reused > 0


def test_two_pages_on_one_address_stop_the_build_and_keep_the_previous_output(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    out = root / "_site"
    site = load(root)
    build_site(site, out)
    before = tree_hash(out)
    first = next(i for i in site.items if i.path.endswith("rapat-koordinasi.md"))
    other = next(i for i in site.items if i.path.endswith("pelatihan-bumkal.md"))
    clash = [i for i in site.items if i is not other] + [dataclasses.replace(other, slug=first.slug)]
    with pytest.raises(BuildError, match="two pages of the site would be written to .*rapat-koordinasi/index.html"):
        build_site(site, out, items=clash)
    assert tree_hash(out) == before
    assert siblings(out) == []


def test_a_template_failing_midway_leaves_the_previous_output_whole(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    out = root / "_site"
    build_site(load(root), out)
    before = tree_hash(out)
    theme = tmp_path / "theme"
    shutil.copytree(PROJECT / "theme", theme)
    # item pages are written first and fine; the lists fail (a name no template context has)
    _edit(theme / "templates/list.html", "<h1>{{ heading }}</h1>", "<h1>{{ heading }}{{ no_such_value }}</h1>")
    with pytest.raises(BuildError, match="no_such_value"):
        build_site(load(root), out, theme=theme)
    assert tree_hash(out) == before
    assert siblings(out) == []


def test_the_disk_helper_refuses_to_write_over_a_file(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    existing = tmp_path / "a" / "index.html"
    existing.write_text("lama", encoding="utf-8")
    link = tmp_path / "linked.html"
    os.link(existing, link)
    disk = Disk()
    disk.folder(str(tmp_path / "a"))  # an existing folder is fine
    disk.page(str(tmp_path / "a" / "new.html"), "baru")
    disk.page(str(existing), "ditimpa")
    with pytest.raises(BuildError, match="two pages of the site would be written to .*index.html"):
        disk.close()
    assert existing.read_text(encoding="utf-8") == "lama" == link.read_text(encoding="utf-8")
    assert (tmp_path / "a" / "new.html").read_text(encoding="utf-8") == "baru"


def test_the_disk_helper_reports_each_file_as_written(tmp_path: Path) -> None:
    (tmp_path / "old.html").write_text("dulu", encoding="utf-8")
    disk = Disk()
    disk.folder(str(tmp_path / "x"))
    disk.folder(str(tmp_path / "x" / "y"))
    disk.page(str(tmp_path / "x" / "y" / "index.html"), "Halo, dunia — ü")
    old = os.stat(tmp_path / "old.html")
    disk.link(str(tmp_path / "x" / "lama.html"), str(tmp_path / "old.html"), (old.st_size, old.st_mtime_ns, old.st_ino))
    stats = disk.close()
    page = os.stat(tmp_path / "x" / "y" / "index.html")
    linked = os.stat(tmp_path / "x" / "lama.html")
    assert stats == [(page.st_size, page.st_mtime_ns, page.st_ino), (linked.st_size, linked.st_mtime_ns, linked.st_ino)]
    assert (tmp_path / "x" / "y" / "index.html").read_bytes() == "Halo, dunia — ü".encode()
    assert linked.st_ino == os.stat(tmp_path / "old.html").st_ino
    assert oct(page.st_mode & 0o777) == oct(0o666 & ~_umask())  # as open(..., "w") makes it


def test_the_disk_helper_holds_no_secret_of_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARTA_DEPLOY_TOKEN", "token-rahasia-123")
    monkeypatch.setenv("SSH_AUTH_SOCK", "/tmp/agen-rahasia")
    disk = Disk()
    try:
        environ = Path(f"/proc/{disk.proc.pid}/environ").read_bytes()
    finally:
        disk.page(str(tmp_path / "x.html"), "x")
        disk.close()
    assert b"token-rahasia-123" not in environ and b"agen-rahasia" not in environ
    assert b"PATH=" in environ  # what the system needs stays


def test_a_page_writer_that_cannot_start_is_a_clear_build_error(monkeypatch: pytest.MonkeyPatch,
                                                                tmp_path: Path) -> None:
    monkeypatch.setattr("sys.executable", str(tmp_path / "no-such-python"))
    with pytest.raises(BuildError, match="could not start the page writer .*no-such-python"):
        Disk()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_the_render_progress_line_is_translated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site(tmp_path / "site")
    i18n.set_language("id")
    try:
        build_site(load(root), root / "_site", progress=True)
    finally:
        i18n.set_language("en")
    err = capsys.readouterr().err
    # 13 items to publish, one of them withdrawn (its page is a notice, no body)
    assert "build: 13 item akan diterbitkan" in err and "build: merender 12 isi naskah" in err, err
    assert "rendering" not in err
