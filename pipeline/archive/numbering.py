"""Archive numbers (nomor arsip): pure allocation from the register and the template in ``warta.yml``.

Seed 002 step 5: a release that is approved and signed is "diberi nomor klasifikasi, nomor arsip". The
number comes from ``archive.number_format`` (placeholders ``{kode}`` ``{urut}`` ``{unit}`` ``{tahun}``;
``{urut}`` may carry a format spec such as ``{urut:03d}``), for example ``400.14.9/12/DPMK/2025``.

The sequence (``urut``) runs per ``archive.sequence``: per classification and year (the regional
practice, DOMAIN.md), per year, or continuously. A new number continues after the highest number of its
sequence in the register: numbers are never reused (a withdrawn item keeps its number) and never
skipped, and an item that already has a record is never numbered again, so allocating twice with the
first result recorded allocates nothing.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from pipeline.config import SiteConfig
from pipeline.errors import ConfigError
from pipeline.i18n import _

PLACEHOLDERS = ("kode", "urut", "unit", "tahun")
_SAMPLE = {"kode": "400.14.9", "urut": 7, "unit": "DPMK", "tahun": 2025}


class NumberedRecord(Protocol):
    """What allocation needs of an existing record (:class:`pipeline.archive.records.ArchiveRecord`)."""

    @property
    def path(self) -> str: ...
    @property
    def number(self) -> str: ...
    @property
    def urut(self) -> int: ...
    @property
    def tahun(self) -> int: ...
    @property
    def kode(self) -> str: ...


@dataclass(frozen=True)
class NumberRequest:
    """A newly approved item that needs a number: its path, classification code and approval time."""

    path: str
    kode: str
    approved_at: dt.datetime  # with a time zone; the year is taken in the site's time zone


@dataclass(frozen=True)
class Allocation:
    """The number given to one item."""

    path: str
    number: str
    kode: str
    urut: int
    tahun: int


@dataclass(frozen=True)
class ParsedNumber:
    """The parts read back from a number; a part the template does not hold is None."""

    kode: str | None
    urut: int
    unit: str | None
    tahun: int | None


def sequence_key(kode: str, tahun: int, sequence: str) -> tuple[str, int]:
    """The sequence a number belongs to: ``(kode, tahun)``, ``("", tahun)`` or ``("", 0)``."""
    if sequence == "per-klasifikasi-per-tahun":
        return (kode, tahun)
    if sequence == "per-tahun":
        return ("", tahun)
    if sequence == "continuous":
        return ("", 0)
    raise ConfigError(_("archive.sequence: unknown sequence '{sequence}'", sequence=sequence))


def template_problem(template: str, sequence: str) -> str | None:
    """Why ``template`` cannot give unique numbers under ``sequence``, or None when it can."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        return _("archive.number_format: {exc} in '{template}' (write literal braces as {{{{ and }}}})",
                 exc=exc, template=template)
    names: set[str] = set()
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in PLACEHOLDERS:
            return (_("archive.number_format: unknown placeholder {{{name}}}; use {{kode}} {{urut}} {{unit}} {{tahun}}",
                      name=name))
        if conversion:
            return _("archive.number_format: {{{name}!{conversion}}} is not supported; write {{{name}}}",
                     name=name, conversion=conversion)
        if spec and name != "urut":
            return (f"archive.number_format: only {{urut}} takes a format, e.g. {{urut:03d}} "
                    f"(got {{{name}:{spec}}})")
        if spec and not re.fullmatch(r"0?\d*d?", spec):
            return _("archive.number_format: {{urut:{spec}}} is not a number format; use e.g. {{urut:03d}}", spec=spec)
        names.add(name)
    try:
        template.format(**_SAMPLE)
    except (ValueError, KeyError, IndexError) as exc:
        return _("archive.number_format: '{template}' cannot be filled in: {exc}", template=template, exc=exc)
    if "urut" not in names:
        return _("archive.number_format: must contain {urut}, the sequence number")
    if sequence == "per-klasifikasi-per-tahun" and "kode" not in names:
        return (_("archive.number_format: the sequence restarts per classification, so the number needs {kode} or two "
                  "items would get the same number"))
    if sequence in ("per-klasifikasi-per-tahun", "per-tahun") and "tahun" not in names:
        return (_("archive.number_format: the sequence restarts every year, so the number needs {tahun} or numbers would "
                  "repeat from one year to the next; or use sequence: continuous"))
    return None


