"""Which commits and tags are the archive register (DESIGN section 4, rule 12: ``arsip/`` is output).

No file under ``arsip/`` is evidence by being there. With a ``pipeline:`` entry in the trusted
``sop/people.yaml`` (:mod:`pipeline.identity`), the register is the tree of ``arsip/`` *replayed* from
the commits that count:

- on main's first-parent chain (a change brought in by a merge never counts), after the register's base
  (the repository's root commit, or ``pipeline.register_base`` when an office adopted the identity on an
  existing register: ``arsip/`` as it stood there is taken as it is);
- a single-parent commit that changes only files under ``arsip/``, whose message ends in the
  ``Warta-Register: numbering|record`` trailer;
- signed by one of the identity's keys, judged by git itself with an allowed-signers file that holds
  only those keys.

Every other commit that changes ``arsip/`` is ignored, with a warning finding that names it: its files
are neither read nor allowed to stop a number (the next publish puts the working tree back to the
trusted register, :func:`restore_worktree`, and its signed commit undoes the forged change). Tags
``arsip/*`` count when they are annotated, signed by the identity, carry their own name and point at a
register commit.

Without a ``pipeline:`` entry the register is ``arsip/`` as it stands on main (the behaviour before the
publishing identity), with a warning that it is unprotected.

With ``archive.register_branch`` in the trusted ``warta.yml`` the register lives on a branch of its own,
which only the publishing identity pushes (DESIGN rule 12's other form): :func:`read_register` then reads
that branch (:mod:`pipeline.archive.register_branch`: the same checks along its first-parent chain, a
rewrite refused), nothing under ``arsip/`` on main counts, and the working tree of main is left alone.
The checks and main's chain are in :mod:`pipeline.archive.register_read`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pipeline.approvals.service import Report, evaluate_repository
from pipeline.approvals.signing import SignatureCache, allowed_signers, fingerprint, tag_verdicts, verify_signatures
from pipeline.archive.records import StoredRecord, load_records
from pipeline.archive.register_branch import (
    MAIN_TRAILER,
    branch_tip,
    configured_branch,
    moved_tag,
    read_branch,
    register_source,
    remote_for,
    rewritten_tag,
    sync,
)
from pipeline.archive.register_read import (
    ARCHIVE_DIR,
    FINGERPRINT,
    TAG_PREFIX,
    Register,
    identity_people,
    read_main,
    signature_problem,
)
from pipeline.archive.tag_list import Tag, list_tags
from pipeline.cachedir import existing_cache
from pipeline.errors import Finding, GitError
from pipeline.git import Git, Signature, TreeEntry
from pipeline.i18n import _
from pipeline.identity import SIGNING_KEY_ENV, PublishingIdentity, load_identity, take_signing_key
from pipeline.people import PEOPLE_PATH, People, PipelineEntry
from pipeline.tree import FileTree, GitTree

__all__ = ["ARCHIVE_DIR", "TAG_PREFIX", "PublishRun", "Register", "begin_publish", "identity_people", "publish_run",
           "read_register", "records_at", "register_for_plan", "restore_worktree", "trusted_register",
           "trusted_source", "trusted_tags", "with_register_findings"]


def read_register(git: Git, main_sha: str, people: People, *, cache_root: Path | None = None,
                  branch: str | None | Literal["auto"] = "auto", as_of: bool = False) -> Register:
    """The trusted register as of ``main_sha`` (see the module docstring), judged by ``people`` (the
    trusted ``people.yaml``: an unapproved change of the ``pipeline:`` entry never takes effect).

    ``branch``: ``archive.register_branch`` of the trusted configuration (``None``: the register is on
    main); ``"auto"``: the running publish's, else as ``warta.yml`` at ``main_sha`` names it. In branch
    mode the register branch is read (:mod:`pipeline.archive.register_branch`; ``as_of``: as of main's
    ``main_sha``, for ``warta report --at``), or main's register while the branch does not exist yet."""
    name = _branch_for(git, main_sha) if branch == "auto" else branch
    if name is None:
        return read_main(git, main_sha, people, cache_root=cache_root)
    found = read_branch(git, main_sha, people, name, cache_root=cache_root, as_of=as_of)
    if found is not None:
        return found
    return dataclasses.replace(read_main(git, main_sha, people, cache_root=cache_root), branch=name)


