"""``warta verify [--base REV] [--all] [--pr [N] [--report]] [--json]``: exit 0 only when every judged item
has a full valid chain; otherwise each item with its reasons, exit 1; 2 on a usage or configuration error.

``--pr N`` judges the pull request's items with its forge reviews too (docs/forges.md); N defaults to the
pull request of the CI's event (``GITHUB_EVENT_PATH``, GitLab's ``CI_MERGE_REQUEST_IID``). ``--report``
also posts the commit status ``warta/approvals`` on the pull request's head, writes the SOP checklist
to ``$GITHUB_STEP_SUMMARY`` when it is set, and prints ``::error file=…,line=…::`` annotations when
``GITHUB_ACTIONS=true``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from pipeline.approvals import history_job
from pipeline.errors import UsageError, WartaError, json_document
from pipeline.i18n import _
from pipeline.output import with_warnings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "verify", help=_("check that every changed item is fully approved"),
        description=_("Judge the approval chain of every item changed since the base (default: the merge base with the "
                      "main branch), or of every item with --all. Exit 0 when all are fully approved, 1 otherwise (each "
                      "item with every reason), 2 on a configuration error."))
    parser.add_argument("--base", metavar="REV", help=_("judge items changed since REV"))
    parser.add_argument("--all", action="store_true", help=_("judge every item (and main's governance history)"))
    parser.add_argument("--pr", nargs="?", type=int, const=0, metavar="N",
                        help=_("with the reviews of pull request N on the forge of approvals.forge (default: the pull "
                               "request of the CI event)"))
    parser.add_argument("--report", action="store_true",
                        help=_("with --pr: post the status warta/approvals, the job summary and annotations"))
    parser.add_argument("--json", action="store_true", help=_("print one JSON document"))
    parser.add_argument("--no-cache", action="store_true", help=_("ignore .warta-cache/ (slower)"))
    parser.set_defaults(func=run)


def json_error(exc: WartaError) -> str:
    """The JSON document of a failure (DESIGN section 6)."""
    return json.dumps(json_document(error=exc), ensure_ascii=False, indent=2)


def run(args: argparse.Namespace) -> int:
    if args.pr is not None or args.report:
        try:
            return run_pr(args)
        except WartaError as exc:
            if not args.json:
                raise
            print(json_error(exc))
            return exc.exit_code
    if args.all:  # main's history is read while this process imports and reads the items (a cold run)
        history_job.start_early(Path.cwd().resolve(), cache=not args.no_cache)
    try:
        try:
            report = _evaluate(args)
        finally:
            history_job.cancel_early()
        # imported here: start-up time of other commands, and after history_job.start_early has forked
        from pipeline.approvals.display import render_verify
        if args.json:
            print(json.dumps(with_warnings(report.to_json()), ensure_ascii=False, indent=2))
            return 0 if report.ok else 1
        for line in render_verify(report):
            print(line)
        _summary(report, args.all)
        return 0 if report.ok else 1
    finally:  # the kept run was written meanwhile (evaluate_repository's share): wait for it
        kept = sys.modules.get("pipeline.approvals.reportcache")
        if kept is not None:
            kept.finish()


def _evaluate(args: argparse.Namespace) -> Any:
    # imported here so that `warta --help` and other commands do not pay for them, and after
    # history_job.start_early has forked (pydantic and the rest are not the child's to import)
    from pipeline.approvals.service import evaluate_repository, open_site
    from pipeline.archive.trust import with_register_findings
    from pipeline.config import find_root
    root = find_root()
    open_site(root)
    # decisions kept on the remote's refs/warta/decisions count too (a reset branch cannot hide a return)
    report = evaluate_repository(root, base=args.base, all_items=args.all, cache=not args.no_cache,
                                 fetch_decisions=True, share=True)  # the contexts are not read here
    return with_register_findings(report, cache=not args.no_cache)  # arsip/ on a pull request (rule 12)


def _summary(report: Any, every: bool) -> None:
    judged = len(report.items) + len(report.governance)
    scope = _("every item") if every else _("changed since {base}", base=report.base[:12]) if report.base else ""
    bad = sum(1 for r in (*report.items, *report.governance) if not r.complete)
    forced = sum(1 for r in report.items if r.forced)
    summary = _("{judged} item(s) judged ({scope}): {approved} approved, {bad} not approved", judged=judged,
                scope=scope, approved=judged - bad, bad=bad)
    if forced:
        summary += _(", {forced} force-published awaiting retrospective approval", forced=forced)
    print((_("ok: ") if report.ok else _("failed: ")) + summary, file=sys.stderr)


def run_pr(args: argparse.Namespace) -> int:
    """``verify --pr``: git records and forge reviews together, and with ``--report`` told to the forge."""
    # imported here so that `warta --help` and other commands do not pay for them
    from pipeline.approvals.display import render_verify
    from pipeline.approvals.forge_reviews import annotate, evaluate_pull_request
    from pipeline.approvals.report import result_json
    from pipeline.approvals.service import open_site
    from pipeline.archive.trust import with_register_findings
    from pipeline.config import find_root
    from pipeline.forges import checks
    from pipeline.forges.http import ForgeConfigError, ForgeError

    if args.base or args.all:
        raise UsageError(_("--pr judges the pull request's branch: it takes no --base or --all"))
    root = find_root()
    open_site(root)
    report, pr, forge = evaluate_pull_request(root, args.pr or None, fetch_decisions=True, cache=not args.no_cache)
    report = with_register_findings(report, cache=not args.no_cache)
    if args.report:
        state, description = checks.status_of(report)
        try:
            forge.post_status(pr.pr.head_sha, state, description, checks.run_url(os.environ, forge.repository))
        except (ForgeError, ForgeConfigError) as exc:  # e.g. a fork's token may not write statuses
            print("warning: " + _("the status warta/approvals was not posted ({reason}); this job's own result is "
                                  "the check", reason=exc), file=sys.stderr)
        summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary_file:
            with open(summary_file, "a", encoding="utf-8") as out:
                out.write(checks.summary_markdown(report, _("warta/approvals: pull request #{number}",
                                                             number=pr.pr.number)))
        if os.environ.get("GITHUB_ACTIONS") == "true" and not args.json:
            for line in checks.error_lines(report):
                print(line)
    if args.json:
        doc = report.to_json()
        tz = report.config.tz
        doc["items"] = [annotate(result_json(r, tz), pr) for r in report.items]
        doc["pull_request"] = {"number": pr.pr.number, "head": pr.pr.head_sha, "url": pr.pr.url,
                               "source": pr.source}
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return 0 if report.ok else 1
    for line in render_verify(report):
        print(line)
    _summary(report, False)
    return 0 if report.ok else 1
