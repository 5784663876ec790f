"""``warta build [--output DIR] [--drafts] [--json]``: the website into a folder (default ``_site``)."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import Any

from pipeline.config import find_root, load_config
from pipeline.content import Site, load_site
from pipeline.site import BuildResult, PageExtra, build_site

# Above this many items the build reports its stages on standard error even when it is not a terminal.
PROGRESS_ITEMS = 500


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "build",
        help="build the website",
        description="Build the website from content/ into a folder (default: deploy.path in warta.yml). "
        "The folder is replaced only when the build succeeded.",
    )
    parser.add_argument("--output", "-o", metavar="DIR", help="output folder (default: deploy.path, _site)")
    parser.add_argument(
        "--drafts",
        action="store_true",
        help="preview: every page carries a 'DRAF — belum disetujui' banner and noindex",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(func=run)


def output_folder(root: Path, option: str | None, configured: str) -> Path:
    """``--output`` is relative to where warta runs; ``deploy.path`` to the repository root."""
    return Path(option).resolve() if option else (root / configured).resolve()


def preview_extras(site: Site) -> dict[str, PageExtra]:
    """``--drafts``: nothing here is claimed approved, so every item is shown as a draft."""
    return {item.path: PageExtra(draft=True) for item in site.items}


def build(root: Path, option: str | None, *, drafts: bool, progress: bool | None = None) -> tuple[Site, BuildResult]:
    """Load, refuse on content errors, build. Raises ContentError, ConfigError or BuildError."""
    from pipeline.errors import ContentError

    config = load_config(root)
    site = load_site(root, config)
    errors = site.findings.errors
    if errors:
        raise ContentError(
            f"content has {len(errors)} error(s); nothing was built",
            findings=sorted(errors, key=lambda f: (f.path, f.line or 0, f.message)),
        )
    output = output_folder(root, option, config.deploy.path)
    if progress is None:
        progress = sys.stderr.isatty() or len(site.items) >= PROGRESS_ITEMS
    extras = preview_extras(site) if drafts else None
    return site, build_site(site, output, extras=extras, drafts=drafts, progress=progress)


def run(args: argparse.Namespace) -> int:
    from pipeline.errors import WartaError

    root = find_root()
    try:
        site, result = build(root, args.output, drafts=args.drafts)
    except WartaError as exc:
        if not args.json:
            raise
        print(
            json.dumps(
                {"ok": False, "error": str(exc), "findings": [f.to_json() for f in exc.findings]},
                ensure_ascii=False,
                indent=2,
            )
        )
        return exc.exit_code
    if args.json:
        print(json.dumps({"ok": True, **result.to_json()}, ensure_ascii=False, indent=2))
        return 0
    for finding in result.findings:
        print(finding.format(), file=sys.stderr)
    where = result.output
    with contextlib.suppress(ValueError):
        where = result.output.relative_to(Path.cwd())
    print(
        f"built {len(result.pages)} pages ({len(result.published)} items published, "
        f"{len(result.left_out)} left out) in {result.seconds:.1f} s"
    )
    print(f"site: {where}{'/' if not str(where).endswith('/') else ''}  (see it with: warta serve)")
    return 0
