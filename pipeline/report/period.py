"""Report periods (``2026-11``, ``2026-Q4``, ``2026-H2``, ``2026``) and recurring time standards.

A period is a span of whole days in the site's time zone, ``start`` inclusive and ``end`` exclusive. A
recurring Waktu ("1 x 3 bulan", "tiap bulan", "1 x 6 Bulan") cuts the calendar into periods aligned on
the year (months from January; weeks from Monday; days): "1 x 3 bulan" is the four quarters, "1 x 6
bulan" the two halves, "tiap bulan" the months; each period needs ``times`` documents.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from pipeline.i18n import _
from pipeline.sop import Waktu

_PERIOD = re.compile(r"^(\d{4})(?:-(?:(0[1-9]|1[0-2])|Q([1-4])|H([12])))?$")
MONTHS_ID = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
             "Oktober", "November", "Desember")


@dataclass(frozen=True, order=True)
class Period:
    start: dt.date
    end: dt.date  # exclusive
    label: str

    def contains(self, day: dt.date) -> bool:
        return self.start <= day < self.end

    def start_at(self, tz: dt.tzinfo) -> float:
        return dt.datetime.combine(self.start, dt.time(), tz).timestamp()

    def end_at(self, tz: dt.tzinfo) -> float:
        return dt.datetime.combine(self.end, dt.time(), tz).timestamp()

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    def months(self) -> list[Period]:
        """The calendar months of the period, in order."""
        out: list[Period] = []
        day = self.start
        while day < self.end:
            out.append(month(day.year, day.month))
            day = add_months(day, 1)
        return out


def add_months(day: dt.date, n: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def month(year: int, number: int) -> Period:
    start = dt.date(year, number, 1)
    return Period(start, add_months(start, 1), f"{year}-{number:02d}")


def parse_period(text: str) -> Period:
    """``2026-11`` (a month), ``2026-Q4`` (a quarter), ``2026-H2`` (a half year) or ``2026`` (a year).
    Raises ``ValueError`` saying what can be written."""
    m = _PERIOD.match(text.strip())
    if m is None:
        raise ValueError(_("'{text}' is not a period: write a month (2026-11), a quarter (2026-Q4), a half year "
                           "(2026-H2) or a year (2026)", text=text))
    year = int(m[1])
    if year < 1970:
        raise ValueError(_("'{text}': the year must be 1970 or later", text=text))
    if m[2]:
        return month(year, int(m[2]))
    if m[3]:
        start = dt.date(year, 3 * int(m[3]) - 2, 1)
        return Period(start, add_months(start, 3), f"{year}-Q{m[3]}")
    if m[4]:
        start = dt.date(year, 6 * int(m[4]) - 5, 1)
        return Period(start, add_months(start, 6), f"{year}-H{m[4]}")
    return Period(dt.date(year, 1, 1), dt.date(year + 1, 1, 1), str(year))


def describe(period: Period) -> str:
    """``November 2026``, ``Triwulan IV 2026``, ``Semester II 2026``, ``Tahun 2026``."""
    label = period.label
    if re.fullmatch(r"\d{4}-\d{2}", label):
        return f"{MONTHS_ID[period.start.month - 1]} {period.start.year}"
    if "-Q" in label:
        return f"Triwulan {('I', 'II', 'III', 'IV')[int(label[-1]) - 1]} {period.start.year}"
    if "-H" in label:
        return f"Semester {('I', 'II')[int(label[-1]) - 1]} {period.start.year}"
    return f"Tahun {label}"


def recurrence_period(waktu: Waktu, day: dt.date) -> Period | None:
    """The period of a recurring Waktu that holds ``day`` (None when the Waktu is not a regular
    recurrence: a duration, or "sesuai jadwal")."""
    if waktu.recurrence is None or waktu.every is None or waktu.unit is None:
        return None
    every = waktu.every
    if waktu.unit == "bulan":
        index = (day.month - 1) // every * every
        start = dt.date(day.year, index + 1, 1)
        end = add_months(start, every)
        if every == 1:
            return Period(start, end, f"{start.year}-{start.month:02d}")
        if every == 3:
            return Period(start, end, f"{start.year}-Q{index // 3 + 1}")
        if every == 6:
            return Period(start, end, f"{start.year}-H{index // 6 + 1}")
        return Period(start, end, f"{start.isoformat()}/{end.isoformat()}")
    if waktu.unit == "tahun":
        start = dt.date(day.year - (day.year % every), 1, 1)
        return Period(start, dt.date(start.year + every, 1, 1), str(start.year))
    if waktu.unit == "minggu":
        monday = day - dt.timedelta(days=day.weekday())
        # weeks counted from the first Monday of 2001 (a fixed origin, so 'tiap 2 minggu' is stable)
        offset = ((monday - dt.date(2001, 1, 1)).days // 7) % every
        start = monday - dt.timedelta(days=7 * offset)
        end = start + dt.timedelta(days=7 * every)
        return Period(start, end, f"{start.isoformat()}/{end.isoformat()}")
    offset = (day - dt.date(2001, 1, 1)).days % every
    start = day - dt.timedelta(days=offset)
    return Period(start, start + dt.timedelta(days=every), start.isoformat())


def recurrence_periods(waktu: Waktu, span: Period) -> list[Period]:
    """The periods of a recurring Waktu that overlap ``span``, in order."""
    out: list[Period] = []
    day = span.start
    while day < span.end:
        found = recurrence_period(waktu, day)
        if found is None:
            return []
        out.append(found)
        day = found.end
    return out
