"""``warta signers``: (re)write the allowed-signers file git reads, from ``sop/people.yaml`` on the main
branch, and point ``gpg.ssh.allowedSignersFile`` at it (pipeline/signers.py, docs/archive.md)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from pipeline.config import find_root, load_config
from pipeline.i18n import _


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "signers", help=_("let git check approval signatures (allowed signers from people.yaml)"),
        description=_("Write .git/warta/allowed_signers from every version of sop/people.yaml on the main "
                      "branch (keys with their valid_after/valid_before) and set gpg.ssh.allowedSignersFile, so "
                      "git log --show-signature and git verify-commit show who signed. Run it again after "
                      "people.yaml changes."))
    parser.add_argument("--json", action="store_true", help=_("print one JSON document"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pipeline.signers import write_signers  # imported here: other commands do not pay for it

    root = find_root()
    path, count = write_signers(root, load_config(root).approvals.main_branch)
    if args.json:
        print(json.dumps({"error": None, "findings": [], "file": str(path), "signers": count}))
    else:
        print(_("{path}: {count} signers; git config gpg.ssh.allowedSignersFile points to it", path=path,
                count=count))
    return 0
