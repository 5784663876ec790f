"""Stages 3 and 4 of ``warta publish``: the gate's decision for every item, and the archive numbers.

:func:`make_plan` takes the snapshot (stage 1) and the parsed items (stage 2), asks :mod:`pipeline.gate`
once per item, and turns the answers into what the run will do: the items on the site after it (each
with the exact blobs it publishes), the held, scheduled and exempt items with their reasons, and the
archive records to write with their new numbers (:func:`pipeline.archive.numbering.allocate`).
Everything is decided before anything changes; nothing here reads the repository again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from pipeline import gate
from pipeline.approvals.chain import ChainResult, Record
from pipeline.approvals.service import Report, evaluate_repository
from pipeline.archive.classification import load_table
from pipeline.archive.numbering import Allocation, NumberRequest, allocate
from pipeline.archive.records import (
    Approval,
    ApprovalSource,
    ArchiveRecord,
    Klasifikasi,
    StoredRecord,
    add_version,
    new_record,
    record_relpath,
    withdraw,
)
from pipeline.config import SiteConfig
from pipeline.content import Item, Site, slug_finding
from pipeline.errors import ApprovalError
from pipeline.i18n import _
from pipeline.publish.items import Items, published_version
from pipeline.publish.snapshot import Snapshot


@dataclass
class Held:
    """An item the run does not publish as it is on main, with every reason."""

    path: str
    reasons: list[str]
    live: str | None = None  # the number whose last published version stays on the site instead


@dataclass
class Planned:
    """One item on the site after this run, with its record as it will be after the numbering commit,
    and ``files``: the blob of the item and of every file it references that the site is built from.

    ``fallback``: the item is the last *published* version (rebuilt from history) because the version on
    main is held back, scheduled or deleted.
    """

    item: Item
    record: ArchiveRecord
    change: Literal["new", "changed", "withdrawn", "unchanged"]
    files: dict[str, str] = field(default_factory=dict)
    forced: bool = False
    fallback: bool = False
    expired: bool = False


@dataclass
class Plan:
    report: Report
    site: Site
    now: dt.datetime
    snapshot: Snapshot | None = None
    publish: list[Planned] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)
    scheduled: list[tuple[str, dt.datetime]] = field(default_factory=list)
    exempt: list[str] = field(default_factory=list)
    allocations: list[Allocation] = field(default_factory=list)
    records_to_write: list[ArchiveRecord] = field(default_factory=list)
    records: list[ArchiveRecord] = field(default_factory=list)  # the whole register after numbering
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # governance changes not approved under rule 8: not in effect (the last trusted state governs), a
    # finding for the signatories, never a hold on approved releases (rule 13)
    pending_governance: list[str] = field(default_factory=list)

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
            "pending_governance": self.pending_governance,
        }


def _aware(epoch: int, tz: dt.tzinfo) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, tz)


def approvals_of(result: ChainResult, report: Report, tz: dt.tzinfo) -> list[Approval]:
    """The chain of the item's current version as the record keeps it: every step that counted, and a
    force publication (approval rule 10) as the step it was recorded at, marked in ``kegiatan``."""
    out: list[Approval] = []
    context = report.contexts.get(result.path)
    records = {r.sha: r for r in context.raw} if context is not None else {}
    for step in result.steps:
        if step.status != "approved" or step.sha is None or step.at is None:
            continue
        out.append(Approval(
            step=step.no, kegiatan=step.kegiatan or f"Langkah {step.no}", role=step.role,
            role_title=step.role_title or step.role, name=step.by or step.email or "?", email=step.email or "?",
            at=_aware(step.at, tz), digest=result.digest, signature_fingerprint=step.key,
            source=_source(step.sha, records.get(step.sha)),
        ))
    forced = result.forced_by
    if forced is not None and not any(a.source.commit == forced.sha for a in out):
        title = report.people.title(forced.role) if report.state.people is not None else forced.role
        out.append(Approval(
            step=forced.step, kegiatan="Diterbitkan mendesak (serta-merta)",
            role=forced.role, role_title=title or forced.role, name=forced.name or forced.email or "?",
            email=forced.email or "?", at=_aware(forced.at, tz), digest=result.digest,
            signature_fingerprint=forced.key, source=ApprovalSource(type="git", commit=forced.sha),
        ))
    return out


def _source(sha: str, record: Record | None) -> ApprovalSource:
    """Where a step's approval is recorded: its git commit, or the forge review a copied record names."""
    if record is None or record.source == "git":
        return ApprovalSource(type="git", commit=sha)
    review = dict(record.review)
    reviewer = review.get("reviewer_id", "")
    return ApprovalSource(type="forge", commit=review.get("commit") or sha, forge=record.source,
                          review=review.get("url") or review.get("id") or sha, review_id=review.get("id"),
                          reviewer_id=int(reviewer) if reviewer.isdigit() else None,
                          reviewer_login=review.get("reviewer_login"), review_state=review.get("state"), record=sha)


