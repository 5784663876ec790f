"""The installed size of warta's runtime dependencies (docs/benchmarks.md, "Installed size").

    .venv/bin/python tools/install_size.py [EXTRA ...]

Reads the requirements of the installed ``warta`` distribution (no extras unless named), follows them
through every installed distribution's own requirements, and sums the files each one installed (its
RECORD), so the figure is what ``pip install warta`` puts into a fresh environment. Prints one line per
distribution, largest first, and the total.
"""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;(]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _wanted(requirement: str, extras: set[str]) -> bool:
    if ";" not in requirement:
        return True
    marker = requirement.split(";", 1)[1]
    found = re.findall(r"extra\s*==\s*['\"]([^'\"]+)['\"]", marker)
    if found:
        return any(e in extras for e in found)
    from packaging.markers import Marker  # pip's vendored copy is not importable; packaging is installed

    return bool(Marker(marker).evaluate())


def closure(root: str, extras: set[str]) -> dict[str, int]:
    sizes: dict[str, int] = {}
    todo = [(root, extras)]
    while todo:
        name, wanted = todo.pop()
        if name in sizes:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        total = 0
        for file in dist.files or ():
            path = Path(str(dist.locate_file(file)))
            if path.is_file():
                total += path.stat().st_size
        sizes[name] = total
        for requirement in dist.requires or ():
            if _wanted(requirement, wanted):
                extra = re.search(r"\[([^\]]+)\]", requirement.split(";")[0])
                todo.append((_name(requirement), set(extra.group(1).split(",")) if extra else set()))
    return sizes


def main(argv: list[str]) -> int:
    sizes = closure("warta", set(argv))
    sizes.pop("warta", None)  # an editable install: the project itself is not in the figure
    for name, size in sorted(sizes.items(), key=lambda kv: -kv[1]):
        print(f"{size / 1e6:8.1f} MB  {name}")
    print(f"{sum(sizes.values()) / 1e6:8.1f} MB  total ({len(sizes)} distributions)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
