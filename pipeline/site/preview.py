"""What ``warta build`` shows: approved items as they will be published, every other item as a draft.

In a git repository the approval engine judges every item at HEAD
(:func:`pipeline.approvals.service.evaluate_repository` with ``all_items``): an item whose chain is
complete (approved, force-published serta-merta, or imported with the root commit) is built as it will
be published; an item that is not (or whose file differs from HEAD: uncommitted changes are approved by
nobody) is a draft, shown only by ``warta build --drafts``. Outside a git repository, or when the
approvals cannot be judged, nothing is claimed approved: every item is a draft and the note says why.
The archive records under ``arsip/`` are read so the preview has the register pages and the numbers.

On a cold run the judge builds main's history index in a forked child (:mod:`pipeline.approvals.history_job`).
Forked after the site is loaded, that child's RSS counts the 10,000 items it inherited (187 MB beside a
main process of 248 MB: the cold build's peak). :func:`history_ahead` forks it before the items are
loaded (the process is about 66 MB then), for the judge to take: the same job, the same index.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import collector, gate
from pipeline.approvals import history_job
from pipeline.approvals.service import Report, evaluate_repository
from pipeline.archive.records import ArchiveRecord, load_records
from pipeline.archive.trust import trusted_source as register_source
from pipeline.content import Item, Site
from pipeline.errors import Finding, GitError, WartaError
from pipeline.git import Git
from pipeline.i18n import _
from pipeline.site.model import PageExtra
from pipeline.site.preview_digests import WorkingDigests


@dataclass
class Preview:
    """The extras ``build_site`` gets for a preview, and why items are drafts."""

    extras: dict[str, PageExtra]
    records: list[ArchiveRecord] | None
    note: str | None = None  # set when no approvals could be checked: every item is a draft
    approvals_checked: bool = True
    reasons: dict[str, str] = field(default_factory=dict)  # draft item -> why (one line)
    findings: list[Finding] = field(default_factory=list)
    items: list[Item] | None = None  # what the gate lets out (approved) plus the drafts; None: every item


@contextlib.contextmanager
def history_ahead(root: Path) -> Iterator[None]:
    """Start building main's history index now, for :func:`plan_preview`'s judge to take (see the module
    docstring; :func:`pipeline.approvals.history_job.start_early`, the same early child ``warta verify
    --all`` forks); the child is stopped on leaving when nothing took it. Nothing is started where the
    index is already stored, there is no fork, threads run or there is no main branch: the judge then
    works as before."""
    history_job.start_early(root)
    try:
        yield
    finally:
        history_job.cancel_early()


def _all_drafts(site: Site, note: str) -> Preview:
    return Preview({i.path: PageExtra(draft=True) for i in site.items}, None, note, approvals_checked=False)


def plan_preview(site: Site, now: dt.datetime | None = None) -> Preview:
    """Judge every item of ``site`` (see the module docstring). Never raises for a missing repository."""
    root = site.root
    fronts, site.fronts = site.fronts, {}  # taken once, by the judge: not held through the build
    try:
        git = Git.discover(root)
    except GitError:
        return _all_drafts(site, _("not a git repository: there are no approvals to check, so every item is a draft"))
    if git.root.resolve() != root.resolve():
        return _all_drafts(
            site,
            _("the site is not the top folder of its git repository ({folder}): "
              "no approvals to check, so every item is a draft", folder=git.root),
        )
    try:
        report = evaluate_repository(root, all_items=True, fronts=fronts)
    except WartaError as exc:  # ApprovalError, ConfigError, GitError: a preview shows drafts instead
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return _all_drafts(site, _("approvals cannot be checked ({reason}), so every item is a draft", reason=first))
    finally:
        del fronts
    enabled = gc.isenabled()
    gc.disable()  # thousands of small objects and no cycles: the collector would rescan every parsed item
    try:
        return _choose(site, report, now)
    finally:
        collector.resume(enabled)


def _choose(site: Site, report: Report, now: dt.datetime | None) -> Preview:
    """What the preview shows of each item, from the approvals' ``report`` (see :func:`plan_preview`)."""
    root = site.root
    untrusted = [*report.problems, *(_("{path}: governance change without a valid approval", path=g.path)
                                     for g in report.governance if not g.complete)]
    # an unapproved governance change is not in effect: items are judged by the last trusted state, as
    # warta publish judges them; the preview says so
    note = _("{problem} (not in effect: the last approved version governs)", problem=untrusted[0]) if untrusted else None

    stored, findings = load_records(register_source(root))  # the register branch's, in branch mode
    live = {s.record.path: gate.live_of(s.record) for s in stored if s.record.published_at is not None}
    results = {r.path: r for r in report.items}
    moment = now or dt.datetime.now(site.config.tz)
    # the digests are kept in the machine's own cache folder (WorkingDigests asks ensure_local_cache)
    working = WorkingDigests(root, cache=True)
    extras: dict[str, PageExtra] = {}
    reasons: dict[str, str] = {}
    chosen: list[Item] = []
    for item in site.items:
        result = results.get(item.path)
        if result is None:
            reasons[item.path] = _("not committed yet")
        elif result.complete and working.digest(item, site.read_digests.pop(item.path, None),
                                                site.read_own.pop(item.path, None)) != result.digest:
            reasons[item.path] = _("changed since the last commit (uncommitted changes are approved by nobody)")
        else:
            decision = gate.decide(gate.Facts(item.path, item, result, live=live.get(item.path)), moment)
            if decision.goes_out:
                extras[item.path] = PageExtra(forced=result.forced, expired=decision.outcome == "expired")
                chosen.append(item)
                continue
            if decision.outcome == "exempt" or (decision.outcome == "withdrawn" and item.path not in live):
                continue
            reasons[item.path] = decision.reasons[0] if decision.reasons else f"state {result.state}"
        extras[item.path] = PageExtra(draft=True)
        chosen.append(item)
    working.save()
    site.read_digests.clear()  # taken once: not held through the build
    site.read_own.clear()
    return Preview(extras, [s.record for s in stored], note, reasons=reasons, findings=findings, items=chosen)
