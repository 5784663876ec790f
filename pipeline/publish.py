"""``warta publish``: the main job of DESIGN section 5, run on main (by CI, on every push and on a schedule).

Stages, each resumable (a run that dies anywhere leaves the live site as it was, and the next run
finishes the work without duplicating a number or a post):

1. **plan** — re-check every approval chain on main (``verify --all``; fails closed: an item without a
   full valid chain is not built, not posted, not archived), check the content, find embargoed items,
   changed and withdrawn items, and allocate archive numbers for newly approved items.
2. **numbering** — write the new and changed records under ``arsip/`` and commit them to main with an
   annotated tag per new number. Numbers exist only once this commit exists; with a remote, the commit
   is pushed before anything is built. If the push is rejected (another run got there first), the run
   fetches, drops its own commit, re-plans on the new tip and tries again.
3. **build** — the site of every publishable item (media derivatives included) into a staging folder.
4. **deploy** — to the target of ``warta.yml`` (``_site`` by an atomic swap, rsync, S3).
5. **announce** — one payload per new or changed item and channel into ``_outbox/<channel>/``; a
   payload that exists is never written again.
6. **record** — the publication time and channels go into the records: a second commit to main.

A stage killed half-way leaves at most uncommitted files under ``arsip/`` (reset at the start of the
next run), a staging folder (rebuilt), or an unfinished upload (the live site is swapped only at the end).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pipeline.approvals.chain import ChainResult
from pipeline.approvals.service import Report, evaluate_repository
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
    withdraw,
    with_publication,
    write_record,
)
from pipeline.check import check_site
from pipeline.config import SiteConfig
from pipeline.content import InformasiPublikMeta, Item, Site, load_site
from pipeline.errors import ApprovalError, ContentError, Finding, GitError, UsageError, WartaError
from pipeline.git import Git

ARCHIVE_DIR = "arsip"
CACHE = ".warta-cache"
MAX_PUSH_ATTEMPTS = 5

# Test hook: the fault-injection tests kill the run inside a stage by naming it here.
_FAULT_ENV = "WARTA_FAULT_AT"


def _fault(stage: str) -> None:
    if os.environ.get(_FAULT_ENV) == stage:
        os.kill(os.getpid(), 9)


@dataclass
class Held:
    path: str
    reasons: list[str]


@dataclass
class Planned:
    """One item the run publishes, with its record as it will be after the numbering commit."""

    item: Item
    result: ChainResult
    record: ArchiveRecord | None  # None only for items never numbered (cannot happen after numbering)
    change: Literal["new", "changed", "withdrawn", "unchanged"]


@dataclass
class Plan:
    report: Report
    site: Site
    publish: list[Planned] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)
    scheduled: list[tuple[str, dt.datetime]] = field(default_factory=list)
    exempt: list[str] = field(default_factory=list)
    allocations: list[Allocation] = field(default_factory=list)
    records_to_write: list[ArchiveRecord] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "numbers": [{"number": a.number, "path": a.path} for a in self.allocations],
            "publish": [{"path": p.item.path, "change": p.change,
                         "number": p.record.number if p.record else None} for p in self.publish],
            "held": [{"path": h.path, "reasons": h.reasons} for h in self.held],
            "scheduled": [{"path": p, "publish_at": t.isoformat()} for p, t in self.scheduled],
            "exempt": self.exempt,
            "records": [record_relpath(r) for r in self.records_to_write],
            "problems": self.problems,
        }


@dataclass
class PublishResult:
    plan: Plan
    dry_run: bool
    output: str | None = None
    deploy_summary: str | None = None
    files_to_deploy: list[str] = field(default_factory=list)
    announced: list[str] = field(default_factory=list)
    commits: list[str] = field(default_factory=list)
    attempts: int = 1

    @property
    def ok(self) -> bool:
        return not self.plan.held and not self.plan.problems

    def to_json(self) -> dict[str, Any]:
        doc = self.plan.to_json()
        doc.update(dry_run=self.dry_run, output=self.output, deploy=self.deploy_summary,
                   files_to_deploy=self.files_to_deploy, announced=self.announced, commits=self.commits,
                   attempts=self.attempts, ok=self.ok)
        return doc


Say = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


# --------------------------------------------------------------------------------------------------
# planning (reads only)


def _aware(epoch: int, tz: dt.tzinfo) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, tz)


def _approvals(result: ChainResult, report: Report, tz: dt.tzinfo) -> list[Approval]:
    context = report.contexts.get(result.path)
    signatures = {r.sha: r.signature for r in context.records} if context else {}
    out: list[Approval] = []
    for step in result.steps:
        if step.status != "approved" or step.sha is None or step.at is None:
            continue
        sig = signatures.get(step.sha)
        out.append(Approval(
            step=step.no, kegiatan=step.kegiatan, role=step.role, role_title=step.role_title,
            name=step.by or step.email or "?", email=step.email or "", at=_aware(step.at, tz),
            digest=result.digest, signature_fingerprint=(sig.key or None) if sig is not None else None,
            source=ApprovalSource(type="git", commit=step.sha),
        ))
    return out


def _approved_at(result: ChainResult, item: Item, tz: dt.tzinfo) -> dt.datetime:
    times = [s.at for s in result.steps if s.status == "approved" and s.at is not None]
    if result.forced_by is not None:
        times.append(result.forced_by.at)
    if times:
        return _aware(max(times), tz)
    # Imported legacy content: its own date, or (pages have none) the moment it enters the register.
    return item.published or dt.datetime.now(tz)


def _klasifikasi(item: Item, config: SiteConfig, root: Path) -> Klasifikasi | str:
    code = item.klasifikasi
    if not code:
        return f"no klasifikasi: set klasifikasi: in the front matter or kinds.{item.kind}.klasifikasi in warta.yml"
    table = load_table(config.archive.scheme, root)
    problem = table.validate(code)
    if problem:
        return f"klasifikasi: {problem}"
    return Klasifikasi(code=code, title=table.title(code), scheme=config.archive.scheme)


def make_plan(root: Path, now: dt.datetime | None = None) -> Plan:
    """Everything the run will do, decided before anything changes."""
    stored, record_findings = load_records(root)
    if any(f.severity == "error" for f in record_findings):
        raise ContentError("the archive register under arsip/ is damaged; fix it first", record_findings)
    by_path: dict[str, StoredRecord] = {s.record.path: s for s in stored}
    published = {s.record.path: s.record.digest for s in stored if s.record.published_at is not None}

    report = evaluate_repository(root, all_items=True, published=published)
    config = report.config
    tz = config.tz
    now = now or dt.datetime.now(tz)
    checked = check_site(root)
    site = load_site(root, config)
    site.findings = checked.findings
    items = {i.path: i for i in site.items}
    errors: dict[str, list[str]] = {}
    for finding in checked.findings.errors:
        errors.setdefault(finding.path, []).append(finding.format())

    plan = Plan(report=report, site=site)
    plan.problems.extend(report.problems)
    for gov in report.governance:
        if not gov.complete:
            plan.problems.append(f"{gov.path}: governance change without a valid approval: "
                                 + "; ".join(gov.reasons))
    if plan.problems:
        # Fail closed: with untrusted governance nothing is judged reliably, so nothing is published.
        return plan

    requests: list[NumberRequest] = []
    pending: list[tuple[Item, ChainResult, Klasifikasi | None]] = []
    for result in report.items:
        path = result.path
        item = items.get(path)
        if item is None:
            reasons = errors.get(path) or [f"{path} does not load"]
            plan.held.append(Held(path, reasons))
            continue
        if isinstance(item.meta, InformasiPublikMeta) and item.meta.kategori_informasi == "dikecualikan":
            plan.exempt.append(path)  # UU 14/2008 Pasal 17: never published
            continue
        if not result.complete:
            plan.held.append(Held(path, result.reasons or [f"state {result.state}"]))
            continue
        if path in errors:
            plan.held.append(Held(path, errors[path]))
            continue
        if item.publish_at is not None and item.publish_at > now:
            plan.scheduled.append((path, item.publish_at))
            continue
        existing = by_path.get(path)
        if existing is None and item.meta.status == "dicabut":
            continue  # withdrawn before it was ever published: nothing to number or show
        klas: Klasifikasi | None = None
        if existing is None:
            got = _klasifikasi(item, config, root)
            if isinstance(got, str):
                plan.held.append(Held(path, [got]))
                continue
            klas = got
            requests.append(NumberRequest(path, klas.code, _approved_at(result, item, tz)))
        pending.append((item, result, klas))

    plan.allocations = allocate([s.record for s in stored], requests, config)
    numbers = {a.path: a for a in plan.allocations}
    for item, result, klas in pending:
        existing_entry = by_path.get(item.path)
        approvals = _approvals(result, report, tz)
        approved_at = _approved_at(result, item, tz)
        retensi = getattr(item.meta, "retensi", None) or config.kinds[item.kind].retensi  # type: ignore[index]
        if existing_entry is None:
            assert klas is not None
            record = new_record(numbers[item.path], title=item.title, kind=item.kind, digest=result.digest,
                                klasifikasi=klas, approvals=approvals, approved_at=approved_at,
                                retensi=retensi, imported=result.imported)
            plan.records_to_write.append(record)
            plan.publish.append(Planned(item, result, record, "new"))
            continue
        record = existing_entry.record
        if record.digest == result.digest:
            plan.publish.append(Planned(item, result, record, "unchanged"))
            continue
        # A published item changed, and the change has a full chain of its own.
        notes = item.meta.catatan_perubahan
        if len(notes) < len(record.versions) and item.meta.status != "dicabut":
            plan.held.append(Held(item.path, [
                f"published as {record.number} and changed since: add a catatan_perubahan entry "
                "(tanggal, catatan, jenis besar or kecil) describing this change"]))
            plan.publish.append(Planned(item, result, record, "unchanged"))  # the old version stays live
            continue
        if item.meta.status == "dicabut":
            note = notes[-1] if len(notes) >= len(record.versions) else None
            updated = add_version(record, result.digest, approved_at, approvals,
                                  jenis=note.jenis if note else "besar",
                                  catatan_perubahan=note.catatan if note else
                                  f"Dicabut: {item.meta.alasan_pencabutan}")
            if record.status != "dicabut":
                updated = withdraw(updated, item.meta.alasan_pencabutan or "", now)
            plan.records_to_write.append(updated)
            plan.publish.append(Planned(item, result, updated, "withdrawn"))
            continue
        note = notes[-1]
        updated = add_version(record, result.digest, approved_at, approvals, jenis=note.jenis,
                              catatan_perubahan=note.catatan)
        plan.records_to_write.append(updated)
        plan.publish.append(Planned(item, result, updated, "changed"))
    return plan


# --------------------------------------------------------------------------------------------------
# the run


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
    if remote:
        return remote
    names = git.text("remote").split()
    return "origin" if "origin" in names else None


def _preflight(git: Git, main: str) -> None:
    branch = git.current_branch()
    if branch != main:
        raise UsageError(f"warta publish runs on {main}; the checked-out branch is {branch or 'a detached HEAD'}")
    dirty = [p for p in git.dirty_paths() if not p.startswith(ARCHIVE_DIR + "/")]
    if dirty:
        raise UsageError("the working tree has uncommitted changes: " + ", ".join(dirty[:5])
                         + (" …" if len(dirty) > 5 else "") + "; publish only what is committed")


def _reset_archive(git: Git) -> None:
    """Drop uncommitted record files a killed run may have left (only publish writes arsip/)."""
    if (git.root / ARCHIVE_DIR).exists():
        git.run("checkout", "--", ARCHIVE_DIR, check=False)
        git.run("clean", "-fdq", "--", ARCHIVE_DIR, check=False)


def _tag_name(number: str) -> str:
    return "arsip/" + number.replace(" ", "_")


def _commit_records(git: Git, records: Sequence[ArchiveRecord], message: str,
                    tags: Sequence[ArchiveRecord] = ()) -> str | None:
    for record in records:
        write_record(git.root, record)
    git.run("add", "--", ARCHIVE_DIR)
    if not git.text("diff", "--cached", "--name-only", "--", ARCHIVE_DIR).strip():
        return None
    identity = git.identity()
    config = {} if all(identity) else {"user.name": "warta publish", "user.email": "warta@localhost"}
    git.run("commit", "-q", "--no-verify", "--no-gpg-sign", "-m", message, "--", ARCHIVE_DIR, config=config)
    sha = git.head()
    assert sha is not None
    for record in tags:
        git.run("tag", "-a", "--no-sign", _tag_name(record.number), "-m",
                f"Arsip {record.number}: {record.title}\n\nItem: {record.path}\nDigest: {record.digest}\n",
                sha, config=config)
    return sha


def _numbering_message(plan: Plan) -> str:
    new = [r for r in plan.records_to_write if len(r.versions) == 1]
    other = [r for r in plan.records_to_write if len(r.versions) > 1]
    parts = []
    if new:
        parts.append("nomor " + ", ".join(r.number for r in new))
    if other:
        parts.append("versi baru " + ", ".join(r.number for r in other))
    body = "\n".join(f"{r.number}  {r.path}" for r in plan.records_to_write)
    return f"Arsip: {'; '.join(parts)}\n\n{body}\n"


def _push(git: Git, remote: str, main: str, tags: Sequence[str]) -> bool:
    refs = [f"refs/heads/{main}:refs/heads/{main}", *[f"refs/tags/{t}:refs/tags/{t}" for t in tags]]
    proc = git.run("push", "--atomic", "--porcelain", remote, *refs, check=False)
    if proc.returncode == 0:
        return True
    text = (proc.stdout + proc.stderr).decode("utf-8", "replace")
    if "rejected" in text or "fetch first" in text or "non-fast-forward" in text or "stale info" in text:
        return False
    raise GitError(f"git push to {remote} failed: {text.strip()}")


def _sync(git: Git, remote: str, main: str, local_tags: Sequence[str]) -> None:
    """Lose the race gracefully: drop our unpushed commit and tags, take the remote's main."""
    for tag in local_tags:
        git.run("tag", "-d", tag, check=False)
    git.run("fetch", "-q", "--tags", "--force", remote, f"+refs/heads/{main}:refs/remotes/{remote}/{main}")
    git.run("reset", "-q", "--hard", f"{remote}/{main}")


