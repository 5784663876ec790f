"""``warta sop show ID [--json]`` and ``warta sop render ID [--output FILE]``.

``show`` prints an SOP the way the paper has it: the identity table, then one row per step with its
Pelaksana (official title from ``sop/people.yaml``), Mutu Baku and routing. ``render`` writes a
standalone HTML document with the flowchart table: one column per Pelaksana, a symbol per step.
Exit codes: 0 done, 2 unknown ID or invalid SOP/people files.
"""

from __future__ import annotations

import argparse
import json
import sys
from html import escape
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from pipeline.config import find_root
from pipeline.errors import UsageError
from pipeline.i18n import _
from pipeline.people import People, load_people
from pipeline.schema import suggest
from pipeline.sop import AKSI, SYARAT, Sop, Step
from pipeline.sop_files import load_sops
from pipeline.tanggal import tanggal


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "sop", help=_("show or render an SOP"),
        description=_("Show an SOP of sop/ as a table, or render it as an HTML document like the paper SOP."))
    actions = parser.add_subparsers(dest="sop_action", metavar="ACTION", required=True)
    show = actions.add_parser("show", help=_("print an SOP as a table"),
                              description=_("Print the identity table and every step of an SOP."))
    show.add_argument("id", metavar="ID", help=_("SOP id (the file name in sop/ without .yaml)"))
    show.add_argument("--json", action="store_true", help=_("print the parsed SOP as one JSON document"))
    show.set_defaults(func=run)
    render = actions.add_parser("render", help=_("write an SOP as a standalone HTML document"),
                                description=_("Write the SOP's identity table and flowchart as HTML."))
    render.add_argument("id", metavar="ID", help=_("SOP id (the file name in sop/ without .yaml)"))
    render.add_argument("--output", "-o", metavar="FILE", help=_("write to FILE instead of standard output"))
    render.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    root = find_root()
    people = load_people(root)
    sops = load_sops(root, roles=people.roles)
    sop = sops.get(args.id)
    if sop is None:
        known = sorted(sops)
        raise UsageError(_("unknown SOP '{id}'{suggest}; known: {known}",
                           id=args.id, suggest=suggest(args.id, known), known=', '.join(known)))
    if args.sop_action == "render":
        html = render_html(sop, people)
        if args.output:
            try:
                Path(args.output).write_text(html, encoding="utf-8")
            except OSError as exc:
                raise UsageError(_("cannot write {output}: {strerror}", output=args.output, strerror=exc.strerror)) from None
        else:
            sys.stdout.write(html)
        return 0
    if args.json:
        doc = sop.to_json()
        doc["roles"] = {role: people.title(role) for role in sorted(sop.roles())}
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return 0
    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=160)
    show(sop, people, console)
    return 0


# --------------------------------------------------------------------------------------------------
# Terminal


def _ref(sop: Sop, no: int) -> str:
    step = sop.step(no)
    return str(no) if step.no_dokumen is None else f"{no} ({step.no_dokumen})"


def routing(sop: Sop, step: Step) -> list[str]:
    """Where the procedure goes after ``step``, e.g. ``["Ya → 4", "Tidak → 1"]``."""
    if step.jenis == "keputusan":
        out = [f"Ya → {_ref(sop, step.next_no)}" if step.next_no is not None else "Ya → selesai"]
        if step.tidak is not None:
            out.append(f"Tidak → {_ref(sop, step.tidak)}")
        return out
    if step.next_no is None:
        return [] if step.jenis == "selesai" else ["akhir"]
    return [f"→ {_ref(sop, step.next_no)}"]


def _numbered(items: list[str]) -> str:
    if not items:
        return "–"
    if len(items) == 1:
        return items[0]
    return "\n".join(f"{i}. {text}" for i, text in enumerate(items, 1))


def identity_rows(sop: Sop, people: People) -> list[tuple[str, str | list[str]]]:
    """The identity table as (label, value) pairs, in the document's order."""
    ident = sop.identitas
    rows: list[tuple[str, str | list[str]]] = [
        ("Nama SOP", sop.nama),
        ("Instansi", sop.sumber.instansi or "–"),
        ("Nomor SOP", ident.nomor or "–"),
        ("Tanggal Pembuatan", tanggal(ident.tanggal_pembuatan)),
        ("Tanggal Revisi", tanggal(ident.tanggal_revisi)),
        ("Tanggal Efektif", tanggal(ident.tanggal_efektif)),
    ]
    if ident.tanggal_pengesahan is not None:
        rows.append(("Tanggal Pengesahan", tanggal(ident.tanggal_pengesahan)))
    rows += [
        ("Disahkan oleh", people.title(sop.disahkan_oleh)),
        ("Dasar Hukum", ident.dasar_hukum),
        ("Kualifikasi Pelaksana", ident.kualifikasi_pelaksana),
        ("Keterkaitan", ident.keterkaitan),
        ("Peralatan/Perlengkapan", ident.peralatan),
        ("Peringatan", ident.peringatan),
        ("Pencatatan dan Pendataan", ident.pencatatan),
    ]
    return rows