def format_number(template: str, *, kode: str, urut: int, unit: str, tahun: int) -> str:
    """Fill in the template, e.g. ``{kode}/{urut}/{unit}/{tahun}`` -> ``400.14.9/12/DPMK/2025``."""
    return template.format(kode=kode, urut=urut, unit=unit, tahun=tahun)


def number_year(approved_at: dt.datetime, config: SiteConfig) -> int:
    if approved_at.tzinfo is None:
        raise ValueError(_("approved_at needs a time zone"))
    return approved_at.astimezone(config.tz).year


def allocate(
    existing: Sequence[NumberedRecord], new_items: Sequence[NumberRequest], config: SiteConfig
) -> list[Allocation]:
    """Give each new item without a record the next number of its sequence.

    New items are numbered in the order they were approved (then by path), so two runs over the same
    register and the same approvals give the same numbers. Items that already have a record, and
    repeated requests for one path, get nothing more. Raises :class:`ConfigError` when the template
    would repeat a number.
    """
    archive = config.archive
    problem = template_problem(archive.number_format, archive.sequence)
    if problem:
        raise ConfigError(problem)
    numbered = {r.path for r in existing}
    taken = {r.number for r in existing}
    highest: dict[tuple[str, int], int] = {}
    for record in existing:
        key = sequence_key(record.kode, record.tahun, archive.sequence)
        highest[key] = max(highest.get(key, 0), record.urut)

    out: list[Allocation] = []
    for request in sorted(new_items, key=lambda r: (r.approved_at, r.path)):
        if request.path in numbered:
            continue
        numbered.add(request.path)
        tahun = number_year(request.approved_at, config)
        key = sequence_key(request.kode, tahun, archive.sequence)
        urut = highest.get(key, 0) + 1
        highest[key] = urut
        number = format_number(archive.number_format, kode=request.kode, urut=urut,
                               unit=config.site.unit_code, tahun=tahun)
        if number in taken:
            raise ConfigError(_("archive.number_format '{number_format}' gives {number} to {path}, but that number is "
                                "already taken; the template must tell every sequence apart",
                                number_format=archive.number_format, number=number, path=request.path))
        taken.add(number)
        out.append(Allocation(request.path, number, request.kode, urut, tahun))
    return out


_PATTERNS = {
    "kode": r"[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*",
    "urut": r"\d+",
    "unit": r".+?",
    "tahun": r"\d{4}",
}


def _regex(template: str) -> re.Pattern[str]:
    pattern: list[str] = []
    seen: set[str] = set()
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        pattern.append(re.escape(literal))
        if name is None:
            continue
        if name not in _PATTERNS:
            raise ValueError(_("unknown placeholder {{{name}}}", name=name))
        pattern.append(f"(?P={name})" if name in seen else f"(?P<{name}>{_PATTERNS[name]})")
        seen.add(name)
    return re.compile("".join(pattern))


def parse_number(text: str, template: str) -> ParsedNumber | None:
    """Read the parts of a number written with ``template``; None when it does not fit the template."""
    try:
        match = _regex(template).fullmatch(text.strip())
    except ValueError:
        return None
    if match is None or "urut" not in match.groupdict():
        return None
    parts = match.groupdict()
    return ParsedNumber(
        kode=parts.get("kode"),
        urut=int(parts["urut"]),
        unit=parts.get("unit"),
        tahun=int(parts["tahun"]) if parts.get("tahun") else None,
    )
