"""Writing many record files at once (``warta publish``'s numbering and record stages).

:func:`write_records` does what :func:`pipeline.archive.records.write_record` does for each record, for
all of them together, and writes the same bytes:

- each record folder is listed once (not globbed once a record) to find the file already holding a
  number, whatever slug it was first written with;
- an existing file is read back through the register's cache of parsed records (by blob id,
  :mod:`pipeline.archive.register_cache`), so the run that numbered it does not parse it again;
- the YAML is emitted by libyaml's emitter (:func:`render_fast`) when every text in the record is one
  both emitters write alike (printable, in the Basic Multilingual Plane: ``tests/test_record_files.py``
  compares them), else by PyYAML's own (:func:`pipeline.archive.records.render_record`);
- files are replaced atomically (a crash leaves the old file or the new one), without an ``fsync`` each:
  the record counts only once the register commit holding it exists, and a run that dies before it
  discards what it wrote (:func:`pipeline.publish.gitops.reset_archive`, or a fresh stage folder on a
  register branch).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from pipeline.archive.records import (
    _HEADER,
    ArchiveRecord,
    parse_record,
    record_dir,
    record_relpath,
    render_record,
)
from pipeline.archive.register_cache import cache_for
from pipeline.errors import ContentError, Finding
from pipeline.files import write_atomic
from pipeline.i18n import _


class _CPlainDumper(yaml.CSafeDumper):
    """libyaml's emitter with PyYAML's safe representer; no anchors or aliases (as ``yamlio.dump``)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _plain_text(value: Any) -> bool:
    """Whether every text in ``value`` (keys too) is printable and in the Basic Multilingual Plane."""
    if isinstance(value, str):
        return value.isprintable() and all(ord(c) < 0x10000 for c in value)
    if isinstance(value, dict):
        return all(_plain_text(k) and _plain_text(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(_plain_text(v) for v in value)
    return True


def render_fast(record: ArchiveRecord) -> str:
    """:func:`~pipeline.archive.records.render_record`'s text, through libyaml when that is the same."""
    data = record.to_data()
    if not _plain_text(data):
        return render_record(record)
    return _HEADER.format(number=record.number) + yaml.dump(
        data, Dumper=_CPlainDumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)


def _holders(root: Path, folders: set[str]) -> dict[tuple[str, int], Path]:
    """(folder, urut) -> the file already holding that number (the first by name, as ``write_record``)."""
    found: dict[tuple[str, int], Path] = {}
    for folder in sorted(folders):
        here = root / folder
        try:
            names = sorted(os.listdir(here)) if here.is_dir() else []
        except OSError:
            names = []
        for name in names:
            head, dash, _rest = name.partition("-")
            if not dash or not (head.isascii() and head.isdigit()) or not name.endswith(".yaml"):
                continue
            urut = int(head)
            if head == f"{urut:04d}":  # the name write_record gives it (``0007-…``, ``12345-…``)
                found.setdefault((folder, urut), here / name)
    return found


def write_records(root: Path, records: Sequence[ArchiveRecord], *, cache_root: Path | None = None) -> list[Path]:
    """Write (or rewrite) every record under ``root/arsip/`` (see the module docstring); the files.
    ``cache_root``: the repository whose register cache knows the files (``root`` itself by default; the
    repository, when ``root`` is the register branch's stage folder)."""
    holders = _holders(root, {record_dir(r.tahun, r.kode) for r in records})
    cache = cache_for(cache_root or root)
    targets: list[Path] = []
    for record in records:
        existing = holders.get((record_dir(record.tahun, record.kode), record.urut))
        if existing is not None:
            _check_holder(root, existing, record, cache)
        target = existing or root / record_relpath(record)
        write_atomic(target, render_fast(record))
        targets.append(target)
    cache.save()
    return targets


def _check_holder(root: Path, existing: Path, record: ArchiveRecord, cache: Any) -> None:
    """Refuse to rewrite a damaged file, or one holding another number (as ``write_record`` refuses)."""
    rel = existing.relative_to(root).as_posix()
    raw = existing.read_bytes()
    key = cache.key(rel, raw)
    held = cache.parsed(key)
    if not isinstance(held, ArchiveRecord):
        payload = cache.get(key, raw)
        held = _validated(payload) if payload is not None else None
    if held is None:
        try:
            parsed, findings = parse_record(raw.decode("utf-8"), rel)
        except UnicodeDecodeError as exc:
            parsed, findings = None, [Finding(rel, None, _("not UTF-8 text ({reason})", reason=exc.reason))]
        if parsed is None:
            raise ContentError(_("{rel} is damaged; fix it before warta rewrites it", rel=rel), findings)
        held = parsed
    if held.number != record.number:
        raise ContentError(_("{rel} holds number {number}; refusing to overwrite it with {number2}",
                             rel=rel, number=held.number, number2=record.number))


def _validated(payload: str) -> ArchiveRecord | None:
    try:
        return ArchiveRecord.model_validate_json(payload)
    except ValueError:
        return None
