"""``warta init DIR [--example]``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pipeline import output
from pipeline.i18n import _
from pipeline.init import init_site
from pipeline.signers import write_signers


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("init", help="create a new site repository",
                                   description="Create a site repository (git, branch main, a first commit) "
                                               "with warta.yml and sop/; --example adds the example content.")
    parser.add_argument("directory", metavar="DIR")
    parser.add_argument("--example", action="store_true", help="include the example content of a Bantul office")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    target = Path(args.directory)
    files = init_site(target, example=args.example)
    signers, _count = write_signers(target)  # git log --show-signature checks approvals from the start
    print(_("Created {target} with {count} files on branch main.", target=target, count=len(files)))
    output.info(_("git checks approval signatures with {file} (run warta signers after people.yaml changes).",
                  file=signers))
    output.info(_("Next: cd {target} && warta check", target=target))
    return 0
