"""The link report of a run (seed 003 steps 10-11: the post links reported to the Seksi, then the Ketua
PPID): a Markdown file in the run's artifact, and a plain-text message to the channels serving
``lapor_tautan``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from pipeline.archive.records import ArchiveRecord, Channel
from pipeline.tanggal import hari_tanggal

STATES = {"sent": "terkirim", "deleted": "dihapus", "corrected": "dikoreksi", "failed": "gagal",
          "uncertain": "belum pasti", "not_sent": "tidak terkirim", "outbox": "berkas outbox", "attempt": "dicoba"}


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
             posted: Mapping[str, Sequence[Channel]]) -> str:
    lines = [f"# Laporan tautan media sosial — {site_name}", "",
             f"Dibuat oleh warta pada {hari_tanggal(stamp)} {stamp.strftime('%H:%M %Z').strip()}.", "",
             "| Nomor arsip | Judul | Kanal | Status | Tautan |", "|---|---|---|---|---|"]
    for record, c in rows(records, posted):
        link = c.url or (f"({_cell(c.error)})" if c.error else "")
        lines.append(f"| {record.number} | {_cell(record.title)} | {c.channel} | {STATES.get(c.state or 'sent', c.state)} "
                     f"| {link} |")
    return "\n".join(lines) + "\n"


def plain(site_name: str, stamp: dt.datetime, records: Sequence[ArchiveRecord],
          posted: Mapping[str, Sequence[Channel]]) -> str:
    """The message for a Telegram chat or a webhook: one line per post, plain text."""
    lines = [f"Laporan tautan {site_name}, {hari_tanggal(stamp)}:"]
    for record, c in rows(records, posted):
        lines.append(f"- {record.number} {record.title} — {c.channel}: {STATES.get(c.state or 'sent', c.state)}"
                     + (f" {c.url}" if c.url else ""))
    return "\n".join(lines)
