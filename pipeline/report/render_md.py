"""The report as Markdown (``warta report --format md``), from the document :mod:`.aggregate` makes.

The report is an office document for the Kepala Dinas and the Koordinator: it is written in Indonesian,
the SOPs' own language (``docs/report.md`` gives the English of each heading).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

KIND_TITLES = {"siaran-pers": "Siaran pers", "berita": "Berita", "pengumuman": "Pengumuman",
               "informasi-publik": "Informasi publik", "halaman": "Halaman", "rencana-konten": "Rencana konten",
               "evaluasi": "Evaluasi"}


def minutes(value: float | None) -> str:
    """``95`` -> ``1 j 35 m``; ``None`` -> ``–``."""
    if value is None:
        return "–"
    whole = int(round(value))
    if whole < 60:
        return f"{whole} m"
    hours, rest = divmod(whole, 60)
    return f"{hours} j {rest} m" if rest else f"{hours} j"


def when(text: str | None) -> str:
    return text[:16].replace("T", " ") if text else "–"


def _table(head: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    def cell(value: Any) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return out


def _held(row: Mapping[str, Any]) -> str:
    return ", ".join(f"{h['name']} ({h['count']}{', ' + str(h['late']) + ' terlambat' if h['late'] else ''})"
                     for h in row["held_by"]) or "–"


def sop_lines(sop: Mapping[str, Any]) -> list[str]:
    lines = [f"### {sop['nama']} (`{sop['sop']}`)", ""]
    rows = []
    for s in sop["steps"]:
        rows.append([s["label"], s["role_title"], s["waktu"], s["count"], minutes(s["median_minutes"]),
                     minutes(s["p90_minutes"]), s["late"], s["returns"], s["open"], _held(s)])
    lines += _table(["Langkah", "Pelaksana", "Waktu (Mutu Baku)", "Jumlah", "Median", "P90", "Terlambat",
                     "Dikembalikan", "Masih terbuka", "Dipegang oleh"], rows)
    c = sop["chains"]
    lines += ["", f"Rangkaian lengkap: {c['count']} selesai, median {minutes(c['median_minutes'])} kerja "
                  f"(P90 {minutes(c['p90_minutes'])}), {c['late']} melebihi standar langkah yang diukur "
                  f"({minutes(c['standard_minutes'])}); TOTAL SOP {minutes(sop['total_minutes'])}.", ""]
    return lines


def render_markdown(doc: Mapping[str, Any]) -> str:
    period = doc["period"]
    lines = [f"# Laporan Monitoring dan Evaluasi — {period['title']}", "",
             f"Periode {period['start']} s.d. {period['end']} (tidak termasuk); dihitung oleh warta pada revisi "
             f"`{doc['revision'][:12]}`, keadaan per {when(doc['as_of'])}.",
             "Waktu dalam menit kerja (jam kantor: "
             + ", ".join(f"{d} {h}" for d, h in doc["office_hours"].items())
             + (f"; hari libur: {', '.join(doc['holidays'])}" if doc["holidays"] else "") + ").", ""]
    lines += ["## Waktu per langkah SOP terhadap Mutu Baku", ""]
    if not doc["sops"]:
        lines += ["Tidak ada langkah yang diputuskan dalam periode ini.", ""]
    for sop in doc["sops"]:
        lines += sop_lines(sop)
    pub = doc["published"]
    lines += ["## Terbit", "", f"Jumlah terbit: {pub['total']}.", ""]
    lines += _table(["Bulan", "Terbit", "Diukur", "Sesuai standar waktu", "Persentase"],
                    [[m["title"], m["count"], m["measured"], m["within_standard"],
                      f"{m['within_standard_share'] * 100:.0f} %" if m["within_standard_share"] is not None else "–"]
                     for m in pub["by_month"]])
    lines.append("")
    for key, title, names in (("by_kind", "Per jenis", KIND_TITLES), ("by_channel", "Per kanal", {}),
                              ("by_kategori_informasi", "Per kategori informasi", {})):
        counts: Mapping[str, int] = pub[key]
        lines += [f"{title}: " + (", ".join(f"{names.get(k, k)} {v}" for k, v in counts.items()) or "–"), ""]
    lines += ["## Terlambat per peran", ""]
    lines += _table(["Peran", "Diputuskan", "Terlambat", "Masih terbuka dan terlambat"],
                    [[r["role_title"], r["count"], r["late"], r["open_late"]] for r in doc["late_by_role"]])
    lines += ["", "## Dikembalikan untuk perbaikan", ""]
    if doc["returns"]:
        lines += _table(["Waktu", "Item", "Langkah", "Oleh", "Alasan"],
                        [[when(r["at"]), r["title"], f"{r['step']} ({r['role_title']})", ", ".join(r["by"]),
                          r["reason"] or "(tanpa alasan)"] for r in doc["returns"]])
    else:
        lines.append("Tidak ada.")
    lines += ["", "## Terbit paksa (serta-merta) menunggu persetujuan susulan", ""]
    if doc["forced_awaiting"]:
        lines += _table(["Item", "Oleh", "Waktu", "Menunggu"],
                        [[f["title"], f["forced_by"] or "–", when(f["forced_at"]),
                          ", ".join(f"{a['step']} ({a['role_title']})" for a in f["awaiting"])]
                         for f in doc["forced_awaiting"]])
    else:
        lines.append("Tidak ada.")
    lines += plan_lines(doc)
    lines += ["", "## Rincian per item: langkah terlambat, dikembalikan atau masih terbuka", ""]
    rows = []
    listed, total = exceptions(doc)
    if total > listed:
        lines += [f"{total - listed} langkah lain tepat waktu (semua langkah ada di --json).", ""]
    for item in doc["items"]:
        for s in item["steps"]:
            if not notable(s):
                continue
            late = "–" if s["late"] is None else ("terlambat" if s["late"] else "tepat waktu")
            if s["open"]:
                late = "masih terbuka" + (", terlambat" if s["late"] else "")
            rows.append([item["title"], s["label"], s["round"], when(s["due"]), when(s["decided"]),
                         s["decision"] or "–", minutes(s["elapsed_minutes"]), s["waktu"], late])
    lines += _table(["Item", "Langkah", "Putaran", "Mulai", "Diputuskan", "Keputusan", "Menit kerja", "Waktu",
                     "Status"], rows) if rows else ["Tidak ada."]
    if doc["warnings"]:
        lines += ["", "## Catatan", ""] + [f"- {w}" for w in doc["warnings"]]
    return "\n".join(lines).rstrip() + "\n"


def notable(step: Mapping[str, Any]) -> bool:
    """A step the detail table lists: late, returned or still open (the others are in --json)."""
    return bool(step["late"] or step["open"] or step["decision"] == "return")


def exceptions(doc: Mapping[str, Any]) -> tuple[int, int]:
    """(steps the detail table lists, steps in the period)."""
    steps = [s for item in doc["items"] for s in item["steps"]]
    return sum(1 for s in steps if notable(s)), len(steps)


def plan_lines(doc: Mapping[str, Any]) -> list[str]:
    """The content plan against what was published, and the evaluations (when the document has them)."""
    lines: list[str] = []
    plan = doc.get("plan")
    if plan is not None:
        lines += ["", "## Rencana konten dan realisasi", ""]
        if not plan["plans"]:
            lines.append("Tidak ada rencana konten yang disetujui untuk periode ini.")
        for p in plan["plans"]:
            lines.append(f"Rencana `{p['path']}` ({p['periode']}, {p['state']}).")
        if plan["rows"]:
            lines += [""] + _table(["Konten", "Jenis", "Bulan target", "Penanggung jawab", "Realisasi"],
                                   [[r["judul"], KIND_TITLES.get(r["kind"], r["kind"]), r["bulan"],
                                     r["penanggung_jawab"], r["realisasi_title"]] for r in plan["rows"]])
    evaluations = doc.get("evaluations")
    if evaluations:
        lines += ["", "## Evaluasi", ""]
        lines += _table(["Evaluasi", "Periode", "Batas", "Status", "Dokumen"],
                        [[e["title"], e["periode"], e["due"], e["status"], e["path"] or "–"] for e in evaluations])
    return lines