def show(sop: Sop, people: People, console: Console) -> None:
    ident = Table.grid(padding=(0, 2))
    ident.add_column(style="bold", no_wrap=True)
    ident.add_column()
    for label, value in identity_rows(sop, people):
        ident.add_row(Text(label), Text(_numbered(value) if isinstance(value, list) else value))
    console.print(Text(f"SOP {sop.nama}", style="bold"))
    console.print(Text(f"{sop.path} (id {sop.id})", style="dim"))
    console.print(ident)
    console.print()

    table = Table(show_lines=True, expand=False)
    table.add_column("No", no_wrap=True)
    table.add_column("Kegiatan", ratio=3, min_width=24)
    table.add_column("Pelaksana", ratio=2)
    table.add_column("Kelengkapan", ratio=2)
    table.add_column("Waktu", max_width=16)
    table.add_column("Output", ratio=2)
    table.add_column("Alur", min_width=12)
    titles = {b.kode: b.nama for b in sop.bagian}
    current: str | None = None
    for step in sop.langkah:
        if step.bagian is not None and step.bagian != current:
            current = step.bagian
            table.add_row(Text(step.bagian, style="bold"), Text(titles.get(step.bagian, ""), style="bold"))
        kegiatan = Text(step.kegiatan)
        if step.keterangan:
            kegiatan.append(f"\nKeterangan: {step.keterangan}", style="italic dim")
        kelengkapan = Text(step.kelengkapan or "–")
        if step.syarat:
            kelengkapan.append(f"\nsyarat: {', '.join(step.syarat)}", style="dim")
        alur = Text(step.jenis)
        if step.paraf:
            alur.append("\nparaf", style="bold")
        if step.aksi:
            alur.append(f"\naksi: {', '.join(step.aksi)}", style="cyan")
        alur.append("\n" + "\n".join(routing(sop, step)))
        label = str(step.no) if step.no_dokumen is None else f"{step.no}\n({step.no_dokumen})"
        table.add_row(Text(label), kegiatan, Text(people.title(step.pelaksana)), kelengkapan,
                      Text(step.waktu.text), Text(step.output or "–"), alur)
    total = sop.total_minutes()
    if total:
        empty = Text("")
        table.add_row(Text("TOTAL", style="bold"), empty, empty, empty, Text(f"{total} menit", style="bold"))
    console.print(table)
    approvals = sop.approval_steps()
    pipeline = sop.pipeline_steps()
    console.print(Text(_("Paraf, in order: "), style="bold")
                  + Text(" → ".join(f"{s.label} {people.title(s.pelaksana)}" for s in approvals) or _("none")))
    console.print(Text(_("CI performs: "), style="bold")
                  + Text("; ".join(f"{s.label} {', '.join(s.aksi)}" for s in pipeline) or _("nothing")))


# --------------------------------------------------------------------------------------------------
# HTML

