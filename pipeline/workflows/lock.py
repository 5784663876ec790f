"""``requirements.txt`` with hashes: the exact files the site workflows install (``warta init --lock``).

The workflows run ``python -m pip install --require-hashes --no-deps -r requirements.txt``: pip refuses
any file whose sha256 is not listed, and installs nothing the list does not name. The list is made with
pip's own machinery: ``pip download`` resolves warta's pinned version and every dependency *for the
runner* (CPython :data:`~pipeline.workflows.pins.PYTHON_VERSION` on x86-64 Linux, wheels only), whatever
machine the office runs ``--lock`` on, and each downloaded file is hashed with sha256 as ``pip hash``
does. Where the packages come from is pip's usual configuration, or ``find_links`` / ``index_url``.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline import __version__
from pipeline.errors import UsageError
from pipeline.i18n import _
from pipeline.workflows.pins import PYTHON_VERSION

REQUIREMENTS = "requirements.txt"
# GitHub's ubuntu-latest and GitLab's python:*-slim images: glibc 2.35 to 2.41 on x86-64. pip does not
# widen a manylinux_2_N tag to older ones by itself, so every one down to manylinux2014 is listed.
PLATFORMS = (*(f"manylinux_2_{n}_x86_64" for n in range(41, 16, -1)), "manylinux2014_x86_64", "linux_x86_64")
_WHEEL = re.compile(r"^(?P<name>[A-Za-z0-9_.]+?)-(?P<version>[^-]+)-.+\.whl$")
TIMEOUT = 900

UNLOCKED = """\
# The warta version this site's workflows install. The workflows install with --require-hashes, so they
# refuse this file until hashes are added: run `warta init --lock .` in the repository (pip downloads the
# files for the runner and writes their sha256), then commit the result (a governed file: every
# signatory approves it).
warta=={version}
"""


@dataclass(frozen=True)
class Locked:
    name: str
    version: str
    sha256: str


def default_spec() -> str:
    """The warta that is running now, pinned."""
    return f"warta=={__version__}"


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pip_download_args(specs: Sequence[str], dest: Path, *, find_links: Sequence[str] = (),
                      index_url: str | None = None, no_index: bool = False) -> list[str]:
    args = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
            "--dest", str(dest), "--only-binary=:all:", "--python-version", PYTHON_VERSION,
            "--implementation", "cp", "--abi", "cp" + PYTHON_VERSION.replace(".", ""), "--abi", "abi3",
            "--abi", "none"]
    for platform in PLATFORMS:
        args += ["--platform", platform]
    if no_index:
        args.append("--no-index")
    if index_url:
        args += ["--index-url", index_url]
    for link in find_links:
        args += ["--find-links", link]
    return [*args, *specs]


def hashed(folder: Path) -> list[Locked]:
    """Every wheel in ``folder`` with its sha256, by normalised name."""
    out: list[Locked] = []
    for path in sorted(folder.iterdir()):
        found = _WHEEL.match(path.name)
        if found is None:
            raise UsageError(_("warta init --lock: pip downloaded {name}, which is not a wheel; the runner would "
                               "have to build it, so it cannot be locked", name=path.name))
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        out.append(Locked(normalise(found["name"]), found["version"], digest))
    return sorted(out, key=lambda lock: lock.name)


def requirements_text(locked: Sequence[Locked], specs: Sequence[str]) -> str:
    lines = [
        "# The exact files CI installs (python -m pip install --require-hashes --no-deps -r",
        f"# this file), for CPython {PYTHON_VERSION} on x86-64 Linux. Written by `warta init --lock` from: "
        f"{' '.join(specs)}.",
        "# A governed file: a change takes effect only when every signatory approves it. Do not edit by hand.",
    ]
    for lock in locked:
        lines.append(f"{lock.name}=={lock.version} \\\n    --hash=sha256:{lock.sha256}")
    return "\n".join(lines) + "\n"


def lock(target: Path, specs: Sequence[str] | None = None, *, find_links: Sequence[str] = (),
         index_url: str | None = None, no_index: bool = False) -> list[Locked]:
    """Write ``target/requirements.txt`` locking ``specs`` (default: the running warta) and everything
    they need; the locked files. Raises :class:`UsageError` when pip cannot resolve them."""
    wanted = list(specs or [default_spec()])
    with tempfile.TemporaryDirectory(prefix="warta-lock-") as tmp:
        dest = Path(tmp)
        args = pip_download_args(wanted, dest, find_links=find_links, index_url=index_url, no_index=no_index)
        try:
            proc = subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT,
                                  env={**os.environ, "PIP_NO_INPUT": "1"})
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise UsageError(_("warta init --lock: pip download did not finish: {reason}", reason=exc)) from None
        if proc.returncode != 0:
            tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
            raise UsageError(_("warta init --lock: pip could not download {specs} for CPython {python} on "
                               "Linux:\n{output}", specs=" ".join(wanted), python=PYTHON_VERSION, output=tail))
        locked = hashed(dest)
    names = {lk.name for lk in locked}
    for spec in wanted:
        name = normalise(re.split(r"[<>=!~;\[ ]", spec, maxsplit=1)[0])
        if name not in names:
            raise UsageError(_("warta init --lock: pip downloaded no wheel of {spec}", spec=spec))
    (target / REQUIREMENTS).write_text(requirements_text(locked, wanted), encoding="utf-8")
    return locked


def write_unlocked(target: Path) -> None:
    """The pin without hashes (``warta init`` without ``--lock``): the workflows refuse it until locked."""
    (target / REQUIREMENTS).write_text(UNLOCKED.format(version=__version__), encoding="utf-8")
