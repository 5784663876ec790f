"""``deploy:`` and ``build:`` of ``warta.yml``: where the built site goes and how its lists are paged."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from pipeline.i18n import _
from pipeline.schema import Strict


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
