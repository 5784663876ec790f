"""Attacks on the caches that say what was approved: git's signature verdicts and the other caches of
``warta publish`` supplied by the repository (committed, or a committed symbolic link: ignored, and the
approved releases still go out), and the preview's
kept working-tree digests fooled by an edit after approval that keeps size and modification time.
"""

from __future__ import annotations

import json
import marshal
import os
import pickle
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from approvals_helpers import Site
from jinja2 import Environment
from jinja2.bccache import bc_magic
from publish_helpers import approved_release, publish_json

from pipeline.cachedir import CACHE_DIRNAME, JINJA_CACHE, PREVIEW_DIGESTS, RENDER_CACHE, SCRATCH_DIRNAME, SIGNATURES_CACHE
from pipeline.content import item_digest
from pipeline.site import preview_digests
from pipeline.site.preview_digests import WorkingDigests
from tests.test_site_build import load, make_site

PHOTO_ITEM = "content/siaran-pers/2025/bantuan-bibit.md"  # references content/media/bibit.jpg


def _forged_verdicts(site: Site) -> str:
    """A release committed to main with no approval at all, and verdicts saying every commit of main is
    well signed by Hendro's key."""
    path = "content/siaran-pers/2025/tanpa-persetujuan.md"
    site.write(path, "---\ntitle: Rilis Tanpa Persetujuan\ndate: 2025-03-04\n---\nIsi.\n")
    site.commit("Rilis tanpa persetujuan", site.cast["wahyu"])
    shas = site.git("rev-list", "HEAD").split()
    hendro = site.cast["hendro"]
    verdicts = {"version": 2, "table": [["G", hendro.fingerprint, hendro.email, "x"]],
                "verdicts": {sha: 0 for sha in shas}}
    site.write(".warta-cache/signatures/verdicts.json", json.dumps(verdicts))
    return path


def _forge_render_and_templates(cache: Path) -> None:
    """Every rendered body in ``cache`` (filled by an honest publish) now says PALSU, and every compiled
    template (which Jinja unpickles and runs) prints PALSU: each entry keeps its key and checksum."""
    db = sqlite3.connect(cache / RENDER_CACHE)
    with db:
        assert db.execute("UPDATE render SET value = replace(value, 'Isi rilis', 'PALSU rilis')").rowcount > 0
    db.close()
    buckets = sorted((cache / JINJA_CACHE).glob("*.cache"))
    assert buckets
    for file in buckets:
        with file.open("rb") as handle:
            handle.read(len(bc_magic))
            checksum = pickle.load(handle)
        code = Environment().compile("PALSU", file.name, file.name)
        file.write_bytes(bc_magic + pickle.dumps(checksum, 2) + marshal.dumps(code))


def _an_honest_run_then_every_cache_forged(site: Site) -> None:
    approved_release(site, "bantuan-bibit", title="Bantuan Bibit Cabai")
    code, first = publish_json(site)
    assert code == 0, first
    _forged_verdicts(site)
    _forge_render_and_templates(site.root / CACHE_DIRNAME)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _published_despite_the_cache(site: Site, supplied: Path) -> dict[str, Any]:
    """After the forged cache is committed: a release approved afterwards is published, from its own text,
    the unapproved release stays out, and the cache the repository supplies is neither read nor written."""
    before = _files(supplied)
    approved_release(site, "panen-raya", title="Panen Raya Bawang Merah")
    code, doc = publish_json(site)
    assert "content/siaran-pers/2025/panen-raya.md" in [p["path"] for p in doc["publish"]], doc
    live = site.root / "_site/siaran-pers/2025/panen-raya/index.html"
    assert "Isi rilis panen-raya." in live.read_text(encoding="utf-8")
    every_page = "".join(p.read_text(encoding="utf-8") for p in (site.root / "_site").rglob("*.html"))
    assert "PALSU" not in every_page
    assert not (site.root / "_site/siaran-pers/2025/tanpa-persetujuan").exists()
    assert _files(supplied) == before  # never written through, and nothing of it believed
    assert (site.root / ".git" / SCRATCH_DIRNAME / RENDER_CACHE).is_file()  # the caches went there instead
    return doc


