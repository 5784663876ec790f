"""Register commits on the register branch (``archive.register_branch``; :mod:`pipeline.archive.register_branch`).

Main's checkout is never touched. The trusted register's files (as :func:`pipeline.archive.trust.read_register`
replayed them, so a forged change on the branch is undone by the next commit) are checked out from a
private index into ``.warta-cache/register-branch/stage`` (:func:`write_root`); the stages write their
record files there as they would under ``arsip/`` of main's checkout; :func:`commit` builds the commit
with git plumbing (``GIT_INDEX_FILE``, ``add``, ``write-tree``, ``commit-tree``), signed by the
publishing identity, with one parent (the branch's tip; none for the branch's first commit) and the
``Warta-Register`` and ``Warta-Main`` trailers, and moves ``refs/heads/<branch>`` with compare-and-swap.
Both folders are scratch: deleting them loses nothing.

:func:`push_or_sync` pushes only ``refs/heads/<branch>``, the review branch ``refs/heads/<branch>-ulasan``
(the forge-review copies, :func:`pipeline.approvals.decisions.review_ref`) and the ``arsip/*`` tags,
atomically and never forced. A rejected push fetches both branches: when the register branch moved on
(another run won) the run's own commits and tags since are dropped, the register is read again and
``False`` returned, so the caller renumbers on the new tip (the posting ledger's claim is lost, as on
main); the review copies are not numbers, so they are joined with the remote's and go with the next
push; when the remote no longer holds what this clone saw last of either (force-pushed or deleted) the
run refuses.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

from pipeline import identity
from pipeline.approvals import decisions
from pipeline.archive import register_seen
from pipeline.archive.register_branch import MAIN_TRAILER, advance, drop_after, rewritten, sync_reviews
from pipeline.archive.trust import ARCHIVE_DIR, PublishRun
from pipeline.cachedir import REGISTER_INDEX, REGISTER_STAGE, ensure_local_cache
from pipeline.errors import GitError
from pipeline.git import Git
from pipeline.i18n import _


def _env(git: Git) -> dict[str, str]:
    return {"GIT_INDEX_FILE": str(ensure_local_cache(git.root) / REGISTER_INDEX)}


def write_root(git: Git, run: PublishRun) -> Path:
    """The folder whose ``arsip/`` holds the register branch's trusted files, to write records into."""
    stage = ensure_local_cache(git.root) / REGISTER_STAGE
    if run.staged:
        return stage
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    index = ensure_local_cache(git.root) / REGISTER_INDEX
    index.unlink(missing_ok=True)
    env = _env(git)
    git.run("read-tree", "--empty", env=env)
    files = run.register.files
    if files:
        git.run("update-index", "--index-info", env=env,
                input="".join(f"100644 {oid}\t{path}\n" for path, oid in sorted(files.items())).encode("utf-8"))
        git.run("--work-tree", str(stage), "checkout-index", "--all", "--force", env=env)
    run.staged = True
    return stage


def commit(git: Git, run: PublishRun, message: str, config: Mapping[str, str]) -> str | None:
    """Commit what the stages wrote into :func:`write_root` on the register branch; the commit, or
    ``None`` when nothing changed. ``config``: the identity's signing settings (or an unsigned author)."""
    assert run.branch is not None
    stage = write_root(git, run)
    env = _env(git)
    before = git.run("write-tree", env=env).stdout.decode().strip()
    git.run("--work-tree", str(stage), "add", "--all", "--", ARCHIVE_DIR, env=env)
    tree = git.run("write-tree", env=env).stdout.decode().strip()
    if tree == before:
        return None
    ref = f"refs/heads/{run.branch}"
    parent = git.rev_parse(ref)
    if parent != run.register.tip:
        raise GitError(_("the register branch {branch} moved while warta publish was writing it ({value}); run "
                         "publish again", branch=run.branch, value=(parent or "gone")[:12]))
    main = git.head()
    assert main is not None
    text = identity.sealed(message, trailers=[(MAIN_TRAILER, main)])
    signed = config.get("commit.gpgSign") == "true"
    args = ["commit-tree", tree, *(["-p", parent] if parent else []), "-S" if signed else "--no-gpg-sign", "-F", "-"]
    sha = git.run(*args, input=text.encode("utf-8"), config=config).stdout.decode().strip()
    if not git.update_ref(ref, sha, parent, f"warta publish: {message.splitlines()[0]}"):
        raise GitError(_("the register branch {branch} moved while warta publish was writing it; run publish again",
                         branch=run.branch))
    run.register = advance(git, run.register, sha)
    run.staged = False
    return sha


def unpushed(git: Git, run: PublishRun, remote: str) -> bool:
    """Whether the local register branch, or the review branch, holds commits the remote's does not."""
    assert run.branch is not None
    return any(local is not None and local != git.rev_parse(f"refs/remotes/{remote}/{branch}")
               for branch, local in _branches(git, run.branch))


def _branches(git: Git, name: str) -> list[tuple[str, str | None]]:
    """The register branch and the review branch, with their local tips."""
    reviews = decisions.review_ref(name).removeprefix("refs/heads/")
    return [(b, git.rev_parse(f"refs/heads/{b}")) for b in (name, reviews)]


def push_or_sync(git: Git, run: PublishRun, remote: str, tags: Sequence[str]) -> bool:
    """See the module docstring: True when pushed; False when another run got there first."""
    name = run.branch
    assert name is not None
    tracking = f"refs/remotes/{remote}/{name}"
    branches = _branches(git, name)
    local = branches[0][1]
    refs = [*(f"refs/heads/{b}:refs/heads/{b}" for b, tip in branches if tip is not None),
            *[f"refs/tags/{t}:refs/tags/{t}" for t in tags]]
    if not refs:
        return True
    proc = git.run("push", "--atomic", "--porcelain", "--no-verify", remote, *refs, check=False)
    if proc.returncode == 0:
        for branch, tip in branches:
            if tip is not None:
                git.run("update-ref", f"refs/remotes/{remote}/{branch}", tip)
                register_seen.remember(git, branch, tip)
        return True
    text = (proc.stdout + proc.stderr).decode("utf-8", "replace").strip()
    seen = git.rev_parse(tracking)
    fetched_proc = git.run("fetch", "-q", "--no-write-fetch-head", "--no-tags", remote,
                           f"+refs/heads/{name}:{tracking}", check=False)
    fetched = git.rev_parse(tracking) if fetched_proc.returncode == 0 else None
    if seen is not None and (fetched is None or not git.is_ancestor(seen, fetched)):
        raise GitError(rewritten(name, remote, seen, fetched))
    reviews_before = git.rev_parse(decisions.review_ref(name))
    sync_reviews(git, remote, name)  # refuses a rewritten review branch; joins copies another run pushed
    reviews_moved = git.rev_parse(decisions.review_ref(name)) != reviews_before
    if not reviews_moved and (fetched is None or (local is not None and git.is_ancestor(fetched, local))):
        raise GitError(_("git push to {remote} failed: {text}", remote=remote, text=text))
    if fetched is not None and not (local is not None and git.is_ancestor(fetched, local)):
        drop_after(git, name, fetched)
    run.reread(git)
    return False
