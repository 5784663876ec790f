"""Main's history index built by a child forked when ``warta verify --all`` starts, before it imports what
judging needs (pipeline/approvals/history_job.py ``start_early``): the index, the verdicts and the findings
are those of the index built in one process; the child stores nothing itself; a child whose tip is not
main's, or that nothing takes, is stopped; no child is forked where an index or a kept run is stored."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Collection, Iterable
from pathlib import Path

import pytest
from approvals_helpers import Site, item_text
from cli_helpers import run_warta
from test_approvals_history_job import break_history_half_way, every_kind, same, without_fork

from pipeline.approvals import history, history_job, reportcache, signing
from pipeline.approvals import judge as judge_module
from pipeline.approvals.service import Report, evaluate_repository
from pipeline.config import CONFIG_FILE
from pipeline.errors import GitError
from pipeline.git import Git, Signature
from pipeline.people import People

pytestmark = pytest.mark.alone  # asserts forks: run alone when earlier tests left threads (tests/conftest.py)


def spy_start(monkeypatch: pytest.MonkeyPatch) -> list[history_job.Pending]:
    started: list[history_job.Pending] = []
    start = history_job.start

    def spy(*a: object, **k: object) -> history_job.Pending:
        started.append(start(*a, **k))  # type: ignore[arg-type]
        return started[-1]

    monkeypatch.setattr(history_job, "start", spy)
    return started


def early_then_evaluate(site: Site, start: Path | None = None, **kwargs: object) -> Report:
    """What ``warta verify --all`` does: fork early, evaluate, stop whatever was not taken."""
    shutil.rmtree(site.root / ".warta-cache", ignore_errors=True)
    history_job.start_early(start or site.root)
    try:
        return evaluate_repository(site.root, all_items=True, **kwargs)  # type: ignore[arg-type]
    finally:
        history_job.cancel_early()


def reaped(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_the_names_it_looks_for_are_the_configurations_and_the_kept_runs() -> None:
    assert history_job.CONFIG_FILE == CONFIG_FILE
    assert history_job.KEPT_RUNS == reportcache.FOLDER


@pytest.mark.parametrize("mode", ["all", "no-cache", "on-main", "from-a-subfolder"])
def test_the_early_child_gives_the_verdicts_and_index_of_one_process(
        site: Site, monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    paths = every_kind(site)
    kwargs: dict[str, object] = {"cache": False} if mode == "no-cache" else {}
    if mode == "on-main":
        site.switch("main")
    started = spy_start(monkeypatch)
    early = early_then_evaluate(site, site.root / "content" if mode == "from-a-subfolder" else None, **kwargs)
    assert len(started) == 1 and started[0].forked and started[0].store  # the early child was taken
    with monkeypatch.context() as patch:
        without_fork(patch)
        shutil.rmtree(site.root / ".warta-cache", ignore_errors=True)
        alone = evaluate_repository(site.root, all_items=True, **kwargs)  # type: ignore[arg-type]
    same(early, alone)
    states = {r.path: r.state for r in early.items}
    assert states[paths["approved"]] == "approved" and states[paths["returned"]] == "returned"
    tip = site.git("rev-parse", "main")
    stored = site.root / ".warta-cache" / "history" / f"{tip}.idx"
    if mode == "no-cache":
        assert not stored.exists()
        return
    # the parent stored what the child sent: the index one process builds
    assert stored.read_bytes() == history.pack(history.build(Git(site.root), tip, None))
    same(evaluate_repository(site.root, all_items=True), early)  # and a warm run reads it back


def test_the_early_child_stores_nothing_itself(site: Site) -> None:
    every_kind(site)
    history_job.start_early(site.root)
    try:
        [early] = history_job._early
        index = early.result()  # nothing took it: no folder to store in
    finally:
        history_job.cancel_early()
    tip = site.git("rev-parse", "main")
    assert index.to_json() == history.build(Git(site.root), tip, None).to_json()
    assert not list(site.root.glob(".warta-cache/history/*"))


def test_an_early_child_of_another_tip_is_stopped_and_the_index_built_for_main(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    every_kind(site)
    history_job.start_early(site.root)
    [early] = history_job._early
    site.switch("main")  # main moves on after the child guessed its tip
    site.write("content/halaman/baru.md", "---\ntitle: Baru\n---\nIsi.\n")
    site.commit("main moves on again", site.cast["rina"])
    started = spy_start(monkeypatch)
    try:
        report = evaluate_repository(site.root, all_items=True)
    finally:
        history_job.cancel_early()
    assert reaped(early.pid)
    assert started[0] is not early and started[0].tip == site.git("rev-parse", "main")
    with monkeypatch.context() as patch:
        without_fork(patch)
        shutil.rmtree(site.root / ".warta-cache", ignore_errors=True)
        same(report, evaluate_repository(site.root, all_items=True))


def test_no_early_child_where_an_index_or_a_kept_run_is_stored(site: Site) -> None:
    every_kind(site)
    evaluate_repository(site.root, all_items=True)
    history_job.start_early(site.root)
    assert history_job._early == []  # the index is stored: a warm run needs no child
    for stored in (site.root / ".warta-cache" / "history").iterdir():
        stored.unlink()
    history_job.start_early(site.root)
    assert history_job._early == []  # the kept run answers without any index
    history_job.start_early(site.root / "no" / "site" / "here")
    assert history_job._early == []
    history_job.start_early(site.root, cache=False)  # --no-cache: whatever is stored is not used
    try:
        assert len(history_job._early) == 1
    finally:
        history_job.cancel_early()


def test_an_early_child_nothing_takes_is_stopped(site: Site) -> None:
    every_kind(site)
    history_job.start_early(site.root)
    [early] = history_job._early
    history_job.cancel_early()
    assert history_job._early == [] and reaped(early.pid)


def test_a_git_failure_half_way_through_the_early_log_is_reported(site: Site) -> None:
    paths = every_kind(site)
    site.switch("main")
    break_history_half_way(site)
    with pytest.raises(GitError, match="git log failed"):
        early_then_evaluate(site)
    assert not list(site.root.glob(".warta-cache/history/*.idx"))  # nothing half-read was stored
    done = run_warta("verify", "--all", cwd=site.root)
    assert done.returncode != 0 and "git log failed" in done.stderr
    assert "ok:" not in done.stderr and paths["approved"] not in done.stdout


def test_the_verify_command_cold_says_what_it_says_warm(site: Site) -> None:
    every_kind(site)
    shutil.rmtree(site.root / ".warta-cache", ignore_errors=True)
    first = run_warta("verify", "--all", cwd=site.root / "content")  # cold: the early child builds the index
    assert list(site.root.glob(".warta-cache/history/*.idx"))
    shutil.rmtree(site.root / ".warta-cache" / "approvals" / "reports")
    again = run_warta("verify", "--all", cwd=site.root / "content")  # the stored index, judged again
    assert (first.returncode, first.stdout, first.stderr) == (again.returncode, again.stdout, again.stderr)
    assert first.returncode == 1 and "FAIL" in first.stdout


def test_the_childs_hint_spares_reading_the_unsigned_content_commits_again(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """The early child names the commits that changed a file before it packs the index; the parent reads
    them while it waits and notes those without a signature, so checking the signatures does not read
    them again. The verdicts are those of one process."""
    paths = every_kind(site)
    unsigned_sha = site.git("log", "--all", "--format=%H", "--grep=^tanpa tanda tangan$").strip()
    signed_sha = site.git("log", "--reverse", "--format=%H", "main", "--", paths["approved"]).split()[0]
    assert "gpgsig" not in site.git("cat-file", "commit", unsigned_sha).partition("\n\n")[0]
    assert "gpgsig" in site.git("cat-file", "commit", signed_sha).partition("\n\n")[0]
    asked: list[list[str]] = []
    read_blobs = Git.read_blobs

    def spy(self: Git, oids: Iterable[str]) -> dict[str, bytes]:
        wanted = list(oids)
        asked.append(wanted)
        return read_blobs(self, wanted)

    monkeypatch.setattr(Git, "read_blobs", spy)
    hints: list[list[str]] = []
    note = judge_module.Judge._note_unsigned

    def noted(self: judge_module.Judge, shas: list[str]) -> None:
        hints.append(shas)
        note(self, shas)

    monkeypatch.setattr(judge_module.Judge, "_note_unsigned", noted)
    early = early_then_evaluate(site)
    assert len(hints) == 1 and unsigned_sha in hints[0] and signed_sha in hints[0]
    # the unsigned commit is read once (for the hint); the signed one is read again to be judged
    assert sum(unsigned_sha in call for call in asked) == 1
    assert sum(signed_sha in call for call in asked) == 2
    with monkeypatch.context() as patch:
        without_fork(patch)
        shutil.rmtree(site.root / ".warta-cache", ignore_errors=True)
        alone = evaluate_repository(site.root, all_items=True)
    same(early, alone)
    states = {r.path: r.state for r in early.items}
    assert states[paths["unsigned"]] != "approved" and states[paths["approved"]] == "approved"


def test_the_hint_leaves_badly_signed_and_unknown_key_commits_to_the_signature_check(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """A content commit whose signature no longer matches it (B) and one signed by a key nobody holds (U)
    are named by the hint like every other: neither is noted unsigned, and every verdict is the one of one
    process."""
    paths = every_kind(site)
    site.switch("main")
    site.write(paths["direct"], item_text(title="Langsung", body="Dipalsukan."))
    good = site.commit("akan dipalsukan", site.cast["rina"])
    raw = site.git("cat-file", "commit", good).replace("akan dipalsukan", "sudah dipalsukan")
    forged = subprocess.run(["git", "-C", str(site.root), "hash-object", "-t", "commit", "-w", "--stdin"],
                            input=raw.encode(), capture_output=True, check=True).stdout.decode().strip()
    site.git("update-ref", "refs/heads/main", forged)
    site.git("reset", "-q", "--hard", "main")
    site.write(paths["direct"], item_text(title="Langsung", body="Kunci asing."))
    site.git("add", "-A")
    site.git("-c", f"user.signingkey={site.cast['stranger_key'].key}", "commit", "-q", "-S", "-m", "kunci asing",
             person=site.cast["rina"])
    stranger = site.git("rev-parse", "HEAD").strip()
    verdicts: list[dict[str, Signature]] = []
    noted: list[set[str]] = []
    verify = signing.verify_signatures

    def spy(git: Git, shas: Iterable[str], peoples: Iterable[People], cache_root: Path | None, *,
            unsigned: Collection[str] = frozenset()) -> dict[str, Signature]:
        found = verify(git, shas, peoples, cache_root, unsigned=unsigned)
        verdicts.append(dict(found))
        noted.append(set(unsigned))
        return found

    monkeypatch.setattr(signing, "verify_signatures", spy)
    early = early_then_evaluate(site)
    first, hinted = verdicts[-1], noted[-1]
    assert hinted and forged not in hinted and stranger not in hinted
    assert first[forged].status == "B" and first[stranger].status == "U"
    with monkeypatch.context() as patch:
        without_fork(patch)
        shutil.rmtree(site.root / ".warta-cache", ignore_errors=True)
        alone = evaluate_repository(site.root, all_items=True)
    assert verdicts[-1] == first and not noted[-1]
    same(early, alone)
    assert {r.path: r.state for r in early.items}[paths["direct"]] != "approved"
