"""``media:`` of ``warta.yml``: image derivatives, their limits and the videotron boards."""

from __future__ import annotations

from pydantic import Field, field_validator

from pipeline.i18n import _
from pipeline.schema import Strict


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
