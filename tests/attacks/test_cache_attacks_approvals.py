"""Attacks on the caches that say what was approved: git's signature verdicts and the other caches of
``warta publish`` supplied by the repository (committed, or a committed symbolic link), and the preview's
kept working-tree digests fooled by an edit after approval that keeps size and modification time.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from approvals_helpers import Person, Site
from publish_helpers import approved_release, isolated_env, office, publish_json

from pipeline.cachedir import PREVIEW_DIGESTS
from pipeline.content import item_digest
from pipeline.site import preview_digests
from pipeline.site.preview_digests import WorkingDigests
from tests.test_site_build import load, make_site

ITEM = "content/siaran-pers/2025/rapat-koordinasi.md"


@pytest.fixture
def site(tmp_path: Path, cast: dict[str, Person], monkeypatch: pytest.MonkeyPatch) -> Site:
    made = office(tmp_path, cast)
    for key, value in isolated_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    return made


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


def test_publish_refuses_signature_verdicts_committed_to_the_repository(site: Site) -> None:
    approved_release(site, "bantuan-bibit", title="Bantuan Bibit Cabai")
    _forged_verdicts(site)
    site.git("add", "-f", ".warta-cache/signatures/verdicts.json")
    site.commit("cache", site.cast["wahyu"])
    code, doc = publish_json(site)
    assert code == 2, doc
    assert ".warta-cache/ is committed to the repository" in json.dumps(doc)
    assert not (site.root / "_site").exists()  # nothing went live on a repository that supplies caches


def test_publish_refuses_a_committed_link_in_place_of_its_cache_folder(site: Site, tmp_path: Path) -> None:
    approved_release(site, "bantuan-bibit", title="Bantuan Bibit Cabai")
    _forged_verdicts(site)
    os.rename(site.root / ".warta-cache", site.root / "cache-palsu")
    os.symlink("cache-palsu", site.root / ".warta-cache")
    site.git("add", "-f", ".warta-cache", "cache-palsu")
    site.commit("cache", site.cast["wahyu"])
    code, doc = publish_json(site)
    assert code == 2, doc
    assert ".warta-cache is a symbolic link" in json.dumps(doc)
    assert not (site.root / "_site").exists()


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
    """The preview shows an item as approved only when the working tree holds the approved bytes; its
    kept digests must see an edit that puts size and modification time back (and keeps the inode)."""
    monkeypatch.setattr(preview_digests, "RACY_NS", 0)  # keep the digest of a file written just now
    root = make_site(tmp_path / "site")
    (root / ".warta-cache").mkdir()
    item = next(i for i in load(root).items if i.path == ITEM)
    kept = WorkingDigests(root, cache=True)
    approved = kept.digest(item)
    kept.save()
    assert (root / PREVIEW_DIGESTS).is_file() and ITEM in (root / PREVIEW_DIGESTS).read_text(encoding="utf-8")
    file = root / ITEM
    before = os.stat(file)
    _past_the_clock_tick(tmp_path, before.st_ctime_ns)
    data = file.read_bytes()
    with file.open("r+b") as handle:
        handle.write(data.replace(b"triwulan", b"kuartal."))
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

