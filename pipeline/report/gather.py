"""What Git holds about every item at one revision, for the report: one run of the approvals engine
(:class:`pipeline.approvals.service.Judge`, the same judgement ``warta status`` and ``publish`` make),
the trusted archive register (:func:`pipeline.archive.trust.read_register`) and each item's front matter.

- content commits: the commits after the trusted bootstrap that changed the item or a file it uses
  (their commit times);
- decisions: the records that count for the current content (the checklist of ``warta status``), and,
  for earlier versions, the records whose only fault is that the content changed since (they counted
  for the version they were given for: that is how a return and its reason are kept);
- publication: ``published_at`` and the channels of the item's archive record.

Nothing here reads the working tree: ``--at REV`` gives the same facts on every machine.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from pipeline import yamlio
from pipeline.approvals.chain import ChainResult, Record
from pipeline.approvals.service import Judge, Report
from pipeline.archive.records import ArchiveRecord
from pipeline.archive.register_branch import branch_tip
from pipeline.archive.trust import read_register
from pipeline.cachedir import REPORT_CACHE, ensure_local_cache
from pipeline.config import INTERNAL_KINDS, SiteConfig
from pipeline.content import split_front_matter
from pipeline.errors import ApprovalError
from pipeline.files import write_atomic
from pipeline.i18n import _
from pipeline.people import People
from pipeline.report.measure import Decided, ItemFacts
from pipeline.sop import Sop
from pipeline.tree import GitTree


@dataclass(frozen=True)
class Gathered:
    """Everything the report is computed from."""

    revision: str  # the commit id the report was computed at
    revision_time: int  # its commit time
    config: SiteConfig
    people: People
    sops: Mapping[str, Sop]
    items: tuple[ItemFacts, ...]
    records: tuple[ArchiveRecord, ...]
    results: tuple[ChainResult, ...]
    warnings: tuple[str, ...]
    front: Mapping[str, dict[str, Any]]  # path -> front matter, for the plan and the evaluations
    boot_time: int = 0  # commit time of the trusted bootstrap (nothing is due before the site existed)


# The kinds whose front matter the report reads whole (category, plan rows, evaluation fields); of the others
# only the title line is read (YAML parsing of 10,000 press releases would cost seconds for one field).
REGISTER_CACHE_VERSION = 1
PARSED_KINDS = frozenset({"informasi-publik", *INTERNAL_KINDS})
_TITLE = re.compile(r"^title:[ \t]*(.+?)[ \t]*$", re.M)


def gather(root: Path, rev: str = "HEAD", *, cache: bool = True,
           records: Sequence[ArchiveRecord] | None = None, read_front: bool = True) -> Gathered:
    """The facts of every item at ``rev`` (a commit on or behind the main branch, or a branch).
    ``records``: the archive register when the caller has it already (the site build), else the trusted
    register at ``rev`` is read. ``read_front``: read each item's front matter (titles, categories, the
    plan's and the evaluations' fields); the site's summary needs none of them."""
    judge = Judge(root, head=rev, cache=cache)
    judge.select(base=None, all_items=True, paths=None)
    judge.load_records()
    judge.check_signatures()
    judge.load_governance()
    # the governance trusted at the revision itself (its office hours, people and SOPs), so a report --at REV
    # stays what it was when later changes of warta.yml are approved
    state = judge.timeline.at(min(judge.index.intro_of(judge.head_sha), judge.tip_index))
    if state.config is None or state.people is None:
        raise ApprovalError(_("no trusted warta.yml and sop/people.yaml to compute the report by"))
    folder = ensure_local_cache(root) if cache else None
    findings: list[str] = []
    if records is None:
        records, findings = _register(judge, state.people, folder if folder is not None and folder.is_dir() else None,
                                      state.config.archive.register_branch)
    by_path = {r.path: r for r in records}
    live = {path: r.digest for path, r in by_path.items() if r.published_at is not None}
    report = judge.report(live)
    # one line per distinct commit (git shows HEAD once when it is the bootstrap itself)
    times = judge.git.text("show", "-s", "--format=%ct", judge.head_sha, judge.boot.sha).split()
    when, boot = int(times[0]), int(times[-1])
    if state.config.archive.register_branch is not None:
        # the register branch as of the revision holds the runs made from it, which come after its commit:
        # the moment described is the later of the revision's time and the last publication it records
        stamps = [int(t.timestamp()) for r in records for t in (r.published_at, r.dicabut_at) if t is not None]
        when = max([when, *stamps])
    tree = GitTree(judge.git, judge.head_sha, judge.tree.values())
    paths = [r.path for r in report.items]
    front = _front_matter(tree.read_many(paths)) if read_front else {}
    holders = {role: tuple(p.name for p in state.people.holders(role)) for role in state.people.roles}
    items = []
    for result in report.items:
        if result.sop is None:
            continue
        touches = sorted(judge.changes.get(result.path, []), key=lambda t: t.pos)
        facts = item_facts(result, report, [t.committer_time for t in touches], front.get(result.path, {}),
                           by_path.get(result.path), holders, judge.index.pos)
        items.append(dataclasses.replace(facts, change_pos=tuple(t.pos for t in touches)))
    warnings = [*report.warnings, *findings]
    return Gathered(judge.head_sha, when, state.config, state.people, dict(state.sops), tuple(items),
                    tuple(by_path.values()), report.items, tuple(warnings), front, boot)


