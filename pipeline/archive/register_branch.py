"""The register branch (``archive.register_branch`` in ``warta.yml``): the register on a branch of its own,
which only the publishing identity pushes, so that no CI credential has to push to main (docs/archive.md,
docs/ci.md; DESIGN rule 12: "a register branch only that identity pushes").

Its shape: a linear chain of register commits. The **root** (a commit without parent) holds the register
as it stood when the site switched to the branch: main's trusted ``arsip/`` at the main commit the run
read (replayed as :func:`pipeline.archive.register_read.read_main` does; nothing for a new site), plus
that run's own records; every later commit has exactly one parent. Each is a ``Warta-Register`` commit
signed by the publishing identity that changes only files under ``arsip/`` and carries
``Warta-Main: <sha>``, the main commit the run read.

Reading (:func:`read_branch`): the branch's first-parent chain is replayed from its root; a commit that
fails a check (a merge, a file outside ``arsip/``, no trailer, unsigned or signed by another key) is
ignored with a warning, as on main. A root that fails is an error: the branch is then not the register
and ``warta publish`` refuses to number over it. Commits on main that add or change files under
``arsip/`` after the switch are ignored with a warning (main's ``arsip/``, if any is left, is history).

Where the branch is read: ``refs/heads/<name>``, or ``refs/remotes/origin/<name>`` in a fresh clone (the
newer of the two when both exist). ``warta publish`` fetches it first (:func:`sync`) and refuses when the
remote's branch no longer holds what this clone saw last (force-pushed or deleted).
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from pathlib import Path

from pipeline import yamlio
from pipeline.approvals import decisions
from pipeline.approvals.records import parse_trailers
from pipeline.approvals.signing import fingerprint, verify_signatures
from pipeline.archive import register_seen
from pipeline.archive.register_read import (
    ARCHIVE_DIR,
    TAG_PREFIX,
    Register,
    identity_people,
    read_main,
    records_of,
    replay,
    untrusted,
    why_not,
)
from pipeline.config import CONFIG_FILE
from pipeline.errors import Finding, GitError
from pipeline.git import Commit, Git
from pipeline.i18n import _
from pipeline.people import PEOPLE_PATH, People
from pipeline.tree import FileTree, GitTree

MAIN_TRAILER = "Warta-Main"
_SHA = re.compile(r"^[0-9a-f]{40}$")


def configured_branch(git: Git, rev: str) -> str | None:
    """``archive.register_branch`` in ``warta.yml`` at ``rev`` (``None``: not set, or unreadable). For the
    commands that only show the register; ``warta publish`` takes it from the trusted configuration."""
    raw = git.read_blobs([f"{rev}:{CONFIG_FILE}"]).get(f"{rev}:{CONFIG_FILE}")
    if raw is None:
        return None
    try:
        data = yamlio.load(raw.decode("utf-8"), CONFIG_FILE).data
    except (UnicodeDecodeError, yamlio.YamlSyntaxError):
        return None
    archive = data.get("archive") if isinstance(data, dict) else None
    name = archive.get("register_branch") if isinstance(archive, dict) else None
    return name if isinstance(name, str) and name else None


def branch_tip(git: Git, name: str, remote: str | None = "origin") -> str | None:
    """The register branch's tip: the local branch, or the remote-tracking one (the newer when both)."""
    local = git.rev_parse(f"refs/heads/{name}")
    other = git.rev_parse(f"refs/remotes/{remote}/{name}") if remote else None
    if local is None or other is None or local == other:
        return local or other
    return other if git.is_ancestor(local, other) else local


def remote_for(git: Git) -> str | None:
    """The remote a publish run talks to: the checked-out branch's, else ``origin``."""
    branch = git.current_branch()
    configured = git.config_get(f"branch.{branch}.remote") if branch else None
    if configured and configured != ".":
        return configured
    return "origin" if "origin" in git.remotes() else None


def main_of(commit: Commit) -> str | None:
    """The ``Warta-Main`` trailer of a register commit (the main commit its run read)."""
    found = [v for k, v in parse_trailers(commit.message)[0] if k.casefold() == MAIN_TRAILER.casefold()]
    return found[0] if len(found) == 1 and _SHA.match(found[0]) else None