def trusted_source(root: Path) -> Path | FileTree:
    """What the commands that show the register read (``warta archive``, ``announce --resolve``, the
    preview): :func:`pipeline.archive.register_branch.register_source`, except that in branch mode it is
    the branch's *trusted* register (the identity's commits replayed, judged by the trusted people, as
    ``warta publish`` reads it), so a forged commit on the branch's tip is never shown (rule 12)."""
    source = register_source(root)
    if not isinstance(source, GitTree):
        return source  # the register on main: its arsip/, which publish keeps to the trusted register
    git = source.git
    head = git.head()
    report = evaluate_repository(root, paths=[PEOPLE_PATH])
    name = report.config.archive.register_branch
    if head is None or name is None:
        return root  # the switch to a branch is not approved: the register is still main's
    register = read_register(git, head, report.people, branch=name, cache_root=existing_cache(root))
    tip = register.tip or head
    entries = [TreeEntry("100644", "blob", oid, path) for path, oid in sorted(register.files.items())]
    return GitTree(git, tip, entries, label=f"{name} at {tip[:12]}")


def _branch_for(git: Git, main_sha: str) -> str | None:
    run = publish_run(git.root)
    return run.branch if run is not None else configured_branch(git, main_sha)


def trusted_register(git: Git, main_sha: str, people: People, *,
                     cache_root: Path | None = None) -> tuple[list[StoredRecord], list[Finding]]:
    """The records of the trusted register and the findings (ignored commits are warnings; a damaged
    trusted record is an error, as :func:`pipeline.archive.records.load_records` reports it)."""
    register = read_register(git, main_sha, people, cache_root=cache_root)
    return register.records, register.findings


# --------------------------------------------------------------------------------------------------
# tags


_Tag = Tag


def _tags(git: Git, cache_root: Path | None = None) -> list[_Tag]:
    return list_tags(git, cache_root)


def _tag_verdicts(git: Git, tags: Sequence[_Tag], entry: PipelineEntry, cache_root: Path | None
                  ) -> dict[str, Signature]:
    """Git's verdict on each annotated tag's signature (``git verify-tag``), cached by tag object id."""
    text = allowed_signers([identity_people(entry)])
    digest = hashlib.sha256(text.encode()).hexdigest()
    listed = frozenset(fp for fp in (fingerprint(k) for k in entry.ssh_keys) if fp)
    cache = SignatureCache(cache_root / "tag-signatures" if cache_root else None)
    result: dict[str, Signature] = {}
    missing = []
    for tag in tags:
        hit = cache.get(tag.oid, digest, listed)
        if hit is None:
            missing.append(tag)
        else:
            result[tag.oid] = hit
    if missing:
        fresh = tag_verdicts(git, [t.oid for t in missing], text)  # in process (pipeline/sshsig.py)
        missing = [t for t in missing if t.oid not in fresh]
        with tempfile.TemporaryDirectory(prefix="warta-signers-") as tmp:
            file = Path(tmp) / "allowed_signers"
            file.write_text(text, encoding="utf-8")
            for tag in missing:
                proc = git.run("verify-tag", "--raw", tag.oid, check=False,
                               config={"gpg.ssh.allowedSignersFile": str(file), "gpg.ssh.program": "ssh-keygen"})
                said = proc.stderr.decode("utf-8", "replace")
                key = FINGERPRINT.search(said)
                status = "G" if proc.returncode == 0 else ("N" if "SIGNATURE" not in said.upper() else "B")
                fresh[tag.oid] = Signature(status, key.group(0) if key else "", entry.email if status == "G" else "")
        cache.put(fresh, digest)
        cache.save()
        result.update(fresh)
    return result


