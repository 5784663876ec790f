"""Target ``pages``: the built site left as plain files (with .nojekyll) for upload-pages-artifact."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import DeploySection, parse_config
from pipeline.deploy import deploy
from pipeline.errors import ChannelError, ConfigError

PROJECT = Path(__file__).resolve().parents[1]


def built(folder: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(folder.rglob("*")) if p.is_file()}


PAGES = DeploySection(target="pages", path="_site")


def test_pages_leaves_a_plain_copy_with_nojekyll_where_the_artifact_step_reads(tmp_path: Path) -> None:
    site = built(tmp_path / "staging", {"index.html": "<h1>Beranda</h1>", "_static/gaya.css": "body{}",
                                        "siaran-pers/2025/a/index.html": "rilis"})
    result = deploy(site, PAGES, tmp_path / "state", root=tmp_path / "repo")
    out = tmp_path / "repo" / "_site"
    assert not out.is_symlink()
    assert tree(out) == {".nojekyll": "", "index.html": "<h1>Beranda</h1>", "_static/gaya.css": "body{}",
                         "siaran-pers/2025/a/index.html": "rilis"}
    assert sorted(result.uploaded) == ["_static/gaya.css", "index.html", "siaran-pers/2025/a/index.html"]
    assert result.target == "pages"


def test_a_second_run_replaces_the_folder_whole_and_says_what_changed(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    deploy(built(tmp_path / "v1", {"index.html": "lama", "hapus.html": "x", "tetap.css": "c"}), PAGES,
           tmp_path / "state", root=repo)
    result = deploy(built(tmp_path / "v2", {"index.html": "baru", "tetap.css": "c"}), PAGES, tmp_path / "state",
                    root=repo)
    assert tree(repo / "_site") == {".nojekyll": "", "index.html": "baru", "tetap.css": "c"}
    assert (result.uploaded, result.deleted, result.unchanged) == (("index.html",), ("hapus.html",), ("tetap.css",))
    assert sorted(p.name for p in repo.iterdir()) == ["_site"]  # no partial or old folder left behind


def test_a_dry_run_writes_nothing(tmp_path: Path) -> None:
    result = deploy(built(tmp_path / "s", {"index.html": "x"}), PAGES, tmp_path / "state", root=tmp_path / "repo",
                    dry_run=True)
    assert result.dry_run and result.uploaded == ("index.html",)
    assert not (tmp_path / "repo").exists()


def test_a_folder_that_is_not_the_built_site_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ChannelError, match="no index.html"):
        deploy(built(tmp_path / "s", {"lain.txt": "x"}), PAGES, tmp_path / "state", root=tmp_path / "repo")
    link = tmp_path / "repo2" / "_site"
    link.parent.mkdir()
    (tmp_path / "elsewhere").mkdir()
    link.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(ChannelError, match="not a plain folder"):
        deploy(built(tmp_path / "s2", {"index.html": "x"}), PAGES, tmp_path / "state", root=tmp_path / "repo2")
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_pages_is_a_target_of_warta_yml_and_an_unknown_one_is_not() -> None:
    text = (PROJECT / "warta.yml").read_text(encoding="utf-8")
    assert parse_config(text.replace("target: local", "target: pages")).deploy.target == "pages"
    with pytest.raises(ConfigError, match="deploy.target"):
        parse_config(text.replace("target: local", "target: netlify"))