def register_source(root: Path) -> Path | FileTree:
    """What the commands that show the register read (``warta archive``, ``announce --resolve``, the
    preview): ``root`` itself (its ``arsip/``) on a site whose register is on main, else the register
    branch's tip as git objects (main's, while the branch does not exist yet)."""
    with contextlib.suppress(GitError):
        git = Git(root)
        head = git.head()
        name = configured_branch(git, head) if head is not None else None
        if name is not None and head is not None:
            tip = branch_tip(git, name)
            return GitTree(git, tip or head, label=f"{name} at {(tip or head)[:12]}")
    return root


def register_tree(git: Git, rev: str) -> GitTree:
    """The register's files as git objects for a reader at main's ``rev`` (``warta status``): the register
    branch's tip in branch mode, else ``rev`` itself."""
    name = configured_branch(git, rev)
    tip = branch_tip(git, name) if name is not None else None
    return GitTree(git, tip or rev)


# --------------------------------------------------------------------------------------------------
# reading


def _cut(git: Git, commits: list[Commit], main_sha: str) -> list[Commit]:
    """The chain up to the last commit whose ``Warta-Main`` is ``main_sha`` or one of its ancestors."""
    reachable = set(git.text("rev-list", main_sha).split())
    last = max((i for i, c in enumerate(commits) if main_of(c) in reachable), default=-1)
    return commits[:last + 1]


def read_branch(git: Git, main_sha: str, people: People, name: str, *, cache_root: Path | None = None,
                as_of: bool = False) -> Register | None:
    """The trusted register on branch ``name`` (see the module docstring); ``None`` when the branch does
    not exist yet (or, ``as_of``, held nothing yet at ``main_sha``): then the register is main's.

    ``as_of``: the register as of main's ``main_sha`` (``warta report --at``): the chain up to the last
    commit whose ``Warta-Main`` is ``main_sha`` or an ancestor of it. ``warta publish`` reads it whole."""
    tip = branch_tip(git, name)
    if tip is None:
        return None
    commits = git.log([tip], first_parent=True, raw=True)
    if as_of:
        commits = _cut(git, commits, main_sha)
        if not commits:
            return None
    entry = people.pipeline
    if entry is None:
        return _as_it_stands(git, name, commits[-1].sha)
    keys = frozenset(fp for fp in (fingerprint(k) for k in entry.ssh_keys) if fp)
    signable = [c.sha for c in commits if len(c.parents) <= 1
                and all(ch.path.startswith(ARCHIVE_DIR + "/") for ch in c.changes)]
    verdicts = verify_signatures(git, signable, [identity_people(entry)], cache_root) if signable else {}
    findings: list[Finding] = []
    files: dict[str, str] = {}
    added: dict[str, str] = {}
    trusted: set[str] = set()
    root = commits[0]
    for commit in commits:
        paths = [c.path for c in commit.changes]
        reason = why_not(commit, paths, verdicts.get(commit.sha), keys, root=commit is root)
        if reason is not None:
            if commit is root:
                findings.append(_bad_root(commit, reason, name, entry.email))
                break
            findings.append(untrusted(commit, reason, entry.email, name))
            continue
        trusted.add(commit.sha)
        replay(commit, files, added)
    switch = main_of(root) if root.sha in trusted else None
    before = read_main(git, switch, people, cache_root=cache_root) \
        if switch is not None and git.rev_parse(switch) is not None else None
    findings.extend(_stray_on_main(git, main_sha, switch, name))
    records, found = records_of(git, files)
    return Register(records, [*findings, *found], files, added,
                    frozenset(trusted) | (before.commits if before else frozenset()),
                    before.legacy if before else frozenset(), protected=True, branch=name, tip=commits[-1].sha)


def advance(git: Git, register: Register, sha: str) -> Register:
    """``register`` after the run's own commit ``sha`` on the branch (a child of ``register.tip``, built from
    its trusted files and signed by this run): its changes applied, without reading the branch again."""
    files, added = dict(register.files), dict(register.added)
    for commit in git.log([sha, *([f"^{register.tip}"] if register.tip else [])], first_parent=True, raw=True):
        for change in commit.changes:
            if change.deleted or not change.mode.startswith("100"):
                files.pop(change.path, None)
                continue
            if change.path not in files:
                added[change.path] = commit.sha
            files[change.path] = change.oid
    records, found = records_of(git, files)
    kept = [f for f in register.findings if f.severity != "error"]
    return dataclasses.replace(register, records=records, findings=[*kept, *found], files=files, added=added,
                               commits=register.commits | {sha}, tip=sha)


