"""The verdict of one run over a repository: :class:`Report` (what ``warta verify``, ``status`` and
``publish`` act on), the per-item :class:`ItemContext` a new decision is judged with, and the JSON form
of a chain result (DESIGN section 6)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pipeline.approvals.chain import Approval, Authority, ChainResult, ItemFacts, Policy, Record
from pipeline.approvals.governance import GovState
from pipeline.config import SiteConfig
from pipeline.git import Signature
from pipeline.people import People

Mode = Literal["branch", "all", "paths"]
NULL_SHA = "0" * 40  # the commit id a decision not yet written is judged under


@dataclass(slots=True)
class ItemContext:
    """Everything the chain of one item was judged with (so a new decision can be judged the same way).

    ``records`` are the item's records with git's signature verdicts attached (``Record.signature``);
    ``raw`` the same without them, and ``signatures`` the verdicts by commit id (``None``: not checked).
    ``precedes`` is the commit graph's order (``precedes(a, b)``: commit ``a`` is an ancestor of ``b``;
    a decision about to be written, :data:`NULL_SHA`, descends from everything HEAD holds).
    """

    facts: ItemFacts
    raw: list[Record]
    policy: Policy
    authority: Authority
    record_authority: dict[str, Authority]
    state: GovState
    signatures: Mapping[str, Signature] | None = None
    precedes: Callable[[str, str], bool] | None = None
    blocking: Approval | None = None  # a return that blocks from outside this history (rule 7)

    @property
    def records(self) -> list[Record]:
        if self.signatures is None:
            return list(self.raw)
        unsigned = Signature("N", "", "")
        return [r._replace(signature=self.signatures.get(r.sha, r.signature or unsigned)) for r in self.raw]


@dataclass(frozen=True)
class Report:
    root: Path
    main: str
    main_sha: str
    head: str
    base: str | None
    mode: Mode
    items: tuple[ChainResult, ...]
    governance: tuple[ChainResult, ...]
    problems: tuple[str, ...]
    warnings: tuple[str, ...]
    state: GovState  # trusted governance at the base: the people and SOPs the acting person is judged by
    contexts: Mapping[str, ItemContext] = field(repr=False, default_factory=dict)
    removed: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Every judged item and governance change has a complete valid chain, and nothing else is wrong."""
        return not self.problems and all(r.complete for r in (*self.items, *self.governance))

    @property
    def config(self) -> SiteConfig:
        assert self.state.config is not None
        return self.state.config

    @property
    def people(self) -> People:
        assert self.state.people is not None
        return self.state.people

    def result(self, path: str) -> ChainResult | None:
        return next((r for r in (*self.items, *self.governance) if r.path == path), None)

    def to_json(self) -> dict[str, Any]:
        tz = self.config.tz
        return {
            "items": [result_json(r, tz) for r in self.items],
            "governance": [result_json(r, tz) for r in self.governance],
            "problems": list(self.problems),
            "warnings": list(self.warnings),
            "ok": self.ok,
            "main": self.main,
            "head": self.head,
            "base": self.base,
        }


def iso(epoch: int | None, tz: dt.tzinfo) -> str | None:
    return None if epoch is None else dt.datetime.fromtimestamp(epoch, tz).isoformat()


def result_json(r: ChainResult, tz: dt.tzinfo) -> dict[str, Any]:
    """One item as ``status --json`` prints it (DESIGN section 6, plus extra keys)."""
    return {
        "path": r.path,
        "sop": r.sop,
        "digest": r.digest,
        "state": r.state,
        "next": {"step": r.next.no, "role": r.next.role} if r.next is not None else None,
        "steps": [
            {"step": s.no, "role": s.role, "status": s.status, "by": s.by, "at": iso(s.at, tz),
             "email": s.email, "role_title": s.role_title, "kegiatan": s.kegiatan, "waktu": s.waktu,
             "minutes": s.minutes, "started_at": iso(s.started_at, tz), "commit": s.sha, "key": s.key,
             "source": s.source}
            for s in r.steps
        ],
        "kind": r.kind,
        "complete": r.complete,
        "forced": r.forced,
        "imported": r.imported,
        "reasons": r.reasons,
        "rejections": [
            {"commit": x.sha, "step": x.step, "role": x.role, "decision": x.decision, "by": x.name,
             "email": x.email, "at": iso(x.at, tz), "codes": list(x.codes), "reasons": list(x.reasons)}
            for x in r.rejections
        ],
    }
