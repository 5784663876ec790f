"""Attacks on what ``warta publish`` keeps between runs (pipeline/publish/lastbuild.py): the last build
and the last local deploy are believed only while the staged and the live site are untouched since.

A page of the staged or the live site edited by hand, with its size and modification time put back,
must not survive the next publish: what is live is, byte for byte, what the officials approved.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from approvals_helpers import Site
from publish_helpers import approved_release, publish_json

from pipeline.cachedir import CACHE_DIRNAME, LAST_BUILD_CACHE, LAST_DEPLOY_CACHE

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
