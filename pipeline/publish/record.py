"""Stage 9 of ``warta publish``: record publication times and channels in the archive register.

A second commit to main (or to the register branch), pushed like the numbering commit. The record of a version is the posting
ledger: once it is committed, no later run announces that version again. The register is read back
from the commit just made (git objects), never from the working tree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from pipeline.archive import trust
from pipeline.archive.record_files import write_records
from pipeline.archive.records import ArchiveRecord, Channel, with_publication
from pipeline.errors import GitError
from pipeline.git import Git
from pipeline.i18n import _
from pipeline.publish import gitops
from pipeline.publish.announce import announcement_due
from pipeline.publish.hooks import fault
from pipeline.publish.plan import Planned

MAX_PUSH_ATTEMPTS = 8


def _finals(current: dict[str, ArchiveRecord], live: Sequence[Planned], channels: dict[str, list[Channel]],
            published: dict[str, ArchiveRecord], stamp: dt.datetime) -> list[ArchiveRecord]:
    finals: list[ArchiveRecord] = []
    for planned in live:
        held_record = current.get(planned.item.path)
        if held_record is None or planned.fallback:
            continue
        record = held_record
        updates = [c for c in channels.get(record.path, []) if c not in record.channels and c.channel != "website"]
        if record.path in published and announcement_due(record):
            website = next(c for c in published[record.path].channels if c.channel == "website")
            record = with_publication(record, record.published_at or stamp, [website])
        if updates:
            record = with_publication(record, record.published_at, updates)
        if record != current[planned.item.path]:
            finals.append(record)
    return finals


def record_publication(root: Path, git: Git, remote: str | None, main: str, live: Sequence[Planned],
                       channels: dict[str, list[Channel]], published: dict[str, ArchiveRecord],
                       stamp: dt.datetime, register: Sequence[ArchiveRecord]) -> list[str]:
    """Commit (and push) the publication records; the commits made. ``register``: the register as the
    numbering stage left it (passed on, not read again); after a lost race it is read from the new main."""
    commits: list[str] = []
    current = {r.path: r for r in register}
    for attempt in range(MAX_PUSH_ATTEMPTS):
        base = git.head()
        assert base is not None
        if attempt:  # another run published first: the signed register of the new main
            current = {s.record.path: s.record for s in trust.records_at(git, base)}
        finals = _finals(current, live, channels, published, stamp)
        if not finals:
            return commits
        write_records(gitops.write_root(git), finals, cache_root=git.root)
        fault("record")
        message = "Arsip: terbit " + ", ".join(r.number for r in finals) + "\n"
        sha = gitops.commit_written(git, message)
        if sha:
            commits.append(sha)
        fault("record-commit")
        if not remote or gitops.push_or_sync(git, remote, main, base, []):
            return commits
    raise GitError(_("the push of the publication record to {remote} was rejected {max_push_attempts} times; run publish "
                     "again (the site is deployed; the record follows)",
                     remote=remote, max_push_attempts=MAX_PUSH_ATTEMPTS))
