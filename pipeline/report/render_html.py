"""The report as one HTML file (``warta report --format html``): the tables of the Markdown report, and
three SVG charts (time per step against its standard, publications per month, late steps per role), each
beside the table of its figures; a print stylesheet lays it out on A4.

The template is ``report.html`` beside this module (Jinja, autoescaped); the charts come from
:mod:`.charts` (matplotlib, the optional extra ``warta[report]``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from pipeline.report import charts
from pipeline.report.render_md import KIND_TITLES, exceptions, minutes, notable, when

_ENV = Environment(loader=FileSystemLoader(Path(__file__).parent), autoescape=select_autoescape(["html"]),
                   trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
_ENV.filters["minutes"] = minutes
_ENV.filters["when"] = when


def _late_text(step: Mapping[str, Any]) -> str:
    if step["open"]:
        return "masih terbuka" + (", terlambat" if step["late"] else "")
    if step["late"] is None:
        return "–"
    return "terlambat" if step["late"] else "tepat waktu"


_ENV.filters["late_text"] = _late_text
_ENV.tests["notable"] = notable


def render_html(doc: Mapping[str, Any]) -> str:
    charts.available()
    title = f"Laporan Monitoring dan Evaluasi — {doc['period']['title']}"

    def svg(made: str | None) -> Markup | None:
        return Markup(made) if made is not None else None  # noqa: S704 - SVG written by matplotlib from our figures

    pictures = {
        "steps": svg(charts.step_times(doc["sops"], "Waktu per langkah terhadap Mutu Baku (median, menit kerja)")),
        "months": svg(charts.per_month(doc["published"]["by_month"], "Terbit per bulan")),
        "roles": svg(charts.late_per_role(doc["late_by_role"], "Langkah terlambat per peran")),
    }
    listed, total = exceptions(doc)
    return _ENV.get_template("report.html").render(doc=doc, title=title, charts=pictures, kinds=KIND_TITLES,
                                                   on_time=total - listed)