def _extras(plan: Plan) -> dict[str, Any]:
    from pipeline.site import PageExtra

    extras: dict[str, Any] = {}
    tz = plan.report.config.tz
    for planned in plan.publish:
        record = planned.record
        approvals = []
        if record is not None:
            for a in record.approvals_for(record.digest):
                approvals.append((f"Langkah {a.step}: {a.kegiatan}", a.role_title, _date_id(a.at.astimezone(tz))))
        notes = []
        if planned.result.imported:
            notes.append("Diimpor dari arsip sebelum warta (tanpa rantai persetujuan SOP).")
        extras[planned.item.path] = PageExtra(
            forced=planned.result.forced, archive_number=record.number if record else None,
            approvals=approvals, notes=notes)
    return extras


_MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
           "Oktober", "November", "Desember")


def _date_id(moment: dt.datetime) -> str:
    return f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}"


def _announce(root: Path, plan: Plan, config: SiteConfig, now: dt.datetime) -> dict[str, list[Channel]]:
    """Write one payload per (item version, outbox channel); an existing payload is never rewritten."""
    sent: dict[str, list[Channel]] = {}
    for name, channel in sorted(config.channels.items()):
        if not channel.enabled or channel.type != "outbox":
            continue
        folder = root / (channel.folder or f"_outbox/{name}")
        for planned in plan.publish:
            record = planned.record
            if (record is None or planned.change == "unchanged" or planned.result.imported
                    or planned.item.kind not in channel.kinds):
                continue  # imported legacy content was announced before warta existed
            key = f"{record.number}-{record.digest[7:19]}".replace("/", "_")
            target = folder / f"{key}.json"
            if not target.exists():
                payload = {
                    "channel": name,
                    "number": record.number,
                    "change": planned.change,
                    "title": planned.item.title,
                    "summary": planned.item.meta.summary or "",
                    "url": f"{config.site.url}/{planned.item.url_path}",
                    "published_at": now.isoformat(),
                    "digest": record.digest,
                }
                folder.mkdir(parents=True, exist_ok=True)
                tmp = target.with_suffix(".tmp")
                tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
                os.replace(tmp, target)
            sent.setdefault(planned.item.path, []).append(
                Channel(channel=name, at=now, url=target.relative_to(root).as_posix()))
    return sent