def trusted_tags(git: Git, register: Register, people: People, *,
                 cache_root: Path | None = None) -> tuple[dict[str, str], list[Finding]]:
    """``arsip/*`` tags that count (name -> the commit it points at) and a warning for every other."""
    tags = _tags(git, cache_root)
    entry = people.pipeline
    if entry is None or not register.protected:
        return {t.name: t.target for t in tags}, []
    keys = frozenset(fp for fp in (fingerprint(k) for k in entry.ssh_keys) if fp)
    annotated = [t for t in tags if t.kind == "tag" and t.target not in register.legacy]
    verdicts = _tag_verdicts(git, annotated, entry, cache_root) if annotated else {}
    good: dict[str, str] = {}
    findings: list[Finding] = []
    for tag in tags:
        if tag.target in register.legacy:
            good[tag.name] = tag.target  # issued before the identity was adopted (register_base)
            continue
        reason: str | None
        if tag.kind != "tag":
            reason = "it is a lightweight tag (register tags are annotated and signed)"
        elif tag.own_name != tag.name:
            reason = f"it is the tag object of {tag.own_name}, under another name"
        elif tag.target not in register.commits:
            if signature_problem(verdicts.get(tag.oid), keys) is None:
                lost = _lost_register(git, register, tag)
                if lost is not None:
                    findings.append(lost)  # an error: numbers would be used twice
                    continue
            reason = "it does not point at a register commit of the publishing identity"
        else:
            reason = signature_problem(verdicts.get(tag.oid), keys)
        if reason is None:
            good[tag.name] = tag.target
            continue
        findings.append(Finding(f"refs/tags/{tag.name}", None, _("tag {name}: {reason}: ignored; delete it (git push "
                                                                 "origin :refs/tags/{name}); warta publish makes the "
                                                                 "signed tag",
                                                                 name=tag.name, reason=reason),
                                None, "warning"))
    return good, findings


def _lost_register(git: Git, register: Register, tag: _Tag) -> Finding | None:
    """For a tag the identity signed that points outside the register: an error when that shows the register
    lost commits (the register branch rewritten, or a site whose register was on a branch now reading
    main's, or main rewritten past it)."""
    if register.branch is not None:
        return rewritten_tag(register.branch, tag.name, tag.target)
    on_branch = git.text("log", "-1", f"--format=%(trailers:key={MAIN_TRAILER},valueonly)", tag.target).strip()
    if not on_branch:
        return moved_tag(tag.name, tag.target)  # its number was issued, on a main since rewritten
    return Finding(f"refs/tags/{tag.name}", None, _(
        "tag {tag}, signed by the publishing identity, points at {target}, a commit of a register branch: this "
        "site's register was on a branch (archive.register_branch), and the register on main does not hold "
        "its numbers; warta publish refuses to number (numbers would be used twice): set "
        "archive.register_branch back to that branch (going back to main is not supported)",
        tag=tag.name, target=tag.target[:12]))


# --------------------------------------------------------------------------------------------------
# pull requests and the working tree


def register_findings_for_change(git: Git, base: str, head: str, people: People, *,
                                 cache_root: Path | None = None, branch: str | None = None) -> list[Finding]:
    """For ``warta verify`` on a pull request: every change under ``arsip/`` between ``base`` and ``head``
    not made by commits signed by the publishing identity, and every ``arsip/*`` tag pointing into the
    change, is an error (``arsip/`` is written only by ``warta publish`` on main). With a register
    ``branch`` every file a pull request adds or changes under ``arsip/`` is an error, signed or not
    (removing what main held before the switch is allowed)."""
    findings: list[Finding] = []
    changed = git.changed_paths(base, head, [ARCHIVE_DIR])
    if changed and branch is not None:
        kept = {e.path for e in git.ls_tree(head, [ARCHIVE_DIR])}
        for path in (p for p in changed if p in kept):
            findings.append(Finding(path, None, _("the register lives on the branch {branch} (archive.register_branch): "
                                                  "nothing under {archive_dir}/ on main is read, and a pull request "
                                                  "adds or changes nothing there; remove it from the pull request",
                                                  branch=branch, archive_dir=ARCHIVE_DIR)))
    elif changed:
        shas = git.text("rev-list", f"{base}..{head}", "--", ARCHIVE_DIR).split()
        entry = people.pipeline
        bad = list(shas)
        if entry is not None and shas:
            keys = frozenset(fp for fp in (fingerprint(k) for k in entry.ssh_keys) if fp)
            verdicts = verify_signatures(git, shas, [identity_people(entry)], cache_root)
            bad = [s for s in shas if signature_problem(verdicts.get(s), keys) is not None]
        if bad or not shas:
            who = ", ".join(s[:12] for s in bad[:5]) or "this change"
            for path in changed:
                findings.append(Finding(path, None, _("{archive_dir}/ is written only by warta publish on main, signed "
                                                      "by the publishing identity; this change ({who}) is not: remove it "
                                                      "from the pull request",
                                                      archive_dir=ARCHIVE_DIR, who=who)))
    inside = set(git.text("rev-list", f"{base}..{head}").split())
    for tag in _tags(git):
        if tag.target in inside:
            findings.append(Finding(f"refs/tags/{tag.name}", None, _("tag {name} points at {target} of this pull "
                                                                     "request; register tags are made only by warta "
                                                                     "publish on main",
                                                                     name=tag.name, target=tag.target[:12])))
    return findings


