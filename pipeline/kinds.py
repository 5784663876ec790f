"""The typed front matter of each content kind (one pydantic schema per kind; docs/content.md).

Strict: unknown fields are errors with a suggestion, YAML 1.2 scalars, dates checked; every error names
``path:line`` and the field (:mod:`pipeline.schema`).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, PlainValidator, field_validator

from pipeline.schema import Strict

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _when(value: Any) -> dt.date | dt.datetime:
    if isinstance(value, dt.date):  # datetime is a date too
        return value
    if isinstance(value, str):
        raise ValueError(f"'{value}' is not a valid date; write YYYY-MM-DD or YYYY-MM-DD HH:MM")
    raise ValueError("expected a date written as YYYY-MM-DD or YYYY-MM-DD HH:MM")


def _day(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        raise ValueError(f"'{value}' is not a valid date; write YYYY-MM-DD")
    raise ValueError("expected a date written as YYYY-MM-DD")


When = Annotated[dt.date | dt.datetime, PlainValidator(_when)]
Day = Annotated[dt.date, PlainValidator(_day)]
Text = Annotated[str, Field(min_length=1)]


class _Meta(Strict):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, str_strip_whitespace=True)


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
            raise ValueError("use lower-case letters, digits and single hyphens, e.g. bantuan-bibit-cabai")
        return value

    @field_validator("image_focus")
    @classmethod
    def _focus(cls, value: list[float] | None) -> list[float] | None:
        if value is not None and (len(value) != 2 or not all(0.0 <= v <= 1.0 for v in value)):
            raise ValueError("write [x, y] with each between 0 and 1, e.g. [0.5, 0.3]")
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


SCHEMAS: dict[str, type[CommonMeta]] = {
    "siaran-pers": SiaranPersMeta,
    "berita": BeritaMeta,
    "pengumuman": PengumumanMeta,
    "informasi-publik": InformasiPublikMeta,
    "halaman": HalamanMeta,
}
