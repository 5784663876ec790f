"""Archive records: one YAML file per numbered item under ``arsip/``, the register kept in Git.

A record holds everything an archivist asks about a release: its number, classification, retention,
the whole approval chain of every version, when and where it was published, and whether it was
withdrawn. The file lives at ``arsip/<tahun>/<kode>/<urut:04d>-<slug>.yaml``; the name is fixed when
the record is first written (a later rewrite keeps it), so Git history follows one file per number.
``docs/archive.md`` explains every field to archivists.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from pydantic import (
    AwareDatetime,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from pipeline import yamlio
from pipeline.archive.numbering import Allocation
from pipeline.archive.register_cache import RegisterCache, cache_for
from pipeline.config import AnyKind
from pipeline.errors import ContentError, Finding
from pipeline.files import write_atomic
from pipeline.i18n import _
from pipeline.schema import Strict, validate
from pipeline.tree import FileTree, GitTree, WorkTree

ARCHIVE_DIR = "arsip"
RECORD_FORMAT = 1
_DIGEST = r"^sha256:[0-9a-f]{64}$"
_CODE = re.compile(r"^[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*$")  # also keeps the code safe as a folder name
_HEADER = "# Arsip {number} — written by warta publish; see docs/archive.md before editing by hand.\n"



class Klasifikasi(Strict):
    """The classification the number was given under (title copied from the table at that time)."""

    code: str = Field(min_length=1)
    title: str = Field(min_length=1)
    scheme: Literal["permendagri-83-2022", "permendagri-78-2012"]

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not _CODE.match(value):
            raise ValueError(_("a classification code is digits (or letters) separated by dots, e.g. 400.14.9"))
        return value


_REVIEW_DETAILS = ("review_id", "reviewer_id", "reviewer_login", "review_state", "record")


class ApprovalSource(Strict):
    """Where an approval was recorded: a git commit (trailers) or a forge review of a commit."""

    type: Literal["git", "forge"]
    commit: str = Field(pattern=r"^[0-9a-f]{7,64}$", description="Approval commit, or the reviewed commit.")
    forge: str | None = Field(None, description="github, gitlab or gitea, for type forge.")
    review: str | None = Field(None, description="The review's id or address, for type forge.")
    review_id: str | None = Field(None, description="The forge's id of the review.")
    reviewer_id: int | None = Field(None, description="The reviewer's numeric forge id (what matched people.yaml).")
    reviewer_login: str | None = Field(None, description="The reviewer's login when the review was copied.")
    review_state: str | None = Field(None, description="The review's state (APPROVED).")
    record: str | None = Field(None, pattern=r"^[0-9a-f]{7,64}$",
                               description="The approval record warta publish copied the review into.")

    @model_serializer(mode="wrap")
    def _compact(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """The review's details only when known (records written before them stay byte for byte)."""
        data: dict[str, Any] = handler(self)
        for key in _REVIEW_DETAILS:
            if data.get(key) is None:
                data.pop(key, None)
        return data

    @model_validator(mode="after")
    def _forge(self) -> ApprovalSource:
        if self.type == "forge" and not (self.forge and self.review):
            raise ValueError(_("a forge approval needs forge and review"))
        if self.type == "git" and (self.forge or self.review):
            raise ValueError(_("a git approval has no forge or review"))
        return self


class Approval(Strict):
    """One paraf: who approved which version (digest) at which SOP step, and where it is recorded."""

    step: int = Field(ge=1)
    kegiatan: str = Field(min_length=1)
    role: str = Field(min_length=1)
    role_title: str = Field(min_length=1)
    name: str = Field(min_length=1)
    email: str = Field(min_length=1)
    at: AwareDatetime
    digest: str = Field(pattern=_DIGEST)
    signature_fingerprint: str | None = None
    source: ApprovalSource


class Version(Strict):
    """One published version of the item. The first is the original publication."""

    digest: str = Field(pattern=_DIGEST)
    approved_at: AwareDatetime
    jenis: Literal["besar", "kecil"] = "besar"
    catatan_perubahan: str | None = None


LedgerState = Literal["attempt", "sent", "outbox", "failed", "uncertain", "not_sent", "deleted", "corrected"]
_LEDGER_FIELDS = ("state", "post_id", "error", "retryable", "retry_at", "attempts", "resolved_by")


