"""A publish run killed inside each stage, then run again (issue 4 item 10, DESIGN section 5).

``WARTA_FAULT_AT=<point>`` makes the run SIGKILL itself at that point. After the kill the live site must be
one whole version (the old one until the deploy's swap); after the next run no number is lost or given
twice, every tag matches its record, the records are complete, and no payload was written twice.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from approvals_helpers import (
    Person,
    Site,
)
from publish_helpers import (
    approved_release,
    contiguous,
    isolated_env,
    office,
    outbox,
    publish,
    records,
    tags,
)

from pipeline.publish import FAULT_POINTS

B_TITLE = "Penyaluran Bantuan Keuangan Khusus Tahap Dua"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, cast: dict[str, Person]) -> tuple[Path, str, str]:
    """A site with release A published and release B approved and merged (copied for each test)."""
    base = tmp_path_factory.mktemp("template")
    made = office(base, cast)
    a = approved_release(made, "bantuan-bibit", photo="orientation_landscape_1.jpg")
    assert publish(made).returncode == 0
    b = approved_release(made, "penyaluran-bkk", title=B_TITLE, photo="gps_DSCN0010.jpg")
    return base, a, b


@pytest.fixture
def site(template: tuple[Path, str, str], tmp_path: Path, cast: dict[str, Person],
         monkeypatch: pytest.MonkeyPatch) -> Site:
    shutil.copytree(template[0], tmp_path, symlinks=True, dirs_exist_ok=True)
    for key, value in isolated_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    return Site(tmp_path / "site", cast, tmp_path / "home")


_LINK = re.compile(r'(?:href|src)="([^"#?]+)')


def _whole(root: Path) -> str:
    """The live site's home page, after checking that every local file it links to is there."""
    live = root / "_site"
    index = live / "index.html"
    assert index.is_file(), "the live site has no index.html"
    html = index.read_text(encoding="utf-8")
    for link in _LINK.findall(html):
        if link.startswith(("http:", "https:", "mailto:", "//")):
            continue
        target = (live / link).resolve()
        if target.is_dir():
            target = target / "index.html"
        assert target.is_file(), f"the live home page links to {link}, which is missing"
    return html


def _state_after_kill(site: Site, point: str, b_title: str) -> None:
    html = _whole(site.root)
    before_swap = point in ("numbering", "numbering-commit", "numbering-tags", "build", "deploy")
    assert (b_title in html) is not before_swap
    subject = site.git("log", "-1", "--format=%s")
    dirty_arsip = site.git("status", "--porcelain", "--", "arsip")
    if point in ("numbering", "record"):
        assert dirty_arsip  # record files written, not committed
    if point == "numbering-commit":
        assert subject.startswith("Arsip: nomor") and not any(b_title in m for m in tags(site).values())
    if point == "numbering-tags":
        assert any(b_title in m for m in tags(site).values())
    if point == "deploy":
        assert list((site.root / "_site.versions").glob("*.partial"))  # killed in the middle of the copy
    if point == "announce":
        assert len([p for p in outbox(site.root) if "400.14.5.6_2_" in p]) == 1
    if point == "record-commit":
        assert subject.startswith("Arsip: terbit")


def _check_consistent(site: Site, items: set[str], b: str) -> None:
    register = records(site.root)
    assert set(register) == items
    assert contiguous([(str(r["klasifikasi"]["code"]), int(r["tahun"]), int(r["urut"]))
                       for r in register.values()])
    found = tags(site)
    assert set(found) == {f"arsip/{r['number']}" for r in register.values()}
    for path, record in register.items():
        tag = f"arsip/{record['number']}"
        assert path in found[tag]
        assert str(record["_file"]) in site.git("ls-tree", "-r", "--name-only", tag)
        assert record["published_at"] is not None
    numbering = [m for m in site.git("log", "--format=%B", "main").split("Arsip: ") if m.startswith("nomor")]
    assert sum(str(register[b]["number"]) in m.splitlines()[0] for m in numbering) == 1
    assert {c["channel"] for c in register[b]["channels"]} == {
        "website", "facebook", "instagram", "videotron"}
    assert site.git("status", "--porcelain", "--", "arsip") == ""
    payloads = outbox(site.root)
    for record in register.values():
        if record["imported"]:
            continue
        prefix = str(record["number"]).replace("/", "_") + "-"
        mine = [p for p in payloads if p.split("/", 1)[1].startswith(prefix)]
        assert sorted(p.split("/", 1)[0] for p in mine) == ["facebook", "instagram"], mine
    assert not list((site.root / "_site.versions").glob("*.partial"))


@pytest.mark.parametrize("point", FAULT_POINTS)
def test_killed_run_is_finished_by_the_next_one(site: Site, template: tuple[Path, str, str], point: str) -> None:
    _, a, b = template
    b_title = B_TITLE

    killed = publish(site, env={"WARTA_FAULT_AT": point}, process=True)
    assert killed.returncode == -9, killed.stdout + killed.stderr
    _state_after_kill(site, point, b_title)

    again = publish(site)
    assert again.returncode == 0, again.stdout + again.stderr
    assert b_title in _whole(site.root)
    items = {"content/halaman/tentang.md", a, b}
    _check_consistent(site, items, b)

    head, payloads = site.head(), outbox(site.root)
    quiet = publish(site)
    assert quiet.returncode == 0 and site.head() == head and outbox(site.root) == payloads


@pytest.mark.parametrize("point", ["numbering-tags", "record-commit"])
def test_killed_run_with_a_remote_pushes_what_it_left(site: Site, template: tuple[Path, str, str], tmp_path: Path,
                                                      point: str) -> None:
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(site.root), str(bare)], check=True, capture_output=True)
    site.git("remote", "add", "origin", str(bare))
    site.git("fetch", "-q", "origin")
    site.git("branch", "-q", "--set-upstream-to=origin/main", "main")
    b = template[2]

    killed = publish(site, env={"WARTA_FAULT_AT": point}, process=True)
    assert killed.returncode == -9
    again = publish(site)
    assert again.returncode == 0, again.stdout + again.stderr

    remote_main = subprocess.run(["git", f"--git-dir={bare}", "rev-parse", "main"], capture_output=True,
                                 text=True, check=True).stdout.strip()
    assert remote_main == site.head()
    remote_tags = subprocess.run(["git", f"--git-dir={bare}", "tag", "-l", "arsip/*"], capture_output=True,
                                 text=True, check=True).stdout.split()
    assert sorted(remote_tags) == sorted(tags(site)) and len(remote_tags) == 3
    assert records(site.root)[b]["published_at"] is not None
