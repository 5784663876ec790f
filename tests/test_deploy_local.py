"""Target ``local``: versioned folders and one symlink rename; the old site stays live until the new
one is complete, only changed files are copied, and ``warta serve`` keeps serving across swaps."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.commands.serve import make_server
from pipeline.config import DeploySection
from pipeline.deploy import deploy
from pipeline.deploy.local import deploy_local
from pipeline.errors import ChannelError

PROJECT = Path(__file__).resolve().parents[1]


def build(folder: Path, files: dict[str, str]) -> Path:
    """A stand-in for a built site: plain files (the deploy treats every file alike)."""
    for rel, text in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(folder.rglob("*")) if p.is_file()}


V1 = {"index.html": "<h1>Beranda v1</h1>", "siaran-pers/2025/a/index.html": "<p>A</p>",
      "theme/css/warta.css": "body{}", "lama/index.html": "<p>lama</p>"}
V2 = {"index.html": "<h1>Beranda v2</h1>", "siaran-pers/2025/a/index.html": "<p>A</p>",
      "theme/css/warta.css": "body{}", "siaran-pers/2025/b/index.html": "<p>B</p>"}


def test_first_deploy_makes_the_folder_a_link_to_a_complete_version(tmp_path: Path) -> None:
    live = tmp_path / "site" / "_site"
    result = deploy(build(tmp_path / "b1", V1), DeploySection(), tmp_path / "state", root=tmp_path / "site")
    assert live.is_symlink() and not Path(os.readlink(live)).is_absolute()
    assert os.readlink(live).startswith("_site.versions/")
    assert tree(live) == V1
    assert sorted(result.uploaded) == sorted(V1) and result.deleted == () and result.unchanged == ()
    assert result.version == live.resolve().name


def test_second_deploy_copies_changes_links_the_rest_and_keeps_the_previous_version(tmp_path: Path) -> None:
    live = tmp_path / "_site"
    first = deploy_local(build(tmp_path / "b1", V1), live)
    before = {rel: (live / rel).stat().st_ino for rel in V1}
    second = deploy_local(build(tmp_path / "b2", V2), live)
    assert tree(live) == V2
    assert second.uploaded == ("index.html", "siaran-pers/2025/b/index.html")
    assert second.deleted == ("lama/index.html",)
    assert second.unchanged == ("siaran-pers/2025/a/index.html", "theme/css/warta.css")
    # unchanged files are the very same files (hard links), changed ones are new
    assert (live / "theme/css/warta.css").stat().st_ino == before["theme/css/warta.css"]
    assert (live / "index.html").stat().st_ino != before["index.html"]
    versions = sorted(p.name for p in (tmp_path / "_site.versions").iterdir() if p.is_dir())
    assert versions == sorted([str(first.version), str(second.version)])
    assert tree(tmp_path / "_site.versions" / str(first.version)) == V1  # the rollback copy is intact
    third = deploy_local(build(tmp_path / "b3", {**V2, "index.html": "<h1>v3</h1>"}), live)
    versions = sorted(p.name for p in (tmp_path / "_site.versions").iterdir() if p.is_dir())
    assert versions == sorted([str(second.version), str(third.version)])


def test_nothing_changed_means_no_new_version(tmp_path: Path) -> None:
    live = tmp_path / "_site"
    first = deploy_local(build(tmp_path / "b1", V1), live)
    again = deploy_local(build(tmp_path / "b1again", V1), live)
    assert again.uploaded == () and again.deleted == () and sorted(again.unchanged) == sorted(V1)
    assert live.resolve().name == first.version == again.version


def test_dry_run_changes_nothing(tmp_path: Path) -> None:
    live = tmp_path / "_site"
    deploy_local(build(tmp_path / "b1", V1), live)
    snapshot = sorted(str(p) for p in tmp_path.rglob("*"))
    plan = deploy_local(build(tmp_path / "b2", V2), live, dry_run=True)
    assert plan.dry_run and plan.uploaded == ("index.html", "siaran-pers/2025/b/index.html")
    assert plan.deleted == ("lama/index.html",)
    assert sorted(str(p) for p in tmp_path.rglob("*") if "b2" not in p.parts) == \
        sorted(s for s in snapshot if "/b2" not in s)
    assert tree(live) == V1


def test_a_folder_written_by_warta_build_is_taken_over(tmp_path: Path) -> None:
    live = build(tmp_path / "_site", V1)  # a plain folder, as `warta build` leaves it
    result = deploy_local(build(tmp_path / "b2", V2), live)
    assert live.is_symlink() and tree(live) == V2
    assert result.deleted == ("lama/index.html",)
    kept = [p for p in (tmp_path / "_site.versions").iterdir() if p.name.endswith("-before")]
    assert len(kept) == 1 and tree(kept[0]) == V1


def test_refuses_a_folder_that_is_not_a_built_site(tmp_path: Path) -> None:
    live = tmp_path / "_site"
    deploy_local(build(tmp_path / "b1", V1), live)
    with pytest.raises(ChannelError, match="has no index.html"):
        deploy_local(build(tmp_path / "notes", {"catatan.txt": "x"}), live)
    with pytest.raises(ChannelError, match="is not a folder"):
        deploy_local(tmp_path / "missing", live)
    with pytest.raises(ChannelError, match="inside the live folder"):
        deploy_local(live.resolve(), live)
    assert tree(live) == V1


def test_a_link_out_of_the_site_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("kunci", encoding="utf-8")
    site = build(tmp_path / "b1", V1)
    (site / "bocor.txt").symlink_to(secret)
    with pytest.raises(ChannelError, match="outside the site"):
        deploy_local(site, tmp_path / "_site")
    assert not (tmp_path / "_site").exists()


def test_a_second_deploy_at_the_same_time_is_refused(tmp_path: Path) -> None:
    live = tmp_path / "_site"
    deploy_local(build(tmp_path / "b1", V1), live)
    with (tmp_path / "_site.versions" / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        with pytest.raises(ChannelError, match="another deploy"):
            deploy_local(build(tmp_path / "b2", V2), live)
    assert tree(live) == V1


KILLER = """
import os, sys
from pathlib import Path
sys.path.insert(0, {project!r})
from pipeline.deploy.local import deploy_local
done = []
def progress(action, path):
    done.append(path)
    if len(done) == 2:
        os._exit(9)  # the process dies in the middle of copying the new version
