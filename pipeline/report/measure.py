"""Each item's steps measured against the SOP's Waktu. Pure: facts in, measurements out.

The rules (``docs/report.md``, "How it is measured"):

- A *round* starts at a content commit and holds the decisions made on that content. A return ends its
  round; the next content commit starts a new one, in which the steps start again.
- A paraf step is *due* at the previous step's decision in its round, or, for the first step, at the
  content commit that started the round. It is *decided* by the approval or return that counted.
- A pipeline step (``aksi``: publish, post, archive) is due at the last paraf of the chain (or the
  force-publish) and decided when the archive register says it was published (or posted).
- Elapsed time is counted in working minutes (office hours) and, beside it, in calendar minutes; a step
  is late when its working minutes exceed its Waktu in minutes. A step still open at the moment of the
  report counts until then (``open``). A Waktu that is not a duration ("1 x 3 bulan") has no lateness.
- The *chain* runs from the content commit of the first round after the last complete chain to the last
  decision (the publication when the SOP has pipeline steps); its standard is the sum of the Waktu of the
  steps measured, and the SOP's TOTAL (every step, also those done outside warta) is given beside it.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pipeline.report.hours import OfficeHours, calendar_minutes
from pipeline.sop import Sop, Step

Decision = Literal["approve", "return", "force"]


@dataclass(frozen=True)
class Decided:
    """A decision that counted (or counted for the content it was given for, before a later change)."""

    step: int
    role: str
    decision: str
    by: str
    email: str
    at: int
    note: str = ""
    pos: int = -1  # place in the history (topological: a parent before its child); -1: unknown, time decides


@dataclass(frozen=True)
class ItemFacts:
    """What Git holds about one item (see :mod:`pipeline.report.gather`). Times are epoch seconds."""

    path: str
    title: str
    kind: str
    sop: str
    changes: tuple[int, ...]  # commit times of the content commits, oldest first
    decisions: tuple[Decided, ...]  # oldest first
    state: str  # the approvals engine's state at the report's revision
    forced: bool = False  # force-published, steps still to approve retrospectively
    kategori: str | None = None
    channels: tuple[str, ...] = ()  # where it was announced (the archive register), website included
    published_at: int | None = None
    announced_at: int | None = None  # the latest channel post (social media, videotron)
    imported: bool = False
    holders: dict[str, tuple[str, ...]] = field(default_factory=dict)  # role -> people (open steps)
    change_pos: tuple[int, ...] = ()  # the content commits' places in the history, as ``changes``


@dataclass(frozen=True)
class StepTime:
    """One step of one round of one item."""

    step: int
    label: str
    role: str
    kind: Literal["paraf", "aksi"]
    round: int
    due: int
    decided: int | None  # None: still open at the report's moment
    decision: str | None  # approve, return, published; None while open
    by: tuple[str, ...]
    working_minutes: float
    calendar_minutes: float
    waktu: str
    waktu_minutes: int | None
    note: str = ""
    retrospective: bool = False  # approved after a force-publish

    @property
    def late(self) -> bool | None:
        if self.waktu_minutes is None:
            return None
        return self.working_minutes > self.waktu_minutes

    @property
    def open(self) -> bool:
        return self.decided is None


@dataclass(frozen=True)
class ChainTime:
    start: int
    end: int | None
    working_minutes: float
    calendar_minutes: float
    standard_minutes: int  # the Waktu of the steps measured
    sop_total_minutes: int  # the SOP's TOTAL: every step, also those outside warta
    rounds: int

    @property
    def late(self) -> bool:
        return self.working_minutes > self.standard_minutes

    @property
    def complete(self) -> bool:
        return self.end is not None


@dataclass(frozen=True)
class ItemTime:
    facts: ItemFacts
    steps: tuple[StepTime, ...]
    chain: ChainTime | None
    returns: tuple[StepTime, ...]


def _round_of(facts: ItemFacts, d: Decided) -> int:
    """Index of the content commit a decision was made on: the newest one before it in the history (by
    time when the places are unknown; 0 when the decision predates them all). Commits made within the same
    second keep their order this way."""
    if d.pos >= 0 and len(facts.change_pos) == len(facts.changes):
        return max((i for i, p in enumerate(facts.change_pos) if p < d.pos), default=0)
    found = 0
    for i, when in enumerate(facts.changes):
        if when <= d.at:
            found = i
        else:
            break
    return found


def _order(d: Decided) -> tuple[int, int]:
    return (d.at, d.pos) if d.pos < 0 else (d.pos, d.at)


def measure_item(facts: ItemFacts, sop: Sop, hours: OfficeHours, as_of: int) -> ItemTime:
    """Every step of every round of one item, and its latest chain (see the module docstring)."""
    if facts.imported or not facts.changes:
        return ItemTime(facts, (), None, ())
    paraf = [s for s in sop.approval_steps()]
    order = {s.no: i for i, s in enumerate(paraf)}
    pipeline = sop.pipeline_steps()
    by_round: dict[int, list[Decided]] = {}
    for d in facts.decisions:
        if d.at <= as_of:
            by_round.setdefault(_round_of(facts, d), []).append(d)
    steps: list[StepTime] = []
    chain_start: int | None = None
    chain_rounds = 0
    last_round = max(by_round) if by_round else len(facts.changes) - 1
    rounds = sorted(set(by_round) | {last_round})
    end: int | None = None
    for number, index in enumerate(rounds, start=1):
        start = facts.changes[index]
        if chain_start is None:
            chain_start, chain_rounds = start, 0
        chain_rounds += 1
        previous = start
        done: set[int] = set()
        forced_at: int | None = None
        returned = False
        for d in sorted(by_round.get(index, ()), key=_order):
            if d.decision == "force":
                forced_at = d.at
                continue
            s = sop.step(d.step) if sop.has_step(d.step) else None
            if s is None or d.step not in order:
                continue
            steps.append(_step(s.no, s.label, s.pelaksana, "paraf", number, previous, d.at, d.decision, (d.by,),
                               s.waktu.text, s.waktu.minutes, hours, d.note, forced_at is not None))
            previous = d.at
            if d.decision == "return":
                returned = True
                break
            done.add(d.step)
        complete = not returned and (done >= set(order) or forced_at is not None)
        is_last = index == rounds[-1]
        if returned:
            continue
        if not complete:
            if is_last and facts.state not in ("approved", "published"):
                pending = next((s for s in paraf if s.no not in done), None)
                if pending is not None:
                    steps.append(_step(pending.no, pending.label, pending.pelaksana, "paraf", number, previous,
                                       None, None, facts.holders.get(pending.pelaksana, ()), pending.waktu.text,
                                       pending.waktu.minutes, hours, "", False, as_of))
            continue
        ready = forced_at if forced_at is not None else previous  # what publishing waited for
        end = _publication(facts, pipeline, number, ready, hours, as_of, steps) if is_last and pipeline else ready
        if not is_last:
            chain_start = None  # a complete chain: a later change starts a new one
    chain = None
    if chain_start is not None:
        measured = {(s.step, s.kind) for s in steps if s.round > len(rounds) - chain_rounds}
        standard = sum(sop.step(no).waktu.minutes or 0 for no, _ in measured)
        stop = end if end is not None else as_of
        chain = ChainTime(chain_start, end, hours.working_minutes(chain_start, stop),
                          calendar_minutes(chain_start, stop), standard, sop.total_minutes(), chain_rounds)
    returns = tuple(s for s in steps if s.decision == "return")
    return ItemTime(facts, tuple(steps), chain, returns)


def _publication(facts: ItemFacts, pipeline: Sequence[Step], number: int, ready: int, hours: OfficeHours,
                 as_of: int, steps: list[StepTime]) -> int | None:
    """The pipeline steps of the last round, appended to ``steps``: due when the chain was complete, decided
    at the publication (the latest post for posting and videotron steps). Returns when the last one was
    decided (None: still open)."""
    decided = facts.published_at if facts.published_at is not None and facts.published_at >= ready - 60 else None
    end: int | None = ready
    for s in pipeline:
        when = decided
        if when is not None and {"kirim_medsos", "tayang_videotron"} & set(s.aksi) and facts.announced_at:
            when = max(when, facts.announced_at)
        if when is not None and when > as_of:
            when = None
        steps.append(_step(s.no, s.label, s.pelaksana, "aksi", number, ready, when,
                           "published" if when is not None else None, ("warta publish",), s.waktu.text,
                           s.waktu.minutes, hours, "", False, as_of))
        ready = when if when is not None else ready
        end = when
        if when is None:
            break
    return end


def _step(no: int, label: str, role: str, kind: Literal["paraf", "aksi"], number: int, due: int,
          decided: int | None, decision: str | None, by: tuple[str, ...], waktu: str, minutes: int | None,
          hours: OfficeHours, note: str = "", retrospective: bool = False, as_of: int | None = None
          ) -> StepTime:
    stop = decided if decided is not None else (as_of if as_of is not None else due)
    stop = max(stop, due)
    return StepTime(no, label, role, kind, number, due, decided, decision, by, hours.working_minutes(due, stop),
                    calendar_minutes(due, stop), waktu, minutes, note, retrospective)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile (0-1) with linear interpolation between closest ranks (numpy's default), or None."""
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (position - low), 1)


def median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def step_json(s: StepTime, iso: Any) -> dict[str, Any]:
    """One step as ``report --json`` prints it (``docs/report.md``)."""
    return {
        "step": s.step, "label": s.label, "role": s.role, "type": s.kind, "round": s.round,
        "due": iso(s.due), "decided": iso(s.decided), "decision": s.decision, "by": list(s.by),
        "elapsed_minutes": s.working_minutes, "elapsed_calendar_minutes": s.calendar_minutes,
        "waktu": s.waktu, "waktu_minutes": s.waktu_minutes, "late": s.late, "open": s.open,
        "note": s.note or None, "retrospective": s.retrospective,
    }
