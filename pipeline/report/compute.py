"""One report, end to end: gather the facts at a revision, measure every item, aggregate the period.

The moment a report describes is the revision's commit time (or the period's end, when earlier), never
the clock of the machine: the same ``--at REV`` gives the same document everywhere, which is what an
evaluation approves (``report_rev``).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from pipeline.errors import ApprovalError
from pipeline.git import Git
from pipeline.report.aggregate import report_document
from pipeline.report.gather import Gathered, gather, iso_of
from pipeline.report.hours import OfficeHours
from pipeline.report.measure import ItemTime, measure_item
from pipeline.report.period import Period, month, parse_period
from pipeline.report.plan import Doc, docs_of, due_list, plan_rows

_COMMIT = re.compile(r"[0-9a-f]{40}")


def measure_all(facts: Gathered, hours: OfficeHours, as_of: int) -> list[ItemTime]:
    out = []
    for item in facts.items:
        sop = facts.sops.get(item.sop)
        if sop is not None:
            out.append(measure_item(item, sop, hours, as_of))
    return out


def default_period(facts: Gathered) -> Period:
    """The month of the revision's commit time, in the site's zone."""
    day = dt.datetime.fromtimestamp(facts.revision_time, facts.config.tz).date()
    return month(day.year, day.month)


def compute_report(root: Path, period_text: str | None, rev: str = "HEAD", *, cache: bool = True) -> dict[str, Any]:
    """The report document of ``period_text`` (default: the revision's month) at ``rev``."""
    facts = gather(root, rev, cache=cache)
    try:
        period = parse_period(period_text) if period_text else default_period(facts)
    except ValueError as exc:
        raise ApprovalError(str(exc)) from None
    doc = document(facts, period)
    git = Git(root)
    for entry in doc["evaluated_by"]:
        # the report an evaluation approves must be one warta could compute: a commit of this history
        named = entry["report_rev"]
        # (only a full commit id is ever handed to git: the front matter is the author's text)
        entry["report_rev_in_history"] = bool(isinstance(named, str) and _COMMIT.fullmatch(named)
                                              and git.rev_parse(named + "^{commit}")
                                              and git.is_ancestor(named, facts.revision))
    return doc


def document(facts: Gathered, period: Period) -> dict[str, Any]:
    config = facts.config
    hours = OfficeHours.from_config(config)
    as_of = min(facts.revision_time, int(period.end_at(config.tz)))
    times = measure_all(facts, hours, as_of)
    doc = report_document(
        period=period, times=times, sops=facts.sops, people=facts.people, records=facts.records, hours=hours,
        iso=iso_of(config.tz), revision=facts.revision, as_of=as_of, front=facts.front, warnings=facts.warnings)
    docs = internal_docs(facts)
    doc["plan"] = plan_rows(docs, period, config.tz, as_of) if config.kind_section("rencana-konten") else None
    doc["evaluations"] = due_list(config, facts.sops, docs, as_of, facts.boot_time, config.tz)
    doc["evaluated_by"] = [
        {"path": d.path, "state": d.state, "report_rev": d.front.get("report_rev"),
         "command": f"warta report --period {period.label} --at {d.front.get('report_rev')}"}
        for d in docs if d.kind == "evaluasi" and d.front.get("periode") == period.label]
    return doc


def internal_docs(facts: Gathered) -> list[Doc]:
    """Every item at the revision as the plan and the evaluations need it."""
    published = {r.path: int(r.published_at.timestamp()) for r in facts.records if r.published_at is not None}
    return docs_of((r.path, r.state, r.sop, facts.front.get(r.path, {}), published.get(r.path))
                   for r in facts.results)
