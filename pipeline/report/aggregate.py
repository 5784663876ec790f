"""The figures of one period, as the JSON document ``warta report --json`` prints (``docs/report.md``).
Pure: measurements in, plain data out; the Markdown and HTML views render this document.

What belongs to the period: a step decided in it (a step still open at the report's moment counts when
it became due before the period ended); an item published in it (the archive register's
``published_at``); a return made in it. Force-published items still awaiting retrospective approval are
listed as of the report's moment, whatever the period.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from pipeline.archive.records import ArchiveRecord
from pipeline.config import KINDS, WEEKDAYS
from pipeline.people import People
from pipeline.report.hours import OfficeHours
from pipeline.report.measure import ItemTime, StepTime, median, percentile, step_json
from pipeline.report.period import Period, describe
from pipeline.sop import Sop

Iso = Callable[[int | float | None], str | None]


def in_period(step: StepTime, start: float, end: float) -> bool:
    if step.decided is not None:
        return start <= step.decided < end
    return step.due < end


def _figures(values: Sequence[float]) -> tuple[float | None, float | None]:
    return median(values), percentile(values, 0.9)


def sop_figures(sop: Sop, steps: Sequence[StepTime], chains: Sequence[ItemTime], people: People) -> dict[str, Any]:
    """Per step of one SOP: how many, median and 90th percentile, late, and by whom the step was held."""
    by_step: dict[tuple[int, str], list[StepTime]] = defaultdict(list)
    for one in steps:
        by_step[(one.step, one.kind)].append(one)
    rows = []
    measured = [*(("paraf", s) for s in sop.approval_steps()), *(("aksi", s) for s in sop.pipeline_steps())]
    for kind, s in measured:
        got = by_step.get((s.no, kind), [])
        decided = [x for x in got if not x.open]
        work = [x.working_minutes for x in decided]
        cal = [x.calendar_minutes for x in decided]
        med, p90 = _figures(work)
        cmed, cp90 = _figures(cal)
        held: dict[str, list[StepTime]] = defaultdict(list)
        for x in got:
            for name in x.by:
                held[name].append(x)
        rows.append({
            "step": s.no, "label": s.label, "role": s.pelaksana, "role_title": people.title(s.pelaksana),
            "type": kind, "kegiatan": s.kegiatan, "waktu": s.waktu.text, "waktu_minutes": s.waktu.minutes,
            "count": len(decided), "median_minutes": med, "p90_minutes": p90,
            "median_calendar_minutes": cmed, "p90_calendar_minutes": cp90,
            "late": sum(1 for x in decided if x.late), "returns": sum(1 for x in decided if x.decision == "return"),
            "open": sum(1 for x in got if x.open), "open_late": sum(1 for x in got if x.open and x.late),
            "held_by": [
                {"name": name, "count": sum(1 for x in xs if not x.open), "late": sum(1 for x in xs if x.late),
                 "open": sum(1 for x in xs if x.open),
                 "median_minutes": median([x.working_minutes for x in xs if not x.open])}
                for name, xs in sorted(held.items(), key=lambda kv: (-len(kv[1]), kv[0]))
            ],
        })
    done = [c.chain for c in chains if c.chain is not None and c.chain.complete]
    med, p90 = _figures([c.working_minutes for c in done])
    return {
        "sop": sop.id, "nama": sop.nama, "total_minutes": sop.total_minutes(), "steps": rows,
        "chains": {"count": len(done), "median_minutes": med, "p90_minutes": p90,
                   "median_calendar_minutes": median([c.calendar_minutes for c in done]),
                   "late": sum(1 for c in done if c.late),
                   "standard_minutes": max((c.standard_minutes for c in done), default=None)},
    }


def item_json(t: ItemTime, iso: Iso, start: float, end: float) -> dict[str, Any]:
    f = t.facts
    chain = t.chain
    return {
        "path": f.path, "title": f.title, "kind": f.kind, "sop": f.sop, "state": f.state,
        "kategori_informasi": f.kategori, "channels": list(f.channels), "published_at": iso(f.published_at),
        "forced": f.forced,
        "steps": [step_json(s, iso) for s in t.steps if in_period(s, start, end)],
        "chain": None if chain is None else {
            "start": iso(chain.start), "end": iso(chain.end), "elapsed_minutes": chain.working_minutes,
            "elapsed_calendar_minutes": chain.calendar_minutes, "standard_minutes": chain.standard_minutes,
            "sop_total_minutes": chain.sop_total_minutes, "late": chain.late, "complete": chain.complete,
            "rounds": chain.rounds,
        },
    }


def published_figures(records: Iterable[ArchiveRecord], period: Period, tz: dt.tzinfo,
                      times: Mapping[str, ItemTime], front: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Items published in the period: per kind, channel, kategori_informasi and month, and the share of
    them whose whole chain kept the time standard."""
    start, end = period.start_at(tz), period.end_at(tz)
    published = [r for r in records if r.published_at is not None and start <= r.published_at.timestamp() < end
                 and r.kind in KINDS]  # internal documents are archived, never published
    kinds = Counter(r.kind for r in published)
    channels: Counter[str] = Counter()
    kategori: Counter[str] = Counter()
    for r in published:
        channels.update({"website", *(c.channel for c in r.channels)})
        value = front.get(r.path, {}).get("kategori_informasi")
        if isinstance(value, str):
            kategori[value] += 1
    months = []
    for m in period.months():
        ms, me = m.start_at(tz), m.end_at(tz)
        here = [r for r in published if r.published_at is not None and ms <= r.published_at.timestamp() < me]
        measured = [times[r.path] for r in here if r.path in times and times[r.path].chain is not None]
        within = sum(1 for t in measured if t.chain is not None and t.chain.complete and not t.chain.late)
        months.append({"month": m.label, "title": describe(m), "count": len(here), "measured": len(measured),
                       "within_standard": within,
                       "within_standard_share": round(within / len(measured), 3) if measured else None})
    return {"total": len(published), "by_kind": dict(sorted(kinds.items())),
            "by_channel": dict(sorted(channels.items())), "by_kategori_informasi": dict(sorted(kategori.items())),
            "by_month": months}


