"""The trusted governance over time (approval rules 1 and 8): which ``people.yaml`` and SOPs were in
force at each first-parent commit of main, read once per run from the history index.

:func:`governance_states` parses every governance state along main's first-parent line (once per
distinct content); :class:`Trusted` answers, for a first-parent index, the people in force
(:meth:`Trusted.authority_at`) and the chain an item of a kind needs (:meth:`Trusted.governance_for`),
each built once per distinct state. :func:`descendants` is the graph walk the judge uses on positions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from pipeline.approvals.chain import Authority, ChainSpec, spec_from_sop
from pipeline.approvals.governance import GovState, Timeline, parse_state
from pipeline.approvals.history import History
from pipeline.git import Git
from pipeline.i18n import _

Governance = tuple[GovState, ChainSpec | None, list[str]]


def descendants(parents: Sequence[Sequence[int]], origin: int, candidates: Sequence[int]) -> set[int]:
    """The ``candidates`` that descend from (or are) position ``origin``. Positions are topological
    (parents first), so one forward walk from ``origin`` to the last candidate decides them all."""
    wanted = [q for q in candidates if q >= origin]
    if not wanted:
        return set()
    reached = {origin}
    for p in range(origin + 1, max(wanted) + 1):
        if not reached.isdisjoint(parents[p]):
            reached.add(p)
    return {q for q in wanted if q in reached}


def governance_states(git: Git, index: History) -> tuple[list[GovState], dict[str, bytes]]:
    """Every governance state along main's first-parent line (parsed once per distinct content)."""
    blobs: dict[str, str] = {}
    snapshots: list[tuple[int, str, dict[str, str]]] = []
    for transition in index.transitions:
        for change in transition.changes:
            if change.deleted:
                blobs.pop(change.path, None)
            elif change.mode.startswith("100") or change.mode == "120000":
                blobs[change.path] = change.oid
        snapshots.append((transition.index, transition.sha, dict(blobs)))
    contents = git.read_blobs({o for _, _, b in snapshots for o in b.values()})
    parsed: dict[tuple[tuple[str, str], ...], GovState] = {}
    states: list[GovState] = []
    for number, sha, snapshot in snapshots:
        key = tuple(sorted(snapshot.items()))
        known = parsed.get(key)
        state = (replace(known, index=number, sha=sha) if known is not None
                 else parse_state(number, sha, snapshot, contents))
        parsed.setdefault(key, state)
        states.append(state)
    return states, contents



class Trusted:
    """The trusted governance timeline of one run, with what is derived from its states cached."""

    def __init__(self, timeline: Timeline, boot: GovState, main: str) -> None:
        self.timeline = timeline
        self.boot = boot
        self.main = main
        self._authorities: dict[int, Authority] = {}
        self._specs: dict[tuple[int, str], ChainSpec] = {}
        self._governance: dict[tuple[int, str | None, str | None], Governance] = {}

    def authority_at(self, at: int) -> Authority:
        """The people in force at first-parent index ``at`` (one object per distinct state)."""
        found = self._authorities.get(at)
        if found is None:
            state = self.timeline.at(at)
            found = self._authorities[at] = self._authorities.setdefault(-1 - id(state), state.authority)
        return found

    def governance_for(self, at: int, kind: str | None, explicit: str | None) -> Governance:
        """The trusted state at ``at``, the chain spec for the item's SOP, and problems finding it."""
        state = self.timeline.at(at) if at != self.boot.index else self.boot
        key = (id(state), kind, explicit)
        found = self._governance.get(key)
        if found is None:
            found = self._governance[key] = self._find_sop(state, kind, explicit)
        return found

    def _find_sop(self, state: GovState, kind: str | None, explicit: str | None) -> Governance:
        assert state.config is not None
        section = state.config.kind_section(kind) if kind else None
        if kind and section is None:  # an internal kind (rencana-konten, evaluasi) this warta.yml does not use
            return state, None, [_("warta.yml on {main} names no SOP for {kind} (kinds.{kind}.sop)",
                                   main=self.main, kind=kind)]
        sop_id = explicit or (section.sop if section is not None else None)
        sop = state.sops.get(sop_id) if sop_id else None
        problems: list[str] = []
        if explicit and section is not None and explicit not in (section.sop, *section.other_sops):
            # which SOP governs a kind is governance (warta.yml), never the item's choice
            allowed = ", ".join([section.sop, *section.other_sops])
            problems.append(_("sop: '{explicit}' is not an SOP for {kind} in warta.yml on {main} (allowed: {allowed})",
                              explicit=explicit, kind=kind, main=self.main, allowed=allowed))
            sop = None
        if sop is None:
            if sop_id and not problems:
                problems.append(_("SOP '{sop_id}' is not in sop/ on {main} (approved version)",
                                  sop_id=sop_id, main=self.main))
            return state, None, problems
        spec = self._specs.get((id(state), sop.id))
        if spec is None:
            spec = self._specs[(id(state), sop.id)] = spec_from_sop(sop)
        return state, spec, problems
