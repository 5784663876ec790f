"""The whole ``warta.yml`` (:class:`SiteConfig`, its checks across sections) and reading it from a file or a
git revision: each problem is one ``warta.yml:line: error: ...`` finding."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path

from pydantic import Field, model_validator

from pipeline import yamlio
from pipeline.config.approvals import ApprovalSection
from pipeline.config.archive import ArchiveSection
from pipeline.config.channels import ChannelSection
from pipeline.config.checks import LimitsSection, PrivacySection
from pipeline.config.deploy import BuildSection, DeploySection
from pipeline.config.kinds import KINDS, ActivitySection, AnyKind, KindSection
from pipeline.config.media import MediaSection
from pipeline.config.report import ReportSection
from pipeline.config.site import SiteSection
from pipeline.errors import ConfigError, Finding
from pipeline.i18n import _
from pipeline.schema import Strict, validate

CONFIG_FILE = "warta.yml"


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
    # case-folded: on a case-insensitive file system (macOS, Windows) refs/heads/Main is main's own ref file
    register = (config.archive.register_branch or "").casefold() if config is not None else ""
    if config is not None and config.approvals.main_branch.casefold() in (register, register + "-ulasan"):
        findings.append(Finding(path, doc.line_of(("archive", "register_branch")), _(
            "archive.register_branch {register} names the main branch {branch} (approvals.main_branch) or makes it "
            "its review branch ({register}-ulasan): the register branch is a branch of its own; remove the setting "
            "to keep the register on main", register=config.archive.register_branch, branch=config.approvals.main_branch),
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
