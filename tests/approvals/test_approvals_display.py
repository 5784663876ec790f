"""The text of ``warta status``: each step as ``who, when — how long / Waktu — verdict``, the time in the
site's time zone to the minute."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from approvals_helpers import Site, release

from pipeline.approvals import display


def test_a_time_is_written_to_the_minute_in_the_sites_zone() -> None:
    wib = ZoneInfo("Asia/Jakarta")
    assert display._when(1741055400, wib) == "2025-03-04 09:30"  # 02:30 UTC
    assert display._when(1741055459, wib) == "2025-03-04 09:30"  # seconds are not shown
    assert display._when(1741055400, ZoneInfo("Asia/Jayapura")) == "2025-03-04 11:30"  # WIT
    assert display._when(None, wib) == ""


def test_status_shows_who_approved_a_step_and_when(site: Site) -> None:
    path = release(site)
    sha = site.record(site.cast["dwi"], path, 2, "kasubbag")
    at = int(site.git("log", "-1", "--format=%ct", sha))
    when = dt.datetime.fromtimestamp(at, ZoneInfo("Asia/Jakarta")).strftime("%Y-%m-%d %H:%M")  # the default zone
    lines = site.cli("status").stdout.splitlines()
    step = next(line for line in lines if line.startswith("  [x] 2. "))
    assert f"{site.cast['dwi'].name}, {when} — " in step
