"""The language of the messages people read: CLI output, findings, refusals, hints, progress.

warta speaks Indonesian by default and English on request. Source texts (msgids) are written in English
in the code; ``pipeline/locale/id/LC_MESSAGES/warta.po`` holds their Indonesian translations and the
compiled ``warta.mo`` beside it is what runs (stdlib :mod:`gettext`, nothing else is imported at start-up).
English (``en``) is the source language itself: no catalogue, every message is its msgid.

Which language (:func:`choose_language`, called once by the CLI): ``--lang`` on the command line, else the
``WARTA_LANG`` environment variable, else the site's ``site.language`` in ``warta.yml``, else ``id``. The
machine's ``LANG``/``LC_*`` never decide: CI runners and many laptops are English.

What stays untranslated, on purpose: the words ``error`` and ``warning`` in ``path:line: error: message
[code]`` (editors' and CI's problem matchers read them), finding codes, ``--json`` keys and values that
programs read, and the official terms the SOP writes (Kelengkapan, paraf, Kasubbag, ...), which are the
same in both languages. The public site's strings are NOT here: they live in ``theme/translations/*.yml``
(:mod:`pipeline.site.i18n`).

How to add a message (every new text a person reads)
----------------------------------------------------
1. Wrap the English text where it is made, with named ``{placeholders}`` filled by keyword::

       from pipeline.i18n import _, ngettext

       raise ApprovalError(_("{path}: step {step} is already approved", path=path, step=no))
       print(ngettext("{n} item checked", "{n} items checked", count, n=count))

   The msgid is the literal first argument, so never build it with an f-string or ``+`` (the extractor
   cannot see it, and the translation would never match). Placeholders are ``str.format`` names.
   A module-level constant uses :func:`N_` (marked for extraction, translated when turned into text)::

       HINT = N_("run warta check first")
       ...  print(str(HINT))   or   _(HINT)   or   f"{HINT}"

2. Add the Indonesian text to ``pipeline/locale/id/LC_MESSAGES/warta.po``: either write the entry by hand
   (msgid exactly as in the code, then its msgstr), or run ``make messages`` first (it extracts every
   msgid into the catalogue with an empty ``msgstr``) and fill the ``msgstr ""`` of your new entries,
   keeping the placeholders exactly::

       msgid "{path}: step {step} is already approved"
       msgstr "{path}: langkah {step} sudah disetujui"

       msgid "{n} item checked"
       msgid_plural "{n} items checked"
       msgstr[0] "{n} item diperiksa"

   (Indonesian has one plural form: ``msgstr[0]`` only.) Keep official terms as the SOP writes them.
3. Run ``make messages`` again: it compiles ``warta.mo``. Commit the ``.po`` and the ``.mo`` together.
   ``tests/test_i18n.py`` fails when a msgid has no Indonesian text, when a placeholder differs, or when
   the ``.mo`` is older than the ``.po``.

On a merge conflict in ``warta.po``: keep both sides' entries (entries are sorted by msgid and carry no
line numbers, so conflicts are rare), then run ``make messages``; never merge ``warta.mo`` by hand, it is
regenerated from the ``.po``.
"""

from __future__ import annotations

import gettext
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

DOMAIN = "warta"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DEFAULT_LANGUAGE = "id"
LANGUAGES = ("id", "en")
LANGUAGE_ENV = "WARTA_LANG"
_CONFIG_FILE = "warta.yml"  # pipeline.config.CONFIG_FILE (not imported: pydantic is slow to import)

_language: str | None = None  # None: not chosen yet; the first message chooses (env, site, default)
_catalogues: dict[str, gettext.NullTranslations] = {}


def normalise(code: str) -> str | None:
    """``id``, ``id-ID``, ``id_ID.UTF-8``, ``EN`` -> a supported language, or None."""
    base = re.split(r"[-_.@]", code.strip(), maxsplit=1)[0].lower()
    return base if base in LANGUAGES else None


def set_language(code: str) -> None:
    """Use ``code`` (``id`` or ``en``) for every message from now on. Unknown codes raise ValueError."""
    global _language
    chosen = normalise(code)
    if chosen is None:
        raise ValueError(_("unknown language {code}: use one of {languages}", code=repr(code),
                           languages=", ".join(LANGUAGES)))
    _language = chosen


