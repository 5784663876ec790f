"""Indonesian dates as official documents write them: the one table of day and month names.

The site's own dates come from the theme's translation catalogues (translatable); the SOP documents
(``warta sop render``) and the videotron slides are Indonesian by nature and use this module.
"""

from __future__ import annotations

import datetime as dt

HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
         "Oktober", "November", "Desember")


def tanggal(value: dt.date | None) -> str:
    """``2 Januari 2025`` (``–`` for no date)."""
    return "–" if value is None else f"{value.day} {BULAN[value.month - 1]} {value.year}"


def hari_tanggal(value: dt.date) -> str:
    """``Selasa, 14 Januari 2025``: day name, day, month name and year."""
    return f"{HARI[value.weekday()]}, {tanggal(value)}"
