"""What ``warta status`` and ``warta check`` say about the internal documents: the evaluations and
content plans due or overdue now (:mod:`.plan` has the rules), judged at HEAD by the approvals engine."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from pipeline.approvals.service import evaluate_repository
from pipeline.config import INTERNAL_KINDS, SiteConfig, load_config
from pipeline.content import CONTENT_DIR
from pipeline.errors import ConfigError, Finding
from pipeline.git import Git
from pipeline.i18n import _
from pipeline.report.gather import _front_matter
from pipeline.report.plan import docs_of, due_list
from pipeline.sop_files import load_sops
from pipeline.tree import GitTree


def due_documents(root: Path, now: float | None = None) -> list[dict[str, Any]]:
    """The evaluations and plans due or overdue at ``now`` (default: the clock), for the site at HEAD;
    empty when the site uses neither internal kind."""
    try:
        if not any(load_config(root).kind_section(k) for k in INTERNAL_KINDS):
            return []  # the working tree's warta.yml uses neither kind: nothing to judge (the trusted one decides below)
    except ConfigError:
        pass
    git = Git(root)
    head = git.rev_parse("HEAD")
    if head is None:
        return []
    paths = [e.path for e in git.ls_tree(head, [f"{CONTENT_DIR}/{k}" for k in INTERNAL_KINDS])
             if e.type == "blob" and e.path.endswith(".md")]
    report = evaluate_repository(root, paths=paths or ["warta.yml"])
    config: SiteConfig = report.config
    if not any(config.kind_section(k) for k in INTERNAL_KINDS):
        return []
    front = _front_matter(GitTree(git, head).read_many(paths)) if paths else {}
    docs = docs_of((r.path, r.state, r.sop, front.get(r.path, {}), None) for r in report.items if r.path in front)
    root_time = int(git.text("log", "--max-parents=0", "--format=%ct", head).split()[-1])
    sops = report.state.sops or load_sops(root)
    return [d for d in due_list(config, sops, docs, now if now is not None else time.time(), root_time, config.tz)
            if d["status"] in ("due", "overdue")]


def describe_due(entry: dict[str, Any]) -> str:
    """``evaluasi 2026-11 (Evaluasi Kinerja Koordinator ...): overdue since 2027-01-01`` for people."""
    what = f"{entry['kind']} {entry['periode']} ({entry['title']})"
    if entry["status"] == "overdue":
        text = _("{what}: overdue since {day}", what=what, day=entry["overdue_from"])
    else:
        text = _("{what}: due from {day}, overdue from {later}", what=what, day=entry["due"],
                 later=entry["overdue_from"])
    if entry["in_review"]:
        text += "; " + _("in review: {paths}", paths=", ".join(entry["in_review"]))
    return text


def plan_findings(root: Path, now: float | None = None) -> list[Finding]:
    """``warta check``: a warning when no approved content plan covers the current quarter."""
    found = []
    for entry in due_documents(root, now):
        if entry["kind"] == "rencana-konten" and entry["status"] == "overdue":
            found.append(Finding("content/rencana-konten", None,
                                 _("no approved content plan (rencana-konten) covers {quarter}: seed 004 A1 asks "
                                   "for one at least every 3 months (docs/report.md)", quarter=entry["periode"]),
                                 "periode", "warning"))
    return found
