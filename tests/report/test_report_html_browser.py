"""The HTML report in a real headless Chromium (Debian's /usr/bin/chromium through Playwright), opened
from a file: its charts are inline SVG with a name and a data table beside them, nothing is fetched from
anywhere, and it prints on A4."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from approvals_helpers import Person
from report_helpers import TimedSite, november_office

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium); CI installs it",
)


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory, cast: dict[str, Person]) -> TimedSite:
    return november_office(tmp_path_factory.mktemp("report-html"), cast)


@pytest.fixture(scope="module")
def html_file(office: TimedSite, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("out") / "laporan.html"
    proc = office.cli("report", "--period", "2026-11", "--format", "html", "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    return out



def test_report_opens_with_three_named_charts_each_beside_its_table(browser: Any, html_file: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    try:
        page.goto(html_file.as_uri(), wait_until="load")
        assert page.locator("h1").inner_text() == "Laporan Monitoring dan Evaluasi — November 2026"
        charts = page.locator(".chart")
        assert charts.count() == 3
        names = []
        for i in range(3):
            chart = charts.nth(i)
            svg = chart.locator("svg[role=img]")
            assert svg.count() == 1
            box = svg.bounding_box()
            assert box is not None and box["width"] > 200 and box["height"] > 80  # drawn, not empty
            names.append(svg.locator("title").first.text_content())
            assert chart.locator("table tbody tr").count() >= 1  # the figures, readable without the picture
        assert names == ["Waktu per langkah terhadap Mutu Baku (median, menit kerja)", "Terbit per bulan",
                         "Langkah terlambat per peran"]
        # the axis labels are real text in the SVG (svg.fonttype none), so they can be read and searched
        assert "menit kerja" in page.locator(".chart").first.locator("svg").inner_html()
        # the table beside the step chart holds the hand-computed medians (rilis-uji step 3: 30 m, P90 38 m)
        row = page.locator(".chart").first.locator("tr", has_text="rilis-uji 3")
        assert row.locator("td").all_inner_texts() == ["rilis-uji 3", "30 m", "38 m", "15 m"]
        assert page.locator("td", has_text="Foto kurang jelas").count() == 1
        assert all(r.startswith("file://") for r in requests), requests
    finally:
        page.close()


def test_report_prints_on_a4(browser: Any, html_file: Path, tmp_path: Path) -> None:
    page = browser.new_page()
    try:
        page.goto(html_file.as_uri(), wait_until="load")
        pdf = page.pdf(prefer_css_page_size=True)
        assert pdf.startswith(b"%PDF")
        # A4 is 210 x 297 mm = 595 x 842 points; Chromium writes each page's MediaBox (rounded to its units)
        boxes = re.findall(rb"/MediaBox \[0 0 ([0-9.]+) ([0-9.]+)\]", pdf)
        assert boxes and all(abs(float(w) - 595.3) < 1 and abs(float(h) - 841.9) < 1 for w, h in boxes)
        assert len(boxes) >= 2  # the report runs over more than one page
        page.emulate_media(media="print")
        # in print the chart and its table stack (no side by side on paper)
        assert page.evaluate("getComputedStyle(document.querySelector('.chart')).display") == "block"
    finally:
        page.close()


def test_the_same_revision_gives_the_same_html(office: TimedSite, html_file: Path, tmp_path: Path) -> None:
    again = tmp_path / "lagi.html"
    proc = office.cli("report", "--period", "2026-11", "--format", "html", "--output", str(again))
    assert proc.returncode == 0
    assert again.read_bytes() == html_file.read_bytes()