def publish(root: Path, *, dry_run: bool = False, say: Say = _quiet, now: dt.datetime | None = None) -> PublishResult:
    """Run the main job on ``root`` (a clone with main checked out). See the module docstring."""
    git = Git(root)
    with _lock(root):
        probe_report_config = None
        del probe_report_config
        from pipeline.config import load_config

        config = load_config(root)
        main = config.approvals.main_branch
        _preflight(git, main)
        if not dry_run:
            _reset_archive(git)
        remote = _remote(git, main)
        attempts = 0
        while True:
            attempts += 1
            say("plan: verifying every approval chain on main")
            plan = make_plan(root, now)
            result = PublishResult(plan=plan, dry_run=dry_run, attempts=attempts)
            if plan.problems:
                return result
            if dry_run:
                return _dry_run(root, plan, result)
            new_records = [r for r in plan.records_to_write if len(r.versions) == 1]
            if plan.records_to_write:
                say(f"numbering: {len(plan.records_to_write)} record(s) to arsip/")
                _fault("numbering")
                sha = _commit_records(git, plan.records_to_write, _numbering_message(plan), tags=new_records)
                if sha:
                    result.commits.append(sha)
                tags = [_tag_name(r.number) for r in new_records]
                if remote and sha and not _push(git, remote, main, tags):
                    if attempts >= MAX_PUSH_ATTEMPTS:
                        raise GitError(f"the push to {remote} was rejected {attempts} times; run publish again")
                    say("numbering: another run published first; re-planning on the new main")
                    _sync(git, remote, main, tags)
                    continue
            break

        stamp = (now or dt.datetime.now(config.tz)).astimezone(config.tz)
        staging = root / "_site.staging"
        say(f"build: {len(plan.publish)} item(s)")
        from pipeline.site import build_site

        items = [p.item for p in plan.publish]
        built = build_site(plan.site, staging, items=items, extras=_extras(plan))
        _fault("build")
        failed = set(built.left_out)
        if failed:
            for path in sorted(failed):
                plan.held.append(Held(path, [f.format() for f in built.findings if f.path == path]
                                      or ["left out of the build"]))
        result.output = str(staging)

        say("deploy")
        from pipeline.deploy import deploy

        _fault("deploy")
        deployed = deploy(staging, config.deploy, root / CACHE / "deploy", root=root)
        result.deploy_summary = deployed.summary()

        say("announce")
        live = [p for p in plan.publish if p.item.path not in failed]
        plan_live = Plan(report=plan.report, site=plan.site, publish=live)
        channels = _announce(root, plan_live, config, stamp)
        result.announced = sorted(f"{path} → {c.channel}" for path, cs in channels.items() for c in cs)

        say("record: publication times and channels")
        stored = {s.record.path: s.record for s in load_records(root)[0]}
        finals: list[ArchiveRecord] = []
        for planned in live:
            record = stored.get(planned.item.path)
            if record is None:
                continue
            website = Channel(channel="website", at=stamp, url=f"{config.site.url}/{planned.item.url_path}")
            new_channels = channels.get(planned.item.path, [])
            if record.published_at is None or new_channels:
                finals.append(with_publication(record, record.published_at or stamp,
                                               [website, *new_channels] if record.published_at is None
                                               else new_channels))
        if finals:
            _fault("record")
            message = "Arsip: terbit " + ", ".join(r.number for r in finals) + "\n"
            sha = _commit_records(git, finals, message)
            if sha:
                result.commits.append(sha)
                if remote and not _push(git, remote, main, []):
                    # Somebody pushed in between: our record commit is only publication metadata and
                    # the next run writes it again, so leave main as the remote has it.
                    _sync(git, remote, main, [])
        return result


