"""The ``warta`` command: parse arguments and dispatch to ``pipeline/commands/<name>.py``.

Each command module defines ``register(subparsers)`` which adds its parser and sets
``func=run`` where ``run(args) -> int`` returns the exit code. Exit codes: 0 done, 1 refused or
findings, 2 usage or configuration error. Errors become messages, never tracebacks.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from pipeline import __version__, argparse_i18n, collector, commands, i18n, output
from pipeline.errors import UsageError, WartaError, json_document
from pipeline.i18n import _

SIGNING_KEY_ENV = "WARTA_SIGNING_KEY"  # pipeline.identity.SIGNING_KEY_ENV


class ArgumentsError(UsageError):
    """The command line does not parse: printed after the usage line, or as the JSON error document."""

    def __init__(self, message: str, prog: str, usage: str) -> None:
        super().__init__(message)
        self.prog = prog
        self.usage = usage


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)  # `--js` is not `--json`: no option is guessed
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise ArgumentsError(message, self.prog, self.format_usage())


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
    argparse_i18n.install()


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
    # the help text given here: Python 3.11's argparse fixes its English default when it is defined
    parser.add_argument("--version", action="version", version=f"warta {__version__}",
                        help=_("show program's version number and exit"))
    parser.add_argument("-C", dest="chdir", default=None, metavar="DIR",
                        help=_("run as if warta was started in DIR (the site repository)"))
    _common_options(parser, None)
    parser.set_defaults(build_parser=build_parser, verbosity=output.NORMAL)
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
    for sub in subparsers.choices.values():
        _common_options(sub, argparse.SUPPRESS)  # `warta check -q` as well as `warta -q check`
    return parser


def _common_options(parser: argparse.ArgumentParser, default: Any) -> None:
    """``--lang``, ``-q`` and ``-v``: on the main parser (``default`` None) and on every command's
    (``default`` SUPPRESS, so a command's parser does not overwrite what was given before the command)."""
    parser.add_argument("--lang", choices=i18n.LANGUAGES, default=default,
                        help=_("language of messages: id (default) or en; also WARTA_LANG, then the site's "
                               "language in warta.yml"))
    loud = parser.add_mutually_exclusive_group()
    loud.add_argument("-q", "--quiet", dest="verbosity", action="store_const", const=output.QUIET,
                      default=argparse.SUPPRESS, help=_("print only results, warnings and errors"))
    loud.add_argument("-v", "--verbose", dest="verbosity", action="store_const", const=output.VERBOSE,
                      default=argparse.SUPPRESS, help=_("print more detail"))


def main(argv: Sequence[str] | None = None) -> int:
    # the publishing identity's key leaves the environment before anything else runs (rule 12): no child
    # process and no rendering code sees it; only warta publish's signing step reads its private copy
    if SIGNING_KEY_ENV in os.environ:
        from pipeline import identity  # only when a key is given: it imports the people model (start-up time)

        identity.take_signing_key()
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = _wants_json(argv)
    output.reset_warnings()
    try:
        return _run(argv)
    except WartaError as exc:
        return _report(exc, as_json)
    except KeyboardInterrupt:
        if as_json:
            print(json.dumps(json_document(code="interrupted", message=_("interrupted"), exit_code=130)))
        print("warta: " + _("interrupted"), file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1


def command() -> int:
    """The ``warta`` program (its console script and ``python -m pipeline``): :func:`main`, then the
    process's objects are left to the operating system instead of being collected and freed one by one
    as the interpreter exits (:func:`pipeline.collector.leave`). Callers of :func:`main` in a process that
    goes on (tests, tools) keep their collector as it is."""
    try:
        return main()
    finally:  # also after --help or --version (argparse ends the program with SystemExit)
        collector.leave()


def _wants_json(argv: Sequence[str]) -> bool:
    """``--json`` anywhere on the command line (before ``--``): even a failure to start prints JSON."""
    for word in argv:
        if word == "--":
            return False
        if word == "--json":
            return True
    return False


def _run(argv: list[str]) -> int:
    try:
        choose_language(argv)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    output.set_level(args.verbosity)
    output.detail(_("warta {version}: language {lang}", version=__version__, lang=i18n.get_language()))
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    if args.chdir:
        try:
            os.chdir(args.chdir)
        except OSError as exc:
            raise UsageError(_("cannot enter {folder}: {reason}", folder=args.chdir, reason=exc.strerror)) from None
    code: int = args.func(args)
    return code


def _report(exc: WartaError, as_json: bool) -> int:
    """Print a failure: its findings and message on stderr, or the JSON error document on stdout."""
    if as_json:
        print(json.dumps(json_document(error=exc), ensure_ascii=False, indent=2))
        return exc.exit_code
    if isinstance(exc, ArgumentsError):
        print(exc.usage, end="", file=sys.stderr)
        print(f"{exc.prog}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    for finding in exc.findings:
        print(finding.format(code=True), file=sys.stderr)
    if not exc.findings or str(exc) != "\n".join(f.format() for f in exc.findings):
        print(f"warta: error: {exc}", file=sys.stderr)
    return exc.exit_code
