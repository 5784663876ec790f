"""Attacks by an operator with push access who commits what warta writes and keeps between runs: the
staged site (``_site.staging/site``, with the marker that says warta wrote it) and the live site
(``_site``), forged, on a fresh checkout (no ``.warta-cache``). Publish must put the approved bytes live.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from approvals_helpers import Site
from publish_helpers import approved_release, publish_json

STAGED = "_site.staging/site"
HONEST, FORGED = "Bantuan Bibit Cabai", "Bantuan Bibit Palsu"


def _forged_copy(source: Path, target: Path) -> None:
    """A copy of the built site ``source`` at ``target`` (links followed) with every page forged."""
    shutil.copytree(source, target, symlinks=False)
    for page in target.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        page.write_text(text.replace(HONEST, FORGED), encoding="utf-8")


@pytest.mark.parametrize("folder", [STAGED, "_site"])
def test_a_committed_forged_site_folder_never_goes_live(site: Site, tmp_path: Path, folder: str) -> None:
    approved_release(site, "bantuan-bibit", title=HONEST)
    code, doc = publish_json(site)
    assert code == 0, doc
    built = tmp_path / "built"
    shutil.copytree((site.root / "_site").resolve(), built, symlinks=False)
    # a fresh checkout: nothing of the last run is left (as CI's checkout cleans ignored files)
    site.git("clean", "-q", "-ffdx")
    assert not (site.root / ".warta-cache").exists() and not (site.root / "_site").exists()
    _forged_copy(built, site.root / folder)
    site.git("add", "-f", folder)
    site.commit("situs", site.cast["wahyu"])
    code, doc = publish_json(site)
    live = (site.root / "_site").resolve() / "index.html"
    # exit 1: the committed scripts are governed files changed without approval (rule 8); the approved
    # release still goes out (rule 13), as built from the approved tree, not as committed
    assert code in (0, 1), doc
    assert FORGED not in live.read_text(encoding="utf-8"), doc
    assert HONEST in live.read_text(encoding="utf-8"), doc


@pytest.mark.parametrize("command", [("status",), ("build", "--drafts")])
def test_a_pull_request_committing_a_cache_folder_is_named_by_every_reader_and_stops_none(
        site: Site, command: tuple[str, ...]) -> None:
    """A pull request that adds a file under ``.warta-cache/`` (here: a check-findings cache) is named,
    with a warning that it is ignored, by the commands its CI (``warta status --pr``, after ``warta check``)
    and its reviewers run, so it is seen before it is merged; the commands still work (merged, it stops
    no publish: the publish tests of test_cache_attacks_approvals.py), and the file is never read."""
    site.switch("rilis/cache", create=True)
    site.write(".warta-cache/check/items.pickle", b"warta-check 1 x y\n")
    site.git("add", "-f", ".warta-cache/check/items.pickle")
    site.commit("cache", site.cast["rina"])
    proc = site.cli(*command)
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    assert ".warta-cache is committed to the repository (.warta-cache/check/items.pickle)" in proc.stderr
    assert "ignores it" in proc.stderr and "Traceback" not in proc.stderr
    assert (site.root / ".warta-cache/check/items.pickle").read_bytes() == b"warta-check 1 x y\n"
    assert sorted(p.name for p in (site.root / ".warta-cache").rglob("*")) == ["check", "items.pickle"]


def test_the_warning_about_a_committed_cache_is_in_the_json_document_and_in_indonesian(site: Site) -> None:
    site.write(".warta-cache/signatures/verdicts.json", "{}")
    site.git("add", "-f", ".warta-cache")
    site.commit("cache", site.cast["wahyu"])
    proc = site.cli("status", "--json")
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    doc = json.loads(proc.stdout)
    assert any(".warta-cache/signatures/verdicts.json" in w and "ignores it" in w for w in doc["warnings"]), doc
    indonesian = site.cli("status", "--lang", "id")
    assert indonesian.returncode == 0, indonesian.stderr
    assert "warta: warning: " in indonesian.stderr and "mengabaikannya" in indonesian.stderr, indonesian.stderr
    assert ".warta-cache/signatures/verdicts.json" in indonesian.stderr
