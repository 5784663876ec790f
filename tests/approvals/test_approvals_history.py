"""The history index (pipeline.approvals.history): read once, extended with new commits, rebuilt when main
was rewritten; and the results never depend on whether a cache was used."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from approvals_helpers import (
    Site,
    approve_fully,
    item_text,
    release,
)

from pipeline.approvals import history, reportcache
from pipeline.approvals.service import Report, evaluate_repository
from pipeline.git import Git
from pipeline.i18n import set_language


def merged_release(site: Site, slug: str) -> str:
    path = release(site, slug)
    approve_fully(site, path)
    site.merge(f"rilis/{slug}", site.cast["hendro"])
    return path


def summary(report: Report) -> list[tuple[object, ...]]:
    return [(r.path, r.state, r.digest, tuple((s.no, s.status, s.sha) for s in r.steps),
             tuple(x.codes for x in r.rejections), r.hint) for r in (*report.items, *report.governance)]


def judged(site: Site) -> Report:
    """A run that reads the history index (the kept verdicts of a whole run are dropped first)."""
    shutil.rmtree(site.root / ".warta-cache" / reportcache.FOLDER, ignore_errors=True)
    return evaluate_repository(site.root, all_items=True)


def test_extending_the_index_equals_building_it_from_scratch(site: Site, tmp_path: Path) -> None:
    git = Git(site.root)
    merged_release(site, "satu")
    first = history.build(git, site.head(), tmp_path / "cache")
    assert first.tip == site.head()
    merged_release(site, "dua")
    site.write("content/siaran-pers/2025/langsung.md", item_text(title="Langsung"))
    site.commit("straight to main", site.cast["rina"])
    merged_release(site, "tiga")
    extended = history.build(git, site.head(), tmp_path / "cache")
    fresh = history.build(git, site.head(), None)
    assert extended.to_json() == fresh.to_json()
    assert len(extended.chain) == 5  # root, merge, merge, direct commit, merge
    assert sorted(f.stem for f in (tmp_path / "cache").glob("*.idx")) == sorted([first.tip, extended.tip])


def test_results_are_the_same_with_and_without_the_caches(site: Site) -> None:
    a = merged_release(site, "satu")
    path = release(site, "dua")
    site.record(site.cast["dwi"], path, 2, "kasubbag")
    site.record(site.cast["eve"], path, 3, "sekdin")
    cold = evaluate_repository(site.root, all_items=True)
    warm = evaluate_repository(site.root, all_items=True)
    index_only = judged(site)  # the history index and item caches warm, the run judged again
    bare = evaluate_repository(site.root, all_items=True, cache=False)
    assert summary(cold) == summary(warm) == summary(index_only) == summary(bare)
    assert {r.path: r.state for r in warm.items}[a] == "approved"
    assert (site.root / ".warta-cache" / "history").is_dir()


def test_a_rewritten_main_is_rebuilt_not_extended(site: Site, tmp_path: Path) -> None:
    git = Git(site.root)
    merged_release(site, "satu")
    old_tip = site.head()
    history.build(git, old_tip, tmp_path / "cache")
    # main is reset and rebuilt differently (a force-push): the stored tip is no longer its ancestor
    site.git("reset", "-q", "--hard", "HEAD~1")
    site.write("content/siaran-pers/2025/lain.md", item_text(title="Lain"))
    site.commit("another history", site.cast["rina"])
    rebuilt = history.build(git, site.head(), tmp_path / "cache")
    assert rebuilt.to_json() == history.build(git, site.head(), None).to_json()
    assert old_tip not in rebuilt.pos


def test_old_tip_off_the_first_parent_line_forces_a_rebuild(site: Site, tmp_path: Path) -> None:
    git = Git(site.root)
    merged_release(site, "satu")
    old_tip = site.head()
    history.build(git, old_tip, tmp_path / "cache")
    # a branch from the root merges main in, and main is fast-forwarded to it: the old tip is still an
    # ancestor of main, but only through a second parent
    root = site.git("rev-list", "--max-parents=0", "HEAD")
    site.git("switch", "-q", "-c", "samping", root)
    site.write("content/halaman/samping.md", "---\ntitle: Samping\n---\nIsi.\n")
    site.commit("side", site.cast["rina"])
    site.git("merge", "-q", "--no-ff", "--no-gpg-sign", "-m", "merge main in", "main", person=site.cast["rina"])
    site.switch("main")
    site.git("merge", "-q", "--ff-only", "samping")
    rebuilt = history.build(git, site.head(), tmp_path / "cache")
    assert rebuilt.to_json() == history.build(git, site.head(), None).to_json()
    assert rebuilt.shas[rebuilt.chain[-2]] != old_tip


def test_a_damaged_snapshot_is_ignored(site: Site) -> None:
    merged_release(site, "satu")
    good = judged(site)
    folder = site.root / ".warta-cache" / "history"
    [file] = folder.glob("*.idx")
    raw = file.read_bytes()
    for damaged in (raw[:-9], raw[: len(raw) // 2], raw + b"\0", b"{not an index", b""):
        file.write_bytes(damaged)
        assert history.build(Git(site.root), site.head(), folder).to_json() == history.build(
            Git(site.root), site.head(), None).to_json()
        assert file.read_bytes() == raw  # not believed, and written again as it must be
        file.write_bytes(damaged)
        assert summary(judged(site)) == summary(good)


def test_an_edited_snapshot_is_not_believed(site: Site) -> None:
    """Someone edits the stored index to drop a return or to move a record: the checksum no longer
    verifies, the index is read from git again, and the verdict is git's."""
    path = release(site, "satu")
    site.record(site.cast["dwi"], path, 2, "kasubbag")
    site.record(site.cast["hendro"], path, 3, "sekdin", decision="return")
    site.merge("rilis/satu", site.cast["hendro"])
    good = judged(site)
    assert {r.path: r.state for r in good.items}[path] == "returned"
    folder = site.root / ".warta-cache" / "history"
    [file] = folder.glob("*.idx")
    raw = file.read_bytes()
    edited = raw.replace(b'"return"', b'"approv"')  # the decision's text in the string table
    assert edited != raw
    file.write_bytes(edited)
    again = judged(site)
    assert summary(again) == summary(good)
    assert file.read_bytes() == raw


