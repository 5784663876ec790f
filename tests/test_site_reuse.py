"""Reuse of unchanged pages (pipeline/site/reuse.py) never changes what is published.

After each kind of change, a build that reuses pages from the previous output must be byte-identical to
a build from nothing (``reuse_pages=False``); and after a small change most pages must be reused
(otherwise the cache proves nothing).
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import yaml

from pipeline.cachedir import CACHE_DIRNAME, RENDER_CACHE
from pipeline.rendering import body_key_utf8
from pipeline.site import BuildResult, PageExtra, build_site
from pipeline.site.build import _Bodies
from tests.test_site_build import load, make_site, tree_hash
from tests.test_site_register import records_of


def _same_as_fresh(root: Path, out: Path, tmp: Path, **kwargs: Any) -> BuildResult:
    """Build into ``out`` reusing pages and into a new folder from nothing; the trees must be equal."""
    incremental = build_site(load(root), out, **kwargs)
    fresh_dir = tmp / "fresh"
    shutil.rmtree(fresh_dir, ignore_errors=True)
    fresh = build_site(load(root), fresh_dir, reuse_pages=False, **kwargs)
    assert fresh.reused == 0
    assert tree_hash(incremental.output) == tree_hash(fresh.output)
    return incremental


def _rendered(result: BuildResult) -> int:
    return len(result.pages) - result.reused


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_reused_pages_equal_a_build_from_nothing(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    out = root / "_site"
    first = build_site(load(root), out)
    assert first.reused == 0

    # one body changed: its page and the three lists holding it (kind, tag, year) are rendered again,
    # with the pages made from every item (home, indexes, DIP, 404); everything else is reused
    _edit(root / "content/siaran-pers/2025/rapat-koordinasi.md", "Rapat koordinasi triwulan.", "Rapat koordinasi kuartal.")
    again = _same_as_fresh(root, out, tmp_path)
    assert _rendered(again) <= 10 < again.reused
    assert "kuartal" in (out / "siaran-pers/2025/rapat-koordinasi/index.html").read_text(encoding="utf-8")

    # a title changed (lists, tag and year pages show it) and a new item moves every later item one
    # place down the paginated lists
    musrenbang = root / "content/berita/2025/musrenbang.md"
    _edit(musrenbang, "title: Musrenbang Kapanewon Sedayu", "title: Musrenbang Kapanewon Pajangan")
    (root / "content/siaran-pers/2025/baru.md").write_text(
        "---\ntitle: Rilis Paling Baru\ndate: 2025-12-01\ntags: [perencanaan]\n---\nIsi baru.\n", encoding="utf-8"
    )
    _same_as_fresh(root, out, tmp_path)
    assert "Musrenbang Kapanewon Pajangan" in (out / "tag/perencanaan/index.html").read_text(encoding="utf-8")

    # archive records and extras (a number, a draft, a forced publication) and a withdrawal reach the pages
    records = records_of(root)
    extras = {
        "content/siaran-pers/2025/rapat-koordinasi.md": PageExtra(draft=True),
        "content/informasi-publik/2025/cuaca.md": PageExtra(forced=True),
    }
    withdrawn = "status: dicabut\nalasan_pencabutan: Keliru.\nlokasi: Balai"
    _edit(root / "content/siaran-pers/2025/bantuan-bibit.md", "lokasi: Balai", withdrawn)
    _same_as_fresh(root, out, tmp_path, records=records, extras=extras, drafts=True)
    assert "400.14.5.6/2/DPMK/2025" in (out / "siaran-pers/2025/ditarik/index.html").read_text(encoding="utf-8")

    # a page edited by hand in the output is rendered again, never kept
    page = out / "siaran-pers/2025/pelatihan-bumkal/index.html"
    page.write_text(page.read_text(encoding="utf-8").replace("Teks biasa.", "DIUBAH"), encoding="utf-8")
    _same_as_fresh(root, out, tmp_path, records=records, extras=extras, drafts=True)
    assert "DIUBAH" not in page.read_text(encoding="utf-8")


def test_settings_change_or_lost_cache_renders_every_page(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    out = root / "_site"
    build_site(load(root), out)
    config = yaml.safe_load((root / "warta.yml").read_text(encoding="utf-8"))
    config["site"]["name"] = "Dinas Uji Coba"
    (root / "warta.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert _same_as_fresh(root, out, tmp_path).reused == 0
    assert "Dinas Uji Coba" in (out / "siaran-pers/2025/rapat-koordinasi/index.html").read_text(encoding="utf-8")
    before = tree_hash(out)
    shutil.rmtree(root / ".warta-cache/site/pages")  # the cache may be deleted at any time
    assert build_site(load(root), out).reused == 0
    assert tree_hash(out) == before
    assert build_site(load(root), tmp_path / "elsewhere").reused == 0  # another folder has its own keys
    keys = root / ".warta-cache/site/pages"
    assert len(list(keys.glob("*.json"))) == 2
    shutil.rmtree(tmp_path / "elsewhere")  # the keys of a folder that is gone are forgotten
    assert build_site(load(root), out).reused > 0
    assert len(list(keys.glob("*.json"))) == 1


def test_an_item_page_is_keyed_by_its_front_matter_as_written(tmp_path: Path) -> None:
    """An item's key holds its front matter's text for its fields (pipeline.site.model): a field only the
    item's own page shows (lokasi, sumber) changes that page and nothing it is not on; a comment in the
    front matter (the same fields) renders the page again, to the same bytes."""
    root = make_site(tmp_path / "site")
    out = root / "_site"
    build_site(load(root), out)
    release = root / "content/siaran-pers/2025/bantuan-bibit.md"
    _edit(release, "lokasi: Balai Kalurahan Pajangan", "lokasi: Pendopo Kapanewon Pajangan")
    news = root / "content/berita/2025/musrenbang.md"
    _edit(news, "sumber: Kapanewon Sedayu", "sumber: Kalurahan Argosari")
    again = _same_as_fresh(root, out, tmp_path)
    assert "Pendopo Kapanewon Pajangan" in (out / "siaran-pers/2025/bantuan-bibit/index.html").read_text(encoding="utf-8")
    assert "Kalurahan Argosari" in (out / "berita/2025/musrenbang/index.html").read_text(encoding="utf-8")
    assert "Pendopo" not in (out / "siaran-pers/2025/rapat-koordinasi/index.html").read_text(encoding="utf-8")
    assert _rendered(again) >= 2 and again.reused > _rendered(again)  # both pages, their lists; not the rest
    before = tree_hash(out)
    _edit(release, "lokasi: Pendopo", "# dikoreksi redaksi\nlokasi: Pendopo")
    commented = _same_as_fresh(root, out, tmp_path)
    assert tree_hash(out) == before
    assert _rendered(commented) >= 1  # the item's own page was rendered again, not kept on a guess


def test_cached_bodies_are_read_only_for_the_pages_rendered_and_stay_the_same(tmp_path: Path) -> None:
    """A build whose bodies are all in the render cache takes their shapes (pictures, links) only and
    reads the HTML of the pages it renders: after a change that renders every page (the site's name)
    the site is byte for byte a build from nothing; a cache written before shapes were kept gets them;
    a rendering gone from the cache mid-build is rendered again."""
    root = make_site(tmp_path / "site")
    out = root / "_site"
    build_site(load(root), out)
    cache_file = root / CACHE_DIRNAME / RENDER_CACHE
    with sqlite3.connect(cache_file) as db:
        shapes = db.execute("SELECT count(*) FROM shape").fetchone()[0]
        assert shapes == db.execute("SELECT count(*) FROM render").fetchone()[0] > 5
        db.execute("DELETE FROM shape")  # as a cache of the code before shapes
    config = yaml.safe_load((root / "warta.yml").read_text(encoding="utf-8"))
    config["site"]["name"] = "Dinas Uji Coba"
    (root / "warta.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert _same_as_fresh(root, out, tmp_path).reused == 0
    with sqlite3.connect(cache_file) as db:  # each rendering has its shape again
        assert db.execute("SELECT count(*) FROM shape").fetchone()[0] >= shapes
        assert not db.execute("SELECT key FROM render EXCEPT SELECT key FROM shape").fetchall()
    config["site"]["name"] = "Dinas Uji Coba Kedua"
    (root / "warta.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert _same_as_fresh(root, out, tmp_path).reused == 0  # every page from shapes, the HTML read as rendered
    assert "Dinas Uji Coba Kedua" in (out / "siaran-pers/2025/rapat-koordinasi/index.html").read_text(encoding="utf-8")

    body = b"Isi **tebal** yang dirender lagi.\n"
    key = body_key_utf8(body)
    bodies = _Bodies(tmp_path / "elsewhere.sqlite", 10.0)
    bodies.bodies[key] = body
    try:
        assert bodies.html(key) == b"<p>Isi <strong>tebal</strong> yang dirender lagi.</p>"
    finally:
        bodies.close()
