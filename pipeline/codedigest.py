"""One digest of warta's own code: every file of the ``pipeline`` package and of the theme, and the
versions of the libraries that parse, validate and render. Caches whose entries are results of that code
(the last publish build, the routes ``warta status`` shows) carry it, so any change of code or library
makes them miss; it is computed once per process (about 20 ms)."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import os
from pathlib import Path
from typing import Any

from pipeline.resources import theme_dir

FORMAT = 1
_PACKAGE = Path(__file__).resolve().parent
# the libraries whose version can change a result (parsing, validation, rendering, templates, feeds,
# pictures, the search index, the personal-data check's phone numbers)
LIBRARIES = ("pelican", "jinja2", "markupsafe", "markdown-it-py", "nh3", "feedgenerator", "pillow", "pillow-heif",
             "pagefind-bin", "pydantic", "pydantic-core", "pyyaml", "babel", "phonenumberslite", "phonenumbers")


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "-"


def _tree_bytes(folder: Path, digest: Any) -> None:
    """Every file under ``folder`` (no byte-code caches), path and bytes, in path order."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        found.extend(Path(dirpath) / name for name in filenames if not name.endswith((".pyc", ".pyo")))
    for path in sorted(found):
        with contextlib.suppress(OSError):
            data = path.read_bytes()
            digest.update(f"{path.relative_to(folder).as_posix()}\0{len(data)}\0".encode("utf-8", "surrogateescape"))
            digest.update(data)


_code: str | None = None


def code_digest() -> str:
    """warta's code, theme and libraries, as one sha256 (once per process)."""
    global _code
    if _code is None:
        digest = hashlib.sha256(f"{FORMAT}\0".encode())
        for name in LIBRARIES:
            digest.update(f"{name}={_version(name)}\0".encode())
        _tree_bytes(_PACKAGE, digest)
        digest.update(b"\0theme\0")
        _tree_bytes(theme_dir(), digest)
        _code = digest.hexdigest()
    return _code