_CSS = """
@page { size: A4 landscape; margin: 12mm; }
body { font-family: "Liberation Sans", Arial, sans-serif; font-size: 10pt; color: #000; margin: 1.5em; }
h1 { font-size: 14pt; text-align: center; margin: 0.2em 0 0.8em; text-transform: uppercase; }
p.instansi { text-align: center; font-weight: bold; margin: 0; text-transform: uppercase; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1.2em; }
th, td { border: 1px solid #000; padding: 4px 6px; vertical-align: top; text-align: left; }
th { background: #eee; }
table.identitas th { width: 14em; }
table.identitas-isi td, table.identitas-isi th { width: 50%; }
ol { margin: 0; padding-left: 1.4em; }
table.alur thead th { text-align: center; vertical-align: middle; }
table.alur td.no { text-align: center; width: 2.5em; }
table.alur tr.bagian td { font-weight: bold; background: #f4f4f4; }
table.alur th.pelaksana { width: 7.5em; }
table.alur td.lajur { position: relative; min-width: 7.5em; height: 5em; padding: 0; text-align: center;
  vertical-align: middle; }
table.alur td.lajur svg { position: relative; z-index: 1; display: block; margin: 0 auto; }
table.alur .garis { position: absolute; background: #000; }
table.alur .v { width: 2px; left: calc(50% - 1px); }
table.alur .h { height: 2px; top: 11px; }
table.alur .v-stub { top: 0; height: 12px; }
table.alur .v-in { top: 0; bottom: 50%; }
table.alur .v-in.sisi { top: 12px; }
table.alur .v-out { top: 50%; bottom: 0; }
table.alur .h-kiri { left: 0; right: calc(50% - 1px); }
table.alur .h-kanan { left: calc(50% - 1px); right: 0; }
table.alur .h-penuh { left: 0; right: 0; }
table.alur .label { position: absolute; z-index: 2; font-size: 8pt; background: #fff; padding: 0 2px; }
table.alur .label.ya { right: calc(50% + 4px); bottom: 2px; }
table.alur .label.rute { right: 2px; bottom: 2px; }
table.alur tfoot td { font-weight: bold; }
.simbol { fill: #fff; stroke: #000; stroke-width: 1.5; }
.panah { fill: #000; stroke: none; }
.simbol-teks { font-size: 9px; fill: #000; }
footer { font-size: 8pt; color: #444; }
"""


def _list_html(items: list[str]) -> str:
    if not items:
        return "–"
    return "<ol>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ol>"


def _symbol(step: Step, incoming: bool) -> str:
    """An inline SVG: terminator capsule, process box or decision diamond, with an arrowhead on top."""
    shape = {
        "mulai": '<rect class="simbol" x="4" y="10" width="64" height="30" rx="15" />',
        "selesai": '<rect class="simbol" x="4" y="10" width="64" height="30" rx="15" />',
        "proses": '<rect class="simbol" x="4" y="10" width="64" height="30" />',
        "keputusan": '<polygon class="simbol" points="36,8 70,25 36,42 2,25" />',
    }[step.jenis]
    arrow = '<polygon class="panah" points="31,1 41,1 36,8" />' if incoming else ""
    return (f'<svg width="72" height="44" viewBox="0 0 72 44" role="img" '
            f'aria-label="{escape(step.jenis)} {escape(step.label)}">{arrow}{shape}'
            f'<text class="simbol-teks" x="36" y="29" text-anchor="middle">{escape(step.label)}</text></svg>')


def _lane_cells(sop: Sop, people: People, rows: list[Step], r: int, columns: tuple[str, ...]) -> list[str]:
    """The Pelaksana cells of flowchart row ``r``: the symbol in its actor's column and the connectors."""
    step = rows[r]
    col = columns.index(step.pelaksana)
    previous = rows[r - 1] if r > 0 else None
    incoming = previous is not None and previous.bagian == step.bagian and previous.next_no == step.no
    following = rows[r + 1] if r + 1 < len(rows) else None
    outgoing = following is not None and following.bagian == step.bagian and step.next_no == following.no
    prev_col = columns.index(previous.pelaksana) if previous is not None and incoming else col
    low, high = min(prev_col, col), max(prev_col, col)
    cells: list[str] = []
    for c in range(len(columns)):
        parts: list[str] = []
        if c == col:
            if incoming:
                side = " sisi" if prev_col != col else ""
                parts.append(f'<span class="garis v v-in{side}"></span>')
                if prev_col < col:
                    parts.append('<span class="garis h h-kiri"></span>')
                elif prev_col > col:
                    parts.append('<span class="garis h h-kanan"></span>')
            if outgoing:
                parts.append('<span class="garis v v-out"></span>')
                if step.jenis == "keputusan":
                    parts.append('<span class="label ya">Ya</span>')
            parts.append(_symbol(step, incoming))
            routes = [text for text in routing(sop, step)
                      if not (outgoing and (text.startswith("Ya") or text.startswith("→")))
                      and text != "akhir"]
            if routes:
                parts.append(f'<span class="label rute">{escape(" · ".join(routes))}</span>')
            title = f' title="{escape(people.title(step.pelaksana))}"'
            cells.append(f'<td class="lajur aktor"{title}>{"".join(parts)}</td>')
            continue
        if incoming and c == prev_col:
            parts.append('<span class="garis v v-stub"></span>')
            side = "h-kanan" if col > prev_col else "h-kiri"
            parts.append(f'<span class="garis h {side}"></span>')
        elif incoming and low < c < high:
            parts.append('<span class="garis h h-penuh"></span>')
        cells.append(f'<td class="lajur">{"".join(parts)}</td>')
    return cells


