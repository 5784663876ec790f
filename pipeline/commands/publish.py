"""``warta publish [--dry-run] [--json]``: the main job on main (DESIGN section 5)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from pipeline.config import find_root
from pipeline.publish import print_result, publish


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "publish", help="verify, number, build, deploy and record everything approved on main",
        description="Re-check every approval chain on main and publish only fully approved items: "
                    "archive numbers, site build, deploy, announcements, archive records. Exit 1 when "
                    "an item was held back (each is named with its reasons).")
    parser.add_argument("--dry-run", action="store_true", help="print the plan and change nothing")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    root = find_root()
    say = (lambda m: None) if args.json else (lambda m: print(f"· {m}", file=sys.stderr))
    result = publish(root, dry_run=args.dry_run, say=say)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        print_result(result)
    return 0 if result.ok else 1
