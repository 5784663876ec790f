"""Golden JSON of ``warta report --json`` for one small history (report_helpers.november_office): the
document a program reads, key by key. Regenerate with ``WARTA_REGEN_GOLDEN=1`` and read the diff: every
figure in it is worked out by hand in test_report_measured.py."""

from __future__ import annotations

import json
import os
from pathlib import Path

from approvals_helpers import Person
from report_helpers import november_office

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "report" / "november.json"


def test_report_json_matches_its_golden_file(tmp_path: Path, cast: dict[str, Person]) -> None:
    site = november_office(tmp_path, cast)
    proc = site.cli("report", "--json", "--period", "2026-11")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    # the commit ids differ from run to run (the test keys are made anew): they are the only stand-ins
    assert doc["revision"] == site.head()
    doc["revision"] = "<revision>"
    # warnings are other modules' messages (the register's, the engine's): only how many is this document's
    doc["warnings"] = ["<warning>" for _ in doc["warnings"]]
    got = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    if os.environ.get("WARTA_REGEN_GOLDEN") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(got, encoding="utf-8")
    assert GOLDEN.is_file(), f"{GOLDEN} is missing: run with WARTA_REGEN_GOLDEN=1 and read it"
    assert got == GOLDEN.read_text(encoding="utf-8"), "the report JSON differs from tests/golden/report/november.json"
