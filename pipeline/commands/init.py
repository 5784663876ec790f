"""``warta init DIR [--example] [--lock] [--forge F] [--private-free] [--pages]``."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any

from pipeline import output
from pipeline.errors import UsageError, WartaError
from pipeline.i18n import _
from pipeline.init import CiOptions, init_site
from pipeline.signers import write_signers
from pipeline.workflows import lock as locking
from pipeline.workflows.writer import FORGES


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("init", help=_("create a new site repository"),
                                   description=_("Create a site repository (git, branch main, a first commit) with "
                                                 "warta.yml, sop/ and the forge's CI files; --example adds the example "
                                                 "content. In an existing site, --lock rewrites requirements.txt only."))
    parser.add_argument("directory", metavar="DIR")
    parser.add_argument("--example", action="store_true", help=_("include the example content of a Bantul office"))
    parser.add_argument("--forge", choices=FORGES, default="github",
                        help=_("the forge whose CI files to write (default: github)"))
    parser.add_argument("--private-free", action="store_true",
                        help=_("a private GitHub repository on the free plan (no environments): write no workflow that "
                               "uses a secret"))
    parser.add_argument("--pages", action="store_true", help=_("deploy to GitHub Pages (deploy.target: pages)"))
    parser.add_argument("--repository", metavar="OWNER/NAME",
                        help=_("the repository on the forge: writes approvals.forge, so its reviews count"))
    parser.add_argument("--forge-url", metavar="URL",
                        help=_("with --repository: the forge's API base (needed for gitea, forgejo, gitlab)"))
    parser.add_argument("--lock", action="store_true",
                        help=_("write requirements.txt with the sha256 of every file the workflows install (pip download "
                               "for the runner)"))
    parser.add_argument("--find-links", action="append", default=[], metavar="DIR_OR_URL",
                        help=_("with --lock: also look for wheels here (pip's --find-links)"))
    parser.add_argument("--index-url", metavar="URL", help=_("with --lock: the package index (pip's --index-url)"))
    parser.add_argument("--no-index", action="store_true", help=_("with --lock: use --find-links only"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    target = Path(args.directory)
    if args.lock and (target / "warta.yml").is_file():
        locked = locking.lock(target, find_links=args.find_links, index_url=args.index_url, no_index=args.no_index)
        print(_("Wrote {path}: {n} files with their sha256. Commit it (a governed file: every signatory approves "
                "the change).", path=target / locking.REQUIREMENTS, n=len(locked)))
        return 0
    if args.pages and (args.forge != "github" or args.private_free):
        raise UsageError(_("--pages is GitHub Pages, deployed by the publish workflow: it needs --forge github and "
                           "a repository with environments (not --private-free)"))
    if args.private_free and args.forge != "github":
        raise UsageError(_("--private-free is about GitHub's free plan: use it with --forge github"))
    ci = CiOptions(forge=args.forge, private_free=args.private_free, pages=args.pages, lock=args.lock,
                   find_links=args.find_links, index_url=args.index_url, no_index=args.no_index,
                   repository=args.repository, forge_url=args.forge_url)
    existed = target.exists()
    try:
        files = init_site(target, example=args.example, ci=ci)
    except WartaError:
        if not existed and target.is_dir() and not (target / ".git").exists():
            shutil.rmtree(target)  # a half-made site (a failed --lock, a bad --repository) blocks the next try
        raise
    signers, _count = write_signers(target)  # git log --show-signature checks approvals from the start
    print(_("Created {target} with {count} files on branch main.", target=target, count=len(files)))
    output.info(_("git checks approval signatures with {file} (run warta signers after people.yaml changes).",
                  file=signers))
    for note in ci.notes:
        print(_("note: {note}", note=note), file=sys.stderr)
    output.info(_("Next: cd {target} && warta check", target=target))
    return 0
