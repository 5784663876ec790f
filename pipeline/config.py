"""``warta.yml``: the site configuration, a typed and documented schema.

Every key is described here; ``docs/configuration.md`` is the reader's version. Unknown keys are
errors that suggest the nearest valid key; a missing file, wrong types and invalid values each get
one ``warta.yml:line: error: ...`` message.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, field_validator, model_validator

from pipeline import yamlio
from pipeline.errors import ConfigError, Finding
from pipeline.i18n import _
from pipeline.schema import Strict, validate

CONFIG_FILE = "warta.yml"
KINDS = ("siaran-pers", "berita", "pengumuman", "informasi-publik", "halaman")
Kind = Literal["siaran-pers", "berita", "pengumuman", "informasi-publik", "halaman"]
# Internal documents (seed 004 A1 and C): approved and archived like items, never published on the site or
# announced. A site that uses one names its SOP under `kinds:` (docs/report.md).
INTERNAL_KINDS = ("rencana-konten", "evaluasi")
ALL_KINDS = KINDS + INTERNAL_KINDS
AnyKind = Literal["siaran-pers", "berita", "pengumuman", "informasi-publik", "halaman", "rencana-konten", "evaluasi"]


class PpidContact(Strict):
    """The PPID (Pejabat Pengelola Informasi dan Dokumentasi) that answers requests for information."""

    name: str = Field(min_length=1, description="e.g. 'PPID Pelaksana Dinas ... Kabupaten Bantul'.")
    email: str = Field("", description="Address for requests for information and objections.")
    phone: str = Field("", description="Telephone or WhatsApp line of the information desk.")
    address: str = Field("", description="Where the information desk is, when not the office's address.")


# Office hours (site.office_hours): Indonesian weekday names, Monday first, as date.weekday() numbers them.
WEEKDAYS = ("senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu")
DEFAULT_OFFICE_HOURS: dict[str, tuple[dt.time, dt.time]] = {
    day: (dt.time(7, 30), dt.time(16, 0)) for day in WEEKDAYS[:5]
}
_SPAN = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


def _weekday(value: str) -> str:
    if value not in WEEKDAYS:
        close = [day for day in WEEKDAYS if day[:3] == value[:3].lower()]
        hint = _(" (did you mean '{day}'?)", day=close[0]) if close else ""
        raise ValueError(_("unknown day '{value}'{hint}; use one of {weekdays}",
                           value=value, hint=hint, weekdays=', '.join(WEEKDAYS)))
    return value


def _span(value: Any) -> tuple[dt.time, dt.time]:
    """``"07:30-16:00"`` -> (07:30, 16:00); the closing time is after the opening time, 23:59 at the latest."""
    if isinstance(value, tuple):
        return value
    match = _SPAN.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(_('expected opening hours written as "HH:MM-HH:MM", e.g. "07:30-16:00"'))
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = dt.time(h1, m1), dt.time(h2, m2)
    if end <= start:
        raise ValueError(_("the closing time must be after the opening time"))
    return start, end


def _holiday(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(_("expected a date written as YYYY-MM-DD"))


Weekday = Annotated[str, AfterValidator(_weekday)]
Span = Annotated[tuple[dt.time, dt.time], BeforeValidator(_span)]
Holiday = Annotated[dt.date, BeforeValidator(_holiday)]


class SiteSection(Strict):
    """Who publishes: shown on every page, in feeds and on videotron slides."""

    name: str = Field(min_length=1, description="Official name of the office, e.g. 'Dinas ... Kabupaten Bantul'.")
    short_name: str | None = Field(None, description="Short name for narrow places (videotron, header).")
    url: str = Field(description="Public address of the website, https://...")
    language: str = Field("id", pattern=r"^[a-z]{2}(-[A-Z]{2})?$", description="Language of the site (BCP 47).")
    timezone: str = Field("Asia/Jakarta", description="IANA time zone for dates without an offset.")
    unit_code: str = Field(min_length=1, description="Kode unit used in archive numbers, e.g. 'DPMK'.")
    description: str = Field("", description="One sentence about the office, for the home page and feed.")
    phone: str = Field("", description="The office's telephone number, shown in the footer.")
    email: str = Field("", description="The office's public e-mail address, shown in the footer.")
    ppid: PpidContact | None = Field(None, description="The PPID's contact, shown in the footer and service pages.")
    coat_of_arms: str | None = Field(None, description="Path of the regency's coat of arms (optional, shown beside "
                                                       "the logo), relative to the repository root.")
    address: str = Field("", description="Postal address shown in the footer.")
    logo: str | None = Field(None, description="Path of the office logo, relative to the repository root.")
    office_hours: dict[Weekday, Span] = Field(
        default_factory=lambda: dict(DEFAULT_OFFICE_HOURS),
        description="Opening hours per Indonesian weekday (senin ... minggu) as \"HH:MM-HH:MM\" in the site's "
                    "time zone; a day not listed is closed. Default Monday-Friday 07:30-16:00. The footer shows "
                    "them and `warta report` counts working minutes in them.",
    )
    holidays: tuple[Holiday, ...] = Field(
        (), description="Days with no office hours (ISO dates, e.g. \"2026-12-25\").",
    )

    @field_validator("office_hours")
    @classmethod
    def _open_some_day(cls, value: dict[str, tuple[dt.time, dt.time]]) -> dict[str, tuple[dt.time, dt.time]]:
        if not value:
            raise ValueError(_("at least one day needs opening hours (leave the key out for Monday-Friday 07:30-16:00)"))
        return {day: value[day] for day in WEEKDAYS if day in value}

    @field_validator("holidays", mode="before")
    @classmethod
    def _listed_days(cls, value: Any) -> Any:
        if isinstance(value, list):
            return tuple(value)
        if not isinstance(value, tuple):
            raise ValueError(_('expected a list of dates, e.g. ["2026-12-25"]'))
        return value

    @field_validator("holidays")
    @classmethod
    def _sorted_days(cls, value: tuple[dt.date, ...]) -> tuple[dt.date, ...]:
        return tuple(sorted(set(value)))

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+(/\S*)?$", value):
            raise ValueError(_("must be an absolute http(s) address such as https://dinas.bantulkab.go.id"))
        return value.rstrip("/")

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(_("unknown time zone; use an IANA name such as Asia/Jakarta")) from None
        return value


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


ForgeType = Literal["github", "gitlab", "gitea", "forgejo"]
_FORGE_DEFAULTS = {"github": ("https://api.github.com", "GITHUB_TOKEN"), "gitlab": (None, "GITLAB_TOKEN"),
                   "gitea": (None, "GITEA_TOKEN"), "forgejo": (None, "FORGEJO_TOKEN")}


class ForgeSection(Strict):
    """The forge whose pull-request reviews count as approvals (docs/forges.md). Read from the trusted
    ``warta.yml`` only: no environment and no branch chooses which server's reviews are believed."""

    type: ForgeType = Field(description="github, gitlab, gitea or forgejo (Forgejo speaks Gitea's API).")
    url: str | None = Field(None, description="API base: https://api.github.com (the default for github), "
                                              "https://git.example.go.id/api/v1, https://gitlab.example.go.id/api/v4.")
    repository: str = Field(pattern=r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+$",
                            description="owner/name (GitLab: the project's full path, group/subgroup/name).")
    token_env: str | None = Field(None, pattern=r"^[A-Z][A-Z0-9_]*$",
                                  description="Environment variable holding the API token (default GITHUB_TOKEN, "
                                              "GITLAB_TOKEN, GITEA_TOKEN or FORGEJO_TOKEN).")

    @field_validator("url")
    @classmethod
    def _api(cls, value: str | None) -> str | None:
        # https only (a reader on the way could forge reviews), no user name; http only to this machine (tests)
        if value is not None and not (re.match(r"^https://[^\s/?#@]+(/[^\s?#]*)?$", value) or _LOOPBACK.match(value)):
            raise ValueError(_("must be the forge API's absolute https:// address without a user name, e.g. "
                               "https://api.github.com (http only on 127.0.0.1)"))
        return value.rstrip("/") if value else value

    @model_validator(mode="after")
    def _complete(self) -> ForgeSection:
        if self.type != "github" and self.url is None:
            raise ValueError(_("forge type {type} needs url (the API base, e.g. https://git.example.go.id/api/{value})",
                               type=self.type, value='v4' if self.type == 'gitlab' else 'v1'))
        if self.type != "gitlab" and self.repository.count("/") != 1:
            raise ValueError(_("repository is owner/name"))
        return self

    @property
    def api_url(self) -> str:
        return self.url or str(_FORGE_DEFAULTS[self.type][0])

    @property
    def token_variable(self) -> str:
        return self.token_env or str(_FORGE_DEFAULTS[self.type][1])

    @property
    def source(self) -> Literal["github", "gitlab", "gitea"]:
        """The name steps carry in ``status --json`` (Forgejo is a Gitea)."""
        return "gitea" if self.type in ("gitea", "forgejo") else "gitlab" if self.type == "gitlab" else "github"


