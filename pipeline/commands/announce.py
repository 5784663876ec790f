"""``warta announce [--dry-run] [--retry] [--channel NAME] [--json] [--resolve ITEM CHANNEL (--sent URL |
--not-sent)]``: the announce stage on its own (after a deploy the workflow did, or to retry), and a
person's signed decision on an uncertain post (docs/channels.md)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any

from pipeline.config import find_root
from pipeline.errors import UsageError, WartaError, json_document
from pipeline.i18n import _
from pipeline.output import with_warnings

RECENT = dt.timedelta(days=7)  # versions published longer ago are never announced late (a new channel)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "announce", help=_("post newly published items to their channels, retry, or resolve an uncertain post"),
        description=_("Re-check every approval chain on main, then post each published version that its SOP sends to a "
                      "channel and that the posting ledger has not posted yet. Exit 0 when nothing failed, 1 when a "
                      "channel failed or a post is uncertain, 2 on a usage error."))
    parser.add_argument("--dry-run", action="store_true", help=_("print what would be posted and change nothing"))
    parser.add_argument("--retry", action="store_true", help=_("also retry failed posts now (never uncertain ones)"))
    parser.add_argument("--channel", metavar="NAME", help=_("only this channel"))
    parser.add_argument("--json", action="store_true", help=_("print one JSON document"))
    parser.add_argument("--resolve", nargs=2, metavar=("ITEM", "CHANNEL"),
                        help=_("record a signed decision on an uncertain or failed post of ITEM on CHANNEL"))
    parser.add_argument("--sent", metavar="URL", help=_("with --resolve: the post is there, at URL"))
    parser.add_argument("--not-sent", action="store_true", help=_("with --resolve: it is not there; send it again"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        root = find_root()
        if args.resolve:
            doc = _resolve(root, args)
        else:
            if args.sent or args.not_sent:
                raise UsageError(_("--sent and --not-sent go with --resolve ITEM CHANNEL"))
            doc = announce_only(root, dry_run=args.dry_run, retry=args.retry, only=args.channel)
    except WartaError as exc:
        if args.json:
            print(json.dumps(json_document(error=exc), ensure_ascii=False, indent=2))
            return exc.exit_code
        raise
    if args.json:
        print(json.dumps(with_warnings(doc), ensure_ascii=False, indent=2))
    else:
        for line in doc.get("planned", []):
            print(_("would post {line}", line=line) if args.dry_run else line)
        for path, entries in sorted(doc.get("outcomes", {}).items()):
            for e in entries:
                print(f"{path} → {e['channel']}: {e['state']} {e.get('url') or e.get('error') or ''}".rstrip())
        for line in doc.get("warnings", []):
            print(f"warning: {line}")
        for line in doc.get("errors", []):
            print(f"error: {line}")
        if doc.get("resolved"):
            print(doc["resolved"])
        if not any(doc.get(key) for key in ("planned", "outcomes", "warnings", "errors", "resolved")):
            print(_("nothing to announce: every published item is already posted, or its SOP names no channel"))
    return 1 if doc.get("errors") else 0


def _resolve(root: Path, args: argparse.Namespace) -> dict[str, Any]:
    from pipeline.approvals.service import open_site  # the approvals engine: start-up time
    from pipeline.archive.records import load_records
    from pipeline.archive.trust import trusted_source as register_source
    from pipeline.channels import resolve
    from pipeline.channels.ledger import entry_of

    item, channel = args.resolve
    if bool(args.sent) == bool(args.not_sent):
        raise UsageError(_("--resolve needs exactly one of --sent URL or --not-sent"))
    if args.sent and not resolve.valid_url(args.sent):
        raise UsageError(_("--sent {sent!r}: give the post's https:// address", sent=args.sent))
    git = open_site(root)
    record = next((s.record for s in load_records(register_source(root))[0] if s.record.path == item), None)
    if record is None:
        raise UsageError(_("{item}: no archive record names this item", item=item))
    entry = entry_of(record, channel)
    if entry is None or entry.digest != record.digest or entry.state not in ("attempt", "uncertain", "failed"):
        state = entry.state if entry is not None else _("nothing")
        raise UsageError(_("{item} on {channel}: the ledger holds {state} for its current version; only an uncertain or "
                           "failed post is resolved", item=item, channel=channel, state=state))
    if args.dry_run:
        return {"resolved": _("would record: {item} on {channel} sent", item=item, channel=channel) if args.sent
                else _("would record: {item} on {channel} not sent", item=item, channel=channel)}
    decision = resolve.message(item, channel, record.digest, args.sent, max(entry.attempts, 1))
    git.run("commit", "--allow-empty", "-q", "-S", "-m", decision)
    return {"resolved": _("recorded your signed decision ({commit}): the next warta announce or publish on main "
                          "writes it into the ledger; push it to main", commit=git.head() or "?")}


def announce_only(root: Path, *, dry_run: bool, retry: bool, only: str | None) -> dict[str, Any]:
    # the publish engine and Pillow: imported here for start-up time
    from pipeline.cachedir import MEDIA_CACHE, ensure_local_cache
    from pipeline.channels import resolve
    from pipeline.channels.ledger import entry_of
    from pipeline.media import MediaJob, build_media
    from pipeline.publish import gitops, make_plan
    from pipeline.publish.announce import main_image, targets_of
    from pipeline.publish.posting import announce_channels, report_links
    from pipeline.publish.site import published_tree
    from pipeline.workspace import Workspace

    git = Workspace.open_git(root)
    caches = ensure_local_cache(root)
    with gitops.lock(root):
        config = Workspace.from_commit(root).config
        main = config.approvals.main_branch
        remote = gitops.remote_of(git, main)
        if not dry_run:
            gitops.reset_archive(git)
            if remote:
                gitops.integrate(git, remote, main)
        plan = make_plan(root)
        if plan.problems:
            raise WartaError("; ".join(plan.problems))
        config, sops, now = plan.report.config, plan.report.state.sops, plan.now
        if only is not None and only not in config.channels:
            raise UsageError(_("--channel {only}: no such channel in warta.yml ({items})",
                               only=only, items=', '.join(sorted(config.channels))))
        # the first ledger commit (before any call) refuses (exit 2) without the publishing identity's key

        def website(p: Any) -> Any:
            return entry_of(p.record, "website")
        live = [p for p in plan.publish if not p.fallback and (w := website(p)) is not None and w.digest == p.record.digest]
        due = [p for p in live if (w := website(p)).at is not None and w.at >= now - RECENT]
        tree = published_tree(root, plan)
        with tempfile.TemporaryDirectory(prefix="warta-announce-") as tmp:
            jobs = [MediaJob(source=tree / image, display_path=image, used_by=(p.item.path,), channels=True,
                             focus=tuple(p.item.meta.image_focus or (0.5, 0.5)))  # type: ignore[arg-type]
                    for p in due if (image := main_image(p.item)) is not None]
            pictures = build_media(jobs, Path(tmp), caches / MEDIA_CACHE, config.media, prune=False).images if jobs else {}
            found = resolve.read(git, git.head() or "HEAD", plan.report.people, caches)
            targets = targets_of(due, live, config, sops, pictures, Path(tmp))
            channel_run = announce_channels(root, git, remote, main, plan.records, targets, config, now,
                                            retry=retry, only=only, dry_run=dry_run, resolutions=found)
            written = None if dry_run else report_links(root, channel_run, targets, config, sops, now)
    return {"planned": channel_run.planned, "errors": channel_run.errors, "warnings": channel_run.warnings,
            "report": written.relative_to(root).as_posix() if written else None,
            "outcomes": {p: [e.model_dump(mode="json", exclude_none=True) for e in es]
                         for p, es in channel_run.outcomes.items()}}
