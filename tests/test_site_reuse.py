"""Reuse of unchanged pages (pipeline/site/reuse.py) never changes what is published.

After each kind of change, a build that reuses pages from the previous output must be byte-identical to
a build from nothing (``reuse_pages=False``); and a build after a small change must reuse most pages
(otherwise the cache proves nothing).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from pipeline.site import PageExtra, build_site
from tests.test_site_build import load, make_site, tree_hash
from tests.test_site_register import records_of


def _same_as_fresh(root: Path, out: Path, tmp: Path, **kwargs: object) -> int:
    """Build into ``out`` reusing pages and into a new folder from nothing; the trees must be equal."""
    incremental = build_site(load(root), out, **kwargs)  # type: ignore[arg-type]
    fresh_dir = tmp / "fresh"
    shutil.rmtree(fresh_dir, ignore_errors=True)
    fresh = build_site(load(root), fresh_dir, reuse_pages=False, **kwargs)  # type: ignore[arg-type]
    assert fresh.reused == 0
    assert tree_hash(incremental.output) == tree_hash(fresh.output)
    return incremental.reused


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_reused_pages_equal_a_build_from_nothing(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    out = root / "_site"
    first = build_site(load(root), out)
    assert first.reused == 0
    pages = len(first.pages)

    # nothing changed: every reusable page (items, lists) is reused, the indexes are rendered
    assert _same_as_fresh(root, out, tmp_path) > pages // 2

    # one body changed: its page is rendered again, the rest reused
    _edit(root / "content/siaran-pers/2025/rapat-koordinasi.md", "Rapat koordinasi triwulan.", "Rapat koordinasi kuartal.")
    assert _same_as_fresh(root, out, tmp_path) > pages // 2
    assert "kuartal" in (out / "siaran-pers/2025/rapat-koordinasi/index.html").read_text(encoding="utf-8")

    # a title changed: the lists, tag and year pages showing it change too
    _edit(root / "content/berita/2025/musrenbang.md", "title: Musrenbang Kapanewon Sedayu", "title: Musrenbang Kapanewon Pajangan")
    _same_as_fresh(root, out, tmp_path)
    assert "Musrenbang Kapanewon Pajangan" in (out / "tag/perencanaan/index.html").read_text(encoding="utf-8")

    # a new item moves every later item one place down the paginated lists
    (root / "content/siaran-pers/2025/baru.md").write_text(
        "---\ntitle: Rilis Paling Baru\ndate: 2025-12-01\ntags: [pertanian]\n---\nIsi baru.\n", encoding="utf-8"
    )
    _same_as_fresh(root, out, tmp_path)

    # archive records and extras (a number, a draft, a forced publication) reach the pages
    records = records_of(root)
    extras = {
        "content/siaran-pers/2025/rapat-koordinasi.md": PageExtra(draft=True),
        "content/informasi-publik/2025/cuaca.md": PageExtra(forced=True),
    }
    _same_as_fresh(root, out, tmp_path, records=records, extras=extras, drafts=True)
    assert "400.14.5.6/1/DPMK/2025" in (out / "siaran-pers/2025/bantuan-bibit/index.html").read_text(encoding="utf-8")
    extras["content/siaran-pers/2025/rapat-koordinasi.md"] = PageExtra()
    _same_as_fresh(root, out, tmp_path, records=records, extras=extras, drafts=True)

    # withdrawing an item turns its page into a notice and takes it out of the lists
    _edit(root / "content/siaran-pers/2025/bantuan-bibit.md", "lokasi: Balai", "status: dicabut\nalasan_pencabutan: Keliru.\nlokasi: Balai")
    _same_as_fresh(root, out, tmp_path, records=records, extras=extras, drafts=True)

    # a page edited by hand in the output is rendered again, never kept
    page = out / "siaran-pers/2025/pelatihan-bumkal/index.html"
    page.write_text(page.read_text(encoding="utf-8").replace("Teks biasa.", "DIUBAH"), encoding="utf-8")
    _same_as_fresh(root, out, tmp_path, records=records, extras=extras, drafts=True)
    assert "DIUBAH" not in page.read_text(encoding="utf-8")


def test_site_settings_change_renders_every_page(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    out = root / "_site"
    build_site(load(root), out)
    config = yaml.safe_load((root / "warta.yml").read_text(encoding="utf-8"))
    config["site"]["name"] = "Dinas Uji Coba"
    (root / "warta.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert _same_as_fresh(root, out, tmp_path) == 0
    assert "Dinas Uji Coba" in (out / "siaran-pers/2025/rapat-koordinasi/index.html").read_text(encoding="utf-8")


def test_deleted_cache_or_output_only_costs_time(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    out = root / "_site"
    build_site(load(root), out)
    shutil.rmtree(root / ".warta-cache/site/pages")
    assert _same_as_fresh(root, out, tmp_path) == 0
    other = build_site(load(root), tmp_path / "elsewhere")  # another folder has its own keys
    assert other.reused == 0