# Long on purpose: the SOP document's HTML written in the order the printed document reads.
def render_html(sop: Sop, people: People) -> str:
    """The SOP as a standalone HTML document: identity table and flowchart table, like the paper SOP."""
    ident = sop.identitas
    columns = sop.columns()
    out: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="id">',
        "<head>",
        '<meta charset="utf-8" />',
        '<meta name="viewport" content="width=device-width, initial-scale=1" />',
        f"<title>SOP {escape(sop.nama)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
    ]
    if sop.sumber.instansi:
        out.append(f'<p class="instansi">{escape(sop.sumber.instansi)}</p>')
    out += [f"<h1>Standar Operasional Prosedur<br />{escape(sop.nama)}</h1>", "</header>",
            '<table class="identitas">']
    for label, value in identity_rows(sop, people):
        if isinstance(value, str):
            out.append(f"<tr><th>{escape(label)}</th><td>{escape(value)}</td></tr>")
    out.append("</table>")
    out.append('<table class="identitas-isi">')
    pairs = (
        (("Dasar Hukum", ident.dasar_hukum), ("Kualifikasi Pelaksana", ident.kualifikasi_pelaksana)),
        (("Keterkaitan", ident.keterkaitan), ("Peralatan/Perlengkapan", ident.peralatan)),
        (("Peringatan", ident.peringatan), ("Pencatatan dan Pendataan", ident.pencatatan)),
    )
    for left, right in pairs:
        out.append(f"<tr><th>{left[0]}</th><th>{right[0]}</th></tr>")
        out.append(f"<tr><td>{_list_html(left[1])}</td><td>{_list_html(right[1])}</td></tr>")
    out.append("</table>")

    width = 2 + len(columns) + 4
    out += [
        '<table class="alur">',
        "<thead>",
        f'<tr><th rowspan="2">No</th><th rowspan="2">Kegiatan</th><th colspan="{len(columns)}">Pelaksana</th>'
        '<th colspan="3">Mutu Baku</th><th rowspan="2">Keterangan</th></tr>',
        "<tr>" + "".join(f'<th class="pelaksana" data-role="{escape(c)}">{escape(people.title(c))}</th>'
                         for c in columns)
        + "<th>Kelengkapan</th><th>Waktu</th><th>Output</th></tr>",
        "</thead>",
        "<tbody>",
    ]
    titles = {b.kode: b.nama for b in sop.bagian}
    rows = list(sop.langkah)
    current: str | None = None
    for r, step in enumerate(rows):
        if step.bagian is not None and step.bagian != current:
            current = step.bagian
            out.append(f'<tr class="bagian"><td class="no">{escape(step.bagian)}</td>'
                       f'<td colspan="{width - 1}">{escape(titles.get(step.bagian, ""))}</td></tr>')
        kelengkapan = escape(step.kelengkapan) if step.kelengkapan else "–"
        if step.syarat:
            names = ", ".join(step.syarat)
            hint = "; ".join(SYARAT[s] for s in step.syarat)
            kelengkapan += f'<br /><small title="{escape(hint)}">syarat: {escape(names)}</small>'
        keterangan = escape(step.keterangan) if step.keterangan else ""
        if step.paraf:
            keterangan += ("<br />" if keterangan else "") + "<small>paraf</small>"
        if step.aksi:
            doing = ", ".join(f"{a} ({AKSI[a]})" for a in step.aksi)
            keterangan += ("<br />" if keterangan else "") + f"<small>CI: {escape(doing)}</small>"
        out.append(
            f'<tr class="langkah" id="langkah-{step.no}" data-no="{step.no}" '
            f'data-jenis="{escape(step.jenis)}">'
            f'<td class="no">{escape(step.label)}</td><td class="kegiatan">{escape(step.kegiatan)}</td>'
            + "".join(_lane_cells(sop, people, rows, r, columns))
            + f"<td>{kelengkapan}</td><td>{escape(step.waktu.text)}</td>"
            f"<td>{escape(step.output) if step.output else '–'}</td><td>{keterangan}</td></tr>"
        )
    out.append("</tbody>")
    total = sop.total_minutes()
    if total:
        out.append(f'<tfoot><tr><td colspan="{2 + len(columns) + 1}">TOTAL</td>'
                   f'<td class="total">{total} menit</td><td colspan="2"></td></tr></tfoot>')
    out += [
        "</table>",
        f"<footer>{escape(sop.path)} · dibuat oleh warta</footer>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(out)
