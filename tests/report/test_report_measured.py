"""warta report over a history with known timestamps: every figure below is worked out by hand from the
history in report_helpers.november_office (times WIB, office open Monday-Friday 07:30-16:00)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from approvals_helpers import PROJECT, Person
from report_helpers import TimedSite, november_office

A = "content/siaran-pers/2026/bantuan-bibit.md"
B = "content/siaran-pers/2026/pasar-murah.md"
C = "content/siaran-pers/2026/natal.md"
D = "content/informasi-publik/2026/banjir.md"


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory, cast: dict[str, Person]) -> TimedSite:
    return november_office(tmp_path_factory.mktemp("report"), cast)


def report(site: TimedSite, *args: str) -> dict[str, Any]:
    proc = site.cli("report", "--json", *args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


def steps_of(doc: dict[str, Any], path: str) -> list[tuple[Any, ...]]:
    item = next(i for i in doc["items"] if i["path"] == path)
    return [(s["step"], s["round"], s["decision"], s["elapsed_minutes"], s["elapsed_calendar_minutes"], s["late"])
            for s in item["steps"]]


@pytest.fixture(scope="module")
def november(office: TimedSite) -> dict[str, Any]:
    return report(office, "--period", "2026-11")


def test_the_period_and_moment_are_the_documents_own(november: dict[str, Any], office: TimedSite) -> None:
    assert november["period"] == {"label": "2026-11", "title": "November 2026", "start": "2026-11-01",
                                  "end": "2026-12-01"}
    # the report's moment is the period's end (the revision is later: 28 December)
    assert november["as_of"] == "2026-12-01T00:00:00+07:00"
    assert november["revision"] == office.head()


def test_each_step_of_a_plain_release_against_its_waktu(november: dict[str, Any]) -> None:
    # A: step 2 due 09:00 (the content commit), decided 09:10 -> 10 min, Waktu 15: on time;
    # step 3 due 09:10, decided 09:40 -> 30 min > 15: late; step 4 (publish) due 09:40, published 10:00 ->
    # 20 min > 5: late. Inside office hours working and calendar minutes are the same.
    assert steps_of(november, A) == [(2, 1, "approve", 10.0, 10.0, False), (3, 1, "approve", 30.0, 30.0, True),
                                     (4, 1, "published", 20.0, 20.0, True)]
    chain = next(i for i in november["items"] if i["path"] == A)["chain"]
    # 09:00 -> 10:00 = 60 working minutes against 15 + 15 + 5 = 35 (the SOP's TOTAL adds step 1's 60 = 95)
    assert (chain["elapsed_minutes"], chain["standard_minutes"], chain["sop_total_minutes"], chain["late"]) == (
        60.0, 35, 95, True)


def test_a_return_over_a_weekend_and_the_second_round(november: dict[str, Any]) -> None:
    # B round 1: step 2 due Fri 15:30, decided 15:50 -> 20 (late). Step 3 due Fri 15:50, returned Mon 08:00:
    # Fri 15:50-16:00 = 10 + Mon 07:30-08:00 = 30 -> 40 working minutes (late); calendar Fri 15:50 -> Mon
    # 08:00 = 2 days 16 h 10 min = 3,850 minutes.
    # Round 2 starts with the fix at Mon 10:00: step 2 10:05 -> 5, step 3 10:15 -> 10, published 10:30 -> 15.
    assert steps_of(november, B) == [
        (2, 1, "approve", 20.0, 20.0, True), (3, 1, "return", 40.0, 3850.0, True),
        (2, 2, "approve", 5.0, 5.0, False), (3, 2, "approve", 10.0, 10.0, False),
        (4, 2, "published", 15.0, 15.0, True)]
    chain = next(i for i in november["items"] if i["path"] == B)["chain"]
    # Fri 15:30 -> Mon 10:30: 30 + 180 = 210 working minutes; calendar 2 days 19 h = 4,020 minutes
    assert (chain["elapsed_minutes"], chain["elapsed_calendar_minutes"], chain["rounds"], chain["late"]) == (
        210.0, 4020.0, 2, True)


def test_returns_are_listed_with_their_reasons(november: dict[str, Any]) -> None:
    assert [(r["path"], r["step"], r["by"], r["at"], r["reason"]) for r in november["returns"]] == [
        (B, 3, ["Hendro Wibowo"], "2026-11-09T08:00:00+07:00", "Foto kurang jelas")]


def test_per_step_figures_count_median_p90_late_and_who_held_it(november: dict[str, Any]) -> None:
    (sop,) = [s for s in november["sops"] if s["sop"] == "rilis-uji"]
    step2, step3, step4 = sop["steps"]
    # step 2 decided three times in November: 10, 20, 5 -> median 10; p90 by linear interpolation over
    # [5, 10, 20]: position 0.9 * 2 = 1.8 -> 10 + 0.8 * (20 - 10) = 18; one late (20 > 15), all by Dwi
    assert (step2["count"], step2["median_minutes"], step2["p90_minutes"], step2["late"]) == (3, 10.0, 18.0, 1)
    assert [(h["name"], h["count"], h["late"]) for h in step2["held_by"]] == [("Dwi Astuti", 3, 1)]
    # step 3: 30, 40 (the return), 10 -> median 30; p90: [10, 30, 40] at 1.8 -> 30 + 0.8 * 10 = 38; 2 late
    assert (step3["count"], step3["median_minutes"], step3["p90_minutes"], step3["late"], step3["returns"]) == (
        3, 30.0, 38.0, 2, 1)
    assert step3["waktu_minutes"] == 15 and step3["role"] == "sekdin"
    # step 4 of rilis-uji: 20 and 15 -> median 17.5, both late
    assert (step4["type"], step4["count"], step4["median_minutes"], step4["late"]) == ("aksi", 2, 17.5, 2)
    # two whole chains ended in November: 60 and 210 -> median 135, both late
    assert (sop["chains"]["count"], sop["chains"]["median_minutes"], sop["chains"]["late"]) == (2, 135.0, 2)


def test_late_steps_per_role(november: dict[str, Any]) -> None:
    rows = {r["role"]: (r["count"], r["late"]) for r in november["late_by_role"]}
    assert rows == {"kasubbag": (3, 1), "sekdin": (3, 2)}


def test_a_force_published_item_waits_for_its_skipped_steps(november: dict[str, Any]) -> None:
    (forced,) = november["forced_awaiting"]
    assert (forced["path"], forced["forced_by"], forced["forced_at"]) == (D, "Wahyu Hidayat",
                                                                         "2026-11-10T08:05:00+07:00")
    assert [a["step"] for a in forced["awaiting"]] == [2, 3]
    # its publication waited for the force at 08:05 and came at 08:20: 15 minutes against 5
    assert steps_of(november, D) == [(4, 1, "published", 15.0, 15.0, True)]


def test_publications_per_kind_channel_category_and_month(november: dict[str, Any]) -> None:
    published = november["published"]
    assert published["total"] == 3
    assert published["by_kind"] == {"informasi-publik": 1, "siaran-pers": 2}
    assert published["by_channel"] == {"facebook": 1, "website": 3}
    assert published["by_kategori_informasi"] == {"serta-merta": 1}
    # all three chains exceeded their standard: none of the three within it
    assert published["by_month"] == [{"month": "2026-11", "title": "November 2026", "count": 3, "measured": 3,
                                      "within_standard": 0, "within_standard_share": 0.0}]


def test_a_holiday_and_an_open_step_in_december(office: TimedSite) -> None:
    december = report(office, "--period", "2026-12")
    # the report's moment is the revision: the merge on Mon 28 Dec 08:00
    assert december["as_of"] == "2026-12-28T08:00:00+07:00"
    # step 2 due Thu 24 Dec 15:50, decided Mon 28 Dec 07:35: Thu 15:50-16:00 = 10, Fri 25 is a holiday,
    # Mon 07:30-07:35 = 5 -> 15, not more than 15: on time. Calendar: 3 days 15 h 45 min = 5,265 minutes.
    # Step 3 due 07:35 and still open at 08:00: 25 minutes so far, already late.
    assert steps_of(december, C) == [(2, 1, "approve", 15.0, 5265.0, False), (3, 1, None, 25.0, 25.0, True)]
    (sop,) = december["sops"]
    step3 = sop["steps"][1]
    assert (step3["count"], step3["open"], step3["open_late"]) == (0, 1, 1)
    # who holds the open step: the holders of sekdin in people.yaml
    assert [h["name"] for h in step3["held_by"]] == ["Hendro Wibowo"]
    assert december["published"]["total"] == 0


def test_at_an_earlier_revision_the_report_is_what_it_was_then(office: TimedSite) -> None:
    # at the commit that archived bantuan-bibit (2 Nov 10:00) only A exists on main
    rev = office.git("log", "--format=%H", "--grep", "arsip: bantuan-bibit", "main")
    early = report(office, "--period", "2026-11", "--at", rev)
    assert [i["path"] for i in early["items"]] == [A]
    assert early["as_of"] == "2026-11-02T10:00:00+07:00" and early["revision"] == rev
    again = report(office, "--period", "2026-11", "--at", rev)
    assert again == early


def test_markdown_report_shows_the_step_table(office: TimedSite) -> None:
    proc = office.cli("report", "--period", "2026-11")
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert text.startswith("# Laporan Monitoring dan Evaluasi — November 2026")
    assert "| 3 | Sekretaris Dinas | 15 menit | 3 | 30 m | 38 m | 2 | 1 | 0 | Hendro Wibowo (3, 2 terlambat) |" in text
    assert "Foto kurang jelas" in text
    # the detail table lists the exceptions: of the 9 steps of November (A 3, B 5, D 1) the 3 on time are
    # only counted (A's step 2, B's steps 2 and 3 of round 2)
    assert "3 langkah lain tepat waktu" in text
    details = text.split("## Rincian per item")[1]
    assert details.count("| Bantuan Bibit |") == 2 and details.count("| Pasar Murah |") == 3


def test_bad_period_and_bad_revision_are_clear_errors(office: TimedSite, tmp_path: Path) -> None:
    proc = office.cli("report", "--period", "2026-13")
    assert proc.returncode == 2 and "write a month (2026-11)" in proc.stderr and "Traceback" not in proc.stderr
    proc = office.cli("report", "--json", "--at", "no-such-rev")
    assert proc.returncode == 1
    error = json.loads(proc.stdout)["error"]
    assert "no-such-rev" in error["message"] and error["exit_code"] == 1
    out = tmp_path / "laporan.md"
    proc = office.cli("report", "--period", "2026-11", "--output", str(out))
    assert proc.returncode == 0 and out.read_text(encoding="utf-8").startswith("# Laporan")


def test_a_site_with_only_its_bootstrap_has_an_empty_report(tmp_path: Path, cast: dict[str, Person]) -> None:
    from report_helpers import timed_site

    site = timed_site(tmp_path, cast)
    doc = report(site)
    # the default period is the month of the revision: the bootstrap of 1 October 2026
    assert doc["period"]["label"] == "2026-10" and doc["items"] == [] and doc["sops"] == []
    assert doc["published"]["total"] == 0 and doc["returns"] == []


def test_a_report_at_a_revision_keeps_the_office_hours_trusted_then(tmp_path: Path, cast: dict[str, Person]) -> None:
    from approvals_helpers import WARTA_YML
    from report_helpers import submit

    site = timed_site_for(tmp_path, cast)
    path = submit(site, "bibit", "2026-11-02 07:00")
    site.at("2026-11-02 08:00").record(cast["dwi"], path, 2, "kasubbag")
    site.at("2026-11-02 08:10").merge("rilis/bibit", cast["hendro"])
    rev = site.head()
    before = report(site, "--period", "2026-11", "--at", rev)
    # due 07:00, decided 08:00, the office opening at 07:30: 30 working minutes
    assert steps_of(before, path)[0][3] == 30.0
    # the office moves its opening to 06:00 on Mondays; both signatories approve the change, it is merged
    site.switch("aturan/jam", create=True)
    site.write("warta.yml", (WARTA_YML % {"signatures": "true"}).replace(
        "  unit_code: UJI\n", '  unit_code: UJI\n  office_hours: {senin: "06:00-16:00", selasa: "07:30-16:00"}\n', 1))
    site.at("2026-11-03 09:00").commit("Jam kantor baru", cast["rina"])
    site.at("2026-11-03 09:10").record(cast["yuli"], "warta.yml", 1, "ketua_ppid")
    site.at("2026-11-03 09:20").record(cast["wahyu"], "warta.yml", 2, "kepala_dinas")
    site.at("2026-11-03 09:30").merge("aturan/jam", cast["wahyu"])
    assert report(site, "--period", "2026-11", "--at", rev) == before  # what an evaluation approved stays
    now = report(site, "--period", "2026-11")
    # at HEAD the new hours are trusted: 07:00-08:00 on a Monday is now a working hour: 60 minutes
    assert steps_of(now, path)[0][3] == 60.0 and now["office_hours"]["senin"] == "06:00-16:00"


def timed_site_for(tmp_path: Path, cast: dict[str, Person]) -> TimedSite:
    from report_helpers import timed_site

    return timed_site(tmp_path, cast, extra_config="")


def test_without_the_charts_extra_the_html_report_says_how_to_install_it(office: TimedSite, tmp_path: Path) -> None:
    # a matplotlib that cannot be imported, first on the path of a real `warta report` process
    shadow = tmp_path / "shadow" / "matplotlib"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('matplotlib is not installed here')\n")
    env = {**office.env(), "PYTHONPATH": f"{shadow.parent}:{PROJECT}"}
    proc = subprocess.run([sys.executable, "-m", "pipeline", "report", "--period", "2026-11", "--format", "html"],
                          cwd=office.root, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert "pip install 'warta[report]'" in proc.stderr and "Traceback" not in proc.stderr
    # the Markdown report needs no charts
    proc = subprocess.run([sys.executable, "-m", "pipeline", "report", "--period", "2026-11"],
                          cwd=office.root, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and proc.stdout.startswith("# Laporan")
