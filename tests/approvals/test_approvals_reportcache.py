"""The kept verdicts of a whole run (pipeline/approvals/reportcache.py): a run on an unchanged repository
reads them back, and they are exactly what judging afresh gives; any change of what they were judged
from (a new record, a rewritten branch, a moved ref, another language, other code, an edited file) is
judged afresh."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest
from approvals_helpers import Site, approve_fully, info_text, item_text, release

from pipeline.approvals import reportcache
from pipeline.approvals.service import Report, evaluate_repository
from pipeline.i18n import set_language

FOLDER = Path(".warta-cache") / reportcache.FOLDER


def stored(site: Site) -> list[Path]:
    return sorted((site.root / FOLDER).glob("*" + reportcache.SUFFIX))


class Runs:
    """Unpickled, it would call ``os.mkdir(path)``."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.mkdir, (self.path,))


def same(a: Report, b: Report) -> None:
    """Two reports say the same, field by field (the verdicts, not just the states)."""
    assert a.items == b.items
    assert a.governance == b.governance
    assert (a.problems, a.warnings, a.removed, a.base, a.mode) == (b.problems, b.warnings, b.removed, b.base, b.mode)
    assert (a.main, a.main_sha, a.head) == (b.main, b.main_sha, b.head)
    assert a.state.blobs == b.state.blobs and a.config == b.config and a.people == b.people


def history_of_every_kind(site: Site) -> dict[str, str]:
    """Items approved, returned, half approved, approved then changed, and one unsigned."""
    c = site.cast
    approved = release(site, "disetujui")
    approve_fully(site, approved)
    site.merge("rilis/disetujui", c["wahyu"])
    returned = release(site, "dikembalikan")
    site.record(c["dwi"], returned, 2, "kasubbag")
    site.record(c["hendro"], returned, 3, "sekdin", decision="return", note="Foto buram")
    site.merge("rilis/dikembalikan", c["wahyu"])
    half = release(site, "setengah")
    site.record(c["dwi"], half, 2, "kasubbag")
    site.merge("rilis/setengah", c["wahyu"])
    stale = release(site, "basi")
    approve_fully(site, stale)
    site.write(stale, item_text(body="Isi baru setelah disetujui."))
    site.commit("ubah isi", c["rina"])
    site.merge("rilis/basi", c["wahyu"])
    unsigned = release(site, "tanpa-tanda")
    site.write(unsigned, item_text(body="Diubah tanpa tanda tangan."))
    site.commit("tanpa tanda tangan", c["rina"], sign=False)
    approve_fully(site, unsigned)
    site.merge("rilis/tanpa-tanda", c["wahyu"])
    forced = "content/informasi-publik/2025/banjir.md"
    site.switch("rilis/banjir", create=True)
    site.write(forced, info_text("serta-merta"))
    site.commit("peringatan banjir", c["rina"])
    site.record(c["wahyu"], forced, 2, "kepala_dinas", decision="force")
    site.merge("rilis/banjir", c["wahyu"])
    return {"approved": approved, "returned": returned, "half": half, "stale": stale, "unsigned": unsigned,
            "forced": forced}


def test_a_kept_run_says_exactly_what_judging_afresh_says(site: Site) -> None:
    paths = history_of_every_kind(site)
    fresh = evaluate_repository(site.root, all_items=True)
    assert len(stored(site)) == 1
    kept = evaluate_repository(site.root, all_items=True)
    bare = evaluate_repository(site.root, all_items=True, cache=False)
    same(kept, fresh)
    same(kept, bare)
    states = {r.path: r.state for r in kept.items}
    assert states[paths["approved"]] == "approved" and states[paths["returned"]] == "returned"
    assert states[paths["half"]] == "in_review" and not {r.path: r.complete for r in kept.items}[paths["stale"]]
    assert not {r.path: r.complete for r in kept.items}[paths["unsigned"]]
    forced = kept.result(paths["forced"])
    assert forced is not None and forced.forced and forced.forced_by is not None
    assert kept.result(paths["returned"]).returned is not None  # type: ignore[union-attr]
    # what a new decision is judged with is the same too (made by a full evaluation when read)
    path = paths["half"]
    assert kept.contexts[path].facts == bare.contexts[path].facts
    assert kept.contexts[path].raw == bare.contexts[path].raw
    assert sorted(kept.contexts) == sorted(bare.contexts)