def report_document(*, period: Period, times: Sequence[ItemTime], sops: Mapping[str, Sop], people: People,
                    records: Sequence[ArchiveRecord], hours: OfficeHours, iso: Iso, revision: str, as_of: int,
                    front: Mapping[str, Mapping[str, Any]], warnings: Sequence[str] = ()) -> dict[str, Any]:
    """The whole report of ``period`` (the JSON shape of ``docs/report.md``)."""
    tz = hours.tz
    start, end = period.start_at(tz), period.end_at(tz)
    by_sop: dict[str, list[StepTime]] = defaultdict(list)
    chains: dict[str, list[ItemTime]] = defaultdict(list)
    listed: list[ItemTime] = []
    for t in times:
        here = [s for s in t.steps if in_period(s, start, end)]
        if here:
            by_sop[t.facts.sop].extend(here)
            listed.append(t)
        if t.chain is not None and t.chain.end is not None and start <= t.chain.end < end:
            chains[t.facts.sop].append(t)
    sop_rows = [sop_figures(sops[sid], by_sop[sid], chains.get(sid, []), people)
                for sid in sorted(set(by_sop) | set(chains)) if sid in sops]
    returns = [
        {"path": t.facts.path, "title": t.facts.title, "step": s.step, "role": s.role,
         "role_title": people.title(s.role), "by": list(s.by), "at": iso(s.decided), "reason": s.note or None}
        for t in listed for s in t.returns if in_period(s, start, end)
    ]
    late_roles: dict[str, list[StepTime]] = defaultdict(list)
    for steps in by_sop.values():
        for s in steps:
            if s.kind == "paraf":
                late_roles[s.role].append(s)
    forced = [
        {"path": t.facts.path, "title": t.facts.title, "sop": t.facts.sop,
         "forced_by": next((d.by for d in t.facts.decisions if d.decision == "force"), None),
         "forced_at": iso(next((d.at for d in t.facts.decisions if d.decision == "force"), None)),
         "awaiting": [{"step": s.no, "role": s.pelaksana, "role_title": people.title(s.pelaksana)}
                      for s in sops[t.facts.sop].approval_steps()
                      if t.facts.sop in sops and not any(d.step == s.no and d.decision == "approve"
                                                          and d.at >= _forced_at(t) for d in t.facts.decisions)]}
        for t in times if t.facts.forced and t.facts.sop in sops
    ]
    return {
        "period": {"label": period.label, "title": describe(period), "start": period.start.isoformat(),
                   "end": period.end.isoformat()},
        "revision": revision, "as_of": iso(as_of),
        "office_hours": {day: f"{a:%H:%M}-{b:%H:%M}" for day, (a, b) in _hours_by_name(hours).items()},
        "holidays": sorted(d.isoformat() for d in hours.holidays),
        "sops": sop_rows,
        "items": [item_json(t, iso, start, end) for t in sorted(listed, key=lambda x: x.facts.path)],
        "published": published_figures(records, period, tz, {t.facts.path: t for t in times}, front),
        "returns": sorted(returns, key=lambda r: (r["at"] or "", r["path"])),
        "late_by_role": [
            {"role": role, "role_title": people.title(role), "count": sum(1 for s in xs if not s.open),
             "late": sum(1 for s in xs if s.late and not s.open), "open_late": sum(1 for s in xs if s.open and s.late)}
            for role, xs in sorted(late_roles.items())
        ],
        "forced_awaiting": forced,
        "warnings": list(warnings),
    }


def _forced_at(t: ItemTime) -> int:
    return next((d.at for d in t.facts.decisions if d.decision == "force"), 0)


def _hours_by_name(hours: OfficeHours) -> dict[str, tuple[dt.time, dt.time]]:
    return {WEEKDAYS[n]: span for n, span in sorted(hours.spans.items())}
