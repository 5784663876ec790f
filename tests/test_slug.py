"""One slug function: `warta new`'s file names, the site's tag addresses and Pelican's own slugs agree."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from cli_helpers import PROJECT, run_warta
from pelican.utils import slugify as pelican_slugify

from pipeline.site.generators import tag_slug
from pipeline.slug import SUBSTITUTIONS, slugify

TITLES = {
    "Jum'at Bersih & Sehat di Kapanéwon Sedayu": "jumat-bersih-dan-sehat-di-kapanewon-sedayu",
    "  Bantuan Bibit: 6.000 Polybag (Tahap II)  ": "bantuan-bibit-6-000-polybag-tahap-ii",
    "Ma’ruf Amin": "maruf-amin",
    "Musyawarah_Kalurahan  --  Bunder": "musyawarah-kalurahan-bunder",
}


@pytest.mark.parametrize(("title", "expected"), sorted(TITLES.items()))
def test_the_site_pelican_and_warta_new_make_the_same_slug(title: str, expected: str, tmp_path: Path) -> None:
    assert slugify(title) == expected
    assert tag_slug(title) == expected
    assert pelican_slugify(title, regex_subs=SUBSTITUTIONS) == expected


def test_the_site_settings_give_pelican_the_same_rules(tmp_path: Path) -> None:
    from pipeline.site.settings import base_settings

    made = base_settings(tmp_path, tmp_path / "out", tmp_path / "theme", caches=tmp_path / "cache",
                         site_url="https://x.example.go.id",
                         site_name="Dinas", language="id", timezone="Asia/Jakarta", feed_items=10, with_feed=True)
    for what in ("SLUG", "CATEGORY", "TAG", "AUTHOR"):
        assert made[f"{what}_REGEX_SUBSTITUTIONS"] == list(SUBSTITUTIONS)


def test_warta_new_names_the_file_with_the_one_slug(tmp_path: Path) -> None:
    root = tmp_path / "situs"
    root.mkdir()
    shutil.copy(PROJECT / "warta.yml", root)
    shutil.copytree(PROJECT / "sop", root / "sop")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    title = "Jum'at Bersih & Sehat di Kapanéwon Sedayu"
    result = run_warta("-C", str(root), "new", "berita", title, "--no-branch")
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()).stem == TITLES[title] == tag_slug(title)


def test_a_title_without_latin_letters_needs_a_slug(tmp_path: Path) -> None:
    root = tmp_path / "situs"
    root.mkdir()
    shutil.copy(PROJECT / "warta.yml", root)
    shutil.copytree(PROJECT / "sop", root / "sop")
    result = run_warta("-C", str(root), "new", "berita", "ꦧꦤ꧀ꦠꦸꦭ꧀", "--no-branch")
    assert result.returncode == 2 and "--slug" in result.stderr
