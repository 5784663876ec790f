"""Reading the archive register: the checks every register commit passes, and the register as main's
first-parent chain holds it (DESIGN section 4, rule 12; the dispatcher and the rest are in
:mod:`pipeline.archive.trust`, the register branch in :mod:`pipeline.archive.register_branch`)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.approvals.records import parse_trailers
from pipeline.approvals.signing import fingerprint, verify_signatures
from pipeline.archive.records import ArchiveRecord, StoredRecord, cached_record, records_from_texts
from pipeline.archive.register_cache import cache_for
from pipeline.errors import Finding
from pipeline.git import Commit, Git, Signature
from pipeline.i18n import _
from pipeline.identity import REGISTER_KINDS, REGISTER_TRAILER
from pipeline.people import PEOPLE_PATH, People, Person, PipelineEntry

ARCHIVE_DIR = "arsip"
TAG_PREFIX = "arsip/"
FINGERPRINT = re.compile(r"SHA256:[A-Za-z0-9+/]+")


@dataclass
class Register:
    """The trusted register: its records, the findings, and where each file came from.

    ``files``: path -> blob id of every trusted file under ``arsip/``; ``added``: record file -> the
    register commit that added it (files of the base have none); ``commits``: the register commits;
    ``legacy``: commits at or before an adopted ``register_base`` (their tags count unsigned).
    ``branch`` and ``tip``: in branch mode, the register branch and the commit it was read at.
    """

    records: list[StoredRecord]
    findings: list[Finding]
    files: dict[str, str]
    added: dict[str, str] = field(default_factory=dict)
    commits: frozenset[str] = frozenset()
    legacy: frozenset[str] = frozenset()
    protected: bool = False
    branch: str | None = None  # archive.register_branch (None: the register is on main)
    tip: str | None = None  # the register branch's commit this register was read at (None: none yet)


def identity_people(entry: PipelineEntry) -> People:
    """A ``People`` of the identity alone: its allowed-signers file lists only the identity's keys."""
    return People(roles={}, people=(Person(entry.name, entry.email, (), None, entry.ssh_keys),))


def is_record_file(path: str) -> bool:
    return (path.startswith(ARCHIVE_DIR + "/") and path.endswith(".yaml")
            and not any(part.startswith(".") for part in path.split("/")))


def records_of(git: Git, files: dict[str, str]) -> tuple[list[StoredRecord], list[Finding]]:
    """The records of the register's ``files`` (path -> blob id): a record file the cache knows by its
    blob id is not read again (:func:`~pipeline.archive.records.cached_record`), the others are read in
    one batch and parsed."""
    wanted = sorted(p for p in files if is_record_file(p))
    cache = cache_for(git.root)
    known = {p: cached_record(cache, p, files[p]) for p in wanted}
    missing = [files[p] for p in wanted if known[p] is None]
    blobs = git.read_blobs(missing) if missing else {}
    texts: dict[str, bytes | ArchiveRecord] = {}
    for p in wanted:
        hit = known[p]
        texts[p] = hit if hit is not None else blobs.get(files[p], b"")
    return records_from_texts(texts, cache_root=git.root)


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


def changed_files(git: Git, shas: Sequence[str]) -> dict[str, tuple[str, ...]]:
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


def why_not(commit: Commit, paths: Sequence[str], sig: Signature | None, keys: frozenset[str], *,
            root: bool = False) -> str | None:
    """Why ``commit`` is not a register commit of the identity, or ``None`` when it is one. ``root``: the
    commit may have no parent (the first commit of a register branch)."""
    if len(commit.parents) > 1 or (len(commit.parents) == 0 and not root):
        return _("it is a merge (register commits are single commits of warta publish)")
    outside = [p for p in paths if not p.startswith(ARCHIVE_DIR + "/")]
    if outside:
        return _("it also changes files outside {archive_dir}/ ({items})",
                 archive_dir=ARCHIVE_DIR, items=', '.join(outside[:3]))
    kinds = [v for k, v in parse_trailers(commit.message)[0] if k.casefold() == REGISTER_TRAILER.casefold()]
    if len(kinds) != 1 or kinds[0] not in REGISTER_KINDS:
        return _("it is not a register commit of warta publish (no {register_trailer} trailer)",
                 register_trailer=REGISTER_TRAILER)
    return signature_problem(sig, keys)


