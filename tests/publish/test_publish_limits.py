"""An approved release never waits on a hostile file (DESIGN section 4 rules 13 and 14, issue 13 points 8-9).

Real repositories, real SSH-signed approvals, a real ``warta publish``: next to one approved release, files
with a billion-laughs front matter, a 10 MB body, YAML nested a thousand levels deep, a body whose Markdown
takes minutes to render, and an approved release that publishes a NIK. Each is reported for its own file
and left out; the approved release is published.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from approvals_helpers import (
    Person,
    Site,
    make_site,
)
from publish_helpers import PUBLISH_YML, approved_release, isolated_env, live_files, publish, release_text

# markdown-it-py is linear, but slow on unmatched image openers: about 11 s here, far past the 1 s limit
PATHOLOGICAL = "![" * 400_000
LAUGHS = "\n".join(['lol0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
                   + [f"lol{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 10)])


@pytest.fixture
def site(tmp_path: Path, cast: dict[str, Person], monkeypatch: pytest.MonkeyPatch) -> Site:
    made = make_site(tmp_path, cast, extra={"warta.yml": PUBLISH_YML + "limits: {render_seconds: 1}\n"})
    for key, value in isolated_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    return made


def _held(stdout: str, path: str) -> str:
    start = stdout.index(f"held back: {path}")
    end = stdout.find("held back:", start + 1)
    return stdout[start:end if end > 0 else None]


def test_hostile_files_are_each_reported_and_the_approved_release_is_published(site: Site) -> None:
    good = approved_release(site, "bantuan-bibit", title="Bantuan Bibit Cabai")
    # Even approved by the whole chain, each of these is refused for itself.
    hostile = {
        "tawa": "---\ntitle: Tawa\ndate: 2025-03-04\n" + LAUGHS + "\n---\nIsi.\n",
        "besar": release_text("Besar", body="Isi panjang sekali. " * 520_000),
        "dalam": "---\ntitle: Dalam\ndate: 2025-03-04\ntags: " + "[" * 200 + "]" * 200 + "\n---\nIsi.\n",
        "kurung": release_text("Rilis Penuh Kurung", body=PATHOLOGICAL),
        "penerima": release_text("Penerima Bantuan", body="Penerima: Sutini, NIK 3402015708650002."),
    }
    paths = {slug: approved_release(site, slug, text=text) for slug, text in hostile.items()}
    # and one more slow body straight on main, approved by no one
    unapproved = "content/siaran-pers/2025/lambat.md"
    site.write(unapproved, release_text("Lambat", body=PATHOLOGICAL))
    site.commit("Langsung ke main", site.cast["rina"])

    started = time.monotonic()
    proc = publish(site)
    took = time.monotonic() - started

    out = proc.stdout + proc.stderr
    assert "Traceback" not in out
    assert took < 120, f"publish took {took:.0f} s: something was not bounded"
    live = live_files(site.root)
    assert "siaran-pers/2025/bantuan-bibit/index.html" in live, out
    assert not [f for f in live if any(f"/{slug}/" in f for slug in [*hostile, "lambat"])]
    assert "anchor &l0" in _held(proc.stdout, paths["tawa"])
    assert "body: the body is 10,400,0" in _held(proc.stdout, paths["besar"])
    assert "nested deeper than 32 levels" in _held(proc.stdout, paths["dalam"])
    assert "could not be rendered (took longer than 1 s)" in _held(proc.stdout, paths["kurung"])
    assert "'3402015708650002' looks like a NIK" in _held(proc.stdout, paths["penerima"])
    assert "not approved" in _held(proc.stdout, unapproved)
    assert f"held back: {good}" not in proc.stdout
