"""The posting ledger's decisions (pure): what a run does for one item version on one channel.

An entry moves planned → ``attempt`` (committed, and pushed, before the call) → ``sent`` | ``failed``
(retryable or not) | ``uncertain``. An attempt a later run finds without an outcome is uncertain: the
request may have reached the platform, so it is never sent again on its own; it is settled from the
platform's own state where the API allows, or by a person (``warta announce --resolve``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from pipeline.archive.records import ArchiveRecord, Channel
from pipeline.i18n import _

Action = Literal["post", "withdraw", "settle", "wait", "skip"]
BACKOFF = (dt.timedelta(minutes=10), dt.timedelta(hours=1), dt.timedelta(hours=6), dt.timedelta(hours=24))


@dataclass(frozen=True)
class Step:
    action: Action
    reason: str = ""
    post_id: str | None = None  # the post a withdrawal deletes
    stuck: bool = False  # waits for a person (uncertain, or failed for good): reported as an error


def entry_of(record: ArchiveRecord, channel: str) -> Channel | None:
    return next((c for c in record.channels if c.channel == channel), None)


def decide(record: ArchiveRecord, channel: str, now: dt.datetime, *, retry: bool = False) -> Step:
    """The next step for the current version of ``record`` on ``channel``."""
    entry = entry_of(record, channel)
    withdrawn = record.status == "dicabut"
    if entry is not None and entry.digest == record.digest:
        if entry.state == "attempt":
            return Step("settle", _("an attempt without an outcome: it may have gone out"), entry.post_id)
        if entry.done:
            return Step("skip", "done")
        if entry.state == "uncertain":
            return Step("skip", _("uncertain: resolve it with warta announce --resolve"), stuck=True)
        if entry.state == "not_sent":
            return Step("withdraw" if withdrawn else "post", _("resolved as not sent"), entry.post_id)
        # failed
        if not entry.retryable and not retry:
            return Step("skip", _("failed: {error}; warta announce --retry tries again", error=entry.error or "?"),
                        stuck=True)
        if entry.retry_at is not None and now < entry.retry_at and not retry:
            return Step("wait", _("deferred until {time}", time=entry.retry_at.isoformat()))
        return Step("withdraw" if withdrawn else "post", "retry", entry.post_id)
    if withdrawn:
        # the post of an earlier version is deleted (or corrected); nothing went out: nothing to take back
        if entry is not None and entry.state in (None, "sent") and entry.post_id:
            return Step("withdraw", "withdrawn", entry.post_id)
        return Step("skip", "withdrawn; nothing was posted")
    return Step("post", "new version" if entry is not None else "planned")


def attempt(record: ArchiveRecord, channel: str, step: Step, now: dt.datetime) -> Channel:
    """The entry committed before the call."""
    entry = entry_of(record, channel)
    count = entry.attempts + 1 if entry is not None and entry.digest == record.digest else 1
    return Channel(channel=channel, at=now, digest=record.digest, state="attempt", post_id=step.post_id,
                   attempts=count)


def uncertain(before: Channel, why: str) -> Channel:
    return before.model_copy(update={"state": "uncertain", "error": why})


def sent(before: Channel, post_id: str, url: str | None, now: dt.datetime, state: str = "sent") -> Channel:
    return Channel(channel=before.channel, at=now, url=url, digest=before.digest, state=state,  # type: ignore[arg-type]
                   post_id=post_id, attempts=before.attempts)


def failed(before: Channel, error: str, *, retryable: bool, wait: float | None, now: dt.datetime) -> Channel:
    delay = BACKOFF[min(before.attempts, len(BACKOFF)) - 1]
    if wait is not None:
        delay = max(delay, dt.timedelta(seconds=wait))
    return Channel(channel=before.channel, at=now, digest=before.digest, state="failed", post_id=before.post_id,
                   error=error[:2000], retryable=retryable, retry_at=now + delay if retryable else None,
                   attempts=before.attempts)


def key_of(record: ArchiveRecord, channel: str) -> str:
    """The idempotency key (Mastodon) and webhook-id: one per item version and channel."""
    raw = f"warta-{record.number}-{record.digest[7:23]}-{channel}"
    return re.sub(r"[^A-Za-z0-9._-]", "_", raw)
