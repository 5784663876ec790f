"""Bounded input per content file (DESIGN section 4 rule 13): a file over a limit, with YAML aliases, nested
too deep, or whose Markdown cannot be rendered in time is a finding for that file; every other item loads.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline import markup
from pipeline.check import check_site
from pipeline.config import load_config
from pipeline.content import MARKDOWN_EXTENSIONS, Item, load_items, markdown_images
from pipeline.rendering import render_all

Write = Callable[[str, str | bytes], Path]

SIBLING = "content/berita/2025/sibling.md"
HOSTILE = "content/berita/2025/hostile.md"
# markdown-it-py is linear, but unmatched image openers cost it about 13 microseconds each: this body
# (800,000 characters, under the 1 MiB body limit) takes about 11 s on the development machine, far past
# the deadlines below (Python-Markdown, the renderer before, took minutes on 60,000 '[').
PATHOLOGICAL = "![" * 400_000


def berita(title: str, body: str = "Isi berita.", extra: str = "") -> str:
    return f"---\ntitle: {title}\ndate: 2025-03-04\nsummary: Ringkasan.\n{extra}---\n{body}\n"


def with_limits(site: Path, text: str) -> None:
    config = site / "warta.yml"
    config.write_text(config.read_text(encoding="utf-8") + f"\nlimits: {text}\n", encoding="utf-8")


def load(site: Path) -> tuple[dict[str, Item], list[str]]:
    items, findings = load_items(site, load_config(site))
    return {i.path: i for i in items}, [f.format() for f in findings.sorted()]


@pytest.fixture
def sibling(write: Write) -> str:
    write(SIBLING, berita("Berita Biasa"))
    return SIBLING


def test_front_matter_over_its_limit_is_not_loaded(site: Path, write: Write, sibling: str) -> None:
    with_limits(site, "{front_matter_bytes: 1024}")
    text = berita("Panjang", extra="tags: [" + ", ".join(["tag"] * 400) + "]\n")
    write(HOSTILE, text)
    front_matter = text.split("---\n")[1]  # what lies between the two --- lines
    items, out = load(site)
    assert list(items) == [sibling]
    assert out == [f"{HOSTILE}:2: error: the front matter is {len(front_matter):,} bytes; the limit is 1,024 "
                   "(limits.front_matter_bytes in warta.yml); the item is not loaded"]


def test_a_10_mb_body_is_not_loaded_and_its_sibling_is(site: Path, write: Write, sibling: str) -> None:
    body = ("Kalimat panjang yang diulang. " * 40 + "\n\n") * 8700  # about 10 MB
    write(HOSTILE, berita("Besar", body=body))
    started = time.monotonic()
    items, out = load(site)
    assert time.monotonic() - started < 10
    assert list(items) == [sibling]
    (finding,) = out
    assert finding.startswith(f"{HOSTILE}:6: error: body: the body is 10,")
    assert "the limit is 1,048,576 (limits.body_bytes in warta.yml)" in finding


def test_billion_laughs_front_matter_is_a_finding_for_its_file(site: Path, write: Write, sibling: str) -> None:
    lines = ['lol0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"lol{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 10)]
    write(HOSTILE, berita("Tawa", extra="\n".join(lines) + "\n"))
    started = time.monotonic()
    items, out = load(site)
    assert time.monotonic() - started < 10
    assert list(items) == [sibling]
    (finding,) = out
    assert finding.startswith(f"{HOSTILE}:5: error: lol0: anchor &l0: YAML anchors (&name) and aliases")


def test_deeply_nested_front_matter_is_a_finding_for_its_file(site: Path, write: Write, sibling: str) -> None:
    write(HOSTILE, berita("Dalam", extra="tags: " + "[" * 900 + "]" * 900 + "\n"))
    items, out = load(site)
    assert list(items) == [sibling]
    (finding,) = out
    assert finding.startswith(f"{HOSTILE}:5: error: tags.0.0.0.…: nested deeper than 32 levels")


def test_a_body_too_slow_to_render_is_a_finding_of_warta_check(site: Path, write: Write, sibling: str) -> None:
    with_limits(site, "{render_seconds: 0.5}")
    write(HOSTILE, berita("Kurung", body=PATHOLOGICAL))
    started = time.monotonic()
    result = check_site(site)
    assert time.monotonic() - started < 30, "the deadline did not stop the rendering"
    errors = [f for f in result.findings.errors]
    assert [(f.path, f.line, f.field) for f in errors] == [(HOSTILE, 6, "body")]
    assert "could not be rendered (took longer than 0.5 s); the limit is 0.5 s per file" in errors[0].message
    assert not [f for f in result.findings.errors if f.path == sibling]


def test_a_slow_body_with_images_is_not_loaded(site: Path, write: Write, sibling: str) -> None:
    # Image discovery parses the Markdown while loading: under the same deadline.
    with_limits(site, "{render_seconds: 0.5}")
    write("content/berita/2025/foto.jpg", b"\xff\xd8\xff")
    write(HOSTILE, berita("Kurung", body="![Foto](foto.jpg)\n\n" + PATHOLOGICAL))
    items, out = load(site)
    assert list(items) == [sibling]
    (finding,) = out
    assert finding.startswith(f"{HOSTILE}:6: error: body: the Markdown could not be rendered (took longer than 0.5 s)")


def test_a_body_past_its_deadline_is_never_cached(tmp_path: Path) -> None:
    cache = tmp_path / "render.sqlite"
    first = render_all(["Isi *biasa*.", PATHOLOGICAL], cache, seconds=0.5)
    assert first[0].error is None and first[0].html == "<p>Isi <em>biasa</em>.</p>"
    assert first[1].error is not None and first[1].html == ""
    again = render_all(["Isi *biasa*.", "[" * 50], cache, seconds=5)
    assert again[0] == first[0]  # from the cache
    # the pathological body was not stored as an empty page: asked again, it is rendered (and fails) again
    assert render_all([PATHOLOGICAL], cache, seconds=0.5)[0].error is not None


@pytest.mark.parametrize("body", [
    "![Foto satu](a.jpg) dan ![](b.png)\n\n| a | b |\n|---|---|\n| ![x](c.jpg) | y |\n",
    "```\n![bukan gambar](d.jpg)\n```\n\n- ![daftar](e.jpg)\n",
    '<img src="raw.jpg" alt="mentah">\n\n![*tebal*](f.jpg "judul")\n',
])
def test_the_bounded_renderer_finds_the_same_images_as_content(body: str) -> None:
    assert MARKDOWN_EXTENSIONS == markup.EXTENSIONS  # one dialect
    rendered = markup.render_bounded(body, "x.md")
    assert isinstance(rendered, markup.Rendered)
    assert list(rendered.images) == markdown_images(body)
