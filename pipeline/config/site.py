"""``site:`` of ``warta.yml``: who publishes (name, address, contacts, PPID), office hours and holidays."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, field_validator

from pipeline.i18n import _
from pipeline.schema import Strict


class PpidContact(Strict):
    """The PPID (Pejabat Pengelola Informasi dan Dokumentasi) that answers requests for information."""

    name: str = Field(min_length=1, description="e.g. 'PPID Pelaksana Dinas ... Kabupaten Bantul'.")
    email: str = Field("", description="Address for requests for information and objections.")
    phone: str = Field("", description="Telephone or WhatsApp line of the information desk.")
    address: str = Field("", description="Where the information desk is, when not the office's address.")


# Office hours (site.office_hours): Indonesian weekday names, Monday first, as date.weekday() numbers them.
WEEKDAYS = ("senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu")
DEFAULT_OFFICE_HOURS: dict[str, tuple[dt.time, dt.time]] = {
    day: (dt.time(7, 30), dt.time(16, 0)) for day in WEEKDAYS[:5]
}
_SPAN = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


def _weekday(value: str) -> str:
    if value not in WEEKDAYS:
        close = [day for day in WEEKDAYS if day[:3] == value[:3].lower()]
        hint = _(" (did you mean '{day}'?)", day=close[0]) if close else ""
        raise ValueError(_("unknown day '{value}'{hint}; use one of {weekdays}",
                           value=value, hint=hint, weekdays=', '.join(WEEKDAYS)))
    return value


def _span(value: Any) -> tuple[dt.time, dt.time]:
    """``"07:30-16:00"`` -> (07:30, 16:00); the closing time is after the opening time, 23:59 at the latest."""
    if isinstance(value, tuple):
        return value
    match = _SPAN.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(_('expected opening hours written as "HH:MM-HH:MM", e.g. "07:30-16:00"'))
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = dt.time(h1, m1), dt.time(h2, m2)
    if end <= start:
        raise ValueError(_("the closing time must be after the opening time"))
    return start, end


def _holiday(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(_("expected a date written as YYYY-MM-DD"))


Weekday = Annotated[str, AfterValidator(_weekday)]
Span = Annotated[tuple[dt.time, dt.time], BeforeValidator(_span)]
Holiday = Annotated[dt.date, BeforeValidator(_holiday)]


class SiteSection(Strict):
    """Who publishes: shown on every page, in feeds and on videotron slides."""

    name: str = Field(min_length=1, description="Official name of the office, e.g. 'Dinas ... Kabupaten Bantul'.")
    short_name: str | None = Field(None, description="Short name for narrow places (videotron, header).")
    url: str = Field(description="Public address of the website, https://...")
    language: str = Field("id", pattern=r"^[a-z]{2}(-[A-Z]{2})?$", description="Language of the site (BCP 47).")
    timezone: str = Field("Asia/Jakarta", description="IANA time zone for dates without an offset.")
    unit_code: str = Field(min_length=1, description="Kode unit used in archive numbers, e.g. 'DPMK'.")
    description: str = Field("", description="One sentence about the office, for the home page and feed.")
    phone: str = Field("", description="The office's telephone number, shown in the footer.")
    email: str = Field("", description="The office's public e-mail address, shown in the footer.")
    ppid: PpidContact | None = Field(None, description="The PPID's contact, shown in the footer and service pages.")
    coat_of_arms: str | None = Field(None, description="Path of the regency's coat of arms (optional, shown beside "
                                                       "the logo), relative to the repository root.")
    address: str = Field("", description="Postal address shown in the footer.")
    logo: str | None = Field(None, description="Path of the office logo, relative to the repository root.")
    office_hours: dict[Weekday, Span] = Field(
        default_factory=lambda: dict(DEFAULT_OFFICE_HOURS),
        description="Opening hours per Indonesian weekday (senin ... minggu) as \"HH:MM-HH:MM\" in the site's "
                    "time zone; a day not listed is closed. Default Monday-Friday 07:30-16:00. The footer shows "
                    "them and `warta report` counts working minutes in them.",
    )
    holidays: tuple[Holiday, ...] = Field(
        (), description="Days with no office hours (ISO dates, e.g. \"2026-12-25\").",
    )

    @field_validator("office_hours")
    @classmethod
    def _open_some_day(cls, value: dict[str, tuple[dt.time, dt.time]]) -> dict[str, tuple[dt.time, dt.time]]:
        if not value:
            raise ValueError(_("at least one day needs opening hours (leave the key out for Monday-Friday 07:30-16:00)"))
        return {day: value[day] for day in WEEKDAYS if day in value}

    @field_validator("holidays", mode="before")
    @classmethod
    def _listed_days(cls, value: Any) -> Any:
        if isinstance(value, list):
            return tuple(value)
        if not isinstance(value, tuple):
            raise ValueError(_('expected a list of dates, e.g. ["2026-12-25"]'))
        return value

    @field_validator("holidays")
    @classmethod
    def _sorted_days(cls, value: tuple[dt.date, ...]) -> tuple[dt.date, ...]:
        return tuple(sorted(set(value)))

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+(/\S*)?$", value):
            raise ValueError(_("must be an absolute http(s) address such as https://dinas.bantulkab.go.id"))
        return value.rstrip("/")

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(_("unknown time zone; use an IANA name such as Asia/Jakarta")) from None
        return value
