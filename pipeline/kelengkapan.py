"""SOP Kelengkapan (requirements) that a content file can show, and the text a file must really contain.

An SOP step's ``mutu_baku.syarat`` lists machine-checkable requirement ids; each id maps to one
function here. The SOP document text stays in ``mutu_baku.kelengkapan``; these checks are what a file
can prove of it (docs/sop.md lists the ids). They read an :class:`Evidence`, made from a valid item or,
when its front matter has schema errors, from the front matter as written: ``warta check`` reports the
SOP's requirements together with the schema errors, not after they are fixed.

:func:`text_findings`: the template's placeholder text and text fields written empty are errors.
Finding codes (docs/content.md): ``sop.<requirement>`` (``sop.bukti-multimedia``, ...),
``text.placeholder``, ``text.empty``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.content import Item
from pipeline.errors import Finding
from pipeline.i18n import _

# What `warta new` writes as the body; an item still showing it is not written yet.
BODY_PLACEHOLDER = "Tulis isi di sini."
PLACEHOLDERS = (BODY_PLACEHOLDER,)
# Optional text fields: absent is fine, written but empty is a field someone forgot to fill.
OPTIONAL_TEXTS = ("summary", "image_alt", "image_caption", "lokasi", "kontak", "sumber", "alasan_pencabutan",
                  "nomor_dip")


@dataclass(frozen=True)
class Evidence:
    """What a content file shows of the SOP's Kelengkapan."""

    path: str
    kind: str
    line: int | None  # where a missing requirement is reported (the title line)
    pictures: bool  # image: or media: in the front matter
    present: frozenset[str]  # front matter fields written with a value
    klasifikasi: str | None

    @classmethod
    def of_item(cls, item: Item) -> Evidence:
        meta = item.meta
        present = {name for name in ("disposisi", "surat_permohonan") if getattr(meta, name, None) is not None}
        if (meta.summary or "").strip():
            present.add("summary")
        return cls(item.path, item.kind, item.line_of("title"), bool(meta.image or meta.media),
                   frozenset(present), item.klasifikasi)

    @classmethod
    def of_front_matter(cls, path: str, kind: str, data: Mapping[str, Any], line: int | None,
                        default_klasifikasi: str | None) -> Evidence:
        present = frozenset(k for k, v in data.items() if isinstance(k, str) and _written(v))
        klasifikasi = data.get("klasifikasi") if isinstance(data.get("klasifikasi"), str) else None
        return cls(path, kind, line, bool(_written(data.get("image")) or _written(data.get("media"))), present,
                   klasifikasi or default_klasifikasi)


def _written(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    return value is not None and value != [] and value != {}


Check = Callable[[Evidence, str], list[Finding]]


def _missing(evidence: Evidence, field: str, requirement: str, message: str) -> list[Finding]:
    return [Finding(evidence.path, evidence.line, f"{field}: {message}", field,
                    code="sop." + requirement.replace("_", "-"))]


def _bukti_multimedia(evidence: Evidence, source: str) -> list[Finding]:
    # Seed 002 step 1: "Menerima Berita beserta bukti otentik berbentuk multimedia (foto, video, dll)".
    if evidence.pictures:
        return []
    return _missing(evidence, "image", "bukti_multimedia", _(
        "{source} requires multimedia evidence (bukti otentik berbentuk multimedia): add image: with "
        "image_alt:, or media:", source=source))


def _disposisi(evidence: Evidence, source: str) -> list[Finding]:
    # Seed 002 step 1: "Press Release diberi disposisi/form berisi kualifikasi nomor urut, tanggal dan
    # jenis berita". The schema types the fields; here the disposition must be present at all.
    if evidence.kind == "siaran-pers" and "disposisi" in evidence.present:
        return []
    return _missing(evidence, "disposisi", "disposisi", _(
        "{source} requires a disposition with nomor, tanggal and jenis_berita", source=source))


def _surat_permohonan(evidence: Evidence, source: str) -> list[Finding]:
    # Seed 000 step 1: "Surat Permohonan Penayangan Informasi Publik".
    if evidence.kind == "pengumuman" and "surat_permohonan" in evidence.present:
        return []
    return _missing(evidence, "surat_permohonan", "surat_permohonan", _(
        "{source} requires the request letter (nomor, tanggal, pemohon)", source=source))


def _daftar_informasi_publik(evidence: Evidence, source: str) -> list[Finding]:
    # Seed 001: every step works from the "Form daftar informasi publik"; the schema of
    # informasi-publik already requires its columns, other kinds cannot show it.
    if evidence.kind == "informasi-publik":
        return []
    return _missing(evidence, "kategori_informasi", "daftar_informasi_publik", _(
        "{source} requires a Daftar Informasi Publik entry; write it as kind informasi-publik", source=source))


def _klasifikasi(evidence: Evidence, source: str) -> list[Finding]:
    # Seed 002 step 5: "diberi nomor klasifikasi, nomor arsip".
    if evidence.klasifikasi:
        return []
    return _missing(evidence, "klasifikasi", "klasifikasi", _(
        "{source} requires an archive classification code; set klasifikasi: or a default for the kind in "
        "warta.yml", source=source))


def _ringkasan(evidence: Evidence, source: str) -> list[Finding]:
    if "summary" in evidence.present:
        return []
    return _missing(evidence, "summary", "ringkasan", _("{source} requires a summary (ringkasan)", source=source))


def _privasi(evidence: Evidence, source: str) -> list[Finding]:
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


def check_evidence(evidence: Evidence, requirements: list[tuple[str, str]]) -> list[Finding]:
    """Run each ``(syarat id, where it comes from)`` against the evidence; unknown ids are reported."""
    findings: list[Finding] = []
    done: set[str] = set()
    for syarat, source in requirements:
        if syarat in done:
            continue
        done.add(syarat)
        check = CHECKS.get(syarat)
        if check is None:
            findings.append(Finding(evidence.path, None, _("{source} names unknown requirement '{syarat}'",
                                                           source=source, syarat=syarat),
                                    code="sop.unknown-requirement"))
            continue
        findings.extend(check(evidence, source))
    return findings


def check_item(item: Item, requirements: list[tuple[str, str]]) -> list[Finding]:
    """:func:`check_evidence` of a valid item."""
    return check_evidence(Evidence.of_item(item), requirements)


def text_findings(path: str, body: str, body_line: int, texts: Mapping[str, Any],
                  line_of: Callable[[str], int | None], *, withdrawn: bool = False) -> list[Finding]:
    """The body still holding the template's placeholder, an empty body, and optional text fields written
    empty (``summary: ""``): each is an error. ``texts``: the front matter's values by field name."""
    out: list[Finding] = []
    lines = body.splitlines()
    for n, line in enumerate(lines):
        if line.strip() in PLACEHOLDERS:
            out.append(Finding(path, body_line + n, _(
                "body: '{text}' is the template's placeholder: write the text of the item", text=line.strip()),
                "body", code="text.placeholder"))
    if not body.strip() and not withdrawn:
        out.append(Finding(path, body_line, _("body: the text is empty: write the text of the item"), "body",
                           code="text.empty"))
    for name in OPTIONAL_TEXTS:
        value = texts.get(name)
        if isinstance(value, str) and not value.strip():
            message = (_("{field}: written but empty: describe what the photo shows", field=name) if name == "image_alt"
                       else _("{field}: written but empty: fill it in, or remove the line", field=name))
            out.append(Finding(path, line_of(name), message, name, code="text.empty"))
    return out
