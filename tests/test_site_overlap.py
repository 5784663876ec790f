"""Bodies rendered in the background while ``warta build`` parses and judges the items
(``pipeline.rendering.Background``): the same HTML as the serial path, only the bodies of the items the
gate lets out on pages, a hostile body or a dying worker failing that body only, as without it."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from approvals_helpers import (
    APPROVED_RELEASE,
    UNAPPROVED_RELEASE,
    UNAPPROVED_SECRET,
    Person,
    Site,
    item_text,
    site_with_an_unapproved_release,
    tree_files,
)

from pipeline import rendering
from pipeline.cachedir import CACHE_DIRNAME, RENDER_CACHE
from pipeline.markup import render_markdown
from pipeline.rendering import Background, RenderCache, body_key_utf8, render_compact

BODIES = [f"Siaran nomor {n} — isi *ke-{n}*, [tautan](https://example.org/{n}).\n\n| a | b |\n|---|---|\n| {n} | 2 |\n"
          .encode() for n in range(40)]
PATHOLOGICAL = ("![" * 400_000).encode()  # about 11 s of markdown-it-py (tests/test_limits.py)


def test_background_renders_the_html_the_serial_path_renders(tmp_path: Path) -> None:
    background = Background(tmp_path / "render.sqlite", cores=2, min_bodies=1)
    try:
        background.start(iter(BODIES + BODIES[:5]))  # a body given twice is rendered once
        got = background.take(BODIES)
    finally:
        background.close()
    assert background.rendered == len(BODIES)
    assert [c.html for c in got] == [render_markdown(b.decode()).html for b in BODIES]
    assert got == render_compact(BODIES, None)  # the serial path, without any cache
    # and the renderings are in the cache the next build reads
    cache = RenderCache(tmp_path / "render.sqlite")
    assert cache.known([body_key_utf8(b) for b in BODIES]) == {body_key_utf8(b) for b in BODIES}
    cache.close()


def test_only_the_bodies_asked_for_come_back_and_others_are_rendered_then(tmp_path: Path) -> None:
    background = Background(None, cores=2, min_bodies=1)
    late = b"Isi yang *berubah* setelah dibaca.\n"
    try:
        background.start(BODIES[:10])
        got = background.take([BODIES[3], late])  # the item's body changed: rendered now
    finally:
        background.close()
    assert [c.html for c in got] == [render_markdown(BODIES[3].decode()).html, render_markdown(late.decode()).html]


def test_a_body_past_its_deadline_fails_that_body_only(tmp_path: Path) -> None:
    background = Background(tmp_path / "render.sqlite", 3, cores=2, min_bodies=1)  # the hostile body needs ~11 s
    try:
        background.start([BODIES[0], PATHOLOGICAL, BODIES[1]])
        ok, failed, other = background.take([BODIES[0], PATHOLOGICAL, BODIES[1]])
    finally:
        background.close()
    assert failed.error is not None and "3 s" in failed.error and failed.html_utf8 == b""
    assert ok.error is None and other.error is None and "Siaran nomor 1" in other.html
    cache = RenderCache(tmp_path / "render.sqlite")
    assert body_key_utf8(PATHOLOGICAL) not in cache.known([body_key_utf8(PATHOLOGICAL)])  # never cached
    cache.close()


def _busy_worker(background: Background, killed: set[int]) -> int:
    """The pid of a worker of the background that has rendered for a while (the hostile body)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for worker in list(background._pool.workers):
            pid = worker.process.pid
            if pid is None or pid in killed:
                continue
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[11]) + int(fields[12]) > 1.0 * os.sysconf("SC_CLK_TCK"):  # past its start (imports)
                return pid
        time.sleep(0.05)
    raise AssertionError("no worker rendered the hostile body")


def test_a_worker_that_dies_fails_its_body_only_and_the_others_render() -> None:
    background = Background(None, 120, cores=1, min_bodies=1)
    try:
        background.start([PATHOLOGICAL, *BODIES[:3]])
        killed: set[int] = set()
        for _ in range(2):  # its group, then the body alone (a failed group is redone body by body)
            pid = _busy_worker(background, killed)
            os.kill(pid, signal.SIGKILL)
            killed.add(pid)
        failed, *others = background.take([PATHOLOGICAL, *BODIES[:3]])
    finally:
        background.close()
    assert failed.error is not None and "stopped" in failed.error, failed.error
    assert [c.html for c in others] == [render_markdown(b.decode()).html for b in BODIES[:3]]


def test_an_error_of_the_background_is_raised_where_the_build_takes_its_bodies() -> None:
    def bodies() -> Iterator[bytes]:
        yield BODIES[0]
        raise OSError("the content folder went away")

    background = Background(None, cores=2, min_bodies=1)
    background.start(bodies())
    with pytest.raises(OSError, match="went away"):
        background.take([BODIES[0]])
    background.close()


# --- the whole command --------------------------------------------------------------------------------

APPROVED, UNAPPROVED, SECRET = APPROVED_RELEASE, UNAPPROVED_RELEASE, UNAPPROVED_SECRET
_files = tree_files


@pytest.fixture
def repo(tmp_path: Path, cast: dict[str, Person]) -> Site:
    return site_with_an_unapproved_release(tmp_path, cast)


