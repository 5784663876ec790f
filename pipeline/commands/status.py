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
    from pipeline.approvals.service import evaluate_repository, on_main, open_site, repo_paths, result_json
    from pipeline.archive.records import load_records
    from pipeline.channels.routing import destinations
    from pipeline.publish import publication_states
    from pipeline.tree import WorkTree

    root = find_root()
    open_site(root)
    paths = repo_paths(root, args.paths)
    # what the archive register says is live: an approved item whose live version is the current one
    # is "published" (DESIGN section 6)
    live = {s.record.path: s.record.digest for s in load_records(root)[0] if s.record.published_at is not None}
    if not paths and (args.all or on_main(root)):
        # on main nothing is "changed on the branch": show what still needs attention (or everything)
        report = evaluate_repository(root, all_items=True, published=live)
        results = [*report.items, *report.governance]
        if not args.all:
            results = [r for r in results if not r.complete or r.forced]
    else:
        report = evaluate_repository(root, paths=paths or None, published=live)
        results = [*report.items, *report.governance]
    scheduled = {path for path, state in publication_states(root, report.items, report.config).items()
                 if state == "scheduled"}
    where = destinations(WorkTree(root), [r.path for r in results if r.kind == "content"], report.config,
                         report.state.sops)  # the channels each item goes to (docs/channels.md)
    if args.json:
        tz = report.config.tz
        items = []
        for r in results:
            if r.kind == "content":
                doc = result_json(r, tz)
                doc["scheduled"] = r.path in scheduled  # approved, embargoed until its publish_at
                doc["channels"] = where.get(r.path, [])
                items.append(doc)
        print(json.dumps({"items": items,
                          "governance": [result_json(r, tz) for r in results if r.kind == "governance"],
                          "problems": list(report.problems), "warnings": list(report.warnings)},
                         ensure_ascii=False, indent=2))
        return 0
    lines = render_status(report, int(time.time()), results)
    for path in sorted(scheduled & {r.path for r in results}):
        lines.append(f"{path}: scheduled (dijadwalkan): approved, embargoed until its publish_at; the first "
                     "publish run after that time publishes it")
    lines += [f"{path}: goes to {', '.join(names) or 'no channel'} (kanal)" for path, names in sorted(where.items())]
    if not results:
        lines.insert(0, "every item is approved" if report.mode == "all"
                     else "nothing to show: no item changed on this branch")
    print("\n".join(lines).rstrip())
    return 0
