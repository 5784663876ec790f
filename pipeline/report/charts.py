"""The report's charts as SVG, drawn with matplotlib's SVG backend (the optional extra ``warta[report]``).

Why matplotlib: it is the most widely used and best kept plotting library for Python, its SVG backend
needs no browser or JavaScript, and with a fixed hash salt, no date and text kept as text
(``svg.fonttype: none``) the SVG is the same bytes for the same figures, readable by screen readers and
printable. Each chart has a data table beside it in the HTML report (:mod:`.render_html`).

Figures are made with :class:`matplotlib.figure.Figure` directly (no pyplot: no global state, no GUI).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pipeline.errors import WartaError
from pipeline.i18n import _

try:
    import matplotlib
    from matplotlib.figure import Figure
except ImportError:  # the optional extra is missing: render_html says how to install it
    matplotlib = None  # type: ignore[assignment]

ON_TIME, LATE, STANDARD, NEUTRAL = "#2e7d32", "#c62828", "#37474f", "#1565c0"
_STYLE: dict[Any, Any] = {"svg.hashsalt": "warta", "svg.fonttype": "none", "font.family": "sans-serif", "font.size": 9,
          "axes.spines.top": False, "axes.spines.right": False}


# above the plot, never over the bars it explains nor the axis labels
_LEGEND: dict[str, Any] = {"loc": "lower center", "bbox_to_anchor": (0.5, 1.0), "ncol": 3, "fontsize": 8,
                           "frameon": False}


class ChartsMissing(WartaError):
    exit_code = 2


def available() -> None:
    if matplotlib is None:
        raise ChartsMissing(_("the HTML report draws its charts with matplotlib, which is not installed: install "
                              "the report extra (pip install 'warta[report]'), or use --format md or --json"))


def _svg(fig: Any, title: str, ident: str) -> str:
    buffer = io.StringIO()
    with matplotlib.rc_context(_STYLE):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    text = buffer.getvalue()
    text = text[text.index("<svg"):]
    # an accessible name for the picture; the table beside it holds the figures
    text = re.sub(r"<svg ", f'<svg role="img" aria-labelledby="{ident}-title" ', text, count=1)
    text = re.sub(r"(<svg[^>]*>)", rf'\1<title id="{ident}-title">{_escape(title)}</title>', text, count=1)
    return text


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _figure(width: float, height: float) -> Any:
    with matplotlib.rc_context(_STYLE):
        return Figure(figsize=(width, height), dpi=96)


def step_times(sops: Sequence[Mapping[str, Any]], title: str) -> str | None:
    """Median working minutes of each step (bars; red when over the standard) with its Waktu (marks)."""
    available()
    rows = [(f"{sop['sop']} {s['label']}", s) for sop in sops for s in sop["steps"] if s["count"]]
    if not rows:
        return None
    with matplotlib.rc_context(_STYLE):
        fig = _figure(6.5, 0.9 + 0.38 * len(rows))
        ax = fig.add_subplot()
        labels = [label for label, _ in rows]
        medians = [float(s["median_minutes"] or 0) for _, s in rows]
        colours = [LATE if s["waktu_minutes"] is not None and (s["median_minutes"] or 0) > s["waktu_minutes"]
                   else ON_TIME for _, s in rows]
        y = list(range(len(rows)))
        ax.barh(y, medians, color=colours, height=0.6, label="median (menit kerja)")
        p90 = [float(s["p90_minutes"] or 0) for _, s in rows]
        ax.scatter(p90, y, marker="|", s=120, color="#000000", label="P90", zorder=3)
        standard = [(i, s["waktu_minutes"]) for i, (_, s) in enumerate(rows) if s["waktu_minutes"] is not None]
        if standard:
            ax.scatter([v for _, v in standard], [i for i, _ in standard], marker="D", s=28, color=STANDARD,
                       label="Waktu (Mutu Baku)", zorder=4)
        ax.set_yticks(y, labels)
        ax.invert_yaxis()
        ax.set_xlabel("menit kerja")
        ax.legend(**_LEGEND)
        return _svg(fig, title, "chart-steps")


def per_month(months: Sequence[Mapping[str, Any]], title: str) -> str | None:
    """Items published per month, split into within the time standard and not."""
    available()
    if not months or not any(m["count"] for m in months):
        return None
    with matplotlib.rc_context(_STYLE):
        fig = _figure(6.5, 2.6)
        ax = fig.add_subplot()
        x = list(range(len(months)))
        within = [m["within_standard"] for m in months]
        rest = [m["count"] - m["within_standard"] for m in months]
        ax.bar(x, within, color=ON_TIME, label="sesuai standar waktu")
        ax.bar(x, rest, bottom=within, color=NEUTRAL, label="lainnya")
        ax.set_xticks(x, [m["month"] for m in months])
        ax.set_ylabel("terbit")
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.legend(**_LEGEND)
        return _svg(fig, title, "chart-months")


def late_per_role(roles: Sequence[Mapping[str, Any]], title: str) -> str | None:
    """Decided steps per role: on time and late."""
    available()
    rows = [r for r in roles if r["count"]]
    if not rows:
        return None
    with matplotlib.rc_context(_STYLE):
        fig = _figure(6.5, 0.9 + 0.38 * len(rows))
        ax = fig.add_subplot()
        y = list(range(len(rows)))
        late = [r["late"] for r in rows]
        on_time = [r["count"] - r["late"] for r in rows]
        ax.barh(y, on_time, color=ON_TIME, height=0.6, label="tepat waktu")
        ax.barh(y, late, left=on_time, color=LATE, height=0.6, label="terlambat")
        ax.set_yticks(y, [r["role_title"] for r in rows])
        ax.invert_yaxis()
        ax.set_xlabel("langkah diputuskan")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.legend(**_LEGEND)
        return _svg(fig, title, "chart-roles")
