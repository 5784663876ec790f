"""``warta build --no-search``: a preview without the search index, whose search page says so, with no
``pagefind/`` of an earlier build left in it and the kept bundles untouched. Real builds of the test site
(tests/test_site_build.py) in tmp_path, through the real command line in its own process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from pipeline.cachedir import CACHE_DIRNAME
from pipeline.site.search import CACHE
from tests.test_site_build import PROJECT, make_site, tree_hash

SEARCH_PAGE = "cari/index.html"
BANNER_ID = "Pratinjau ini dibuat tanpa indeks pencarian (warta build --no-search)"
BANNER_EN = "This preview was built without the search index (warta build --no-search)"


def warta(root: Path, *args: str, lang: str = "en") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(PROJECT), "WARTA_LANG": lang}
    return subprocess.run([sys.executable, "-m", "pipeline", "-C", str(root), *args], capture_output=True, text=True,
                          timeout=600, env=env, cwd=PROJECT)


def kept(root: Path) -> dict[str, tuple[int, int, str]]:
    """Every file under the kept bundles' folder: its size, modification time (ns) and sha256."""
    folder = root / CACHE_DIRNAME / CACHE
    hashes = tree_hash(folder)
    return {rel: (st.st_size, st.st_mtime_ns, hashes[rel])
            for rel in hashes for st in [(folder / rel).stat()]}


def test_no_search_leaves_no_index_of_an_earlier_build_and_keeps_the_kept_bundles(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    first = warta(root, "build")
    assert first.returncode == 0, first.stderr
    out = root / "_preview"
    assert json.loads((out / "pagefind/bundles.json").read_text(encoding="utf-8"))["bundles"]
    with_index = tree_hash(out)
    bundles = kept(root)
    assert bundles, "the build with the index keeps its bundles"

    done = warta(root, "build", "--no-search")
    assert done.returncode == 0, done.stderr
    assert not (out / "pagefind").exists()  # nothing of the first build's index points at other pages
    assert not any(p.name.startswith("pagefind") for p in out.rglob("*"))
    assert kept(root) == bundles  # the kept bundles: the same files, bytes and times
    without = tree_hash(out)
    # every other page is the one the build with the index wrote, byte for byte
    assert {k: v for k, v in without.items() if k != SEARCH_PAGE} == \
        {k: v for k, v in with_index.items() if not k.startswith("pagefind/") and k != SEARCH_PAGE}

    again = warta(root, "build")
    assert again.returncode == 0, again.stderr
    assert tree_hash(out) == with_index  # the index and the search page are back, as they were
    assert kept(root).keys() == bundles.keys()  # from the kept bundles: none made again


def test_the_search_page_of_a_preview_without_the_index_says_so_in_indonesian(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    done = warta(root, "build", "--no-search")
    assert done.returncode == 0, done.stderr
    page = (root / "_preview" / SEARCH_PAGE).read_text(encoding="utf-8")
    assert '<html lang="id"' in page
    assert BANNER_ID in page and "tetap dapat ditelusuri melalui daftar berikut" in page
    # no search box that would search nothing, no script loading an index that is not there
    assert 'id="pencarian"' not in page and 'type="search"' not in page and "cari.js" not in page
    assert "/pagefind/" not in page
    # the lists to browse are still there
    assert 'href="../siaran-pers/"' in page and 'href="../tag/"' in page

    indexed = warta(root, "build")
    assert indexed.returncode == 0, indexed.stderr
    page = (root / "_preview" / SEARCH_PAGE).read_text(encoding="utf-8")
    assert BANNER_ID not in page and 'id="pencarian"' in page and "cari.js" in page


def test_the_search_page_speaks_the_site_language_english(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    config = yaml.safe_load((root / "warta.yml").read_text(encoding="utf-8"))
    config["site"]["language"] = "en"
    (root / "warta.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    done = warta(root, "build", "--no-search")
    assert done.returncode == 0, done.stderr
    page = (root / "_preview" / SEARCH_PAGE).read_text(encoding="utf-8")
    assert BANNER_EN in page and BANNER_ID not in page


def test_the_command_says_the_index_was_not_made_in_indonesian_and_in_its_json(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    said = warta(root, "build", "--no-search", lang="id")
    assert said.returncode == 0, said.stderr
    assert "indeks pencarian: tidak dibuat (--no-search)" in said.stdout
    assert "'warta publish' selalu membuatnya" in said.stdout
    helped = warta(root, "build", "--help", lang="id")
    assert "--no-search" in helped.stdout and "tanpa indeks pencarian" in helped.stdout

    doc = warta(root, "build", "--no-search", "--json")
    assert doc.returncode == 0, doc.stderr
    assert json.loads(doc.stdout)["search_index"] is False
    doc = warta(root, "build", "--json")
    assert json.loads(doc.stdout)["search_index"] is True
    plain = warta(root, "build")
    assert "search index" not in plain.stdout  # said only when it was left out
