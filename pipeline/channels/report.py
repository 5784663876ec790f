"""The link report of a run (seed 003 steps 10-11: the post links reported to the Seksi, then the Ketua
PPID): a Markdown file in the run's artifact, and a plain-text message to the channels serving
``lapor_tautan``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from pipeline.archive.records import ArchiveRecord, Channel
from pipeline.channels.text import in_language
from pipeline.i18n import N_, LazyText
from pipeline.tanggal import hari_tanggal

# The report is read by the Seksi and the Ketua PPID: in the site's language (site.language), not the
# operator's --lang. The channel names and the links are machine words and stay as they are.
STATES: dict[str, LazyText] = {
    "sent": N_("sent"), "deleted": N_("deleted"), "corrected": N_("corrected"), "failed": N_("failed"),
    "uncertain": N_("uncertain"), "not_sent": N_("not sent"), "outbox": N_("outbox file"),
    "attempt": N_("attempted")}
TITLE = N_("Social media link report — {site}")
TITLE_SHORT = N_("Link report")
MADE = N_("Made by warta on {day} {time}.")
HEADER = N_("| Archive number | Title | Channel | Status | Link |")
PLAIN_TITLE = N_("Link report {site}, {day}:")


def _state(state: str | None, language: str | None) -> str:
    found = STATES.get(state or "sent")
    return in_language(language, found) if found is not None else str(state)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def rows(records: Sequence[ArchiveRecord], posted: Mapping[str, Sequence[Channel]]) -> list[tuple[ArchiveRecord, Channel]]:
    by_path = {r.path: r for r in records}
    out = []
    for path in sorted(posted):
        record = by_path.get(path)
        if record is not None:
            out += [(record, c) for c in posted[path]]
    return out


def markdown(site_name: str, stamp: dt.datetime, records: Sequence[ArchiveRecord],
             posted: Mapping[str, Sequence[Channel]], language: str | None = None) -> str:
    made = in_language(language, MADE, day=hari_tanggal(stamp), time=stamp.strftime('%H:%M %Z').strip())
    lines = [f"# {in_language(language, TITLE, site=site_name)}", "", made, "",
             in_language(language, HEADER), "|---|---|---|---|---|"]
    for record, c in rows(records, posted):
        link = c.url or (f"({_cell(c.error)})" if c.error else "")
        lines.append(f"| {record.number} | {_cell(record.title)} | {c.channel} | {_state(c.state, language)} "
                     f"| {link} |")
    return "\n".join(lines) + "\n"


def plain(site_name: str, stamp: dt.datetime, records: Sequence[ArchiveRecord],
          posted: Mapping[str, Sequence[Channel]], language: str | None = None) -> str:
    """The message for a Telegram chat or a webhook: one line per post, plain text."""
    lines = [in_language(language, PLAIN_TITLE, site=site_name, day=hari_tanggal(stamp))]
    for record, c in rows(records, posted):
        lines.append(f"- {record.number} {record.title} — {c.channel}: {_state(c.state, language)}"
                     + (f" {c.url}" if c.url else ""))
    return "\n".join(lines)