class ApprovalSection(Strict):
    """Approval policy (DESIGN section 4)."""

    require_signatures: bool = Field(True, description="Approval commits must carry a good SSH signature.")
    force_publish_roles: list[str] = Field(
        default_factory=list,
        description="Roles that may force-publish serta-merta information before the chain is complete.",
    )
    main_branch: str = Field("main", description="The branch that is published.")
    forge: ForgeSection | None = Field(None, description="Pull-request reviews on this forge count as approvals.")

    @field_validator("main_branch")
    @classmethod
    def _branch_name(cls, value: str) -> str:
        # written into workflows (if:, ref:, cache keys) and git command lines: a plain branch name only
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*", value) or ".." in value \
                or value.endswith((".lock", ".")):
            raise ValueError(_("must be a plain branch name (letters, digits, '.', '_', '-' and '/' between "
                               "parts), e.g. main"))
        return value


class ArchiveSection(Strict):
    """Archive numbering (Permendagri 83/2022 or the older 78/2012 decimal scheme)."""

    scheme: Literal["permendagri-83-2022", "permendagri-78-2012"] = "permendagri-83-2022"
    number_format: str = Field("{kode}/{urut}/{unit}/{tahun}", description="Template for archive numbers.")
    sequence: Literal["per-klasifikasi-per-tahun", "per-tahun", "continuous"] = "per-klasifikasi-per-tahun"
    register_branch: str | None = Field(
        None, description="The branch the register is committed to (only the publishing identity pushes it); "
                          "absent: the register is committed to the main branch.")

    @field_validator("register_branch")
    @classmethod
    def _register_branch_name(cls, value: str | None) -> str | None:
        # written into git command lines and workflows: a plain branch name, never a ref of warta's own
        if value is None:
            return value
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*", value) or ".." in value \
                or value.endswith((".lock", ".")) or value == "HEAD":
            raise ValueError(_("must be a plain branch name (letters, digits, '.', '_', '-' and '/' between "
                               "parts), e.g. warta-arsip"))
        return value

    @field_validator("number_format")
    @classmethod
    def _template(cls, value: str) -> str:
        names = set(re.findall(r"{(\w+)(?::[^}]*)?}", value))
        unknown = names - {"kode", "urut", "unit", "tahun"}
        if unknown:
            raise ValueError(_("unknown placeholder {{{value}}}; use {{kode}} {{urut}} {{unit}} {{tahun}}",
                               value=sorted(unknown)[0]))
        if "urut" not in names:
            raise ValueError(_("must contain {urut}, the sequence number"))
        return value


