"""Working minutes: the time an office was open between two moments, by ``site.office_hours`` and
``site.holidays`` in the site's time zone (``docs/report.md``, "Working minutes").

A step due on Friday at 15:00 and decided on Monday at 08:00 in an office open Monday-Friday 07:30-16:00
took 60 + 30 = 90 working minutes (and 3,900 calendar minutes). Recurring time standards ("1 x 3 bulan",
"tiap bulan") are not durations: :func:`periods` cuts the calendar into the periods they name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from pipeline.config import WEEKDAYS, SiteConfig
from pipeline.i18n import _

DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class OfficeHours:
    """When the office is open: per weekday (0 = Monday) an opening and closing time, and closed days."""

    tz: dt.tzinfo
    spans: dict[int, tuple[dt.time, dt.time]]
    holidays: frozenset[dt.date] = frozenset()

    @classmethod
    def from_config(cls, config: SiteConfig) -> OfficeHours:
        spans = {WEEKDAYS.index(day): span for day, span in config.office_hours.items()}
        return cls(config.tz, spans, frozenset(config.holidays))

    @classmethod
    def default(cls, tz: str = "Asia/Jakarta") -> OfficeHours:
        span = (dt.time(7, 30), dt.time(16, 0))
        return cls(ZoneInfo(tz), dict.fromkeys(range(5), span))

    def span_on(self, day: dt.date) -> tuple[float, float] | None:
        """The day's opening and closing moments (epoch seconds), or None when the office is closed."""
        if day in self.holidays:
            return None
        span = self.spans.get(day.weekday())
        if span is None:
            return None
        start = dt.datetime.combine(day, span[0], self.tz).timestamp()
        end = dt.datetime.combine(day, span[1], self.tz).timestamp()
        return start, end

    def working_seconds(self, start: float, end: float) -> float:
        """Seconds of office time between two moments (epoch seconds); 0 when ``end`` is not later."""
        if end <= start:
            return 0.0
        day = dt.datetime.fromtimestamp(start, self.tz).date()
        last = dt.datetime.fromtimestamp(end, self.tz).date()
        total = 0.0
        if (last - day).days > 14:
            # whole weeks in between count their open hours at once (a step held for months stays cheap)
            total += self._whole_weeks(day + DAY, last)
            weeks = ((last - day).days - 1) // 7
            middle_end = day + DAY + dt.timedelta(days=7 * weeks)
            total += self._days(start, end, day, day)
            total += self._days(start, end, middle_end, last)
            return total
        return self._days(start, end, day, last)

    def _days(self, start: float, end: float, first: dt.date, last: dt.date) -> float:
        total = 0.0
        day = first
        while day <= last:
            span = self.span_on(day)
            if span is not None:
                total += max(0.0, min(end, span[1]) - max(start, span[0]))
            day += DAY
        return total

    def _whole_weeks(self, first: dt.date, last: dt.date) -> float:
        """Open seconds of the whole weeks from ``first`` that end before ``last`` (holidays taken off)."""
        weeks = ((last - first).days) // 7
        if weeks <= 0:
            return 0.0
        week = sum(dt.datetime.combine(dt.date(2001, 1, 1), e).timestamp()
                   - dt.datetime.combine(dt.date(2001, 1, 1), s).timestamp() for s, e in self.spans.values())
        total = week * weeks
        stop = first + dt.timedelta(days=7 * weeks)
        for holiday in self.holidays:
            if first <= holiday < stop:
                span = self.spans.get(holiday.weekday())
                if span is not None:
                    total -= (dt.datetime.combine(holiday, span[1], self.tz).timestamp()
                              - dt.datetime.combine(holiday, span[0], self.tz).timestamp())
        return total

    def working_minutes(self, start: float, end: float) -> float:
        """Minutes of office time between two moments, to one decimal."""
        return round(self.working_seconds(start, end) / 60, 1)

    def deadline(self, start: float, minutes: float) -> float:
        """The moment ``minutes`` of office time after ``start`` (when a step becomes late)."""
        left = minutes * 60.0
        day = dt.datetime.fromtimestamp(start, self.tz).date()
        if not self.spans:
            raise ValueError(_("the office is never open"))
        for _day in range(366 * 20):
            span = self.span_on(day)
            if span is not None and span[1] > start:
                begin = max(start, span[0])
                available = span[1] - begin
                if available >= left:
                    return begin + left
                left -= available
            day += DAY
        raise ValueError(_("no deadline within twenty years"))


def calendar_minutes(start: float, end: float) -> float:
    return round(max(0.0, end - start) / 60, 1)