def _chain_keys(result: ChainResult) -> set[tuple[str, str]]:
    """What :func:`_with_approvals` compares of each approval :func:`approvals_of` would make for
    ``result``: (digest, the record's commit), where that commit is the step's (a git record's commit is
    the step's, a forge review copied into a record is named by that record, also the step's)."""
    keys = {(result.digest, s.sha) for s in result.steps if s.status == "approved" and s.sha is not None
            and s.at is not None}
    if result.forced_by is not None:
        keys.add((result.digest, result.forced_by.sha))
    return keys


def _holds_chain(record: ArchiveRecord, result: ChainResult) -> bool:
    """``record`` is of ``result``'s version and holds every approval of it (:func:`_with_approvals`
    would add none)."""
    if record.digest != result.digest:
        return False
    held = {(a.digest, a.source.record or a.source.commit) for a in record.approvals}
    return _chain_keys(result) <= held


def _with_approvals(record: ArchiveRecord, approvals: list[Approval]) -> ArchiveRecord | None:
    """``record`` with approvals of its current version it does not hold yet (steps a force publication
    skipped, approved retrospectively), or None when it holds them all."""
    held = {(a.digest, a.source.record or a.source.commit) for a in record.approvals}
    new = [a for a in approvals if (a.digest, a.source.record or a.source.commit) not in held]
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


def _klasifikasi(item: Item, config: SiteConfig, site: Site) -> Klasifikasi | str:
    code = item.klasifikasi
    if not code:
        return _("no klasifikasi: set klasifikasi: in the front matter or kinds.{kind}.klasifikasi in warta.yml",
                 kind=item.kind)
    table = load_table(config.archive.scheme, site.root)
    problem = table.validate(code)
    if problem:
        return f"klasifikasi: {problem}"
    return Klasifikasi(code=code, title=table.title(code), scheme=config.archive.scheme)


def _reinstated(record: ArchiveRecord) -> ArchiveRecord:
    """A withdrawn record published again (a later approved version says ``status: terbit``)."""
    data = record.to_data()
    data.update(status="terbit", alasan_pencabutan=None, dicabut_at=None)
    return ArchiveRecord.model_validate(data)


