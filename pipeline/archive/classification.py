"""Kode Klasifikasi Arsip: the classification tables, lookups, suggestions and checks.

Two schemes are shipped as data files in ``pipeline/data/klasifikasi/``: Permendagri 83/2022 (current)
and the older decimal Permendagri 78/2012 (still used by OpenSID villages); ``warta.yml``
``archive.scheme`` picks one. A site may replace a table with its own copy in
``klasifikasi/<scheme>.yaml`` (the office's archivist confirms the codes locally, DOMAIN.md).
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from pydantic import Field, field_validator

from pipeline import yamlio
from pipeline.config import CONFIG_FILE, SiteConfig
from pipeline.content import Item
from pipeline.errors import ConfigError, Finding
from pipeline.i18n import _
from pipeline.schema import Strict, validate

Scheme = Literal["permendagri-83-2022", "permendagri-78-2012"]
SCHEMES: tuple[str, ...] = get_args(Scheme)
DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "klasifikasi"
SITE_DIR = "klasifikasi"  # <root>/klasifikasi/<scheme>.yaml replaces the shipped table

_CODE_RE = {
    "permendagri-83-2022": re.compile(r"^\d{3}(?:\.\d{1,3}){0,4}$"),
    "permendagri-78-2012": re.compile(r"^\d{3}(?:\.\d{1,3})?$"),
}
# Ministry (kementerian) codes such as HM.02.01 belong to central-government schemes (DOMAIN.md).
_MINISTRY_RE = re.compile(r"^[A-Za-z]{2,3}[.\s]?\d")


class _Entry(Strict):
    code: str = Field(min_length=1)
    title: str = Field(min_length=1)
    use: str | None = None


class _TableFile(Strict):
    scheme: Scheme
    name: str = Field(min_length=1)
    codes: list[_Entry] = Field(min_length=1)

    @field_validator("codes")
    @classmethod
    def _unique(cls, value: list[_Entry]) -> list[_Entry]:
        seen: set[str] = set()
        for entry in value:
            if entry.code in seen:
                raise ValueError(_("code {code} is listed twice", code=entry.code))
            seen.add(entry.code)
        return value


@dataclass(frozen=True)
class Classification:
    """One code of a table: its title (Indonesian, as in the regulation) and what warta files under it."""

    code: str
    title: str
    use: str | None
    parent: str | None


def parent_code(code: str, scheme: str) -> str | None:
    """The code one level up, or None at the top (``400.14.9`` -> ``400.14``; ``481`` -> ``480``)."""
    if scheme == "permendagri-78-2012":
        if "." in code:
            head, tail = code.split(".", 1)
            return f"{head}.{tail[:-1]}" if len(tail) > 1 else head
        if len(code) == 3 and code[2] != "0":
            return code[:2] + "0"
        if len(code) == 3 and code[1] != "0":
            return code[0] + "00"
        return None
    return code.rsplit(".", 1)[0] if "." in code else None


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


class ClassificationTable:
    """A loaded table: ``get``, ``title``, ``ancestors``, ``suggest`` and ``validate``."""

    def __init__(self, scheme: str, name: str, entries: Sequence[Classification], source: str) -> None:
        self.scheme = scheme
        self.name = name
        self.source = source
        self._entries = {e.code: e for e in entries}

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code in self._entries

    def __iter__(self) -> Iterator[Classification]:
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def codes(self) -> list[str]:
        return list(self._entries)

    def get(self, code: str) -> Classification | None:
        return self._entries.get(code.strip())

    def title(self, code: str) -> str:
        """The title of ``code``; raises ``KeyError`` with the table's name if it is not in the table."""
        entry = self.get(code)
        if entry is None:
            raise KeyError(_("{code} is not in the {name} table", code=code, name=self.name))
        return entry.title

    def ancestors(self, code: str) -> list[Classification]:
        """The branches above ``code`` that are in the table, nearest first."""
        out: list[Classification] = []
        parent = parent_code(code.strip(), self.scheme)
        while parent is not None:
            entry = self._entries.get(parent)
            if entry is not None:
                out.append(entry)
            parent = parent_code(parent, self.scheme)
        return out

    def children(self, code: str) -> list[Classification]:
        return [e for e in self._entries.values() if e.parent == code]

    def is_within(self, code: str, branch: str) -> bool:
        """True when ``code`` is ``branch`` or sits anywhere below it."""
        code, branch = code.strip(), branch.strip()
        if code == branch:
            return True
        parent = parent_code(code, self.scheme)
        while parent is not None:
            if parent == branch:
                return True
            parent = parent_code(parent, self.scheme)
        return False

    def suggest(self, code: str, n: int = 3) -> list[str]:
        """The ``n`` nearest codes: those sharing the longest prefix first, then by string similarity.

        Text that is not a code (``publikasi``) is matched against the titles instead.
        """
        text = code.strip()
        lowered = text.lower()
        wordy = bool(re.search(r"[A-Za-z]{3,}", text)) and not _MINISTRY_RE.match(text)

        def score(entry: Classification) -> tuple[float, float, int, str]:
            if wordy:
                title = entry.title.lower()
                hit = 1.0 if lowered in title else difflib.SequenceMatcher(None, lowered, title).ratio()
                return (-hit, 0.0, len(entry.code), entry.code)
            similarity = difflib.SequenceMatcher(None, text, entry.code).ratio()
            return (-_common_prefix(text, entry.code), -similarity, len(entry.code), entry.code)

        ranked = sorted((e for e in self._entries.values() if e.code != text), key=score)
        return [e.code for e in ranked[: max(n, 0)]]

    def describe(self, code: str) -> str:
        entry = self.get(code)
        return f"{code} ({entry.title})" if entry else code

    def validate(self, code: str) -> str | None:
        """None when ``code`` is in the table, else one message naming the nearest codes."""
        text = code.strip()
        if not text:
            return "klasifikasi is empty; write a code such as " + self.describe(self.codes[-1])
        if text in self._entries:
            return None
        near = ", ".join(self.describe(c) for c in self.suggest(text))
        if _MINISTRY_RE.match(text):
            if text.upper().startswith("HM"):  # HM = Hubungan Masyarakat in the ministries' schemes
                near = ", ".join(self.describe(c) for c in self.suggest("Hubungan Masyarakat", 1))
            return (_("'{text}' looks like a ministry code (HM, KP, ...); regional offices use the {name} codes, e.g. "
                      "{near}", text=text, name=self.name, near=near))
        message = f"'{text}' is not in the {self.name} table"
        other = _other_scheme(text, self.scheme)
        if other is not None:
            message += f" (it is a {other.name} code; warta.yml archive.scheme is {self.scheme})"
        elif not _CODE_RE[self.scheme].match(text):
            message += " and is not written like one of its codes (digits and dots, e.g. 400.14.9)"
        return f"{message}; nearest: {near}" if near else message