def get_language() -> str:
    """The language messages are in; chosen on first use if nobody chose yet."""
    global _language
    if _language is None:
        _language = DEFAULT_LANGUAGE  # a message raised while choosing (a bad WARTA_LANG) is in the default language
        try:
            set_language(choose_language())
        except ValueError:  # a bad WARTA_LANG outside the CLI (which refuses it): never fail a message
            set_language(DEFAULT_LANGUAGE)
    assert _language is not None
    return _language


def site_language(start: Path | None = None) -> str | None:
    """``site.language`` of the nearest ``warta.yml`` upwards from ``start``, read without a YAML parser.

    Only the block form the template writes is read (``site:`` then an indented ``language: xx``); any
    other shape gives None and the default applies. ``warta.yml`` itself is validated by pipeline.config.
    """
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        path = folder / _CONFIG_FILE
        if path.is_file():
            try:
                with path.open(encoding="utf-8", errors="replace") as handle:
                    text = handle.read(256 * 1024)
            except OSError:
                return None
            return _language_in(text)
    return None


def _language_in(text: str) -> str | None:
    in_site = False
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            in_site = line.split("#", 1)[0].rstrip() == "site:"
            continue
        match = re.match(r"^\s+language:\s*[\"']?([A-Za-z_-]+)[\"']?\s*(#.*)?$", line)
        if in_site and match:
            return normalise(match.group(1))
    return None


def choose_language(cli: str | None = None, start: Path | None = None) -> str:
    """``--lang`` > ``WARTA_LANG`` > the site's language > ``id``. An unknown ``--lang`` or ``WARTA_LANG``
    raises ValueError (the CLI turns it into a usage error); an unsupported site language falls back."""
    if cli:
        chosen = normalise(cli)
        if chosen is None:
            raise ValueError(_("--lang {value}: unknown language; use one of {languages}", value=cli,
                               languages=", ".join(LANGUAGES)))
        return chosen
    env = os.environ.get(LANGUAGE_ENV, "").strip()
    if env:
        chosen = normalise(env)
        if chosen is None:
            raise ValueError(_("{name}={value}: unknown language; use one of {languages}", name=LANGUAGE_ENV, value=env,
                               languages=", ".join(LANGUAGES)))
        return chosen
    return site_language(start) or DEFAULT_LANGUAGE


def catalogue(language: str | None = None) -> gettext.NullTranslations:
    """The compiled catalogue of ``language`` (identity for English or a missing ``.mo``)."""
    lang = language or get_language()
    found = _catalogues.get(lang)
    if found is None:
        if lang == "en":
            found = gettext.NullTranslations()
        else:
            found = gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[lang], fallback=True)
        _catalogues[lang] = found
    return found


def _(message: str | LazyText, /, **values: Any) -> str:
    """``message`` in the current language, its ``{placeholders}`` filled from ``values``."""
    msgid = message.msgid if isinstance(message, LazyText) else message
    text = catalogue().gettext(msgid)
    return text.format(**values) if values else text


def ngettext(singular: str, plural: str, n: int, /, **values: Any) -> str:
    """The singular or plural form for ``n`` in the current language, placeholders filled from ``values``."""
    text = catalogue().ngettext(singular, plural, n)
    return text.format(**values) if values else text


class LazyText:
    """A message marked at import time and translated each time it becomes text (see :func:`N_`)."""

    __slots__ = ("msgid",)

    def __init__(self, msgid: str) -> None:
        self.msgid = msgid

    def __str__(self) -> str:
        return _(self.msgid)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __repr__(self) -> str:
        return f"N_({self.msgid!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyText):
            return self.msgid == other.msgid
        return str(self) == other

    def __hash__(self) -> int:
        return hash(self.msgid)

    def __add__(self, other: str) -> str:
        return str(self) + other

    def __radd__(self, other: str) -> str:
        return other + str(self)

    def format(self, *args: Any, **values: Any) -> str:
        return str(self).format(*args, **values)


def N_(message: str) -> LazyText:  # noqa: N802 - the gettext convention, and Babel's default keyword
    """Mark ``message`` for extraction; it is translated when used (module-level constants, defaults)."""
    return LazyText(message)


def reset(language: str | None = None) -> None:
    """Forget the chosen language (tests), or choose ``language``."""
    global _language
    _language = None
    if language is not None:
        set_language(language)


__all__: Sequence[str] = (
    "DEFAULT_LANGUAGE", "LANGUAGES", "LANGUAGE_ENV", "LazyText", "N_", "_", "catalogue", "choose_language",
    "get_language", "ngettext", "reset", "set_language", "site_language",
)
