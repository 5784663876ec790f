"""The posting ledger's decisions, and the order of a publication and its next version decided by the
version (digest), never by comparing times to the second."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from approvals_helpers import Site
from publish_helpers import approved_release, change_release, outbox, publish, publish_json, release_text

from pipeline.archive.records import ArchiveRecord, Channel, Klasifikasi, Version, with_publication
from pipeline.channels import ledger
from pipeline.publish.announce import announcement_due

WIB = dt.timezone(dt.timedelta(hours=7))
T0 = dt.datetime(2026, 3, 4, 10, 0, tzinfo=WIB)
D1, D2 = "sha256:" + "1" * 64, "sha256:" + "2" * 64


def _record(*channels: Channel, versions: int = 1, withdrawn: bool = False) -> ArchiveRecord:
    digests = [D1, D2][:versions]
    data: dict[str, Any] = {
        "number": "400.14.5.6/1/UJI/2026", "urut": 1, "tahun": 2026, "path": "content/siaran-pers/2026/a.md",
        "title": "A", "kind": "siaran-pers", "digest": digests[-1], "imported": True,
        "klasifikasi": Klasifikasi(code="400.14.5.6", title="x", scheme="permendagri-83-2022"),
        "versions": [Version(digest=d, approved_at=T0, catatan_perubahan="c") for d in digests],
        "published_at": T0, "channels": list(channels)}
    if withdrawn:
        data.update(status="dicabut", alasan_pencabutan="Salah", dicabut_at=T0)
    return ArchiveRecord.model_validate({k: (v.model_dump() if hasattr(v, "model_dump") else
                                             [x.model_dump() for x in v] if isinstance(v, list) else v)
                                         for k, v in data.items()})


def test_a_new_version_is_due_whatever_the_clocks_say() -> None:
    # the website entry is stamped an hour *after* the new version's approval (a runner clock ahead)
    ahead = T0 + dt.timedelta(hours=1)
    record = _record(Channel(channel="website", at=ahead, digest=D1), versions=2)
    assert announcement_due(record)
    assert not announcement_due(with_publication(record, T0, [Channel(channel="website", at=T0, digest=D2)]))


def test_an_entry_without_digest_announced_the_only_version() -> None:
    assert not announcement_due(_record(Channel(channel="website", at=T0)))
    assert announcement_due(_record(Channel(channel="website", at=T0 + dt.timedelta(days=1)), versions=2))


def test_the_ledger_never_resends_an_attempt_without_outcome_or_an_uncertain_post() -> None:
    attempt = Channel(channel="x", at=T0, digest=D1, state="attempt", attempts=1)
    assert ledger.decide(_record(attempt), "x", T0).action == "settle"
    uncertain = attempt.model_copy(update={"state": "uncertain"})
    assert ledger.decide(_record(uncertain), "x", T0, retry=True).action == "skip"
    assert ledger.decide(_record(uncertain.model_copy(update={"state": "not_sent"})), "x", T0).action == "post"


def test_failures_back_off_and_only_retry_forces_a_permanent_one() -> None:
    before = Channel(channel="x", at=T0, digest=D1, state="attempt", attempts=1)
    soon = ledger.failed(before, "500", retryable=True, wait=None, now=T0)
    assert soon.retry_at is not None and soon.retry_at > T0
    assert ledger.decide(_record(soon), "x", T0).action == "wait"
    assert ledger.decide(_record(soon), "x", soon.retry_at).action == "post"
    deferred = ledger.failed(before, "429", retryable=True, wait=3600, now=T0)
    assert deferred.retry_at == T0 + dt.timedelta(hours=1)
    permanent = ledger.failed(before, "expired token", retryable=False, wait=None, now=T0)
    assert ledger.decide(_record(permanent), "x", T0 + dt.timedelta(days=9)).action == "skip"
    assert ledger.decide(_record(permanent), "x", T0, retry=True).action == "post"


def test_a_withdrawal_takes_back_only_what_was_sent() -> None:
    sent = Channel(channel="x", at=T0, digest=D1, state="sent", post_id="1601")
    step = ledger.decide(_record(sent, versions=2, withdrawn=True), "x", T0)
    assert step.action == "withdraw" and step.post_id == "1601"
    never = Channel(channel="x", at=T0, digest=D1, state="uncertain")
    assert ledger.decide(_record(never, versions=2, withdrawn=True), "x", T0).action == "skip"


def test_a_withdrawal_approved_before_the_last_publication_stamp_is_announced(site: Site) -> None:
    """The flaky test of issue 15 made deterministic: the publication stamp ahead of the approval of the
    withdrawal (a runner clock ahead, or both in one second). Its payloads were missing."""
    path = approved_release(site, "pasar-murah", title="Pasar Murah", kind="pengumuman")
    ahead = (dt.datetime.now(WIB) + dt.timedelta(hours=2)).isoformat()
    assert publish(site, env={"WARTA_NOW": ahead}).returncode == 0
    change_release(site, path, release_text("Pasar Murah", status="dicabut", alasan_pencabutan="Batal"),
                   branch="cabut")
    code, doc = publish_json(site, env={"WARTA_NOW": ahead})
    assert code == 0, (doc["problems"], doc["channel_errors"], doc["pending_governance"])
    withdrawn = [n for n in outbox(site.root)
                 if json.loads((site.root / "_outbox" / n).read_text(encoding="utf-8"))["change"] == "withdrawn"]
    assert sorted(n.split("/")[0] for n in withdrawn) == ["facebook", "instagram"]
