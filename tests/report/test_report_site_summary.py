"""The public service summary page (layanan/): publications per month and the share within the time
standard, measured as warta report measures, on the site a build makes from a repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from approvals_helpers import Person
from report_helpers import TimedSite, november_office, submit

SUMMARY = "report:\n  public_summary:\n    kinds: [siaran-pers, informasi-publik]\n"


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory, cast: dict[str, Person]) -> TimedSite:
    site = november_office(tmp_path_factory.mktemp("summary"), cast, top_config=SUMMARY)
    c = cast
    # E: Mon 16 Nov, written 09:00, step 2 09:05 (5 <= 15), step 3 09:15 (10 <= 15), published 09:18
    # (3 <= 5): the whole chain 18 working minutes against 35, within the standard
    site.switch("main")
    e = submit(site, "posyandu", "2026-11-16 09:00")
    site.at("2026-11-16 09:05").record(c["dwi"], e, 2, "kasubbag")
    site.at("2026-11-16 09:15").record(c["hendro"], e, 3, "sekdin")
    site.at("2026-11-16 09:16").merge("rilis/posyandu", c["hendro"])
    site.archive(e, "Posyandu", 4, "2026-11-16 09:18")
    site.at("2026-11-16 09:18").commit("arsip: posyandu", c["wahyu"])
    return site


def cells(html: str, month: str) -> list[str]:
    row = re.search(rf"<tr>\s*<th scope=\"row\"[^>]*>{month}</th>(.*?)</tr>", html, re.S)
    assert row is not None, html
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)]


def test_the_summary_page_counts_november(office: TimedSite, tmp_path: Path) -> None:
    out = tmp_path / "preview"
    proc = office.cli("build", "--output", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    html = (out / "layanan" / "index.html").read_text(encoding="utf-8")
    assert "Ringkasan Layanan Informasi" in html and "siaran pers, informasi publik" in html
    # November: A, B, D and E published; all four measured; only E's chain kept its standard (A 60 > 35,
    # B 210 > 35, D 20 > 5) -> 1 of 4 = 25 %
    assert cells(html, "November 2026") == ["4", "4", "1", "25 %"]
    # twelve months, newest first, ending with the month of the repository's latest moment (HEAD: 16 November)
    months = re.findall(r'<th scope="row" data-label="Bulan">([^<]+)</th>', html)
    assert months[0] == "November 2026" and months[-1] == "Desember 2025" and len(months) == 12
    assert cells(html, "Oktober 2026") == ["0", "0", "0", "–"]
    assert "layanan/" in (out / "sitemap.xml").read_text(encoding="utf-8")


def test_the_summary_can_be_switched_off(office: TimedSite, tmp_path: Path) -> None:
    config = (office.root / "warta.yml").read_text(encoding="utf-8")
    off = config.replace("  public_summary:\n", "  public_summary:\n    enabled: false\n")
    (office.root / "warta.yml").write_text(off, encoding="utf-8")
    try:
        out = tmp_path / "preview"
        proc = office.cli("build", "--output", str(out))
        assert proc.returncode == 0, proc.stderr
        assert not (out / "layanan").exists()
    finally:
        (office.root / "warta.yml").write_text(config, encoding="utf-8")


def test_a_register_commit_after_the_build_does_not_move_the_moment(office: TimedSite, tmp_path: Path) -> None:
    """A publish builds the site, then commits the register (channels, publication times). The page of one
    state must not depend on whether it was built before that commit or after: its moment is the last
    publication it counts (09:18), not the time the register commit was made (11:45)."""
    first = tmp_path / "first"
    proc = office.cli("build", "--output", str(first))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    before = (first / "layanan" / "index.html").read_bytes()
    assert "Keadaan per 2026-11-16 09:18." in before.decode("utf-8")
    path = "content/siaran-pers/2026/posyandu.md"
    head = office.head()
    try:
        office.archive(path, "Posyandu", 4, "2026-11-16 09:18", channels=(("videotron", "2026-11-16 11:40"),))
        office.at("2026-11-16 11:45").commit("arsip: posyandu, videotron", office.cast["wahyu"])
        again = tmp_path / "again"
        proc = office.cli("build", "--output", str(again))
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert (again / "layanan" / "index.html").read_bytes() == before
    finally:
        office.git("reset", "-q", "--hard", head)
