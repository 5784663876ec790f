"""What is wrong with a date as written: the message and the stable code of a date a schema refuses.

YAML gives a real date only for a valid ``YYYY-MM-DD``; anything else arrives as text, and a person wants to
know *why* it is not a date: ``2025-02-30`` is written correctly but February 2025 has no day 30;
``30-01-2025`` has the year last; ``3 Maret 2025`` uses a month name.
"""

from __future__ import annotations

import calendar
import re

from pipeline.i18n import _

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_WORDS = re.compile(r"^\d{1,2}\s+[A-Za-z]+\s+\d{4}$")


def problem(text: str, *, time_allowed: bool) -> tuple[str, str]:
    """``(code, message)`` for a date written as ``text`` that is not a valid date."""
    form = _("write YYYY-MM-DD or YYYY-MM-DD HH:MM") if time_allowed else _("write YYYY-MM-DD")
    value = text.strip()
    match = _ISO.match(value)
    if match:
        year, month, day = (int(match.group(i)) for i in (1, 2, 3))
        if not 1 <= month <= 12:
            return "date.no-such-month", _("'{value}' has month {month}: there is no such month (01-12)",
                                           value=value, month=month)
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            return "date.no-such-day", _("'{value}' is not a day of the calendar: {month:02d}/{year} has days "
                                         "1 to {last}", value=value, month=month, year=year, last=last)
        if match.group(4) is not None:
            hour, minute = int(match.group(4)), int(match.group(5))
            if hour > 23 or minute > 59 or int(match.group(6) or 0) > 59:
                return "date.no-such-time", _("'{value}' has no such time of day (00:00 to 23:59)", value=value)
        if len(match.group(2)) < 2 or len(match.group(3)) < 2:
            example = f"{year:04d}-{month:02d}-{day:02d}"
            return "date.format", _("'{value}': write the month and the day with two digits, e.g. {example}",
                                    value=value, example=example)
        return "date.format", _("'{value}' is not a valid date; {form}", value=value, form=form)
    match = _DAY_FIRST.match(value)
    if match:
        day, month, year = (int(match.group(i)) for i in (1, 2, 3))
        example = f"{year:04d}-{month:02d}-{day:02d}"
        return "date.day-first", _("'{value}' has the year last; write the year first: {example}",
                                   value=value, example=example)
    if _WORDS.match(value):
        return "date.words", _("'{value}' uses a month name; write it in numbers: {form}", value=value, form=form)
    if not value:
        return "text.empty", _("the date is empty; {form}", form=form)
    return "date.format", _("'{value}' is not a valid date; {form}", value=value, form=form)
