"""``kinds:`` and ``activities:`` of ``warta.yml``: the content kinds and the SOP that governs each.

The front matter of each kind is :mod:`pipeline.kinds`; this module is only which kinds exist and which
SOP approves them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from pipeline.schema import Strict

KINDS = ("siaran-pers", "berita", "pengumuman", "informasi-publik", "halaman")
Kind = Literal["siaran-pers", "berita", "pengumuman", "informasi-publik", "halaman"]
# Internal documents (seed 004 A1 and C): approved and archived like items, never published on the site or
# announced. A site that uses one names its SOP under `kinds:` (docs/report.md).
INTERNAL_KINDS = ("rencana-konten", "evaluasi")
ALL_KINDS = KINDS + INTERNAL_KINDS
AnyKind = Literal["siaran-pers", "berita", "pengumuman", "informasi-publik", "halaman", "rencana-konten", "evaluasi"]


class KindSection(Strict):
    """How one kind of content is governed."""

    sop: str = Field(description="Id of the SOP in sop/<id>.yaml that governs this kind.")
    klasifikasi: str | None = Field(None, description="Default archive classification code for this kind.")
    retensi: str | None = Field(None, description="Default retention (Jadwal Retensi Arsip), free text.")
    other_sops: list[str] = Field(
        default_factory=list,
        description="Other SOPs an item of this kind may name with `sop:` (the choice of SOP is governance: "
                    "an item cannot pick a weaker one that is not listed here).",
    )


class ActivitySection(Strict):
    """An activity that is not a content item (e.g. the quarterly content plan) and its SOP."""

    sop: str
    description: str = ""
