"""The content plan against what was published (seed 004 A1), and the evaluations that are due (C1, C2).

- A content plan is an item of kind ``rencana-konten`` whose ``periode`` is a quarter; it *covers* that
  quarter once its chain is complete (approved or published). Its rows name the content to publish: kind,
  target month (``bulan``), person responsible, and (``item``) the file that realises it once it exists;
  without ``item`` a published item of the same kind with the same title realises it.
- A row is ``published`` when its item was published by the end of its target month, ``published_late``
  after it, ``not_done`` when the month is over without it, ``planned`` before that.
- Evaluations (kind ``evaluasi``) recur as their SOP's Waktu says ("1 x 1 Bulan": each month; "1 x 6
  Bulan": each half year): the evaluation of a period is *due* once the period has ended and *overdue* a
  month later, until an evaluation of that period (``periode``) under that SOP is approved. The plan of a
  quarter is due in the quarter's last month before it and overdue once the quarter has begun.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.config import SiteConfig
from pipeline.report.period import Period, add_months, parse_period, recurrence_period
from pipeline.sop import Sop, parse_waktu

COMPLETE = ("approved", "published")
QUARTERLY = parse_waktu("1 x 3 bulan")


@dataclass(frozen=True)
class Doc:
    """An internal document or a published item, as the plan needs it."""

    path: str
    kind: str
    title: str
    state: str
    sop: str | None
    front: Mapping[str, Any]
    published_at: int | None = None


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def plan_rows(docs: Sequence[Doc], period: Period, tz: dt.tzinfo, as_of: float) -> dict[str, Any]:
    """The approved plans of the quarters overlapping ``period`` and each of their rows whose target month
    is in it, with its realisation."""
    quarters = {p.label for p in (recurrence_period(QUARTERLY, m.start) for m in period.months()) if p}
    plans = [d for d in docs if d.kind == "rencana-konten" and d.front.get("periode") in quarters]
    by_title: dict[tuple[str, str], Doc] = {}
    by_path = {d.path: d for d in docs}
    for d in docs:
        if d.kind not in ("rencana-konten", "evaluasi"):
            by_title.setdefault((d.kind, _norm(d.title)), d)
    rows = []
    for plan in (p for p in plans if p.state in COMPLETE):
        for row in plan.front.get("rencana") or []:
            if not isinstance(row, Mapping) or not isinstance(row.get("bulan"), str):
                continue
            try:
                target = parse_period(row["bulan"])
            except ValueError:
                continue
            if not (period.start <= target.start < period.end):
                continue
            kind, title = str(row.get("kind", "")), str(row.get("judul", ""))
            found = by_path.get(str(row.get("item"))) if row.get("item") else by_title.get((kind, _norm(title)))
            end = target.end_at(tz)
            when = found.published_at if found is not None else None
            if when is not None and when <= as_of:
                status = "published" if when < end else "published_late"
            else:
                status = "not_done" if as_of >= end else "planned"
            shown = {"published": "terbit", "published_late": "terbit terlambat", "not_done": "belum terbit",
                     "planned": "direncanakan"}[status]
            rows.append({"plan": plan.path, "judul": title, "kind": kind, "bulan": row["bulan"],
                         "penanggung_jawab": str(row.get("penanggung_jawab", "")), "status": status,
                         "item": found.path if found is not None else None,
                         "published_at": when, "realisasi_title": shown})
    counts = {s: sum(1 for r in rows if r["status"] == s) for s in ("published", "published_late", "not_done",
                                                                     "planned")}
    return {"plans": [{"path": p.path, "periode": p.front.get("periode"), "state": p.state} for p in plans],
            "quarters": sorted(quarters), "rows": rows, "counts": counts,
            "covered": sorted({str(p.front.get("periode")) for p in plans if p.state in COMPLETE})}


def evaluation_sops(config: SiteConfig) -> list[str]:
    section = config.kind_section("evaluasi")
    return [] if section is None else [section.sop, *section.other_sops]


def _recurrence(sop: Sop) -> Any:
    steps = sop.approval_steps() or list(sop.langkah)
    return steps[0].waktu if steps and steps[0].waktu.recurrence else None


def due_list(config: SiteConfig, sops: Mapping[str, Sop], docs: Sequence[Doc], now: float, since: float,
             tz: dt.tzinfo) -> list[dict[str, Any]]:
    """The evaluations and content plans due or overdue at ``now`` (periods that began after ``since``, the
    site's first commit), and the approved ones of the latest periods, newest first."""
    out: list[dict[str, Any]] = []
    today = dt.datetime.fromtimestamp(now, tz).date()
    start = dt.datetime.fromtimestamp(since, tz).date()
    for sop_id in evaluation_sops(config):
        sop = sops.get(sop_id)
        waktu = _recurrence(sop) if sop is not None else None
        if sop is None or waktu is None:
            continue
        period = recurrence_period(waktu, today)
        seen = 0
        while period is not None and seen < 12:
            period = recurrence_period(waktu, period.start - dt.timedelta(days=1))
            if period is None or period.end <= start:
                break
            seen += 1
            found = [d for d in docs if d.kind == "evaluasi" and d.sop == sop_id and d.front.get("periode") == period.label]
            done = [d for d in found if d.state in COMPLETE]
            overdue_at = dt.datetime.combine(add_months(period.end, 1), dt.time(), tz).timestamp()
            status = "approved" if done else "overdue" if now >= overdue_at else "due"
            if status == "approved" and seen > 1:
                continue
            out.append({"kind": "evaluasi", "sop": sop_id, "title": sop.nama, "periode": period.label,
                        "due": period.end.isoformat(), "overdue_from": add_months(period.end, 1).isoformat(),
                        "status": status, "path": (done or found)[0].path if (done or found) else None,
                        "in_review": [d.path for d in found if d.state not in COMPLETE],
                        "report_rev": (done[0].front.get("report_rev") if done else None)})
    if config.kind_section("rencana-konten") is not None:
        out.extend(_plan_due(docs, today, start, tz, now))
    return out


def _plan_due(docs: Sequence[Doc], today: dt.date, start: dt.date, tz: dt.tzinfo, now: float) -> list[dict[str, Any]]:
    out = []
    current = recurrence_period(QUARTERLY, today)
    assert current is not None
    upcoming = recurrence_period(QUARTERLY, current.end)
    assert upcoming is not None
    for quarter, from_day in ((current, current.start), (upcoming, add_months(upcoming.start, -1))):
        if today < from_day or quarter.end <= start:
            continue
        found = [d for d in docs if d.kind == "rencana-konten" and d.front.get("periode") == quarter.label]
        done = [d for d in found if d.state in COMPLETE]
        status = "approved" if done else "overdue" if today >= quarter.start else "due"
        out.append({"kind": "rencana-konten", "sop": (found[0].sop if found else None), "title": "Rencana konten",
                    "periode": quarter.label, "due": quarter.start.isoformat(),
                    "overdue_from": quarter.start.isoformat(), "status": status,
                    "path": (done or found)[0].path if (done or found) else None,
                    "in_review": [d.path for d in found if d.state not in COMPLETE], "report_rev": None})
    return out


def docs_of(paths: Iterable[tuple[str, str, str | None, Mapping[str, Any], int | None]]) -> list[Doc]:
    """``(path, state, sop, front matter, published_at)`` -> docs."""
    out = []
    for path, state, sop, front, published in paths:
        title = front.get("title")
        out.append(Doc(path, path.split("/")[1], title if isinstance(title, str) else path, state, sop, front,
                       published))
    return out