def restore_worktree(git: Git, register: Register) -> list[str]:
    """Make ``arsip/`` in the working tree the trusted register: files no register commit wrote are
    removed, trusted files another commit changed get their trusted content. Returns the paths changed.
    With a register branch main's checkout is left as it is (nothing under ``arsip/`` there is read, and
    the register is written without a checkout).

    Symbolic links are removed, never followed (a forged commit may check out ``arsip/x -> /``)."""
    if register.branch is not None:
        return []
    root = git.root
    folder = root / ARCHIVE_DIR
    if _worktree_matches(git, register):
        return []
    changed: list[str] = []
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        folder.unlink()
        changed.append(ARCHIVE_DIR)
    present: set[str] = set()
    if folder.is_dir():
        for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
            here = Path(dirpath)
            for name in [d for d in dirnames if (here / d).is_symlink()]:
                filenames.append(name)  # a link to a folder is removed like a file
                dirnames.remove(name)
            present.update((here / n).relative_to(root).as_posix() for n in filenames)
    for path in sorted(present - set(register.files)):
        (root / path).unlink()
        changed.append(path)
    blobs = git.read_blobs(register.files.values())
    for path, oid in sorted(register.files.items()):
        data = blobs.get(oid)
        if data is None:
            continue
        target = root / path
        _no_links(root, target)
        if target.is_dir():
            shutil.rmtree(target)
        if not target.is_file() or target.read_bytes() != data:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            changed.append(path)
    return changed


# git's stat check as git itself uses it (``git status``, ``diff-files``): a file edited in place changes
# its ctime, which no program can set back; the repository's configuration cannot turn that check off
_STAT_CHECKS = {"core.trustctime": "true", "core.checkStat": "default", "core.fsmonitor": "false",
                "core.untrackedCache": "false"}


def _worktree_matches(git: Git, register: Register) -> bool:
    """True when ``arsip/`` in the working tree already is the trusted register, proven with git's index:
    the index lists exactly the register's files with the register's blob ids (regular files, no
    conflict), ``git diff-files`` finds no file that differs from its index entry (git compares the stat
    data, ctime and inode included, and reads the bytes of an entry too new to trust its stat: the
    "racy git" rule), and nothing else is under ``arsip/``, ignored files included. Anything else
    (``False``) is not an answer: :func:`restore_worktree` then compares every file's bytes."""
    folder = git.root / ARCHIVE_DIR
    if folder.is_symlink() or not folder.is_dir() or not register.files:
        return False
    listed = git.run("ls-files", "-s", "-z", "--", ARCHIVE_DIR, config=_STAT_CHECKS, check=False)
    if listed.returncode != 0:
        return False
    index: dict[str, str] = {}
    for record in listed.stdout.decode("utf-8", "surrogateescape").split("\0"):
        if not record:
            continue
        info, _tab, path = record.partition("\t")
        mode, oid, stage = (info.split(" ") + ["", "", ""])[:3]
        if mode not in ("100644", "100755") or stage != "0" or not path:
            return False
        index[path] = oid
    if index != register.files:
        return False
    if git.run("diff-files", "--quiet", "--", ARCHIVE_DIR, config=_STAT_CHECKS, check=False).returncode != 0:
        return False
    others = git.run("ls-files", "-z", "--others", "--", ARCHIVE_DIR, config=_STAT_CHECKS, check=False)
    return others.returncode == 0 and not others.stdout


def _no_links(root: Path, target: Path) -> None:
    """Remove every symbolic link (or file in the way of a folder) between ``root`` and ``target``."""
    current = root
    for part in target.relative_to(root).parts:
        current = current / part
        if current.is_symlink() or current != target and current.exists() and not current.is_dir():
            current.unlink()


def with_findings(register: Register, findings: Sequence[Finding]) -> Register:
    return dataclasses.replace(register, findings=[*register.findings, *findings])


# --------------------------------------------------------------------------------------------------
# the publish run (glue for pipeline/publish.py until its stages pass these along)


