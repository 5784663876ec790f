"""Site repositories made by the real `warta init`, and the workflows in them, for the CI tests."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, cast

import yaml

from pipeline.init import CiOptions, init_site, write_ci
from pipeline.workflows.writer import Forge

PROJECT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
AUTHOR = ("Admin Situs", "admin@example.go.id")
SHA_PIN = re.compile(r"^(?P<action>[\w.-]+/[\w.-]+)@(?P<sha>[0-9a-f]{40}) # (?P<tag>v\d+\.\d+\.\d+)$")

# Every variant of CI that `warta init` writes: (forge, private_free, pages, deploy.target).
VARIANTS: dict[str, tuple[str, bool, bool, str]] = {
    "github-pages": ("github", False, True, "pages"),
    "github-local": ("github", False, False, "local"),
    "github-rsync": ("github", False, False, "rsync"),
    "github-s3": ("github", False, False, "s3"),
    "github-private-free": ("github", True, False, "local"),
    "gitea": ("gitea", False, False, "local"),
    "forgejo": ("forgejo", False, False, "local"),
    "gitlab": ("gitlab", False, False, "local"),
}

DEPLOY = {
    "rsync": "deploy:\n  target: rsync\n  rsync_destination: web@example.go.id:/srv/situs\n",
    "s3": "deploy:\n  target: s3\n  s3_bucket: situs-dpmk\n",
}


def tool(name: str) -> str:
    """A linter from the test extra (pyproject.toml), next to this Python or on PATH."""
    found = BIN / name if (BIN / name).is_file() else shutil.which(name)
    assert found, f"{name} is missing: pip install -e '.[test]' installs it"
    return str(found)


def make_site(folder: Path, variant: str, *, example: bool = False, channels: str = "",
              people: dict[str, dict[str, str]] | None = None) -> tuple[Path, CiOptions]:
    """A site written by `warta init` for ``variant`` (no commit yet when ``people`` or the deploy
    target must be changed first: those are set, then the CI files written again)."""
    forge, private_free, pages, target = VARIANTS[variant]
    ci = CiOptions(forge=cast(Forge, forge), private_free=private_free, pages=pages)
    init_site(folder, example=example, commit=False, ci=ci, author=AUTHOR)
    config = folder / "warta.yml"
    text = config.read_text(encoding="utf-8")
    if target in DEPLOY:
        text = text.replace("deploy:\n  target: local\n  path: _site\n", DEPLOY[target])
    if channels:
        text = text.replace("\nchannels:\n", f"\nchannels:\n{channels}")
    config.write_text(text, encoding="utf-8")
    if people:
        people_file = folder / "sop" / "people.yaml"
        lines = people_file.read_text(encoding="utf-8").splitlines(keepends=True)
        out = []
        for line in lines:
            out.append(line)
            for email, extra in people.items():
                if line.strip() == f"email: {email}":
                    indent = line[: len(line) - len(line.lstrip())]
                    out += [f"{indent}{key}: {value}\n" for key, value in extra.items()]
        people_file.write_text("".join(out), encoding="utf-8")
    if target in DEPLOY or channels or people:
        ci = CiOptions(forge=cast(Forge, forge), private_free=private_free)
        write_ci(folder, ci)
    return folder, ci


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


def workflow_files(root: Path) -> list[Path]:
    return sorted(p for d in (".github/workflows", ".gitea/workflows", ".forgejo/workflows")
                  for p in (root / d).glob("*.yml"))


def load(path: Path) -> dict[Any, Any]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def triggers(doc: dict[Any, Any]) -> dict[str, Any]:
    on = doc.get("on", doc.get(True))  # YAML 1.1 reads a bare `on` key as True
    return on if isinstance(on, dict) else {name: None for name in ([on] if isinstance(on, str) else on)}


def uses_lines(text: str) -> list[str]:
    return [line.split("uses:", 1)[1].strip() for line in text.splitlines() if line.strip().startswith(("uses:", "- uses:"))]