class Board(Strict):
    """A videotron board: its pixel size is metres / pixel pitch (8x4 m at P5 = 1600x800)."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    width: int = Field(gt=0, le=16384)
    height: int = Field(gt=0, le=16384)
    seconds: int = Field(10, gt=0, le=600, description="How long each slide shows.")


class MediaSection(Strict):
    """Images: site derivatives, per-channel pictures and limits."""

    widths: list[int] = Field(default_factory=lambda: [480, 960, 1600], min_length=1)
    jpeg_quality: int = Field(82, ge=30, le=100)
    webp_quality: int = Field(80, ge=30, le=100)
    max_bytes: int = Field(40 * 1024 * 1024, gt=0, description="Largest source file accepted.")
    max_pixels: int = Field(60_000_000, gt=0, description="Largest source image accepted (decompression bombs).")
    videotron: list[Board] = Field(default_factory=list)

    @field_validator("widths")
    @classmethod
    def _widths(cls, value: list[int]) -> list[int]:
        if any(w < 16 or w > 8192 for w in value):
            raise ValueError(_("each width must be between 16 and 8192 pixels"))
        return sorted(set(value))


_ANNOUNCED_KINDS: tuple[Kind, ...] = ("siaran-pers", "berita", "pengumuman")

ChannelType = Literal["outbox", "webhook", "telegram", "mastodon", "facebook", "instagram", "x", "videotron"]
CHANNEL_AKSI = ("kirim_medsos", "tayang_videotron", "lapor_tautan")
"""The SOP pipeline steps (``aksi`` of sop/*.yaml) a channel can serve; ``lapor_tautan`` channels receive
the link report (seed 003 steps 10-11)."""

# Variables warta itself holds: a channel's token_env may never name one of them (the channel's host would
# receive the publishing identity's key or a deploy credential).
RESERVED_ENV = frozenset({
    "WARTA_SIGNING_KEY", "WARTA_DEPLOY_SSH_KEY", "WARTA_DEPLOY_SSH_KNOWN_HOSTS", "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "GITHUB_TOKEN", "GITEA_TOKEN", "GITLAB_TOKEN", "FORGEJO_TOKEN",
    "CI_JOB_TOKEN", "WARTA_DEPLOY_KEY", "ACTIONS_RUNTIME_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "WARTA_FAULT_AT",
    "WARTA_NOW",
})
_ENV_NAME = r"^[A-Z][A-Z0-9_]*$"
_PUBLIC_API = {
    "facebook": "https://graph.facebook.com/v25.0", "instagram": "https://graph.facebook.com/v25.0",
    "x": "https://api.x.com", "telegram": "https://api.telegram.org",
}
_LOOPBACK = re.compile(r"^http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(/\S*)?$")


class OAuth1Env(Strict):
    """X's OAuth 1.0a user-context keys: four environment variable names (its OAuth 2.0 refresh tokens
    rotate on every use, which a stateless CI run cannot keep)."""

    consumer_key: str = Field(pattern=_ENV_NAME)
    consumer_secret: str = Field(pattern=_ENV_NAME)
    access_token: str = Field(pattern=_ENV_NAME)
    access_token_secret: str = Field(pattern=_ENV_NAME)

    def names(self) -> tuple[str, ...]:
        return (self.consumer_key, self.consumer_secret, self.access_token, self.access_token_secret)


class ChannelSection(Strict):
    """One announcement channel (docs/channels.md). Secrets come from environment variables named here,
    never from the file."""

    type: ChannelType
    enabled: bool = True
    aksi: Literal["kirim_medsos", "tayang_videotron", "lapor_tautan"] | None = Field(
        None, description="The SOP pipeline step this channel serves; default tayang_videotron for videotron "
                          "(and an outbox named videotron), kirim_medsos for every other type.")
    kinds: list[Kind] = Field(default_factory=lambda: list(_ANNOUNCED_KINDS))
    url: str | None = Field(None, description="API base (default the platform's public one); the webhook's "
                                              "address. https, or http on 127.0.0.1 for tests.")
    token_env: str | OAuth1Env | None = Field(None, description="Variable holding the token (the webhook's "
                                                                "whsec_ secret); for x, the four OAuth 1.0a names.")
    folder: str | None = None
    chat_id: str | int | None = Field(None, description="telegram: @channelusername or the numeric chat id.")
    page_id: str | None = Field(None, pattern=r"^[0-9]+$", description="facebook: the Page id.")
    ig_user_id: str | None = Field(None, pattern=r"^[0-9]+$", description="instagram: the professional "
                                                                          "account's user id.")
    visibility: Literal["public", "unlisted", "private"] = "public"
    rsync_destination: str | None = Field(None, description="videotron: user@host:/path (or ssh://user@host:port/path) "
                                                            "of the player's folder; the SSH key is in token_env.")
    known_hosts: str | None = Field(None, description="videotron over rsync: the player's host key line "
                                                      "(ssh-keyscan); public, so it is governed here.")
    token_expires: dt.date | None = Field(None, description="When the token expires (Instagram's long-lived "
                                                            "tokens: 60 days); warned about 14 days before.")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not (re.match(r"^https://[^\s/?#@]+(/[^\s?#]*)?$", value) or _LOOPBACK.match(value)):
            raise ValueError(_("must be an https:// address without query or user name (http only on 127.0.0.1)"))
        return value.rstrip("/") if value else value

    @field_validator("token_env")
    @classmethod
    def _token_env(cls, value: str | OAuth1Env | None) -> str | OAuth1Env | None:
        names = value.names() if isinstance(value, OAuth1Env) else (value,) if value else ()
        for name in names:
            if not re.match(_ENV_NAME, name):
                raise ValueError(_("{name!r} is not an environment variable name (A-Z, 0-9, _)", name=name))
            if name in RESERVED_ENV:
                raise ValueError(_("names {name}, a variable warta itself holds (signing key, deploy or forge "
                                   "credentials); give the channel its own variable",
                                   name=name))
        return value

    @model_validator(mode="after")
    def _fields(self) -> ChannelSection:
        if self.aksi is None:
            videotron = self.type == "videotron"
            object.__setattr__(self, "aksi", "tayang_videotron" if videotron else "kirim_medsos")
        needs = {"telegram": ("chat_id", "token_env"), "facebook": ("page_id", "token_env"),
                 "instagram": ("ig_user_id", "token_env"), "mastodon": ("url", "token_env"),
                 "webhook": ("url", "token_env"), "x": ("token_env",)}.get(self.type, ())
        missing = [n for n in needs if getattr(self, n) is None]
        if self.enabled and missing:
            raise ValueError(_("a {type} channel needs {missing}", type=self.type, missing=' and '.join(missing)))
        if self.type == "x" and self.token_env is not None and not isinstance(self.token_env, OAuth1Env):
            raise ValueError(_("an x channel's token_env names four variables: {consumer_key, consumer_secret, "
                               "access_token, access_token_secret} (OAuth 1.0a user context)"))
        if self.type != "x" and isinstance(self.token_env, OAuth1Env):
            raise ValueError(_("a {type} channel's token_env is one variable name", type=self.type))
        if self.rsync_destination is not None and self.type != "videotron":
            raise ValueError(_("rsync_destination belongs to a videotron channel"))
        if self.aksi == "lapor_tautan" and self.type not in ("telegram", "webhook", "outbox"):
            raise ValueError(_("the link report (aksi lapor_tautan) goes to a telegram, webhook or outbox channel"))
        return self

    @property
    def api(self) -> str:
        """The API base: ``url``, else the platform's public one."""
        return self.url or _PUBLIC_API.get(self.type, "")

    @property
    def secret_names(self) -> tuple[str, ...]:
        if isinstance(self.token_env, OAuth1Env):
            return self.token_env.names()
        return (self.token_env,) if self.token_env else ()

    def serves(self, aksi: str) -> bool:
        return self.enabled and self.aksi == aksi


class DeploySection(Strict):
    """Where the built site goes."""

    target: Literal["local", "rsync", "s3", "pages"] = "local"
    path: str = Field("_site", description="Output folder for target 'local', and the folder target 'pages' "
                                           "leaves for the GitHub Pages artifact.")
    rsync_destination: str | None = None
    s3_bucket: str | None = None
    s3_endpoint: str | None = None
    s3_prefix: str = ""

    @model_validator(mode="after")
    def _complete(self) -> DeploySection:
        if self.target == "rsync" and not self.rsync_destination:
            raise ValueError(_("target 'rsync' needs rsync_destination (user@host:/path)"))
        if self.target == "s3" and not self.s3_bucket:
            raise ValueError(_("target 's3' needs s3_bucket"))
        return self


class BuildSection(Strict):
    per_page: int = Field(10, ge=1, le=200, description="Items per list page.")
    feed_items: int = Field(20, ge=1, le=500)


class LimitsSection(Strict):
    """Bounds on each content file, so no file can stall or exhaust a run (DESIGN section 4, rule 13).

    A file over a limit is a finding for that file and the item is not loaded; every other item is.
    """

    front_matter_bytes: int = Field(64 * 1024, ge=1024, le=yamlio.MAX_BYTES,
                                    description="Largest front matter (the YAML between the --- lines), in bytes.")
    body_bytes: int = Field(1024 * 1024, ge=1024, le=64 * 1024 * 1024,
                            description="Largest Markdown body, in bytes.")
    render_seconds: float = Field(10.0, gt=0, le=600,
                                  description="Longest time the Markdown of one body may take to render.")

    @property
    def file_bytes(self) -> int:
        """Largest content file: front matter, body and the two --- lines (with a little slack)."""
        return self.front_matter_bytes + self.body_bytes + 64


class PrivacySection(Strict):
    """Personal-data checks (DESIGN section 4, rule 14): numbers that may be published."""

    allowed_numbers: list[str] = Field(
        default_factory=list,
        description="The office's own telephone numbers (e.g. a public WhatsApp line), allowed in published "
                    "text; people's official numbers come from `phone` in sop/people.yaml.",
    )

    @field_validator("allowed_numbers")
    @classmethod
    def _numbers(cls, value: list[str]) -> list[str]:
        import phonenumbers  # imported here for start-up time: only a configuration listing numbers needs it

        for number in value:
            try:
                parsed = phonenumbers.parse(number, "ID")
            except phonenumbers.NumberParseException:
                parsed = None
            if parsed is None or not phonenumbers.is_possible_number(parsed):
                raise ValueError(_("'{number}' is not a telephone number; write it as +62 274 367509 or 0274 367509",
                                   number=number))
        return value


_PPID_KINDS: tuple[Kind, ...] = ("informasi-publik",)


class PublicSummarySection(Strict):
    """The public service summary page (docs/report.md): releases per month and the share published within
    the time standard, as PPID offices publish in their service reports."""

    enabled: bool = Field(True, description="Build the summary page (layanan/) on the site.")
    kinds: list[Kind] = Field(default_factory=lambda: list(_PPID_KINDS),
                              description="The kinds it counts (default: the PPID's informasi-publik).")
    months: int = Field(12, ge=1, le=60, description="How many months back it shows.")


class ReportSection(Strict):
    """``warta report`` and what the site shows of it."""

    public_summary: PublicSummarySection = Field(default_factory=PublicSummarySection)


class SiteConfig(Strict):
    """The whole ``warta.yml``."""

    site: SiteSection
    kinds: dict[AnyKind, KindSection]
    activities: dict[str, ActivitySection] = Field(default_factory=dict)
    approvals: ApprovalSection = Field(default_factory=ApprovalSection)
    archive: ArchiveSection = Field(default_factory=ArchiveSection)
    media: MediaSection = Field(default_factory=MediaSection)
    channels: dict[str, ChannelSection] = Field(default_factory=dict)
    deploy: DeploySection = Field(default_factory=DeploySection)
    build: BuildSection = Field(default_factory=BuildSection)
    limits: LimitsSection = Field(default_factory=LimitsSection)
    privacy: PrivacySection = Field(default_factory=PrivacySection)
    report: ReportSection = Field(default_factory=ReportSection)

    @model_validator(mode="after")
    def _forge_token_is_no_channels(self) -> SiteConfig:
        forge = self.approvals.forge
        for name, channel in self.channels.items():
            if forge is not None and forge.token_variable in channel.secret_names:
                raise ValueError(_("channels.{name}.token_env names {variable}, the forge token of approvals.forge: "
                                   "give the channel its own variable", name=name, variable=forge.token_variable))
        return self

    @model_validator(mode="after")
    def _all_kinds(self) -> SiteConfig:
        missing = [k for k in KINDS if k not in self.kinds]
        if missing:
            raise ValueError(_("kinds: every kind needs an SOP; missing {missing}", missing=', '.join(missing)))
        for name, channel in self.channels.items():
            # the embedded default names its videotron outbox "videotron": it shows slides
            if name == "videotron" and channel.type == "outbox" and "aksi" not in channel.model_fields_set:
                object.__setattr__(channel, "aksi", "tayang_videotron")
            forge = self.approvals.forge
            if forge is not None and forge.token_env in channel.secret_names:
                raise ValueError(_("channels.{name}.token_env names {variable}, the forge token of approvals.forge: "
                                   "give the channel its own variable", name=name, variable=forge.token_env))
        return self

    def kind_section(self, kind: str) -> KindSection | None:
        """The section of ``kind`` (a plain string, e.g. read from a path), or None for an unknown kind."""
        return next((section for name, section in self.kinds.items() if name == kind), None)

    def sop_for_kind(self, kind: str) -> str:
        section = self.kind_section(kind)
        if section is None:
            raise KeyError(kind)
        return section.sop

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.site.timezone)

    @property
    def office_hours(self) -> dict[str, tuple[dt.time, dt.time]]:
        """``site.office_hours``: weekday name (senin ... minggu) -> (opening, closing); absent days are closed."""
        return self.site.office_hours

    @property
    def holidays(self) -> tuple[dt.date, ...]:
        """``site.holidays``, sorted: days with no office hours."""
        return self.site.holidays


def parse_config(text: str, path: str = CONFIG_FILE) -> SiteConfig:
    """Parse ``warta.yml`` text (from disk or from a git revision). Raises :class:`ConfigError`."""
    try:
        doc = yamlio.load(text, path)
    except yamlio.YamlSyntaxError as exc:
        raise ConfigError(findings=[exc.finding]) from None
    findings: list[Finding] = yamlio.duplicate_key_findings(doc)
    config, errors = validate(SiteConfig, doc.data, doc)
    findings.extend(errors)
    if config is not None and config.archive.register_branch == config.approvals.main_branch:
        findings.append(Finding(path, doc.line_of(("archive", "register_branch")), _(
            "archive.register_branch is {branch}, the main branch (approvals.main_branch): the register branch is "
            "a branch of its own; "
            "remove the setting to keep the register on main", branch=config.approvals.main_branch),
            "archive.register_branch"))
    if findings or config is None:
        raise ConfigError(findings=findings)
    return config


def load_config(root: Path) -> SiteConfig:
    """Read ``<root>/warta.yml``. Raises :class:`ConfigError` with one clear message per problem."""
    file = root / CONFIG_FILE
    if not file.is_file():
        raise ConfigError(
            _("{config_file} not found in {root}: run warta inside a site repository, or create one with 'warta init DIR "
              "--example'", config_file=CONFIG_FILE, root=root)
        )
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(findings=[Finding(CONFIG_FILE, None, _("not UTF-8 text ({reason})", reason=exc.reason))]) from None
    return parse_config(text, CONFIG_FILE)


def find_root(start: Path | None = None) -> Path:
    """The nearest folder upwards holding ``warta.yml``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
    raise ConfigError(
        _("{config_file} not found in {here} or above: run warta inside a site repository, or create one with 'warta "
          "init DIR --example'", config_file=CONFIG_FILE, here=here)
    )
