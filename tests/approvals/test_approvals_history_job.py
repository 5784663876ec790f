"""Main's history index built in a forked child while the items are read (pipeline/approvals/history_job.py)
and read while git still writes the log (pipeline/approvals/history.py ``read``): the index, the verdicts
and the findings are exactly those of the index built in one process after the whole log; a git that
fails half way through the log is an error, never a shorter history or "no approvals"."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from approvals_helpers import Site, approve_fully, info_text, item_text, release
from cli_helpers import run_warta

from pipeline.approvals import history, history_job
from pipeline.approvals.history import History
from pipeline.approvals.records import record_from_commit
from pipeline.approvals.service import Report, evaluate_repository
from pipeline.errors import GitError
from pipeline.git import EMPTY_TREE, Commit, Git

pytestmark = pytest.mark.alone  # asserts forks: run alone when earlier tests left threads (tests/conftest.py)


def every_kind(site: Site) -> dict[str, str]:
    """A history with each kind of case the approval suite judges: approved, returned, half approved,
    approved then changed, changed unsigned, force-published, changed in the merge itself, committed
    straight to main, a changed SOP (a governance change), and a release branch left open."""
    c = site.cast
    paths: dict[str, str] = {}
    paths["approved"] = release(site, "disetujui")
    approve_fully(site, paths["approved"])
    site.merge("rilis/disetujui", c["wahyu"])
    paths["returned"] = release(site, "dikembalikan")
    site.record(c["dwi"], paths["returned"], 2, "kasubbag")
    site.record(c["hendro"], paths["returned"], 3, "sekdin", decision="return", note="Foto buram")
    site.merge("rilis/dikembalikan", c["wahyu"])
    paths["half"] = release(site, "setengah")
    site.record(c["dwi"], paths["half"], 2, "kasubbag")
    site.merge("rilis/setengah", c["wahyu"])
    paths["stale"] = release(site, "basi")
    approve_fully(site, paths["stale"])
    site.write(paths["stale"], item_text(body="Isi baru setelah disetujui."))
    site.commit("ubah isi", c["rina"])
    site.merge("rilis/basi", c["wahyu"])
    paths["unsigned"] = release(site, "tanpa-tanda")
    site.write(paths["unsigned"], item_text(body="Diubah tanpa tanda tangan."))
    site.commit("tanpa tanda tangan", c["rina"], sign=False)
    approve_fully(site, paths["unsigned"])
    site.merge("rilis/tanpa-tanda", c["wahyu"])
    paths["forced"] = "content/informasi-publik/2025/banjir.md"
    site.switch("rilis/banjir", create=True)
    site.write(paths["forced"], info_text("serta-merta"))
    site.commit("peringatan banjir", c["rina"])
    site.record(c["wahyu"], paths["forced"], 2, "kepala_dinas", decision="force")
    site.merge("rilis/banjir", c["wahyu"])
    # an approved branch whose merge edits the item itself (git's combined diff)
    paths["merge_edit"] = release(site, "diubah-saat-merge")
    approve_fully(site, paths["merge_edit"])
    site.switch("main")
    site.write("content/halaman/lain.md", "---\ntitle: Lain\n---\nIsi.\n")
    site.commit("main moves on", c["rina"])
    site.git("merge", "-q", "--no-ff", "--no-commit", "--no-gpg-sign", "rilis/diubah-saat-merge",
             person=c["hendro"])
    (site.root / paths["merge_edit"]).write_text((site.root / paths["merge_edit"]).read_text() + "\nDiubah.\n")
    site.git("add", paths["merge_edit"])
    site.git("commit", "-q", "--no-gpg-sign", "-m", "merge rilis/diubah-saat-merge", person=c["hendro"])
    paths["direct"] = "content/siaran-pers/2025/langsung.md"
    site.write(paths["direct"], item_text(title="Langsung"))
    site.commit("straight to main", c["rina"])
    sop = site.root / "sop" / "rilis-uji.yaml"
    site.write("sop/rilis-uji.yaml", sop.read_text().replace("Memeriksa rilis", "Memeriksa rilis dengan teliti"))
    site.commit("SOP: kegiatan diperjelas", c["rina"])
    paths["open"] = release(site, "terbuka")  # HEAD stays on this release branch
    site.record(c["dwi"], paths["open"], 2, "kasubbag")
    return paths


def same(a: Report, b: Report) -> None:
    """Two reports say the same, field by field: the verdicts and every finding."""
    assert a.items == b.items
    assert a.governance == b.governance
    assert (a.problems, a.warnings, a.removed, a.base, a.mode) == (b.problems, b.warnings, b.removed, b.base, b.mode)
    assert (a.main, a.main_sha, a.head) == (b.main, b.main_sha, b.head)
    assert a.state.blobs == b.state.blobs and a.config == b.config and a.people == b.people
    assert sorted(a.contexts) == sorted(b.contexts)
    assert all(a.contexts[p].facts == b.contexts[p].facts for p in a.contexts)


def cold(site: Site, **kwargs: object) -> Report:
    shutil.rmtree(site.root / ".warta-cache", ignore_errors=True)
    return evaluate_repository(site.root, **kwargs)  # type: ignore[arg-type]


def without_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on a platform without fork: the index is built in process, after the whole log."""
    monkeypatch.delattr(os, "fork")