def _as_it_stands(git: Git, name: str, tip: str) -> Register:
    """Without a publishing identity: the branch's ``arsip/`` as it stands, with a warning."""
    files = {e.path: e.oid for e in git.ls_tree(tip, [ARCHIVE_DIR]) if e.type == "blob"}
    records, found = records_of(git, files)
    note = Finding(PEOPLE_PATH, None, _("no pipeline: entry (the publishing identity): the register on "
                                        "{branch} is read as it stands, and anyone who can push to {branch} "
                                        "can change it; see docs/archive.md", branch=name),
                   "pipeline", "warning")
    return Register(records, [note, *found], files, branch=name, tip=tip)


def _bad_root(commit: Commit, reason: str, name: str, email: str) -> Finding:
    return Finding(f"refs/heads/{name}", None, _(
        "the first commit of the register branch {branch} ({sha}) is not a register commit of the publishing "
        "identity ({email}): {reason}; this branch is not the register, and warta publish refuses to number "
        "over it: restore the branch the identity wrote (git push --force-with-lease origin <its tip>:refs/"
        "heads/{branch}, by an administrator), or delete it so the next publish starts it again from main's "
        "register", branch=name, sha=commit.sha[:12], email=email, reason=reason))


def _stray_on_main(git: Git, main_sha: str, switch: str | None, name: str) -> list[Finding]:
    """A warning for each commit on main's first-parent chain after the switch that adds or changes a
    file under ``arsip/`` (deleting what main held before the switch is fine)."""
    revs = [main_sha, f"^{switch}"] if switch is not None and git.rev_parse(switch) is not None else [main_sha]
    found: list[Finding] = []
    for commit in git.log(revs, first_parent=True, raw=True, paths=[ARCHIVE_DIR]):
        changed = [c.path for c in commit.changes if not c.deleted]
        if changed:
            found.append(Finding(changed[0], None, _(
                "commit {sha} on main changes {n} file(s) under {archive_dir}/: ignored; the register lives on "
                "the branch {branch} (archive.register_branch), and nothing under {archive_dir}/ on main is read",
                sha=commit.sha[:12], n=len(changed), archive_dir=ARCHIVE_DIR, branch=name), None, "warning"))
    return found


def rewritten_tag(name: str, tag: str, target: str) -> Finding:
    """An error: a tag the identity signed points at a commit the register branch no longer holds."""
    return Finding(f"refs/tags/{tag}", None, _(
        "tag {tag}, signed by the publishing identity, points at {target}, which the register branch {branch} "
        "no longer holds: the branch was rewritten (force-pushed, reset or deleted); warta publish refuses to "
        "number over it (numbers would be used twice): restore the branch to a tip that holds {target} (git "
        "push origin <tip>:refs/heads/{branch}, by an administrator)", tag=tag, target=target[:12], branch=name))


def moved_tag(tag: str, target: str) -> Finding:
    """An error (register on main): a tag the identity signed points at a commit that is not a register
    commit on main's first-parent chain, so the register main holds is not the one that issued its number
    (``archive.register_branch`` removed, the documented one-way switch taken back, or main rewritten)."""
    return Finding(f"refs/tags/{tag}", None, _(
        "tag {tag}, signed by the publishing identity, points at {target}, which is not a register commit on "
        "main's first-parent chain: the register that issued this number is not the one main holds (archive."
        "register_branch removed or renamed, or main rewritten); warta publish refuses to number over it "
        "(numbers would be used twice): put archive.register_branch back to the branch that holds {target}, "
        "or restore main (by an administrator)", tag=tag, target=target[:12]))


# --------------------------------------------------------------------------------------------------
# the publish run: fetching the branch


