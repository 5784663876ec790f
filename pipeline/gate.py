"""The gate: one pure decision per item, shared by ``warta build``, ``status`` and ``publish``.

Given what is known of an item at one moment (its parsed version, its content errors, its approval
chain, the version that is live, the clock), :func:`decide` answers one of:

- ``publish``: the version on main is fully approved and goes out (``change`` says new, changed or
  unchanged);
- ``hold``: it cannot go out (no full chain, content errors, a missing change note, no classification);
  the live version, if there is one, stays (``keep_live``);
- ``schedule``: approved, embargoed until ``publish_at``; the live version stays meanwhile;
- ``exempt``: information excluded by UU 14/2008 Pasal 17 (``dikecualikan``): never published;
- ``withdrawn``: the approved version says ``status: dicabut``: a live item gets its withdrawal notice,
  an item never published gets nothing;
- ``expired``: an announcement whose ``berlaku_sampai`` has passed: its page stays, marked, and it is
  left out of the current lists.

Nothing here reads files, git or the clock: callers pass data in and act on the answer; no other module
decides these questions again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from pipeline.approvals.chain import ChainResult
from pipeline.archive.records import ArchiveRecord
from pipeline.content import InformasiPublikMeta, Item, PengumumanMeta

Outcome = Literal["publish", "hold", "schedule", "exempt", "withdrawn", "expired"]
Change = Literal["new", "changed", "unchanged", "withdrawn"]


@dataclass(frozen=True)
class Live:
    """The version of an item that is on the site now: its archive number, digest, versions, status."""

    number: str
    digest: str
    versions: int
    withdrawn: bool = False


def live_of(record: ArchiveRecord) -> Live:
    """What the gate needs of a published archive record."""
    return Live(record.number, record.digest, len(record.versions), record.status == "dicabut")


@dataclass(frozen=True)
class Facts:
    """Everything the gate needs about one item."""

    path: str
    item: Item | None  # the version on main, parsed; None when it does not load or was deleted
    chain: ChainResult | None  # None when the file is gone from main
    errors: Sequence[str] = ()  # content errors of the version on main
    live: Live | None = None
    deleted: bool = False


@dataclass(frozen=True)
class Decision:
    path: str
    outcome: Outcome
    reasons: tuple[str, ...] = ()
    change: Change = "unchanged"
    keep_live: bool = False  # the live version stays on the site instead of the version on main
    publish_at: dt.datetime | None = None

    @property
    def goes_out(self) -> bool:
        """The version on main is built (a page, or a withdrawal notice)."""
        return self.outcome in ("publish", "expired") or (self.outcome == "withdrawn" and self.change == "withdrawn")


def is_exempt(item: Item) -> bool:
    return isinstance(item.meta, InformasiPublikMeta) and item.meta.kategori_informasi == "dikecualikan"


def is_expired(item: Item, now: dt.datetime) -> bool:
    meta = item.meta
    return isinstance(meta, PengumumanMeta) and meta.berlaku_sampai is not None and meta.berlaku_sampai < now.date()


def decide(facts: Facts, now: dt.datetime) -> Decision:
    """The one answer for ``facts`` at ``now`` (see the module docstring)."""
    path, item, chain, live = facts.path, facts.item, facts.chain, facts.live
    keep = live is not None
    if facts.deleted or chain is None:
        reason = ("deleted from main; deleting is not withdrawing: the published version stays until a "
                  "withdrawal (status: dicabut with alasan_pencabutan) is approved")
        return Decision(path, "hold", (reason,), keep_live=keep)
    if item is not None and is_exempt(item) and (live is None or chain.complete):
        return Decision(path, "exempt", ("dikecualikan (UU 14/2008 Pasal 17): never published",))
    if not chain.complete:
        # every reason at once: the chain's and the content's (the operator fixes both in one go)
        reasons = (*(chain.reasons or [f"state {chain.state}"]), *(e for e in facts.errors if e not in chain.reasons))
        return Decision(path, "hold", tuple(reasons), keep_live=keep)
    if item is None or facts.errors:
        return Decision(path, "hold", tuple(facts.errors) or (f"{path} does not load",), keep_live=keep)
    changed = live is None or live.digest != chain.digest
    if changed and item.publish_at is not None and item.publish_at > now:
        return Decision(path, "schedule", (f"embargoed until {item.publish_at.isoformat()}",), keep_live=keep,
                        publish_at=item.publish_at)
    if item.meta.status == "dicabut":
        if live is None:
            return Decision(path, "withdrawn", ("withdrawn before it was ever published",), change="unchanged")
        return Decision(path, "withdrawn", (), change="withdrawn" if changed or not live.withdrawn else "unchanged")
    if live is not None and changed and len(item.meta.catatan_perubahan) < live.versions:
        return Decision(path, "hold", (
            f"published as {live.number} and changed since: add a catatan_perubahan entry (tanggal, catatan, "
            "jenis besar or kecil) describing this change, and approve it again",), keep_live=True)
    change: Change = "new" if live is None else "changed" if changed else "unchanged"
    if is_expired(item, now):
        return Decision(path, "expired", ("berlaku_sampai has passed",), change=change)
    return Decision(path, "publish", (), change=change)


@dataclass
class Verdicts:
    """The gate's answers for a set of items, grouped for callers."""

    decisions: dict[str, Decision] = field(default_factory=dict)

    def of(self, outcome: Outcome) -> list[Decision]:
        return [d for d in self.decisions.values() if d.outcome == outcome]


def decide_all(facts: Sequence[Facts], now: dt.datetime) -> Verdicts:
    return Verdicts({f.path: decide(f, now) for f in facts})
