"""The report of the demo site (``warta demo``): the month of its release, as the head of office reads it."""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import WartaError
from pipeline.files import write_atomic
from pipeline.report import charts
from pipeline.report.compute import compute_report
from pipeline.report.render_md import render_markdown


def write_demo_report(site: Path) -> Path | None:
    """``laporan.html`` (or ``laporan.md`` without the charts extra) beside the demo site's repository
    folder, for the month of its latest commit; None when the report cannot be computed."""
    try:
        doc = compute_report(site, None)
    except WartaError:
        return None
    try:
        charts.available()
    except charts.ChartsMissing:
        target = site.with_name(site.name + ".laporan.md")
        write_atomic(target, render_markdown(doc))
        return target
    from pipeline.report.render_html import render_html  # matplotlib: only when it is there (start-up time)

    target = site.with_name(site.name + ".laporan.html")
    write_atomic(target, render_html(doc))
    return target