class Channel(Strict):
    """A channel the item was announced on (website, facebook, videotron, ...): the posting ledger entry of
    one version on one channel (docs/channels.md).

    ``state``: ``attempt`` (committed before the call; found without an outcome by a later run it is
    ``uncertain``), ``sent`` (``post_id`` and ``url`` from the platform's answer), ``outbox`` (payload
    file only), ``failed`` (``error``, ``retryable``, ``retry_at``), ``uncertain`` (the request may have
    reached the platform: never sent again on its own), ``not_sent`` (a person resolved it: send again),
    ``deleted`` / ``corrected`` (a withdrawal). No state: an entry of an older warta (sent)."""

    channel: str = Field(min_length=1)
    at: AwareDatetime | None = None
    url: str | None = None
    digest: str | None = Field(None, pattern=_DIGEST, description="The version announced (the posting ledger).")
    state: LedgerState | None = None
    post_id: str | None = Field(None, max_length=200)
    error: str | None = Field(None, max_length=2000)
    retryable: bool | None = None
    retry_at: AwareDatetime | None = None
    attempts: int = Field(0, ge=0)
    resolved_by: str | None = None

    @property
    def done(self) -> bool:
        """The version went out (or a person said so): nothing more to send for it."""
        return self.state in (None, "sent", "outbox", "deleted", "corrected")


class ArchiveRecord(Strict):
    """The archive record of one item (``arsip/<tahun>/<kode>/<urut>-<slug>.yaml``)."""

    record_format: int = RECORD_FORMAT
    number: str = Field(min_length=1)
    urut: int = Field(ge=1, description="Sequence number inside the number.")
    tahun: int = Field(ge=1900, le=9999, description="Year of the number.")
    path: str = Field(pattern=r"^content/.+\.md$")
    title: str = Field(min_length=1)
    kind: AnyKind
    digest: str = Field(pattern=_DIGEST, description="Digest of the current version.")
    klasifikasi: Klasifikasi
    retensi: str | None = None
    imported: bool = Field(False, description="In the root commit: published before warta, no SOP chain.")
    approvals: list[Approval] = Field(default_factory=list)
    published_at: AwareDatetime | None = None
    channels: list[Channel] = Field(default_factory=list)
    versions: list[Version] = Field(min_length=1)
    status: Literal["terbit", "dicabut"] = "terbit"
    alasan_pencabutan: str | None = None
    dicabut_at: AwareDatetime | None = None

    @field_validator("record_format")
    @classmethod
    def _format(cls, value: int) -> int:
        if value != RECORD_FORMAT:
            raise ValueError(_("this warta reads record_format {record_format}; got {value}",
                               record_format=RECORD_FORMAT, value=value))
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ArchiveRecord:
        problems: list[str] = []
        if self.digest != self.versions[-1].digest:
            problems.append(_("digest must be the digest of the last version"))
        digests = [v.digest for v in self.versions]
        if len(set(digests)) != len(digests):
            problems.append(_("versions: a digest appears twice"))
        for a, b in zip(self.versions, self.versions[1:], strict=False):
            if b.approved_at < a.approved_at:
                problems.append(_("versions must be in the order they were approved"))
                break
        for i, version in enumerate(self.versions[1:], start=1):
            if version.jenis == "besar" and not (version.catatan_perubahan or "").strip():
                problems.append(_("versions.{i}: a major change (jenis besar) needs catatan_perubahan", i=i))
        known = set(digests)
        for i, approval in enumerate(self.approvals):
            if approval.digest not in known:
                problems.append(_("approvals.{i}: digest {digest}… is not one of the versions",
                                  i=i, digest=approval.digest[:15]))
        if not self.imported and not any(a.digest == self.digest for a in self.approvals):
            problems.append(_("the current version has no approvals (only imported records may have none)"))
        if self.status == "dicabut":
            if not (self.alasan_pencabutan or "").strip():
                problems.append(_("status dicabut needs alasan_pencabutan"))
            if self.dicabut_at is None:
                problems.append(_("status dicabut needs dicabut_at"))
        elif self.alasan_pencabutan is not None or self.dicabut_at is not None:
            problems.append(_("alasan_pencabutan and dicabut_at belong to status dicabut"))
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def slug(self) -> str:
        return PurePosixPath(self.path).stem

    @property
    def kode(self) -> str:
        return self.klasifikasi.code

    def approvals_for(self, digest: str) -> list[Approval]:
        """The approval chain of one version, in step order."""
        return sorted((a for a in self.approvals if a.digest == digest), key=lambda a: (a.step, a.at))

    def to_data(self) -> dict[str, Any]:
        """Plain data in field order (datetimes stay datetimes), as written to the YAML file; a channel's
        ledger fields only when set."""
        data = self.model_dump(mode="python")
        data["channels"] = [{k: v for k, v in c.items()
                             if k not in _LEDGER_FIELDS or not (v is None or (k == "attempts" and v == 0))}
                            for c in data["channels"]]
        return data

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def record_dir(tahun: int, kode: str) -> str:
    return f"{ARCHIVE_DIR}/{tahun}/{kode}"


