"""``warta archive export --bagit DIR``: a BagIt bag (RFC 8493) for handing releases over to an archive.

The payload keeps the repository's own paths, so the bag reads like the repository did:

```
DIR/bagit.txt, bag-info.txt, manifest-sha256.txt, manifest-sha512.txt, tagmanifest-*.txt
DIR/data/arsip/<tahun>/<kode>/<urut>-<slug>.yaml   the archive records
DIR/data/content/<kind>/<year>/<slug>.md          the items, as approved
DIR/data/content/media/...                        every photo and attachment they reference
DIR/data/daftar-arsip.csv                         the register as a table (number, title, dates, ...)
```

The bag is built in a temporary folder beside DIR and renamed into place once complete, so DIR is
either absent, empty, or a whole bag. Bags are written with the ``bagit`` library and declared as
BagIt 1.0 (the RFC 8493 version).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import bagit

from pipeline import __version__
from pipeline.archive.browse import filter_records
from pipeline.archive.classification import load_table
from pipeline.archive.records import StoredRecord, load_records
from pipeline.archive.trust import trusted_source as register_source
from pipeline.config import SiteConfig
from pipeline.content import item_digest, load_items
from pipeline.errors import ContentError, Finding, UsageError
from pipeline.i18n import _

CHECKSUMS = ["sha256", "sha512"]


@dataclass(frozen=True)
class ExportResult:
    bag: Path
    records: int
    files: int  # payload files, records and register included
    bytes: int


def _check_destination(dest: Path) -> None:
    if dest.exists() and not dest.is_dir():
        raise UsageError(_("{dest} exists and is not a folder; name a new or empty folder for the bag", dest=dest))
    if dest.is_dir() and any(dest.iterdir()):
        raise UsageError(_("{dest} is not empty; name a new or empty folder for the bag", dest=dest))


def _register_csv(stored: list[StoredRecord]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["nomor", "klasifikasi", "judul_klasifikasi", "judul", "jenis", "path", "diterbitkan",
                     "status", "retensi", "berkas_arsip"])
    for entry in stored:
        r = entry.record
        writer.writerow([r.number, r.kode, r.klasifikasi.title, r.title, r.kind, r.path,
                         r.published_at.isoformat() if r.published_at else "", r.status, r.retensi or "",
                         entry.file])
    return buffer.getvalue().encode("utf-8")


# Long on purpose: the BagIt layout written top to bottom (data, metadata, manifests) in one place.
def export_bagit(
    root: Path,
    config: SiteConfig,
    dest: Path,
    *,
    year: int | None = None,
    klasifikasi: str | None = None,
    today: dt.date | None = None,
) -> ExportResult:
    """Write the bag for every record (or those of ``year`` / under ``klasifikasi``) into ``dest``.

    Refuses (:class:`UsageError`) a ``dest`` that is a file or a non-empty folder, and
    (:class:`ContentError`) damaged records, records without their item in the working tree, and items
    whose text or media differ from the approved version named in the record.
    """
    _check_destination(dest)
    source = register_source(root)  # the register branch's tip in branch mode (git objects)
    stored, findings = load_records(source)
    errors: list[Finding] = [f for f in findings if f.severity == "error"]
    table = load_table(config.archive.scheme, root)
    chosen = filter_records(stored, year=year, klasifikasi=klasifikasi, table=table)
    if not errors and not chosen:
        scope = " matching the filters" if (year or klasifikasi) else ""
        raise ContentError(_("no archive records{scope} under arsip/: nothing to export", scope=scope))

    items, item_findings = load_items(root, config, [e.record.path for e in chosen])
    by_path = {item.path: item for item in items}
    files: dict[str, Path | bytes] = {}
    for entry in chosen:
        record = entry.record
        files[entry.file] = root / entry.file if isinstance(source, Path) else source.read(entry.file) or b""
        item = by_path.get(record.path)
        if item is None:
            if not (root / record.path).is_file():
                errors.append(Finding(entry.file, None, _("{number}: the item {path} is not in the working tree",
                                                          number=record.number, path=record.path), "path"))
            else:
                errors.extend(f for f in item_findings.errors if f.path == record.path)
                errors.append(Finding(entry.file, None, _("{number}: {path} has errors (see above; 'warta check' lists "
                                                          "them)",
                                                          number=record.number, path=record.path), "path"))
            continue
        digest = item_digest(root, item)
        if digest != record.digest:
            errors.append(Finding(entry.file, None, _("{number}: {path} or a file it references differs from the "
                                                      "approved version in the record; export from the commit that "
                                                      "published it",
                                                      number=record.number, path=record.path), "digest"))
            continue
        for rel in (item.path, *item.references):
            files[rel] = root / rel
    if errors:
        raise ContentError(findings=sorted(set(errors)))

    dest = dest.absolute()
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))
    try:
        for rel, data in sorted(files.items()):
            target = work / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, bytes):
                target.write_bytes(data)
            else:
                shutil.copy2(data, target)
        (work / "daftar-arsip.csv").write_bytes(_register_csv(chosen))
        scope = str(year) if year else "semua"
        numbers = [e.record.number for e in chosen]
        info = {
            "Source-Organization": config.site.name,
            "External-Identifier": f"{config.site.unit_code}/arsip/{scope}"
                                   + (f"/{klasifikasi}" if klasifikasi else ""),
            "External-Description": (
                f"Arsip rilis {config.site.name}: {len(chosen)} arsip ({numbers[0]} s.d. {numbers[-1]}), "
                "dengan naskah, media dan rekam persetujuan (paraf) setiap arsip."
            ),
            "Bagging-Date": (today or dt.date.today()).isoformat(),
            "Bag-Software-Agent": f"warta {__version__} (bagit.py {bagit.VERSION})",
        }
        if config.site.address:
            info["Organization-Address"] = config.site.address
        bagit.make_bag(str(work), bag_info=info, checksums=CHECKSUMS)
        # bagit.py writes version 0.97; RFC 8493 is BagIt 1.0 (same manifests, stricter file names)
        (work / "bagit.txt").write_text("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
                                        encoding="utf-8")
        bag = bagit.Bag(str(work))
        bag.save()
        total = sum(os.path.getsize(work / "data" / rel) for rel in [*files, "daftar-arsip.csv"])
        if dest.is_dir():
            dest.rmdir()  # empty, checked above
        os.rename(work, dest)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return ExportResult(dest, len(chosen), len(files) + 1, total)
