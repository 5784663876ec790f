"""Many items judged on two cores (pipeline/approvals/sharing.py): a forked child judges the second half;
the verdicts, findings and per-item contexts are those of judging every item in one process, and a child
that fails has the parent judge its items."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from approvals_helpers import Site
from cli_helpers import run_warta
from test_approvals_history_job import every_kind, same

from pipeline.approvals import reportcache, sharing
from pipeline.approvals.service import Report, evaluate_repository

pytestmark = pytest.mark.alone  # asserts forks: run alone when earlier tests left threads (tests/conftest.py)


def judged(site: Site, *, share: bool) -> Report:
    """A cold judging; the kept run an earlier one writes in the background is waited for first (as the
    command does before it exits), so it cannot land in the cache this run starts from."""
    reportcache.finish()
    shutil.rmtree(site.root / ".warta-cache", ignore_errors=True)
    return evaluate_repository(site.root, all_items=True, share=share)


def spy(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The paths whose contexts each judging left to be made later (the child's half)."""
    later: list[list[str]] = []
    judge_all = sharing.judge_all

    def spying(*a: object, **k: object) -> tuple[object, ...]:
        out = judge_all(*a, **k)  # type: ignore[arg-type]
        later.append(out[2])
        return out

    monkeypatch.setattr(sharing, "judge_all", spying)
    return later


def test_the_child_judges_half_of_the_items_as_this_process_would(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = every_kind(site)
    monkeypatch.setattr(sharing, "SHARED_FROM", 2)
    later = spy(monkeypatch)
    shared = judged(site, share=True)
    assert len(later) == 1 and later[0] and len(later[0]) == len(shared.items) - len(shared.items) // 2
    alone = judged(site, share=False)
    assert later[-1] == []  # judged here
    same(shared, alone)  # the contexts of the child's half too, made when read
    for path in later[0]:
        a, b = shared.contexts[path], alone.contexts[path]
        assert (a.records, a.policy, a.blocking) == (b.records, b.policy, b.blocking)
    states = {r.path: r.state for r in shared.items}
    assert states[paths["approved"]] == "approved" and states[paths["returned"]] == "returned"
    assert paths["open"] in shared.contexts and "content/nothing/here.md" not in shared.contexts
    with pytest.raises(KeyError):
        shared.contexts["content/nothing/here.md"]


def test_a_child_that_dies_has_the_parent_judge_its_items(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    every_kind(site)
    monkeypatch.setattr(sharing, "SHARED_FROM", 2)

    def dies(*_args: object) -> None:
        os._exit(3)

    monkeypatch.setattr(sharing, "_child", dies)  # what the forked child runs: it ends without a word
    later = spy(monkeypatch)
    shared = judged(site, share=True)
    assert later == [[]]  # every context made here
    same(shared, judged(site, share=False))


def test_few_items_are_judged_here(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    every_kind(site)
    later = spy(monkeypatch)
    judged(site, share=True)
    assert later == [[]]


def kept_runs(site: Site) -> list[str]:
    return sorted(p.name for p in (site.root / ".warta-cache" / "approvals" / "reports").glob("*" + reportcache.SUFFIX))


@pytest.mark.parametrize("fork", [True, False])
def test_the_kept_run_written_in_the_background_is_read_back(
        site: Site, monkeypatch: pytest.MonkeyPatch, fork: bool) -> None:
    every_kind(site)
    if not fork:
        monkeypatch.delattr(os, "fork")
    first = judged(site, share=True)
    assert bool(reportcache._writers) == fork  # a child writes it while this process goes on
    reportcache.finish()
    assert reportcache._writers == [] and len(kept_runs(site)) == 1
    again = evaluate_repository(site.root, all_items=True, share=True)  # the kept run, read back
    assert reportcache._writers == []  # nothing judged, nothing written
    assert isinstance(again.contexts, reportcache.LazyContexts)
    same(again, first)


def test_the_verify_command_waits_for_its_kept_run(site: Site) -> None:
    every_kind(site)
    shutil.rmtree(site.root / ".warta-cache", ignore_errors=True)
    first = run_warta("verify", "--all", "--json", cwd=site.root)
    assert len(kept_runs(site)) == 1  # written before the command ended
    again = run_warta("verify", "--all", "--json", cwd=site.root)
    assert (first.returncode, first.stdout) == (again.returncode, again.stdout)
    assert first.returncode == 1 and json.loads(first.stdout)["items"]


def test_a_run_with_main_s_index_stored_judges_here(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    every_kind(site)
    monkeypatch.setattr(sharing, "SHARED_FROM", 2)
    later = spy(monkeypatch)
    cold = judged(site, share=True)
    reportcache.finish()
    shutil.rmtree(site.root / ".warta-cache" / "approvals" / "reports")
    warm = evaluate_repository(site.root, all_items=True, share=True)  # the index is read, not built
    reportcache.finish()
    assert later[0] and later[1] == []  # shared only while the index was built beside it (a cold run)
    same(warm, cold)
