"""A ``warta publish`` with nothing new does not build or deploy again (pipeline/publish/lastbuild.py),
and anything the build reads, a changed staged or live file, or a damaged record makes it build (and
deploy) again, with the same site as a build from nothing.

"The build ran" is seen from outside: every build writes a new folder and swaps it in for
``_site.staging/site``, so its inode changes; a kept build leaves the folder as it was. The folder seen
before is held open while compared, so that the file system cannot hand its inode to the new one."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from approvals_helpers import Site
from publish_helpers import approved_release, page, publish_json

from pipeline.cachedir import CACHE_DIRNAME, LAST_BUILD_CACHE, LAST_DEPLOY_CACHE
from pipeline.publication import head_register
from pipeline.publish import lastbuild

STAGED = "_site.staging/site"


class Folder:
    """The staged folder as it is now, held open: while a test holds it, its inode cannot be given to the
    folder a later build makes (a deleted folder's inode is free for reuse once nothing holds it)."""

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_RDONLY)
        st = os.fstat(self.fd)
        self.key = (st.st_dev, st.st_ino)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Folder) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __del__(self) -> None:
        os.close(self.fd)


def staged(site: Site) -> Folder:
    return Folder(site.root / STAGED)


def first_run(site: Site) -> tuple[str, dict[str, object]]:
    path = approved_release(site, "bantuan-bibit", title="Bantuan Bibit Cabai")
    code, doc = publish_json(site)
    assert code == 0, doc
    return path, doc


def live_bytes(site: Site) -> dict[str, bytes]:
    live = (site.root / "_site").resolve()
    return {p.relative_to(live).as_posix(): p.read_bytes() for p in live.rglob("*") if p.is_file()}


def test_nothing_new_keeps_the_last_build_and_deploy(site: Site) -> None:
    _, first = first_run(site)
    folder, live, before = staged(site), (site.root / "_site").resolve(), live_bytes(site)
    code, again = publish_json(site)
    assert code == 0, again
    assert staged(site) == folder  # not built again
    assert (site.root / "_site").resolve() == live  # not deployed again: the same live version
    assert live_bytes(site) == before
    assert again["pages"] == first["pages"]
    assert [(p["path"], p["number"], p["change"]) for p in again["publish"]] == [  # type: ignore[union-attr,index]
        (p["path"], p["number"], "unchanged") for p in first["publish"]]  # type: ignore[union-attr,index]
    assert "uploaded 0, deleted 0" in str(again["deploy"])
    # the kept site is the site a build from nothing makes (the register's posting channels, recorded
    # after the first build, show on no page)
    (site.root / CACHE_DIRNAME / LAST_BUILD_CACHE).unlink()
    shutil.rmtree(site.root / STAGED)
    code, fresh = publish_json(site)
    assert code == 0, fresh
    assert staged(site) != folder
    assert live_bytes(site) == before


def test_a_new_release_builds_and_deploys_again(site: Site) -> None:
    first_run(site)
    folder = staged(site)
    path = approved_release(site, "pupuk-organik", title="Pupuk Organik Untuk Petani")
    code, doc = publish_json(site)
    assert code == 0, doc
    assert staged(site) != folder
    assert "Pupuk Organik Untuk Petani" in page(site.root, "siaran-pers/2025/pupuk-organik")
    assert any(p["path"] == path and p["change"] == "new" for p in doc["publish"])  # type: ignore[union-attr]


def test_another_day_builds_again(site: Site) -> None:
    first_run(site)
    publish_json(site, env={"WARTA_NOW": "2099-01-01T08:00:00+07:00"})
    folder = staged(site)
    publish_json(site, env={"WARTA_NOW": "2099-01-01T20:00:00+07:00"})
    assert staged(site) == folder  # the same day in the site's time zone
    publish_json(site, env={"WARTA_NOW": "2099-01-02T08:00:00+07:00"})
    assert staged(site) != folder


def edit_body(file: Path, change: object) -> None:
    document = json.loads(file.read_text(encoding="utf-8"))
    body = json.loads(document["body"])
    assert callable(change)
    change(body)
    document["body"] = json.dumps(body)
    file.write_text(json.dumps(document), encoding="utf-8")