def test_a_committed_cache_of_forged_verdicts_bodies_and_templates_is_ignored_and_approved_releases_go_out(
        site: Site) -> None:
    _an_honest_run_then_every_cache_forged(site)
    site.git("add", "-f", CACHE_DIRNAME)
    site.commit("cache", site.cast["wahyu"])
    assert site.git("ls-files", f"{CACHE_DIRNAME}/{SIGNATURES_CACHE}/verdicts.json")
    doc = _published_despite_the_cache(site, site.root / CACHE_DIRNAME)
    assert any(".warta-cache is committed to the repository" in w and "ignores it" in w for w in doc["warnings"]), doc


def test_a_committed_link_in_place_of_the_cache_folder_is_never_used_and_approved_releases_go_out(
        site: Site) -> None:
    _an_honest_run_then_every_cache_forged(site)
    os.rename(site.root / CACHE_DIRNAME, site.root / "cache-palsu")
    os.symlink("cache-palsu", site.root / CACHE_DIRNAME)
    site.git("add", "-f", CACHE_DIRNAME, "cache-palsu")
    site.commit("cache", site.cast["wahyu"])
    doc = _published_despite_the_cache(site, site.root / "cache-palsu")
    assert (site.root / CACHE_DIRNAME).is_symlink()
    assert any(".warta-cache is a symbolic link" in w for w in doc["warnings"]), doc


def test_unsigned_approvals_do_not_count_on_locally_forged_verdicts(site: Site) -> None:
    """Approval records written as Dwi and Hendro but not signed (anyone can write them), and verdicts
    left in the local cache (a poisoned runner's or CI cache's) calling each of them well signed by its
    author's key: the release must not be published."""
    approved_release(site, "bantuan-bibit", title="Bantuan Bibit Cabai")
    code, _doc = publish_json(site)
    assert code == 0, _doc
    path = "content/siaran-pers/2025/tanpa-tanda-tangan.md"
    site.switch("rilis/palsu", create=True)
    site.write(path, "---\ntitle: Rilis Tanpa Tanda Tangan\ndate: 2025-03-04\n---\nIsi.\n")
    site.commit("Rilis palsu", site.cast["rina"])
    forged = {site.record(site.cast[name], path, step, role, sign=False): site.cast[name]
              for name, step, role in (("dwi", 2, "kasubbag"), ("hendro", 3, "sekdin"))}
    site.merge("rilis/palsu", site.cast["wahyu"])
    file = site.root / ".warta-cache/signatures/verdicts.json"
    verdicts = json.loads(file.read_text(encoding="utf-8"))
    for sha, person in forged.items():
        verdicts["table"].append(["G", person.fingerprint, person.email, "x"])
        verdicts["verdicts"][sha] = len(verdicts["table"]) - 1
    file.write_text(json.dumps(verdicts), encoding="utf-8")
    code, doc = publish_json(site)
    assert path not in [p["path"] for p in doc.get("publish", [])], doc
    assert not (site.root / "_site/siaran-pers/2025/tanpa-tanda-tangan").exists()
    # held, and the reason names the cache (publish judges what goes out again without the caches)
    assert any(h["path"] == path and ".warta-cache" in json.dumps(h) for h in doc["held"]), doc


def _past_the_clock_tick(folder: Path, ns: int) -> None:
    """Wait until a file written now gets a change time later than ``ns`` (file times are stamped from
    the kernel's coarse clock): a wait on the clock, not a race with another thread."""
    probe = folder / "probe"
    while True:
        probe.write_bytes(b"")
        if os.stat(probe).st_ctime_ns > ns:
            probe.unlink()
            return
        time.sleep(0.001)