def test_each_kind_of_run_is_kept_apart(site: Site) -> None:
    paths = history_of_every_kind(site)
    path = paths["approved"]
    every = evaluate_repository(site.root, all_items=True)
    named = evaluate_repository(site.root, paths=[path])
    live = evaluate_repository(site.root, all_items=True, published={path: every.result(path).digest})  # type: ignore[union-attr]
    assert len(stored(site)) == 3
    assert [r.path for r in named.items] == [path]
    assert live.result(path).state == "published" and every.result(path).state == "approved"  # type: ignore[union-attr]
    same(evaluate_repository(site.root, paths=[path]), named)


def test_a_new_record_is_judged_afresh(site: Site) -> None:
    path = release(site)
    site.record(site.cast["dwi"], path, 2, "kasubbag")
    assert not evaluate_repository(site.root).ok
    assert not evaluate_repository(site.root).ok  # kept
    site.record(site.cast["hendro"], path, 3, "sekdin")
    assert evaluate_repository(site.root).ok


def test_a_force_pushed_branch_is_judged_afresh(site: Site) -> None:
    path = release(site)
    approve_fully(site, path)
    assert evaluate_repository(site.root).ok
    # the branch is rewritten to other content under the same path, with the old records gone
    site.git("reset", "-q", "--hard", "main")
    site.write(path, item_text(body="Isi lain."))
    site.commit("Rilis lain", site.cast["rina"])
    result = evaluate_repository(site.root).result(path)
    assert result is not None and not result.complete and result.state == "draft"


def test_a_moved_ref_or_a_changed_people_file_makes_another_key(site: Site) -> None:
    from pipeline.git import Git

    git = Git(site.root)

    def key() -> str:
        return reportcache.run_key(git, head="HEAD", head_sha=site.head(), main="main",
                                   main_sha=site.git("rev-parse", "main"), base_sha=None, all_items=True,
                                   paths=None, published={}, fetched=False)

    first = key()
    assert key() == first
    site.git("update-ref", "refs/warta/decisions", site.head())
    assert key() != first
    second = key()
    site.git("branch", "lain")
    assert key() != second
    third = key()
    people = (site.root / "sop" / "people.yaml").read_text()
    site.write("sop/people.yaml", people.replace("Dwi Astuti", "Dwi Astuti Rahayu"))
    site.commit("people", site.cast["wahyu"])
    assert key() != third


def test_another_language_or_other_code_is_judged_afresh(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    path = release(site)
    site.write(path, item_text(body="Diubah tanpa tanda tangan."))
    site.commit("tanpa tanda tangan", site.cast["rina"], sign=False)  # a problem the run writes in words
    english = evaluate_repository(site.root).result(path)
    set_language("id")
    try:
        indonesian = evaluate_repository(site.root).result(path)
    finally:
        set_language("en")
    assert english is not None and indonesian is not None
    assert english.problems and english.problems != indonesian.problems  # in the language of each run
    assert len(stored(site)) == 2
    monkeypatch.setattr(reportcache, "code_digest", lambda: "other code")
    evaluate_repository(site.root)
    assert len(stored(site)) == 3


@pytest.mark.parametrize("damage", ["verdict", "truncated", "other key", "garbage", "a class"])
def test_an_edited_kept_run_is_not_believed(site: Site, damage: str) -> None:
    path = release(site)
    site.record(site.cast["dwi"], path, 2, "kasubbag")
    truth = evaluate_repository(site.root)
    assert not truth.ok
    [file] = stored(site)
    raw = file.read_bytes()
    check, _, body = raw.partition(b"\n")
    data = pickle.loads(body)
    data["items"][0][3] = "approved"  # the state of the only item
    data["items"][0][5] = []
    forged = pickle.dumps(data)
    if damage == "verdict":
        file.write_bytes(check + b"\n" + forged)
    elif damage == "truncated":
        file.write_bytes(raw[: len(raw) // 2])
    elif damage == "other key":  # a file kept for another run, put under this run's name
        file.write_bytes(reportcache._check("0" * 64, forged) + b"\n" + forged)
    elif damage == "a class":  # a well-sealed body whose pickle would run a function as it is read
        marker = site.root.parent / "ran"
        hostile = pickle.dumps({"items": Runs(str(marker))})
        file.write_bytes(reportcache._check(file.stem, hostile) + b"\n" + hostile)
    else:
        file.write_bytes(b"\x00\xff not a report")
    again = evaluate_repository(site.root)
    assert not (site.root.parent / "ran").exists()
    assert not again.ok
    same(again, truth)
    assert file.read_bytes() == raw  # judged afresh and kept again