def _taken(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many bodies each build's background rendered (read as the build takes them)."""
    counts: list[int] = []
    finished = Background.finished

    def counting(self: Background) -> dict[str, rendering.Compact]:
        got = finished(self)  # the background has finished once this returns
        counts.append(self.rendered)
        return got

    monkeypatch.setattr(Background, "finished", counting)
    return counts


def test_a_build_through_the_background_is_byte_identical_to_the_serial_one(
        repo: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    counts = _taken(monkeypatch)
    monkeypatch.setattr(rendering, "BACKGROUND_MIN_CORES", 1)  # the background on any machine
    monkeypatch.setattr(rendering, "PARALLEL_MIN", 1)  # every build of this size renders in the background
    proc = repo.cli("build", "--drafts", "--no-search", "--output", str(repo.root / "through"))
    assert proc.returncode == 0, proc.stderr
    monkeypatch.setattr(rendering, "PARALLEL_MIN", 10**9)  # never: the build renders its bodies itself
    (repo.root / CACHE_DIRNAME / RENDER_CACHE).unlink()
    proc = repo.cli("build", "--drafts", "--no-search", "--output", str(repo.root / "serial"))
    assert proc.returncode == 0, proc.stderr
    assert counts[0] >= 7 and counts[1] == 0
    through, serial = _files(repo.root / "through"), _files(repo.root / "serial")
    assert through.keys() == serial.keys() and "siaran-pers/2025/rilis-3/index.html" in through
    assert through == serial


def test_a_body_rendered_in_the_background_for_an_unapproved_item_is_never_on_a_page(
        repo: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    counts = _taken(monkeypatch)
    monkeypatch.setattr(rendering, "BACKGROUND_MIN_CORES", 1)
    monkeypatch.setattr(rendering, "PARALLEL_MIN", 1)
    proc = repo.cli("build", "--no-search")
    assert proc.returncode == 0, proc.stderr
    assert counts and counts[0] >= 1
    # the background rendered it (the cache holds its rendering, by its content) ...
    raw = (repo.root / UNAPPROVED).read_bytes()
    body = raw.split(b"---\n", 2)[2]
    cache = RenderCache(repo.root / CACHE_DIRNAME / RENDER_CACHE)
    assert cache.known([body_key_utf8(body)]) == {body_key_utf8(body)}
    cache.close()
    # ... and no page, feed or sitemap shows it
    pages = _files(repo.root / "_preview")
    assert not [name for name, data in pages.items() if SECRET.encode() in data]
    assert "siaran-pers/2025/rapat-rahasia/index.html" not in pages
    assert "Isi rilis bibit yang disetujui." in pages["siaran-pers/2025/bantuan-bibit/index.html"].decode()


def test_the_bodies_given_before_parsing_are_the_bodies_the_items_hold(repo: Site) -> None:
    from pipeline.config import load_config
    from pipeline.content import load_site

    repo.write("content/siaran-pers/2025/bom.md", b"\xef\xbb\xbf" + item_text("Judul BOM", "Isi setelah BOM.").encode())
    repo.write("content/siaran-pers/2025/crlf.md", item_text("Judul — “kutip”", "Baris satu.\n\nBaris dua.")
               .replace("\n", "\r\n").encode())
    # a body with a link: parsing renders it
    repo.write("content/siaran-pers/2025/tautan.md", item_text("Tautan", "Lihat [situs](https://example.org)."))
    given: list[bytes] = []
    site = load_site(repo.root, load_config(repo.root), prerender=lambda bodies: given.extend(bytes(b) for b in bodies))
    by_path = {i.path: i for i in site.items}
    assert by_path["content/siaran-pers/2025/bom.md"].body_utf8 in given
    assert by_path["content/siaran-pers/2025/crlf.md"].body_utf8 in given
    assert by_path["content/siaran-pers/2025/tautan.md"].rendered is not None  # rendered while parsing ...
    assert by_path["content/siaran-pers/2025/tautan.md"].body_utf8 not in given  # ... so not twice
    unrendered = {i.body_utf8 for i in site.items if i.rendered is None}
    assert unrendered <= set(given)


def test_the_renderer_is_given_the_items_own_bodies_not_views_of_the_files(repo: Site) -> None:
    """The background renderer's queue holds the very bytes objects the items hold (no second copy of a
    body, and no file's whole bytes kept alive by a view until its body is rendered)."""
    from pipeline.config import load_config
    from pipeline.content import load_site

    repo.write("content/siaran-pers/2025/bom.md", b"\xef\xbb\xbf" + item_text("Judul BOM", "Isi setelah BOM.").encode())
    given: list[bytes | memoryview] = []
    site = load_site(repo.root, load_config(repo.root), prerender=given.extend)
    assert given and all(type(b) is bytes for b in given)
    ids = {id(b) for b in given}
    unrendered = [i for i in site.items if i.rendered is None]
    assert unrendered and all(id(i.body_utf8) in ids for i in unrendered)


def test_on_two_cores_the_build_renders_without_the_background(repo: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """Measured on 2 cores: the background costs CPU and memory for no time gained (rendering.BACKGROUND_MIN_CORES),
    so a build there starts no render thread (a child process renders ahead instead: tests/test_render_ahead.py),
    with the same pages."""
    counts = _taken(monkeypatch)
    monkeypatch.setattr(rendering, "PARALLEL_MIN", 1)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    started: list[object] = []
    monkeypatch.setattr(Background, "start", lambda self, bodies: started.append(self))
    proc = repo.cli("build", "--drafts", "--no-search")
    assert proc.returncode == 0, proc.stderr
    assert started == [] and counts == []
    assert "Isi rilis bibit yang disetujui." in (repo.root / "_preview/siaran-pers/2025/bantuan-bibit/index.html").read_text(
        encoding="utf-8")
