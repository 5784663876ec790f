"""Finding records: filters for ``warta archive list`` and lookup for ``warta archive show``."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Any

from pipeline.archive.classification import ClassificationTable, parent_code
from pipeline.archive.records import ApprovalSource, ArchiveRecord, StoredRecord


def within(code: str, branch: str, table: ClassificationTable | None) -> bool:
    """``code`` is ``branch`` or below it (``400.14.9`` is within ``400.14``)."""
    if table is not None:
        return table.is_within(code, branch)
    current: str | None = code
    while current is not None:
        if current == branch:
            return True
        current = parent_code(current, "permendagri-83-2022")
    return False


def filter_records(
    stored: Iterable[StoredRecord],
    *,
    year: int | None = None,
    klasifikasi: str | None = None,
    search: str | None = None,
    table: ClassificationTable | None = None,
) -> list[StoredRecord]:
    """Records of ``year`` (the number's year), under ``klasifikasi`` (the code or any code below it),
    whose number, title or path contains ``search`` (case-insensitive), in register order."""
    needle = search.casefold().strip() if search else None
    out: list[StoredRecord] = []
    for entry in stored:
        record = entry.record
        if year is not None and record.tahun != year:
            continue
        if klasifikasi and not within(record.kode, klasifikasi.strip(), table):
            continue
        texts = (record.number, record.title, record.path)
        if needle and not any(needle in text.casefold() for text in texts):
            continue
        out.append(entry)
    return sorted(out, key=lambda e: (e.record.tahun, e.record.kode, e.record.urut))


def find_record(stored: Iterable[StoredRecord], key: str) -> StoredRecord | None:
    """The record with number ``key``, or for the content path or record file ``key``."""
    wanted = key.strip()
    as_path = PurePosixPath(wanted.replace("\\", "/")).as_posix().removeprefix("./")
    entries = list(stored)
    for entry in entries:
        if entry.record.number == wanted:
            return entry
    for entry in entries:
        if as_path in (entry.record.path, entry.file):
            return entry
    return None


def list_entry(entry: StoredRecord) -> dict[str, Any]:
    """One element of ``warta archive list --json``."""
    record = entry.record
    return {
        "number": record.number,
        "path": record.path,
        "title": record.title,
        "klasifikasi": record.kode,
        "year": record.tahun,
        "published_at": record.published_at.isoformat() if record.published_at else None,
        "posts": post_links(record),
    }


def source_text(source: ApprovalSource) -> str:
    """Where a step's approval is recorded, for ``warta archive show``: the git commit, or the forge review
    behind it (reviewer, reviewed commit, and the record warta publish copied it into)."""
    if source.type == "git":
        return f"commit {source.commit[:12]}"
    who = f" by {source.reviewer_login or '?'} (id {source.reviewer_id})" if source.reviewer_id is not None else ""
    address = f" ({source.review})" if source.review_id and source.review != source.review_id else ""
    copied = f", copied in {source.record[:12]}" if source.record else ""
    return f"{source.forge} review {source.review_id or source.review}{who} of {source.commit[:12]}{address}{copied}"


def post_links(record: ArchiveRecord) -> list[str]:
    """The links of the posts of the current version (seed 003 steps 9-10: reported back up); an entry of an
    older warta, without state or digest, counts as a post."""
    return [c.url for c in record.channels if c.url and c.channel != "website" and c.state in (None, "sent", "corrected")
            and c.digest in (None, record.digest)]


def post_lines(record: ArchiveRecord) -> list[str]:
    """``warta archive show``: each channel's ledger entry (docs/channels.md)."""
    out = []
    for c in record.channels:
        if c.state is None or c.channel == "website":
            continue
        version = "" if c.digest == record.digest else " (an earlier version)"
        detail = c.url or c.error or ""
        who = f", resolved by {c.resolved_by}" if c.resolved_by else ""
        out.append(f"  {c.channel:<11}{c.state}{version}{who} {detail}".rstrip())
    return out
