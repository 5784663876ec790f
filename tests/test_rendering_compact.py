"""Bodies rendered for a site build keep their HTML as UTF-8 (``pipeline.rendering.Compact``): the same
HTML, tokens, cache and deadline as ``render_all``, in about half the memory for text past Latin-1."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from pipeline.markup import render_markdown
from pipeline.rendering import (
    CHUNK,
    PARALLEL_MIN,
    Compact,
    RenderCache,
    body_key,
    body_key_utf8,
    render_all,
    render_compact,
    stop_workers,
)
from pipeline.site.model import Body

BODIES = [
    "**Bantul** — Sosialisasi *pelatihan* warga.\n\n![Foto kegiatan](foto.jpg)\n\n[surat edaran](surat edaran.pdf)\n",
    "Isi biasa tanpa gambar.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
    "Emoji 🎉 dan huruf ñ, “kutipan” dan <img src=\"mentah.jpg\">.\n",
    "[tautan](../lain.md) dan [luar](https://example.org)\n",
]
PATHOLOGICAL = "![" * 400_000  # about 11 s of markdown-it-py (tests/test_limits.py)


def _same(compact: Compact, body: str) -> None:
    expected = render_markdown(body)
    assert compact.html_utf8 == expected.html.encode("utf-8")
    assert compact.html == expected.html
    assert (compact.images, compact.nonce, compact.links, compact.dropped, compact.error) == (
        expected.images, expected.nonce, expected.links, expected.dropped, None)
    assert [compact.token(i) for i in range(len(compact.images))] == [expected.token(i) for i in range(len(expected.images))]
    assert [compact.link_token(i) for i in range(len(compact.links))] == [
        expected.link_token(i) for i in range(len(expected.links))]


def test_compact_rendering_is_the_same_html_as_rendering_the_text(tmp_path: Path) -> None:
    got = render_compact([b.encode("utf-8") for b in BODIES], tmp_path / "render.sqlite")
    for compact, body in zip(got, BODIES, strict=True):
        _same(compact, body)


def test_text_past_latin1_takes_about_half_the_memory_as_utf8() -> None:
    (compact,) = render_compact([BODIES[0].encode("utf-8") * 50], None)
    assert sys.getsizeof(compact.html_utf8) < 0.6 * sys.getsizeof(compact.html)


def test_many_bodies_through_the_workers_come_back_in_order(tmp_path: Path) -> None:
    bodies = [f"Siaran nomor {n} — isi *ke-{n}*.\n" for n in range(PARALLEL_MIN + CHUNK + 3)]
    got = render_compact([b.encode("utf-8") for b in bodies], tmp_path / "render.sqlite", workers=2)
    assert [c.html for c in got] == [render_markdown(b).html for b in bodies]


def test_compact_and_text_rendering_share_one_cache(tmp_path: Path) -> None:
    cache = tmp_path / "render.sqlite"
    render_all(BODIES[:2], cache)  # what warta check caches
    stored = RenderCache(cache)
    try:
        assert stored.known([body_key(b) for b in BODIES]) == {body_key(b) for b in BODIES[:2]}
    finally:
        stored.close()
    got = render_compact([b.encode("utf-8") for b in BODIES], cache)  # the first two read, the others rendered
    for compact, body in zip(got, BODIES, strict=True):
        _same(compact, body)
    again = render_all(BODIES, cache)  # and what the build rendered is found by the text rendering
    assert [r.html for r in again] == [c.html for c in got]
    stored = RenderCache(cache)
    try:
        assert stored.known([body_key(b) for b in BODIES]) == {body_key(b) for b in BODIES}
    finally:
        stored.close()


def test_a_body_past_its_deadline_comes_back_failed_and_is_not_cached(tmp_path: Path) -> None:
    cache = tmp_path / "render.sqlite"
    ok, failed = render_compact([b"Isi *biasa*.", PATHOLOGICAL.encode()], cache, seconds=0.5)
    assert ok.error is None and ok.html == "<p>Isi <em>biasa</em>.</p>"
    assert failed.error is not None and "0.5 s" in failed.error and failed.html_utf8 == b""
    stored = RenderCache(cache)
    try:
        assert stored.known([body_key(PATHOLOGICAL)]) == set()
    finally:
        stored.close()


def test_a_body_is_digested_by_its_rendering_key_whether_its_html_is_held_or_read_later() -> None:
    # the page keys (pipeline.site.reuse) name the rendering by its cache key (the renderer and the body's
    # bytes), so a page is keyed alike when its body was just rendered and when its HTML is left in the cache
    source = BODIES[2].encode("utf-8")
    html = render_markdown(BODIES[2]).html.encode("utf-8")
    key = body_key_utf8(source)
    fills = (("<span>x</span>", "<picture></picture>"),)
    held = Body(html, fills, str.upper, "Tabel {n}", key=key)
    read: list[str] = []
    later = Body(None, fills, str.upper, "Tabel {n}", key=key, load=lambda k: read.append(k) or html)
    assert held.digest == later.digest and not read  # keyed without reading the HTML
    expected = hashlib.sha256(b"key\0" + key.encode())
    expected.update(b'[[["<span>x</span>", "<picture></picture>"]], "Tabel {n}"]')
    assert held.digest == expected.hexdigest()
    assert held.text() == later.text() == html.decode().replace("<span>x</span>", "<picture></picture>").upper()
    assert read == [key]
    assert Body(html, (), str.upper, "Tabel {n}", key=key).digest != held.digest  # the fills count
    assert Body(html, fills, str.upper, "Tabel {n}", key=body_key_utf8(source + b"!")).digest != held.digest


def test_the_render_helpers_stop_after_a_large_rendering_and_start_again(tmp_path: Path) -> None:
    import multiprocessing.forkserver as forkserver

    bodies = [f"Rilis {n} — isi.\n".encode() for n in range(PARALLEL_MIN + 1)]
    render_compact(bodies, None, workers=2)
    server = forkserver._forkserver  # type: ignore[attr-defined]
    pid = server._forkserver_pid
    assert pid is not None and Path(f"/proc/{pid}").exists()
    stop_workers()
    assert server._forkserver_pid is None and not Path(f"/proc/{pid}").exists()
    again = render_compact([b"Isi *lagi* " + str(n).encode() for n in range(PARALLEL_MIN + 1)], None, workers=2)
    assert again[0].html == "<p>Isi <em>lagi</em> 0</p>"
    stop_workers()
