"""``make test`` runs this first: the system packages warta and its test suite need.

    python tools/system_check.py

warta itself needs git (2.34 or newer: SSH signatures) and ssh-keygen. The test suite also needs rsync and
sshd (the rsync deploy tests run a real sshd on 127.0.0.1), Debian's chromium (the site's browser
tests) and, from ``npm ci``, axe-core and vnu-jar (the site's accessibility and HTML checks). A missing package warta needs always fails; one only some tests need fails when ``CI=true`` (a CI
run must not pass by skipping) and is otherwise a warning (those tests skip). Exit 0 ready, 1 missing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

# (what, Debian package, how to find it, needed by warta itself)
PACKAGES = (
    ("git 2.34+", "git", "git", True),
    ("ssh-keygen", "openssh-client", "ssh-keygen", True),
    ("rsync", "rsync", "rsync", False),
    ("sshd", "openssh-server", "/usr/sbin/sshd", False),
    ("chromium", "chromium", "/usr/bin/chromium", False),
)


def found(probe: str) -> bool:
    return Path(probe).is_file() if probe.startswith("/") else shutil.which(probe) is not None


def git_too_old() -> bool:
    out = subprocess.run(["git", "--version"], capture_output=True, text=True, check=False).stdout
    match = re.search(r"(\d+)\.(\d+)", out)
    return match is None or (int(match.group(1)), int(match.group(2))) < (2, 34)


def _how(missing: list[str]) -> str:
    apt = [p for p in missing if p != "npm ci"]
    steps = ([f"sudo apt-get install -y {' '.join(apt)}"] if apt else []) + (["npm ci"] if "npm ci" in missing else [])
    return "run: " + " && ".join(steps)


def main() -> int:
    ci = os.environ.get("CI", "").lower() == "true"
    missing_required: list[str] = []
    missing_optional: list[str] = []
    for what, package, probe, required in PACKAGES:
        ok = found(probe) and not (package == "git" and git_too_old())
        if not ok:
            (missing_required if required or ci else missing_optional).append(package)
            print(f"system: missing {what} (Debian/Ubuntu package {package})", file=sys.stderr)
    root = Path(__file__).resolve().parent.parent
    for what, path in (("axe-core", "node_modules/axe-core/axe.min.js"),
                       ("vnu-jar", "node_modules/vnu-jar/build/dist/vnu.jar")):
        if not (root / path).is_file():  # the site's accessibility and HTML checks (tests/site/test_clients.py)
            (missing_required if ci else missing_optional).append("npm ci")
            print(f"system: missing {what} ({path}): run 'npm ci' in this folder (needs node, npm; "
                  "vnu-jar also java)", file=sys.stderr)
    missing_optional = list(dict.fromkeys(missing_optional))
    missing_required = list(dict.fromkeys(missing_required))
    if missing_optional:
        print(f"system: the tests that need {', '.join(missing_optional)} will be skipped; "
              f"{_how(missing_optional)}", file=sys.stderr)
    if missing_required:
        why = "CI=true: no test may be skipped" if ci else "warta needs them"
        print(f"system: cannot run the tests ({why}); {_how(missing_required)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
