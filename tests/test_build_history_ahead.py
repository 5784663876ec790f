"""``warta build`` forks the approval judge's history job before it loads the items (pipeline/site/preview.py
``history_ahead``, pipeline/approvals/history_job.py ``start_early``): the child inherits a small process, never
the loaded items, and the judge takes that job instead of forking its own. The build's report, output and
caches are those of the job forked by the judge, and of the index built in one process without a fork.
Real signed repositories in tmp_path, the real build (without Pagefind: the search index is not what these
rules are about)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from approvals_helpers import Person, Site, approve_fully, item_text, make_site, release

from pipeline.approvals import history, history_job
from pipeline.commands import build as build_command
from pipeline.content import Site as Content
from pipeline.errors import ContentError
from pipeline.git import Git
from pipeline.site import preview as preview_module
from pipeline.site.preview import Preview

pytestmark = pytest.mark.alone  # asserts forks: run alone when earlier tests left threads (tests/conftest.py)

ITEM = "content/siaran-pers/2025/bantuan-bibit.md"
OTHER = "content/siaran-pers/2025/rapat-koordinasi.md"
RENDER_THREAD = "warta-render"  # pipeline.rendering.Background's thread


@pytest.fixture
def site(tmp_path: Path, cast: dict[str, Person], monkeypatch: pytest.MonkeyPatch) -> Site:
    made = make_site(tmp_path, cast)
    release(made, "bantuan-bibit")
    approve_fully(made, ITEM)
    made.merge("rilis/bantuan-bibit", cast["wahyu"])
    release(made, "rapat-koordinasi", text=item_text("Rapat Koordinasi", "Isi rilis rapat."))  # HEAD: a draft
    monkeypatch.chdir(made.root)
    return made


def files_of(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def cold_build(site: Site) -> dict[str, Any]:
    """A cold ``warta build --drafts --no-search``: its report (less the time it took), every output file
    and the history index it stored."""
    shutil.rmtree(site.root / ".warta-cache", ignore_errors=True)
    shutil.rmtree(site.root / "_preview", ignore_errors=True)
    _content, preview, result = build_command.build(site.root, None, drafts=True, search_index=False)
    report = {k: v for k, v in result.to_json().items() if k != "seconds"}
    return {"report": report, "reasons": preview.reasons, "checked": preview.approvals_checked,
            "output": files_of(site.root / "_preview"), "history": files_of(site.root / ".warta-cache" / "history")}


def watch_forks(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every fork of the build, with whether the items were loaded at that moment; the real fork runs."""
    forks: list[dict[str, Any]] = []
    loaded: list[Content] = []
    real_fork, real_load = os.fork, build_command.load_site

    def fork() -> int:
        forks.append({"items_loaded": bool(loaded)})
        return real_fork()

    def load_site(*args: Any, **kwargs: Any) -> Content:
        loaded.append(real_load(*args, **kwargs))
        return loaded[-1]

    monkeypatch.setattr(os, "fork", fork)
    monkeypatch.setattr(build_command, "load_site", load_site)
    return forks


def after_the_renderer(plan: Callable[[Content], Preview]) -> Callable[[Content], Preview]:
    """``plan`` once the build's render thread has ended."""
    def planned(site: Content) -> Preview:
        for thread in threading.enumerate():
            if thread.name == RENDER_THREAD:
                thread.join()
        assert threading.active_count() == 1, threading.enumerate()
        return plan(site)

    return planned