def record_prefix(record: ArchiveRecord) -> str:
    """``arsip/<tahun>/<kode>/<urut:04d>-``: every file of this number starts with it."""
    return f"{record_dir(record.tahun, record.kode)}/{record.urut:04d}-"


def record_relpath(record: ArchiveRecord) -> str:
    """Where a new record is written: ``arsip/<tahun>/<kode>/<urut:04d>-<slug>.yaml``."""
    return f"{record_prefix(record)}{record.slug}.yaml"


def find_record_file(root: Path, record: ArchiveRecord) -> Path | None:
    """The file already holding this number, whatever slug it was first written with."""
    folder = root / record_dir(record.tahun, record.kode)
    if not folder.is_dir():
        return None
    head = f"{record.urut:04d}-"
    matches = sorted(p for p in folder.glob(f"{head}*.yaml") if _urut_of(p.name) == record.urut)
    return matches[0] if matches else None


def _urut_of(name: str) -> int | None:
    match = re.match(r"^(\d+)-", name)
    return int(match.group(1)) if match else None


def render_record(record: ArchiveRecord) -> str:
    """The YAML text of a record: a header comment, then the fields in a fixed order."""
    return _HEADER.format(number=record.number) + yamlio.dump(record.to_data())


def write_record(root: Path, record: ArchiveRecord) -> Path:
    """Write (or rewrite) the record file atomically and return its path.

    An existing file for the same number keeps its name, so renaming an item does not rename or
    duplicate its record. A crash leaves either the old file or the new one, never a half file.
    """
    existing = find_record_file(root, record)
    if existing is not None:
        rel = existing.relative_to(root).as_posix()
        held, findings = parse_record(existing.read_text(encoding="utf-8"), rel)
        if held is None:
            raise ContentError(_("{rel} is damaged; fix it before warta rewrites it", rel=rel), findings)
        if held.number != record.number:
            raise ContentError(_("{rel} holds number {number}; refusing to overwrite it with {number2}",
                                 rel=rel, number=held.number, number2=record.number))
    target = existing or root / record_relpath(record)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = render_record(record)
    write_atomic(target, text, durable=True)
    return target


@dataclass(frozen=True)
class StoredRecord:
    """A record and the repo-relative file it was read from."""

    file: str
    record: ArchiveRecord


def parse_record(text: str, rel: str) -> tuple[ArchiveRecord | None, list[Finding]]:
    """Validate one record file's text; every problem is a ``path:line`` finding."""
    try:
        doc = yamlio.load(text, rel)
    except yamlio.YamlSyntaxError as exc:
        return None, [exc.finding]
    findings = yamlio.duplicate_key_findings(doc)
    record, errors = validate(ArchiveRecord, doc.data, doc)
    findings.extend(errors)
    if record is None:
        return None, findings
    if _misplaced(record, rel):
        expected_dir = record_dir(record.tahun, record.kode)
        findings.append(Finding(rel, doc.line_of(("number",)),
                                _("number {number} (urut {urut}, tahun {tahun}, klasifikasi {kode}) belongs in "
                                  "{expected_dir}/{urut:04d}-*.yaml",
                                  number=record.number, urut=record.urut, tahun=record.tahun, kode=record.kode,
                                  expected_dir=expected_dir),
                                "number"))
    return (record if not findings else None), findings