class _Planner:
    """One plan in the making; each method handles one kind of gate answer."""

    def __init__(self, snapshot: Snapshot, items: Items, site: Site, now: dt.datetime) -> None:
        self.snapshot = snapshot
        self.items = items
        self.site = site
        self.now = now
        self.config = snapshot.config
        self.by_path: dict[str, StoredRecord] = {s.record.path: s for s in snapshot.register}
        self.plan = Plan(report=snapshot.report, site=site, now=now, snapshot=snapshot,
                         warnings=[*snapshot.report.warnings, *(f.format() for f in snapshot.register_findings
                                                                 if f.severity == "warning")])
        self.requests: list[NumberRequest] = []
        self.pending: list[tuple[Item, ChainResult, Klasifikasi | None, bool]] = []

    def keep_live(self, path: str, reasons: list[str] | None) -> None:
        """The item on main cannot be published now: its last published version (if any) stays."""
        existing = self.by_path.get(path)
        if existing is None:
            if reasons is not None:
                self.plan.held.append(Held(path, reasons))
            return
        record = existing.record
        old = published_version(self.snapshot, record)
        if isinstance(old, str):
            if reasons is not None:
                self.plan.held.append(Held(path, [*reasons, old]))
            else:
                self.plan.warnings.append(f"{path}: {old}")
            return
        item, files = old
        self.plan.publish.append(Planned(item, record, "unchanged", files=files, fallback=True))
        if reasons is not None:
            self.plan.held.append(Held(path, [*reasons, _("the published version {number} stays on the site",
                                                                number=record.number)],
                                       live=record.number))

    def judge(self, result: ChainResult) -> None:
        path = result.path
        existing = self.by_path.get(path)
        live = gate.live_of(existing.record) if existing is not None else None
        item = self.items.by_path.get(path)
        decision = gate.decide(gate.Facts(path, item, result, self.items.errors.get(path, ()), live), self.now)
        if decision.outcome == "exempt":
            self.plan.exempt.append(path)  # UU 14/2008 Pasal 17: never published
            return
        if decision.outcome == "hold":
            self.keep_live(path, list(decision.reasons))
            return
        if decision.outcome == "schedule":
            assert decision.publish_at is not None
            self.plan.scheduled.append((path, decision.publish_at))
            self.keep_live(path, None)
            return
        if decision.outcome == "withdrawn" and existing is None:
            return  # withdrawn before it was ever published: nothing to number or show
        assert item is not None
        klas: Klasifikasi | None = None
        if existing is None:
            got = _klasifikasi(item, self.config, self.site)
            if isinstance(got, str):
                self.plan.held.append(Held(path, [got]))
                return
            klas = got
            self.requests.append(NumberRequest(path, klas.code, _approved_at(result, item, self.now)))
        self.pending.append((item, result, klas, decision.outcome == "expired"))

    def deleted(self, judged: set[str]) -> None:
        """A numbered item whose file is gone from main: deleting is not withdrawing (that is status: dicabut,
        approved like any change). Its last published version stays, rebuilt from history."""
        for path, entry in sorted(self.by_path.items()):
            if path in judged:
                continue
            self.plan.warnings.append(
                _("{path} was deleted from {main}, but it is filed as {number}: its published version stays on "
                  "the site; to withdraw it, restore the file, set status: dicabut with alasan_pencabutan, and "
                  "have that change approved", path=path, main=self.snapshot.main, number=entry.record.number))
            self.keep_live(path, None)

    def confirm_without_caches(self) -> None:
        """Every item this run puts out in bytes not live before is judged once more with no local cache
        (no saved verdicts, history index or signature verdicts): a verdict forged in ``.warta-cache/`` (a
        poisoned runner) cannot approve what goes out. Only these few paths are judged again; what is
        live already was confirmed so by the run that put it out."""
        new = [(item, result) for item, result, _klas, _expired in self.pending
               if (existing := self.by_path.get(item.path)) is None or existing.record.digest != result.digest]
        if not new:
            return
        failed: dict[str, str] = {}
        try:
            fresh = evaluate_repository(self.snapshot.root, paths=[item.path for item, _ in new], cache=False)
        except ApprovalError as exc:
            failed = {item.path: str(exc) for item, _ in new}
        else:
            for item, result in new:
                again = fresh.result(item.path)
                if again is None or (again.digest, again.state, again.forced) != (result.digest, result.state,
                                                                                   result.forced):
                    failed[item.path] = _("its approval chain judged again without the local caches "
                                          "(.warta-cache/) does not give the same verdict: a cache may be "
                                          "forged; delete .warta-cache/ and run again")
        if not failed:
            return
        self.pending = [p for p in self.pending if p[0].path not in failed]
        self.requests = [r for r in self.requests if r.path not in failed]
        for path, reason in sorted(failed.items()):
            self.keep_live(path, [reason])

    def number(self) -> None:
        report, tz = self.snapshot.report, self.config.tz
        self.plan.allocations = allocate([s.record for s in self.snapshot.register], self.requests, self.config)
        numbers = {a.path: a for a in self.plan.allocations}
        for item, result, klas, expired in self.pending:
            files = self.items.files.get(item.path, {})
            approved_at = _approved_at(result, item, self.now)
            existing = self.by_path.get(item.path)
            if existing is not None and _holds_chain(existing.record, result):
                # the record holds every approval of its current version: nothing to add, and the chain's
                # records (report.contexts: a full evaluation when the report was kept) are not needed
                self.plan.publish.append(Planned(item, existing.record, "unchanged", files, result.forced,
                                                 expired=expired))
                continue
            approvals = approvals_of(result, report, tz)
            if existing is None:
                assert klas is not None
                retensi = getattr(item.meta, "retensi", None) or getattr(self.config.kind_section(item.kind),
                                                                         "retensi", None)
                record = new_record(numbers[item.path], title=item.title, kind=item.kind, digest=result.digest,
                                    klasifikasi=klas, approvals=approvals, approved_at=approved_at,
                                    retensi=retensi, imported=result.imported)
                self.plan.records_to_write.append(record)
                self.plan.publish.append(Planned(item, record, "new", files, result.forced, expired=expired))
                continue
            self.plan.publish.append(self._update(existing.record, item, result, approvals, approved_at, files,
                                                  expired))

    def _update(self, record: ArchiveRecord, item: Item, result: ChainResult, approvals: list[Approval],
                approved_at: dt.datetime, files: dict[str, str], expired: bool) -> Planned:
        if record.digest == result.digest:
            completed = _with_approvals(record, approvals)
            if completed is not None:
                self.plan.records_to_write.append(completed)
                record = completed
            return Planned(item, record, "unchanged", files, result.forced, expired=expired)
        notes = item.meta.catatan_perubahan
        note = notes[-1] if len(notes) >= len(record.versions) else None
        approved_at = max(approved_at, record.versions[-1].approved_at)
        if item.meta.status == "dicabut":
            alasan = item.meta.alasan_pencabutan or ""
            updated = add_version(record, result.digest, approved_at, approvals,
                                  jenis=note.jenis if note else "besar",
                                  catatan_perubahan=note.catatan if note else f"Dicabut: {alasan}")
            updated = withdraw(updated, alasan, record.dicabut_at or self.now)
            self.plan.records_to_write.append(updated)
            return Planned(item, updated, "withdrawn", files, result.forced)
        assert note is not None  # the gate holds a change without its note
        updated = add_version(record, result.digest, approved_at, approvals, jenis=note.jenis,
                              catatan_perubahan=note.catatan)
        if updated.status == "dicabut":
            updated = _reinstated(updated)
        self.plan.records_to_write.append(updated)
        return Planned(item, updated, "changed", files, result.forced, expired=expired)

    def finish(self) -> Plan:
        plan = self.plan
        register = {s.record.path: s.record for s in self.snapshot.register}
        register.update((r.path, r) for r in plan.records_to_write)
        plan.records = sorted(register.values(), key=lambda r: (r.tahun, r.kode, r.urut))
        plan.publish.sort(key=lambda p: p.item.path)
        plan.held.sort(key=lambda h: h.path)
        _refuse_collisions(plan)
        return plan


