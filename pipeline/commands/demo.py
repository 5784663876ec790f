"""``warta demo [DIR]``: the whole main job on the embedded defaults (see pipeline/demo.py)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pipeline.demo import run_demo
from pipeline.i18n import _


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo", help=_("build a demo site and walk a release through its SOP, signed, to publication"),
        description=_("Create DIR (default demo-site) with the example content, example people with SSH keys generated "
                      "outside the repository, one release approved and returned in SOP order, a merge, and a publish to "
                      "DIR/_site. A previous demo in DIR is replaced, unless it holds work of yours."))
    parser.add_argument("directory", nargs="?", default="demo-site", metavar="DIR")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return run_demo(Path(args.directory))
