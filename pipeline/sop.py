"""The SOP model: ``sop/<id>.yaml``, one Standar Operasional Prosedur per file.

An SOP document (Permenpan RB No. 35 Tahun 2012) has an identity table (*identitas*: Nomor SOP,
dates, Disahkan oleh, Dasar Hukum, ...) and a flowchart table whose rows are steps (*langkah*): No,
Kegiatan, one column per Pelaksana (the role that performs the step), Mutu Baku (Kelengkapan =
requirements, Waktu = time standard, Output) and Keterangan. A decision (*keputusan*) routes a "Ya"
onwards and a "Tidak" back to an earlier step's actor.

For warta a step is either a human step recorded by an approval commit (``paraf: true``), a pipeline
step CI performs once the human steps are done (``aksi``), or a step done outside warta. The file
format, the ``syarat`` ids and the readings of the five example documents are in ``docs/sop.md``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Annotated, Any, Literal

import pydantic
from pydantic import Field, StrictBool, StrictInt

from pipeline.i18n import _
from pipeline.schema import Strict

SOP_DIR = "sop"
PEOPLE_FILE = "people.yaml"

JENIS = ("mulai", "proses", "keputusan", "selesai")
"""Flowchart symbols: terminator (Mulai), process box, decision diamond, terminator (Selesai)."""

AKSI: dict[str, str] = {
    "terbit_website": "publish on the website",
    "kirim_medsos": "post to the social media channels",
    "tayang_videotron": "show on the videotron",
    "arsip": "file in the archive with classification and archive number",
    "lapor_tautan": "record the post links and report them to the step's pelaksana",
}
"""Pipeline steps CI performs once every paraf step is done."""

SYARAT: dict[str, str] = {
    "bukti_multimedia": "at least one photo or video (image or media)",
    "disposisi": "front matter disposisi: {nomor, tanggal, jenis_berita}",
    "surat_permohonan": "front matter surat_permohonan: {nomor, tanggal, pemohon}",
    "daftar_informasi_publik": "the Daftar Informasi Publik fields are filled",
    "klasifikasi": "an archive classification code",
    "privasi": "no NIK/KK numbers or personal phone numbers in the text",
    "ringkasan": "a summary",
}
"""Machine-checkable requirements (``mutu_baku.syarat``) that ``warta check`` tests a content file for."""

_ROLE_ID = r"^[a-z][a-z0-9_]*$"
_SOP_ID = r"^[a-z0-9][a-z0-9-]*$"
_PERIOD_UNITS = "hari|minggu|bulan|tahun"
_DURATION_UNITS = {"menit": 1, "mnt": 1, "jam": 60, "hari": 24 * 60}


# --------------------------------------------------------------------------------------------------
# Waktu: the time standard of a step


@dataclass(frozen=True)
class Waktu:
    """A step's time standard as the document writes it, and what warta can measure of it.

    ``minutes`` is set for a duration ("15 menit", "1 jam 30 menit", a bare number in a column headed
    "Waktu (menit)"); ``recurrence`` for how often something happens ("1 x 3 bulan", "tiap bulan",
    "sesuai jadwal"). For a regular recurrence ``times`` x ``every`` ``unit`` says it in numbers:
    "1 x 6 bulan" is once every 6 months.
    """

    text: str
    minutes: int | None
    recurrence: str | None
    times: int | None = None
    every: int | None = None
    unit: str | None = None


def parse_waktu(value: str | int) -> Waktu:
    """Read a Waktu cell. Raises ``ValueError`` with a message saying what can be written instead."""
    if isinstance(value, bool):
        raise ValueError(_("expected a time standard such as '15 menit', got a boolean"))
    if isinstance(value, int):
        if value < 0:
            raise ValueError(_("a time standard cannot be negative (got {value})", value=value))
        return Waktu(str(value), value, None)
    text = " ".join(value.split())
    low = text.lower()
    if re.fullmatch(r"\d+", low):
        return Waktu(text, int(low), None)
    if re.fullmatch(rf"(?:\d+\s*(?:{'|'.join(_DURATION_UNITS)})\b\s*)+", low):
        minutes = sum(int(n) * _DURATION_UNITS[u] for n, u in re.findall(r"(\d+)\s*([a-z]+)", low))
        return Waktu(text, minutes, None)
    m = re.fullmatch(rf"(?:minimal\s+)?(\d+)\s*[x×]\s*(\d+)?\s*({_PERIOD_UNITS})", low)
    if m:
        times, every, unit = int(m[1]), int(m[2] or 1), m[3]
        if times < 1 or every < 1:
            raise ValueError(_("'{text}': a recurrence needs positive numbers", text=text))
        return Waktu(text, None, f"{times} x {every} {unit}", times, every, unit)
    m = re.fullmatch(rf"(?:tiap|setiap)\s+(?:(\d+)\s+)?({_PERIOD_UNITS})", low)
    if m:
        every, unit = int(m[1] or 1), m[2]
        if every < 1:
            raise ValueError(_("'{text}': a recurrence needs positive numbers", text=text))
        recurrence = f"tiap {unit}" if every == 1 else f"tiap {every} {unit}"
        return Waktu(text, None, recurrence, 1, every, unit)
    if re.fullmatch(r"sesuai\b.*\bjadwal\b.*", low):
        return Waktu(text, None, "sesuai jadwal")
    raise ValueError(
        _("cannot read '{text}' as a time standard: write minutes ('15 menit', '1 jam 30 menit'), a recurrence ('1 x 3 "
          "bulan', 'tiap bulan') or 'sesuai jadwal yang ditentukan'", text=text)
    )


# --------------------------------------------------------------------------------------------------
# File schema (what sop/<id>.yaml may contain)

Date = Annotated[dt.date, pydantic.Strict()]


class Sumber(Strict):
    """Where the SOP document comes from."""

    instansi: str | None = Field(None, description="Office that issued the document.")
    dokumen: str | None = Field(None, description="Which document (title, file, or scan it was read from).")


class Identitas(Strict):
    """The identity table of an SOP document. Fields the document leaves empty stay null."""

    nomor: str | None = Field(None, description="Nomor SOP.")
    tanggal_pembuatan: Date | None = None
    tanggal_revisi: Date | None = None
    tanggal_efektif: Date | None = None
    tanggal_pengesahan: Date | None = Field(None, description="Date of the signature block, when given.")
    disahkan_oleh: str = Field(pattern=_ROLE_ID, description="Role id of the signatory (Disahkan oleh).")
    dasar_hukum: list[str] = Field(default_factory=list)
    kualifikasi_pelaksana: list[str] = Field(default_factory=list)
    keterkaitan: list[str] = Field(default_factory=list)
    peralatan: list[str] = Field(default_factory=list, description="Peralatan/Perlengkapan.")
    peringatan: list[str] = Field(default_factory=list)
    pencatatan: list[str] = Field(default_factory=list, description="Pencatatan dan Pendataan.")


class Bagian(Strict):
    """A section of an SOP whose steps form their own procedure (seed 004: A, B, C)."""

    kode: str = Field(min_length=1)
    nama: str = Field(min_length=1)


class MutuBakuFile(Strict):
    kelengkapan: str | None = None
    syarat: list[str] = Field(default_factory=list)
    waktu: str | StrictInt
    output: str | None = None


class StepFile(Strict):
    no: StrictInt = Field(ge=1)
    no_dokumen: str | StrictInt | None = None
    bagian: str | None = None
    kegiatan: str = Field(min_length=1)
    pelaksana: str = Field(min_length=1)
    jenis: Literal["mulai", "proses", "keputusan", "selesai"] = "proses"
    paraf: StrictBool = False
    aksi: str | list[str] | None = None
    mutu_baku: MutuBakuFile
    keterangan: str | None = None
    ya: StrictInt | None = None
    tidak: StrictInt | None = None
    lanjut: StrictInt | None = None


class SopFile(Strict):
    id: str = Field(pattern=_SOP_ID)
    nama: str = Field(min_length=1)
    sumber: Sumber = Field(default_factory=Sumber)
    identitas: Identitas
    kolom_pelaksana: list[str] = Field(default_factory=list)
    bagian: list[Bagian] = Field(default_factory=list)
    total_waktu: str | StrictInt | None = None
    langkah: list[Any] = Field(min_length=1)


# --------------------------------------------------------------------------------------------------
# The model others use


@dataclass(frozen=True)
class Step:
    """One row of the flowchart table.

    ``paraf``: a human step, recorded by an approval commit (``Warta-Step: <no>``). ``aksi``: the
    pipeline actions CI performs at this step (empty for a human step). ``next_no`` is the step that
    follows when this one is done: ``lanjut``, for a keputusan ``ya``, else the next listed step of the
    same section (none after a ``selesai`` step or the last step).
    """

    no: int
    kegiatan: str
    pelaksana: str
    jenis: str
    paraf: bool
    aksi: tuple[str, ...]
    kelengkapan: str
    syarat: tuple[str, ...]
    waktu: Waktu
    output: str
    keterangan: str | None
    ya: int | None
    tidak: int | None
    lanjut: int | None
    next_no: int | None = None
    bagian: str | None = None
    no_dokumen: str | None = None
    line: int | None = None

    @property
    def is_pipeline(self) -> bool:
        return bool(self.aksi)

    @property
    def label(self) -> str:
        """The number as the document prints it ("A1", or a duplicated "8")."""
        return self.no_dokumen or str(self.no)

    def to_json(self) -> dict[str, Any]:
        return {
            "no": self.no, "label": self.label, "bagian": self.bagian, "kegiatan": self.kegiatan,
            "pelaksana": self.pelaksana, "jenis": self.jenis, "paraf": self.paraf, "aksi": list(self.aksi),
            "mutu_baku": {
                "kelengkapan": self.kelengkapan, "syarat": list(self.syarat), "waktu": self.waktu.text,
                "minutes": self.waktu.minutes, "recurrence": self.waktu.recurrence, "output": self.output,
            },
            "keterangan": self.keterangan, "ya": self.ya, "tidak": self.tidak, "lanjut": self.lanjut,
            "next": self.next_no,
        }


@dataclass(frozen=True)
class Sop:
    """A validated SOP: every route leads to an existing step and every step can be reached."""

    id: str
    nama: str
    disahkan_oleh: str
    identitas: Identitas
    langkah: tuple[Step, ...]
    sumber: Sumber = field(default_factory=Sumber)
    bagian: tuple[Bagian, ...] = ()
    kolom_pelaksana: tuple[str, ...] = ()
    total_waktu: Waktu | None = None
    path: str = ""

    @cached_property
    def _by_no(self) -> dict[int, Step]:
        return {s.no: s for s in self.langkah}

    def step(self, no: int) -> Step:
        """The step numbered ``no``; ``KeyError`` if there is none."""
        try:
            return self._by_no[no]
        except KeyError:
            raise KeyError(_("SOP {id} has no step {no}", id=self.id, no=no)) from None

    def has_step(self, no: int) -> bool:
        return no in self._by_no

    def entry(self, bagian: str | None = None) -> Step:
        """The first step of the SOP, or of section ``bagian``."""
        if bagian is None:
            return self.langkah[0]
        for s in self.langkah:
            if s.bagian == bagian:
                return s
        raise KeyError(_("SOP {id} has no section {bagian}", id=self.id, bagian=bagian))

    def main_path(self, bagian: str | None = None) -> list[Step]:
        """The steps in the order the SOP reaches them when every decision says Ya."""
        out: list[Step] = []
        seen: set[int] = set()
        current: Step | None = self.entry(bagian)
        while current is not None and current.no not in seen:
            seen.add(current.no)
            out.append(current)
            current = self._by_no.get(current.next_no) if current.next_no is not None else None
        return out

    def approval_steps(self, bagian: str | None = None) -> list[Step]:
        """The paraf steps in the order the SOP reaches them from its first step (or ``bagian``'s)."""
        return [s for s in self.main_path(bagian) if s.paraf]

    def pipeline_steps(self, bagian: str | None = None) -> list[Step]:
        """The aksi steps in the order the SOP reaches them from its first step (or ``bagian``'s)."""
        return [s for s in self.main_path(bagian) if s.is_pipeline]

    def return_target(self, no: int) -> Step | None:
        """Where a "Tidak" at step ``no`` goes; ``None`` when the document gives the step no Tidak."""
        target = self.step(no).tidak
        return None if target is None else self.step(target)

    def total_minutes(self) -> int:
        """The sum of every step's Waktu in minutes (the TOTAL row of seed 000); recurrences add 0."""
        return sum(s.waktu.minutes or 0 for s in self.langkah)

    def columns(self) -> tuple[str, ...]:
        """The Pelaksana columns of the flowchart: ``kolom_pelaksana``, else roles in order of appearance."""
        if self.kolom_pelaksana:
            return self.kolom_pelaksana
        return tuple(dict.fromkeys(s.pelaksana for s in self.langkah))

    def roles(self) -> set[str]:
        """Every role the SOP names (pelaksana, columns and the signatory)."""
        return {self.disahkan_oleh, *self.columns(), *(s.pelaksana for s in self.langkah)}

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "nama": self.nama,
            "path": self.path,
            "sumber": self.sumber.model_dump(mode="json"),
            "identitas": self.identitas.model_dump(mode="json"),
            "bagian": [b.model_dump(mode="json") for b in self.bagian],
            "kolom_pelaksana": list(self.columns()),
            "langkah": [s.to_json() for s in self.langkah],
            "total_minutes": self.total_minutes(),
            "approval_steps": [s.no for s in self.approval_steps()],
            "pipeline_steps": [s.no for s in self.pipeline_steps()],
        }
