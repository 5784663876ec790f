"""argparse's own texts (``usage:``, ``options``, ``unrecognized arguments: …``) in the chosen language.

argparse looks its messages up through the module-level ``_`` and ``ngettext`` it imported from
:mod:`gettext`; :func:`install` points them at warta's catalogue (:mod:`pipeline.i18n`), so a help page or
an error of the command line is Indonesian like the rest. The msgids are argparse's own (Python 3.11 to
3.13), listed below with ``N_`` so ``make messages`` extracts them; one argparse does not use is harmless,
one it uses that is not listed stays English.
"""

from __future__ import annotations

import argparse

from pipeline.i18n import N_, catalogue

MESSAGES = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("show program's version number and exit"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("expected one argument"),
    N_("expected at least one argument"),
    N_("not allowed with argument %s"),
    N_("invalid %(type)s value: %(value)r"),
    N_("one of the arguments %s is required"),
)


def _gettext(message: str) -> str:
    return catalogue().gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return catalogue().ngettext(singular, plural, n)


def install() -> None:
    """Make argparse speak the chosen language (call after :func:`pipeline.i18n.set_language`)."""
    setattr(argparse, "_", _gettext)  # noqa: B010 - argparse's private name, looked up at each call
    setattr(argparse, "ngettext", _ngettext)  # noqa: B010
