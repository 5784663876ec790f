"""``warta check [PATH…] [--json]``: exit 0 clean, 1 findings, 2 usage or configuration error."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from pipeline.check import check_site
from pipeline.config import find_root
from pipeline.errors import Finding, WartaError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("check", help="check content against its schema and SOP",
                                   description="Check content files: front matter, references, SOP "
                                               "Kelengkapan, personal data, photos.")
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: all content)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    root = find_root()
    result = check_site(root, args.paths)
    if not args.paths:
        result.findings.extend(_plan_warnings(root))
    findings = result.findings.sorted()
    errors = [f for f in findings if f.severity == "error"]
    warnings = [f for f in findings if f.severity == "warning"]
    if args.json:
        doc = {
            "files": len(result.checked),
            "errors": len(errors),
            "warnings": len(warnings),
            "findings": [f.to_json() for f in findings],
        }
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        for finding in findings:
            print(finding.format(), file=sys.stdout)
        status = "ok" if not errors else "failed"
        print(f"{status}: {len(result.checked)} files checked, {len(errors)} errors, {len(warnings)} warnings",
              file=sys.stderr)
    return 1 if errors else 0


def _plan_warnings(root: Any) -> list[Finding]:
    """A warning when no approved content plan covers the current quarter (seed 004 A1; docs/report.md)."""
    from pipeline.report.due import plan_findings  # the approvals engine: only for a whole-site check

    try:
        return plan_findings(root)
    except WartaError:  # not a git repository yet, or no trusted history: nothing to say about plans
        return []
