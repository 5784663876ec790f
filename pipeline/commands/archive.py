"""``warta archive list|show|export``: find releases in the archive register (``arsip/``) and hand it over.

- ``list [--year Y] [--klasifikasi K] [--search TEXT] [--json]``
- ``show NUMBER|PATH [--json]``: the record, every version with its approvals, and the item's git history
- ``export --bagit DIR [--year Y] [--klasifikasi K]``: a BagIt bag (RFC 8493) of records, items and media

Exit codes: 0 done, 1 findings (damaged records, nothing found), 2 usage or configuration error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from pipeline.archive.browse import filter_records, find_record, list_entry, post_lines, source_text
from pipeline.archive.classification import load_table
from pipeline.archive.export import export_bagit
from pipeline.archive.records import StoredRecord, load_records
from pipeline.archive.trust import trusted_source as register_source
from pipeline.config import SiteConfig, find_root, load_config
from pipeline.errors import Finding, GitError, UsageError, json_document
from pipeline.git import Git
from pipeline.i18n import _


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "archive", help=_("find archived releases, show their records, export them"),
        description=_("The archive register: one record per numbered release under arsip/."))
    sub = parser.add_subparsers(dest="archive_command", metavar="SUBCOMMAND")

    ls = sub.add_parser("list", help=_("list archive records"),
                        description=_("List archive records, oldest number first."))
    ls.add_argument("--year", type=int, metavar="Y", help=_("only numbers of year Y"))
    ls.add_argument("--klasifikasi", metavar="K", help=_("only code K and the codes below it (e.g. 400.14)"))
    ls.add_argument("--search", metavar="TEXT", help=_("only records whose number, title or path contains TEXT"))
    ls.add_argument("--json", action="store_true", help=_("print one JSON document"))
    ls.set_defaults(func=run_list)

    show = sub.add_parser("show", help=_("show one archive record"),
                          description=_("Show the record of a number or an item: classification, every version with its "
                                        "change note and approvals, and its git history."))
    show.add_argument("key", metavar="NUMBER|PATH", help=_("archive number, content path or record file"))
    show.add_argument("--json", action="store_true", help=_("print one JSON document"))
    show.set_defaults(func=run_show)

    export = sub.add_parser("export", help=_("export the archive for hand-over (BagIt)"),
                            description=_("Write a BagIt bag (RFC 8493) with the records, the items and every file they "
                                          "reference."))
    export.add_argument("--bagit", required=True, metavar="DIR", help=_("new or empty folder for the bag"))
    export.add_argument("--year", type=int, metavar="Y", help=_("only numbers of year Y"))
    export.add_argument("--klasifikasi", metavar="K", help=_("only code K and the codes below it"))
    export.set_defaults(func=run_export)

    parser.set_defaults(func=lambda args: _missing(parser))


def _missing(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _load(root: Path) -> tuple[SiteConfig, list[StoredRecord], list[Finding]]:
    config = load_config(root)
    stored, findings = load_records(register_source(root))  # the register branch's, in branch mode
    for finding in sorted(findings):
        print(finding.format(code=True), file=sys.stderr)
    return config, stored, [f for f in findings if f.severity == "error"]


def run_list(args: argparse.Namespace) -> int:
    root = find_root()
    config, stored, errors = _load(root)
    table = load_table(config.archive.scheme, root)
    chosen = filter_records(stored, year=args.year, klasifikasi=args.klasifikasi, search=args.search,
                            table=table)
    if args.json:
        print(json.dumps([list_entry(e) for e in chosen], ensure_ascii=False, indent=2))
    else:
        for entry in chosen:
            r = entry.record
            when = r.published_at.astimezone(config.tz).date().isoformat() if r.published_at else "-"
            mark = " [dicabut]" if r.status == "dicabut" else ""
            print(f"{r.number}\t{when}\t{r.title}{mark}\t{r.path}")
        print(_("{n} of {n2} records", n=len(chosen), n2=len(stored)), file=sys.stderr)
    return 1 if errors else 0


def _history(root: Path, path: str) -> list[dict[str, str]] | None:
    """``git log --follow`` of the item (through pipeline.git), or None outside a repository."""
    try:
        git = Git.discover(root)
        out = git.text("log", "--follow", "--no-color", "-z", "--format=%H%x1f%aI%x1f%an%x1f%ae%x1f%s",
                       "--end-of-options", "HEAD", "--", str(root / path), check=True)
    except GitError:
        return None
    history: list[dict[str, str]] = []
    for chunk in out.split("\0"):
        fields = chunk.strip("\n").split("\x1f")
        if len(fields) == 5:
            sha, at, name, email, subject = fields
            history.append({"commit": sha, "at": at, "name": name, "email": email, "subject": subject})
    return history


def _returns(root: Path, path: str) -> list[dict[str, Any]]:
    """Every return (kembalikan) of the item, oldest first: the decision records with ``Warta-Decision:
    return`` in HEAD's history and on refs/warta/decisions, with the reason the approver wrote."""
    from pipeline.approvals.decisions import REF  # imported here: only `archive show` needs the approvals
    from pipeline.approvals.records import parse_trailers

    try:
        git = Git.discover(root)
        refs = ["HEAD", *([REF] if git.rev_parse(REF) is not None else [])]
        out = git.text("log", "--no-color", "-z", "--reverse", "--fixed-strings", "--all-match",
                       "--grep=Warta-Decision: return", f"--grep=Warta-Item: {path}",
                       "--format=%H%x1f%aI%x1f%an%x1f%ae%x1f%B", "--end-of-options", *refs, check=True)
    except GitError:
        return []
    found: list[dict[str, Any]] = []
    seen: set[str] = set()
    for chunk in out.split("\0"):
        fields = chunk.lstrip("\n").split("\x1f", 4)
        if len(fields) != 5 or fields[0] in seen:
            continue
        sha, at, name, email, message = fields
        trailers, note = parse_trailers(message)
        values = dict(trailers)
        if values.get("Warta-Item") != path or values.get("Warta-Decision") != "return":
            continue
        seen.add(sha)
        step = values.get("Warta-Step", "")
        found.append({"commit": sha, "at": at, "name": name, "email": email, "step": int(step) if step.isdigit()
                      else None, "role": values.get("Warta-Role"), "digest": values.get("Warta-Digest"),
                      "reason": note.strip()})
    return found