def test_the_preview_sees_an_item_edited_keeping_size_and_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The preview shows an item as approved only when the working tree holds the approved bytes; the
    digests it keeps (of items with references: a photo here) must see an edit that puts size and
    modification time back (and keeps the inode), of the item's file or of the photo."""
    monkeypatch.setattr(preview_digests, "RACY_NS", 0)  # keep the digest of a file written just now
    root = make_site(tmp_path / "site")
    (root / ".warta-cache").mkdir()
    item = next(i for i in load(root).items if i.path == PHOTO_ITEM)
    assert item.references
    for edited, old, new in ((PHOTO_ITEM, b"Kalimat penutup.", b"Kalimat penutop."), (item.references[0], None, None)):
        kept = WorkingDigests(root, cache=True)
        approved = kept.digest(item)
        kept.save()
        digests = root / CACHE_DIRNAME / PREVIEW_DIGESTS
        assert digests.is_file() and PHOTO_ITEM in digests.read_text(encoding="utf-8")
        assert WorkingDigests(root, cache=True).digest(item) == approved  # kept, and believed while unchanged
        file = root / edited
        before = os.stat(file)
        _past_the_clock_tick(tmp_path, before.st_ctime_ns)
        data = file.read_bytes()
        changed = data.replace(old, new) if old is not None else data[:-3] + bytes([data[-3] ^ 0xFF]) + data[-2:]
        assert changed != data and len(changed) == len(data)
        with file.open("r+b") as handle:
            handle.write(changed)
        os.utime(file, ns=(before.st_atime_ns, before.st_mtime_ns))
        after = os.stat(file)
        assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)
        seen = WorkingDigests(root, cache=True).digest(item)
        assert seen != approved
        assert seen == item_digest(root, item)


def _rewrite_release(site: Site, base: str, slug: str, text: str, *, sign_records: bool) -> str:
    """Main rewritten from ``base``: the release's commit, its approval records and its merge made again
    with the same paths and messages, the release's text now ``text``."""
    path = f"content/siaran-pers/2025/{slug}.md"
    site.switch("main")
    site.git("reset", "-q", "--hard", base)
    site.git("branch", "-q", "-D", f"rilis/{slug}")
    site.switch(f"rilis/{slug}", create=True)
    site.write(path, text)
    site.commit(f"Rilis {slug}", site.cast["rina"])
    site.record(site.cast["dwi"], path, 2, "kasubbag", sign=sign_records)
    site.record(site.cast["hendro"], path, 3, "sekdin", sign=sign_records)
    site.merge(f"rilis/{slug}", site.cast["wahyu"])
    return path


def test_a_history_rewritten_with_the_same_paths_and_messages_publishes_nothing_unapproved(site: Site) -> None:
    """After a publish (every cache warm: verdicts, history index, parsed items, pages), main is rewritten:
    the published release's text changed, its approvals made again unsigned, every path and message the
    same. The changed text must not go live, and no archive number is given again (its tag keeps
    pointing where it did). Today the run stops on the existing tag (exit 1, git's "reference already
    exists"), with the caches as without them."""
    base = site.head()
    path = approved_release(site, "bantuan-bibit", title="Bantuan Bibit Cabai")
    code, first = publish_json(site)
    assert code == 0, first
    tags = site.git("show-ref", "--tags")
    live = site.root / "_site/siaran-pers/2025/bantuan-bibit/index.html"
    honest = live.read_bytes()
    original = site.file_bytes(path).decode()
    forged = original.replace("Isi rilis bantuan-bibit.", "Isi rilis PALSU bantuan.")
    assert forged != original
    _rewrite_release(site, base, "bantuan-bibit", forged, sign_records=False)
    code, doc = publish_json(site)
    assert "PALSU" not in live.read_text(encoding="utf-8")
    assert live.read_bytes() == honest
    assert site.git("show-ref", "--tags") == tags  # no tag moved, none added for a number given again
    assert not any(n["path"] == path for n in doc.get("numbers", []))

