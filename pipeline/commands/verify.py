"""``warta verify [--base REV] [--all] [--json]``: exit 0 only when every judged item has a full valid
chain; otherwise each item with its reasons, exit 1."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from pipeline.config import find_root


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "verify", help="check that every changed item is fully approved",
        description="Judge the approval chain of every item changed since the base (default: the merge "
                    "base with the main branch), or of every item with --all. Exit 0 when all are fully "
                    "approved, 1 otherwise (each item with every reason).")
    parser.add_argument("--base", metavar="REV", help="judge items changed since REV")
    parser.add_argument("--all", action="store_true", help="judge every item (and main's governance history)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--no-cache", action="store_true", help="ignore .warta-cache/ (slower)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # imported here so that `warta --help` and other commands do not pay for them
    from pipeline.approvals.display import render_verify
    from pipeline.approvals.service import evaluate_repository, open_site
    from pipeline.archive.trust import with_register_findings
    root = find_root()
    open_site(root)
    # decisions kept on the remote's refs/warta/decisions count too (a reset branch cannot hide a return)
    report = evaluate_repository(root, base=args.base, all_items=args.all, cache=not args.no_cache,
                                 fetch_decisions=True)
    report = with_register_findings(report, cache=not args.no_cache)  # arsip/ on a pull request (rule 12)
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        return 0 if report.ok else 1
    for line in render_verify(report):
        print(line)
    judged = len(report.items) + len(report.governance)
    scope = "every item" if args.all else f"changed since {report.base[:12]}" if report.base else ""
    bad = sum(1 for r in (*report.items, *report.governance) if not r.complete)
    forced = sum(1 for r in report.items if r.forced)
    summary = f"{judged} item(s) judged ({scope}): {judged - bad} approved, {bad} not approved"
    if forced:
        summary += f", {forced} force-published awaiting retrospective approval"
    print(("ok: " if report.ok else "failed: ") + summary, file=sys.stderr)
    return 0 if report.ok else 1