def _misplaced(record: ArchiveRecord, rel: str) -> bool:
    """The file's folder and sequence number are not the record's (``arsip/<tahun>/<kode>/<urut>-*``)."""
    parent, _, name = rel.rpartition("/")
    return parent != record_dir(record.tahun, record.kode) or _urut_of(name) != record.urut


def _record_files(tree: FileTree) -> list[str]:
    return [p for p in tree.paths(ARCHIVE_DIR + "/")
            if p.endswith(".yaml") and not any(part.startswith(".") for part in p.split("/"))]


def load_records(root: Path | FileTree) -> tuple[list[StoredRecord], list[Finding]]:
    """Read every record under ``arsip/`` (of a folder, or of a file tree over git objects); damaged files
    become findings and are left out.

    Besides each file's own schema, the register as a whole is checked: a number or an item that
    appears in two records is an error in both files.
    """
    tree = WorkTree(root) if isinstance(root, Path) else root
    cache_root = tree.root if isinstance(tree, WorkTree) else tree.git.root if isinstance(tree, GitTree) else None
    findings: list[Finding] = []
    files = _record_files(tree)
    blobs = tree.read_many(files)
    texts: dict[str, bytes] = {}
    for rel in files:
        raw = blobs.get(rel)
        if raw is None:
            findings.append(Finding(rel, None, _("cannot read (a symbolic link, or not a file)")))
            continue
        texts[rel] = raw
    stored, found = records_from_texts(texts, cache_root=cache_root)
    return stored, [*findings, *found]


def records_from_texts(texts: Mapping[str, bytes | ArchiveRecord], *, cache_root: Path | None = None
                       ) -> tuple[list[StoredRecord], list[Finding]]:
    """:func:`load_records` over file contents (repo-relative path -> bytes, in file order), e.g. the
    files of the trusted register replayed from signed commits (:mod:`pipeline.archive.trust`).

    Every reader of the register comes here. A file that parsed cleanly before (the same bytes at the same
    path, the same parser) is taken from the cache of parsed records of the repository at ``cache_root``
    (:mod:`pipeline.archive.register_cache`: keyed by the blob id, validated again by the schema). A value
    that is a record already is one :func:`cached_record` gave for a blob not read."""
    cache = cache_for(cache_root)
    stored: list[StoredRecord] = []
    findings: list[Finding] = []
    for rel, raw in texts.items():
        record = raw if isinstance(raw, ArchiveRecord) else _cached(cache, rel, raw)
        if record is None:
            assert isinstance(raw, bytes)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                findings.append(Finding(rel, None, _("not UTF-8 text ({reason})", reason=exc.reason)))
                continue
            record, errors = parse_record(text, rel)
            findings.extend(errors)
            if record is not None and not errors:
                key = cache.key(rel, raw)
                cache.put(key, raw, record.model_dump_json())
                cache.remember(key, record)
        if record is not None:
            stored.append(StoredRecord(rel, record))
    cache.save()
    findings.extend(_duplicates(stored, lambda r: r.number, "number"))
    findings.extend(_duplicates(stored, lambda r: r.path, "path"))
    bad = {f.path for f in findings if f.severity == "error"}
    return [s for s in stored if s.file not in bad], findings


def cached_record(cache: RegisterCache, rel: str, oid: str) -> ArchiveRecord | None:
    """The record of git blob ``oid`` at ``rel`` from ``cache`` (:func:`register_cache.cache_for
    <pipeline.archive.register_cache.cache_for>`), without reading the blob (``None``: not there, or not
    believed; then read the bytes). The blob id is git's name of those exact bytes: the entry was stored
    for bytes with that id (:func:`~pipeline.archive.register_cache.blob_id`)."""
    key = f"{oid} {rel}"
    known = cache.parsed(key)
    if isinstance(known, ArchiveRecord):
        return known
    payload = cache.get_by_id(key)
    return None if payload is None else _believed(cache, key, rel, payload)


def _cached(cache: RegisterCache, rel: str, raw: bytes) -> ArchiveRecord | None:
    """The record of ``raw`` at ``rel`` from the cache, or ``None`` (not there, or not believed)."""
    key = cache.key(rel, raw)
    known = cache.parsed(key)
    if isinstance(known, ArchiveRecord):
        return known
    payload = cache.get(key, raw)
    return None if payload is None else _believed(cache, key, rel, payload)


