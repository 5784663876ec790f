"""Stages 5 and 6 of ``warta publish``: the published tree, then media derivatives and the site.

The published tree (``.warta-cache/publish/tree``) holds exactly the blobs the plan chose: each item on
the site at its approved version and the files it references at that version, plus the governed files
at the last trusted governance state. The site build (media derivatives included) reads only this
folder; caches stay in the repository's own ``.warta-cache/``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from pipeline.archive.records import ArchiveRecord, Channel, with_publication
from pipeline.cachedir import PUBLISH_CACHE, ensure_local_cache
from pipeline.content import Site
from pipeline.errors import Findings
from pipeline.publish import lastbuild
from pipeline.publish.announce import announcement_due, copy_time
from pipeline.publish.plan import Plan, Planned
from pipeline.publish.snapshot import materialize
from pipeline.site import BuildResult, PageExtra

TREE = f"{PUBLISH_CACHE}/tree"


def published_files(plan: Plan) -> dict[str, str]:
    """path -> blob id of every file the site is built from (the accounting of rule 11)."""
    assert plan.snapshot is not None
    files = dict(plan.snapshot.governed)
    for planned in plan.publish:
        files.update(planned.files)
    return files


def published_tree(root: Path, plan: Plan) -> Path:
    """Materialize the published tree (see the module docstring) and return its folder."""
    assert plan.snapshot is not None
    return materialize(plan.snapshot.git, published_files(plan), ensure_local_cache(root) / TREE)


def published_records(plan: Plan, live: Sequence[Planned], stamp: dt.datetime) -> dict[str, ArchiveRecord]:
    """The records of ``live`` items as they are once this run is live: publication time and the
    website set for every version whose publication is not recorded yet."""
    config = plan.report.config
    out: dict[str, ArchiveRecord] = {}
    for planned in live:
        record = planned.record
        if planned.fallback or not announcement_due(record):
            continue
        # never before the version's approval: an approver's clock may run ahead of the runner's
        at = max(stamp, record.versions[-1].approved_at)
        website = Channel(channel="website", at=copy_time(at), url=f"{config.site.url}/{planned.item.url_path}",
                          digest=record.digest)
        out[record.path] = with_publication(record, record.published_at or stamp, [website])
    return out


def build(plan: Plan, tree: Path, output: Path, root: Path, register: Sequence[ArchiveRecord], *,
          remember: bool = True, listings: lastbuild.Listings | None = None, keep: bool = True) -> BuildResult:
    """The site of every planned item, from the published tree, into ``output``; the last build's output
    and result when it read exactly the same inputs and ``output`` is untouched (:mod:`.lastbuild`).
    ``remember``: keep this build as the last one (a dry run builds into a folder it then deletes).
    ``listings``: the run's listings of folders (the deploy reads the staged site's too). ``keep``
    False: build even when the last build could be kept (its pages are then reused only once hashed)."""
    config = plan.report.config
    listings = listings or lastbuild.Listings()
    key = lastbuild.build_key(
        published_files(plan), ((p.item.path, p.forced, p.expired, p.fallback) for p in plan.publish), register,
        plan.now.astimezone(config.tz).date().isoformat(), output)
    if remember and keep:
        kept = lastbuild.reuse(root, key, output, listings)
        if kept is not None:
            return kept
    if remember:
        lastbuild.forget(root)
    from pipeline.site.build import build_site  # here for start-up time: a kept build never imports Pelican

    site = Site(root=tree, config=config, items=[p.item for p in plan.publish], findings=Findings())
    extras = {p.item.path: PageExtra(forced=p.forced, expired=p.expired) for p in plan.publish if p.forced or p.expired}
    built = build_site(site, output, items=site.items, now=plan.now, cache_root=root, extras=extras,
                       records=list(register))
    if remember:
        lastbuild.remember(root, key, output, built, listings)
    return built
