"""The workflows ``warta init`` writes with the register on its own branch (what it writes by default:
``archive.register_branch: warta-arsip``; docs/ci.md): no step pushes anything itself, and the only refs a
publish or announce job fetches are the register branch, the ``arsip/*`` tags and ``refs/warta/*`` (never
main under another name, never every branch), so the deploy key's pushes are warta publish's alone."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS / "workflows") not in sys.path:
    sys.path.append(str(TESTS / "workflows"))

from workflow_helpers import make_site  # noqa: E402

ALLOWED = {"+refs/warta/*:refs/warta/*", "+refs/tags/arsip/*:refs/tags/arsip/*",
           "+refs/heads/warta-arsip:refs/heads/warta-arsip",
           "+refs/heads/warta-arsip-ulasan:refs/heads/warta-arsip-ulasan"}  # the review copies (docs/archive.md)


def run_steps(doc: dict[Any, Any]) -> list[str]:
    """Every shell text of every job (GitHub ``steps[].run``, GitLab ``script`` lines)."""
    texts: list[str] = []
    for name, job in doc.items():
        if not isinstance(job, dict):
            continue
        if name == "jobs":
            texts += [t for j in job.values() for t in run_steps({"job": j})]
            continue
        texts += [str(s["run"]) for s in job.get("steps", []) if isinstance(s, dict) and "run" in s]
        for key in ("script", "before_script", "after_script"):
            value = job.get(key, [])
            texts += [str(v) for v in (value if isinstance(value, list) else [value])]
    return texts


@pytest.mark.parametrize("variant", ["github-pages", "github-local", "gitlab"])
def test_site_workflows_push_nothing_themselves_and_fetch_only_the_register_refs(tmp_path: Path,
                                                                                 variant: str) -> None:
    root, _ci = make_site(tmp_path / "situs", variant)
    assert re.search(r"^\s+register_branch: warta-arsip$", (root / "warta.yml").read_text(), re.M)
    files = sorted(root.glob(".github/workflows/*.yml")) + sorted(root.glob(".gitlab-ci.yml"))
    assert files
    fetched: set[str] = set()
    for file in files:
        for text in run_steps(yaml.safe_load(file.read_text(encoding="utf-8"))):
            assert not re.search(r"\bgit\s+push\b", text), f"{file.name}: {text}"
            assert "update-ref" not in text and "--force" not in text, f"{file.name}: {text}"
            for line in text.splitlines():
                found = re.search(r"\bgit\s+fetch\b", line)
                if found:
                    specs = re.findall(r"'([^']+)'", line[found.end():].split(";")[0])
                    assert specs, f"{file.name}: a fetch without explicit refspecs: {line}"
                    fetched.update(specs)
    assert fetched <= ALLOWED, fetched - ALLOWED
    assert "+refs/heads/warta-arsip:refs/heads/warta-arsip" in fetched
