"""The typed front matter of each content kind (one pydantic schema per kind; docs/content.md).

Strict: unknown fields are errors with a suggestion, YAML 1.2 scalars, dates checked; every error names
``path:line`` and the field (:mod:`pipeline.schema`).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, PlainValidator, field_validator
from pydantic_core import PydanticCustomError

from pipeline import datetext
from pipeline.i18n import _
from pipeline.schema import Strict

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _date_error(value: str, *, time_allowed: bool) -> PydanticCustomError:
    # the error type is the finding's stable code (pipeline.schema); the message says what is wrong
    code, message = datetext.problem(value, time_allowed=time_allowed)
    return PydanticCustomError(code, "{message}", {"message": message})


def _when(value: Any) -> dt.date | dt.datetime:
    if isinstance(value, dt.date):  # datetime is a date too
        return value
    if isinstance(value, str):
        raise _date_error(value, time_allowed=True)
    raise PydanticCustomError("date.type", "{message}", {
        "message": _("expected a date written as YYYY-MM-DD or YYYY-MM-DD HH:MM")})


def _day(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        raise _date_error(value, time_allowed=False)
    raise PydanticCustomError("date.type", "{message}", {"message": _("expected a date written as YYYY-MM-DD")})


When = Annotated[dt.date | dt.datetime, PlainValidator(_when)]
Day = Annotated[dt.date, PlainValidator(_day)]
Text = Annotated[str, Field(min_length=1)]


class _Meta(Strict):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, str_strip_whitespace=True, defer_build=True)


class MediaRef(_Meta):
    file: Text
    alt: Text = Field(description="Alt text: what the photo shows.")
    caption: str | None = None


class Disposisi(_Meta):
    """SOP Pemutakhiran Website step 1: 'disposisi/form berisi kualifikasi nomor urut, tanggal dan jenis berita'."""

    nomor: Text
    tanggal: Day
    jenis_berita: Text


class SuratPermohonan(_Meta):
    """SOP Distribusi Pelayanan Informasi Publik step 1: 'Surat Permohonan Penayangan Informasi Publik'."""

    nomor: Text
    tanggal: Day
    pemohon: Text


class Lampiran(_Meta):
    file: Text
    judul: Text


class CatatanPerubahan(_Meta):
    tanggal: Day
    catatan: Text
    jenis: Literal["besar", "kecil"] = "kecil"


class DataPribadi(_Meta):
    """A recorded waiver of the personal-data check (docs/content.md): approved with the text it waives."""

    dikecualikan: list[Text] = Field(min_length=1, description="Each number allowed in this item, as written.")
    alasan: Text = Field(description="Why publishing it is lawful (e.g. the person's written consent).")


class CommonMeta(_Meta):
    """Fields every kind shares (docs/content.md)."""

    title: Text
    date: When
    kind: str | None = None
    summary: str | None = None
    tags: list[Text] = Field(default_factory=list)
    slug: str | None = None
    lang: str | None = Field(None, pattern=r"^[a-z]{2}(-[A-Z]{2})?$")
    image: str | None = None
    image_alt: str | None = None
    image_caption: str | None = None
    image_focus: list[float] | None = None
    media: list[MediaRef] = Field(default_factory=list)
    sop: str | None = None
    klasifikasi: str | None = None
    publish_at: When | None = None
    status: Literal["terbit", "dicabut"] = "terbit"
    alasan_pencabutan: str | None = None
    catatan_perubahan: list[CatatanPerubahan] = Field(default_factory=list)
    data_pribadi: DataPribadi | None = None
    # announcing (docs/channels.md): approved with the text, so covered by the digest
    kanal: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")]] | None = Field(
        None, description="The channels (names in warta.yml) this item goes to, among those its SOP names.")
    tagar: list[Annotated[str, Field(pattern=r"^[^\W_][\w]*$")]] = Field(
        default_factory=list, description="Hashtags (without #) the posts carry.")
    sebutan: dict[str, list[Annotated[str, Field(pattern=r"^@?[A-Za-z0-9_.]{1,64}$")]]] = Field(
        default_factory=dict, description="Accounts to mention, per channel name: {x: ['@akun']}.")

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str | None) -> str | None:
        if value is not None and not SLUG_RE.match(value):
            raise ValueError(_("use lower-case letters, digits and single hyphens, e.g. bantuan-bibit-cabai"))
        return value

    @field_validator("image_focus")
    @classmethod
    def _focus(cls, value: list[float] | None) -> list[float] | None:
        if value is not None and (len(value) != 2 or not all(0.0 <= v <= 1.0 for v in value)):
            raise ValueError(_("write [x, y] with each between 0 and 1, e.g. [0.5, 0.3]"))
        return value



class SiaranPersMeta(CommonMeta):
    disposisi: Disposisi | None = None
    lokasi: str | None = None
    kontak: str | None = None


class BeritaMeta(CommonMeta):
    sumber: str | None = None


class PengumumanMeta(CommonMeta):
    surat_permohonan: SuratPermohonan | None = None
    berlaku_sampai: Day | None = None


class InformasiPublikMeta(CommonMeta):
    """A Daftar Informasi Publik row (UU 14/2008; Perki 1/2021)."""

    kategori_informasi: Literal["berkala", "serta-merta", "setiap-saat", "dikecualikan"]
    pejabat_penguasa: Text
    penanggung_jawab: Text
    waktu_tempat: Text
    bentuk_informasi: list[Text] = Field(min_length=1)
    retensi: Text
    nomor_dip: str | None = None
    lampiran: list[Lampiran] = Field(default_factory=list)


class HalamanMeta(CommonMeta):
    date: When | None = None  # type: ignore[assignment]
    urutan: int = 0
    menu: bool = False


PublicKind = Literal["siaran-pers", "berita", "pengumuman", "informasi-publik", "halaman"]
_MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


class RencanaKonten(_Meta):
    """One row of the content plan's table (seed 004 A1: the content to publish, its kind, target month and
    the person responsible). ``item`` names the content file that realises it, once it exists."""

    judul: Text
    kind: PublicKind
    bulan: str = Field(pattern=_MONTH, description="Target month, YYYY-MM.")
    penanggung_jawab: Text
    item: str | None = Field(None, pattern=r"^content/.+\.md$")


class RencanaKontenMeta(CommonMeta):
    """The quarterly content plan (``content/rencana-konten/<year>/<slug>.md``): internal, approved through
    its SOP and archived, never published on the site (docs/report.md)."""

    periode: str = Field(pattern=r"^\d{4}-Q[1-4]$", description="The quarter it plans, e.g. 2026-Q4.")
    rencana: list[RencanaKonten] = Field(min_length=1)

    @field_validator("rencana")
    @classmethod
    def _months_in_quarter(cls, value: list[RencanaKonten], info: Any) -> list[RencanaKonten]:
        periode = info.data.get("periode")
        if isinstance(periode, str) and re.match(r"^\d{4}-Q[1-4]$", periode):
            year, quarter = int(periode[:4]), int(periode[-1])
            months = {f"{year}-{m:02d}" for m in range(3 * quarter - 2, 3 * quarter + 1)}
            for row in value:
                if row.bulan not in months:
                    raise ValueError(_("'{judul}': bulan {bulan} is not in {periode} ({items})",
                                       judul=row.judul, bulan=row.bulan, periode=periode, items=', '.join(sorted(months))))
        return value


class EvaluasiMeta(CommonMeta):
    """An evaluation (seed 004 C1 six-monthly by the Koordinator, C2 monthly by the Kepala Dinas):
    internal, approved through its SOP and archived. ``report_rev`` is the commit at which warta computed
    the report it approves (``warta report --period <periode> --at <report_rev>``)."""

    periode: str = Field(pattern=r"^\d{4}(-(0[1-9]|1[0-2]|Q[1-4]|H[12]))?$",
                         description="The period evaluated: 2026-11 (monthly), 2026-H2 (six-monthly).")
    report_rev: str = Field(pattern=r"^[0-9a-f]{40}$",
                            description="The full commit id the report was computed at (warta report --at).")


SCHEMAS: dict[str, type[CommonMeta]] = {
    "rencana-konten": RencanaKontenMeta,
    "evaluasi": EvaluasiMeta,
    "siaran-pers": SiaranPersMeta,
    "berita": BeritaMeta,
    "pengumuman": PengumumanMeta,
    "informasi-publik": InformasiPublikMeta,
    "halaman": HalamanMeta,
}
