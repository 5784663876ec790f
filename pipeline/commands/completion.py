"""``warta completion bash|zsh``: the shell completion script, generated from the parser itself (shtab),
so it always knows every command and option of this version.

    warta completion bash > ~/.local/share/bash-completion/completions/warta
    warta completion zsh > ~/.zfunc/_warta        # with fpath+=(~/.zfunc) before compinit in ~/.zshrc
"""

from __future__ import annotations

import argparse
from typing import Any

from pipeline.i18n import _

SHELLS = ("bash", "zsh")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "completion", help=_("print the shell completion script (bash or zsh)"),
        description=_("Print the completion script for your shell, e.g. warta completion bash > "
                      "~/.local/share/bash-completion/completions/warta"))
    parser.add_argument("shell", choices=SHELLS, metavar="SHELL", help=_("bash or zsh"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import shtab  # imported here: only this command needs it

    # the parser of every command: pipeline.cli hands its builder over (no import of the CLI from here)
    print(shtab.complete(args.build_parser(), shell=args.shell, root_prefix="warta"))
    return 0
