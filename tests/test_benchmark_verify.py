"""``benchmarks/verify.py``: the warm rounds start from the same kept runs. The run after a new ref keeps
its verdicts under a key no later round asks for; left in the cache, each round's would push the warm run's
out of the newest ``reportcache.KEEP`` by the fourth round, which then measured a half-cold run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT / "benchmarks"))

import verify  # noqa: E402


def _reports(repo: Path) -> Path:
    return repo / ".warta-cache" / "approvals" / "reports"


def test_the_kept_runs_are_as_before_after_the_block(tmp_path: Path) -> None:
    reports = _reports(tmp_path)
    reports.mkdir(parents=True)
    (reports / "warm.pickle").write_bytes(b"warm run")
    (reports / "status.pickle").write_bytes(b"status run")
    with verify._reports_kept(tmp_path):
        (reports / "new-ref.pickle").write_bytes(b"the new ref's run")
        (reports / "warm.pickle").unlink()  # pruned by the run as one of the oldest
    assert sorted(p.name for p in reports.iterdir()) == ["status.pickle", "warm.pickle"]
    assert (reports / "warm.pickle").read_bytes() == b"warm run"
    assert not (reports.parent / "reports.bench-aside").exists()


def test_a_cache_without_kept_runs_has_none_after_the_block(tmp_path: Path) -> None:
    with verify._reports_kept(tmp_path):
        _reports(tmp_path).mkdir(parents=True)
        (_reports(tmp_path) / "new-ref.pickle").write_bytes(b"x")
    assert not _reports(tmp_path).exists()


def test_the_kept_runs_are_put_back_when_the_run_fails(tmp_path: Path) -> None:
    reports = _reports(tmp_path)
    reports.mkdir(parents=True)
    (reports / "warm.pickle").write_bytes(b"warm run")
    with pytest.raises(RuntimeError), verify._reports_kept(tmp_path):
        (reports / "warm.pickle").write_bytes(b"overwritten")
        raise RuntimeError("the measured command could not start")
    assert (reports / "warm.pickle").read_bytes() == b"warm run"
