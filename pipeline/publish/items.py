"""Stage 2 of ``warta publish``: every item parsed once, from the snapshot.

The candidates are main's ``content/`` files and the trusted governed files, copied from git objects
into ``.warta-cache/publish/candidates`` (:func:`~pipeline.publish.snapshot.materialize`); ``warta
check``'s own code (schemas, SOP Kelengkapan, classification, photos) runs over that folder, so the run
judges the bytes it will publish with the rules ``warta check`` shows the operator.

A published item whose newest version cannot go out keeps its *last published version*: that version is
re-derived from history (:func:`published_version`): the commit of its last approval holds it, the
approval chain is judged again at that commit, and the item and the files it references are read from
that commit's git objects, never from main's tip or the working tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.approvals.service import evaluate_repository
from pipeline.archive.records import ArchiveRecord
from pipeline.cachedir import PUBLISH_CACHE, ensure_local_cache
from pipeline.check import Governance, check_site
from pipeline.content import Item, parse_item, slug_finding, slug_groups
from pipeline.errors import ApprovalError, ConfigError, Findings
from pipeline.i18n import _
from pipeline.publish.snapshot import Snapshot, materialize, safe_path
from pipeline.tree import GitTree

CANDIDATES = f"{PUBLISH_CACHE}/candidates"


@dataclass
class Items:
    """The items on main, parsed once, with the content errors of each."""

    by_path: dict[str, Item]
    errors: dict[str, list[str]]
    findings: Findings
    files: dict[str, dict[str, str]] = field(default_factory=dict)  # item -> {path: blob id} it publishes
    slug_groups: list[list[str]] = field(default_factory=list)  # items claiming one slug of a kind


def read_items(snapshot: Snapshot) -> Items:
    """Parse and check every item at main's tip (see the module docstring)."""
    tree = snapshot.tree
    files = {p: e.oid for p, e in tree.entries.items()
             if p.startswith("content/") and e.type == "blob" and e.mode in ("100644", "100755")}
    files.update(snapshot.governed)
    # a name no folder can hold safely (a backslash, not UTF-8) is left out for itself: it holds nothing back
    unsafe = sorted(p for p in files if not safe_path(p))
    content = {p: o for p, o in files.items() if p not in unsafe and p.startswith("content/")}
    folder = materialize(snapshot.git, {p: o for p, o in files.items() if p not in unsafe},
                         ensure_local_cache(snapshot.root) / CANDIDATES)
    try:
        state = snapshot.report.state  # the trusted governance, already parsed by the approvals engine
        assert state.config is not None and state.people is not None
        checked = check_site(folder, cache_root=snapshot.root,
                             governance=Governance(state.config, state.people, dict(state.sops)))
    except ConfigError as exc:
        raise ConfigError(_("the trusted governance files do not load: {reason}", reason=exc), exc.findings) from None
    by_path = {i.path: i for i in checked.items}
    groups = slug_groups(by_path.values())
    # who keeps a contested slug is decided with the approvals (plan.py), not here: an unapproved file
    # must never take the slug of an approved item
    contested = {slug_finding(i, [o for o in g if o is not i]) for g in groups for i in g}
    errors: dict[str, list[str]] = {}
    for finding in checked.findings.errors:
        if finding not in contested:
            errors.setdefault(finding.path, []).append(finding.format())
    for path in unsafe:
        shown = path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        checked.findings.add(shown, None, _("left out: the file name holds a backslash or is not UTF-8 text; rename it "
                                            "(git mv)"), None, "warning")
    item_files = {path: {p: content[p] for p in (path, *item.references) if p in content}
                  for path, item in by_path.items()}
    return Items(by_path, errors, checked.findings, item_files, [[i.path for i in g] for g in groups])


def published_version(snapshot: Snapshot, record: ArchiveRecord) -> tuple[Item, dict[str, str]] | str:
    """The item as its live version ``record.digest`` was approved, and the blobs it publishes; or why it
    cannot be rebuilt. The chain is judged again at the commit holding that version."""
    git = snapshot.git
    # the commit of each record (for a forge review: the record it was copied into)
    candidates = [a.source.record or a.source.commit for a in record.approvals_for(record.digest)]
    if record.imported or not candidates:
        candidates += git.text("rev-list", "--max-parents=0", snapshot.main_sha).split()
    seen: set[str] = set()
    for candidate in reversed(candidates):  # the last approval first: it saw the whole chain
        sha = git.rev_parse(candidate)
        if sha is None or sha in seen or not git.is_ancestor(sha, snapshot.main_sha):
            continue
        seen.add(sha)
        try:
            report = evaluate_repository(snapshot.root, paths=[record.path], head=sha)
        except ApprovalError:
            continue
        result = report.result(record.path)
        if result is None or result.digest != record.digest or not result.complete:
            continue
        tree = GitTree(git, sha, label=f"{record.path} as approved in {sha[:12]}")
        raw = tree.read(record.path)
        if raw is None:
            continue
        item, findings = parse_item(tree, record.path, raw, snapshot.config)
        if item is None or any(f.severity == "error" for f in findings):
            why = "; ".join(f.format() for f in findings if f.severity == "error") or _("it does not load")
            return _("the published version {number} cannot be rebuilt ({why}): its page is left out",
                     number=record.number, why=why)
        files = {p: oid for p in (record.path, *item.references) if (oid := tree.oid(p)) is not None}
        return item, files
    return _("the published version {number} (digest {digest}…) has no complete approval chain in the history "
             "of main: its page is left out", number=record.number, digest=record.digest[:19])