deploy_local(Path({site!r}), Path({live!r}), progress=progress)
"""


def test_a_deploy_killed_midway_leaves_the_old_site_live_and_the_next_run_finishes(tmp_path: Path) -> None:
    live = tmp_path / "_site"
    deploy_local(build(tmp_path / "b1", V1), live)
    many = {**V2, **{f"berita/{i}/index.html": f"<p>{i}</p>" for i in range(20)}}
    site = build(tmp_path / "b2", many)
    script = KILLER.format(project=str(PROJECT), site=str(site), live=str(live))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 9, proc.stderr
    assert tree(live) == V1
    assert list((tmp_path / "_site.versions").glob("*.partial"))
    result = deploy_local(site, live)
    assert tree(live) == many
    assert not list((tmp_path / "_site.versions").glob("*.partial"))
    assert result.unchanged == ("siaran-pers/2025/a/index.html", "theme/css/warta.css")  # compared with the live site


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    live = tmp_path / "_site"
    deploy_local(build(tmp_path / "b1", V1), live)
    server = make_server(live, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield live, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_warta_serve_keeps_serving_the_live_site_across_swaps(served: tuple[Path, str], tmp_path: Path) -> None:
    live, url = served

    def get(path: str) -> str:
        with urllib.request.urlopen(f"{url}/{path}") as response:  # noqa: S310 - local test server
            return str(response.read().decode("utf-8"))

    assert get("index.html") == V1["index.html"]
    deploy_local(build(tmp_path / "b2", V2), live)
    assert get("index.html") == V2["index.html"]
    assert get("siaran-pers/2025/b/index.html") == "<p>B</p>"
    with pytest.raises(urllib.error.HTTPError):
        get("lama/index.html")
