"""The measurement itself (pipeline.report.measure), on facts given by hand: rounds follow the history's
order even when commits share a second, and a force-published item's publication waits for the force."""

from __future__ import annotations

import datetime as dt

from approvals_helpers import SOP_RILIS

from pipeline.report.hours import OfficeHours
from pipeline.report.measure import Decided, ItemFacts, measure_item
from pipeline.sop_files import parse_sop

SOP = parse_sop(SOP_RILIS, "sop/rilis-uji.yaml")
HOURS = OfficeHours.default()
MONDAY_9 = int(dt.datetime(2026, 11, 2, 9, 0, tzinfo=HOURS.tz).timestamp())


def test_commits_in_the_same_second_keep_their_order() -> None:
    t = MONDAY_9
    # history order (pos): content 1, approve step 2 (3), return step 3 (4), fixed content (5), approve 2 (6),
    # approve 3 (7): everything within one second, as a script would do it
    facts = ItemFacts(
        path="content/siaran-pers/2026/x.md", title="X", kind="siaran-pers", sop="rilis-uji",
        changes=(t, t), change_pos=(1, 5), state="approved",
        decisions=(Decided(2, "kasubbag", "approve", "Dwi", "d@x", t, pos=3),
                   Decided(3, "sekdin", "return", "Hendro", "h@x", t, "Foto", pos=4),
                   Decided(2, "kasubbag", "approve", "Dwi", "d@x", t, pos=6),
                   Decided(3, "sekdin", "approve", "Hendro", "h@x", t, pos=7)))
    measured = measure_item(facts, SOP, HOURS, t + 60)
    assert [(s.round, s.step, s.decision) for s in measured.steps if s.kind == "paraf"] == [
        (1, 2, "approve"), (1, 3, "return"), (2, 2, "approve"), (2, 3, "approve")]
    assert [r.note for r in measured.returns] == ["Foto"]
    # the publish step (5 menit) is still open one minute later: 1 working minute so far, not late yet
    (publish,) = [s for s in measured.steps if s.kind == "aksi"]
    assert publish.open and publish.working_minutes == 1.0 and publish.late is False


def test_a_forced_items_publication_waits_for_the_force() -> None:
    t = MONDAY_9
    facts = ItemFacts(
        path="content/informasi-publik/2026/banjir.md", title="Banjir", kind="informasi-publik", sop="rilis-uji",
        changes=(t,), change_pos=(1,), state="approved", forced=True, published_at=t + 12 * 60,
        decisions=(Decided(2, "kepala_dinas", "force", "Wahyu", "w@x", t + 5 * 60, pos=2),))
    measured = measure_item(facts, SOP, HOURS, t + 3600)
    # forced at 09:05, published at 09:12: 7 minutes against the publish step's 5: late; no paraf step counted
    assert [(s.kind, s.step, s.working_minutes, s.late) for s in measured.steps] == [("aksi", 4, 7.0, True)]
    assert measured.chain is not None and measured.chain.working_minutes == 12.0 and measured.chain.complete
