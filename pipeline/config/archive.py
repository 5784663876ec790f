"""``archive:`` of ``warta.yml``: how archive numbers are made."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from pipeline.i18n import _
from pipeline.schema import Strict


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