def test_the_index_built_in_the_child_is_the_one_built_in_process(site: Site, tmp_path: Path) -> None:
    every_kind(site)
    git, tip = Git(site.root), site.git("rev-parse", "main")
    folder = tmp_path / "history"
    pending = history_job.start(git, tip, folder)
    assert pending.forked  # the child really built it
    index = pending.result()
    alone = history.build(git, tip, None)
    assert index.to_json() == alone.to_json()
    assert index.pos == alone.pos and index.touches == alone.touches and index.records == alone.records
    # what the child stored is what the parent would store, and a warm run reads it without a child
    assert (folder / f"{tip}.idx").read_bytes() == history.pack(alone)
    again = history_job.start(git, tip, folder)
    assert not again.forked and again.result().to_json() == alone.to_json()
    # without a cache folder the child still builds it and sends it back
    bare = history_job.start(git, tip, None)
    assert bare.forked and bare.result().to_json() == alone.to_json()


def test_records_read_while_git_writes_are_those_read_after(site: Site) -> None:
    every_kind(site)
    git = Git(site.root)
    commits, known, streamed = history.read(git, [site.git("rev-parse", "main")])
    assert streamed  # nearly every commit's record was read on the way
    for commit in commits:
        assert streamed.get(commit.sha, record_from_commit(commit, known)) == record_from_commit(commit, known)


