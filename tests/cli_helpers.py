"""Running the real command line in tests (a subprocess, as a user runs it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


def run_warta(*args: str, cwd: Path | None = None, input: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=cwd, capture_output=True, text=True, input=input, timeout=600,
    )


def copy_example(tmp_path: Path) -> Path:
    """A copy of the project's example site (``warta.yml``, ``sop/``, ``content/``) in ``tmp_path/contoh``."""
    import shutil

    root = tmp_path / "contoh"
    root.mkdir()
    shutil.copy(PROJECT / "warta.yml", root)
    shutil.copytree(PROJECT / "sop", root / "sop")
    shutil.copytree(PROJECT / "content", root / "content")
    return root
