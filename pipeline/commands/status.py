"""``warta status [--json] [--all] [--pr [N]] [PATH…]``: each item's SOP as a checklist (who, when, how long).

``--pr N``: the items of the branch with the reviews of pull request N on the forge (docs/forges.md); N
defaults to the pull request of the CI's event (``GITHUB_EVENT_PATH``, ``CI_MERGE_REQUEST_IID``)."""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import TYPE_CHECKING, Any

from pipeline import collector
from pipeline.cachedir import ROUTES_CACHE, existing_cache
from pipeline.config import find_root
from pipeline.errors import Finding

if TYPE_CHECKING:
    from pipeline.content import Item
from pipeline.i18n import _, ngettext
from pipeline.output import with_warnings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "status", help=_("show the approval chain of items"),
        description=_("Show each item's SOP as a checklist: who approved which step and when, how long each step took "
                      "against its Waktu, and what is next. Default: items changed on this branch; on the main branch "
                      "itself, every item that is not fully approved or was force-published."))
    parser.add_argument("paths", nargs="*", metavar="PATH", help=_("items to show"))
    parser.add_argument("--all", action="store_true", help=_("every item"))
    parser.add_argument("--json", action="store_true", help=_("print one JSON document"))
    parser.add_argument("--pr", nargs="?", type=int, const=0, metavar="N",
                        help=_("with the reviews of pull request N on the forge of approvals.forge (default: the pull "
                               "request of the CI event)"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # what status makes lives until it ends and is hardly ever garbage (pipeline/collector.py)
    with collector.paused():
        return run_pr(args) if args.pr is not None else _run(args)


def _run(args: argparse.Namespace) -> int:
    # imported here so that `warta --help` and other commands do not pay for them
    from pipeline.approvals.display import render_status
    from pipeline.approvals.service import evaluate_repository, on_main, open_site, repo_paths, result_json
    from pipeline.channels.routing import destinations
    from pipeline.publication import head_register, publication_states
    from pipeline.report.due import describe_due, due_documents
    from pipeline.tree import WorkTree

    root = find_root()
    open_site(root)
    paths = repo_paths(root, args.paths)
    # what the archive register says is live: an approved item whose live version is the current one
    # is "published" (DESIGN section 6)
    held = head_register(root)  # read once, from git objects (the register is what warta publish committed)
    live = {r.path: r.digest for r in held if r.published_at is not None}
    if not paths and (args.all or on_main(root)):
        # on main nothing is "changed on the branch": show what still needs attention (or everything)
        report = evaluate_repository(root, all_items=True, published=live)
        results = [*report.items, *report.governance]
        if not args.all:
            results = [r for r in results if not r.complete or r.forced]
    else:
        report = evaluate_repository(root, paths=paths or None, published=live)
        results = [*report.items, *report.governance]
    scheduled = {path for path, state in publication_states(root, report.items, report.config,
                                                                records=held).items()
                 if state == "scheduled"}
    # what `warta check` finds in a shown item blocks its approval (warta approve refuses it)
    # (only items whose chain is not complete, each read alone: status stays fast on a large site)
    top = str(root)  # os.path: every item of a long unsigned history can be open (10,000 pathlib joins)
    open_items = [r.path for r in results
                  if r.kind == "content" and not r.complete and os.path.isfile(os.path.join(top, r.path))]
    blocked: dict[str, list[Finding]] = {}
    parsed: dict[str, Item] = {}
    blobs: dict[str, str] = {}
    if open_items:
        from pipeline.check import check_items  # the content check's imports: only when an item is open

        checked = check_items(root, open_items, only=True)
        blocked, blobs = checked.blocking, checked.blobs
        if checked.config == report.config:  # parsed as the routing would parse them: not parsed again
            parsed = checked.parsed
    due = due_documents(root)  # evaluations and content plans due or overdue (seed 004 A1, C; docs/report.md)
    where = destinations(WorkTree(root), [r.path for r in results if r.kind == "content"], report.config,
                         report.state.sops, parsed,  # the channels each item goes to (docs/channels.md)
                         caches / ROUTES_CACHE if (caches := existing_cache(root)) is not None else None, blobs)
    if args.json:
        tz = report.config.tz
        items = []
        for r in results:
            if r.kind == "content":
                doc = result_json(r, tz)
                doc["scheduled"] = r.path in scheduled  # approved, embargoed until its publish_at
                doc["findings"] = [f.to_json() for f in blocked.get(r.path, [])]  # what blocks its approval
                doc["channels"] = where.get(r.path, [])
                items.append(doc)
        print(json.dumps(with_warnings({"items": items,
                          "governance": [result_json(r, tz) for r in results if r.kind == "governance"],
                          "problems": list(report.problems), "warnings": list(report.warnings), "due": due}),
                         ensure_ascii=False, indent=2))
        return 0
    lines = render_status(report, int(time.time()), results)
    for path, findings in sorted(blocked.items()):
        lines.append(f"{path}: " + _("blocked: warta check finds {errors}; warta approve refuses it until they "
                                     "are fixed:", errors=ngettext("{n} error", "{n} errors", len(findings),
                                                                   n=len(findings))))
        lines.extend(f"  {finding.format(code=True)}" for finding in findings)
    for path in sorted(scheduled & {r.path for r in results}):
        lines.append(_("{path}: scheduled (dijadwalkan): approved, embargoed until its publish_at; the first "
                       "publish run after that time publishes it", path=path))
    lines.extend(_("due: {what}", what=describe_due(entry)) for entry in due)
    lines += [_("{path}: goes to {channels} (kanal)", path=path, channels=", ".join(names)) if names
              else _("{path}: goes to no channel (kanal)", path=path)
              for path, names in sorted(where.items())]
    if not results:
        lines.insert(0, _("every item is approved") if report.mode == "all"
                     else _("nothing to show: no item changed on this branch"))
    print("\n".join(lines).rstrip())
    return 0


def run_pr(args: argparse.Namespace) -> int:
    """``status --pr``: the branch's items with the pull request's reviews (exit 0: it only shows)."""
    # imported here so that `warta --help` and other commands do not pay for them
    from pipeline.approvals.display import render_status
    from pipeline.approvals.forge_reviews import annotate, evaluate_pull_request
    from pipeline.approvals.service import open_site, result_json
    from pipeline.commands.verify import json_error
    from pipeline.errors import UsageError, WartaError
    from pipeline.i18n import _

    try:
        if args.paths or args.all:
            raise UsageError(_("--pr shows the pull request's items: it takes no PATH or --all"))
        root = find_root()
        open_site(root)
        report, pr, _forge = evaluate_pull_request(root, args.pr or None)
    except WartaError as exc:
        if not args.json:
            raise
        print(json_error(exc))
        return exc.exit_code
    results = [*report.items, *report.governance]
    if args.json:
        tz = report.config.tz
        print(json.dumps(with_warnings({"items": [annotate(result_json(r, tz), pr) for r in report.items],
                          "governance": [result_json(r, tz) for r in report.governance],
                          "problems": list(report.problems), "warnings": list(report.warnings),
                          "pull_request": {"number": pr.pr.number, "head": pr.pr.head_sha, "url": pr.pr.url,
                                           "source": pr.source}}),
                         ensure_ascii=False, indent=2))
        return 0
    lines = render_status(report, int(time.time()), results)
    if not results:
        lines.insert(0, _("nothing to show: pull request #{number} changes no item", number=pr.pr.number))
    print("\n".join(lines).rstrip())
    return 0
