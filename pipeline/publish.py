"""``warta publish``: the main job of DESIGN section 5, run on main (by CI, on every push and on a schedule).

Stages, each resumable (a run that dies anywhere leaves the live site as it was, and the next run
finishes the work without duplicating a number or a post):

1. **plan** — re-check every approval chain on main (``verify --all``; fails closed: an item without a
   full valid chain is not built, not posted, not archived), check the content, find embargoed items,
   changed and withdrawn items, and allocate archive numbers for newly approved items. A published item
   whose newest change cannot be published (no full chain, no change note, content errors, embargo,
   deleted) keeps its last published version on the site: that version is rebuilt from the commit its
   approvals name, never from the working tree.
2. **numbering** — write the new and changed records under ``arsip/`` and commit them to main with an
   annotated tag per new number. Numbers exist only once this commit exists; with a remote, the commit
   and its tags are pushed (``--atomic``) before anything is built. If the push is rejected because
   another run got there first, the run drops its own commit and tags, takes the remote's main (its
   own unpushed content commits are merged onto it, never rebased), re-plans and tries again.
3. **build** — the site of every publishable item (media derivatives included) into a staging folder.
4. **deploy** — to the target of ``warta.yml`` (``_site`` by an atomic swap, rsync, S3).
5. **announce** — for every item version whose publication is not recorded yet: one payload per outbox
   channel in ``_outbox/<channel>/`` (a payload that exists is never written again), and the slides and
   playlist of each videotron board (``_outbox/videotron/<board>/``).
6. **record** — publication time and channels go into the records: a second commit to main, pushed
   like the first. The record of a version is the posting ledger: once it is committed, no later run
   announces that version again.

A stage killed half-way leaves at most uncommitted files under ``arsip/`` (reset at the start of the
next run), a numbering commit without its tags or not yet pushed (the next run adds the tags and
pushes), a staging folder (rebuilt), an unfinished deploy (the live site is swapped only at the end) or
some payloads without their record (the next run writes the missing ones and records them).

Test hooks (never set them in production): ``WARTA_FAULT_AT=<point>`` makes the process kill itself with
SIGKILL at that point (:data:`FAULT_POINTS`); ``WARTA_NOW=<ISO 8601 time>`` sets the clock the run
judges embargoes and stamps publications with (the run says so on its output);
``WARTA_TEST_BARRIER=<folder>:<n>`` holds each run before its first push until ``n`` runs got there.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import fcntl
import json
import os
import re
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pipeline import identity
from pipeline.approvals.chain import ChainResult
from pipeline.approvals.service import Report, evaluate_repository, item_digest_at, read_item
from pipeline.archive import trust
from pipeline.archive.classification import load_table
from pipeline.archive.numbering import Allocation, NumberRequest, allocate
from pipeline.archive.records import (
    Approval,
    ApprovalSource,
    ArchiveRecord,
    Channel,
    Klasifikasi,
    StoredRecord,
    add_version,
    load_records,
    new_record,
    record_relpath,
    with_publication,
    withdraw,
    write_record,
)
from pipeline.cachedir import ensure_local_cache
from pipeline.check import check_site
from pipeline.config import ChannelSection, SiteConfig, load_config
from pipeline.content import InformasiPublikMeta, Item, Site, load_site, parse_item
from pipeline.errors import ApprovalError, ContentError, GitError, UsageError
from pipeline.git import Git

ARCHIVE_DIR = "arsip"
CACHE = ".warta-cache"
STAGING = "_site.staging"  # the build is written to _site.staging/site; its temporary folders stay inside
OUTBOX = "_outbox"
MAX_PUSH_ATTEMPTS = 8
VIDEOTRON_SLIDES = 10  # the newest releases shown on each board
TAG_PREFIX = "arsip/"

# Test hooks (see the module docstring).
FAULT_ENV = "WARTA_FAULT_AT"
NOW_ENV = "WARTA_NOW"
BARRIER_ENV = "WARTA_TEST_BARRIER"
FAULT_POINTS = (
    "numbering",  # record files written under arsip/, not committed
    "numbering-commit",  # numbering commit made, no tags, not pushed
    "numbering-tags",  # tags made, not pushed
    "build",  # while the site is being written into the staging folder
    "deploy",  # in the middle of the deploy copy
    "announce",  # after the first payload of the run was written
    "record",  # publication records written under arsip/, not committed
    "record-commit",  # publication commit made, not pushed
)
_IDENTITY = {"user.name": "warta publish", "user.email": "warta-publish@localhost"}
_QUIET_GIT = {"commit.gpgSign": "false", "tag.gpgSign": "false", "core.hooksPath": os.devnull}


def _fault(point: str) -> None:
    if os.environ.get(FAULT_ENV) == point:
        sys.stdout.flush()
        sys.stderr.flush()
        os.kill(os.getpid(), signal.SIGKILL)


def _barrier() -> None:
    """For ``WARTA_TEST_BARRIER=<folder>:<n>``: before its first push, wait (at most a minute) until ``n``
    runs have reached this point, so that concurrent runs really race for the push."""
    raw = os.environ.get(BARRIER_ENV, "")
    if not raw or ":" not in raw:
        return
    folder, count = raw.rsplit(":", 1)
    Path(folder).mkdir(parents=True, exist_ok=True)
    (Path(folder) / str(os.getpid())).touch()
    for _ in range(6000):
        if len(list(Path(folder).iterdir())) >= int(count):
            return
        threading.Event().wait(0.01)


@contextmanager
def _fault_during_build(staging: Path) -> Iterator[None]:
    """For ``WARTA_FAULT_AT=build``: die as soon as the build has written a page into its temporary
    folder (and at the latest when it returns), so the kill lands inside the build."""
    if os.environ.get(FAULT_ENV) != "build":
        yield
        return
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.005):
            for temp in staging.glob(".*.building-*"):
                if any(temp.rglob("*.html")):
                    _fault("build")

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
    _fault("build")


def clock(now: dt.datetime | None, tz: dt.tzinfo) -> tuple[dt.datetime, bool]:
    """The run's clock: ``now``, else ``WARTA_NOW`` (test hook), else the real time; and whether it was
    set by hand."""
    if now is not None:
        return (now if now.tzinfo else now.replace(tzinfo=tz)), True
    raw = os.environ.get(NOW_ENV, "").strip()
    if raw:
        try:
            moment = dt.datetime.fromisoformat(raw)
        except ValueError:
            raise UsageError(f"{NOW_ENV}={raw!r} is not an ISO 8601 time such as 2026-01-31T08:00:00+07:00") from None
        return (moment if moment.tzinfo else moment.replace(tzinfo=tz)), True
    return dt.datetime.now(tz), False


# --------------------------------------------------------------------------------------------------
# the plan


@dataclass
class Held:
    """An item the run does not publish as it is on main, with every reason."""

    path: str
    reasons: list[str]
    live: str | None = None  # the number whose last published version stays on the site instead


@dataclass
class Planned:
    """One item on the site after this run, with its record as it will be after the numbering commit.

    ``fallback``: the item is the last *published* version (rebuilt from history) because the version on
    main is held back or scheduled.
    """

    item: Item
    record: ArchiveRecord
    change: Literal["new", "changed", "withdrawn", "unchanged"]
    forced: bool = False
    fallback: bool = False


@dataclass
class Plan:
    report: Report
    site: Site
    now: dt.datetime
    publish: list[Planned] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)
    scheduled: list[tuple[str, dt.datetime]] = field(default_factory=list)
    exempt: list[str] = field(default_factory=list)
    allocations: list[Allocation] = field(default_factory=list)
    records_to_write: list[ArchiveRecord] = field(default_factory=list)
    records: list[ArchiveRecord] = field(default_factory=list)  # the whole register after numbering
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "numbers": [{"number": a.number, "path": a.path} for a in self.allocations],
            "publish": [{"path": p.item.path, "change": p.change, "number": p.record.number,
                         "fallback": p.fallback} for p in self.publish],
            "held": [{"path": h.path, "reasons": h.reasons, "live": h.live} for h in self.held],
            "scheduled": [{"path": p, "publish_at": t.isoformat()} for p, t in self.scheduled],
            "exempt": self.exempt,
            "records": [record_relpath(r) for r in self.records_to_write],
            "problems": self.problems,
            "warnings": self.warnings,
        }


@dataclass
class PublishResult:
    plan: Plan
    dry_run: bool
    output: str | None = None
    deploy_summary: str | None = None
    pages: list[str] = field(default_factory=list)
    files_to_deploy: list[str] = field(default_factory=list)
    announced: list[str] = field(default_factory=list)
    channel_errors: list[str] = field(default_factory=list)
    commits: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    attempts: int = 1
    clock_set: bool = False

    @property
    def ok(self) -> bool:
        """Everything approved is published (scheduled and exempt items are fine)."""
        return not self.plan.held and not self.plan.problems and not self.channel_errors

    def to_json(self) -> dict[str, Any]:
        doc = self.plan.to_json()
        doc.update(dry_run=self.dry_run, output=self.output, deploy=self.deploy_summary, pages=self.pages,
                   files_to_deploy=self.files_to_deploy, announced=self.announced,
                   channel_errors=self.channel_errors, commits=self.commits, tags=self.tags,
                   attempts=self.attempts, now=self.plan.now.isoformat(), clock_set=self.clock_set, ok=self.ok)
        return doc


Say = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


def _copy(moment: dt.datetime) -> dt.datetime:
    # a distinct object: the YAML writer would otherwise write one time used twice as an anchor and alias
    return moment.replace(microsecond=moment.microsecond)


def _aware(epoch: int, tz: dt.tzinfo) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, tz)


def _approvals(result: ChainResult, report: Report, tz: dt.tzinfo) -> list[Approval]:
    """The chain of the item's current version as the record keeps it: every step that counted, and a
    force publication (approval rule 10) as the step it was recorded at, marked in ``kegiatan``."""
    context = report.contexts.get(result.path)
    signatures = {r.sha: r.signature for r in context.records} if context else {}

    def fingerprint(sha: str) -> str | None:
        sig = signatures.get(sha)
        return (sig.key or None) if sig is not None else None

    out: list[Approval] = []
    for step in result.steps:
        if step.status != "approved" or step.sha is None or step.at is None:
            continue
        out.append(Approval(
            step=step.no, kegiatan=step.kegiatan or f"Langkah {step.no}", role=step.role,
            role_title=step.role_title or step.role, name=step.by or step.email or "?", email=step.email or "?",
            at=_aware(step.at, tz), digest=result.digest, signature_fingerprint=fingerprint(step.sha),
            source=ApprovalSource(type="git", commit=step.sha),
        ))
    forced = result.forced_by
    if forced is not None and not any(a.source.commit == forced.sha for a in out):
        title = report.people.title(forced.role) if report.state.people is not None else forced.role
        out.append(Approval(
            step=forced.step, kegiatan="Diterbitkan mendesak (serta-merta)",
            role=forced.role, role_title=title or forced.role, name=forced.name or forced.email or "?",
            email=forced.email or "?", at=_aware(forced.at, tz), digest=result.digest,
            signature_fingerprint=fingerprint(forced.sha), source=ApprovalSource(type="git", commit=forced.sha),
        ))
    return out


def _with_approvals(record: ArchiveRecord, approvals: Sequence[Approval]) -> ArchiveRecord | None:
    """``record`` with approvals of its current version it does not hold yet (steps a force publication
    skipped, approved retrospectively), or None when it holds them all."""
    held = {(a.digest, a.source.commit) for a in record.approvals}
    new = [a for a in approvals if (a.digest, a.source.commit) not in held]
    if not new:
        return None
    data = record.to_data()
    data["approvals"] = [*record.approvals, *new]
    return ArchiveRecord.model_validate(data)


def _approved_at(result: ChainResult, item: Item, now: dt.datetime) -> dt.datetime:
    times = [s.at for s in result.steps if s.status == "approved" and s.at is not None]
    if result.forced_by is not None:
        times.append(result.forced_by.at)
    if times:
        return _aware(max(times), now.tzinfo or dt.UTC)
    # Imported legacy content: its own date, or (pages have none) the moment it enters the register.
    return item.published or now


def _klasifikasi(item: Item, config: SiteConfig, root: Path) -> Klasifikasi | str:
    code = item.klasifikasi
    if not code:
        return f"no klasifikasi: set klasifikasi: in the front matter or kinds.{item.kind}.klasifikasi in warta.yml"
    table = load_table(config.archive.scheme, root)
    problem = table.validate(code)
    if problem:
        return f"klasifikasi: {problem}"
    return Klasifikasi(code=code, title=table.title(code), scheme=config.archive.scheme)


def _exempt(item: Item) -> bool:
    return isinstance(item.meta, InformasiPublikMeta) and item.meta.kategori_informasi == "dikecualikan"


def _reinstated(record: ArchiveRecord) -> ArchiveRecord:
    """A withdrawn record published again (a later approved version says ``status: terbit``)."""
    data = record.to_data()
    data.update(status="terbit", alasan_pencabutan=None, dicabut_at=None)
    return ArchiveRecord.model_validate(data)


def published_version(git: Git, record: ArchiveRecord, config: SiteConfig) -> Item | str:
    """The item as it was when ``record``'s current version was approved, or why it cannot be rebuilt.

    The version is found in a commit its approvals name (an approval commit's tree holds exactly the
    approved content), or for imported items in the root commit; the digest is checked. The files the
    item references must still be the same at HEAD (the build reads them from the working tree), so a
    changed photo is never shown before its change is approved.
    """
    candidates = [a.source.commit for a in record.approvals_for(record.digest)]
    if record.imported or not candidates:
        candidates += git.text("rev-list", "--max-parents=0", "HEAD").split()
    seen: set[str] = set()
    for candidate in candidates:
        sha = git.rev_parse(candidate)
        if sha is None or sha in seen:
            continue
        seen.add(sha)
        try:
            digest = item_digest_at(git.root, record.path, sha)
        except ApprovalError:
            continue
        if digest != record.digest:
            continue
        raw = git.read_blobs([f"{sha}:{record.path}"]).get(f"{sha}:{record.path}", b"")
        refs = list(read_item(record.path, raw).refs)
        if refs:
            then = {e.path: e.oid for e in git.ls_tree(sha, refs)}
            now = {e.path: e.oid for e in git.ls_tree("HEAD", refs)}
            changed = sorted(p for p in then if now.get(p) != then[p])
            if changed:
                return (f"the files it uses changed too ({', '.join(changed)}), so warta cannot rebuild the "
                        f"published version {record.number}: its page is left out until the change is approved")
        item, findings = parse_item(git.root, record.path, raw, config)
        if item is None or any(f.severity == "error" for f in findings):
            why = "; ".join(f.format() for f in findings if f.severity == "error") or "it does not load"
            return f"the published version {record.number} cannot be rebuilt ({why}): its page is left out"
        return item
    return (f"the published version {record.number} (digest {record.digest[:19]}…) is not in the history "
            "of main: its page is left out")


def make_plan(root: Path, now: dt.datetime | None = None) -> Plan:
    """Everything the run will do, decided before anything changes."""
    git = Git(root)
    stored, record_findings = trust.register_for_plan(git, root)  # the signed register only (rule 12)
    if any(f.severity == "error" for f in record_findings):
        raise ContentError("the archive register under arsip/ is damaged; fix it first",
                           [f for f in record_findings if f.severity == "error"])
    by_path: dict[str, StoredRecord] = {s.record.path: s for s in stored}
    published = {s.record.path: s.record.digest for s in stored if s.record.published_at is not None}

    report = evaluate_repository(root, all_items=True, published=published)
    config = report.config
    tz = config.tz
    moment, _ = clock(now, tz)
    checked = check_site(root)
    site = load_site(root, config)
    site.findings = checked.findings
    items = {i.path: i for i in site.items}
    errors: dict[str, list[str]] = {}
    for finding in checked.findings.errors:
        errors.setdefault(finding.path, []).append(finding.format())

    plan = Plan(report=report, site=site, now=moment, warnings=[
        *report.warnings, *(f.format() for f in record_findings if f.severity == "warning")])
    plan.problems.extend(report.problems)
    for gov in report.governance:
        if not gov.complete:
            plan.problems.append(f"{gov.path}: governance change without a valid approval: "
                                 + "; ".join(gov.reasons))
    if plan.problems:
        # Fail closed: with untrusted governance nothing is judged reliably, so nothing is published.
        return plan

    def keep_live(path: str, reasons: list[str] | None) -> None:
        """The item on main cannot be published now: its last published version (if any) stays."""
        existing = by_path.get(path)
        if existing is None:
            if reasons is not None:
                plan.held.append(Held(path, reasons))
            return
        record = existing.record
        old = published_version(git, record, config)
        if isinstance(old, str):
            if reasons is not None:
                plan.held.append(Held(path, [*reasons, old]))
            else:
                plan.warnings.append(f"{path}: {old}")
            return
        plan.publish.append(Planned(old, record, "unchanged", fallback=True))
        if reasons is not None:
            plan.held.append(Held(path, [*reasons, f"the published version {record.number} stays on the site"],
                                  live=record.number))

    requests: list[NumberRequest] = []
    pending: list[tuple[Item, ChainResult, Klasifikasi | None]] = []
    judged = {r.path for r in report.items}
    for result in report.items:
        path = result.path
        item = items.get(path)
        existing = by_path.get(path)
        if item is not None and _exempt(item) and (existing is None or result.complete):
            plan.exempt.append(path)  # UU 14/2008 Pasal 17: never published
            continue
        if not result.complete:
            keep_live(path, result.reasons or [f"state {result.state}"])
            continue
        if item is None or path in errors:
            keep_live(path, errors.get(path) or [f"{path} does not load"])
            continue
        changed = existing is None or existing.record.digest != result.digest
        if changed and item.publish_at is not None and item.publish_at > moment:
            plan.scheduled.append((path, item.publish_at))
            keep_live(path, None)
            continue
        if existing is None and item.meta.status == "dicabut":
            continue  # withdrawn before it was ever published: nothing to number or show
        if existing is not None and changed:
            record = existing.record
            notes = item.meta.catatan_perubahan
            if len(notes) < len(record.versions) and item.meta.status != "dicabut":
                keep_live(path, [
                    f"published as {record.number} and changed since: add a catatan_perubahan entry "
                    "(tanggal, catatan, jenis besar or kecil) describing this change, and approve it again"])
                continue
        klas: Klasifikasi | None = None
        if existing is None:
            got = _klasifikasi(item, config, root)
            if isinstance(got, str):
                plan.held.append(Held(path, [got]))
                continue
            klas = got
            requests.append(NumberRequest(path, klas.code, _approved_at(result, item, moment)))
        pending.append((item, result, klas))

    # A numbered item whose file is gone from main: deleting is not withdrawing (that is status: dicabut,
    # approved like any change). The site is built from the files in the repository, so its page cannot
    # stay up without the file: it is held back, and the run says how to put it right.
    for path, entry in sorted(by_path.items()):
        if path not in judged:
            plan.held.append(Held(path, [
                f"{path} was deleted from {report.main}, but it is filed as {entry.record.number}; its page is "
                "off the site until the file is restored (git checkout <commit> -- <path>); to withdraw it, "
                "restore it, set status: dicabut with alasan_pencabutan, and have that change approved"]))

    plan.allocations = allocate([s.record for s in stored], requests, config)
    numbers = {a.path: a for a in plan.allocations}
    for item, result, klas in pending:
        existing_entry = by_path.get(item.path)
        approvals = _approvals(result, report, tz)
        approved_at = _approved_at(result, item, moment)
        retensi = getattr(item.meta, "retensi", None) or getattr(config.kind_section(item.kind), "retensi", None)
        if existing_entry is None:
            assert klas is not None
            record = new_record(numbers[item.path], title=item.title, kind=item.kind, digest=result.digest,
                                klasifikasi=klas, approvals=approvals, approved_at=approved_at,
                                retensi=retensi, imported=result.imported)
            plan.records_to_write.append(record)
            plan.publish.append(Planned(item, record, "new", forced=result.forced))
            continue
        record = existing_entry.record
        if record.digest == result.digest:
            completed = _with_approvals(record, approvals)
            if completed is not None:
                plan.records_to_write.append(completed)
                record = completed
            plan.publish.append(Planned(item, record, "unchanged", forced=result.forced))
            continue
        notes = item.meta.catatan_perubahan
        note = notes[-1] if len(notes) >= len(record.versions) else None
        approved_at = max(approved_at, record.versions[-1].approved_at)
        if item.meta.status == "dicabut":
            alasan = item.meta.alasan_pencabutan or ""
            updated = add_version(record, result.digest, approved_at, approvals,
                                  jenis=note.jenis if note else "besar",
                                  catatan_perubahan=note.catatan if note else f"Dicabut: {alasan}")
            updated = withdraw(updated, alasan, record.dicabut_at or moment)
            plan.records_to_write.append(updated)
            plan.publish.append(Planned(item, updated, "withdrawn", forced=result.forced))
            continue
        assert note is not None
        updated = add_version(record, result.digest, approved_at, approvals, jenis=note.jenis,
                              catatan_perubahan=note.catatan)
        if updated.status == "dicabut":
            updated = _reinstated(updated)
        plan.records_to_write.append(updated)
        plan.publish.append(Planned(item, updated, "changed", forced=result.forced))

    register = {s.record.path: s.record for s in stored}
    register.update((r.path, r) for r in plan.records_to_write)
    plan.records = sorted(register.values(), key=lambda r: (r.tahun, r.kode, r.urut))
    plan.publish.sort(key=lambda p: p.item.path)
    plan.held.sort(key=lambda h: h.path)
    return plan


def publication_states(root: Path, results: Sequence[ChainResult], config: SiteConfig,
                       now: dt.datetime | None = None) -> dict[str, Literal["published", "scheduled"]]:
    """For ``warta status``: ``published`` for each fully approved item whose current version the archive
    register says is live, ``scheduled`` for one whose ``publish_at`` is still ahead (so the next
    scheduled publish run takes it). Items not in the result are neither."""
    live = {s.record.path: s.record.digest for s in load_records(root)[0] if s.record.published_at is not None}
    moment, _ = clock(now, config.tz)
    out: dict[str, Literal["published", "scheduled"]] = {}
    waiting = []
    for result in results:
        if not result.complete:
            continue
        if live.get(result.path) == result.digest:
            out[result.path] = "published"
        else:
            waiting.append(result.path)
    if waiting:
        for item in load_site(root, config, paths=waiting).items:
            if item.path in waiting and item.publish_at is not None and item.publish_at > moment:
                out[item.path] = "scheduled"
    return out


# --------------------------------------------------------------------------------------------------
# git: lock, preflight, commits, tags, push and the race


@contextmanager
def _lock(root: Path) -> Iterator[None]:
    folder = root / CACHE
    folder.mkdir(exist_ok=True)
    with open(folder / "publish.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UsageError("another warta publish is running in this repository; wait for it to finish") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remote(git: Git, main: str) -> str | None:
    remote = git.config_get(f"branch.{main}.remote")
    if remote and remote != ".":
        return remote
    names = git.text("remote").split()
    return "origin" if "origin" in names else None


def _generated_roots(config: SiteConfig) -> tuple[set[str], tuple[str, ...]]:
    """Top-level names of what warta writes itself (never content), and prefixes of its temporary names."""
    names = {CACHE, STAGING, OUTBOX}
    prefixes: list[str] = []
    for name, channel in config.channels.items():
        folder = (channel.folder or f"{OUTBOX}/{name}").strip("/")
        names.add(folder.split("/")[0])
    if config.deploy.target == "local" and not Path(config.deploy.path).is_absolute():
        live = Path(config.deploy.path).as_posix().strip("/").split("/")[0]
        names.update({live, f"{live}.versions"})
        prefixes.append(f".{live}.swap-")
    return names, tuple(prefixes)


def _preflight(git: Git, config: SiteConfig) -> None:
    main = config.approvals.main_branch
    if git.head() is None:
        raise UsageError("the repository has no commit yet: run warta init, or commit the site first")
    branch = git.current_branch()
    if branch != main:
        raise UsageError(f"warta publish runs on {main}; the checked-out branch is "
                         f"{branch or 'a detached HEAD'} (git switch {main})")
    names, prefixes = _generated_roots(config)
    dirty = [p for p in git.dirty_paths()
             if not p.startswith(ARCHIVE_DIR + "/") and p.split("/")[0] not in names
             and not p.startswith(prefixes)]
    if dirty:
        raise UsageError("the working tree has uncommitted changes: " + ", ".join(dirty[:5])
                         + (" …" if len(dirty) > 5 else "") + "; publish only what is committed "
                         "(commit or remove them first)")
    for state in ("rebase-merge", "rebase-apply", "MERGE_HEAD"):
        if (git.root / git.text("rev-parse", "--git-path", state).strip()).exists():
            raise UsageError(f"a git {'merge' if state == 'MERGE_HEAD' else 'rebase'} is in progress in this "
                             "repository; finish or abort it first")


def _reset_archive(git: Git) -> None:
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


def tag_name(number: str) -> str:
    """``arsip/<number>``, with what a git ref name cannot hold replaced by ``_``."""
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


def _commit_written(git: Git, message: str) -> str | None:
    run = trust.publish_run(git.root)
    signer = run.signer() if run is not None else None  # refuses (exit 2): pipeline: entry, no key
    git.run("add", "-A", "--", ARCHIVE_DIR)
    if not git.text("diff", "--cached", "--name-only", "--", ARCHIVE_DIR).strip():
        return None
    if signer is not None:
        return signer.commit(git, message, [ARCHIVE_DIR])
    return identity.commit_unsigned(git, message, [ARCHIVE_DIR], _git_config(git))


def _existing_tags(git: Git) -> dict[str, str]:
    """Local ``arsip/*`` tags -> the commit each points at."""
    out = git.text("for-each-ref", "--format=%(refname:strip=2)%00%(*objectname)%00%(objectname)",
                   f"refs/tags/{TAG_PREFIX}")
    tags: dict[str, str] = {}
    for line in out.splitlines():
        name, peeled, direct = line.split("\0")
        tags[name] = peeled or direct
    return tags


def _make_tags(git: Git, records: Sequence[ArchiveRecord], sha: str) -> list[str]:
    """Signed by the publishing identity; a tag of the same name it did not sign is replaced. Titles and
    paths (untrusted) are written on one line each."""
    run = trust.publish_run(git.root)
    signer = run.signer() if run is not None else None
    made = []
    for record in records:
        name = tag_name(record.number)
        safe = record.model_copy(update={"title": identity.one_line(record.title),
                                         "path": identity.one_line(record.path)})
        if signer is not None:
            signer.tag(git, name, _tag_message(safe), sha, force=run is not None and name not in run.tags)
        else:
            identity.tag_unsigned(git, name, _tag_message(safe), sha, _git_config(git))
        made.append(name)
    return made


def _repair_tags(git: Git, records: Sequence[ArchiveRecord]) -> list[str]:
    """Tags a killed run did not make: one per number, on the commit that added the record's file."""
    have = _existing_tags(git)  # a tag the identity did not sign is ignored (a finding), never fatal
    run = trust.publish_run(git.root)
    made: list[str] = []
    for record in records:
        name = tag_name(record.number)
        if name in have:
            continue
        found = next((s for s in (git.root / ARCHIVE_DIR).rglob(f"{record.urut:04d}-*.yaml")
                      if f"/{record.tahun}/{record.kode}/" in s.as_posix()), None)
        rel = found.relative_to(git.root).as_posix() if found else record_relpath(record)
        added = run.added_by(rel) if run is not None and run.register.protected else None
        if added is None:
            added = git.text("log", "--diff-filter=A", "--format=%H", "-1", "--", rel).strip() or git.head() or ""
        made += _make_tags(git, [record], added)
    return made


def _numbering_message(plan: Plan) -> str:
    fresh = {a.number for a in plan.allocations}
    new = [r for r in plan.records_to_write if r.number in fresh]
    completed = [r for r in plan.records_to_write if r.number not in fresh and len(r.versions) == 1]
    withdrawn = [r for r in plan.records_to_write if len(r.versions) > 1 and r.status == "dicabut"]
    changed = [r for r in plan.records_to_write if len(r.versions) > 1 and r.status != "dicabut"]
    parts = []
    if new:
        parts.append("nomor " + ", ".join(r.number for r in new))
    if changed:
        parts.append("versi baru " + ", ".join(r.number for r in changed))
    if withdrawn:
        parts.append("dicabut " + ", ".join(r.number for r in withdrawn))
    if completed:
        parts.append("paraf menyusul " + ", ".join(r.number for r in completed))
    body = "\n".join(f"{r.number}  {r.path}" for r in plan.records_to_write)
    return f"Arsip: {'; '.join(parts)}\n\n{body}\n"


def _upstream(git: Git, remote: str, main: str) -> str | None:
    return git.rev_parse(f"refs/remotes/{remote}/{main}")


def _fetch(git: Git, remote: str, main: str) -> None:
    proc = git.run("fetch", "-q", "--no-write-fetch-head", remote,
                   f"+refs/heads/{main}:refs/remotes/{remote}/{main}",
                   f"+refs/tags/{TAG_PREFIX}*:refs/tags/{TAG_PREFIX}*", check=False)
    if proc.returncode != 0:
        text = proc.stderr.decode("utf-8", "replace").strip()
        if "couldn't find remote ref" in text:
            return  # an empty remote: the first push creates main
        raise GitError(f"git fetch {remote} failed: {text}")


def _push(git: Git, remote: str, main: str, tags: Sequence[str]) -> tuple[bool, str]:
    refs = [f"refs/heads/{main}:refs/heads/{main}", *[f"refs/tags/{t}:refs/tags/{t}" for t in tags]]
    proc = git.run("push", "--atomic", "--porcelain", "--no-verify", remote, *refs, check=False)
    return proc.returncode == 0, (proc.stdout + proc.stderr).decode("utf-8", "replace").strip()


def _remote_tags(git: Git, remote: str) -> set[str]:
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
    for name, target in _existing_tags(git).items():
        if target in doomed:
            git.run("tag", "-d", name, check=False)
    git.run("reset", "-q", "--hard", keep)


def _integrate(git: Git, remote: str, main: str) -> None:
    """Bring the local main onto the remote's.

    Behind: fast-forward. Ahead: nothing (the push takes the local commits along). Both moved on: the
    local record commits on top are dropped (their numbers are void: the remote's register wins) and the
    rest of the local work is merged onto the remote's main, which stays the first parent, so main's
    first-parent history (where governance is read) is the remote's. Nothing is rebased: approval
    commits keep their ids and signatures.
    """
    _fetch(git, remote, main)
    upstream = _upstream(git, remote, main)
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
        raise GitError(f"{main} has record commits under arsip/ that are not on {remote}/{main}, below other "
                       f"commits; {remote} has moved on, so their numbers may be taken: reset {main} to "
                       f"{remote}/{main}, merge the release branches again, and run publish again")
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
        raise GitError(f"{main} and {remote}/{main} have both moved on and do not merge cleanly "
                       f"({detail[-1] if detail else 'conflict'}); pull, resolve, and run publish again")


def _push_or_sync(git: Git, remote: str, main: str, base: str, tags: Sequence[str]) -> bool:
    """Push main and ``tags``; True when pushed. When the remote's main moved on in the meantime (another
    run won the race) our unpushed work since ``base`` is dropped, the remote's main taken, and False
    returned. Any other failure is an error."""
    ok, text = _push(git, remote, main, tags)
    if ok:
        return True
    _fetch(git, remote, main)
    upstream = _upstream(git, remote, main)
    head = git.head()
    if upstream is not None and head is not None and not git.is_ancestor(upstream, head):
        _drop_local(git, base)
        _integrate(git, remote, main)
        return False
    raise GitError(f"git push to {remote} failed: {text}")


# --------------------------------------------------------------------------------------------------
# announce


_PRESET_BY_CHANNEL = {"facebook": "og", "instagram": "instagram-square", "x": "x", "twitter": "x",
                      "youtube": "youtube"}


def _preset(name: str, channel: ChannelSection) -> str:
    """The channel picture a payload carries: Instagram square, X 16:9, otherwise the Open Graph card."""
    return _PRESET_BY_CHANNEL.get(channel.type) or _PRESET_BY_CHANNEL.get(name.lower()) or "og"


def _is_videotron(name: str, channel: ChannelSection) -> bool:
    return channel.type == "videotron" or (channel.type == "outbox" and name == "videotron")


def _website_at(record: ArchiveRecord) -> dt.datetime | None:
    return next((c.at for c in record.channels if c.channel == "website"), None)


def announcement_due(record: ArchiveRecord) -> bool:
    """The current version's publication (and so its announcements) is not recorded yet."""
    at = _website_at(record)
    return record.published_at is None or at is None or at < record.versions[-1].approved_at


def _main_image(item: Item) -> str | None:
    return next((i.path for i in item.images if i.role == "image"), None)


def _channel_pictures(root: Path, items: Sequence[Item], config: SiteConfig) -> dict[str, Any]:
    """The ImageSet of each item's main photo (the same derivatives the site build placed)."""
    from pipeline.media import MediaJob, build_media
    from pipeline.site.media import MEDIA_CACHE

    jobs: dict[str, MediaJob] = {}
    for item in items:
        path = _main_image(item)
        if path is None or path in jobs:
            continue
        focus = item.meta.image_focus or [0.5, 0.5]
        jobs[path] = MediaJob(source=root / path, display_path=path, used_by=(item.path,),
                              focus=(focus[0], focus[1]), channels=True)
    if not jobs:
        return {}
    with tempfile.TemporaryDirectory(prefix="warta-channel-") as tmp:
        media = build_media(list(jobs.values()), Path(tmp), root / MEDIA_CACHE, config.media, prune=False)
    return dict(media.images)


def _payload_key(record: ArchiveRecord) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", f"{record.number}-{record.digest[7:19]}")


def _announce(root: Path, due: Sequence[Planned], live: Sequence[Planned], config: SiteConfig,
              stamp: dt.datetime, result: PublishResult) -> dict[str, list[Channel]]:
    """Payloads for the due item versions (never written twice) and the videotron boards' playlists."""
    sent: dict[str, list[Channel]] = {}
    first = True
    social = [(n, c) for n, c in sorted(config.channels.items()) if c.enabled and not _is_videotron(n, c)]
    wanted = [p for p in due if not p.record.imported]
    pictures = _channel_pictures(root, [p.item for p in wanted if p.change != "withdrawn"
                                        and any(p.item.kind in c.kinds for _, c in social)], config)
    for name, channel in social:
        if channel.type != "outbox":
            result.channel_errors.append(f"channel {name} (type {channel.type}): this version of warta has no "
                                         "adapter for it, nothing was sent; use type: outbox")
            continue
        folder = root / (channel.folder or f"{OUTBOX}/{name}")
        for planned in wanted:
            record, item = planned.record, planned.item
            if item.kind not in channel.kinds:
                continue
            target = folder / f"{_payload_key(record)}.json"
            if not target.exists():
                url = f"{config.site.url}/{item.url_path}"
                change = ("withdrawn" if record.status == "dicabut" else
                          "new" if len(record.versions) == 1 else "changed")
                image_path = _main_image(item) if change != "withdrawn" else None
                image_set = pictures.get(image_path) if image_path else None
                picture = image_set.channel(_preset(name, channel)) if image_set is not None else None
                summary = item.meta.summary or ""
                payload: dict[str, Any] = {
                    "channel": name,
                    "number": record.number,
                    "change": change,
                    "title": item.title,
                    "summary": summary,
                    "url": url,
                    "text": "\n\n".join(t for t in (item.title, summary, url) if t),
                    "image": f"{config.site.url}/{picture.url_path}" if picture is not None else None,
                    "image_alt": next((i.alt for i in item.images if i.role == "image"), None) if picture else None,
                    "image_size": [picture.width, picture.height] if picture is not None else None,
                    "published_at": stamp.isoformat(),
                    "digest": record.digest,
                }
                if change == "withdrawn":
                    payload["alasan_pencabutan"] = record.alasan_pencabutan
                folder.mkdir(parents=True, exist_ok=True)
                tmp = target.with_name(f".{target.name}.tmp")
                tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
                os.replace(tmp, target)
                if first:
                    first = False
                    _fault("announce")
            sent.setdefault(item.path, []).append(
                Channel(channel=name, at=_copy(stamp), url=target.relative_to(root).as_posix()))

    for name, channel in sorted(config.channels.items()):
        if channel.enabled and _is_videotron(name, channel):
            _videotron(root, name, channel, live, config, stamp, sent, result)
    return sent


def _videotron(root: Path, name: str, channel: ChannelSection, live: Sequence[Planned], config: SiteConfig,
               stamp: dt.datetime, sent: dict[str, list[Channel]], result: PublishResult) -> None:
    """Slides and playlist of the newest releases on every board of ``media.videotron``."""
    from pipeline.media import MediaError, SlideInput, build_videotron
    from pipeline.site.media import MEDIA_CACHE

    boards = config.media.videotron
    if not boards:
        result.channel_errors.append(f"channel {name}: no boards in media.videotron (name, width, height); "
                                     "no slides were made")
        return
    shown = [p for p in live if p.item.kind in channel.kinds and p.record.status != "dicabut"
             and p.item.published is not None]
    shown.sort(key=lambda p: (p.item.published or stamp, p.item.path), reverse=True)
    shown = shown[:VIDEOTRON_SLIDES]
    slides = []
    for planned in shown:
        item = planned.item
        image = _main_image(item)
        focus = item.meta.image_focus or [0.5, 0.5]
        assert item.published is not None
        slides.append(SlideInput(release=item.path, title=item.title, date=item.published.date(),
                                 image=root / image if image else None, image_display_path=image,
                                 focus=(focus[0], focus[1]), slug=item.slug))
    folder = root / (channel.folder or f"{OUTBOX}/{name}")
    logo = root / config.site.logo if config.site.logo else None
    try:
        build_videotron(slides, folder, config.site, boards, root / MEDIA_CACHE, logo, settings=config.media)
    except MediaError as exc:
        detail = "; ".join(f.format() for f in exc.findings) or str(exc)
        result.channel_errors.append(f"channel {name}: the videotron slides could not be made: {detail}")
        return
    board = boards[0].name
    try:
        playlist = json.loads((folder / board / "playlist.json").read_text(encoding="utf-8"))
        files = {e["release"]: e["file"] for e in playlist.get("slides", playlist.get("items", []))}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        files = {}
    for planned in shown:
        if any(c.channel == name for c in planned.record.channels):
            continue  # on the boards since an earlier run
        slide = files.get(planned.item.path)
        where = (folder / board / slide) if slide else (folder / board / "playlist.json")
        sent.setdefault(planned.item.path, []).append(
            Channel(channel=name, at=_copy(stamp), url=where.relative_to(root).as_posix()))


# --------------------------------------------------------------------------------------------------
# the run


def _site_items(plan: Plan, clock_set: bool) -> list[Item]:
    items = [p.item for p in plan.publish]
    if not clock_set:
        return items
    # The plan decided embargoes by the run's clock; the site build judges them by the real one. With a
    # clock set by hand (test hook) the plan's decision stands.
    out = []
    for item in items:
        if item.meta.publish_at is not None:
            item = dataclasses.replace(item, meta=item.meta.model_copy(update={"publish_at": None}))
        out.append(item)
    return out


def _extras(plan: Plan) -> dict[str, Any]:
    from pipeline.site import PageExtra

    return {p.item.path: PageExtra(forced=p.forced) for p in plan.publish if p.forced}


def _published_records(plan: Plan, live: Sequence[Planned], stamp: dt.datetime) -> dict[str, ArchiveRecord]:
    """The records of ``live`` items as they are once this run is live: publication time and the
    website set for every version whose publication is not recorded yet."""
    config = plan.report.config
    out: dict[str, ArchiveRecord] = {}
    for planned in live:
        record = planned.record
        if planned.fallback or not announcement_due(record):
            continue
        # never before the version's approval: an approver's clock may run ahead of the runner's, and a
        # version recorded as published before its approval would count as not recorded, run after run
        at = max(stamp, record.versions[-1].approved_at)
        website = Channel(channel="website", at=_copy(at), url=f"{config.site.url}/{planned.item.url_path}")
        out[record.path] = with_publication(record, record.published_at or stamp, [website])
    return out


def publish(root: Path, *, dry_run: bool = False, say: Say = _quiet, now: dt.datetime | None = None) -> PublishResult:
    """Run the main job on ``root`` (a clone with main checked out). See the module docstring."""
    git = Git.discover(root)
    if git.root.resolve() != root.resolve():
        raise UsageError(f"the site {root} must be the top folder of its git repository ({git.root})")
    ensure_local_cache(root)  # before anything reads a cache or takes the lock inside it
    with _lock(root):
        config = load_config(root)
        main = config.approvals.main_branch
        _preflight(git, config)
        moment, clock_set = clock(now, config.tz)
        if clock_set:
            say(f"clock set to {moment.isoformat()} (test hook {NOW_ENV} or now=): not for production")
        remote = _remote(git, main)
        if not dry_run:
            _reset_archive(git)
            if remote:
                say(f"plan: fetching {remote}/{main}")
                _integrate(git, remote, main)
        attempts = 0
        tags: list[str] = []
        while True:
            attempts += 1
            say("plan: verifying every approval chain on main")
            plan = make_plan(root, moment)
            result = PublishResult(plan=plan, dry_run=dry_run, attempts=attempts, clock_set=clock_set)
            if plan.problems:
                return result
            if dry_run:
                if git.dirty_paths([ARCHIVE_DIR]):
                    plan.warnings.append(f"{ARCHIVE_DIR}/ has uncommitted files (left by an interrupted run?); "
                                         "this plan counts them, a real run discards them first")
                return _dry_run(root, plan, result, clock_set)
            base = git.head()
            assert base is not None
            tags = []
            if plan.records_to_write:
                say(f"numbering: {len(plan.records_to_write)} record(s) to arsip/")
                for record in plan.records_to_write:
                    write_record(root, record)
                _fault("numbering")
                sha = _commit_written(git, _numbering_message(plan))
                if sha:
                    result.commits.append(sha)
                    _fault("numbering-commit")
                    fresh = {a.number for a in plan.allocations}
                    tags = _make_tags(git, [r for r in plan.records_to_write if r.number in fresh], sha)
                    _fault("numbering-tags")
            tags += _repair_tags(git, plan.records)
            if remote:
                upstream = _upstream(git, remote, main)
                missing = sorted(set(_existing_tags(git)) - _remote_tags(git, remote)) if plan.records else []
                pushing = git.head() != upstream or bool(missing)
                if pushing and attempts == 1:
                    _barrier()
                if pushing and not _push_or_sync(git, remote, main, base, sorted(set(tags) | set(missing))):
                    if attempts >= MAX_PUSH_ATTEMPTS:
                        raise GitError(f"the push to {remote} was rejected {attempts} times (other runs kept "
                                       "publishing first); run publish again")
                    say("numbering: another run published first; re-planning on the new main")
                    continue
            break
        result.tags = tags

        stamp = moment
        live = list(plan.publish)
        published = _published_records(plan, live, stamp)
        register = [published.get(r.path, r) for r in plan.records]
        staging = root / STAGING / "site"
        say(f"build: {len(live)} item(s)")
        from pipeline.site import build_site

        staging.parent.mkdir(parents=True, exist_ok=True)
        with _fault_during_build(staging.parent):
            built = build_site(plan.site, staging, items=_site_items(plan, clock_set), extras=_extras(plan),
                               records=register)
        failed = set(built.left_out)
        for path in sorted(failed):
            plan.held.append(Held(path, [f.format() for f in built.findings if f.path == path]
                                  or ["left out of the build"]))
        result.output = str(staging)
        result.pages = built.pages

        say("deploy")
        from pipeline.deploy import deploy

        uploads = 0

        def progress(action: str, path: str) -> None:
            nonlocal uploads
            uploads += 1
            if uploads == 2:
                _fault("deploy")

        deployed = deploy(staging, config.deploy, root / CACHE / "deploy", root=root, progress=progress)
        _fault("deploy")  # a deploy with nothing to copy still dies here
        result.deploy_summary = deployed.summary()

        say("announce")
        live = [p for p in live if p.item.path not in failed]
        due = [p for p in live if p.record.path in published]
        channels = _announce(root, due, live, config, stamp, result)
        result.announced = sorted(f"{path} → {c.channel}" for path, cs in channels.items() for c in cs)

        say("record: publication times and channels")
        for _attempt in range(MAX_PUSH_ATTEMPTS):
            base = git.head()
            assert base is not None
            current = {s.record.path: s.record for s in load_records(root)[0]}
            finals: list[ArchiveRecord] = []
            for planned in live:
                held_record = current.get(planned.item.path)
                if held_record is None or planned.fallback:
                    continue
                record = held_record
                updates = [c for c in channels.get(record.path, [])
                           if c not in record.channels and (c.channel != "website")]
                if record.path in published and announcement_due(record):
                    website = next(c for c in published[record.path].channels if c.channel == "website")
                    record = with_publication(record, record.published_at or stamp, [website])
                if updates:
                    record = with_publication(record, record.published_at, updates)
                if record != current[planned.item.path]:
                    finals.append(record)
            if not finals:
                break
            for record in finals:
                write_record(root, record)
            _fault("record")
            message = "Arsip: terbit " + ", ".join(r.number for r in finals) + "\n"
            sha = _commit_written(git, message)
            if sha:
                result.commits.append(sha)
            _fault("record-commit")
            if not remote or _push_or_sync(git, remote, main, base, []):
                break
            say("record: another run published first; recording again on the new main")
        else:
            raise GitError(f"the push of the publication record to {remote} was rejected {MAX_PUSH_ATTEMPTS} "
                           "times; run publish again (the site is deployed; the record follows)")
        return result


def _dry_run(root: Path, plan: Plan, result: PublishResult, clock_set: bool) -> PublishResult:
    """What a run would do: numbers, pages, files to deploy; nothing is written outside a temp folder."""
    from pipeline.deploy import deploy
    from pipeline.site import build_site

    config = plan.report.config
    published = _published_records(plan, plan.publish, plan.now)
    register = [published.get(r.path, r) for r in plan.records]
    with tempfile.TemporaryDirectory(prefix="warta-dry-run-") as tmp:
        out = Path(tmp) / "site"
        built = build_site(plan.site, out, items=_site_items(plan, clock_set), extras=_extras(plan),
                           records=register)
        result.pages = built.pages
        deployed = deploy(out, config.deploy, Path(tmp) / "deploy", root=root, dry_run=True)
        result.deploy_summary = deployed.summary()
        result.files_to_deploy = [*deployed.uploaded, *[f"(delete) {p}" for p in deployed.deleted]]
    due = [p for p in plan.publish if p.record.path in published and not p.record.imported]
    for name, channel in sorted(config.channels.items()):
        if channel.enabled and not _is_videotron(name, channel):
            result.announced += [f"{p.item.path} → {name}" for p in due if p.item.kind in channel.kinds]
    result.announced.sort()
    return result


def print_result(result: PublishResult, out: Any = None) -> None:
    out = out or sys.stdout
    plan = result.plan
    would = result.dry_run
    for problem in plan.problems:
        print(f"error: {problem}", file=out)
    if plan.problems:
        print("publish: nothing was published (fail closed)", file=out)
        return
    if would:
        print("dry run: nothing is changed; this is what a run would do", file=out)
    for p in plan.publish:
        if p.change != "unchanged":
            print(f"{p.change:9} {p.record.number:28} {p.item.path}", file=out)
    for path, when in plan.scheduled:
        print(f"scheduled {when.isoformat()}  {path}", file=out)
    for path in plan.exempt:
        print(f"exempt    (dikecualikan, never published)  {path}", file=out)
    if would:
        print(f"pages to build: {len(result.pages)}", file=out)
    if result.deploy_summary:
        print(f"deploy: {result.deploy_summary}", file=out)
    for line in result.files_to_deploy[:50]:
        print(f"  {line}", file=out)
    if len(result.files_to_deploy) > 50:
        print(f"  … and {len(result.files_to_deploy) - 50} more", file=out)
    for line in result.announced:
        print(f"{'would announce' if would else 'announce'} {line}", file=out)
    for warning in plan.warnings:
        print(f"warning: {warning}", file=out)
    for error in result.channel_errors:
        print(f"error: {error}", file=out)
    for held in plan.held:
        print(f"held back: {held.path}", file=out)
        for reason in held.reasons:
            print(f"    {reason}", file=out)
    new_numbers = len(plan.allocations)
    verb = "would publish" if would else "published"
    print(f"publish: {verb} {len(plan.publish)} item(s), {new_numbers} new number(s), "
          f"{len(plan.held)} held back, {len(plan.scheduled)} scheduled", file=out)


__all__ = [
    "FAULT_POINTS", "Held", "Plan", "Planned", "PublishResult", "announcement_due", "clock", "make_plan",
    "print_result", "publication_states", "publish", "published_version", "tag_name",
]
