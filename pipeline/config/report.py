"""``report:`` of ``warta.yml``: ``warta report`` and the public service summary page."""

from __future__ import annotations

from pydantic import Field

from pipeline.config.kinds import Kind
from pipeline.schema import Strict

_PPID_KINDS: tuple[Kind, ...] = ("informasi-publik",)


class PublicSummarySection(Strict):
    """The public service summary page (docs/report.md): releases per month and the share published within
    the time standard, as PPID offices publish in their service reports."""

    enabled: bool = Field(True, description="Build the summary page (layanan/) on the site.")
    kinds: list[Kind] = Field(default_factory=lambda: list(_PPID_KINDS),
                              description="The kinds it counts (default: the PPID's informasi-publik).")
    months: int = Field(12, ge=1, le=60, description="How many months back it shows.")


class ReportSection(Strict):
    """``warta report`` and what the site shows of it."""

    public_summary: PublicSummarySection = Field(default_factory=PublicSummarySection)