def signature_problem(sig: Signature | None, keys: frozenset[str]) -> str | None:
    if sig is None or sig.status == "N":
        return _("it is not signed")
    if sig.good and sig.key in keys:
        return None
    if sig.status in ("G", "U"):
        return _("it is signed by another key ({value}), not by the publishing identity", value=sig.key or 'unknown')
    return _("its signature does not verify (git says {status})", status=sig.status)


def untrusted(commit: Commit, reason: str, email: str, branch: str | None = None) -> Finding:
    files = [c.path for c in commit.changes] or [ARCHIVE_DIR]
    if branch is not None:
        return Finding(files[0], None, _("commit {sha} by {author_name} <{author_email}> on the register branch "
                                         "{branch} is not a register commit: {reason}; ignored (its files are not "
                                         "read and take no number); only commits signed by the publishing identity "
                                         "({email}) on {branch}'s first-parent chain are the register",
                                         sha=commit.sha[:12], author_name=commit.author_name,
                                         author_email=commit.author_email, branch=branch, reason=reason, email=email),
                       None, "warning")
    return Finding(files[0], None, _("commit {sha} by {author_name} <{author_email}> changed {n} file(s) under "
                                     "{archive_dir}/, but {reason}: ignored; only commits signed by the publishing "
                                     "identity ({email}) on main's first-parent chain are the register",
                                     sha=commit.sha[:12], author_name=commit.author_name, author_email=commit.author_email,
                                     n=len(files), archive_dir=ARCHIVE_DIR, reason=reason, email=email),
                   None, "warning")


def read_main(git: Git, main_sha: str, people: People, *, cache_root: Path | None = None) -> Register:
    """The trusted register on main's first-parent chain as of ``main_sha`` (see :mod:`pipeline.archive.trust`),
    judged by ``people`` (the trusted ``people.yaml``: an unapproved change of ``pipeline:`` never takes effect)."""
    entry = people.pipeline
    if entry is None:
        files = {e.path: e.oid for e in git.ls_tree(main_sha, [ARCHIVE_DIR]) if e.type == "blob"}
        records, found = records_of(git, files)
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
    paths = changed_files(git, singles)
    keys = frozenset(fp for fp in (fingerprint(k) for k in entry.ssh_keys) if fp)
    signable = [c.sha for c in candidates if len(c.parents) == 1
                and all(p.startswith(ARCHIVE_DIR + "/") for p in paths.get(c.sha, ()))]
    verdicts = verify_signatures(git, signable, [identity_people(entry)], cache_root) if signable else {}
    added: dict[str, str] = {}
    trusted: set[str] = set()
    for commit in candidates:
        reason = why_not(commit, paths.get(commit.sha, ()), verdicts.get(commit.sha), keys)
        if reason is not None:
            findings.append(untrusted(commit, reason, entry.email))
            continue
        trusted.add(commit.sha)
        replay(commit, files, added)
    records, found = records_of(git, files)
    position = chain.index(base)
    legacy = frozenset(chain[position:]) if entry.register_base is not None and base == entry.register_base \
        else frozenset()
    return Register(records, [*findings, *found], files, added, frozenset(trusted), legacy, protected=True)


def replay(commit: Commit, files: dict[str, str], added: dict[str, str]) -> None:
    """Apply a trusted register commit's changes to ``files`` (path -> blob id); ``added``: record file ->
    the commit that first wrote it. A deletion, or anything but a regular file, leaves the register."""
    for change in commit.changes:
        if change.deleted or not change.mode.startswith("100"):
            files.pop(change.path, None)
            continue
        if change.path not in files:
            added[change.path] = commit.sha
        files[change.path] = change.oid
