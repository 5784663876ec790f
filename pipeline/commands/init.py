"""``warta init DIR [--example]``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pipeline.init import init_site


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
    print(f"Created {target} with {len(files)} files on branch main.")
    print(f"Next: cd {target} && warta check")
    return 0
