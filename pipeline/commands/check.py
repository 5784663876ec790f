"""``warta check [PATH…] [--json]``: exit 0 clean, 1 findings, 2 usage or configuration error.

One pass reports every finding: schema, SOP Kelengkapan, personal data, photos, references, placeholder
text (:func:`pipeline.check.check_site`). ``--json`` prints the one document shape of
:func:`pipeline.errors.json_document` with the counts added (docs/content.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from pipeline import collector, output
from pipeline.check import check_site
from pipeline.config import find_root
from pipeline.errors import Finding, WartaError, json_document
from pipeline.i18n import _, ngettext


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("check", help=_("check content against its schema and SOP"),
                                   description=_("Check content files in one pass: front matter, references, "
                                                 "SOP Kelengkapan, personal data, photos, placeholder text."))
    parser.add_argument("paths", nargs="*", metavar="PATH", help=_("files or folders (default: all content)"))
    parser.add_argument("--json", action="store_true", help=_("print one JSON document"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    root = find_root()
    with collector.paused():  # the items and findings live until the command ends (pipeline/collector.py)
        result = check_site(root, args.paths)
        if not args.paths:
            result.findings.extend(_plan_warnings(root))
    findings = result.findings.sorted()
    errors = [f for f in findings if f.severity == "error"]
    warnings = [f for f in findings if f.severity == "warning"]
    files = len(result.checked)
    summary = (_("ok: {files} checked, {errors}, {warnings}") if not errors
               else _("failed: {files} checked, {errors}, {warnings}")).format(
        files=ngettext("{n} file", "{n} files", files, n=files),
        errors=ngettext("{n} error", "{n} errors", len(errors), n=len(errors)),
        warnings=ngettext("{n} warning", "{n} warnings", len(warnings), n=len(warnings)))
    if args.json:
        doc = json_document(findings, code="check.failed" if errors else None, message=summary if errors else None,
                            exit_code=1, files=files, errors=len(errors), warnings=len(warnings))
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        for finding in findings:
            print(finding.format(code=True), file=sys.stdout)
        output.info(summary)
    return 1 if errors else 0


def _plan_warnings(root: Any) -> list[Finding]:
    """A warning when no approved content plan covers the current quarter (seed 004 A1; docs/report.md)."""
    from pipeline.report.due import plan_findings  # the approvals engine: only for a whole-site check

    try:
        return plan_findings(root)
    except WartaError:  # not a git repository yet, or no trusted history: nothing to say about plans
        return []
