"""``warta status [--json] [--all] [PATH…]``: each item's SOP as a checklist (who, when, how long)."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from pipeline.config import find_root


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "status", help="show the approval chain of items",
        description="Show each item's SOP as a checklist: who approved which step and when, how long each "
                    "step took against its Waktu, and what is next. Default: items changed on this branch; "
                    "on the main branch itself, every item that is not fully approved or was force-published.")
    parser.add_argument("paths", nargs="*", metavar="PATH", help="items to show")
    parser.add_argument("--all", action="store_true", help="every item")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # imported here so that `warta --help` and other commands do not pay for them
    from pipeline.approvals.display import render_status
    from pipeline.approvals.service import evaluate_repository, open_site, repo_paths, result_json
    root = find_root()
    open_site(root)
    paths = repo_paths(root, args.paths)
    report = evaluate_repository(root, paths=paths or None)
    results = [*report.items, *report.governance]
    if not paths and (args.all or report.base == report.head):
        # on main (nothing changed since the base) show what still needs attention
        full = evaluate_repository(root, all_items=True)
        report = full
        results = [*full.items, *full.governance]
        if not args.all:
            results = [r for r in results if not r.complete or r.forced]
    if args.json:
        tz = report.config.tz
        print(json.dumps({"items": [result_json(r, tz) for r in results if r.kind == "content"],
                          "governance": [result_json(r, tz) for r in results if r.kind == "governance"],
                          "problems": list(report.problems), "warnings": list(report.warnings)},
                         ensure_ascii=False, indent=2))
        return 0
    lines = render_status(report, int(time.time()), results)
    if not results:
        lines.insert(0, "nothing to show: no item changed on this branch"
                     if report.base != report.head else "every item is approved")
    print("\n".join(lines).rstrip())
    return 0