def _register(judge: Judge, people: People, folder: Path | None,
              branch: str | None = None) -> tuple[list[ArchiveRecord], list[str]]:
    """The trusted register at the judged revision, with its findings; kept in ``.warta-cache/report/`` by
    revision and publishing identity (the register of a commit never changes: its YAML is parsed once).
    With a register ``branch``: the branch as of the revision (``Warta-Main``, docs/report.md), keyed by its
    tip too."""
    tip = branch_tip(judge.git, branch) if branch is not None else None
    key = hashlib.sha256(f"{REGISTER_CACHE_VERSION}\0{judge.head_sha}\0{people.pipeline!r}\0{tip}".encode()).hexdigest()
    file = folder / REPORT_CACHE / "register.json" if folder is not None else None
    if file is not None:
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError, ValidationError):
            stored = json.loads(file.read_text(encoding="utf-8"))
            if stored["key"] == key:
                return [ArchiveRecord.model_validate_json(r) for r in stored["records"]], list(stored["findings"])
    register = read_register(judge.git, judge.head_sha, people, cache_root=folder, branch=branch, as_of=True)
    records = [s.record for s in register.records]
    findings = [f.format() for f in register.findings]
    if file is not None:
        with contextlib.suppress(OSError):
            write_atomic(file, json.dumps({"key": key, "records": [r.model_dump_json() for r in records],
                                           "findings": findings}, ensure_ascii=False))
    return records, findings


def item_facts(result: ChainResult, report: Report, changes: list[int], front: Mapping[str, Any],
               record: ArchiveRecord | None, holders: Mapping[str, tuple[str, ...]],
               positions: Mapping[str, int] | None = None) -> ItemFacts:
    """The facts of one judged item (see the module docstring)."""
    context = report.contexts.get(result.path)
    raw: dict[str, Record] = {r.sha: r for r in context.raw} if context is not None else {}
    where = positions or {}
    decided: dict[str, Decided] = {}
    for s in result.steps:
        if s.status in ("approved", "returned") and s.sha and s.at is not None:
            decision = "return" if s.status == "returned" else "approve"
            decided[s.sha] = Decided(s.no, s.role, decision, s.by or "", s.email or "", s.at, _note(raw, s.sha),
                                     where.get(s.sha, -1))
    if result.forced_by is not None:
        f = result.forced_by
        decided[f.sha] = Decided(f.step, f.role, "force", f.name, f.email, f.at, f.note, where.get(f.sha, -1))
    for x in result.rejections:
        # valid for the version it was given for: only the content changed since
        if set(x.codes) == {"stale_digest"} and x.step is not None and x.decision in ("approve", "return"):
            decided.setdefault(x.sha, Decided(x.step, x.role, x.decision, x.name, x.email, x.at, _note(raw, x.sha),
                                              where.get(x.sha, -1)))
    published = int(record.published_at.timestamp()) if record and record.published_at else None
    posted = [int(c.at.timestamp()) for c in record.channels if c.at is not None] if record else []
    channels = tuple(sorted({c.channel for c in record.channels})) if record else ()
    if published is not None and "website" not in channels:
        channels = ("website", *channels)
    title = front.get("title")
    kategori = front.get("kategori_informasi")
    return ItemFacts(
        path=result.path, title=title if isinstance(title, str) else result.path, kind=result.path.split("/")[1],
        sop=result.sop or "", changes=tuple(sorted(changes)),
        decisions=tuple(sorted(decided.values(), key=lambda d: (d.pos, d.at))), state=result.state,
        forced=result.forced,
        kategori=kategori if isinstance(kategori, str) else None, channels=channels, published_at=published,
        announced_at=max(posted) if posted else None, imported=result.imported, holders=dict(holders),
    )


def _note(raw: Mapping[str, Record], sha: str) -> str:
    found = raw.get(sha)
    return found.note if found is not None else ""


def _front_matter(blobs: Mapping[str, bytes]) -> dict[str, dict[str, Any]]:
    """Each item's front matter as plain data (the fields the report counts by; of kinds outside
    :data:`PARSED_KINDS` the title only); unreadable ones are {}."""
    out: dict[str, dict[str, Any]] = {}
    for path, raw in blobs.items():
        data: Any = None
        with contextlib.suppress(UnicodeDecodeError, yaml.YAMLError, ValueError, TypeError):
            split = split_front_matter(raw.decode("utf-8").removeprefix("\ufeff"))
            if split is not None and len(split[0]) <= yamlio.MAX_BYTES:
                if path.split("/")[1:2] and path.split("/")[1] in PARSED_KINDS:
                    data = yaml.load(split[0], Loader=yamlio.StrictLoader)  # noqa: S506 - a SafeLoader subclass
                else:
                    title = _TITLE.search(split[0])
                    data = {"title": title.group(1).strip("'\"")} if title else {}
        out[path] = data if isinstance(data, dict) else {}
    return out


def iso_of(tz: dt.tzinfo) -> Any:
    """``epoch -> ISO 8601 in the site's zone`` (None stays None)."""
    def iso(epoch: int | float | None) -> str | None:
        return None if epoch is None else dt.datetime.fromtimestamp(epoch, tz).isoformat()
    return iso