def sync(git: Git, remote: str | None, name: str) -> None:
    """Bring the remote's register branch (``warta publish``, before it reads the register): the local
    branch follows the remote's; local commits the remote does not hold are dropped with their tags
    (numbers of a run that lost a race, or never pushed, are void). Refuses (:class:`GitError`) when the
    remote's branch no longer holds what this clone saw of it last (force-pushed or deleted)."""
    if remote is None:
        return
    tracking = f"refs/remotes/{remote}/{name}"
    seen = git.rev_parse(tracking)
    proc = git.run("fetch", "-q", "--no-write-fetch-head", "--no-tags", remote,
                   f"+refs/heads/{name}:{tracking}", f"+refs/tags/{TAG_PREFIX}*:refs/tags/{TAG_PREFIX}*",
                   check=False)
    text = proc.stderr.decode("utf-8", "replace").strip()
    if proc.returncode != 0 and "couldn't find remote ref" not in text:
        raise GitError(_("git fetch {remote} failed: {text}", remote=remote, text=text))
    fetched = git.rev_parse(tracking) if proc.returncode == 0 else None
    if seen is not None and (fetched is None or not git.is_ancestor(seen, fetched)):
        raise GitError(rewritten(name, remote, seen, fetched))
    last = register_seen.pushed(git, name)  # a fresh CI checkout remembers through the workflow's cache
    if last is not None and last != fetched and (fetched is None or not git.is_ancestor(last, fetched)):
        raise GitError(rewritten(name, remote, last, fetched))
    sync_reviews(git, remote, name)
    local = git.rev_parse(f"refs/heads/{name}")
    if fetched is None or local == fetched or (local is not None and git.is_ancestor(fetched, local)):
        return  # nothing there yet, or this clone holds more (pushed by the run after this)
    drop_after(git, name, fetched)


def sync_reviews(git: Git, remote: str | None, name: str) -> None:
    """Bring the remote's review branch ``<name>-ulasan`` (the forge-review copies,
    :func:`pipeline.approvals.decisions.review_ref`) and join it with the local one, so the copies this
    run writes go on top of the remote's and nothing either holds is lost. Refuses (:class:`GitError`)
    as :func:`sync` does when the remote's branch no longer holds what this clone saw, or last pushed."""
    if remote is None:
        return
    ref = decisions.review_ref(name)
    branch = ref.removeprefix("refs/heads/")
    tracking = f"refs/remotes/{remote}/{branch}"
    seen = git.rev_parse(tracking)
    proc = git.run("fetch", "-q", "--no-write-fetch-head", "--no-tags", remote, f"+{ref}:{tracking}", check=False)
    text = proc.stderr.decode("utf-8", "replace").strip()
    if proc.returncode != 0 and "couldn't find remote ref" not in text:
        raise GitError(_("git fetch {remote} failed: {text}", remote=remote, text=text))
    fetched = git.rev_parse(tracking) if proc.returncode == 0 else None
    for before in (seen, register_seen.pushed(git, branch)):
        if before is not None and before != fetched and (fetched is None or not git.is_ancestor(before, fetched)):
            raise GitError(rewritten_reviews(branch, remote, before, fetched))
    local = git.rev_parse(ref)
    joined = decisions.join(git, local, fetched) if fetched is not None else local
    if joined is not None and joined != local:
        git.run("update-ref", "-m", "warta publish: the review copies joined with the remote's", ref, joined)


def rewritten_reviews(branch: str, remote: str, seen: str, now: str | None) -> str:
    what = _("has gone") if now is None else _("was rewritten: it no longer holds {seen}", seen=seen[:12])
    return _("the review branch {branch} on {remote} {what} (this clone saw {seen} last): the forge reviews copied "
             "there, which published releases were approved by, may be lost; warta publish refuses to go on: "
             "restore it (git push {remote} {seen}:refs/heads/{branch}, by an administrator) and run publish again",
             branch=branch, remote=remote, what=what, seen=seen[:12])


def rewritten(name: str, remote: str, seen: str, now: str | None) -> str:
    what = _("has gone") if now is None else _("was rewritten: it no longer holds {seen}", seen=seen[:12])
    return _("the register branch {branch} on {remote} {what} (this clone saw {seen} last); warta publish refuses "
             "to number over it (numbers would be used twice): restore it (git push {remote} {seen}:refs/heads/"
             "{branch}, by an administrator) and run publish again", branch=name, remote=remote, what=what,
             seen=seen[:12])


def drop_after(git: Git, name: str, keep: str) -> None:
    """Move the local branch ``name`` to ``keep``; ``arsip/*`` tags on the commits that leaves are deleted."""
    local = git.rev_parse(f"refs/heads/{name}")
    doomed = set(git.text("rev-list", local, f"^{keep}").split()) if local is not None else set()
    if doomed:
        out = git.text("for-each-ref", "--format=%(refname:strip=2) %(*objectname) %(objectname)",
                       f"refs/tags/{TAG_PREFIX}")
        for line in out.splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[1] in doomed:  # the peeled commit, or a lightweight tag's
                git.run("tag", "-d", parts[0], check=False)
    git.run("update-ref", "-m", "warta publish: the register branch as the remote holds it",
            f"refs/heads/{name}", keep)
