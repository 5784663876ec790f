"""Bodies rendered ahead by a child process while ``warta build`` parses and judges the items, on two cores
(``pipeline.render_ahead.Ahead``): the same HTML as the serial path, in the same cache, only the bodies of
the items the gate lets out on pages; a slow body, a child that cannot start or is killed never fail a
build, and the build's process holds no thread for it."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

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

from pipeline import render_ahead, rendering
from pipeline.cachedir import CACHE_DIRNAME, RENDER_CACHE
from pipeline.markup import render_markdown
from pipeline.render_ahead import Ahead, ahead_renderer
from pipeline.rendering import Background, RenderCache, body_key_utf8

BODIES = [f"Siaran nomor {n} — isi *ke-{n}*, [tautan](https://example.org/{n}).\n\n| a | b |\n|---|---|\n| {n} | 2 |\n"
          .encode() for n in range(40)]
PATHOLOGICAL = ("![" * 400_000).encode()  # about 11 s of markdown-it-py (tests/test_limits.py)


def _cached(cache_file: Path, bodies: list[bytes]) -> dict[bytes, str]:
    """body -> the HTML the cache holds for it (bodies it does not hold are absent)."""
    cache = RenderCache(cache_file)
    try:
        found = cache.get_many(sorted({body_key_utf8(b) for b in bodies}))
    finally:
        cache.close()
    return {b: found[body_key_utf8(b)].html for b in bodies if body_key_utf8(b) in found}


def test_the_child_puts_the_html_the_renderer_makes_into_the_cache(tmp_path: Path) -> None:
    cache_file = tmp_path / "cache" / "render.sqlite"
    linked = b"Unduh [jadwal](../berkas/jadwal.pdf) dan lihat ![foto](foto.jpg).\n"
    bodies = [*BODIES, linked]
    ahead = Ahead(cache_file, min_bodies=1)
    before = set(threading.enumerate())  # (other tests of the run may have left threads of their own)
    ahead.start(iter([*bodies, *BODIES[:5]]))  # a body given twice is rendered once
    assert set(threading.enumerate()) - before == set()  # no thread started in the build's process
    assert ahead.wait(120)
    assert ahead.rendered == len(bodies)
    cached = _cached(cache_file, bodies)
    assert cached == {b: render_markdown(b.decode()).html for b in bodies}
    cache = RenderCache(cache_file)  # with the shape the build reads (pictures, nonce, links)
    shape = cache.shapes([body_key_utf8(linked)])[body_key_utf8(linked)]
    cache.close()
    assert shape.links == ("../berkas/jadwal.pdf",) and shape.images == (("foto.jpg", "foto"),)
    assert [p.name for p in cache_file.parent.iterdir()] == ["render.sqlite"]  # the bodies' file is gone


def test_bodies_cached_before_are_not_rendered_again(tmp_path: Path) -> None:
    cache_file = tmp_path / "render.sqlite"
    first = Ahead(cache_file, min_bodies=1)
    first.start(BODIES[:10])
    assert first.wait(120) and first.rendered == 10
    second = Ahead(cache_file, min_bodies=1)
    second.start(BODIES[:15])
    assert second.wait(120) and second.rendered == 5


def test_stopping_a_child_busy_with_a_slow_body_kills_it_soon_and_loses_nothing_written(tmp_path: Path) -> None:
    cache_file = tmp_path / "render.sqlite"
    ahead = Ahead(cache_file, min_bodies=1)
    ahead.start([*BODIES[:3], PATHOLOGICAL, *BODIES[3:6]])
    time.sleep(2.0)  # the child is well into the hostile body by then (about 11 s)
    started = time.monotonic()
    assert ahead.finished() == {}
    assert time.monotonic() - started < render_ahead.GRACE + 5  # killed, not waited for
    cached = _cached(cache_file, [*BODIES[:6], PATHOLOGICAL])
    assert PATHOLOGICAL not in cached and set(cached) <= set(BODIES[:3])
    assert all(html == render_markdown(b.decode()).html for b, html in cached.items())
    cache = RenderCache(cache_file)  # a killed writer leaves a cache that opens and writes
    assert cache.db is not None
    cache.put_many({"k": rendering.Compact.of(render_markdown("x"))})
    assert cache.known(["k"]) == {"k"}
    cache.close()


def test_the_child_holds_no_secret_of_the_build_s_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """It renders untrusted text (DESIGN rule 12): started with the operating system's variables only (and
    the folder of warta's package as its module path), and it still renders."""
    monkeypatch.setenv("WARTA_DEPLOY_TOKEN", "rahasia-deploy-123")
    monkeypatch.setenv("SSH_AUTH_SOCK", "/tmp/agent.sock")
    given: list[dict[str, str]] = []
    popen = subprocess.Popen

    def recording(*args: Any, **kwargs: Any) -> Any:
        given.append(dict(kwargs["env"]))
        return popen(*args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", recording)
    ahead = Ahead(tmp_path / "render.sqlite", min_bodies=1)
    ahead.start(BODIES[:2])
    assert ahead.wait(120) and ahead.rendered == 2
    (env,) = given
    assert "WARTA_DEPLOY_TOKEN" not in env and "SSH_AUTH_SOCK" not in env
    assert "rahasia-deploy-123" not in "".join(env.values())
    assert env["PATH"] == os.environ["PATH"]
    assert env["PYTHONPATH"] == str(Path(render_ahead.__file__).resolve().parent.parent)


def test_the_child_never_runs_code_from_the_folder_it_is_started_in(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A repository holding its own ``pipeline/render_ahead.py`` (or ``markdown_it.py``): the child imports
    warta's, never the repository's, and renders as always."""
    repo = tmp_path / "repo"
    marker = tmp_path / "ran"
    for module in ("pipeline/__init__.py", "pipeline/render_ahead.py", "markdown_it.py", "yaml.py"):
        (repo / module).parent.mkdir(parents=True, exist_ok=True)
        (repo / module).write_text(f"open({str(marker)!r}, 'a').write({module!r})\n", encoding="utf-8")
    monkeypatch.chdir(repo)
    cache_file = repo / ".warta-cache" / "site" / "render.sqlite"
    ahead = Ahead(cache_file, min_bodies=1)
    ahead.start(BODIES[:3])
    assert ahead.wait(120)
    assert not marker.exists()
    assert ahead.rendered == 3
    assert _cached(cache_file, BODIES[:3]) == {b: render_markdown(b.decode()).html for b in BODIES[:3]}


def test_a_child_killed_mid_work_leaves_a_cache_of_whole_renderings(tmp_path: Path) -> None:
    cache_file = tmp_path / "render.sqlite"
    many = [f"Paragraf {n}.\n\n" .encode() * 200 for n in range(600)]
    ahead = Ahead(cache_file, min_bodies=1)
    ahead.start(many)
    time.sleep(0.8)
    assert ahead.process is not None
    ahead.process.kill()
    ahead.close()
    cached = _cached(cache_file, many)
    assert all(html == render_markdown(b.decode()).html for b, html in cached.items())


def test_a_child_that_cannot_start_changes_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be")
    ahead = Ahead(blocker / "render.sqlite", min_bodies=1)
    ahead.start(BODIES[:3])
    assert ahead.finished() == {} and ahead.rendered is None
    ahead.close()  # twice is fine
    idle = Ahead(None, min_bodies=1)  # no cache: the child would have nowhere to put its work
    idle.start(BODIES[:3])
    assert idle.finished() == {} and idle.rendered is None


def test_few_bodies_are_left_to_the_workers(tmp_path: Path) -> None:
    ahead = Ahead(tmp_path / "render.sqlite", min_bodies=10)
    ahead.start(BODIES[:9])
    assert ahead.process is None
    assert ahead.finished() == {}


def test_the_renderer_chosen_by_the_number_of_cores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache_file = tmp_path / "render.sqlite"
    for cores, kind in ((1, type(None)), (2, Ahead), (3, Background), (8, Background)):
        monkeypatch.setattr(os, "cpu_count", lambda cores=cores: cores)
        chosen = ahead_renderer(cache_file, 5.0)
        assert type(chosen) is kind, cores
        if chosen is not None:
            chosen.close()


# --- the whole command on two cores --------------------------------------------------------------------

APPROVED, UNAPPROVED, SECRET = APPROVED_RELEASE, UNAPPROVED_RELEASE, UNAPPROVED_SECRET
_files = tree_files


@pytest.fixture
def repo(tmp_path: Path, cast: dict[str, Person]) -> Site:
    return site_with_an_unapproved_release(tmp_path, cast)


@pytest.fixture
def two_cores(monkeypatch: pytest.MonkeyPatch) -> list[Ahead]:
    """The build on a two-core machine, every build's bodies rendered ahead; the children it made."""
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(rendering, "PARALLEL_MIN", 1)
    made: list[Ahead] = []
    start = Ahead.start

    def recording(self: Ahead, bodies: Iterable[bytes | memoryview]) -> None:
        start(self, bodies)
        made.append(self)
        assert self.wait(120)  # the child finishes before the build goes on: every body comes from it

    monkeypatch.setattr(Ahead, "start", recording)
    return made


def test_a_build_whose_bodies_were_rendered_ahead_is_byte_identical_to_the_serial_one(
        repo: Site, two_cores: list[Ahead], monkeypatch: pytest.MonkeyPatch) -> None:
    proc = repo.cli("build", "--drafts", "--no-search", "--output", str(repo.root / "ahead"))
    assert proc.returncode == 0, proc.stderr
    assert len(two_cores) == 1 and (two_cores[0].rendered or 0) >= 7
    monkeypatch.setattr(os, "cpu_count", lambda: 1)  # one core: nothing ahead, the build renders its bodies
    (repo.root / CACHE_DIRNAME / RENDER_CACHE).unlink()
    proc = repo.cli("build", "--drafts", "--no-search", "--output", str(repo.root / "serial"))
    assert proc.returncode == 0, proc.stderr
    assert len(two_cores) == 1
    ahead, serial = _files(repo.root / "ahead"), _files(repo.root / "serial")
    assert ahead.keys() == serial.keys() and "siaran-pers/2025/rilis-3/index.html" in ahead
    assert ahead == serial


def test_a_body_rendered_ahead_for_an_unapproved_item_is_never_on_a_page(repo: Site, two_cores: list[Ahead]) -> None:
    proc = repo.cli("build", "--no-search")
    assert proc.returncode == 0, proc.stderr
    assert two_cores and (two_cores[0].rendered or 0) >= 1
    raw = (repo.root / UNAPPROVED).read_bytes()
    body = raw.split(b"---\n", 2)[2]
    assert body in _cached(repo.root / CACHE_DIRNAME / RENDER_CACHE, [body])  # rendered ahead, by its content ...
    pages = _files(repo.root / "_preview")  # ... and no page, feed or sitemap shows it
    assert not [name for name, data in pages.items() if SECRET.encode() in data]
    assert "siaran-pers/2025/rapat-rahasia/index.html" not in pages
    assert "Isi rilis bibit yang disetujui." in pages["siaran-pers/2025/bantuan-bibit/index.html"].decode()


def test_a_hostile_body_is_refused_as_without_the_child(repo: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """A body of unmatched brackets is rendered while parsing, under the deadline (rule 13), and refused with
    its file and line; the child is never given it, and does not hold the build up."""
    given: list[bytes] = []
    start = Ahead.start

    def recording(self: Ahead, bodies: Iterable[bytes | memoryview]) -> None:
        given.extend(bytes(b) for b in bodies)
        start(self, given)

    monkeypatch.setattr(Ahead, "start", recording)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(rendering, "PARALLEL_MIN", 1)
    repo.write("content/siaran-pers/2025/rilis-2.md", item_text("Rilis 2", PATHOLOGICAL.decode()))
    config = (repo.root / "warta.yml").read_text(encoding="utf-8")
    (repo.root / "warta.yml").write_text(config + "limits:\n  render_seconds: 2\n", encoding="utf-8")
    started = time.monotonic()
    proc = repo.cli("build", "--drafts", "--no-search")
    assert time.monotonic() - started < 60
    assert proc.returncode == 1
    assert ("content/siaran-pers/2025/rilis-2.md:5: error: body: the Markdown could not be rendered (took longer "
            "than 2 s)") in proc.stderr
    assert given and PATHOLOGICAL not in {b.rstrip(b"\n") for b in given}
    assert not (repo.root / "_preview").exists()