def _other_scheme(code: str, scheme: str) -> ClassificationTable | None:
    for other in SCHEMES:
        if other != scheme:
            table = load_table(other)
            if code in table:
                return table
    return None


@functools.lru_cache(maxsize=16)
def _parse(text: str, source: str, scheme: str) -> ClassificationTable:
    try:
        doc = yamlio.load(text, source)
    except yamlio.YamlSyntaxError as exc:
        raise ConfigError(findings=[exc.finding]) from None
    findings = yamlio.duplicate_key_findings(doc)
    parsed, errors = validate(_TableFile, doc.data, doc)
    findings.extend(errors)
    if parsed is not None:
        if parsed.scheme != scheme:
            findings.append(Finding(source, doc.line_of(("scheme",)),
                                    _("scheme: this file holds {scheme}, expected {scheme2}",
                                      scheme=parsed.scheme, scheme2=scheme), "scheme"))
        for i, entry in enumerate(parsed.codes):
            if not _CODE_RE[scheme].match(entry.code):
                findings.append(Finding(source, doc.line_of(("codes", i, "code")),
                                        _("codes.{i}.code: '{code}' is not a {scheme} code (three digits, then "
                                          "dot-separated numbers)",
                                          i=i, code=entry.code, scheme=scheme), "code"))
    if findings or parsed is None:
        raise ConfigError(findings=findings)
    entries = [Classification(e.code, e.title, e.use, parent_code(e.code, scheme)) for e in parsed.codes]
    known = {e.code for e in entries}
    missing = [
        Finding(source, doc.line_of(("codes", i, "code")),
                _("codes.{i}.code: {code} needs its branch {parent} in the table too", i=i, code=e.code,
                  parent=e.parent), "code")
        for i, e in enumerate(entries) if e.parent is not None and e.parent not in known
    ]
    if missing:
        raise ConfigError(findings=missing)
    return ClassificationTable(scheme, parsed.name, entries, source)


