"""``make messages``: extract warta's messages, update the Indonesian catalogue, compile it (Babel).

    python tools/messages.py            # extract + update warta.po + compile warta.mo
    python tools/messages.py --check    # exit 1 listing what is missing or stale (tests and CI)

Messages are the literal first argument of ``_()``, ``N_()`` and ``ngettext()`` (singular, plural) in
``pipeline/**.py`` (see the docstring of ``pipeline/i18n.py``). The catalogue is written sorted by msgid,
without source locations and with a fixed header date, so two branches adding messages rarely conflict and
re-running changes nothing. Entries whose msgid left the code are dropped. Babel is a development
dependency only (the ``test`` extra); at run time warta reads the ``.mo`` with the standard library.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, unescape, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "pipeline"
LOCALE = PACKAGE / "locale"
DOMAIN = "warta"
LANGUAGES = ("id",)  # en is the source language: no catalogue
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
MAPPING = ROOT / "babel.cfg"
FIXED_DATE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)  # header dates never change: no merge conflicts
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)[^{}]*\}")

MsgId = str | tuple[str, str]


def po_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / f"{DOMAIN}.mo"


def extract() -> dict[MsgId, None]:
    """Every msgid in the code, in first-seen order (singular, plural) for plural messages."""
    found: dict[MsgId, None] = {}
    with MAPPING.open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, str(MAPPING))
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, comment_tags=(), strip_comment_tags=True,
    ):
        if isinstance(message, tuple):
            if len(message) >= 2 and message[0] and message[1]:
                found[(message[0], message[1])] = None
        elif message:
            found[message] = None
    return found


def read(language: str) -> Catalog:
    path = po_path(language)
    if not path.is_file():
        return Catalog(locale=language, domain=DOMAIN)
    with path.open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN)


def updated(language: str, msgids: Iterable[MsgId]) -> Catalog:
    """A new catalogue with exactly ``msgids``, each keeping its existing translation."""
    old = read(language)
    new = Catalog(locale=language, domain=DOMAIN, project="warta", version="", copyright_holder="warta",
                  creation_date=FIXED_DATE, revision_date=FIXED_DATE, fuzzy=False,
                  language_team=f"{language} <warta>", last_translator="warta",
                  header_comment="# Messages of warta in this language: see the docstring of pipeline/i18n.py.")
    for msgid in msgids:
        key = msgid[0] if isinstance(msgid, tuple) else msgid
        previous = old.get(key)
        string: str | tuple[str, ...] = ("",) if isinstance(msgid, tuple) else ""
        if previous is not None and previous.string:
            string = previous.string
            if isinstance(msgid, tuple) and isinstance(string, str):
                string = (string,)
            if not isinstance(msgid, tuple) and isinstance(string, tuple):
                string = string[0]
        new.add(msgid, string)
    return new


def po_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, width=110, no_location=True, sort_output=True, include_previous=False)
    return out.getvalue()


def mo_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def entry_problems(po: Path) -> list[str]:
    """What a merge can leave in the ``.po`` that Babel reads without a word (it keeps one side and drops the
    other): a msgid in two entries, an entry with two msgid, or with two msgstr for one form (git's union
    driver glues both sides' lines together), a msgid without msgstr. Read line by line, as written."""
    found: list[str] = []
    seen: dict[tuple[str, str], int] = {}  # (msgctxt, msgid) -> the line of its entry
    entry: dict[str, Any] = {}
    current: list[str] | None = None  # the string pieces being read (msgctxt or msgid), else None

    def close() -> None:
        nonlocal entry, current
        if "msgid" in entry:
            key = (entry.get("msgctxt", ""), "".join(entry["msgid"]))
            if not entry["msgstr"]:
                found.append(f"{po}:{entry['line']}: msgid {key[1]!r} has no msgstr")
            if key[1] and key in seen:
                found.append(f"{po}:{entry['line']}: msgid {key[1]!r} is also the entry at line {seen[key]}: "
                             "keep one entry")
            seen.setdefault(key, entry["line"])
        entry, current = {}, None

    for number, raw in enumerate(po.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        keyword = line.split(None, 1)[0] if line else ""
        if not line or line.startswith("#"):
            if not line or entry.get("msgstr"):
                close()  # a blank line ends an entry; so does a comment after its msgstr
            current = None
            continue
        if line.startswith('"'):
            if current is not None:
                current.append(unescape(line))
            continue
        text = [unescape(line[len(keyword):].strip())]
        if keyword in ("msgctxt", "msgid") and entry.get("msgstr"):
            close()  # a new entry that follows without a blank line
        if keyword == "msgctxt":
            entry["msgctxt"], current = text, text
        elif keyword == "msgid":
            if "msgid" in entry:
                found.append(f"{po}:{number}: a second msgid in the entry of line {entry['line']} (two entries glued "
                             "together): give each its own msgid and msgstr")
                current = None
                continue
            entry.update(msgid=text, line=number, msgstr=set())
            current = text
        elif keyword.startswith("msgstr"):
            current = None
            if "msgid" not in entry:
                found.append(f"{po}:{number}: msgstr without a msgid")
                continue
            if keyword in entry["msgstr"]:
                found.append(f"{po}:{number}: a second {keyword} for msgid {''.join(entry['msgid'])!r} "
                             f"(line {entry['line']}): keep one translation")
            entry["msgstr"].add(keyword)
        else:
            current = None  # msgid_plural: its text is not part of the key
    close()
    return found


def problems(language: str) -> list[str]:
    """What is wrong with ``language``'s catalogue: entries glued or repeated (:func:`entry_problems`),
    missing or stale entries, empty, fuzzy or wrong texts, a ``.mo`` that is not the ``.po`` compiled."""
    found: list[str] = []
    po = po_path(language)
    if not po.is_file():
        return [f"{po}: missing: run make messages"]
    found.extend(entry_problems(po))
    catalog = read(language)
    code = extract()
    in_po = {m.id for m in catalog if m.id}
    for msgid in code:
        if msgid not in in_po:
            found.append(f"{po}: no entry for {msgid!r}: run make messages, then translate it")
    for message in catalog:
        if not message.id:
            continue
        if message.id not in code:
            found.append(f"{po}: {message.id!r} is not in the code any more: run make messages")
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(s.strip() for s in strings):
            found.append(f"{po}: {ids[0]!r} has no {language} translation")
            continue
        if message.fuzzy:
            found.append(f"{po}: {ids[0]!r} is marked fuzzy: check the translation, remove the flag")
        wanted = placeholders(ids[0])
        for string in strings:
            if placeholders(string) != wanted:
                found.append(f"{po}: {ids[0]!r}: the translation's placeholders {sorted(placeholders(string))} "
                             f"differ from {sorted(wanted)}")
    mo = mo_path(language)
    if not mo.is_file() or mo.read_bytes() != mo_bytes(catalog):
        found.append(f"{mo}: not the compiled {po.name}: run make messages")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0], allow_abbrev=False)
    parser.add_argument("--check", action="store_true", help="only report what is missing or stale")
    args = parser.parse_args(argv)
    if args.check:
        found = [p for language in LANGUAGES for p in problems(language)]
        for line in found:
            print(line, file=sys.stderr)
        return 1 if found else 0
    msgids = extract()
    for language in LANGUAGES:
        catalog = updated(language, msgids)
        po = po_path(language)
        po.parent.mkdir(parents=True, exist_ok=True)
        po.write_bytes(po_bytes(catalog))
        catalog = read(language)  # compile what the file says (as the check does)
        mo_path(language).write_bytes(mo_bytes(catalog))
        untranslated = [m.id for m in catalog if m.id and not all(
            s.strip() for s in (m.string if isinstance(m.string, tuple) else (m.string,)))]
        print(f"{po.relative_to(ROOT)}: {len(msgids)} messages, {len(untranslated)} without {language} text")
        for msgid in untranslated:
            print(f"  to translate: {msgid!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