def _refuse_collisions(plan: Plan) -> None:
    """Two items on the site may share a file only when they publish the same bytes of it: a fallback
    (an older version) that needs other bytes at a path than a current item is held back."""
    owner: dict[str, tuple[str, str]] = {}
    for planned in sorted(plan.publish, key=lambda p: p.fallback):
        clash = next((p for p, o in planned.files.items() if p in owner and owner[p][1] != o), None)
        if clash is None:
            for p, o in planned.files.items():
                owner.setdefault(p, (planned.item.path, o))
            continue
        plan.publish.remove(planned)
        plan.held.append(Held(planned.item.path, [
            _("its published version {number} needs the earlier {clash}, which {owner} now publishes changed: its "
              "page is left out until its own change is approved", number=planned.record.number, clash=clash,
              owner=owner[clash][0])]))


def _settle_slugs(items: Items, results: dict[str, ChainResult]) -> None:
    """Items claiming one slug: those with a complete approval chain keep it when exactly one has one;
    every other claimant is held with the finding (rule 13: an unapproved file never takes an approved
    item's slug, nor holds it back)."""
    for group in items.slug_groups:
        approved = [p for p in group if (r := results.get(p)) is not None and r.complete]
        for path in group:
            if len(approved) == 1 and path == approved[0]:
                continue
            others = [p for p in group if p != path]
            item = items.by_path[path]
            items.errors.setdefault(path, []).append(
                slug_finding(item, [items.by_path[o] for o in others]).format())


def make_plan(snapshot: Snapshot, items: Items, site: Site, now: dt.datetime) -> Plan:
    """Everything the run will do, decided before anything changes (see the module docstring)."""
    planner = _Planner(snapshot, items, site, now)
    report = snapshot.report
    # Everything is judged by the last trusted governance state and the run reads only its files, so an
    # unapproved change of a governed file holds nothing back: it is reported, and stays out of effect.
    pending = planner.plan.pending_governance
    pending.extend(report.problems)
    for gov in report.governance:
        if not gov.complete and not any(p.startswith(f"{gov.path}:") for p in pending):
            pending.append(_("{path}: governance change without a valid approval: {reasons}", path=gov.path,
                             reasons="; ".join(gov.reasons)))
    _settle_slugs(items, {r.path: r for r in report.items})
    for result in report.items:
        planner.judge(result)
    planner.deleted({r.path for r in report.items})
    planner.confirm_without_caches()
    planner.number()
    return planner.finish()
