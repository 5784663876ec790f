"""Where the embedded defaults live: the example content, SOPs, theme and ``warta.yml``.

In a wheel they are packaged under ``pipeline/_data/``; in a source checkout they are the
repository's own top-level folders.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_root() -> Path:
    packaged = _PACKAGE / "_data"
    if packaged.is_dir():
        return packaged
    return _PACKAGE.parent


def theme_dir() -> Path:
    return data_root() / "theme"


def example_sop_dir() -> Path:
    return data_root() / "sop"


def example_content_dir() -> Path:
    return data_root() / "content"


def default_config_file() -> Path:
    return data_root() / "warta.yml"

