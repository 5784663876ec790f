"""The folders whose files are items, item references or the register (never governed), and what the
history index follows along main's first-parent chain: everything outside them. Apart from
:mod:`pipeline.governed` (which re-exports them) so that reading history needs no configuration model
(``warta verify --all`` forks the child that reads history before those are imported)."""

from __future__ import annotations

# The register's record files (``warta publish`` commits them; pipeline.archive.record_files).
ARCHIVE_AREA = "arsip"
# Folders whose files are items, item references or the register, never governed.
ITEM_AREAS = ("content", ARCHIVE_AREA)

# What the history index reads along main's first-parent chain (git pathspecs): everything outside
# ITEM_AREAS. A prefix exclusion lets git skip those trees without opening them (a cold index of 10,000
# releases: 0.06 s of git instead of 1.4 s for a pattern that looks inside them).
HISTORY_PATHSPEC = (".", *(f":(exclude){area}" for area in ITEM_AREAS))
