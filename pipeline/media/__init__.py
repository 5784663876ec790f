"""Media: source photos in, upright, light, location-free pictures out (docs/media.md).

Public API, used by the site build, ``warta check`` and the videotron channel:

- :func:`inspect_source` and :func:`gps_warnings` check a source photo without decoding it;
- :func:`build_media` makes every site width and channel picture, cached and in parallel;
- :func:`picture_html` writes the ``<picture>`` markup for one built image;
- :func:`build_videotron` renders the slides and playlists for each videotron board.
"""

from __future__ import annotations

from pipeline.media.build import Derivative, ImageSet, MediaJob, MediaResult, build_media
from pipeline.media.cache import default_cache_dir
from pipeline.media.derivatives import CHANNEL_PRESETS
from pipeline.media.html import picture_html
from pipeline.media.inputs import SUPPORTED_FORMATS, MediaError, SourceInfo, inspect_source
from pipeline.media.privacy import gps_warnings
from pipeline.media.videotron import SlideInput, build_videotron, format_date_id

__all__ = [
    "CHANNEL_PRESETS",
    "SUPPORTED_FORMATS",
    "Derivative",
    "ImageSet",
    "MediaError",
    "MediaJob",
    "MediaResult",
    "SlideInput",
    "SourceInfo",
    "build_media",
    "build_videotron",
    "default_cache_dir",
    "format_date_id",
    "gps_warnings",
    "inspect_source",
    "picture_html",
]
