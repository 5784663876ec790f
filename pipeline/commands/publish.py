"""``warta publish [--dry-run] [--json]``: the main job on main (DESIGN section 5)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from pipeline.config import find_root
from pipeline.errors import WartaError, json_document
from pipeline.i18n import _
from pipeline.output import with_warnings
from pipeline.publish import print_result, publish


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "publish", help=_("verify, number, build, deploy and record everything approved on main"),
        description=_("Re-check every approval chain on main and publish only fully approved items: archive numbers, "
                      "site build, deploy, announcements, archive records. Exit 0 when everything approved is published "
                      "(embargoed items wait for a later run), 1 when an item was held back (each is named with its "
                      "reasons), 2 on a usage or configuration error."))
    parser.add_argument("--dry-run", action="store_true",
                        help=_("print the plan (numbers, pages, files to deploy, announcements) and change nothing"))
    parser.add_argument("--json", action="store_true", help=_("print one JSON document"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not args.json:
        root = find_root()
        result = publish(root, dry_run=args.dry_run, say=lambda m: print(f"· {m}", file=sys.stderr, flush=True))
        print_result(result)
        return 0 if result.ok else 1
    try:
        root = find_root()
        result = publish(root, dry_run=args.dry_run)
    except WartaError as exc:
        # one JSON document even when the run cannot start
        print(json.dumps(json_document(error=exc, ok=False), ensure_ascii=False, indent=2))
        return exc.exit_code
    print(json.dumps(with_warnings(result.to_json()), ensure_ascii=False, indent=2))
    return 0 if result.ok else 1