def table_file(scheme: str, root: Path | None = None) -> Path:
    """The file a table is read from: the site's own copy if it has one, else the shipped one."""
    if scheme not in SCHEMES:
        raise ConfigError(_("unknown classification scheme '{scheme}'; use one of {schemes}",
                            scheme=scheme, schemes=', '.join(SCHEMES)))
    if root is not None:
        own = root / SITE_DIR / f"{scheme}.yaml"
        if own.is_file():
            return own
    return DATA_DIR / f"{scheme}.yaml"


def load_table(scheme: str, root: Path | None = None) -> ClassificationTable:
    """Load the table of ``scheme`` (``warta.yml`` ``archive.scheme``). Raises :class:`ConfigError`."""
    file = table_file(scheme, root)
    inside = root is not None and file.is_relative_to(root)
    source = file.relative_to(root).as_posix() if root is not None and inside else str(file)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problem = Finding(source, None, _("cannot read the classification table: {exc}", exc=exc))
        raise ConfigError(findings=[problem]) from None
    return _parse(text, source, scheme)


def validate_code(code: str, scheme: str, root: Path | None = None) -> str | None:
    """Shortcut for ``load_table(scheme, root).validate(code)``."""
    return load_table(scheme, root).validate(code)


def config_findings(root: Path, config: SiteConfig) -> list[Finding]:
    """Check the default code of every kind in ``warta.yml`` against the chosen table."""
    table = load_table(config.archive.scheme, root)
    try:
        text = (root / CONFIG_FILE).read_text(encoding="utf-8")
        doc: yamlio.YamlDocument | None = yamlio.load(text, CONFIG_FILE)
    except (OSError, UnicodeDecodeError, yamlio.YamlSyntaxError):
        doc = None
    findings: list[Finding] = []
    for kind, section in config.kinds.items():
        if section.klasifikasi is None:
            continue
        problem = table.validate(section.klasifikasi)
        if problem:
            line = doc.line_of(("kinds", kind, "klasifikasi")) if doc else None
            findings.append(Finding(CONFIG_FILE, line, _("kinds.{kind}.klasifikasi: {problem}", kind=kind, problem=problem),
                                    "klasifikasi"))
    return findings


def item_findings(items: Iterable[Item], table: ClassificationTable) -> list[Finding]:
    """Check each item's ``klasifikasi`` (front matter, or the kind's default) against ``table``.

    A code written in the front matter is reported at its line; a default from ``warta.yml`` at line 1
    of the item, saying where the code came from.
    """
    findings: list[Finding] = []
    for item in items:
        code = item.klasifikasi
        if code is None:
            findings.append(Finding(item.path, 1, _("klasifikasi: no archive classification code; write one in the front "
                                                    "matter or set kinds.{kind}.klasifikasi in warta.yml",
                                                    kind=item.kind), "klasifikasi"))
            continue
        problem = table.validate(code)
        if problem is None:
            continue
        if item.meta.klasifikasi is not None:
            findings.append(Finding(item.path, item.line_of("klasifikasi"), _("klasifikasi: {problem}", problem=problem),
                                    "klasifikasi"))
        else:
            findings.append(Finding(item.path, 1, _("klasifikasi (default of kind {kind} in warta.yml): {problem}",
                                                    kind=item.kind, problem=problem), "klasifikasi"))
    return findings
