"""The ``warta`` command: parse arguments and dispatch to ``pipeline/commands/<name>.py``.

Each command module defines ``register(subparsers)`` which adds its parser and sets
``func=run`` where ``run(args) -> int`` returns the exit code. Exit codes: 0 done, 1 refused or
findings, 2 usage or configuration error. Errors become messages, never tracebacks.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence
from pathlib import Path

from pipeline import __version__, commands, i18n
from pipeline.errors import WartaError
from pipeline.i18n import _

SIGNING_KEY_ENV = "WARTA_SIGNING_KEY"  # pipeline.identity.SIGNING_KEY_ENV


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(2)


# Commands registered by a module of another name (approve.py registers both approve and return).
_ALIASES = {"return": "approve"}


def _option_value(argv: Sequence[str], option: str) -> str | None:
    """The value of ``option`` (``--lang en`` or ``--lang=en``) before parsing: the language must be known
    before the parser's help texts are made. The last one wins, as argparse does."""
    value = None
    for i, word in enumerate(argv):
        if word == "--":
            break
        if word == option and i + 1 < len(argv):
            value = argv[i + 1]
        elif word.startswith(option + "="):
            value = word.split("=", 1)[1]
    return value


def choose_language(argv: Sequence[str]) -> None:
    """``--lang`` > ``WARTA_LANG`` > the site's language (the site in ``-C DIR`` or the current folder) > id."""
    chdir = _option_value(argv, "-C")
    i18n.set_language(i18n.choose_language(_option_value(argv, "--lang"), Path(chdir) if chdir else None))


def _command_word(argv: Sequence[str]) -> str | None:
    """The command named on the command line, without importing anything (skips ``-C DIR``)."""
    skip = False
    for word in argv:
        if skip:
            skip = False
            continue
        if word in ("-C", "--lang"):
            skip = True
            continue
        if word.startswith("-"):
            continue
        return word
    return None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; with ``argv`` naming a known command only that command's module is imported, so a
    command does not pay for the imports of every other one (Pelican, Pillow, ...)."""
    parser = _Parser(
        prog="warta",
        description=_("Publish press releases and public information in SOP order."),
    )
    parser.add_argument("--version", action="version", version=f"warta {__version__}")
    parser.add_argument("-C", dest="chdir", default=None, metavar="DIR",
                        help=_("run as if warta was started in DIR (the site repository)"))
    parser.add_argument("--lang", choices=i18n.LANGUAGES, default=None,
                        help=_("language of messages: id (default) or en; also WARTA_LANG, then the site's "
                               "language in warta.yml"))
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    names = sorted(info.name for info in pkgutil.iter_modules(commands.__path__))
    word = _command_word(argv) if argv is not None else None
    module_name = _ALIASES.get(word or "", word)
    if module_name in names and "-h" not in (argv or ()) and "--help" not in (argv or ()):
        names = [module_name]
    for name in names:
        module = importlib.import_module(f"{commands.__name__}.{name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # the publishing identity's key leaves the environment before anything else runs (rule 12): no child
    # process and no rendering code sees it; only warta publish's signing step reads its private copy
    if SIGNING_KEY_ENV in os.environ:
        from pipeline import identity  # only when a key is given: it imports the people model (start-up time)

        identity.take_signing_key()
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        choose_language(argv)
    except ValueError as exc:
        print(f"warta: error: {exc}", file=sys.stderr)
        return 2
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    if args.chdir:
        try:
            os.chdir(args.chdir)
        except OSError as exc:
            print("warta: error: " + _("cannot enter {folder}: {reason}", folder=args.chdir, reason=exc.strerror),
                  file=sys.stderr)
            return 2
    try:
        code: int = args.func(args)
        return code
    except WartaError as exc:
        for finding in exc.findings:
            print(finding.format(), file=sys.stderr)
        if not exc.findings or str(exc) != "\n".join(f.format() for f in exc.findings):
            print(f"warta: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("warta: " + _("interrupted"), file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
