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
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.approvals.records import parse_trailers
from pipeline.approvals.service import Report, evaluate_repository
from pipeline.approvals.signing import SignatureCache, allowed_signers, fingerprint, tag_verdicts, verify_signatures
from pipeline.archive.records import StoredRecord, load_records, records_from_texts
from pipeline.cachedir import CACHE_DIRNAME
from pipeline.errors import Finding, GitError
from pipeline.git import Commit, Git, Signature
from pipeline.i18n import _
from pipeline.identity import (
    REGISTER_KINDS,
    REGISTER_TRAILER,
    SIGNING_KEY_ENV,
    PublishingIdentity,
    load_identity,
    take_signing_key,
)
from pipeline.people import PEOPLE_PATH, People, Person, PipelineEntry
from pipeline.tree import GitTree

ARCHIVE_DIR = "arsip"
TAG_PREFIX = "arsip/"
_FINGERPRINT = re.compile(r"SHA256:[A-Za-z0-9+/]+")


@dataclass
class Register:
    """The trusted register: its records, the findings, and where each file came from.

    ``files``: path -> blob id of every trusted file under ``arsip/``; ``added``: record file -> the
    register commit that added it (files of the base have none); ``commits``: the register commits;
    ``legacy``: commits at or before an adopted ``register_base`` (their tags count unsigned).
    """

    records: list[StoredRecord]
    findings: list[Finding]
    files: dict[str, str]
    added: dict[str, str] = field(default_factory=dict)
    commits: frozenset[str] = frozenset()
    legacy: frozenset[str] = frozenset()
    protected: bool = False


def identity_people(entry: PipelineEntry) -> People:
    """A ``People`` of the identity alone: its allowed-signers file lists only the identity's keys."""
    return People(roles={}, people=(Person(entry.name, entry.email, (), None, entry.ssh_keys),))


def _is_record_file(path: str) -> bool:
    return (path.startswith(ARCHIVE_DIR + "/") and path.endswith(".yaml")
            and not any(part.startswith(".") for part in path.split("/")))


def _records(git: Git, files: dict[str, str]) -> tuple[list[StoredRecord], list[Finding]]:
    wanted = sorted(p for p in files if _is_record_file(p))
    blobs = git.read_blobs(files[p] for p in wanted)
    return records_from_texts({p: blobs.get(files[p], b"") for p in wanted}, cache_root=git.root)


def _base(git: Git, main_sha: str, entry: PipelineEntry) -> tuple[str, list[str], list[Finding]]:
    """The register's base commit, main's first-parent chain (newest first), and a finding when
    ``register_base`` is not on that chain."""
    chain = git.text("rev-list", "--first-parent", main_sha).split()
    root = chain[-1]
    wanted = entry.register_base
    if wanted is None or wanted == root:
        return root, chain, []
    if wanted in chain:
        return wanted, chain, []
    return root, chain, [Finding(PEOPLE_PATH, None, _("pipeline.register_base {wanted} is not a commit on main's "
                                                      "first-parent chain; the register is read from the root commit on",
                                                      wanted=wanted[:12]),
                                 "register_base", "warning")]