def _dry_run(root: Path, plan: Plan, result: PublishResult) -> PublishResult:
    """What a run would do: numbers, pages, files to deploy; nothing is written outside a temp folder."""
    import tempfile

    from pipeline.deploy import deploy
    from pipeline.site import build_site

    with tempfile.TemporaryDirectory(prefix="warta-dry-run-") as tmp:
        out = Path(tmp) / "site"
        built = build_site(plan.site, out, items=[p.item for p in plan.publish], extras=_extras(plan))
        result.output = None
        config = plan.report.config
        deployed = deploy(out, config.deploy, Path(tmp) / "deploy", root=root, dry_run=True)
        result.deploy_summary = deployed.summary()
        result.files_to_deploy = [*deployed.uploaded, *[f"(delete) {p}" for p in deployed.deleted]]
        del built
    return result


def print_result(result: PublishResult, out: Any = sys.stdout) -> None:
    plan = result.plan
    verb = "would" if result.dry_run else "did"
    for problem in plan.problems:
        print(f"error: {problem}", file=out)
    if plan.problems:
        print("publish: nothing was published (fail closed)", file=out)
        return
    for p in plan.publish:
        if p.change != "unchanged":
            print(f"{p.change:9} {p.record.number if p.record else '-':28} {p.item.path}", file=out)
    for path, when in plan.scheduled:
        print(f"scheduled {when.isoformat()}  {path}", file=out)
    for path in plan.exempt:
        print(f"exempt    (dikecualikan, never published)  {path}", file=out)
    if result.deploy_summary:
        print(f"deploy: {result.deploy_summary}", file=out)
    for line in result.files_to_deploy[:50]:
        print(f"  {line}", file=out)
    if len(result.files_to_deploy) > 50:
        print(f"  … and {len(result.files_to_deploy) - 50} more", file=out)
    for line in result.announced:
        print(f"announce {line}", file=out)
    for held in plan.held:
        print(f"held back: {held.path}", file=out)
        for reason in held.reasons:
            print(f"    {reason}", file=out)
    print(f"publish: {verb} publish {len([p for p in plan.publish])} item(s), "
          f"{len(plan.allocations)} new number(s), {len(plan.held)} held back, "
          f"{len(plan.scheduled)} scheduled", file=out)


__all__ = ["Plan", "PublishResult", "make_plan", "print_result", "publish", "ApprovalError", "WartaError",
           "Finding", "time", "shutil"]