@pytest.mark.parametrize("damage", ["edited", "truncated", "foreign"])
def test_a_damaged_record_is_not_believed(site: Site, damage: str) -> None:
    first_run(site)
    record = site.root / CACHE_DIRNAME / LAST_BUILD_CACHE
    pages = (site.root / STAGED / "index.html").read_bytes()
    if damage == "edited":  # a record claiming fewer pages, its check left as it was
        edit_body(record, lambda body: body["result"].update(pages=["index.html"]))
    elif damage == "truncated":
        record.write_bytes(record.read_bytes()[:100])
    else:
        record.write_text('{"body": "{}", "check": "0"}', encoding="utf-8")
    folder = staged(site)
    code, doc = publish_json(site)
    assert code == 0, doc
    assert staged(site) != folder  # built again
    assert isinstance(doc["pages"], list) and len(doc["pages"]) > 1
    assert (site.root / STAGED / "index.html").read_bytes() == pages


def test_a_changed_staged_page_is_built_again_and_never_deployed(site: Site) -> None:
    first_run(site)
    target = site.root / STAGED / "index.html"
    honest = target.read_bytes()
    target.write_bytes(honest.replace(b"Bantuan Bibit Cabai", b"Situs Palsu"))
    code, doc = publish_json(site)
    assert code == 0, doc
    assert b"Situs Palsu" not in (site.root / "_site" / "index.html").read_bytes()
    assert (site.root / STAGED / "index.html").read_bytes() == honest


def test_a_changed_live_page_is_deployed_again(site: Site) -> None:
    first_run(site)
    live = (site.root / "_site").resolve() / "index.html"
    honest = live.read_bytes()
    live.unlink()  # the deploy hard-links pages: replace the file instead of writing through the link
    live.write_bytes(honest.replace(b"Bantuan Bibit Cabai", b"Situs Palsu"))
    code, doc = publish_json(site)
    assert code == 0, doc
    assert (site.root / "_site" / "index.html").read_bytes() == honest


def test_a_damaged_deploy_record_deploys_again(site: Site) -> None:
    first_run(site)
    live = (site.root / "_site").resolve()
    edit_body(site.root / CACHE_DIRNAME / LAST_DEPLOY_CACHE, lambda body: body.update(version="elsewhere"))
    publish_json(site)
    assert (site.root / "_site").resolve() == live  # deploy ran, found nothing to change, left it live
    assert (site.root / CACHE_DIRNAME / LAST_DEPLOY_CACHE).is_file()
    (site.root / CACHE_DIRNAME / LAST_DEPLOY_CACHE).write_text("{", encoding="utf-8")
    code, doc = publish_json(site)
    assert code == 0 and "uploaded 0, deleted 0" in str(doc["deploy"])


def test_the_key_covers_every_input(site: Site, tmp_path: Path) -> None:
    first_run(site)
    records = head_register(site.root)  # the register a publish left: two records
    assert len(records) == 2
    other = [records[0].model_copy(update={"title": "Judul Lain"}), records[1]]
    files = {"content/siaran-pers/2025/a.md": "1" * 40, "warta.yml": "2" * 40}
    items = [("content/siaran-pers/2025/a.md", False, False, False)]
    base = lastbuild.build_key(files, items, records, "2025-03-04", tmp_path / "out")
    assert base == lastbuild.build_key(dict(files), list(items), records, "2025-03-04", tmp_path / "out")
    changed = [
        lastbuild.build_key({**files, "warta.yml": "3" * 40}, items, records, "2025-03-04", tmp_path / "out"),
        lastbuild.build_key({**files, "content/media/b.jpg": "4" * 40}, items, records, "2025-03-04", tmp_path / "out"),
        lastbuild.build_key(files, [("content/siaran-pers/2025/a.md", True, False, False)], records, "2025-03-04",
                            tmp_path / "out"),
        lastbuild.build_key(files, [("content/siaran-pers/2025/a.md", False, True, False)], records, "2025-03-04",
                            tmp_path / "out"),
        lastbuild.build_key(files, [("content/siaran-pers/2025/a.md", False, False, True)], records, "2025-03-04",
                            tmp_path / "out"),
        lastbuild.build_key(files, [], records, "2025-03-04", tmp_path / "out"),
        lastbuild.build_key(files, items, records, "2025-03-05", tmp_path / "out"),
        lastbuild.build_key(files, items, records, "2025-03-04", tmp_path / "elsewhere"),
        lastbuild.build_key(files, items, other, "2025-03-04", tmp_path / "out"),
        lastbuild.build_key(files, items, records[:1], "2025-03-04", tmp_path / "out"),
    ]
    assert base not in changed and len(set(changed)) == len(changed)
