"""What one ``warta publish`` run did, and how it is printed."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

from pipeline.i18n import N_, _
from pipeline.publish.plan import Plan

# the first column of a published item's line: how its record changes in this run
CHANGES = {"new": N_("new"), "changed": N_("changed"), "withdrawn": N_("withdrawn")}


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
        return (not self.plan.held and not self.plan.problems and not self.channel_errors
                and not self.plan.pending_governance)

    def to_json(self) -> dict[str, Any]:
        doc = self.plan.to_json()
        doc.update(dry_run=self.dry_run, output=self.output, deploy=self.deploy_summary, pages=self.pages,
                   files_to_deploy=self.files_to_deploy, announced=self.announced,
                   channel_errors=self.channel_errors, commits=self.commits, tags=self.tags,
                   attempts=self.attempts, now=self.plan.now.isoformat(), clock_set=self.clock_set, ok=self.ok)
        return doc


def print_result(result: PublishResult, out: Any = None) -> None:
    out = out or sys.stdout
    plan = result.plan
    would = result.dry_run
    for problem in plan.problems:
        print(f"error: {problem}", file=out)
    if plan.problems:
        print(_("publish: nothing was published (fail closed)"), file=out)
        return
    if would:
        print(_("dry run: nothing is changed; this is what a run would do"), file=out)
    for pending in plan.pending_governance:
        print("error: " + _("{problem} (not in effect; the last approved version governs this run)",
                            problem=pending), file=out)
    for p in plan.publish:
        if p.change != "unchanged":
            print(f"{_(CHANGES.get(p.change, p.change)):9} {p.record.number:28} {p.item.path}", file=out)
    for path, when in plan.scheduled:
        print(_("scheduled {when}  {path}", when=when.isoformat(), path=path), file=out)
    for path in plan.exempt:
        print(_("exempt    (dikecualikan, never published)  {path}", path=path), file=out)
    if would:
        print(_("pages to build: {n}", n=len(result.pages)), file=out)
    if result.deploy_summary:
        print(f"deploy: {result.deploy_summary}", file=out)
    for line in result.files_to_deploy[:50]:
        print(f"  {line}", file=out)
    if len(result.files_to_deploy) > 50:
        print("  " + _("… and {n} more", n=len(result.files_to_deploy) - 50), file=out)
    for line in result.announced:
        print(_("would announce {line}", line=line) if would else _("announce {line}", line=line), file=out)
    for warning in plan.warnings:
        # a finding is already `path: warning: message`; other warnings get the word in front
        print(warning if ": warning: " in warning else f"warning: {warning}", file=out)
    for error in result.channel_errors:
        print(f"error: {error}", file=out)
    for held in plan.held:
        print(_("held back: {path}", path=held.path), file=out)
        for reason in held.reasons:
            print(f"    {reason}", file=out)
    new_numbers = len(plan.allocations)
    counts = {"n": len(plan.publish), "numbers": new_numbers, "held": len(plan.held),
              "scheduled": len(plan.scheduled)}
    if would:
        print(_("publish: would publish {n} item(s), {numbers} new number(s), {held} held back, {scheduled} "
                "scheduled", **counts), file=out)
    else:
        print(_("publish: published {n} item(s), {numbers} new number(s), {held} held back, {scheduled} "
                "scheduled", **counts), file=out)
