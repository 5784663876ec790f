"""``warta approve [--as ROLE] [-m TEXT] [--force] [PATH…]`` and ``warta return --reason TEXT [PATH…]``.

Each writes one approval record (an empty, signed commit with ``Warta-*`` trailers) for the next pending
step of every item changed on the branch, or of each PATH, as the person ``git config user.email`` names
in ``sop/people.yaml`` on the main branch. Every refusal is one line; exit 1 when anything was refused.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import TYPE_CHECKING, Any, Literal

from pipeline.config import find_root
from pipeline.i18n import _, ngettext

if TYPE_CHECKING:
    from pipeline.approvals.service import Outcome


def register(subparsers: Any) -> None:
    approve = subparsers.add_parser(
        "approve", help=_("approve (paraf) the next step of items"),
        description=_("Record your approval (paraf) of the next pending step of each item changed on this branch, or of "
                      "each PATH. With approvals.require_signatures the record is signed with your SSH key (git config "
                      "user.signingkey, gpg.format ssh)."))
    approve.add_argument("paths", nargs="*", metavar="PATH", help=_("items (default: every item changed on this branch)"))
    approve.add_argument("--as", dest="role", metavar="ROLE", help=_("the role you approve as, when you hold several"))
    approve.add_argument("-m", "--message", default="", metavar="TEXT", help=_("a comment kept in the record"))
    approve.add_argument("--force", action="store_true",
                         help=_("force-publish serta-merta information now (roles in approvals.force_publish_roles; the "
                                "skipped steps approve afterwards)"))
    approve.set_defaults(func=run_approve)

    ret = subparsers.add_parser(
        "return", help=_("return items for revision (kembalikan)"),
        description=_("Return each item changed on this branch, or each PATH, at its next pending step, with the reason. "
                      "The item is blocked until its content changes; then the chain starts again."))
    ret.add_argument("paths", nargs="*", metavar="PATH", help=_("items (default: every item changed on this branch)"))
    ret.add_argument("--reason", required=True, metavar="TEXT", help=_("what must change (kept in the record)"))
    ret.add_argument("--as", dest="role", metavar="ROLE", help=_("the role you act as, when you hold several"))
    ret.set_defaults(func=run_return)


def _act(args: argparse.Namespace, decision: Literal["approve", "return", "force"], note: str) -> int:
    # imported here so that `warta --help` and other commands do not pay for them
    from pipeline.approvals.service import decide, evaluate_repository, open_site, repo_paths
    from pipeline.check import blocking_findings

    root = find_root()
    open_site(root)
    paths = repo_paths(root, args.paths)
    report = evaluate_repository(root, paths=list(paths) or None)
    refused = 0
    if decision != "return":
        # what `warta check` rejects cannot be approved: the same check, the same findings (a return needs
        # no clean item: it is how an approver sends a broken one back)
        blocked = blocking_findings(root, [r.path for r in report.items])
        for path, findings in sorted(blocked.items()):
            for finding in findings:
                print(finding.format(code=True), file=sys.stderr)
            print(f"{path}: " + _("refused: warta check finds {errors}: fix them and commit, then approve",
                                  errors=ngettext("{n} error", "{n} errors", len(findings), n=len(findings))),
                  file=sys.stderr)
            refused += 1
        if blocked:
            report = dataclasses.replace(report, items=tuple(r for r in report.items if r.path not in blocked))
            if not report.items and not report.governance:
                return 1
    outcomes = decide(root, decision=decision, paths=paths, role=args.role, note=note, report=report)
    return max(report_outcomes(outcomes, decision), 1 if refused else 0)


def report_outcomes(outcomes: list[Outcome], decision: str) -> int:
    done = {"approve": _("approved"), "return": _("returned"), "force": _("force-published")}[decision]
    for outcome in outcomes:
        if outcome.ok:
            assert outcome.sha is not None and outcome.step is not None
            print(_("{path}: {done} step {no} as {role} — commit {sha}",
                    path=outcome.path, done=done, no=outcome.step.no, role=outcome.role, sha=outcome.sha[:12]))
            if outcome.warning:
                print(_("{path}: warning: {warning}", path=outcome.path, warning=outcome.warning), file=sys.stderr)
        else:
            print(_("{path}: refused: {message}", path=outcome.path, message=outcome.message), file=sys.stderr)
    return 0 if all(o.ok for o in outcomes) else 1


def run_approve(args: argparse.Namespace) -> int:
    return _act(args, "force" if args.force else "approve", args.message)


def run_return(args: argparse.Namespace) -> int:
    return _act(args, "return", args.reason)
