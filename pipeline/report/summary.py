"""The public service summary page of the site (``layanan/``): releases published per month and the share
published within the time standard, as PPID offices show in their service reports (docs/report.md).

It is measured exactly as ``warta report`` measures (:mod:`.gather`, :mod:`.measure`), at the repository's
HEAD, with the archive register the build is given (the publications of the run in progress included).
Optional: ``report.public_summary`` in ``warta.yml`` (on by default, counting the PPID's
``informasi-publik``). The figures are kept in ``.warta-cache/report/`` by HEAD and register, so a build
with nothing new does not measure again. Without git history (a folder that is not a repository) there is
no page.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.archive.records import ArchiveRecord
from pipeline.areas import ARCHIVE_AREA
from pipeline.cachedir import REPORT_CACHE, ensure_local_cache
from pipeline.config import SiteConfig
from pipeline.errors import WartaError
from pipeline.files import write_atomic
from pipeline.git import Git
from pipeline.report.period import Period, add_months, month

# the measuring modules (gather, compute, aggregate, hours) are imported where the figures are measured:
# a build whose figures are kept (nothing new since the last) does not pay for them

LABELS = {
    "id": {"title": "Ringkasan Layanan Informasi", "intro": "Jumlah informasi yang terbit setiap bulan dan "
           "persentase yang terbit sesuai standar waktu SOP (Mutu Baku), dihitung dari catatan persetujuan.",
           "month": "Bulan", "count": "Terbit", "measured": "Diukur", "within": "Sesuai standar waktu",
           "share": "Persentase", "kinds": "Jenis yang dihitung", "as_of": "Keadaan per",
           "hours": "Waktu dihitung dalam jam kerja", "none": "–"},
    "en": {"title": "Information service summary", "intro": "Items published each month and the share "
           "published within the SOP's time standard (Mutu Baku), measured from the approval records.",
           "month": "Month", "count": "Published", "measured": "Measured", "within": "Within the time standard",
           "share": "Share", "kinds": "Kinds counted", "as_of": "As of", "hours": "Time counted in office hours",
           "none": "–"},
}
KIND_NAMES = {"id": {"siaran-pers": "siaran pers", "berita": "berita", "pengumuman": "pengumuman",
                     "informasi-publik": "informasi publik", "halaman": "halaman"},
              "en": {"siaran-pers": "press releases", "berita": "news", "pengumuman": "announcements",
                     "informasi-publik": "public information", "halaman": "pages"}}


@dataclasses.dataclass(frozen=True)
class ServiceSummary:
    """What the page template (``theme/templates/layanan.html``) shows."""

    months: list[dict[str, Any]]
    kinds: list[str]
    as_of: str
    labels: dict[str, str]
    office_hours: dict[str, str]

    @property
    def total(self) -> int:
        return sum(int(m["count"]) for m in self.months)


def _span(end_day: dt.date, months: int) -> Period:
    last = month(end_day.year, end_day.month)
    start = add_months(last.start, -(months - 1))
    return Period(start, last.end, f"{start.isoformat()}/{last.end.isoformat()}")


def _key(head: str, config: SiteConfig, records: Sequence[ArchiveRecord]) -> str:
    h = hashlib.sha256(head.encode())
    h.update(config.model_dump_json().encode())
    for r in sorted(records, key=lambda r: r.path):
        h.update(f"{r.path}\0{r.kind}\0{r.published_at}\0{r.digest}\n".encode())
    return h.hexdigest()


def _content_time(repo: Path, head: str, revision_time: int) -> int:
    """The commit time of the last commit at ``head`` that changed anything outside ``arsip/``: the register
    commits a publish makes after its build record publications the page counts by their own times, so the
    page of one state is the same whether built before its record commit or after (a rebuild of nothing
    new deploys nothing). ``revision_time`` when git cannot say."""
    try:
        out = Git(repo).text("log", "-1", "--format=%ct", head, "--", ".", f":(exclude){ARCHIVE_AREA}").split()
    except (WartaError, OSError):
        return revision_time
    return int(out[0]) if out else revision_time


def service_summary(repo: Path, config: SiteConfig, records: Sequence[ArchiveRecord] | None) -> ServiceSummary | None:
    """The summary, or None when it is switched off, the build has no register, or there is no history."""
    wanted = config.report.public_summary
    if not wanted.enabled or records is None:
        return None
    try:
        head = Git(repo).rev_parse("HEAD")
    except (WartaError, OSError):
        return None
    if head is None:
        return None
    counted = [r for r in records if r.kind in wanted.kinds]
    cache = ensure_local_cache(repo) / REPORT_CACHE / "summary.json"
    key = _key(head, config, counted)
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        stored = json.loads(cache.read_text(encoding="utf-8"))
        if stored["key"] == key:
            return ServiceSummary(**stored["summary"])
    from pipeline.report.aggregate import published_figures
    from pipeline.report.compute import measure_all
    from pipeline.report.gather import gather
    from pipeline.report.hours import OfficeHours

    try:
        # the register the build has (not read again); no front matter: the page shows no titles or categories
        facts = gather(repo, head, records=records, read_front=False)
    except WartaError:
        return None
    published = {r.path: int(r.published_at.timestamp()) for r in counted if r.published_at is not None}
    items = tuple(dataclasses.replace(f, published_at=published.get(f.path, f.published_at)) for f in facts.items)
    latest = max([_content_time(repo, head, facts.revision_time), *published.values()])
    hours = OfficeHours.from_config(config)
    times = measure_all(dataclasses.replace(facts, items=items), hours, latest)
    tz = config.tz
    span = _span(dt.datetime.fromtimestamp(latest, tz).date(), wanted.months)
    figures = published_figures(counted, span, tz, {t.facts.path: t for t in times}, facts.front)
    language = "en" if config.site.language.startswith("en") else "id"
    summary = ServiceSummary(
        months=list(reversed(figures["by_month"])), kinds=[KIND_NAMES[language][k] for k in wanted.kinds],
        as_of=dt.datetime.fromtimestamp(latest, tz).strftime("%Y-%m-%d %H:%M"), labels=LABELS[language],
        office_hours={day: f"{a:%H:%M}-{b:%H:%M}" for day, (a, b) in config.office_hours.items()})
    with contextlib.suppress(OSError):
        write_atomic(cache, json.dumps({"key": key, "summary": dataclasses.asdict(summary)}, ensure_ascii=False))
    return summary
