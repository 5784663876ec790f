"""``limits:`` and ``privacy:`` of ``warta.yml``: the bounds and the personal-data checks every content file passes."""

from __future__ import annotations

from pydantic import Field, field_validator

from pipeline import yamlio
from pipeline.i18n import _
from pipeline.schema import Strict


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
