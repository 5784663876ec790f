"""What the checks of the example site in real clients share (tests/site/): where the tools are, the served sites."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
NODE_MODULES = PROJECT / "node_modules"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
SUBPATH_URL = "https://dinas-pmk-bantul.example.github.io/warta-contoh"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@dataclass(frozen=True)
class Served:
    folder: Path  # the built site
    base: str  # its address on 127.0.0.1, ending in "/" (with the sub-path, when it has one)
    root: Path  # the site repository


def html_pages(folder: Path) -> list[str]:
    """Every page of a built site (site-relative, sorted), without Pagefind's own files."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.html")
                  if not p.relative_to(folder).as_posix().startswith("pagefind/"))


def page_url(base: str, rel: str) -> str:
    return base + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)
