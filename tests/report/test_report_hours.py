"""Working minutes and report periods, against figures worked out by hand in the comments."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest

from pipeline.config import parse_config
from pipeline.report.hours import OfficeHours, calendar_minutes
from pipeline.report.period import describe, parse_period, recurrence_period, recurrence_periods
from pipeline.sop import parse_waktu

WIB = ZoneInfo("Asia/Jakarta")


def at(text: str) -> float:
    """``2026-11-06 15:00`` in WIB (UTC+7) as epoch seconds."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=WIB).timestamp()


DEFAULT = OfficeHours.default()


def test_friday_afternoon_to_monday_morning_counts_only_office_time() -> None:
    # 2026-11-06 is a Friday. 15:00-16:00 Friday = 60, Saturday and Sunday closed, Monday 07:30-08:00 = 30.
    assert DEFAULT.working_minutes(at("2026-11-06 15:00"), at("2026-11-09 08:00")) == 90
    # calendar: Friday 15:00 to Monday 08:00 is 2 days 17 hours = 65 h = 3,900 minutes
    assert calendar_minutes(at("2026-11-06 15:00"), at("2026-11-09 08:00")) == 3900


def test_time_before_opening_and_after_closing_does_not_count() -> None:
    # Tuesday 06:00 to 07:45 -> only 07:30-07:45 = 15; 15:50 to 18:00 -> 15:50-16:00 = 10
    assert DEFAULT.working_minutes(at("2026-11-10 06:00"), at("2026-11-10 07:45")) == 15
    assert DEFAULT.working_minutes(at("2026-11-10 15:50"), at("2026-11-10 18:00")) == 10
    # evening to next morning before opening: nothing
    assert DEFAULT.working_minutes(at("2026-11-10 17:00"), at("2026-11-11 07:00")) == 0
    # backwards is nothing, not negative
    assert DEFAULT.working_minutes(at("2026-11-11 09:00"), at("2026-11-11 08:00")) == 0


def test_a_holiday_is_closed_whatever_the_weekday() -> None:
    config = parse_config(
        "site: {name: D, url: 'https://d.example.go.id', unit_code: D, holidays: ['2026-12-25'],\n"
        "       office_hours: {senin: '08:00-16:00', selasa: '08:00-16:00', rabu: '08:00-16:00',\n"
        "                      kamis: '08:00-16:00', jumat: '08:00-11:00'}}\n"
        "kinds: {siaran-pers: {sop: a}, berita: {sop: a}, pengumuman: {sop: a}, informasi-publik: {sop: a},"
        " halaman: {sop: a}}\n")
    hours = OfficeHours.from_config(config)
    # Thursday 2026-12-24 15:00 -> Monday 2026-12-28 09:00:
    # Thu 15:00-16:00 = 60, Fri 25 Dec holiday = 0, weekend 0, Mon 08:00-09:00 = 60 -> 120
    assert hours.working_minutes(at("2026-12-24 15:00"), at("2026-12-28 09:00")) == 120
    # a Friday that is not a holiday closes at 11:00: Fri 2026-12-18 10:00 -> Mon 08:30 = 60 + 30
    assert hours.working_minutes(at("2026-12-18 10:00"), at("2026-12-21 08:30")) == 90


def test_the_time_zone_of_the_site_is_used() -> None:
    # 01:00 UTC is 08:00 WIB but 09:00 WITA (Asia/Makassar, UTC+8): an office opening at 07:30 has been
    # open 30 minutes (WIB) or 90 minutes (WITA) by then.
    start = dt.datetime(2026, 11, 10, 0, 0, tzinfo=dt.UTC).timestamp()  # 07:00 WIB, 08:00 WITA
    end = dt.datetime(2026, 11, 10, 1, 0, tzinfo=dt.UTC).timestamp()
    assert OfficeHours.default("Asia/Jakarta").working_minutes(start, end) == 30
    assert OfficeHours.default("Asia/Makassar").working_minutes(start, end) == 60


def test_long_spans_count_whole_weeks_the_same_as_day_by_day() -> None:
    # 2026-11-02 (Monday) 07:30 to 2026-11-30 (Monday) 07:30: four whole weeks of 5 x 510 minutes = 10,200;
    # with a holiday on Wednesday 2026-11-18: 10,200 - 510 = 9,690
    assert DEFAULT.working_minutes(at("2026-11-02 07:30"), at("2026-11-30 07:30")) == 10200
    holiday = OfficeHours(WIB, DEFAULT.spans, frozenset({dt.date(2026, 11, 18)}))
    assert holiday.working_minutes(at("2026-11-02 07:30"), at("2026-11-30 07:30")) == 9690
    rng = random.Random(7)
    for _ in range(200):
        a = at("2026-01-01 00:00") + rng.randrange(0, 300 * 86400)
        b = a + rng.randrange(0, 90 * 86400)
        assert holiday.working_seconds(a, b) == pytest.approx(holiday._days(a, b, *_days(a, b)))


def _days(a: float, b: float) -> tuple[dt.date, dt.date]:
    return dt.datetime.fromtimestamp(a, WIB).date(), dt.datetime.fromtimestamp(b, WIB).date()


def test_a_deadline_skips_closed_time() -> None:
    # 30 working minutes from Friday 15:45: 15 on Friday, then Monday 07:30 + 15 = 07:45
    assert DEFAULT.deadline(at("2026-11-06 15:45"), 30) == at("2026-11-09 07:45")


@pytest.mark.parametrize(("text", "start", "end", "label"), [
    ("2026-11", dt.date(2026, 11, 1), dt.date(2026, 12, 1), "November 2026"),
    ("2026-12", dt.date(2026, 12, 1), dt.date(2027, 1, 1), "Desember 2026"),
    ("2026-Q4", dt.date(2026, 10, 1), dt.date(2027, 1, 1), "Triwulan IV 2026"),
    ("2026-H1", dt.date(2026, 1, 1), dt.date(2026, 7, 1), "Semester I 2026"),
    ("2026", dt.date(2026, 1, 1), dt.date(2027, 1, 1), "Tahun 2026"),
])
def test_periods_are_whole_calendar_spans(text: str, start: dt.date, end: dt.date, label: str) -> None:
    period = parse_period(text)
    assert (period.start, period.end, describe(period)) == (start, end, label)


@pytest.mark.parametrize("bad", ["2026-13", "2026-Q5", "2026-H3", "26-11", "November", "2026-11-01"])
def test_a_period_that_is_not_one_says_what_to_write(bad: str) -> None:
    with pytest.raises(ValueError, match="write a month"):
        parse_period(bad)


def test_recurring_waktu_become_calendar_periods() -> None:
    quarterly, half, monthly = parse_waktu("1 x 3 bulan"), parse_waktu("1 x 6 Bulan"), parse_waktu("Tiap bulan")
    found = recurrence_period(quarterly, dt.date(2026, 11, 20))
    assert found is not None and (found.start, found.end, found.label) == (dt.date(2026, 10, 1), dt.date(2027, 1, 1),
                                                                            "2026-Q4")
    found = recurrence_period(half, dt.date(2026, 6, 30))
    assert found is not None and found.label == "2026-H1"
    assert [p.label for p in recurrence_periods(monthly, parse_period("2026-Q4"))] == ["2026-10", "2026-11",
                                                                                      "2026-12"]
    assert [p.label for p in recurrence_periods(quarterly, parse_period("2026"))] == [
        "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert recurrence_period(parse_waktu("15 menit"), dt.date(2026, 1, 1)) is None
    assert recurrence_period(parse_waktu("Sesuai dengan jadwal yang ditentukan"), dt.date(2026, 1, 1)) is None