def test_an_index_of_other_code_or_another_language_is_not_used(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """Record problems are messages and the records are read by code: an index written in another
    language or by other code is built again, never reused."""
    merged_release(site, "satu")
    folder = site.root / ".warta-cache" / "history"
    git = Git(site.root)
    history.build(git, site.head(), folder)
    [file] = folder.glob("*.idx")
    assert history.unpack(file.read_bytes(), site.head()) is not None
    monkeypatch.setattr(history, "_shaping", "0" * 64)
    assert history.unpack(file.read_bytes(), site.head()) is None
    monkeypatch.setattr(history, "_shaping", None)
    set_language("id")
    try:
        assert history.unpack(file.read_bytes(), site.head()) is None
    finally:
        set_language("en")
    assert history.unpack(file.read_bytes(), "f" * 40) is None  # stored for another tip


def test_a_merge_that_changes_a_file_itself_counts_as_a_change(site: Site) -> None:
    """A merge whose tree is none of its parents' trees is read with git's combined diff: an edit made
    in the merge itself makes the approvals stale (rule 2), even though the branch was approved."""
    path = release(site, "satu")
    approve_fully(site, path)
    site.switch("main")
    site.write("content/halaman/lain.md", "---\ntitle: Lain\n---\nIsi.\n")
    site.commit("main moves on", site.cast["rina"])
    site.git("merge", "-q", "--no-ff", "--no-commit", "--no-gpg-sign", "rilis/satu", person=site.cast["hendro"])
    (site.root / path).write_text((site.root / path).read_text() + "\nDiubah saat merge.\n")
    site.git("add", path)
    site.git("commit", "-q", "--no-gpg-sign", "-m", "merge rilis/satu", person=site.cast["hendro"])
    index = history.build(Git(site.root), site.head(), None)
    merge = index.pos[site.head()]
    assert [t.pos for t in index.touches[path]][-1] == merge
    report = evaluate_repository(site.root, all_items=True)
    assert {r.path: r.complete for r in report.items}[path] is False
    # an ordinary --no-ff merge of the same kind of branch changes nothing itself
    other = release(site, "dua")
    approve_fully(site, other)
    site.merge("rilis/dua", site.cast["hendro"])
    index = history.build(Git(site.root), site.head(), None)
    assert index.pos[site.head()] not in {t.pos for t in index.touches[other]}
    assert {r.path: r.complete for r in evaluate_repository(site.root, all_items=True).items}[other] is True


def test_branch_commits_are_read_fresh_and_never_stored(site: Site) -> None:
    merged_release(site, "satu")
    evaluate_repository(site.root, all_items=True)
    path = release(site, "dua")
    approve_fully(site, path)
    report = evaluate_repository(site.root)
    assert [r.path for r in report.items] == [path] and report.ok
    stored = {f.stem for f in (site.root / ".warta-cache" / "history").glob("*.idx")}
    assert site.head() not in stored
    assert stored == {site.git("rev-parse", "main")}
