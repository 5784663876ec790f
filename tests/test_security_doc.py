"""docs/security.md tells the truth: its inputs tables are the code's, and the modules it names exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.governed import GOVERNED_INPUTS, NOT_GOVERNED

PROJECT = Path(__file__).resolve().parents[1]
DOC = PROJECT / "docs" / "security.md"


def table_after(heading: str) -> list[tuple[tuple[str, ...], str, str]]:
    """The rows of the first Markdown table after ``heading``: (patterns in backticks, text, text)."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    start = lines.index(heading)
    rows: list[tuple[tuple[str, ...], str, str]] = []
    in_table = False
    for line in lines[start + 1:]:
        if line.startswith("|"):
            in_table = True
            if set(line) <= {"|", "-", " ", ":"}:
                continue  # the line under the header
            cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
            assert len(cells) == 3, f"docs/security.md: a row of '{heading}' has {len(cells)} cells: {line}"
            if cells[0] == "files":
                continue
            rows.append((tuple(re.findall(r"`([^`]+)`", cells[0])), cells[1], cells[2]))
        elif in_table:
            break
    return rows


def test_the_governed_inputs_table_is_the_code() -> None:
    from_code = [(row.patterns, row.what, row.approvers) for row in GOVERNED_INPUTS]
    assert table_after("### Governed files") == from_code


def test_the_table_of_files_that_are_not_governed_is_the_code() -> None:
    from_code = [(row.patterns, row.what, row.publish) for row in NOT_GOVERNED]
    assert table_after("### Files that are not governed") == from_code


@pytest.mark.parametrize("name", ["site.logo", "theme/**", ".github/**", "**/requirements*.txt", "sop/people.yaml",
                                  "klasifikasi/**", "theme/translations/**", "**/[!.]*.lock", ".gitlab-ci.yml"])
def test_the_inputs_the_issue_names_are_in_the_document(name: str) -> None:
    assert f"`{name}`" in DOC.read_text(encoding="utf-8") or f"`<{name}>`" in DOC.read_text(encoding="utf-8")


def test_every_module_the_document_names_exists() -> None:
    named = set(re.findall(r"`(pipeline/[\w/]+\.py)`", DOC.read_text(encoding="utf-8")))
    assert named, "docs/security.md names no module"
    missing = sorted(m for m in named if not (PROJECT / m).is_file())
    assert not missing, f"docs/security.md names modules that do not exist: {missing}"


@pytest.mark.parametrize("who", ["operator with push access", "approver acting alone",
                                 "outsider opening a pull request", "CI runner"])
def test_the_threat_model_names_each_attacker(who: str) -> None:
    assert f"**{who}**" in DOC.read_text(encoding="utf-8")


def test_every_rule_of_design_section_4_has_a_row() -> None:
    text = DOC.read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d+)\. ", text, flags=re.MULTILINE)
    assert [int(r) for r in rows] == list(range(1, 15))
