"""The history index (pipeline.approvals.history): read once, extended with new commits, rebuilt when main
was rewritten; and the results never depend on whether a cache was used."""

from __future__ import annotations

import json
from pathlib import Path

from approvals_helpers import (
    Site,
    approve_fully,
    item_text,
    release,
)

from pipeline.approvals import history
from pipeline.approvals.service import Report, evaluate_repository
from pipeline.git import Git


def merged_release(site: Site, slug: str) -> str:
    path = release(site, slug)
    approve_fully(site, path)
    site.merge(f"rilis/{slug}", site.cast["hendro"])
    return path


def summary(report: Report) -> list[tuple[object, ...]]:
    return [(r.path, r.state, r.digest, tuple((s.no, s.status, s.sha) for s in r.steps),
             tuple(x.codes for x in r.rejections), r.hint) for r in (*report.items, *report.governance)]


def snapshot(folder: Path) -> dict[str, object]:
    [file] = folder.glob("*.json")
    data: dict[str, object] = json.loads(file.read_text())
    return data


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
    assert sorted(f.stem for f in (tmp_path / "cache").glob("*.json")) == sorted([first.tip, extended.tip])


def test_results_are_the_same_with_and_without_the_caches(site: Site) -> None:
    a = merged_release(site, "satu")
    path = release(site, "dua")
    site.record(site.cast["dwi"], path, 2, "kasubbag")
    site.record(site.cast["eve"], path, 3, "sekdin")
    cold = evaluate_repository(site.root, all_items=True)
    warm = evaluate_repository(site.root, all_items=True)
    bare = evaluate_repository(site.root, all_items=True, cache=False)
    assert summary(cold) == summary(warm) == summary(bare)
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
    good = evaluate_repository(site.root, all_items=True)
    folder = site.root / ".warta-cache" / "history"
    [file] = folder.glob("*.json")
    data = json.loads(file.read_text())
    data["records"]["item"] = data["records"]["item"][:-1]  # a column cut short
    file.write_text(json.dumps(data))
    again = evaluate_repository(site.root, all_items=True)
    assert summary(again) == summary(good)
    file.write_text("{not json")
    assert summary(evaluate_repository(site.root, all_items=True)) == summary(good)


def test_branch_commits_are_read_fresh_and_never_stored(site: Site) -> None:
    merged_release(site, "satu")
    evaluate_repository(site.root, all_items=True)
    path = release(site, "dua")
    approve_fully(site, path)
    report = evaluate_repository(site.root)
    assert [r.path for r in report.items] == [path] and report.ok
    stored = {f.stem for f in (site.root / ".warta-cache" / "history").glob("*.json")}
    assert site.head() not in stored
    assert stored == {site.git("rev-parse", "main")}