def _when(value: Any, config: SiteConfig) -> str:
    return value.astimezone(config.tz).strftime("%Y-%m-%d %H:%M %Z") if value is not None else "-"


def run_show(args: argparse.Namespace) -> int:
    root = find_root()
    config, stored, errors = _load(root)
    entry = find_record(stored, args.key)
    if entry is None:
        hint = _(" (a damaged record may hold it: see the errors above)") if errors else ""
        message = _("no archive record for '{key}'{hint}; 'warta archive list' shows them", key=args.key, hint=hint)
        if args.json:  # one JSON document, also on failure (DESIGN.md section 6)
            print(json.dumps(json_document(code="archive.not_found", message=message, exit_code=1),
                             ensure_ascii=False, indent=2))
        else:
            print(f"warta: error: {message}", file=sys.stderr)
        return 1
    record = entry.record
    history = _history(root, record.path)
    returns = _returns(root, record.path)
    if args.json:
        doc = {"file": entry.file, "record": record.to_json(), "history": history, "returns": returns}
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return 0
    k = record.klasifikasi
    status: str = record.status
    if record.status == "dicabut":
        status += _(" since {when}: {reason}", when=_when(record.dicabut_at, config), reason=record.alasan_pencabutan)
    channels = ", ".join(c.channel + (f" {c.url}" if c.url else "") for c in record.channels) or "-"
    fields = [(_("number"), record.number), (_("title"), record.title), (_("item"), f"{record.path} ({record.kind})"),
              ("klasifikasi", f"{k.code} {k.title} ({k.scheme})"), ("retensi", record.retensi or "-"),
              ("status", status), (_("published"), _when(record.published_at, config)), (_("channels"), channels)]
    imported = [(_("imported"), _("published before warta (root commit): no SOP approval chain"))]
    width = max(len(label) for label, _value in [*fields, (_("record file"), ""), *imported]) + 2
    lines = [f"{label:{width}}{value}" for label, value in fields]
    lines += [*post_lines(record), f"{_('record file'):{width}}{entry.file}"]
    if record.imported:
        lines += [f"{label:{width}}{value}" for label, value in imported]
    for i, version in enumerate(record.versions, start=1):
        lines.append("")
        note = f" — {version.catatan_perubahan}" if version.catatan_perubahan else ""
        current = _(" (current)") if version.digest == record.digest else ""
        lines.append(_("version {i}{current}: approved {when}, {size} ({jenis}){note}", i=i, current=current,
                       when=_when(version.approved_at, config), size=_("major") if version.jenis == "besar"
                       else _("minor"), jenis=version.jenis, note=note))
        lines.append(f"  digest {version.digest}")
        for a in record.approvals_for(version.digest):
            source = source_text(a.source)
            signed = _(", signed {key}", key=a.signature_fingerprint) if a.signature_fingerprint else ""
            lines.append("  " + _("step {step}: {kegiatan}", step=a.step, kegiatan=a.kegiatan))
            lines.append(f"    {a.name} <{a.email}>, {a.role_title} ({a.role}), {_when(a.at, config)}; "
                         f"{source}{signed}")
    if returns:
        lines.append("")
        lines.append(_("returned for revision (dikembalikan):"))
        for r in returns:
            lines.append("  " + _("step {step} ({role}) by {name} <{email}>, {at}; commit {commit}", step=r["step"],
                                  role=r["role"], name=r["name"], email=r["email"],
                                  at=_when(dt.datetime.fromisoformat(r["at"]), config),
                                  commit=r["commit"][:12]))
            lines.append("    " + _("reason: {reason}", reason=r["reason"] or "-"))
    lines.append("")
    if history is None:
        lines.append(_("git history: not available (not a git repository, or no commit yet)"))
    else:
        lines.append(_("git history of {path} (git log --follow):", path=record.path))
        lines.extend(f"  {h['commit'][:12]} {_when(dt.datetime.fromisoformat(h['at']), config)} {h['name']}: "
                     f"{h['subject']}" for h in history)
    print("\n".join(lines))
    return 0


def run_export(args: argparse.Namespace) -> int:
    root = find_root()
    dest = Path(args.bagit)
    if not args.bagit.strip():
        raise UsageError(_("--bagit needs a folder name"))
    config = load_config(root)
    result = export_bagit(root, config, dest, year=args.year, klasifikasi=args.klasifikasi)
    print(_("bag written: {bag} ({records} records, {files} files, {bytes} bytes)",
            bag=result.bag, records=result.records, files=result.files, bytes=result.bytes))
    return 0
