"""``warta announce --resolve ITEM CHANNEL --sent URL | --not-sent``: a person's signed decision on an
uncertain (or failed) post, and how a publishing run applies it.

The decision is a commit that changes no file, signed by the person who resolves (like an approval record),
whose message ends in trailers ``Warta-Item``, ``Warta-Channel``, ``Warta-Digest``, ``Warta-Resolve: sent |
not-sent``, ``Warta-Attempt`` (the ledger's attempt count the person looked at: a decision settles that
attempt only, so an old ``not-sent`` is never replayed on a later uncertain attempt; absent: 1) and, for
sent, ``Warta-Post-URL``. Only the publishing identity writes the register, so the next
run on main reads the decisions (a good signature of a person in ``people.yaml``) into the ledger, naming
who resolved it in ``resolved_by``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.approvals.records import parse_trailers
from pipeline.approvals.signing import verify_signatures
from pipeline.archive.records import ArchiveRecord, Channel
from pipeline.channels.ledger import entry_of
from pipeline.git import Git
from pipeline.people import People

TRAILER = "Warta-Resolve"
_URL = re.compile(r"^https://[^\s/?#@]+/\S{1,500}$")


@dataclass(frozen=True)
class Resolution:
    sha: str
    item: str
    channel: str
    digest: str
    sent: bool
    url: str | None
    by: str
    attempt: int = 1  # the attempt it decides (the entry's ``attempts`` when the person resolved it)


def message(item: str, channel: str, digest: str, url: str | None, attempt: int = 1) -> str:
    state = "sent" if url else "not-sent"
    lines = [f"Kanal {channel}: {item} {'terkirim' if url else 'tidak terkirim'}", "",
             f"Warta-Item: {item}", f"Warta-Channel: {channel}", f"Warta-Digest: {digest}", f"{TRAILER}: {state}",
             f"Warta-Attempt: {attempt}"]
    if url:
        lines.append(f"Warta-Post-URL: {url}")
    return "\n".join(lines) + "\n"


def valid_url(url: str) -> bool:
    return bool(_URL.match(url))


def read(git: Git, main_sha: str, people: People, cache_root: Path | None) -> list[Resolution]:
    """The resolutions on main's history with a good signature of a listed person, oldest first."""
    found = git.text("log", "--format=%H", "--reverse", f"--grep=^{TRAILER}: ", main_sha).split()
    # a decision changes no file (as an approval record)
    shas = [s for s in found if not git.text("diff-tree", "--no-commit-id", "--name-only", "-r", "--root", s).strip()]
    if not shas:
        return []
    verdicts = verify_signatures(git, shas, [people], cache_root)
    out: list[Resolution] = []
    for sha in shas:
        verdict = verdicts.get(sha)
        person = people.by_email(verdict.signer) if verdict is not None and verdict.status == "G" else None
        if person is None:
            continue
        fields = {k.casefold(): v for k, v in parse_trailers(git.text("show", "-s", "--format=%B", sha))[0]}
        state, url = fields.get(TRAILER.casefold()), fields.get("warta-post-url")
        item, channel, digest = (fields.get(k) for k in ("warta-item", "warta-channel", "warta-digest"))
        if not (item and channel and digest) or state not in ("sent", "not-sent"):
            continue
        if state == "sent" and not (url and valid_url(url)):
            continue
        attempt = fields.get("warta-attempt", "1")
        if not attempt.isdigit():
            continue
        out.append(Resolution(sha, item, channel, digest, state == "sent", url, person.email, int(attempt)))
    return out


def apply(records: Sequence[ArchiveRecord], resolutions: Sequence[Resolution], now: dt.datetime
          ) -> dict[str, list[Channel]]:
    """Ledger entries for resolutions of entries still open (attempt, uncertain, failed) at that digest."""
    by_path = {r.path: r for r in records}
    out: dict[str, list[Channel]] = {}
    for res in resolutions:
        record = by_path.get(res.item)
        entry = entry_of(record, res.channel) if record is not None else None
        if entry is None or entry.digest != res.digest or entry.state not in ("attempt", "uncertain", "failed"):
            continue
        if max(entry.attempts, 1) != res.attempt:
            continue  # a decision about an earlier attempt: the open one waits for its own
        state = ("deleted" if record is not None and record.status == "dicabut" else "sent") if res.sent else "not_sent"
        out.setdefault(res.item, []).append(entry.model_copy(update={
            "state": state, "url": res.url, "at": now, "resolved_by": res.by, "error": None, "retry_at": None}))
    return out