def _changed_files(git: Git, shas: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Every file each commit changed against its first parent, by one ``git log --no-walk``."""
    if not shas:
        return {}
    token = secrets.token_hex(16)
    out = git.run("log", "--no-walk=unsorted", "--stdin", "--no-color", f"--format=%x00{token}%x00%H",
                  "--name-only", "-z", "--no-renames", "--diff-merges=first-parent",
                  input="".join(f"{s}\n" for s in shas).encode()).stdout
    result: dict[str, tuple[str, ...]] = {}
    for chunk in out.split(f"\0{token}\0".encode())[1:]:
        sha, rest = chunk[:40].decode(), chunk[41:]
        if rest.startswith(b"\n"):
            rest = rest[1:]
        result[sha] = tuple(p.decode("utf-8", "surrogateescape") for p in rest.split(b"\0") if p)
    return result


def _why_not(commit: Commit, paths: Sequence[str], sig: Signature | None, keys: frozenset[str]) -> str | None:
    """Why ``commit`` is not a register commit of the identity, or ``None`` when it is one."""
    if len(commit.parents) != 1:
        return _("it is a merge (register commits are single commits of warta publish)")
    outside = [p for p in paths if not p.startswith(ARCHIVE_DIR + "/")]
    if outside:
        return _("it also changes files outside {archive_dir}/ ({items})",
                 archive_dir=ARCHIVE_DIR, items=', '.join(outside[:3]))
    kinds = [v for k, v in parse_trailers(commit.message)[0] if k.casefold() == REGISTER_TRAILER.casefold()]
    if len(kinds) != 1 or kinds[0] not in REGISTER_KINDS:
        return _("it is not a register commit of warta publish (no {register_trailer} trailer)",
                 register_trailer=REGISTER_TRAILER)
    return _signature_problem(sig, keys)


def _signature_problem(sig: Signature | None, keys: frozenset[str]) -> str | None:
    if sig is None or sig.status == "N":
        return _("it is not signed")
    if sig.good and sig.key in keys:
        return None
    if sig.status in ("G", "U"):
        return _("it is signed by another key ({value}), not by the publishing identity", value=sig.key or 'unknown')
    return _("its signature does not verify (git says {status})", status=sig.status)


def _untrusted(commit: Commit, reason: str, email: str) -> Finding:
    files = [c.path for c in commit.changes] or [ARCHIVE_DIR]
    return Finding(files[0], None, _("commit {sha} by {author_name} <{author_email}> changed {n} file(s) under "
                                     "{archive_dir}/, but {reason}: ignored; only commits signed by the publishing "
                                     "identity ({email}) on main's first-parent chain are the register",
                                     sha=commit.sha[:12], author_name=commit.author_name, author_email=commit.author_email,
                                     n=len(files), archive_dir=ARCHIVE_DIR, reason=reason, email=email),
                   None, "warning")


def read_register(git: Git, main_sha: str, people: People, *, cache_root: Path | None = None) -> Register:
    """The trusted register as of ``main_sha`` (see the module docstring), judged by ``people`` (the
    trusted ``people.yaml``: an unapproved change of the ``pipeline:`` entry never takes effect)."""
    entry = people.pipeline
    if entry is None:
        files = {e.path: e.oid for e in git.ls_tree(main_sha, [ARCHIVE_DIR]) if e.type == "blob"}
        records, found = _records(git, files)
        note = Finding(PEOPLE_PATH, None, _("no pipeline: entry (the publishing identity): the register under "
                                            "{archive_dir}/ is read as it stands on main, and anyone who can push to "
                                            "main can change it; see docs/archive.md",
                                            archive_dir=ARCHIVE_DIR), "pipeline", "warning")
        return Register(records, [note, *found], files)
    base, chain, findings = _base(git, main_sha, entry)
    files = {e.path: e.oid for e in git.ls_tree(base, [ARCHIVE_DIR])
             if e.type == "blob" and e.mode.startswith("100")}
    candidates = git.log([main_sha, f"^{base}"], first_parent=True, raw=True, paths=[ARCHIVE_DIR])
    singles = [c.sha for c in candidates if len(c.parents) == 1]
    paths = _changed_files(git, singles)
    keys = frozenset(fp for fp in (fingerprint(k) for k in entry.ssh_keys) if fp)
    signable = [c.sha for c in candidates if len(c.parents) == 1
                and all(p.startswith(ARCHIVE_DIR + "/") for p in paths.get(c.sha, ()))]
    verdicts = verify_signatures(git, signable, [identity_people(entry)], cache_root) if signable else {}
    added: dict[str, str] = {}
    trusted: set[str] = set()
    for commit in candidates:
        reason = _why_not(commit, paths.get(commit.sha, ()), verdicts.get(commit.sha), keys)
        if reason is not None:
            findings.append(_untrusted(commit, reason, entry.email))
            continue
        trusted.add(commit.sha)
        for change in commit.changes:
            if change.deleted or not change.mode.startswith("100"):
                files.pop(change.path, None)
                continue
            if change.path not in files:
                added[change.path] = commit.sha
            files[change.path] = change.oid
    records, found = _records(git, files)
    position = chain.index(base)
    legacy = frozenset(chain[position:]) if entry.register_base is not None and base == entry.register_base \
        else frozenset()
    return Register(records, [*findings, *found], files, added, frozenset(trusted), legacy, protected=True)


def trusted_register(git: Git, main_sha: str, people: People, *,
                     cache_root: Path | None = None) -> tuple[list[StoredRecord], list[Finding]]:
    """The records of the trusted register and the findings (ignored commits are warnings; a damaged
    trusted record is an error, as :func:`pipeline.archive.records.load_records` reports it)."""
    register = read_register(git, main_sha, people, cache_root=cache_root)
    return register.records, register.findings


# --------------------------------------------------------------------------------------------------
# tags


@dataclass(frozen=True)
class _Tag:
    name: str
    kind: str
    oid: str
    target: str
    own_name: str


def _tags(git: Git) -> list[_Tag]:
    out = git.text("for-each-ref", "--format=%(refname:strip=2)%00%(objecttype)%00%(objectname)%00"
                   "%(*objectname)%00%(tag)", f"refs/tags/{TAG_PREFIX}")
    tags = []
    for line in out.splitlines():
        name, kind, oid, peeled, own = line.split("\0")
        tags.append(_Tag(name, kind, oid, peeled or oid, own))
    return tags


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
                key = _FINGERPRINT.search(said)
                status = "G" if proc.returncode == 0 else ("N" if "SIGNATURE" not in said.upper() else "B")
                fresh[tag.oid] = Signature(status, key.group(0) if key else "", entry.email if status == "G" else "")
        cache.put(fresh, digest)
        cache.save()
        result.update(fresh)
    return result


def trusted_tags(git: Git, register: Register, people: People, *,
                 cache_root: Path | None = None) -> tuple[dict[str, str], list[Finding]]:
    """``arsip/*`` tags that count (name -> the commit it points at) and a warning for every other."""
    tags = _tags(git)
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
            reason = "it does not point at a register commit of the publishing identity"
        else:
            reason = _signature_problem(verdicts.get(tag.oid), keys)
        if reason is None:
            good[tag.name] = tag.target
            continue
        findings.append(Finding(f"refs/tags/{tag.name}", None, _("tag {name}: {reason}: ignored; delete it (git push "
                                                                 "origin :refs/tags/{name}); warta publish makes the "
                                                                 "signed tag",
                                                                 name=tag.name, reason=reason),
                                None, "warning"))
    return good, findings


# --------------------------------------------------------------------------------------------------
# pull requests and the working tree


def register_findings_for_change(git: Git, base: str, head: str, people: People, *,
                                 cache_root: Path | None = None) -> list[Finding]:
    """For ``warta verify`` on a pull request: every change under ``arsip/`` between ``base`` and ``head``
    not made by commits signed by the publishing identity, and every ``arsip/*`` tag pointing into the
    change, is an error (``arsip/`` is written only by ``warta publish`` on main)."""
    findings: list[Finding] = []
    changed = git.changed_paths(base, head, [ARCHIVE_DIR])
    if changed:
        shas = git.text("rev-list", f"{base}..{head}", "--", ARCHIVE_DIR).split()
        entry = people.pipeline
        bad = list(shas)
        if entry is not None and shas:
            keys = frozenset(fp for fp in (fingerprint(k) for k in entry.ssh_keys) if fp)
            verdicts = verify_signatures(git, shas, [identity_people(entry)], cache_root)
            bad = [s for s in shas if _signature_problem(verdicts.get(s), keys) is not None]
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

    Symbolic links are removed, never followed (a forged commit may check out ``arsip/x -> /``)."""
    root = git.root
    folder = root / ARCHIVE_DIR
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
    """What one ``warta publish`` run signs with and reads as the register."""

    people: People
    identity: PublishingIdentity | None
    register: Register
    tags: dict[str, str]

    def signer(self) -> PublishingIdentity | None:
        """The identity to sign with; ``None`` (unsigned, as before) only without a ``pipeline:`` entry.
        Refuses (exit 2) when the entry exists and ``WARTA_SIGNING_KEY`` was not given."""
        if self.people.pipeline is not None and self.identity is None:
            load_identity(self.people, required=True)  # raises with the message naming the variable
        return self.identity

    def added_by(self, path: str) -> str | None:
        """The register commit that added record file ``path`` (``None``: before the register base)."""
        return self.register.added.get(path)


_runs: dict[str, PublishRun] = {}


def begin_publish(git: Git, people: People, *, cache_root: Path | None = None) -> PublishRun:
    """Start a run on main's tip: take the signing key out of the environment, judge it against the
    trusted ``people``, read the trusted register and tags, and put ``arsip/`` in the working tree back
    to the trusted register (protected registers only). Remembered for :func:`publish_run`."""
    take_signing_key()
    identity = load_identity(people, required=False)
    head = git.head()
    if head is None:
        raise GitError(_("the repository has no commit yet"))
    register = read_register(git, head, people, cache_root=cache_root)
    tags, tag_findings = trusted_tags(git, register, people, cache_root=cache_root)
    if people.pipeline is not None and identity is None:
        tag_findings.append(Finding(PEOPLE_PATH, None, _(
            "{signing_key_env} is not set: a run that writes the register refuses (it signs as {email})",
            signing_key_env=SIGNING_KEY_ENV, email=people.pipeline.email), "pipeline", "warning"))
    register = with_findings(register, tag_findings)
    if register.protected:
        restore_worktree(git, register)
    run = PublishRun(people, identity, register, tags)
    _runs[str(git.root.resolve())] = run
    return run


def publish_run(root: Path) -> PublishRun | None:
    """The run :func:`begin_publish` started in ``root`` (``None``: none in this process)."""
    return _runs.get(str(root.resolve()))


def records_at(git: Git, sha: str) -> list[StoredRecord]:
    """The register as of ``sha`` for the run in ``git.root`` (judged by its people), or, outside a run,
    ``arsip/`` as it stands at ``sha``."""
    run = publish_run(git.root)
    if run is None:
        return load_records(GitTree(git, sha))[0]
    folder = git.root / CACHE_DIRNAME
    return read_register(git, sha, run.people, cache_root=folder if folder.is_dir() else None).records


def register_for_plan(git: Git, root: Path) -> tuple[list[StoredRecord], list[Finding]]:
    """For ``publish.make_plan``: :func:`begin_publish` with the people.yaml trusted on main's tip."""
    people = evaluate_repository(root, paths=[PEOPLE_PATH]).people
    cache = root / CACHE_DIRNAME
    run = begin_publish(git, people, cache_root=cache if cache.is_dir() else None)
    return run.register.records, run.register.findings


def with_register_findings(report: Report, *, cache: bool = True) -> Report:
    """For ``warta verify``: the report with an error for every unsigned change of the register in the
    judged change (branch mode or ``--base``); ``verify --all`` on main is unchanged."""
    if report.base is None or report.head == report.main_sha:
        return report
    git = Git(report.root)
    folder = report.root / CACHE_DIRNAME
    found = register_findings_for_change(git, report.base, report.head, report.people,
                                         cache_root=folder if cache and folder.is_dir() else None)
    if not found:
        return report
    return dataclasses.replace(report, problems=(*report.problems, *(f.format() for f in found)))
