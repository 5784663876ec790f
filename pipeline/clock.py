"""The run's clock: the real time, or ``WARTA_NOW`` (a test hook of :mod:`pipeline.publish.hooks`).

Its own small module so that ``warta status`` reads the same clock as ``warta publish`` without
importing the publish package (its site build, media and announcements: half a second of imports).
"""

from __future__ import annotations

import datetime as dt
import os

from pipeline.errors import UsageError
from pipeline.i18n import _

NOW_ENV = "WARTA_NOW"


def clock(now: dt.datetime | None, tz: dt.tzinfo) -> tuple[dt.datetime, bool]:
    """The run's clock: ``now``, else ``WARTA_NOW`` (test hook), else the real time; and whether it was
    set by hand."""
    if now is not None:
        return (now if now.tzinfo else now.replace(tzinfo=tz)), True
    raw = os.environ.get(NOW_ENV, "").strip()
    if raw:
        try:
            moment = dt.datetime.fromisoformat(raw)
        except ValueError:
            raise UsageError(_("{name}={value} is not an ISO 8601 time such as 2026-01-31T08:00:00+07:00",
                               name=NOW_ENV, value=repr(raw))) from None
        return (moment if moment.tzinfo else moment.replace(tzinfo=tz)), True
    return dt.datetime.now(tz), False
