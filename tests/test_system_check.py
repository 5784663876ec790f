"""`make test` names the system packages it needs and fails in CI when one is missing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from cli_helpers import PROJECT

TOOL = PROJECT / "tools" / "system_check.py"


def run(path: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "CI"}
    environment.update(env, PATH=path)
    return subprocess.run([sys.executable, str(TOOL)], capture_output=True, text=True, env=environment, timeout=60)


def only(tmp_path: Path, *commands: str) -> str:
    """A PATH holding only ``commands`` (links to the real ones)."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for name in commands:
        real = shutil.which(name)
        assert real, f"{name} is needed to run this test"
        (folder / name).symlink_to(real)
    return str(folder)


def test_without_rsync_it_warns_locally_and_fails_in_ci(tmp_path: Path) -> None:
    path = only(tmp_path, "git", "ssh-keygen")
    local = run(path)
    assert "missing rsync (Debian/Ubuntu package rsync)" in local.stderr
    assert "sudo apt-get install -y rsync" in local.stderr
    if Path("/usr/sbin/sshd").is_file() and Path("/usr/bin/chromium").is_file():
        assert local.returncode == 0
    ci = run(path, CI="true")
    assert ci.returncode == 1 and "CI=true" in ci.stderr and "rsync" in ci.stderr


def test_without_git_it_always_fails(tmp_path: Path) -> None:
    result = run(only(tmp_path, "ssh-keygen", "rsync"))
    assert result.returncode == 1
    assert "missing git 2.34+ (Debian/Ubuntu package git)" in result.stderr


def test_the_makefile_runs_the_check_before_the_tests() -> None:
    makefile = (PROJECT / "Makefile").read_text(encoding="utf-8")
    assert "test: $(STAMP) system" in makefile and "tools/system_check.py" in makefile


def test_the_makefile_takes_the_first_python_that_is_3_11_or_newer(tmp_path: Path) -> None:
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "python3.13").write_text("#!/bin/sh\nexit 127\n")  # a broken shim (pyenv without that version)
    (folder / "python3.12").write_text("#!/bin/sh\nexit 1\n")  # older than 3.11 (answers the probe with 1)
    (folder / "python3.11").symlink_to(sys.executable)
    for shim in ("python3.13", "python3.12"):
        (folder / shim).chmod(0o755)
    make = shutil.which("make")
    assert make, "make is needed"
    env = {k: v for k, v in os.environ.items() if k != "PYTHON"}
    env["PATH"] = f"{folder}:/usr/bin:/bin"
    out = subprocess.run([make, "-n", "-C", str(PROJECT), "-W", "pyproject.toml", ".venv/.installed"],
                         capture_output=True, text=True, env=env, timeout=60).stdout
    assert "python3.11 -m venv .venv" in out
    given = subprocess.run([make, "-n", "-C", str(PROJECT), "-W", "pyproject.toml", ".venv/.installed",
                            "PYTHON=/opt/python/bin/python3"], capture_output=True, text=True, env=env, timeout=60)
    assert "/opt/python/bin/python3 -m venv .venv" in given.stdout
