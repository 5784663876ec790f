"""site.office_hours and site.holidays in warta.yml: the documented default, the shape, precise findings."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.config import parse_config
from pipeline.errors import ConfigError

MINIMAL = """\
site:
  name: Dinas Kominfo Kabupaten Bantul
  url: https://kominfo.example.go.id
  unit_code: KOMINFO
kinds:
  siaran-pers: {sop: a}
  berita: {sop: a}
  pengumuman: {sop: a}
  informasi-publik: {sop: a}
  halaman: {sop: a}
"""


def with_site(extra: str) -> str:
    """MINIMAL with ``extra`` lines added at the end of the site section (from line 5 on)."""
    return MINIMAL.replace("  unit_code: KOMINFO\n", "  unit_code: KOMINFO\n" + extra, 1)


def findings(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    return [f.format() for f in info.value.findings]


def test_absent_keys_mean_monday_to_friday_0730_1600_and_no_holidays() -> None:
    config = parse_config(MINIMAL)
    span = (dt.time(7, 30), dt.time(16, 0))
    assert config.office_hours == {"senin": span, "selasa": span, "rabu": span, "kamis": span, "jumat": span}
    assert config.site.office_hours == config.office_hours
    assert config.holidays == ()


def test_the_documented_shape_is_read_into_times_and_dates() -> None:
    config = parse_config(with_site(
        '  office_hours:\n    jumat: "07:30-11:00"\n    senin: "08:00-15:30"\n    sabtu: "08:00-12:00"\n'
        '  holidays: ["2026-12-25", 2026-08-17, "2026-12-25"]\n'
    ))
    # listed days only, in weekday order; Tuesday-Thursday and Sunday are closed
    assert list(config.office_hours) == ["senin", "jumat", "sabtu"]
    assert config.office_hours["jumat"] == (dt.time(7, 30), dt.time(11, 0))
    assert config.office_hours["sabtu"] == (dt.time(8, 0), dt.time(12, 0))
    # quoted and unquoted dates alike, sorted, each once
    assert config.holidays == (dt.date(2026, 8, 17), dt.date(2026, 12, 25))


def test_an_unknown_day_names_its_line_and_suggests_the_day() -> None:
    (message,) = findings(with_site('  office_hours:\n    senin: "07:30-16:00"\n    jumaat: "07:30-11:00"\n'))
    assert message.startswith("warta.yml:7: error: site.office_hours.jumaat: unknown day 'jumaat'")
    assert "did you mean 'jumat'?" in message


def test_badly_written_or_backwards_hours_name_the_day_and_line() -> None:
    out = findings(with_site('  office_hours:\n    senin: "7.30-16"\n    selasa: "16:00-07:30"\n'
                             '    rabu: "07:30-24:00"\n'))
    assert any(m.startswith("warta.yml:6: error: site.office_hours.senin: expected opening hours written as "
                            '"HH:MM-HH:MM"') for m in out)
    assert any(m.startswith("warta.yml:7: error: site.office_hours.selasa: the closing time must be after")
               for m in out)
    assert any(m.startswith("warta.yml:8: error: site.office_hours.rabu: expected opening hours") for m in out)
    assert len(out) == 3


def test_an_office_open_on_no_day_is_refused() -> None:
    (message,) = findings(with_site("  office_hours: {}\n"))
    assert message.startswith("warta.yml:5: error: site.office_hours: at least one day needs opening hours")


def test_a_holiday_that_is_not_a_date_names_its_line() -> None:
    out = findings(with_site('  holidays:\n    - "2026-12-25"\n    - "25-12-2026"\n    - 2026-02-30\n'))
    assert any(m.startswith("warta.yml:7: error: site.holidays.1: expected a date written as YYYY-MM-DD")
               for m in out)
    assert any(m.startswith("warta.yml:8: error: site.holidays.2: expected a date written as YYYY-MM-DD")
               for m in out)
    assert len(out) == 2


def test_holidays_written_as_one_date_instead_of_a_list_is_refused() -> None:
    (message,) = findings(with_site('  holidays: "2026-12-25"\n'))
    assert message.startswith("warta.yml:5: error: site.holidays: expected a list of dates")