@dataclass
class PublishRun:
    """What one ``warta publish`` run signs with and reads as the register. ``branch``: the register
    branch of the trusted configuration (``None``: the register is on main); ``staged``: the register
    branch's files are in the stage folder (:mod:`pipeline.publish.register_write`)."""

    people: People
    identity: PublishingIdentity | None
    register: Register
    tags: dict[str, str]
    branch: str | None = None
    remote: str | None = None
    cache_root: Path | None = None
    staged: bool = False

    def signer(self) -> PublishingIdentity | None:
        """The identity to sign with; ``None`` (unsigned, as before) only without a ``pipeline:`` entry.
        Refuses (exit 2) when the entry exists and ``WARTA_SIGNING_KEY`` was not given."""
        if self.people.pipeline is not None and self.identity is None:
            load_identity(self.people, required=True)  # raises with the message naming the variable
        return self.identity

    def added_by(self, path: str) -> str | None:
        """The register commit that added record file ``path`` (``None``: before the register base)."""
        return self.register.added.get(path)

    def reread(self, git: Git) -> Register:
        """Read the register again (after this run's commit, or after taking the remote's branch)."""
        head = git.head()
        assert head is not None
        self.register = read_register(git, head, self.people, cache_root=self.cache_root, branch=self.branch)
        self.staged = False
        return self.register


_runs: dict[str, PublishRun] = {}


def begin_publish(git: Git, people: People, *, cache_root: Path | None = None,
                  branch: str | None = None) -> PublishRun:
    """Start a run on main's tip: take the signing key out of the environment, judge it against the
    trusted ``people``, read the trusted register and tags, and put ``arsip/`` in the working tree back
    to the trusted register (protected registers on main only). ``branch``: ``archive.register_branch``
    of the trusted configuration: the remote's register branch is fetched first. Remembered for
    :func:`publish_run`."""
    take_signing_key()
    identity = load_identity(people, required=False)
    head = git.head()
    if head is None:
        raise GitError(_("the repository has no commit yet"))
    remote = remote_for(git) if branch is not None else None
    if branch is not None:
        sync(git, remote, branch)
    register = read_register(git, head, people, cache_root=cache_root, branch=branch)
    tags, tag_findings = trusted_tags(git, register, people, cache_root=cache_root)
    if people.pipeline is not None and identity is None:
        tag_findings.append(Finding(PEOPLE_PATH, None, _(
            "{signing_key_env} is not set: a run that writes the register refuses (it signs as {email})",
            signing_key_env=SIGNING_KEY_ENV, email=people.pipeline.email), "pipeline", "warning"))
    register = with_findings(register, tag_findings)
    if register.protected:
        restore_worktree(git, register)
    run = PublishRun(people, identity, register, tags, branch, remote, cache_root)
    _runs[str(git.root.resolve())] = run
    return run


def publish_run(root: Path) -> PublishRun | None:
    """The run :func:`begin_publish` started in ``root`` (``None``: none in this process)."""
    return _runs.get(str(root.resolve()))


def records_at(git: Git, sha: str) -> list[StoredRecord]:
    """The register as of ``sha`` for the run in ``git.root`` (judged by its people; with a register
    branch, the branch as this clone holds it now), or, outside a run, ``arsip/`` as it stands at
    ``sha`` (the register branch's tip in branch mode)."""
    run = publish_run(git.root)
    if run is None:
        name = configured_branch(git, sha)
        tip = branch_tip(git, name) if name is not None else None
        return load_records(GitTree(git, tip or sha))[0]
    if run.branch is not None:
        return run.reread(git).records
    return read_register(git, sha, run.people, cache_root=existing_cache(git.root)).records


def register_for_plan(git: Git, root: Path) -> tuple[list[StoredRecord], list[Finding]]:
    """For ``publish.make_plan``: :func:`begin_publish` with the people.yaml trusted on main's tip."""
    report = evaluate_repository(root, paths=[PEOPLE_PATH])
    run = begin_publish(git, report.people, cache_root=existing_cache(root),
                        branch=report.config.archive.register_branch)
    return run.register.records, run.register.findings


def with_register_findings(report: Report, *, cache: bool = True) -> Report:
    """For ``warta verify``: the report with an error for every unsigned change of the register in the
    judged change (branch mode or ``--base``); ``verify --all`` on main is unchanged."""
    if report.base is None or report.head == report.main_sha:
        return report
    git = Git(report.root)
    found = register_findings_for_change(git, report.base, report.head, report.people,
                                         cache_root=existing_cache(report.root) if cache else None,
                                         branch=report.config.archive.register_branch)
    if not found:
        return report
    return dataclasses.replace(report, problems=(*report.problems, *(f.format() for f in found)))
