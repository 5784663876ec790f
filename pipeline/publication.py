"""What ``warta status`` says about publication: ``published`` or ``scheduled`` per approved item.

Its own module, apart from the publish package, so that ``warta status`` (what operators run most)
imports neither the site build nor media nor the announcements. It judges with :func:`pipeline.gate.decide`
as ``warta publish`` does, but only the items that could be embargoed at all (:func:`may_embargo`); the
blob ids of those that cannot are kept in ``.warta-cache/status/plain`` (20 bytes each, sorted: a
property of the bytes alone, so it never goes stale), and their files are not even read again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pipeline import gate
from pipeline.approvals.chain import ChainResult
from pipeline.archive.records import ArchiveRecord, load_records
from pipeline.archive.register_branch import register_tree
from pipeline.cachedir import STATUS_CACHE, ensure_local_cache
from pipeline.clock import clock
from pipeline.config import SiteConfig
from pipeline.content import parse_item
from pipeline.files import write_atomic
from pipeline.git import Git
from pipeline.tree import GitTree


def may_embargo(raw: bytes) -> bool:
    """Whether the file could set ``publish_at`` at all (the gate schedules only an item that does).

    A YAML key ``publish_at`` is spelt with those letters, unless a quoted key spells them with escapes
    (a backslash): a file with neither cannot be embargoed, and needs no parsing (which renders the body)
    to know it."""
    return b"publish_at" in raw or b"\\" in raw


def head_register(root: Path) -> list[ArchiveRecord]:
    """The records of ``arsip/`` at HEAD, read from git objects (none before the first commit): read once
    by ``warta status`` and passed to :func:`publication_states`."""
    git = Git(root)
    head = git.head()
    return [s.record for s in load_records(register_tree(git, head))[0]] if head is not None else []


def publication_states(root: Path, results: Sequence[ChainResult], config: SiteConfig,
                       now: dt.datetime | None = None, *, records: Sequence[ArchiveRecord] | None = None
                       ) -> dict[str, Literal["published", "scheduled"]]:
    """For ``warta status``: ``published`` for each fully approved item whose current version the archive
    register (at HEAD, read from git objects; ``records``: :func:`head_register` when the caller read it
    already) says is live, ``scheduled`` for one the gate schedules (``publish_at`` still ahead: the next
    scheduled publish run takes it). Items not in the result are neither."""
    git = Git(root)
    head = git.head()
    if head is None:
        return {}
    held = head_register(root) if records is None else records
    register = {r.path: r for r in held if r.published_at is not None}
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
    if not pending:  # nothing approved waits to go out: HEAD's tree is not listed (10,000 open items: 0.065 s)
        return out
    ensure_local_cache(root)
    tree = GitTree(git, head)
    known = _plain_blobs(root)
    oids = {r.path: e.oid for r in pending if (e := tree.entry(r.path)) is not None and e.oid}
    plain = {oid for oid in oids.values() if oid in known}
    raws = tree.read_many(r.path for r in pending if oids.get(r.path) not in plain)  # one git process
    for path, data in raws.items():
        if not may_embargo(data) and path in oids:
            plain.add(oids[path])
    if plain != known:
        _keep_plain_blobs(root, plain)
    for result in pending:
        if oids.get(result.path) in plain:
            continue
        raw = raws.get(result.path)
        item = parse_item(tree, result.path, raw, config)[0] if raw is not None else None
        record = register.get(result.path)
        live = gate.live_of(record) if record is not None else None
        if gate.decide(gate.Facts(result.path, item, result, live=live), moment).outcome == "schedule":
            out[result.path] = "scheduled"
    return out


def _plain_blobs(root: Path) -> set[str]:
    try:
        data = (ensure_local_cache(root) / STATUS_CACHE / "plain").read_bytes()
    except OSError:
        return set()
    return {data[i:i + 20].hex() for i in range(0, len(data) - len(data) % 20, 20)}


def _keep_plain_blobs(root: Path, oids: set[str]) -> None:
    """The blob ids this run found plain (so the file holds the current items only)."""
    with contextlib.suppress(OSError, ValueError):  # a cache that cannot be written only costs time
        write_atomic(ensure_local_cache(root) / STATUS_CACHE / "plain", b"".join(bytes.fromhex(o) for o in sorted(oids)))
