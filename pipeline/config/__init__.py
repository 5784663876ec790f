"""``warta.yml``: the site configuration, a typed and documented schema.

Every key is described here; ``docs/configuration.md`` is the reader's version. Unknown keys are
errors that suggest the nearest valid key; a missing file, wrong types and invalid values each get
one ``warta.yml:line: error: ...`` message.

One module a section of the file; import the names from ``pipeline.config`` itself:

========================  =====================================================================
``site:``                 :mod:`pipeline.config.site` (office, contacts, PPID, office hours)
``kinds:``, activities    :mod:`pipeline.config.kinds` (the kinds and the SOP of each)
``approvals:``            :mod:`pipeline.config.approvals` (policy, ``approvals.forge``)
``archive:``              :mod:`pipeline.config.archive` (archive numbers)
``media:``                :mod:`pipeline.config.media` (images, videotron boards)
``channels:``             :mod:`pipeline.config.channels` (announcement channels, their secrets)
``deploy:``, ``build:``   :mod:`pipeline.config.deploy`
``limits:``, privacy      :mod:`pipeline.config.checks` (file bounds, allowed numbers)
``report:``               :mod:`pipeline.config.report` (the public service summary)
the whole file            :mod:`pipeline.config.load` (:class:`SiteConfig`, ``parse_config``,
                          ``load_config``, ``find_root``)
========================  =====================================================================
"""

from __future__ import annotations

from pipeline.config.approvals import ApprovalSection, ForgeSection, ForgeType
from pipeline.config.archive import ArchiveSection
from pipeline.config.channels import CHANNEL_AKSI, RESERVED_ENV, ChannelSection, ChannelType, OAuth1Env
from pipeline.config.checks import LimitsSection, PrivacySection
from pipeline.config.deploy import BuildSection, DeploySection
from pipeline.config.kinds import ALL_KINDS, INTERNAL_KINDS, KINDS, ActivitySection, AnyKind, Kind, KindSection
from pipeline.config.load import CONFIG_FILE, SiteConfig, find_root, load_config, parse_config
from pipeline.config.media import Board, MediaSection
from pipeline.config.report import PublicSummarySection, ReportSection
from pipeline.config.site import DEFAULT_OFFICE_HOURS, WEEKDAYS, Holiday, PpidContact, SiteSection, Span, Weekday

__all__ = [
    "ALL_KINDS", "CHANNEL_AKSI", "CONFIG_FILE", "DEFAULT_OFFICE_HOURS", "INTERNAL_KINDS", "KINDS", "RESERVED_ENV",
    "WEEKDAYS", "ActivitySection", "AnyKind", "ApprovalSection", "ArchiveSection", "Board", "BuildSection",
    "ChannelSection", "ChannelType", "DeploySection", "ForgeSection", "ForgeType", "Holiday", "Kind", "KindSection",
    "LimitsSection", "MediaSection", "OAuth1Env", "PpidContact", "PrivacySection", "PublicSummarySection",
    "ReportSection", "SiteConfig", "SiteSection", "Span", "Weekday", "find_root", "load_config", "parse_config",
]
