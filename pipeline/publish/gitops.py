"""Git side of ``warta publish``: the lock, the preflight, the register's commits and tags, and the race
for the push.

Numbers exist only once the numbering commit exists; with a remote, the commit and its tags are pushed
(``--atomic``) before anything is built. If the push is rejected because another run got there first,
the run drops its own commit and tags, takes the remote's main (its own unpushed content commits are
merged onto it, never rebased), re-plans and tries again. With a register branch
(``archive.register_branch``) the commits, their push and the race are the register branch's, and main is
never written (:mod:`pipeline.publish.register_write`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path

from pipeline import identity
from pipeline.archive import trust
from pipeline.archive.records import ArchiveRecord, record_relpath
from pipeline.areas import ARCHIVE_AREA
from pipeline.cachedir import CACHE_DIRNAME, PUBLISH_LOCK, ensure_local_cache
from pipeline.config import SiteConfig
from pipeline.deploy.local import layout_names
from pipeline.errors import GitError, UsageError
from pipeline.files import exclusive_lock
from pipeline.git import Git
from pipeline.i18n import _
from pipeline.publish import register_write, tagwrite

ARCHIVE_DIR = ARCHIVE_AREA
STAGING = "_site.staging"  # the build is written to _site.staging/site; its temporary folders stay inside
OUTBOX = "_outbox"
TAG_PREFIX = "arsip/"
_IDENTITY = {"user.name": "warta publish", "user.email": "warta-publish@localhost"}
_QUIET_GIT = {"commit.gpgSign": "false", "tag.gpgSign": "false", "core.hooksPath": os.devnull}


def lock(root: Path) -> AbstractContextManager[None]:
    """One publish at a time in a repository."""
    return exclusive_lock(ensure_local_cache(root) / PUBLISH_LOCK, lambda: UsageError(
        _("another warta publish is running in this repository; wait for it to finish")))


def write_root(git: Git) -> Path:
    """Where the stages write record files (under ``arsip/``): main's checkout, or, with a register branch,
    the stage folder of :mod:`pipeline.publish.register_write`."""
    run = trust.publish_run(git.root)
    if run is None or run.branch is None:
        return git.root
    return register_write.write_root(git, run)


def remote_of(git: Git, main: str) -> str | None:
    remote = git.config_get(f"branch.{main}.remote")
    if remote and remote != ".":
        return remote
    names = git.text("remote").split()
    return "origin" if "origin" in names else None


def _generated_roots(config: SiteConfig) -> tuple[set[str], tuple[str, ...]]:
    """Top-level names of what warta writes itself (never content), and prefixes of its temporary names."""
    names = {CACHE_DIRNAME, STAGING, OUTBOX}
    prefixes: list[str] = []
    for name, channel in config.channels.items():
        folder = (channel.folder or f"{OUTBOX}/{name}").strip("/")
        names.add(folder.split("/")[0])
    if config.deploy.target in ("local", "pages") and not Path(config.deploy.path).is_absolute():
        written, prefix = layout_names(config.deploy.path)
        names.update(written)
        prefixes.append(prefix)
    return names, tuple(prefixes)


def preflight(git: Git, config: SiteConfig) -> list[str]:
    """Refuse to run off main or in the middle of a merge; the warnings (uncommitted changes, which are
    never published: the run reads commits only, and a dirty checkout must not hold approved releases)."""
    main = config.approvals.main_branch
    if git.head() is None:
        raise UsageError(_("the repository has no commit yet: run warta init, or commit the site first"))
    branch = git.current_branch()
    if branch != main:
        raise UsageError(_("warta publish runs on {main}; the checked-out branch is {value} (git switch {main})",
                           main=main, value=branch or 'a detached HEAD'))
    names, prefixes = _generated_roots(config)
    dirty = [p for p in git.dirty_paths()
             if not p.startswith(ARCHIVE_DIR + "/") and p.split("/")[0] not in names
             and not p.startswith(prefixes)]
    warnings = []
    if dirty:
        warnings.append(_("the working tree has uncommitted changes, which are not published (warta publish "
                          "reads commits only): {paths}", paths=", ".join(dirty[:5]) + (" …" if len(dirty) > 5 else "")))
    for state in ("rebase-merge", "rebase-apply", "MERGE_HEAD"):
        if (git.root / git.text("rev-parse", "--git-path", state).strip()).exists():
            raise UsageError(_("a git {value} is in progress in this repository; finish or abort it first",
                               value='merge' if state == 'MERGE_HEAD' else 'rebase'))
    return warnings


def reset_archive(git: Git) -> None:
    """Drop uncommitted record files a killed run may have left (only publish writes arsip/)."""
    if (git.root / ARCHIVE_DIR).exists():
        git.run("checkout", "HEAD", "--", ARCHIVE_DIR, check=False)
        git.run("clean", "-fdq", "--", ARCHIVE_DIR, check=False)


def _git_config(git: Git) -> dict[str, str]:
    """Our commits run no hooks and are signed by the publishing identity (DESIGN rule 12); without a
    ``pipeline:`` entry they are unsigned and have an author even where git has no identity."""
    run = trust.publish_run(git.root)
    if run is not None and run.identity is not None:
        return run.identity.config()
    name, email = git.identity()
    return {**_QUIET_GIT, **({} if name and email else _IDENTITY)}


# a number that is a ref name as it stands (no ``..``, ``//``, part starting or ending with ``.``, no
# ``.lock`` part): its tag name is itself, without the rewriting below (tests/publish/test_tagwrite.py)
_PLAIN_NUMBER = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*(?:/[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)*")


def tag_name(number: str) -> str:
    """``arsip/<number>``, with what a git ref name cannot hold replaced by ``_``."""
    if _PLAIN_NUMBER.fullmatch(number) and not any(p.endswith(".lock") for p in number.split("/")):
        return TAG_PREFIX + number
    safe = re.sub(r"[^A-Za-z0-9._/-]", "_", number)
    safe = re.sub(r"/{2,}", "/", re.sub(r"\.{2,}", "_", safe)).strip("/")
    parts = [p[1:] if p.startswith(".") else p for p in safe.split("/")]
    parts = [p[:-5] + "_lock" if p.endswith(".lock") else p for p in parts]
    return TAG_PREFIX + "/".join(p.rstrip(".") or "_" for p in parts)


def _tag_message(record: ArchiveRecord) -> str:
    return (f"Arsip {record.number}: {record.title}\n\n"
            f"Item: {record.path}\n"
            f"Klasifikasi: {record.klasifikasi.code} {record.klasifikasi.title}\n"
            f"Digest: {record.digest}\n"
            f"Record: {record_relpath(record)}\n")


def commit_written(git: Git, message: str) -> str | None:
    """Commit the record files the stage wrote (into :func:`write_root`); the commit, or ``None``."""
    run = trust.publish_run(git.root)
    signer = run.signer() if run is not None else None  # refuses (exit 2): pipeline: entry, no key
    if run is not None and run.branch is not None:
        config = signer.config() if signer is not None else {**_git_config(git), **identity.UNSIGNED}
        return register_write.commit(git, run, message, config)
    git.run("add", "-A", "--", ARCHIVE_DIR)
    if not git.text("diff", "--cached", "--name-only", "--", ARCHIVE_DIR).strip():
        return None
    if signer is not None:
        return signer.commit(git, message, [ARCHIVE_DIR])
    return identity.commit_unsigned(git, message, [ARCHIVE_DIR], _git_config(git))


def tag_names(git: Git) -> set[str]:
    """The names of the local ``arsip/*`` tags (no tag object is read: one listing of the refs)."""
    return set(git.text("for-each-ref", "--format=%(refname:strip=2)", f"refs/tags/{TAG_PREFIX}").splitlines())


def existing_tags(git: Git) -> dict[str, str]:
    """Local ``arsip/*`` tags -> the commit each points at."""
    out = git.text("for-each-ref", "--format=%(refname:strip=2)%00%(*objectname)%00%(objectname)",
                   f"refs/tags/{TAG_PREFIX}")
    tags: dict[str, str] = {}
    for line in out.splitlines():
        name, peeled, direct = line.split("\0")
        tags[name] = peeled or direct
    return tags


def make_tags(git: Git, records: Sequence[ArchiveRecord], sha: str) -> list[str]:
    """Signed by the publishing identity; a tag of the same name it did not sign is replaced. Titles and
    paths (untrusted) are written on one line each. All in a few git processes (:mod:`.tagwrite`)."""
    return _make_tags(git, [(record, sha) for record in records])


def _make_tags(git: Git, targets: Sequence[tuple[ArchiveRecord, str]]) -> list[str]:
    """One tag per ``(record, commit)``, made together (:func:`pipeline.publish.tagwrite.make_tags`)."""
    if not targets:
        return []
    run = trust.publish_run(git.root)
    signer = run.signer() if run is not None else None
    specs = []
    for record, sha in targets:
        name = tag_name(record.number)
        safe = record.model_copy(update={"title": identity.one_line(record.title),
                                         "path": identity.one_line(record.path)})
        # the identity replaces a tag of that name it did not sign (``git tag -f``), as before
        force = signer is not None and run is not None and name not in run.tags
        specs.append(tagwrite.TagSpec(name, sha, _tag_message(safe), force))
    if signer is not None:
        return tagwrite.make_tags(git, specs, signer.config(), signer.key.file)
    return tagwrite.make_tags(git, specs, {**_git_config(git), **identity.UNSIGNED}, None)


def repair_tags(git: Git, records: Sequence[ArchiveRecord]) -> list[str]:
    """Tags a killed run did not make: one per number, on the commit that added the record's file."""
    have = tag_names(git)  # a tag the identity did not sign is ignored (a finding), never fatal
    run = trust.publish_run(git.root)
    missing = [r for r in records if tag_name(r.number) not in have]
    branch = run is not None and run.branch is not None
    # the register's files as committed (git objects, never the working tree)
    files = (list(run.register.files) if run is not None and branch else
             [e.path for e in git.ls_tree("HEAD", [ARCHIVE_DIR])] if missing else [])
    targets: list[tuple[ArchiveRecord, str]] = []
    for record in missing:
        found = next((f for f in files if f.startswith(f"{ARCHIVE_DIR}/{record.tahun}/{record.kode}/")
                      and f.rsplit("/", 1)[-1].startswith(f"{record.urut:04d}-")), None)
        rel = found or record_relpath(record)
        added = run.added_by(rel) if run is not None and (run.register.protected or branch) else None
        if added is None and run is not None and branch:
            added = run.register.tip  # unsigned register branch: its tip holds the file
        if added is None:  # the commit of main's own line that added the file (never a side branch's)
            added = (git.text("log", "--first-parent", "--diff-filter=A", "--format=%H", "-1", "--", rel).strip()
                     or git.head() or "")
        targets.append((record, added))
    return _make_tags(git, targets)


def upstream_of(git: Git, remote: str, main: str) -> str | None:
    return git.rev_parse(f"refs/remotes/{remote}/{main}")


def _fetch(git: Git, remote: str, main: str) -> None:
    proc = git.run("fetch", "-q", "--no-write-fetch-head", remote,
                   f"+refs/heads/{main}:refs/remotes/{remote}/{main}",
                   f"+refs/tags/{TAG_PREFIX}*:refs/tags/{TAG_PREFIX}*", check=False)
    if proc.returncode != 0:
        text = proc.stderr.decode("utf-8", "replace").strip()
        if "couldn't find remote ref" in text:
            return  # an empty remote: the first push creates main
        raise GitError(_("git fetch {remote} failed: {text}", remote=remote, text=text))


def _push(git: Git, remote: str, main: str, tags: Sequence[str]) -> tuple[bool, str]:
    refs = [f"refs/heads/{main}:refs/heads/{main}", *[f"refs/tags/{t}:refs/tags/{t}" for t in tags]]
    proc = git.run("push", "--atomic", "--porcelain", "--no-verify", remote, *refs, check=False)
    return proc.returncode == 0, (proc.stdout + proc.stderr).decode("utf-8", "replace").strip()


def remote_tags(git: Git, remote: str) -> set[str]:
    out = git.run("ls-remote", "--tags", "--refs", remote, f"refs/tags/{TAG_PREFIX}*", check=False)
    return {line.split("\t", 1)[1].removeprefix("refs/tags/")
            for line in out.stdout.decode("utf-8", "replace").splitlines() if "\t" in line}


def _arsip_only(git: Git, sha: str) -> bool:
    paths = git.text("diff-tree", "--no-commit-id", "--name-only", "-r", "--root", sha).split()
    parents = git.text("rev-list", "--parents", "-n", "1", sha).split()[1:]
    return len(parents) <= 1 and bool(paths) and all(p.startswith(ARCHIVE_DIR + "/") for p in paths)


def _drop_local(git: Git, keep: str) -> None:
    """Drop the commits after ``keep`` and the ``arsip/*`` tags on them (unpushed work of a lost race)."""
    doomed = set(git.text("rev-list", f"{keep}..HEAD").split())
    for name, target in existing_tags(git).items():
        if target in doomed:
            git.run("tag", "-d", name, check=False)
    git.run("reset", "-q", "--hard", keep)


def integrate(git: Git, remote: str, main: str) -> None:
    """Bring the local main onto the remote's.

    Behind: fast-forward. Ahead: nothing (the push takes the local commits along). Both moved on: the
    local record commits on top are dropped (their numbers are void: the remote's register wins) and the
    rest of the local work is merged onto the remote's main, which stays the first parent, so main's
    first-parent history (where governance is read) is the remote's. Nothing is rebased: approval
    commits keep their ids and signatures.
    """
    _fetch(git, remote, main)
    upstream = upstream_of(git, remote, main)
    head = git.head()
    if upstream is None or head is None or head == upstream or git.is_ancestor(upstream, head):
        return
    if git.is_ancestor(head, upstream):
        _drop_local(git, upstream)  # a fast-forward
        return
    base = git.merge_base(head, upstream) or upstream
    tip = head
    while tip != base and _arsip_only(git, tip):
        tip = git.text("rev-parse", f"{tip}^").strip()
    if tip == base:
        _drop_local(git, upstream)
        return
    own = git.text("rev-list", f"{upstream}..{tip}").split()
    if any(_arsip_only(git, sha) for sha in own):
        raise GitError(_("{main} has record commits under arsip/ that are not on {remote}/{main}, below other commits; "
                         "{remote} has moved on, so their numbers may be taken: reset {main} to {remote}/{main}, merge "
                         "the release branches again, and run publish again",
                         main=main, remote=remote))
    _drop_local(git, tip)
    git.run("reset", "-q", "--hard", upstream)
    message = (f"Merge {main} of this clone into {remote}/{main}\n\nwarta publish: {remote}/{main} moved on "
               "while this clone had commits of its own; they are merged, not rebased, so every approval "
               "commit keeps its id and signature.\n")
    proc = git.run("merge", "-q", "--no-ff", "--no-edit", "-m", message, tip, check=False, config=_git_config(git))
    if proc.returncode != 0:
        git.run("merge", "--abort", check=False)
        git.run("reset", "-q", "--hard", tip)
        detail = (proc.stdout + proc.stderr).decode("utf-8", "replace").strip().splitlines()
        raise GitError(_("{main} and {remote}/{main} have both moved on and do not merge cleanly ({value}); pull, "
                         "resolve, and run publish again",
                         main=main, remote=remote, value=detail[-1] if detail else 'conflict'))


def unpushed(git: Git, remote: str, main: str) -> bool:
    """Whether this run has register commits the remote does not hold yet (main's, or the register branch's)."""
    run = trust.publish_run(git.root)
    if run is not None and run.branch is not None:
        return register_write.unpushed(git, run, remote)
    return git.head() != upstream_of(git, remote, main)


def push_or_sync(git: Git, remote: str, main: str, base: str, tags: Sequence[str]) -> bool:
    """Push main and ``tags``; True when pushed. When the remote's main moved on in the meantime (another
    run won the race) our unpushed work since ``base`` is dropped, the remote's main taken, and False
    returned. Any other failure is an error. With a register branch only that branch and ``tags`` are
    pushed, never main (:func:`pipeline.publish.register_write.push_or_sync`)."""
    run = trust.publish_run(git.root)
    if run is not None and run.branch is not None:
        return register_write.push_or_sync(git, run, remote, tags)
    ok, text = _push(git, remote, main, tags)
    if ok:
        return True
    _fetch(git, remote, main)
    upstream = upstream_of(git, remote, main)
    head = git.head()
    if upstream is not None and head is not None and not git.is_ancestor(upstream, head):
        _drop_local(git, base)
        integrate(git, remote, main)
        return False
    raise GitError(_("git push to {remote} failed: {text}", remote=remote, text=text))
