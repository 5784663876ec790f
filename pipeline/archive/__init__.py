"""The archive: classification tables, archive numbers, records under ``arsip/`` and the BagIt export.

Modules, one concept each:

- :mod:`~pipeline.archive.classification` — Kode Klasifikasi Arsip tables (Permendagri 83/2022, 78/2012)
- :mod:`~pipeline.archive.numbering` — pure allocation of archive numbers from the template
- :mod:`~pipeline.archive.records` — the record files under ``arsip/``: schema, writer, reader
- :mod:`~pipeline.archive.browse` — filters and lookup for ``warta archive list|show``
- :mod:`~pipeline.archive.export` — the BagIt bag for hand-over
"""

from __future__ import annotations

from pipeline.archive.classification import ClassificationTable, load_table
from pipeline.archive.numbering import Allocation, NumberRequest, allocate, parse_number
from pipeline.archive.records import ArchiveRecord, read_records, write_record

__all__ = [
    "Allocation",
    "ArchiveRecord",
    "ClassificationTable",
    "NumberRequest",
    "allocate",
    "load_table",
    "parse_number",
    "read_records",
    "write_record",
]
