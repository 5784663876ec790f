"""``approvals:`` of ``warta.yml``: the approval policy and the forge whose reviews count (``approvals.forge``)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from pipeline.config.addresses import is_api_address
from pipeline.i18n import _
from pipeline.schema import Strict

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
        if value is not None and not is_api_address(value):
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
