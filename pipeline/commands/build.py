"""``warta build [--output DIR] [--drafts] [--no-search] [--json]``: a preview of the website (default ``_preview``).

Only items whose approval chain is complete are built as published pages; ``--drafts`` adds every other
item with a DRAF banner and ``noindex`` (:mod:`pipeline.site.preview`). ``--no-search`` leaves out the
search index (Pagefind, the longest stage of a large build): the preview has no ``pagefind/`` and its
search page says so. The live site (``_site``) is written by ``warta publish`` only, always with its index.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import Any

from pipeline.cachedir import RENDER_CACHE
from pipeline.config import SiteConfig, find_root, load_config
from pipeline.content import Site, load_site
from pipeline.deploy.local import versions_dir
from pipeline.errors import ContentError, Finding, UsageError, WartaError, json_document
from pipeline.i18n import _
from pipeline.itemcache import local_file
from pipeline.output import with_warnings
from pipeline.render_ahead import ahead_renderer
from pipeline.site import BuildResult, build_site
from pipeline.site.preview import Preview, history_ahead, plan_preview

PREVIEW = "_preview"
# Above this many items the build reports its stages on standard error even when it is not a terminal.
PROGRESS_ITEMS = 500


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "build",
        help=_("build a preview of the website"),
        description=_("Build the website from content/ into a folder (default: _preview). Only items whose approval "
                      "chain is complete are published; --drafts adds the others, marked as drafts. The folder is "
                      "replaced only when the build succeeded. The live site (_site) is written by 'warta publish'."),
    )
    parser.add_argument("--output", "-o", metavar="DIR", help=_("output folder (default: {preview})", preview=PREVIEW))
    parser.add_argument(
        "--drafts",
        action="store_true",
        help=_("also show items not approved yet, each with a 'DRAF — belum disetujui' banner and noindex"),
    )
    parser.add_argument(
        "--no-search",
        dest="search",
        action="store_false",
        help=_("leave out the search index (faster; the search page says the preview has none; "
               "'warta publish' always makes it)"),
    )
    parser.add_argument("--json", action="store_true", help=_("print one JSON document"))
    parser.set_defaults(func=run)


def output_folder(root: Path, option: str | None) -> Path:
    """``--output`` is relative to where warta runs; the default ``_preview`` to the repository root."""
    return Path(option).absolute() if option else root / PREVIEW


def live_folder(root: Path, config: SiteConfig) -> Path:
    """The folder ``warta publish`` deploys to (``deploy.path``), as a path (a symlink is not followed)."""
    return root / config.deploy.path


def _refuse_live(root: Path, config: SiteConfig, output: Path) -> None:
    if config.deploy.target != "local":
        return
    live = live_folder(root, config)
    versions = versions_dir(live)
    out = output.resolve()
    if output == live or out == live.resolve() or out == versions.resolve() or versions.resolve() in out.parents:
        raise UsageError(
            _("{path} is the live site that 'warta publish' deploys; build the preview into {preview} (the default) or "
              "another folder", path=config.deploy.path, preview=PREVIEW)
        )


def build(
    root: Path, option: str | None, *, drafts: bool, progress: bool | None = None, search_index: bool = True
) -> tuple[Site, Preview, BuildResult]:
    """Load, refuse on content errors, judge approvals, build. Raises ContentError, ConfigError or BuildError."""
    config = load_config(root)
    output = output_folder(root, option)
    _refuse_live(root, config, output)
    # the judge's history job, forked while this process is small (before the items and the render thread)
    with history_ahead(root):
        renderer = ahead_renderer(local_file(root, RENDER_CACHE), config.limits.render_seconds)
        try:
            site = load_site(root, config, prerender=renderer.start if renderer is not None else None)
            errors = site.findings.errors
            if errors:
                raise ContentError(
                    _("content has {n} error(s); nothing was built", n=len(errors)),
                    findings=sorted(errors, key=lambda f: (f.path, f.line or 0, f.message)),
                )
            preview = plan_preview(site)
            if progress is None:
                progress = sys.stderr.isatty() or len(site.items) >= PROGRESS_ITEMS
            result = build_site(
                site,
                output,
                items=preview.items,
                extras=preview.extras,
                # without approvals to check every item is a draft, and a preview of nothing helps nobody
                drafts=drafts or not preview.approvals_checked,
                progress=progress,
                records=preview.records,
                search_index=search_index,
                renderer=renderer,
            )
        finally:
            if renderer is not None:
                renderer.close()
    findings = []
    for finding in [*preview.findings, *result.findings]:
        reason = preview.reasons.get(finding.path)
        if reason and finding.code == "content.not-approved":
            finding = Finding(finding.path, finding.line, f"{finding.message}: {reason}", finding.field, finding.severity)
        findings.append(finding)
    result.findings = findings
    return site, preview, result


def run(args: argparse.Namespace) -> int:
    root = find_root()
    try:
        _site, preview, result = build(root, args.output, drafts=args.drafts, search_index=args.search)
    except WartaError as exc:
        if not args.json:
            raise
        print(json.dumps(json_document(error=exc, ok=False), ensure_ascii=False, indent=2))
        return exc.exit_code
    if preview.note:
        print(_("build: {note}", note=preview.note), file=sys.stderr)
    if args.json:
        doc = {"ok": True, **result.to_json(), "approvals_checked": preview.approvals_checked,
               "search_index": args.search}
        print(json.dumps(with_warnings(doc), ensure_ascii=False, indent=2))
        return 0
    for finding in result.findings:
        print(finding.format(code=True), file=sys.stderr)
    where = result.output
    with contextlib.suppress(ValueError):
        where = result.output.relative_to(Path.cwd())
    drafts = _(", {n} of them drafts", n=len(result.drafts)) if result.drafts else ""
    print(
        _("built {n} pages ({n2} items published{drafts}, {n3} left out) in {seconds:.1f} s",
          n=len(result.pages), n2=len(result.published), drafts=drafts, n3=len(result.left_out), seconds=result.seconds)
    )
    if not args.search:
        print(_("search index: not made (--no-search); the search page says so. 'warta publish' always makes it."))
    print(_("site: {where}/  (see it with: warta serve --output {where})", where=where))
    return 0