@pytest.mark.parametrize("mode", ["all", "all-since-base", "no-cache", "on-main"])
def test_verdicts_and_findings_with_the_child_equal_those_in_process(
        site: Site, monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    paths = every_kind(site)
    args: dict[str, object] = {"all_items": True}
    if mode == "all-since-base":
        args["base"] = site.git("rev-list", "--max-parents=0", "main")
    elif mode == "no-cache":
        args["cache"] = False
    elif mode == "on-main":
        site.switch("main")
    started: list[history_job.Pending] = []
    start = history_job.start

    def spy(*a: object, **k: object) -> history_job.Pending:
        started.append(start(*a, **k))  # type: ignore[arg-type]
        return started[-1]

    monkeypatch.setattr(history_job, "start", spy)
    forked = cold(site, **args)
    assert [p.forked for p in started] == [True]  # the child built main's index
    with monkeypatch.context() as patch:
        without_fork(patch)
        alone = cold(site, **args)
    assert not started[-1].forked
    same(forked, alone)
    if mode == "all":
        states = {r.path: r.state for r in forked.items}
        assert states[paths["approved"]] == "approved" and states[paths["returned"]] == "returned"
        assert states[paths["half"]] == "in_review" and states[paths["open"]] == "in_review"  # HEAD's branch
        complete = {r.path: r.complete for r in forked.items}
        assert not complete[paths["stale"]] and not complete[paths["unsigned"]]
        assert not complete[paths["merge_edit"]] and not complete[paths["direct"]]
        assert forked.result(paths["forced"]).forced  # type: ignore[union-attr]
        assert [r.path for r in forked.governance] == ["sop/rilis-uji.yaml"]
        # and the same again from the caches the child and the parent wrote
        same(evaluate_repository(site.root, all_items=True), forked)


def test_items_read_early_with_other_limits_are_read_again(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """The items are read while the index is built, with the limits of the warta.yml at main's tip; when
    the limits that apply are others (that tip's governance is not valid, so the newest valid state's
    limits bound the work), they are read again with those."""
    path = release(site, "besar")
    site.write(path, item_text(body="Isi panjang. " * 400))
    site.commit("isi panjang", site.cast["rina"])
    approve_fully(site, path)
    site.merge("rilis/besar", site.cast["wahyu"])
    config = (site.root / "warta.yml").read_text()
    site.write("warta.yml", config + "limits: {front_matter_bytes: 1024, body_bytes: 1024}\n")
    site.write("sop/people.yaml", "people: [\n")  # main's newest state is not valid
    site.commit("limits lowered, people broken", site.cast["rina"])
    forked = cold(site, all_items=True)
    result = forked.result(path)
    assert result is not None and result.complete
    assert not any("over the limit" in p for p in result.problems)
    with monkeypatch.context() as patch:
        without_fork(patch)
        same(forked, cold(site, all_items=True))


def break_history_half_way(site: Site) -> None:
    """Remove the tree of a commit in the middle of main's history: ``git log`` with changed files dies
    there, after it has written the commits before it."""
    shas = site.git("rev-list", "--reverse", "--no-merges", "main", "--", "content").split()
    tree = site.git("rev-parse", f"{shas[len(shas) // 2]}^{{tree}}")
    loose = site.root / ".git" / "objects" / tree[:2] / tree[2:]
    assert loose.is_file()
    loose.unlink()


@pytest.mark.parametrize("fork", [True, False])
def test_a_git_failure_half_way_through_the_log_is_reported(
        site: Site, monkeypatch: pytest.MonkeyPatch, fork: bool) -> None:
    paths = every_kind(site)
    site.switch("main")
    break_history_half_way(site)
    if not fork:
        without_fork(monkeypatch)
    with pytest.raises(GitError, match="git log failed"):
        cold(site, all_items=True)
    assert not (site.root / ".warta-cache" / "history").is_dir() or not list(
        (site.root / ".warta-cache" / "history").glob("*.idx"))  # nothing half-read was stored
    done = run_warta("verify", "--all", cwd=site.root)
    assert done.returncode != 0 and "git log failed" in done.stderr
    assert "ok:" not in done.stderr and paths["approved"] not in done.stdout


def test_a_child_that_dies_has_the_parent_build_the_index(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    every_kind(site)
    git, tip = Git(site.root), site.git("rev-parse", "main")

    def dies(*_args: object) -> None:
        os._exit(3)

    monkeypatch.setattr(history_job, "_child", dies)  # what the forked child runs: it ends without a word
    pending = history_job.start(git, tip, None)
    assert pending.forked
    assert pending.result().to_json() == history.build(git, tip, None).to_json()


def commit_with(message: str, parents: tuple[str, ...] = ("a" * 40,), tree: str = "b" * 40) -> Commit:
    return Commit("c" * 40, parents, tree, "Dwi", "dwi@dinas.example.go.id", 100, "Dwi", "dwi@dinas.example.go.id",
                  100, message)


TRAILERS = ("Warta-Item: content/siaran-pers/2025/a.md\nWarta-Digest: sha256:" + "0" * 64 + "\nWarta-Step: 2\n"
            "Warta-Role: kasubbag\nWarta-Decision: approve")


def test_a_record_reads_its_note_review_and_problems() -> None:
    """The fields of a record as DESIGN section 3 defines them: the note between the subject and the
    trailers, a copied review's trailers, and what is wrong with the trailers."""
    plain = record_from_commit(commit_with(f"Setujui\n\n{TRAILERS}\n"), {"a" * 40: "b" * 40})
    assert plain is not None and plain.note == "" and plain.review == () and plain.problems == ()
    assert (plain.step, plain.role, plain.decision, plain.source, plain.changes_files) == (2, "kasubbag", "approve",
                                                                                           "git", False)
    noted = record_from_commit(commit_with(f"Setujui\n\nCatatan satu.\n\n\nCatatan dua.\n\n{TRAILERS}\n"), {})
    assert noted is not None and noted.note == "Catatan satu.\n\nCatatan dua." and noted.changes_files  # parent unknown
    copied = record_from_commit(commit_with(f"Setujui\n\n{TRAILERS}\nWarta-Source: github\nwarta-review-id: 7\n"), {})
    assert copied is not None and copied.source == "github" and copied.review == (("id", "7"),)
    assert copied.problems == ()
    bare = record_from_commit(commit_with(f"Setujui\n\n{TRAILERS}\nWarta-Source: GitHub\n"), {})
    assert bare is not None and bare.review == () and len(bare.problems) == 1 and "names its review" in bare.problems[0]
    twice = record_from_commit(commit_with(f"Setujui\n\n{TRAILERS}\nWarta-Step: x\n"), {})
    assert twice is not None and twice.step == 2 and twice.problems == (
        "Warta-Step appears 2 times (one record, one decision)",)
    assert record_from_commit(commit_with("Setujui\n\nWarta-Role: kasubbag\n"), {}) is None  # names no item
    root = record_from_commit(commit_with(f"Setujui\n\n{TRAILERS}\n", parents=(), tree=EMPTY_TREE), {})
    assert root is not None and not root.changes_files and not root.is_merge


def answer(git: Git, tip: str, data: bytes, hints: list[list[str]], *, piece: int = 0,
           then: Path | None = None) -> history_job.Pending:
    """A pending index whose child writes ``data`` (any bytes: well-formed frames or not) and exits;
    ``piece``: in pieces of that many bytes, each after a pause (the reader meets frames split anywhere);
    ``then``: after writing, the child waits 3 s and creates that file (it was not stopped)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        code = 0
        try:
            view = memoryview(data)
            while view:
                if piece:
                    time.sleep(0.001)
                view = view[os.write(write_end, view[:piece] if piece else view):]
            if then is not None:
                time.sleep(3)
                then.write_text("still running")
        except BaseException:  # noqa: BLE001 - the test sees the parent's side
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    return history_job.Pending(git, tip, None, pid=pid, fd=read_end, on_hint=hints.append)


def frame(kind: bytes, payload: bytes) -> bytes:
    return kind + len(payload).to_bytes(8, "little") + payload


def refuse(*_args: object) -> History:
    raise AssertionError("the parent built the index itself: the child's answer was not taken")


def test_the_childs_frames_are_read_whole_or_not_at_all(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pipe's frames (pipeline/approvals/history_job.py): a hint reaches ``on_hint`` as the ids it
    names; a hint of the wrong width or cut short is no hint; an answer cut short, or nothing, has the
    parent build the index itself; a hint is never taken for the index. Frames written in pieces (split
    inside a frame's head or payload) are read whole."""
    every_kind(site)
    git, tip = Git(site.root), site.git("rev-parse", "main")
    built = history.build(git, tip, None)
    ids = [built.shas[0], built.shas[-1]]
    packed = history.pack(built)
    hint = frame(b"H", b"".join(bytes.fromhex(s) for s in ids))
    cases = {  # the bytes, the hints given, whether the index is the child's own
        "hint, then the index": (hint + frame(b"I", packed), [ids], True),
        "the index alone": (frame(b"I", packed), [], True),
        "a hint of the wrong width": (frame(b"H", b"\x01" * 21) + frame(b"I", packed), [], True),
        "the index cut short": (hint + frame(b"I", packed)[:-5], [ids], False),
        "a hint and nothing after it": (hint, [ids], False),
        "a hint cut short": (hint[:-3], [], False),
        "a frame's head cut short": (b"I\x05\x00", [], False),
        "nothing": (b"", [], False),
    }
    for name, (data, expected, whole) in cases.items():
        for piece in (0, 7, 4093):  # at once, and split across frame heads and payloads
            hints: list[list[str]] = []
            pending = answer(git, tip, data, hints, piece=piece)
            with monkeypatch.context() as patch:
                if whole:
                    patch.setattr(history, "build", refuse)
                assert pending.result().to_json() == built.to_json(), (name, piece)
            assert hints == expected, (name, piece)
    hints = []
    with pytest.raises(GitError, match="git log failed here"):
        answer(git, tip, hint + frame(b"E", b"git log failed here"), hints).result()
    assert hints == [ids]


def test_a_hint_the_caller_fails_on_stops_the_child(site: Site, tmp_path: Path) -> None:
    """An error (or Ctrl-C) in ``on_hint`` reaches the caller at once: the child is stopped, not waited
    for until it has packed and sent the index."""
    every_kind(site)
    git, tip = Git(site.root), site.git("rev-parse", "main")
    marker = tmp_path / "still-running"
    pending = answer(git, tip, frame(b"H", bytes.fromhex(tip)), [], then=marker)

    def fails(_ids: list[str]) -> None:
        raise RuntimeError("the caller failed")

    pending.on_hint = fails
    with pytest.raises(RuntimeError, match="the caller failed"):
        pending.result()
    assert not marker.exists()  # reaped before it got past its sleep: it was stopped
    with pytest.raises(ChildProcessError):
        os.waitpid(pending.pid, os.WNOHANG)
