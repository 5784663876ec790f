"""The archive register on the website: ``/daftar-arsip/``, by year and by classification.

Seed 002 step 5 files each approved release under its classification and archive number; the records
under ``arsip/`` (:mod:`pipeline.archive.records`) are that register, and these pages show it to the
public. ``/arsip/`` is a different thing: the published items by year, as cards. Pure: records and the
addresses of the pages this build writes in, rows and pages out.

Addresses (``docs/site.md``)::

    daftar-arsip/                                 years and classifications, with counts
    daftar-arsip/<tahun>/[hal/<n>/]               every record numbered in that year, in number order
    daftar-arsip/klasifikasi/<kode>/[hal/<n>/]    every record under that classification code, newest year first

A row shows the number, the title (a link when the item's page is on the site and not withdrawn), the
classification code and title, the item's date (as its page shows it) and the status with the day the item
went public on this site. Withdrawn records stay listed (a
number is never reused or removed) without a link.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from pipeline.archive.records import ArchiveRecord

BASE = "daftar-arsip/"
ROWS_PER_PAGE = 100
Status = Literal["terbit", "dicabut", "belum"]


def year_url(tahun: int) -> str:
    return f"{BASE}{tahun}/"


def klasifikasi_url(code: str) -> str:
    # codes are digits or letters separated by dots (ArchiveRecord checks it): safe as a folder name
    return f"{BASE}klasifikasi/{code}/"


def page_url(base: str, number: int) -> str:
    return base if number == 1 else f"{base}hal/{number}/"


def _code_key(code: str) -> tuple[tuple[int, int | str], ...]:
    """``400.14.9`` before ``400.14.10``: numeric parts compare as numbers."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in code.split("."))


@dataclass(frozen=True)
class Row:
    """One record as the register pages show it."""

    number: str
    anchor: str  # the row's id on its year page
    title: str
    url: str | None  # site-relative address of the item's page, when it is on the site and not withdrawn
    code: str
    code_title: str
    tahun: int
    urut: int
    published_at: dt.datetime | None
    status: Status
    withdrawn_at: dt.datetime | None = None
    date: dt.datetime | None = None  # the item's own date (front matter `date`), as its page shows it
    imported: bool = False  # published before warta: the day it came onto this site is not when it went public

    @property
    def sort_key(self) -> tuple[int, tuple[tuple[int, int | str], ...], int, str]:
        return (self.tahun, _code_key(self.code), self.urut, self.number)


class Paged:
    """Addresses of a numbered page among ``total`` (page 1 is ``base``, then ``base/hal/N/``)."""

    base: str
    number: int
    total: int

    def url(self, number: int) -> str:
        return page_url(self.base, number)

    @property
    def page_url(self) -> str:
        return self.url(self.number)

    @property
    def prev_url(self) -> str | None:
        return self.url(self.number - 1) if self.number > 1 else None

    @property
    def next_url(self) -> str | None:
        return self.url(self.number + 1) if self.number < self.total else None

    @property
    def window(self) -> list[int | None]:
        """The page numbers the pagination links: the first, the last and two either side of this one;
        None where pages are left out (shown as an ellipsis). At most 9 entries, however many pages."""
        near = range(max(1, self.number - 2), min(self.total, self.number + 2) + 1)
        shown = sorted({1, self.total, *near})
        out: list[int | None] = []
        for n in shown:
            if out and n - (out[-1] or 0) > 1:
                out.append(None)
            out.append(n)
        return out


@dataclass(frozen=True)
class RegisterPage(Paged):
    """One page of a register list (a year or a classification)."""

    base: str  # address of page 1
    number: int
    total: int
    rows: tuple[Row, ...]
    heading_year: int | None = None
    heading_code: tuple[str, str] | None = None


@dataclass
class Register:
    """Everything the register pages show, and where each record's row is."""

    rows: list[Row]
    years: list[tuple[int, int]]  # (tahun, records), newest first
    codes: list[tuple[str, str, int]]  # (code, title, records), in code order
    pages: list[RegisterPage] = field(default_factory=list)
    row_url: dict[str, str] = field(default_factory=dict)  # number -> year page address with #anchor

    @property
    def urls(self) -> list[str]:
        return [BASE, *(p.page_url for p in self.pages)]


def _paginate(
    base: str,
    rows: list[Row],
    per_page: int,
    *,
    year: int | None = None,
    code: tuple[str, str] | None = None,
) -> list[RegisterPage]:
    total = max(1, -(-len(rows) // per_page))
    return [
        RegisterPage(base, n + 1, total, tuple(rows[n * per_page : (n + 1) * per_page]), year, code)
        for n in range(total)
    ]


def make_register(
    records: Iterable[ArchiveRecord],
    page_of: Callable[[str], str | None],
    *,
    hidden: Callable[[str], bool] = lambda _: False,
    per_page: int = ROWS_PER_PAGE,
    tz: dt.tzinfo = dt.UTC,
    date_of: Callable[[str], dt.datetime | None] = lambda _: None,
) -> Register:
    """The register of ``records``.

    ``page_of(path)``: the site-relative address of the item's page in this build, or None when it has
    none. ``hidden(path)``: records never shown (an item now marked dikecualikan: its title must appear
    nowhere, UU 14/2008 Pasal 17). Times are shown in ``tz`` (the site's time zone). ``date_of(path)``: the
item's own date, shown as its page shows it (None for an item not in this build).
    """
    rows: list[Row] = []
    for record in records:
        if hidden(record.path):
            continue
        address = page_of(record.path)
        withdrawn = record.status == "dicabut"
        status: Status = "dicabut" if withdrawn else "terbit" if record.published_at or address else "belum"
        rows.append(
            Row(
                number=record.number,
                anchor=f"r-{record.tahun}-{record.kode}-{record.urut}",
                title=record.title,
                url=None if withdrawn else address,
                code=record.kode,
                code_title=record.klasifikasi.title,
                tahun=record.tahun,
                urut=record.urut,
                published_at=record.published_at.astimezone(tz) if record.published_at else None,
                status=status,
                withdrawn_at=record.dicabut_at.astimezone(tz) if record.dicabut_at else None,
                date=date_of(record.path),
                imported=record.imported,
            )
        )
    rows.sort(key=lambda r: r.sort_key)
    by_year: dict[int, list[Row]] = defaultdict(list)
    by_code: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_year[row.tahun].append(row)
        by_code[row.code].append(row)
    titles: dict[str, str] = {}
    for row in rows:
        titles[row.code] = row.code_title  # the newest record's title of a code wins (sorted by year)
    register = Register(
        rows=rows,
        years=[(y, len(by_year[y])) for y in sorted(by_year, reverse=True)],
        codes=[(c, titles[c], len(by_code[c])) for c in sorted(by_code, key=_code_key)],
    )
    for tahun, _ in register.years:
        pages = _paginate(year_url(tahun), by_year[tahun], per_page, year=tahun)
        register.pages.extend(pages)
        for page in pages:
            for row in page.rows:
                register.row_url[row.number] = f"{page.page_url}#{row.anchor}"
    for code, title, _ in register.codes:
        newest_first = sorted(by_code[code], key=lambda r: (-r.tahun, r.urut, r.number))
        register.pages.extend(_paginate(klasifikasi_url(code), newest_first, per_page, code=(code, title)))
    return register
