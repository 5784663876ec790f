"""Target ``local``: a deploy makes its new version out of the oldest one it would prune (no new tree
of links file by file), and the result is still exactly the built site, whatever that old folder held."""

from __future__ import annotations

import os
from pathlib import Path

from test_deploy_local import build

from pipeline.deploy.local import deploy_local


def everything(folder: Path) -> tuple[dict[str, str], set[str]]:
    """Every regular file's text and every folder, links included as what they are."""
    files: dict[str, str] = {}
    folders: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        for name in [*dirnames, *filenames]:
            full = here / name
            rel = full.relative_to(folder).as_posix()
            if full.is_symlink():
                files[rel] = "LINK"
            elif full.is_dir():
                folders.add(rel)
            else:
                files[rel] = full.read_text(encoding="utf-8")
    return files, folders


def kept_versions(versions: Path) -> list[str | None]:
    return sorted(p.name for p in versions.iterdir() if not p.name.startswith("."))


def parents(files: dict[str, str]) -> set[str]:
    out: set[str] = set()
    for rel in files:
        parts = rel.split("/")[:-1]
        out.update("/".join(parts[:n]) for n in range(1, len(parts) + 1))
    return out


V1 = {"index.html": "<h1>v1</h1>", "a/index.html": "<p>A</p>", "css/site.css": "body{}",
      "lama/x/index.html": "<p>lama</p>", "b/index.html": "<p>B1</p>"}
V2 = {"index.html": "<h1>v2</h1>", "a/index.html": "<p>A</p>", "css/site.css": "body{}",
      "b/index.html": "<p>B2</p>", "c/index.html": "<p>C</p>"}
V3 = {"index.html": "<h1>v3</h1>", "a/index.html": "<p>A</p>", "css/site.css": "body{}",
      "b/index.html": "<p>B2</p>", "d/e/index.html": "<p>D</p>"}


def test_a_third_deploy_is_exactly_the_built_site_and_keeps_the_one_before(tmp_path: Path) -> None:
    live = tmp_path / "_site"
    versions = tmp_path / "_site.versions"
    first = deploy_local(build(tmp_path / "b1", V1), live)
    oldest = (versions / str(first.version)).stat().st_ino
    second = deploy_local(build(tmp_path / "b2", V2), live)
    inodes = {rel: (live / rel).stat().st_ino for rel in V2}
    third = deploy_local(build(tmp_path / "b3", V3), live)
    assert (versions / str(third.version)).stat().st_ino == oldest  # made out of the oldest version
    files, folders = everything(live.resolve())
    assert files == V3
    assert folders == parents(V3)  # nothing left of the old version's folders (lama/, c/)
    assert kept_versions(versions) == sorted([second.version, third.version])
    kept = everything(versions / str(second.version))
    assert kept[0] == V2 and kept[1] == parents(V2)  # the version before, whole, for a rollback
    for rel in ("a/index.html", "css/site.css", "b/index.html"):  # unchanged: the live file, linked
        assert (live / rel).stat().st_ino == inodes[rel]
    assert sorted(third.unchanged) == ["a/index.html", "b/index.html", "css/site.css"]
    assert sorted(third.uploaded) == ["d/e/index.html", "index.html"]


def test_whatever_the_oldest_version_holds_never_reaches_the_new_one(tmp_path: Path) -> None:
    live = tmp_path / "_site"
    versions = tmp_path / "_site.versions"
    first = deploy_local(build(tmp_path / "b1", V1), live)
    deploy_local(build(tmp_path / "b2", V2), live)
    old = versions / str(first.version)
    # someone with access to the old version: a page replaced (a new file, other bytes), a stray page,
    # a folder where a page of the next site goes, a link where a folder goes, an empty folder
    (old / "a/index.html").unlink()
    (old / "a/index.html").write_text("<p>FORGED</p>", encoding="utf-8")
    (old / "stray.html").write_text("<p>stray</p>", encoding="utf-8")
    (old / "index.html").unlink()
    (old / "index.html").mkdir()
    (old / "index.html" / "inside.html").write_text("x", encoding="utf-8")
    (old / "d").symlink_to(tmp_path)
    (old / "empty" / "deeper").mkdir(parents=True)
    site = build(tmp_path / "b3", V3)
    outside = set(os.listdir(tmp_path))
    third = deploy_local(site, live)
    files, folders = everything(live.resolve())
    assert files == V3
    assert folders == parents(V3)
    assert set(os.listdir(tmp_path)) == outside  # nothing written through the link
    assert third.version is not None


def test_a_leftover_partial_version_is_recycled_into_a_complete_one(tmp_path: Path) -> None:
    live = tmp_path / "_site"
    versions = tmp_path / "_site.versions"
    deploy_local(build(tmp_path / "b1", V1), live)
    second = deploy_local(build(tmp_path / "b2", V2), live)
    dead = versions / "20000101T000000000000Z.partial"  # a run died while writing it
    build(dead, {"index.html": "<h1>half</h1>", "zz/index.html": "half"})
    third = deploy_local(build(tmp_path / "b3", V3), live)
    files, folders = everything(live.resolve())
    assert files == V3 and folders == parents(V3)
    assert kept_versions(versions) == sorted([second.version, third.version])