def _believed(cache: RegisterCache, key: str, rel: str, payload: str) -> ArchiveRecord | None:
    """An entry's record once the schema accepts it again and it belongs at ``rel``; else forgotten."""
    try:
        record = ArchiveRecord.model_validate_json(payload)
    except ValueError:  # pydantic's ValidationError: an entry the schema refuses is parsed again
        cache.forget(key)
        return None
    if _misplaced(record, rel):
        cache.forget(key)
        return None
    cache.remember(key, record)
    return record


def _duplicates(stored: Sequence[StoredRecord], key: Any, field: str) -> list[Finding]:
    groups: dict[str, list[StoredRecord]] = {}
    for entry in stored:
        groups.setdefault(key(entry.record), []).append(entry)
    out: list[Finding] = []
    for value, group in groups.items():
        if len(group) > 1:
            for entry in group:
                others = ", ".join(o.file for o in group if o is not entry)
                what = "number" if field == "number" else "item"
                message = f"{field}: the {what} {value} also has a record in {others}"
                out.append(Finding(entry.file, None, message, field))
    return out


def read_records(root: Path) -> list[ArchiveRecord]:
    """Every record under ``arsip/``, in file order. Raises :class:`ContentError` on any damaged file."""
    stored, findings = load_records(root)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise ContentError(findings=sorted(errors))
    return [s.record for s in stored]


# -- building and changing records (used by the publish run) -----------------------------------------


def _revalidated(data: dict[str, Any]) -> ArchiveRecord:
    return ArchiveRecord.model_validate(data)


def new_record(
    allocation: Allocation,
    *,
    title: str,
    kind: str,
    digest: str,
    klasifikasi: Klasifikasi,
    approvals: Iterable[Approval],
    approved_at: dt.datetime,
    retensi: str | None = None,
    imported: bool = False,
) -> ArchiveRecord:
    """The first record of a newly numbered item (one version, not yet published)."""
    return _revalidated(_as_models({
        "number": allocation.number, "urut": allocation.urut, "tahun": allocation.tahun,
        "path": allocation.path, "title": title, "kind": kind, "digest": digest, "klasifikasi": klasifikasi,
        "retensi": retensi, "imported": imported, "approvals": list(approvals),
        "versions": [Version(digest=digest, approved_at=approved_at)],
    }))


def add_version(record: ArchiveRecord, digest: str, approved_at: dt.datetime, approvals: Iterable[Approval],
                jenis: Literal["besar", "kecil"], catatan_perubahan: str | None = None) -> ArchiveRecord:
    """A copy of ``record`` with a newly approved version appended (its chain added to ``approvals``)."""
    data = record.to_data()
    data["digest"] = digest
    data["versions"] = [*record.versions, Version(digest=digest, approved_at=approved_at, jenis=jenis,
                                                  catatan_perubahan=catatan_perubahan)]
    data["approvals"] = [*record.approvals, *approvals]
    return _revalidated(_as_models(data))


def withdraw(record: ArchiveRecord, alasan: str, at: dt.datetime) -> ArchiveRecord:
    """A copy of ``record`` marked ``dicabut`` (nothing is deleted: the number stays taken)."""
    data = record.to_data()
    data.update(status="dicabut", alasan_pencabutan=alasan, dicabut_at=at)
    return _revalidated(_as_models(data))


def with_publication(record: ArchiveRecord, published_at: dt.datetime | None,
                     channels: Iterable[Channel] = ()) -> ArchiveRecord:
    """A copy of ``record`` with its publication time and channels set (channels are merged by name)."""
    merged = {c.channel: c for c in record.channels}
    for channel in channels:
        merged[channel.channel] = channel
    data = record.to_data()
    data["published_at"] = published_at if published_at is not None else record.published_at
    data["channels"] = list(merged.values())
    return _revalidated(_as_models(data))


def _as_models(data: dict[str, Any]) -> dict[str, Any]:
    # model_dump turned nested models into dicts; models given by callers are dumped the same way
    def plain(value: Any) -> Any:
        if isinstance(value, Strict):
            return value.model_dump(mode="python")
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    return {k: plain(v) for k, v in data.items()}

