"""The data of chain evaluation: what an item needs (:class:`ChainSpec`), what is known of it
(:class:`ItemFacts`), the records, the people who govern them (:class:`Authority`) and the verdict
(:class:`ChainResult`). The rules that judge them are :mod:`pipeline.approvals.chain`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from pipeline.approvals.record_model import DECISIONS as DECISIONS
from pipeline.approvals.record_model import Record as Record
from pipeline.approvals.signing import person_keys
from pipeline.i18n import _
from pipeline.people import People, Person
from pipeline.sop import Sop

State = Literal["draft", "in_review", "returned", "approved", "published"]
StepState = Literal["approved", "pending", "waiting", "skipped", "returned", "imported"]


@dataclass(frozen=True)
class StepSpec:
    """One step an item needs: the SOP step number, its role, and what the status view shows."""

    no: int
    role: str
    kegiatan: str = ""
    waktu: str = ""
    minutes: int | None = None


@dataclass(frozen=True)
class ChainSpec:
    """The chain an item needs. ``id``: the SOP id (or ``governance``)."""

    id: str
    steps: tuple[StepSpec, ...]
    ordered: bool = True
    authors_may_approve: bool = False
    distinct_people: bool = True
    title: str = ""

    @cached_property
    def _by_no(self) -> dict[int, StepSpec]:
        return {s.no: s for s in self.steps}

    def step(self, no: int) -> StepSpec | None:
        return self._by_no.get(no)


def spec_from_sop(sop: Sop) -> ChainSpec:
    """The paraf steps of ``sop`` in SOP order."""
    steps = tuple(
        StepSpec(s.no, s.pelaksana, s.kegiatan, s.waktu.text, s.waktu.minutes) for s in sop.approval_steps()
    )
    return ChainSpec(sop.id, steps, ordered=True, title=sop.nama)


@dataclass(frozen=True)
class Policy:
    require_signatures: bool = True
    force_roles: frozenset[str] = frozenset()


@dataclass(slots=True)
class ItemFacts:
    """What the chain needs to know about the item (gathered by the caller from the revision).

    ``authors``: casefolded emails of everyone whose key signed a change to the item or a file it
    references. ``changed_at``: when its content last changed (start of the first step's clock).
    ``problems``: reasons the item cannot be approved at all (unknown SOP, unreadable front matter).
    """

    path: str
    digest: str
    spec: ChainSpec | None
    authors: frozenset[str] = frozenset()
    serta_merta: bool = False
    imported: bool = False
    published: bool = False
    changed_at: int | None = None
    problems: tuple[str, ...] = ()
    hint: str | None = None


class Authority:
    """The ``people.yaml`` a record is judged by, with each person's key fingerprints."""

    def __init__(self, people: People) -> None:
        self.people = people
        self.keys = person_keys(people)
        self._by_email = {p.email.strip().casefold(): p for p in people.people}
        self._owners: dict[str, Person] | None = None

    def person(self, email: str) -> Person | None:
        return self._by_email.get(email.strip().casefold())

    def title(self, role: str) -> str:
        return self.people.roles.get(role, role)

    def owner(self, key: str) -> Person | None:
        """The person one of whose listed keys has fingerprint ``key``."""
        if self._owners is None:
            self._owners = {fp: self._by_email[email] for email, fps in self.keys.items()
                            for fp in fps if email in self._by_email}
        return self._owners.get(key)


@dataclass(slots=True)
class Approval:
    """A record that counted."""

    sha: str
    step: int
    role: str
    decision: str
    name: str
    email: str
    at: int
    note: str = ""
    key: str | None = None  # fingerprint of the SSH key that signed the record (``None``: unsigned)
    source: str = "git"  # git, or the forge of a review (Record.source)


@dataclass(slots=True)
class Rejection:
    """A record that did not count, with every reason (``codes`` for machines, ``reasons`` for people)."""

    sha: str
    step: int | None
    role: str
    decision: str
    name: str
    email: str
    at: int
    codes: tuple[str, ...]
    reasons: tuple[str, ...]

    def format(self) -> str:
        who = f"{self.name} <{self.email}>" if self.name else f"<{self.email}>"
        step = _("step {step}", step=self.step) if self.step is not None else _("no step")
        why = "; ".join(self.reasons)
        where = self.sha if "-review-" in self.sha else self.sha[:12]  # a forge review keeps its whole name
        return _("{decision} of {step} by {who} in {where} does not count: {why}",
                 decision=self.decision, step=step, who=who, where=where, why=why)


@dataclass(slots=True)
class StepStatus:
    """One paraf step of an item: ``status`` is approved, pending (the next one), waiting (an earlier step
    first), returned, skipped (by a force-publish, still to approve) or imported; ``by``/``email``/``at``/
    ``sha`` name the record that counted (or the return), ``key`` the fingerprint of the SSH key that signed
it (``None`` when unsigned or not checked). Results are plain slotted classes for speed
    (10,000 items per run): treat them as read-only."""

    no: int
    role: str
    role_title: str
    kegiatan: str
    waktu: str
    minutes: int | None
    status: StepState
    by: str | None = None
    email: str | None = None
    at: int | None = None
    sha: str | None = None
    started_at: int | None = None  # when the step could start: the previous step's paraf or the change
    key: str | None = None
    source: str = "git"  # git, github, gitlab or gitea: where the decision that counted was given


@dataclass(slots=True)
class ChainResult:
    """The verdict on one item (or, ``kind="governance"``, one changed governance file).

    ``complete`` is what ``warta verify`` and ``warta publish`` act on; ``reasons`` is every line a person
    needs; ``forced`` is true while a force-published item still waits for skipped steps; ``imported``
    marks content of the trusted first commit. ``next`` is the step to act on (``None`` when complete or
    returned).
    """

    path: str
    sop: str | None
    digest: str
    state: State
    next: StepSpec | None
    steps: tuple[StepStatus, ...]
    rejections: tuple[Rejection, ...] = ()
    problems: tuple[str, ...] = ()
    forced: bool = False
    forced_by: Approval | None = None
    returned: Approval | None = None
    imported: bool = False
    hint: str | None = None
    kind: Literal["content", "governance"] = "content"
    sop_title: str = ""

    @property
    def complete(self) -> bool:
        """May be published: a full valid chain (or a valid force, or imported), and no problem."""
        return self.state in ("approved", "published") and not self.problems

    @property
    def reasons(self) -> list[str]:
        """Everything a person needs to read to see why the item is not (fully) approved."""
        out = list(self.problems)
        if self.state == "returned" and self.returned is not None:
            r = self.returned
            out.append(_("returned at step {step} by {name}: {reason}; change the content to start the chain "
                         "again", step=r.step, name=r.name, reason=r.note or _("(no reason given)")))
        elif self.next is not None and not self.complete:
            out.append(_("step {step} ({role}) is not approved yet", step=self.next.no, role=self.next.role))
        elif self.forced and self.next is not None:
            out.append(_("force-published; step {step} ({role}) must still approve retrospectively",
                         step=self.next.no, role=self.next.role))
        out.extend(r.format() for r in self.rejections)
        if self.hint:
            out.append(self.hint)
        return out