def test_the_history_child_is_forked_before_the_items_are_loaded(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    forks = watch_forks(monkeypatch)
    taken: list[history_job.Pending] = []
    start = history_job.start

    def spy(*args: Any, **kwargs: Any) -> history_job.Pending:
        taken.append(start(*args, **kwargs))
        return taken[-1]

    monkeypatch.setattr(history_job, "start", spy)
    built = cold_build(site)
    # one child, forked while no item was held; the judge took that one (its start forked nothing more),
    # and what reads main's index later reads the one it stored
    assert forks == [{"items_loaded": False}]
    assert taken and taken[0].forked
    assert not any(p.forked for p in taken[1:])
    assert built["checked"] and ITEM in built["report"]["published"] and OTHER in built["report"]["drafts"]
    assert "siaran-pers/2025/bantuan-bibit/index.html" in built["output"]


def test_report_output_and_caches_are_those_of_the_judges_own_fork_and_of_no_fork(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    ahead = cold_build(site)
    assert len(ahead["history"]) == 1  # the index the early child stored
    with monkeypatch.context() as patch:  # as before: the judge forks its child after the items are loaded
        forks = watch_forks(patch)
        patch.setattr(build_command, "history_ahead", lambda root: contextlib.nullcontext())
        # the judge forks only while no other thread runs: the render thread (pipeline.rendering.Background)
        # is begun while the items load and may still be running when the judge asks (then the index is
        # built in process, and nothing forks); it ends before the judge here, as on a build with more to
        # load than to render
        patch.setattr(build_command, "plan_preview", after_the_renderer(preview_module.plan_preview))
        judges = cold_build(site)
        assert forks == [{"items_loaded": True}]
    with monkeypatch.context() as patch:  # no fork at all: the index built in process
        patch.delattr(os, "fork")
        alone = cold_build(site)
    assert ahead == judges == alone


def test_a_build_that_fails_before_the_judge_stops_the_child(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    begun: list[history_job.Pending] = []
    start_early = history_job.start_early

    def spy(start: Path) -> None:
        start_early(start)
        begun.extend(history_job._early)

    monkeypatch.setattr(history_job, "start_early", spy)
    site.write(ITEM, "---\ntitle: [unclosed\n---\nIsi.\n")  # a content error: nothing is judged
    with pytest.raises(ContentError):
        cold_build(site)
    assert len(begun) == 1 and begun[0].forked
    with pytest.raises(ChildProcessError):  # the child was waited for: no process is left behind
        os.waitpid(begun[0].pid, os.WNOHANG)
    assert not history_job._early  # and nothing is left for a later judge to take


def test_a_stored_index_starts_no_child(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    cold_build(site)
    forks = watch_forks(monkeypatch)
    build_command.build(site.root, None, drafts=True, search_index=False)  # warm: the index is read
    assert forks == []
    with preview_module.history_ahead(site.root):
        assert not history_job._early
    assert forks == []


def test_the_early_child_sends_an_index_of_more_than_a_default_pipe_and_exits_unread(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """The child forked ahead writes its whole index into the pipe and ends before anyone reads it (a
    64 KB pipe would hold it, blocked, beside the judge's largest moment); the index then read is the
    one built in one process."""
    site.switch("main")
    for n in range(1200):
        site.write(f"content/siaran-pers/2024/rilis-{n:04d}.md", item_text(f"Rilis {n}", f"Isi {n}."))
    site.commit("1200 rilis", site.cast["rina"])
    tip = site.git("rev-parse", "main")
    shutil.rmtree(site.root / ".warta-cache", ignore_errors=True)
    history_job.start_early(site.root)
    assert len(history_job._early) == 1
    child = history_job._early[0]
    def blocked(*_args: object) -> None:
        raise AssertionError("the child did not end: it waits for its pipe to be read")

    previous = signal.signal(signal.SIGALRM, blocked)
    signal.alarm(120)  # a child blocked on a full pipe would never end: fail instead of hanging
    try:
        os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # it ended; nothing has read the pipe yet
    except AssertionError:
        history_job.cancel_early()  # no process left behind by a failing test
        raise
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    git = Git(site.root)
    index = history_job.start(git, tip, site.root / ".warta-cache" / "history").result()
    alone = history.build(git, tip, None)
    assert len(history.pack(alone)) > 64 * 1024  # more than a pipe holds unless it is grown
    assert index.to_json() == alone.to_json()
