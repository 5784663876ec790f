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
from collections import deque
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Annotated, Any, Literal

import pydantic
from pydantic import Field, StrictBool, StrictInt

from pipeline import yamlio
from pipeline.errors import ConfigError, Finding
from pipeline.schema import Strict, suggest, validate

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
        raise ValueError("expected a time standard such as '15 menit', got a boolean")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"a time standard cannot be negative (got {value})")
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
            raise ValueError(f"'{text}': a recurrence needs positive numbers")
        return Waktu(text, None, f"{times} x {every} {unit}", times, every, unit)
    m = re.fullmatch(rf"(?:tiap|setiap)\s+(?:(\d+)\s+)?({_PERIOD_UNITS})", low)
    if m:
        every, unit = int(m[1] or 1), m[2]
        if every < 1:
            raise ValueError(f"'{text}': a recurrence needs positive numbers")
        recurrence = f"tiap {unit}" if every == 1 else f"tiap {every} {unit}"
        return Waktu(text, None, recurrence, 1, every, unit)
    if re.fullmatch(r"sesuai\b.*\bjadwal\b.*", low):
        return Waktu(text, None, "sesuai jadwal")
    raise ValueError(
        f"cannot read '{text}' as a time standard: write minutes ('15 menit', '1 jam 30 menit'), "
        "a recurrence ('1 x 3 bulan', 'tiap bulan') or 'sesuai jadwal yang ditentukan'"
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


class _MutuBakuFile(Strict):
    kelengkapan: str | None = None
    syarat: list[str] = Field(default_factory=list)
    waktu: str | StrictInt
    output: str | None = None


class _StepFile(Strict):
    no: StrictInt = Field(ge=1)
    no_dokumen: str | StrictInt | None = None
    bagian: str | None = None
    kegiatan: str = Field(min_length=1)
    pelaksana: str = Field(min_length=1)
    jenis: Literal["mulai", "proses", "keputusan", "selesai"] = "proses"
    paraf: StrictBool = False
    aksi: str | list[str] | None = None
    mutu_baku: _MutuBakuFile
    keterangan: str | None = None
    ya: StrictInt | None = None
    tidak: StrictInt | None = None
    lanjut: StrictInt | None = None


class _SopFile(Strict):
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
            raise KeyError(f"SOP {self.id} has no step {no}") from None

    def has_step(self, no: int) -> bool:
        return no in self._by_no

    def entry(self, bagian: str | None = None) -> Step:
        """The first step of the SOP, or of section ``bagian``."""
        if bagian is None:
            return self.langkah[0]
        for s in self.langkah:
            if s.bagian == bagian:
                return s
        raise KeyError(f"SOP {self.id} has no section {bagian}")

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


# --------------------------------------------------------------------------------------------------
# Parsing and validation


def parse_sop(text: str, path: str, roles: Collection[str] | None = None) -> Sop:
    """Parse and validate one SOP file. ``roles``: the role ids of ``people.yaml`` (checked when given).

    Raises :class:`ConfigError` with every finding of the file.
    """
    sop, findings = _parse(text, path, roles)
    if findings or sop is None:
        raise ConfigError(findings=findings)
    return sop


def load_sops_from_texts(files: Mapping[str, str], roles: Collection[str] | None = None) -> dict[str, Sop]:
    """Parse SOP files given as ``{repo-relative path: text}`` (e.g. read at a git revision).

    ``people.yaml`` and files that do not end in ``.yaml`` are skipped. Every finding of every file is
    collected, then :class:`ConfigError` is raised once.
    """
    sops: dict[str, Sop] = {}
    findings: list[Finding] = []
    for path in sorted(files):
        name = PurePosixPath(path).name
        if name == PEOPLE_FILE or not name.endswith(".yaml"):
            continue
        sop, found = _parse(files[path], path, roles)
        findings.extend(found)
        if sop is not None and not found:
            sops[sop.id] = sop
    if findings:
        raise ConfigError(findings=findings)
    return sops


def load_sops(root: Path, roles: Collection[str] | None = None) -> dict[str, Sop]:
    """Read every ``<root>/sop/*.yaml`` except ``people.yaml``; raises :class:`ConfigError` once."""
    folder = root / SOP_DIR
    if not folder.is_dir():
        raise ConfigError(f"{SOP_DIR}/ not found in {root}: the SOPs live in {SOP_DIR}/<id>.yaml")
    files: dict[str, str] = {}
    findings: list[Finding] = []
    for file in sorted(folder.iterdir()):
        rel = f"{SOP_DIR}/{file.name}"
        if file.suffix == ".yml" and file.is_file():
            findings.append(Finding(rel, None, f"SOP files end in .yaml: rename to {file.stem}.yaml"))
            continue
        if file.suffix != ".yaml" or file.name == PEOPLE_FILE or not file.is_file():
            continue
        try:
            files[rel] = file.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            findings.append(Finding(rel, None, f"not UTF-8 text ({exc.reason})"))
    if not files and not findings:
        raise ConfigError(f"{SOP_DIR}/ in {root} holds no SOP file ({SOP_DIR}/<id>.yaml)")
    try:
        sops = load_sops_from_texts(files, roles)
    except ConfigError as exc:
        findings.extend(exc.findings)
        sops = {}
    if findings:
        raise ConfigError(findings=findings)
    return sops


class _Checker:
    """Collects the findings of one SOP file, each with its line."""

    def __init__(self, doc: yamlio.YamlDocument) -> None:
        self.doc = doc
        self.findings: list[Finding] = []

    def add(self, keys: tuple[str | int, ...], message: str) -> None:
        name = ".".join(str(k) for k in keys)
        field_name = next((str(k) for k in reversed(keys) if isinstance(k, str)), None)
        self.findings.append(Finding(self.doc.path, self.doc.line_of(keys), f"{name}: {message}", field_name))


def _unknown(kind: str, value: str, known: Iterable[str]) -> str:
    choices = sorted(known)
    return f"unknown {kind} '{value}'{suggest(value, choices)}; known: {', '.join(choices)}"


def _unknown_role(role: str, roles: Collection[str]) -> str:
    return f"unknown role '{role}'{suggest(role, sorted(roles))}: roles are listed in {SOP_DIR}/{PEOPLE_FILE}"


def _parse(text: str, path: str, roles: Collection[str] | None) -> tuple[Sop | None, list[Finding]]:
    try:
        doc = yamlio.load(text, path)
    except yamlio.YamlSyntaxError as exc:
        return None, [exc.finding]
    check = _Checker(doc)
    check.findings.extend(yamlio.duplicate_key_findings(doc))
    head, errors = validate(_SopFile, doc.data, doc)
    check.findings.extend(errors)
    raw_steps = doc.data.get("langkah") if isinstance(doc.data, dict) else None
    if not isinstance(raw_steps, list):
        return None, check.findings

    indexed: list[tuple[int, _StepFile]] = []
    for i, raw in enumerate(raw_steps):
        step, errors = validate(_StepFile, raw, doc, prefix=("langkah", i))
        check.findings.extend(errors)
        if step is not None:
            indexed.append((i, step))
    if head is None:
        # Still report what the steps alone can show (roles, aksi, Waktu), then stop.
        _check_steps(check, indexed, roles, None)
        return None, check.findings

    expected = PurePosixPath(path).stem
    if head.id != expected:
        check.add(("id",), f"'{head.id}' does not match the file name {path} (expected '{expected}')")
    if roles is not None:
        if head.identitas.disahkan_oleh not in roles:
            check.add(("identitas", "disahkan_oleh"), _unknown_role(head.identitas.disahkan_oleh, roles))
        for j, role in enumerate(head.kolom_pelaksana):
            if role not in roles:
                check.add(("kolom_pelaksana", j), _unknown_role(role, roles))
    codes = [b.kode for b in head.bagian]
    for j, kode in enumerate(codes):
        if kode in codes[:j]:
            check.add(("bagian", j, "kode"), f"section '{kode}' appears twice")
    waktu = _check_steps(check, indexed, roles, tuple(codes))
    if head.kolom_pelaksana:
        for i, step in indexed:
            known_role = roles is None or step.pelaksana in roles
            if known_role and step.pelaksana not in head.kolom_pelaksana:
                check.add(("langkah", i, "pelaksana"),
                          f"'{step.pelaksana}' has no column in kolom_pelaksana; add it there")
    numbers = [s.no for _, s in indexed]
    if len(indexed) != len(raw_steps) or len(set(numbers)) != len(numbers):
        # Routes are only followed when every step is readable and numbered once.
        return None, check.findings

    next_no = _check_routes(check, indexed)
    total: Waktu | None = None
    if head.total_waktu is not None and len(waktu) == len(indexed):
        try:
            total = parse_waktu(head.total_waktu)
        except ValueError as exc:
            check.add(("total_waktu",), str(exc))
        else:
            actual = sum(w.minutes or 0 for w in waktu.values())
            if total.minutes is None:
                check.add(("total_waktu",), f"'{total.text}' is not a number of minutes")
            elif total.minutes != actual:
                check.add(("total_waktu",), f"the document's total is {total.minutes} minutes but the steps "
                                            f"add up to {actual}")
    if check.findings:
        return None, check.findings

    steps = tuple(
        Step(
            no=s.no, kegiatan=s.kegiatan, pelaksana=s.pelaksana, jenis=s.jenis, paraf=s.paraf,
            aksi=_aksi_tuple(s.aksi), kelengkapan=s.mutu_baku.kelengkapan or "",
            syarat=tuple(s.mutu_baku.syarat), waktu=waktu[i], output=s.mutu_baku.output or "",
            keterangan=s.keterangan, ya=s.ya, tidak=s.tidak,
            lanjut=s.lanjut, next_no=next_no[s.no], bagian=s.bagian,
            no_dokumen=None if s.no_dokumen is None else str(s.no_dokumen),
            line=doc.line_of(("langkah", i)),
        )
        for i, s in indexed
    )
    sop = Sop(
        id=head.id, nama=head.nama, disahkan_oleh=head.identitas.disahkan_oleh, identitas=head.identitas,
        langkah=steps, sumber=head.sumber, bagian=tuple(head.bagian),
        kolom_pelaksana=tuple(head.kolom_pelaksana), total_waktu=total, path=path,
    )
    return sop, []


def _aksi_tuple(value: str | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _check_steps(
    check: _Checker, indexed: list[tuple[int, _StepFile]], roles: Collection[str] | None,
    codes: tuple[str, ...] | None,
) -> dict[int, Waktu]:
    """Per-step checks; returns the parsed Waktu of every step whose Waktu is readable.

    ``codes``: the section codes the SOP declares (``None`` when its head is invalid: sections unknown).
    """
    waktu: dict[int, Waktu] = {}
    first_line: dict[int, int] = {}
    for i, s in indexed:
        at = ("langkah", i)
        if s.no in first_line:
            check.add(at + ("no",), f"step {s.no} appears twice (first at line {first_line[s.no]})")
        else:
            first_line[s.no] = check.doc.line_of(at + ("no",))
        if roles is not None and s.pelaksana not in roles:
            check.add(at + ("pelaksana",), _unknown_role(s.pelaksana, roles))
        aksi = _aksi_tuple(s.aksi)
        for j, name in enumerate(aksi):
            keys = at + ("aksi", j) if not isinstance(s.aksi, str) else at + ("aksi",)
            if name not in AKSI:
                check.add(keys, _unknown("aksi", name, AKSI))
        if len(set(aksi)) != len(aksi):
            check.add(at + ("aksi",), "an aksi is listed twice")
        if aksi and s.paraf:
            check.add(at + ("paraf",), "a step is a human step (paraf) or a pipeline step (aksi), not both")
        for j, name in enumerate(s.mutu_baku.syarat):
            if name not in SYARAT:
                check.add(at + ("mutu_baku", "syarat", j), _unknown("syarat", name, SYARAT))
        try:
            waktu[i] = parse_waktu(s.mutu_baku.waktu)
        except ValueError as exc:
            check.add(at + ("mutu_baku", "waktu"), str(exc))
        if s.jenis == "keputusan":
            if s.tidak is None:
                check.add(at + ("jenis",), "a keputusan needs 'tidak': the step a 'Tidak' goes back to")
            elif s.tidak == s.no:
                check.add(at + ("tidak",), "a 'Tidak' goes back to an earlier step, not to the step itself")
            if s.lanjut is not None:
                check.add(at + ("lanjut",), "a keputusan goes on with 'ya', not 'lanjut'")
        else:
            for key in ("ya", "tidak"):
                if getattr(s, key) is not None:
                    check.add(at + (key,), f"only a keputusan step has '{key}' (this step is {s.jenis})")
            if s.jenis == "selesai" and s.lanjut is not None:
                check.add(at + ("lanjut",), "a selesai step ends the procedure and has no 'lanjut'")
        if codes is None:
            pass
        elif codes:
            if s.bagian is None:
                check.add(at, f"every step needs 'bagian' (one of {', '.join(codes)}): the SOP has sections")
            elif s.bagian not in codes:
                check.add(at + ("bagian",), _unknown("section", s.bagian, codes))
        elif s.bagian is not None:
            check.add(at + ("bagian",), "this SOP declares no sections (top-level 'bagian')")
    return waktu


def _check_routes(check: _Checker, indexed: list[tuple[int, _StepFile]]) -> dict[int, int | None]:
    """Routes lead to existing steps; every step is reachable; no loop traps the procedure.

    Returns each step's ``next_no``.
    """
    numbers = [s.no for _, s in indexed]
    known = set(numbers)
    span = f"{min(numbers)}-{max(numbers)}" if len(numbers) > 1 else str(numbers[0])
    bad = False
    for i, s in indexed:
        for key in ("ya", "tidak", "lanjut"):
            target = getattr(s, key)
            if target is not None and target not in known:
                check.add(("langkah", i, key), f"goes to step {target}, which does not exist (steps: {span})")
                bad = True
    if bad:
        return {}

    next_no: dict[int, int | None] = {}
    for pos, (_, s) in enumerate(indexed):
        following = indexed[pos + 1][1] if pos + 1 < len(indexed) else None
        default = following.no if following is not None and following.bagian == s.bagian else None
        if s.jenis == "selesai":
            next_no[s.no] = None
        elif s.jenis == "keputusan":
            next_no[s.no] = s.ya if s.ya is not None else default
        else:
            next_no[s.no] = s.lanjut if s.lanjut is not None else default

    def edges(s: _StepFile) -> list[int]:
        return [n for n in (next_no[s.no], s.tidak) if n is not None]

    by_no = {s.no: s for _, s in indexed}
    index_of = {s.no: i for i, s in indexed}
    entries: list[int] = []
    for pos, (_, s) in enumerate(indexed):
        if pos == 0 or s.bagian != indexed[pos - 1][1].bagian:
            entries.append(s.no)
    reachable = _closure(entries, lambda n: edges(by_no[n]))
    for i, s in indexed:
        if s.no not in reachable:
            where = "its section's first step" if s.bagian is not None else "the first step"
            check.add(("langkah", i, "no"), f"step {s.no} cannot be reached from {where}: "
                                            "no ya, tidak, lanjut or preceding step leads to it")

    # A step can finish when some path from it reaches a step with nothing after it.
    predecessors: dict[int, list[int]] = {n: [] for n in known}
    for _, s in indexed:
        for n in edges(s):
            predecessors[n].append(s.no)
    ends = [s.no for _, s in indexed if next_no[s.no] is None]
    can_finish = _closure(ends, lambda n: predecessors[n])
    reported: set[int] = set()
    for _, s in indexed:
        if s.no in can_finish or s.no in reported or s.no not in reachable:
            continue
        walk: list[int] = []
        current: int | None = s.no
        while current is not None and current not in walk:
            walk.append(current)
            current = next_no[current]
        loop = walk[walk.index(current):] if current is not None else walk
        reported.update(walk)
        closing = by_no[loop[-1]]
        key = "lanjut" if closing.lanjut is not None else "ya" if closing.ya is not None else "no"
        cycle = " -> ".join(str(n) for n in [*loop, loop[0]])
        check.add(("langkah", index_of[closing.no], key),
                  f"steps {cycle} loop with no way out: no path from them reaches a selesai step "
                  "or the end of the procedure")
    return next_no


def _closure(start: Iterable[int], step: Callable[[int], Iterable[int]]) -> set[int]:
    seen = set(start)
    queue = deque(seen)
    while queue:
        for n in step(queue.popleft()):
            if n not in seen:
                seen.add(n)
                queue.append(n)
    return seen
