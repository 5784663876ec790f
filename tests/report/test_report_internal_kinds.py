"""The internal kinds: a content plan and an evaluation are checked like any item, never reach the site,
and an item of an internal kind the site does not use is a clear finding."""

from __future__ import annotations

from pathlib import Path

from approvals_helpers import Person
from report_helpers import evaluation_text, plan_text

from pipeline.approvals.service import evaluate_repository
from pipeline.config import load_config
from pipeline.content import load_site
from pipeline.site import build_site
from tests.test_site_build import make_site

PLAN = "content/rencana-konten/2026/triwulan-iv.md"
EVAL = "content/evaluasi/2026/november.md"


def test_plan_and_evaluation_never_reach_the_site(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    (root / PLAN).parent.mkdir(parents=True)
    (root / PLAN).write_text(plan_text("2026-Q4", [("Rencana Rahasia Bibit", "2026-11", "Rina Lestari")]),
                             encoding="utf-8")
    (root / EVAL).parent.mkdir(parents=True)
    (root / EVAL).write_text(evaluation_text("2026-11", "a" * 40), encoding="utf-8")
    site = load_site(root, load_config(root))
    assert not site.findings.errors, [f.format() for f in site.findings.errors]
    assert {PLAN, EVAL} <= {i.path for i in site.items}
    out = build_site(site, root / "_site").output
    for page in out.rglob("*"):
        if page.is_file() and page.suffix in (".html", ".xml", ".json", ".txt"):
            text = page.read_text(encoding="utf-8", errors="replace")
            assert "Rencana Rahasia Bibit" not in text and "rencana-konten" not in text, page
            assert "Hasil rapat evaluasi" not in text, page


def test_a_plan_month_outside_its_quarter_names_the_row(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    (root / PLAN).parent.mkdir(parents=True)
    (root / PLAN).write_text(plan_text("2026-Q4", [("Bibit", "2026-09", "Rina Lestari")]), encoding="utf-8")
    messages = [f.format() for f in load_site(root, load_config(root)).findings.errors]
    expected = f"{PLAN}:5: error: rencana: 'Bibit': bulan 2026-09 is not in 2026-Q4"
    assert any(m.startswith(expected) for m in messages), messages


def test_an_internal_kind_the_site_does_not_use_is_a_finding(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    config = (root / "warta.yml").read_text(encoding="utf-8")
    start = config.index("  rencana-konten:")
    end = config.index("  evaluasi:")
    (root / "warta.yml").write_text(config[:start] + config[end:], encoding="utf-8")
    (root / PLAN).parent.mkdir(parents=True)
    (root / PLAN).write_text(plan_text("2026-Q4", [("Bibit", "2026-11", "Rina Lestari")]), encoding="utf-8")
    messages = [f.format() for f in load_site(root, load_config(root)).findings.errors]
    assert f"{PLAN}: error: warta.yml names no SOP for rencana-konten: add kinds.rencana-konten.sop to use it " \
           "(docs/report.md)" in messages


def test_an_evaluation_must_name_a_full_commit_id(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    (root / EVAL).parent.mkdir(parents=True)
    (root / EVAL).write_text(evaluation_text("2026-11", "HEAD"), encoding="utf-8")
    messages = [f.format() for f in load_site(root, load_config(root)).findings.errors]
    assert any(m.startswith(f"{EVAL}:5: error: report_rev:") for m in messages), messages


def test_an_item_of_an_internal_kind_the_trusted_config_does_not_use_is_a_problem_not_a_crash(
        tmp_path: Path, cast: dict[str, Person]) -> None:
    from report_helpers import timed_site

    site = timed_site(tmp_path, cast)  # its warta.yml names no SOP for rencana-konten
    site.switch("rencana/q4", create=True)
    site.write(PLAN, plan_text("2026-Q4", [("Bibit", "2026-11", "Rina Lestari")]))
    site.at("2026-10-02 09:00").commit("Rencana", cast["dwi"])
    result = evaluate_repository(site.root).result(PLAN)
    assert result is not None and not result.complete
    assert any("names no SOP for rencana-konten" in p for p in result.problems), result.problems
