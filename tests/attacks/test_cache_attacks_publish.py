"""Attacks on what ``warta publish`` keeps between runs (pipeline/publish/lastbuild.py): the last build
and the last local deploy are believed only while the staged and the live site are untouched since.

A page of the staged or the live site edited by hand, with its size and modification time put back,
must not survive the next publish: what is live is, byte for byte, what the officials approved.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from approvals_helpers import Site
from publish_helpers import approved_release, publish_json

from pipeline.cachedir import CACHE_DIRNAME, LAST_BUILD_CACHE, LAST_DEPLOY_CACHE
from pipeline.publish.lastbuild import DEPLOY_FILES

STAGED = "_site.staging/site"
HONEST, FORGED = b"Bantuan Bibit Cabai", b"Bantuan Bibit Palsu"


def _first_run(site: Site) -> None:
    approved_release(site, "bantuan-bibit", title="Bantuan Bibit Cabai")
    code, doc = publish_json(site)
    assert code == 0, doc
    assert HONEST in (site.root / "_site" / "index.html").read_bytes()


def _edit_keeping_status(path: Path, *, in_place: bool) -> None:
    """``HONEST`` -> ``FORGED`` (same length) in ``path``, its size and modification time put back;
    ``in_place``: through the same inode, else a new file renamed over it."""
    assert len(HONEST) == len(FORGED)
    before = os.stat(path)
    data = path.read_bytes()
    assert HONEST in data
    if in_place:
        with path.open("r+b") as handle:
            handle.write(data.replace(HONEST, FORGED))
    else:
        other = path.with_name(path.name + ".new")
        other.write_bytes(data.replace(HONEST, FORGED))
        os.replace(other, path)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (os.stat(path).st_size, os.stat(path).st_mtime_ns) == (before.st_size, before.st_mtime_ns)


def _live_page(site: Site) -> Path:
    return (site.root / "_site").resolve() / "index.html"


def test_a_live_page_replaced_keeping_size_and_time_is_deployed_again(site: Site) -> None:
    _first_run(site)
    _edit_keeping_status(_live_page(site), in_place=False)
    code, doc = publish_json(site)
    assert code == 0, doc
    assert FORGED not in (site.root / "_site" / "index.html").read_bytes()


def test_a_staged_page_replaced_keeping_size_and_time_is_built_again(site: Site) -> None:
    _first_run(site)
    _edit_keeping_status(site.root / STAGED / "index.html", in_place=False)
    code, doc = publish_json(site)
    assert code == 0, doc
    assert FORGED not in (site.root / STAGED / "index.html").read_bytes()
    assert FORGED not in (site.root / "_site" / "index.html").read_bytes()


def test_a_live_page_edited_in_place_keeping_size_and_time_is_deployed_again(site: Site) -> None:
    """Was broken: the last deploy knew a live file by size, mtime and inode; its change time, which no
    program can set back, now counts too (pipeline/publish/lastbuild.py)."""
    _first_run(site)
    _edit_keeping_status(_live_page(site), in_place=True)
    code, doc = publish_json(site)
    assert code == 0, doc
    assert FORGED not in (site.root / "_site" / "index.html").read_bytes()


def test_forgetting_every_cache_of_publish_deploys_the_approved_page_again(site: Site) -> None:
    """The remedy an operator has today against an in-place edit: the caches may be deleted at any time,
    and the next run puts the approved bytes back live."""
    _first_run(site)
    _edit_keeping_status(_live_page(site), in_place=True)
    (site.root / CACHE_DIRNAME / LAST_BUILD_CACHE).unlink()
    (site.root / CACHE_DIRNAME / LAST_DEPLOY_CACHE).unlink()
    shutil.rmtree(site.root / STAGED)
    code, doc = publish_json(site)
    assert code == 0, doc
    live = (site.root / "_site" / "index.html").read_bytes()
    assert FORGED not in live and HONEST in live


def test_a_staged_page_edited_in_place_keeping_size_and_time_never_goes_live(site: Site) -> None:
    _first_run(site)
    staged = site.root / STAGED / "siaran-pers/2025/bantuan-bibit/index.html"
    _edit_keeping_status(staged, in_place=True)
    approved_release(site, "pupuk-organik", title="Pupuk Organik Untuk Petani")
    code, doc = publish_json(site)
    assert code == 0, doc
    assert b"Pupuk Organik Untuk Petani" in (site.root / "_site" / "index.html").read_bytes()  # a new build went live
    live = (site.root / "_site" / "siaran-pers/2025/bantuan-bibit/index.html").read_bytes()
    assert FORGED not in live and HONEST in live



def test_a_staged_page_edited_in_place_never_goes_live_when_a_changed_live_version_is_deployed_again(
        site: Site) -> None:
    """The build is kept (nothing new: its staged folder lists as it did) but the live version changed, so
    the deploy runs: the staged bytes it copies must be the approved ones, not a staged page edited in
    place with its size and time put back."""
    _first_run(site)
    staged = site.root / STAGED / ITEM
    _edit_keeping_status(staged, in_place=True)
    (site.root / "_site").resolve().joinpath(ITEM).unlink()  # the live copy is gone: the deploy copies it
    code, doc = publish_json(site)
    assert code == 0, doc
    page = (site.root / "_site" / ITEM).read_bytes()
    assert FORGED not in page and HONEST in page

# the per-file record of the last deploy (pipeline/deploy/local.py Deployed, lastbuild.DEPLOY_FILES): a
# deploy that runs (here: after a new release) compares only the pairs it does not know unchanged

ITEM = "siaran-pers/2025/bantuan-bibit/index.html"


def _new_release(site: Site) -> None:
    approved_release(site, "pupuk-organik", title="Pupuk Organik Untuk Petani")
    code, doc = publish_json(site)
    assert code == 0, doc
    assert b"Pupuk Organik Untuk Petani" in (site.root / "_site" / "index.html").read_bytes()


def _live_item(site: Site) -> bytes:
    return (site.root / "_site" / ITEM).read_bytes()


def test_the_deploy_record_lists_the_pairs_it_left_with_their_live_change_times(site: Site) -> None:
    _first_run(site)
    check, _sep, body = (site.root / CACHE_DIRNAME / DEPLOY_FILES).read_text(encoding="ascii").partition("\n")
    rows = json.loads(body)["rows"]
    live = os.stat((site.root / "_site").resolve() / ITEM)
    staged = os.stat(site.root / STAGED / ITEM)
    assert rows[ITEM] == [staged.st_ino, staged.st_size, staged.st_mtime_ns,
                          live.st_ino, live.st_size, live.st_mtime_ns, live.st_ctime_ns]
    assert staged.st_ino != live.st_ino  # the live page is its own file: a staged edit never reaches it


def test_a_live_page_edited_in_place_is_deployed_again_when_a_new_release_deploys(site: Site) -> None:
    _first_run(site)
    _edit_keeping_status((site.root / "_site").resolve() / ITEM, in_place=True)
    _new_release(site)
    assert FORGED not in _live_item(site) and HONEST in _live_item(site)


def test_a_live_page_replaced_keeping_size_and_time_is_deployed_again_when_a_new_release_deploys(site: Site) -> None:
    _first_run(site)
    _edit_keeping_status((site.root / "_site").resolve() / ITEM, in_place=False)
    _new_release(site)
    assert FORGED not in _live_item(site) and HONEST in _live_item(site)


def test_a_live_page_deleted_and_written_again_is_deployed_again_whatever_inode_it_gets(site: Site) -> None:
    """Inode reuse: a file made after a deletion may get the deleted file's number; its change time is the
    clock's at its making, never the one recorded (an edit through the same inode is the test above)."""
    _first_run(site)
    page = (site.root / "_site").resolve() / ITEM
    before = os.stat(page)
    data = page.read_bytes()
    page.unlink()
    page.write_bytes(data.replace(HONEST, FORGED))
    os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))
    _new_release(site)
    assert FORGED not in _live_item(site) and HONEST in _live_item(site)


