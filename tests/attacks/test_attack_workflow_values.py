"""Attacks on the values ``warta init`` writes into workflows and CODEOWNERS (docs/ci.md): a value of
warta.yml never becomes YAML, an Actions expression or a CODEOWNERS line of its own. ``main_branch`` is
written into ``if: github.ref == 'refs/heads/…'``, ``ref:`` and cache keys; the logo's path into
CODEOWNERS."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.config import parse_config
from pipeline.errors import ConfigError
from pipeline.people import parse_people
from pipeline.workflows.writer import site_ci

PROJECT = Path(__file__).resolve().parents[2]
BASE = (PROJECT / "warta.yml").read_text(encoding="utf-8")


def _findings(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    return [f.format() for f in info.value.findings]


@pytest.mark.parametrize("branch", ["main' || true || '", "main\n  evil: true", "main #x", "-main",
                                    "main..x", "main$(id)", "${{ github.head_ref }}", "main.lock"])
def test_a_main_branch_that_is_not_a_plain_branch_name_is_refused(branch: str) -> None:
    quoted = '"' + branch.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    text = BASE.replace("  main_branch: main\n", f"  main_branch: {quoted}\n", 1)
    assert text != BASE
    assert any("approvals.main_branch" in f for f in _findings(text))


@pytest.mark.parametrize("path", ["identitas/logo.svg\n* @penyerang", "identitas/logo svg", "../luar/logo.svg",
                                  "/etc/logo.svg"])
def test_a_logo_path_that_could_add_a_codeowners_line_or_leave_the_repository_is_refused(path: str) -> None:
    quoted = '"' + path.replace("\n", "\\n") + '"'
    text = BASE.replace("site:\n", f"site:\n  logo: {quoted}\n", 1)
    assert any("site.logo" in f for f in _findings(text))


def test_a_plain_branch_name_is_written_as_one_value(tmp_path: Path) -> None:
    text = BASE.replace("  main_branch: main\n", "  main_branch: rilis/utama-2026\n", 1)
    config = parse_config(text)
    people = parse_people((PROJECT / "sop" / "people.yaml").read_text(encoding="utf-8"))
    ci = site_ci(config, people, ["kepala_dinas"])
    publish = yaml.safe_load(ci.files[".github/workflows/warta-publish.yml"])
    assert publish["jobs"]["publish"]["if"] == "github.ref == 'refs/heads/rilis/utama-2026'"
    assert publish[True]["push"]["branches"] == ["rilis/utama-2026"]  # YAML 1.1 reads the key `on` as True
