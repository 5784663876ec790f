"""What ``warta status`` says about publication: ``published`` or ``scheduled`` per approved item.

Its own module, apart from the publish package, so that ``warta status`` (what operators run most)
imports neither the site build nor media nor the announcements. It judges with :func:`pipeline.gate.decide`
as ``warta publish`` does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pipeline import gate
from pipeline.approvals.chain import ChainResult
from pipeline.archive.records import load_records
from pipeline.clock import clock
from pipeline.config import SiteConfig
from pipeline.content import parse_item
from pipeline.git import Git
from pipeline.tree import GitTree


def may_embargo(raw: bytes) -> bool:
    """Whether the file could set ``publish_at`` at all (the gate schedules only an item that does).

    A YAML key ``publish_at`` is spelt with those letters, unless a quoted key spells them with escapes
    (a backslash): a file with neither cannot be embargoed, and needs no parsing (which renders the body)
    to know it."""
    return b"publish_at" in raw or b"\\" in raw


def publication_states(root: Path, results: Sequence[ChainResult], config: SiteConfig,
                       now: dt.datetime | None = None) -> dict[str, Literal["published", "scheduled"]]:
    """For ``warta status``: ``published`` for each fully approved item whose current version the archive
    register (at HEAD, read from git objects) says is live, ``scheduled`` for one the gate schedules
    (``publish_at`` still ahead: the next scheduled publish run takes it). Items not in the result are
    neither."""
    git = Git(root)
    head = git.head()
    if head is None:
        return {}
    tree = GitTree(git, head)
    register = {s.record.path: s.record for s in load_records(tree)[0] if s.record.published_at is not None}
    moment, _ = clock(now, config.tz)
    out: dict[str, Literal["published", "scheduled"]] = {}
    pending = []
    for result in results:
        if not result.complete:
            continue
        record = register.get(result.path)
        if record is not None and record.digest == result.digest:
            out[result.path] = "published"
        else:
            pending.append(result)
    raws = tree.read_many(r.path for r in pending)  # one git process for all of them
    for result in pending:
        raw = raws.get(result.path)
        if raw is not None and not may_embargo(raw):
            continue
        item = parse_item(tree, result.path, raw, config)[0] if raw is not None else None
        record = register.get(result.path)
        live = gate.live_of(record) if record is not None else None
        if gate.decide(gate.Facts(result.path, item, result, live=live), moment).outcome == "schedule":
            out[result.path] = "scheduled"
    return out