def test_a_staged_page_replaced_keeping_size_and_time_never_goes_live_with_a_new_release(site: Site) -> None:
    _first_run(site)
    _edit_keeping_status(site.root / STAGED / ITEM, in_place=False)
    _new_release(site)
    assert FORGED not in (site.root / STAGED / ITEM).read_bytes()
    assert FORGED not in _live_item(site) and HONEST in _live_item(site)


def test_a_deploy_record_edited_by_hand_is_not_believed(site: Site) -> None:
    """An operator who forges a live page and writes its new stats into the record, without the record's
    check digest, gets the approved page back live."""
    _first_run(site)
    page = (site.root / "_site").resolve() / ITEM
    _edit_keeping_status(page, in_place=True)
    record = site.root / CACHE_DIRNAME / DEPLOY_FILES
    check, _sep, body = record.read_text(encoding="ascii").partition("\n")
    data = json.loads(body)
    now = os.stat(page)
    data["rows"][ITEM][3:] = [now.st_ino, now.st_size, now.st_mtime_ns, now.st_ctime_ns]
    record.write_text(f"{check}\n{json.dumps(data, separators=(',', ':'))}", encoding="ascii")
    _new_release(site)
    assert FORGED not in _live_item(site) and HONEST in _live_item(site)


def test_a_deploy_record_of_another_live_version_is_not_believed(site: Site) -> None:
    """The record names the version it left live; after another deploy (a rollback, a deploy by hand) its
    rows are not read."""
    _first_run(site)
    record = site.root / CACHE_DIRNAME / DEPLOY_FILES
    kept = record.read_bytes()
    _new_release(site)
    page = (site.root / "_site").resolve() / ITEM
    _edit_keeping_status(page, in_place=True)
    record.write_bytes(kept)  # the first deploy's record, valid in itself
    approved_release(site, "irigasi-desa", title="Irigasi Desa Baru")
    code, doc = publish_json(site)
    assert code == 0, doc
    assert FORGED not in _live_item(site) and HONEST in _live_item(site)
