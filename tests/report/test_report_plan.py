"""The content plan (rencana-konten, seed 004 A1) and the evaluations (evaluasi, seed 004 C1 and C2):
approved through their SOPs, never on the site, compared with what was published, listed when due."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from approvals_helpers import Person, item_text
from report_helpers import TimedSite, evaluation_text, plan_text, planning_office, submit, wib

from pipeline.approvals.service import evaluate_repository
from pipeline.report.due import due_documents, plan_findings

PLAN = "content/rencana-konten/2026/triwulan-iv.md"
EVAL = "content/evaluasi/2026/oktober.md"


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory, cast: dict[str, Person]) -> TimedSite:
    site = planning_office(tmp_path_factory.mktemp("plan"), cast)
    c = cast
    # the Sub Koordinator sets the plan for the fourth quarter; the Koordinator signs it, the Kepala Dinas
    # receives it (sop/rencana-konten.yaml steps 2 and 3)
    site.switch("rencana/q4", create=True)
    site.write(PLAN, plan_text("2026-Q4", [("Bantuan Bibit", "2026-11", "Rina Lestari"),
                                           ("Pasar Murah", "2026-10", "Rina Lestari"),
                                           ("Lomba Desa", "2026-11", "Eve Operator"),
                                           ("Hari Ibu", "2026-12", "Rina Lestari")]))
    site.at("2026-10-01 09:00").commit("Rencana konten triwulan IV", c["dwi"])
    site.at("2026-10-01 10:00").record(c["hendro"], PLAN, 2, "koordinator")
    site.at("2026-10-01 11:00").record(c["wahyu"], PLAN, 3, "kepala_dinas")
    site.at("2026-10-01 11:10").merge("rencana/q4", c["wahyu"])
    # Pasar Murah is published on 9 November (planned for October); Bantuan Bibit on 2 November as planned
    releases = (("pasar-murah", "Pasar Murah", 1, "2026-11-09 09:00", "2026-11-09 10:00"),
                ("bantuan-bibit", "Bantuan Bibit", 2, "2026-11-02 09:00", "2026-11-02 10:00"))
    for slug, title, number, written, published in releases:
        path = submit(site, slug, written, text=item_text(title=title, body=f"Isi {slug}."))
        site.at(written.replace(":00", ":10", 1)).record(c["dwi"], path, 2, "kasubbag")
        site.at(written.replace(":00", ":20", 1)).record(c["hendro"], path, 3, "sekdin")
        site.at(written.replace(":00", ":30", 1)).merge(f"rilis/{slug}", c["hendro"])
        site.archive(path, title, number, published)
        site.at(published).commit(f"arsip: {slug}", c["wahyu"])
    # the October evaluation of the Koordinator (C2, monthly), approved by the Kepala Dinas; it names the
    # report it approves by the revision warta computed it at
    rev = site.head()
    site.switch("evaluasi/oktober", create=True)
    site.write(EVAL, evaluation_text("2026-10", rev))
    site.at("2026-11-10 09:00").commit("Evaluasi Oktober", c["hendro"])
    site.at("2026-11-10 10:00").record(c["wahyu"], EVAL, 2, "kepala_dinas")
    site.at("2026-11-10 10:10").merge("evaluasi/oktober", c["wahyu"])
    site.at("2026-12-01 08:00").git("commit", "-q", "--allow-empty", "-S", "-m", "Awal Desember", person=c["wahyu"])
    return site


def report(site: TimedSite, *args: str) -> dict[str, Any]:
    proc = site.cli("report", "--json", *args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


def test_the_plan_is_approved_by_the_koordinator_and_received_by_the_kepala_dinas(office: TimedSite) -> None:
    result = evaluate_repository(office.root, paths=[PLAN]).result(PLAN)
    assert result is not None and result.complete and result.sop == "rencana-konten"
    assert [(s.no, s.role, s.by) for s in result.steps] == [(2, "koordinator", "Hendro Wibowo"),
                                                            (3, "kepala_dinas", "Wahyu Hidayat")]


def test_a_plan_step_out_of_order_or_by_the_author_does_not_count(office: TimedSite, cast: dict[str, Person]) -> None:
    path = "content/rencana-konten/2026/triwulan-i.md"
    office.switch("rencana/q1", create=True)
    office.write(path, plan_text("2027-Q1", [("Musrenbang", "2027-01", "Rina Lestari")]).replace("2026-10-01", "2026-12-01"))
    office.at("2026-12-01 09:00").commit("Rencana triwulan I", cast["hendro"])  # the Koordinator drafts it himself
    office.at("2026-12-01 09:05").record(cast["wahyu"], path, 3, "kepala_dinas")  # before the signature
    office.at("2026-12-01 09:10").record(cast["hendro"], path, 2, "koordinator")  # the author signs
    result = evaluate_repository(office.root, paths=[path]).result(path)
    assert result is not None and not result.complete
    codes = {code for r in result.rejections for code in r.codes}
    assert {"out_of_order", "author"} <= codes
    office.switch("main")


def test_plan_against_realisation_in_november(office: TimedSite) -> None:
    doc = report(office, "--period", "2026-11")
    plan = doc["plan"]
    assert plan["covered"] == ["2026-Q4"] and plan["quarters"] == ["2026-Q4"]
    # rows whose target month is November: Bantuan Bibit published on 2 November (in time), Lomba Desa never
    # published and November is over at the report's moment (the period's end, 1 December 00:00)
    assert [(r["judul"], r["status"]) for r in plan["rows"]] == [("Bantuan Bibit", "published"),
                                                                 ("Lomba Desa", "not_done")]
    assert plan["rows"][0]["item"] == "content/siaran-pers/2026/bantuan-bibit.md"


def test_plan_against_realisation_for_the_quarter(office: TimedSite) -> None:
    doc = report(office, "--period", "2026-Q4")
    # at HEAD (1 December 08:00): Pasar Murah planned for October, published 9 November: late; Lomba Desa's
    # November is over without it: not done; Hari Ibu (December): still planned
    assert doc["as_of"] == "2026-12-01T08:00:00+07:00"
    assert [(r["judul"], r["status"]) for r in doc["plan"]["rows"]] == [
        ("Bantuan Bibit", "published"), ("Pasar Murah", "published_late"), ("Lomba Desa", "not_done"),
        ("Hari Ibu", "planned")]
    assert doc["plan"]["counts"] == {"published": 1, "published_late": 1, "not_done": 1, "planned": 1}
    # internal documents are archived, never counted as published
    assert set(doc["published"]["by_kind"]) == {"siaran-pers"}


def test_the_evaluation_names_the_report_it_approves(office: TimedSite) -> None:
    doc = report(office, "--period", "2026-10")
    (evaluated,) = doc["evaluated_by"]
    assert evaluated["path"] == EVAL and evaluated["state"] == "approved"
    rev = evaluated["report_rev"]
    assert evaluated["report_rev_in_history"] is True
    # the report at that revision is the same document every time it is computed
    first = report(office, "--period", "2026-10", "--at", rev)
    assert first["revision"] == rev and report(office, "--period", "2026-10", "--at", rev) == first


def test_evaluations_and_plans_due_and_overdue(office: TimedSite) -> None:
    due = {(d["kind"], d["sop"], d["periode"]): d["status"]
           for d in due_documents(office.root, wib("2026-12-10 09:00").timestamp())}
    # 10 December: the November evaluation (C2) is due since 1 December, overdue from 1 January; October's
    # is approved; the six-monthly one (C1) has no ended half year since the site began (1 October); the
    # plan of 2027-Q1 is due in December, the last month before its quarter
    assert due == {("evaluasi", "evaluasi-kinerja-koordinator", "2026-11"): "due",
                   ("rencana-konten", None, "2027-Q1"): "due"}
    later = {(d["kind"], d["periode"]): d["status"]
             for d in due_documents(office.root, wib("2027-01-05 09:00").timestamp())}
    # 5 January: November's is overdue, December's and 2026-H2's due, and no plan covers 2027-Q1: overdue
    assert later == {("evaluasi", "2026-12"): "due", ("evaluasi", "2026-11"): "overdue",
                     ("evaluasi", "2026-H2"): "due", ("rencana-konten", "2027-Q1"): "overdue"}


def test_check_warns_when_no_approved_plan_covers_the_quarter(office: TimedSite) -> None:
    assert plan_findings(office.root, wib("2026-11-15 09:00").timestamp()) == []
    (finding,) = plan_findings(office.root, wib("2027-01-05 09:00").timestamp())
    assert finding.severity == "warning" and "covers 2027-Q1" in finding.message


def test_status_lists_what_is_due(office: TimedSite) -> None:
    proc = office.cli("status", "--json")
    assert proc.returncode == 0, proc.stderr
    due = json.loads(proc.stdout)["due"]
    assert all(d["status"] in ("due", "overdue") and d["kind"] in ("evaluasi", "rencana-konten") for d in due)


def test_an_evaluation_naming_a_revision_outside_the_history_is_flagged(office: TimedSite, tmp_path: Path) -> None:
    path = "content/evaluasi/2026/palsu.md"
    office.switch("evaluasi/palsu", create=True)
    office.write(path, evaluation_text("2026-09", "0123456789abcdef0123456789abcdef01234567"))
    office.at("2026-12-02 09:00").commit("Evaluasi palsu", office.cast["hendro"])
    try:
        doc = report(office, "--period", "2026-09")
        (entry,) = doc["evaluated_by"]
        assert entry["path"] == path and entry["report_rev_in_history"] is False
    finally:
        office.switch("main")


def test_the_plan_table_is_in_the_markdown_and_html_reports(office: TimedSite) -> None:
    for fmt in ("md", "html"):
        proc = office.cli("report", "--period", "2026-Q4", "--format", fmt)
        assert proc.returncode == 0, proc.stderr
        text = proc.stdout
        assert "Rencana konten dan realisasi" in text
        assert "Lomba Desa" in text and "belum terbit" in text and "terbit terlambat" in text
        assert "Evaluasi Kinerja Koordinator" in text  # the evaluations section
