"""``warta report [--period 2026-11|2026-Q4|2026-H2|2026] [--format md|html] [--json] [--output F]
[--at REV]``: the Mutu Baku time standards measured from Git (docs/report.md)."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from pipeline.config import find_root
from pipeline.errors import UsageError, WartaError, json_document
from pipeline.files import write_atomic
from pipeline.i18n import _

_PERIOD = re.compile(r"^\d{4}(-(0[1-9]|1[0-2]|Q[1-4]|H[12]))?$")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report", help=_("time standards, publications and returns of a period"),
        description=_("Measure each SOP step against its time standard (Waktu) in working minutes, from the "
                      "approval records and content commits in Git; count what was published per kind, channel "
                      "and category; list returns with their reasons and force-published items awaiting "
                      "approval. The report describes the revision's moment, so --at REV always gives the same "
                      "report."))
    parser.add_argument("--period", metavar="PERIOD",
                        help=_("a month (2026-11), quarter (2026-Q4), half year (2026-H2) or year (2026); "
                               "default: the month of the revision"))
    parser.add_argument("--format", choices=("md", "html"), default="md", help=_("Markdown (default) or HTML"))
    parser.add_argument("--json", action="store_true", help=_("print one JSON document"))
    parser.add_argument("--output", metavar="FILE", help=_("write the report to FILE instead of printing it"))
    parser.add_argument("--at", metavar="REV", default="HEAD", help=_("compute the report at revision REV"))
    parser.add_argument("--no-cache", action="store_true", help=_("ignore .warta-cache/ (slower)"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        if args.period is not None and not _PERIOD.match(args.period):
            raise UsageError(_("--period {period}: write a month (2026-11), a quarter (2026-Q4), a half year "
                               "(2026-H2) or a year (2026)", period=args.period))
        root = find_root()
        text = _report(root, args)
    except WartaError as exc:
        if not args.json:
            raise
        print(json.dumps(json_document(error=exc), ensure_ascii=False, indent=2))
        return exc.exit_code
    if args.output:
        try:
            write_atomic(Path(args.output), text)
        except OSError as exc:
            print("warta: error: " + _("cannot write {file}: {reason}", file=args.output, reason=exc.strerror),
                  file=sys.stderr)
            return 1
        print(_("report written to {file}", file=args.output), file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _report(root: Path, args: argparse.Namespace) -> str:
    # imported here so that `warta --help` and other commands do not pay for them
    from pipeline.approvals.service import open_site
    from pipeline.report.compute import compute_report
    from pipeline.report.render_md import render_markdown

    open_site(root)
    doc = compute_report(root, args.period, args.at, cache=not args.no_cache)
    if args.json:
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    if args.format == "html":
        from pipeline.report.render_html import render_html  # matplotlib: only for HTML (start-up time)

        return render_html(doc)
    return render_markdown(doc)
