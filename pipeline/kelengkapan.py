"""SOP Kelengkapan (requirements) that a content file can show, checked by ``warta check``.

An SOP step's ``mutu_baku.syarat`` lists machine-checkable requirement ids; each id maps to one
function here. The SOP document text stays in ``mutu_baku.kelengkapan``; these checks are what a file
can prove of it (docs/sop.md lists the ids).
"""

from __future__ import annotations

from collections.abc import Callable

from pipeline.content import InformasiPublikMeta, Item, PengumumanMeta, SiaranPersMeta
from pipeline.errors import Finding

Check = Callable[[Item, str], list[Finding]]


def _bukti_multimedia(item: Item, source: str) -> list[Finding]:
    # Seed 002 step 1: "Menerima Berita beserta bukti otentik berbentuk multimedia (foto, video, dll)".
    if any(ref.role in ("image", "media") for ref in item.images):
        return []
    return [Finding(item.path, item.line_of("title"),
                    f"image: {source} requires multimedia evidence (bukti otentik berbentuk multimedia): "
                    "add image: with image_alt:, or media:", "image")]


def _disposisi(item: Item, source: str) -> list[Finding]:
    # Seed 002 step 1: "Press Release diberi disposisi/form berisi kualifikasi nomor urut, tanggal dan
    # jenis berita". The schema types the fields; here the disposition must be present at all.
    if isinstance(item.meta, SiaranPersMeta) and item.meta.disposisi is not None:
        return []
    return [Finding(item.path, item.line_of("title"),
                    f"disposisi: {source} requires a disposition with nomor, tanggal and jenis_berita", "disposisi")]


def _surat_permohonan(item: Item, source: str) -> list[Finding]:
    # Seed 000 step 1: "Surat Permohonan Penayangan Informasi Publik".
    if isinstance(item.meta, PengumumanMeta) and item.meta.surat_permohonan is not None:
        return []
    return [Finding(item.path, item.line_of("title"),
                    f"surat_permohonan: {source} requires the request letter (nomor, tanggal, pemohon)",
                    "surat_permohonan")]


def _daftar_informasi_publik(item: Item, source: str) -> list[Finding]:
    # Seed 001: every step works from the "Form daftar informasi publik"; the schema of
    # informasi-publik already requires its columns, other kinds cannot show it.
    if isinstance(item.meta, InformasiPublikMeta):
        return []
    return [Finding(item.path, item.line_of("title"),
                    f"kategori_informasi: {source} requires a Daftar Informasi Publik entry; "
                    "write it as kind informasi-publik", "kategori_informasi")]


def _klasifikasi(item: Item, source: str) -> list[Finding]:
    # Seed 002 step 5: "diberi nomor klasifikasi, nomor arsip".
    if item.klasifikasi:
        return []
    return [Finding(item.path, item.line_of("title"),
                    f"klasifikasi: {source} requires an archive classification code; set klasifikasi: or a "
                    "default for the kind in warta.yml", "klasifikasi")]


def _ringkasan(item: Item, source: str) -> list[Finding]:
    if (item.meta.summary or "").strip():
        return []
    return [Finding(item.path, item.line_of("title"), f"summary: {source} requires a summary (ringkasan)",
                    "summary")]


def _privasi(item: Item, source: str) -> list[Finding]:
    # Seed 004 step A2: "memperhatikan prinsip keamanan informasi dan kebijakan privasi". Personal data is
    # checked on every item of every kind by `warta check` (pipeline/privacy.py, DESIGN section 4 rule 14),
    # whether its SOP names this requirement or not, so there is nothing more to check here.
    return []


CHECKS: dict[str, Check] = {
    "bukti_multimedia": _bukti_multimedia,
    "disposisi": _disposisi,
    "surat_permohonan": _surat_permohonan,
    "daftar_informasi_publik": _daftar_informasi_publik,
    "klasifikasi": _klasifikasi,
    "ringkasan": _ringkasan,
    "privasi": _privasi,
}


def check_item(item: Item, requirements: list[tuple[str, str]]) -> list[Finding]:
    """Run each ``(syarat id, where it comes from)`` against the item; unknown ids are reported."""
    findings: list[Finding] = []
    done: set[str] = set()
    for syarat, source in requirements:
        if syarat in done:
            continue
        done.add(syarat)
        check = CHECKS.get(syarat)
        if check is None:
            findings.append(Finding(item.path, None, f"{source} names unknown requirement '{syarat}'"))
            continue
        findings.extend(check(item, source))
    return findings
