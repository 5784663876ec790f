"""Archive numbers: never reused, never skipped, one per item, deterministic, from the template."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from pipeline.archive.numbering import (
    Allocation,
    NumberRequest,
    ParsedNumber,
    allocate,
    format_number,
    parse_number,
    template_problem,
)
from pipeline.config import SiteConfig, parse_config
from pipeline.errors import ConfigError

WIB = dt.timezone(dt.timedelta(hours=7))


def config(project_root: Path, number_format: str = "{kode}/{urut}/{unit}/{tahun}",
           sequence: str = "per-klasifikasi-per-tahun") -> SiteConfig:
    data = yaml.safe_load((project_root / "warta.yml").read_text(encoding="utf-8"))
    data["archive"] = {"scheme": "permendagri-83-2022", "number_format": number_format, "sequence": sequence}
    return parse_config(yaml.safe_dump(data, allow_unicode=True))


@dataclass(frozen=True)
class Rec:
    """An existing register entry (the fields allocation reads of an ArchiveRecord)."""

    path: str
    number: str
    urut: int
    tahun: int
    kode: str


def done(allocations: list[Allocation]) -> list[Rec]:
    return [Rec(a.path, a.number, a.urut, a.tahun, a.kode) for a in allocations]


def at(day: int, hour: int = 9, month: int = 3, year: int = 2025) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=WIB)


def test_numbers_continue_each_classification_and_year(project_root: Path) -> None:
    existing = [
        Rec("content/berita/2025/a.md", "400.14.4.3/1/DPMK/2025", 1, 2025, "400.14.4.3"),
        Rec("content/berita/2025/b.md", "400.14.4.3/2/DPMK/2025", 2, 2025, "400.14.4.3"),
        Rec("content/siaran-pers/2025/c.md", "400.14.5.6/1/DPMK/2025", 1, 2025, "400.14.5.6"),
        Rec("content/berita/2024/d.md", "400.14.4.3/9/DPMK/2024", 9, 2024, "400.14.4.3"),
    ]
    new = [
        NumberRequest("content/siaran-pers/2025/e.md", "400.14.5.6", at(5)),
        NumberRequest("content/berita/2025/f.md", "400.14.4.3", at(4)),
        NumberRequest("content/pengumuman/2025/g.md", "400.14.4.2", at(6)),
        NumberRequest("content/berita/2025/h.md", "400.14.4.3", at(7)),
    ]
    got = allocate(existing, new, config(project_root))
    assert [(a.path, a.number, a.urut, a.tahun) for a in got] == [
        ("content/berita/2025/f.md", "400.14.4.3/3/DPMK/2025", 3, 2025),
        ("content/siaran-pers/2025/e.md", "400.14.5.6/2/DPMK/2025", 2, 2025),
        ("content/pengumuman/2025/g.md", "400.14.4.2/1/DPMK/2025", 1, 2025),
        ("content/berita/2025/h.md", "400.14.4.3/4/DPMK/2025", 4, 2025),
    ]


def test_allocating_again_with_the_results_recorded_gives_nothing(project_root: Path) -> None:
    cfg = config(project_root)
    new = [NumberRequest(f"content/berita/2025/x{i}.md", "400.14.4.3", at(1 + i)) for i in range(5)]
    first = allocate([], new, cfg)
    assert [a.urut for a in first] == [1, 2, 3, 4, 5]
    assert allocate(done(first), new, cfg) == []
    more = [*new, NumberRequest("content/berita/2025/y.md", "400.14.4.3", at(20))]
    assert [(a.path, a.urut) for a in allocate(done(first), more, cfg)] == [("content/berita/2025/y.md", 6)]


def test_an_item_requested_twice_is_numbered_once(project_root: Path) -> None:
    same = "content/berita/2025/x.md"
    got = allocate([], [NumberRequest(same, "400.14.4.3", at(3)), NumberRequest(same, "400.14.4.3", at(2))],
                   config(project_root))
    assert [(a.path, a.number) for a in got] == [(same, "400.14.4.3/1/DPMK/2025")]


def test_gaps_and_withdrawn_numbers_are_never_reused(project_root: Path) -> None:
    # urut 2 is missing (a record deleted by hand) and 3 belongs to a withdrawn item: neither comes back
    existing = [
        Rec("content/berita/2025/a.md", "400.14.4.3/1/DPMK/2025", 1, 2025, "400.14.4.3"),
        Rec("content/berita/2025/c.md", "400.14.4.3/3/DPMK/2025", 3, 2025, "400.14.4.3"),
    ]
    got = allocate(existing, [NumberRequest("content/berita/2025/n.md", "400.14.4.3", at(9))], config(project_root))
    assert [a.number for a in got] == ["400.14.4.3/4/DPMK/2025"]


def test_same_time_is_ordered_by_path_and_input_order_does_not_matter(project_root: Path) -> None:
    cfg = config(project_root)
    reqs = [NumberRequest(f"content/berita/2025/{name}.md", "400.14.4.3", at(1)) for name in ("c", "a", "b")]
    forward = allocate([], reqs, cfg)
    backward = allocate([], list(reversed(reqs)), cfg)
    assert forward == backward
    assert [a.path.rsplit("/", 1)[1] for a in forward] == ["a.md", "b.md", "c.md"]


def test_the_year_is_the_year_in_the_sites_time_zone(project_root: Path) -> None:
    # 31 December 18:00 UTC is already 1 January 01:00 in Bantul (Asia/Jakarta)
    late = dt.datetime(2025, 12, 31, 18, 0, tzinfo=dt.UTC)
    (got,) = allocate([], [NumberRequest("content/berita/2026/a.md", "400.14.4.3", late)], config(project_root))
    assert got.tahun == 2026 and got.number == "400.14.4.3/1/DPMK/2026"


def test_per_year_and_continuous_sequences(project_root: Path) -> None:
    reqs = [
        NumberRequest("content/berita/2025/a.md", "400.14.4.3", at(1)),
        NumberRequest("content/siaran-pers/2025/b.md", "400.14.5.6", at(2)),
        NumberRequest("content/berita/2026/c.md", "400.14.4.3", at(3, year=2026)),
    ]
    per_year = allocate([], reqs, config(project_root, sequence="per-tahun"))
    assert [a.number for a in per_year] == ["400.14.4.3/1/DPMK/2025", "400.14.5.6/2/DPMK/2025",
                                            "400.14.4.3/1/DPMK/2026"]
    continuous = allocate([], reqs, config(project_root, "{urut:05d}/{unit}", "continuous"))
    assert [a.number for a in continuous] == ["00001/DPMK", "00002/DPMK", "00003/DPMK"]


def test_format_spec_on_urut(project_root: Path) -> None:
    (got,) = allocate([], [NumberRequest("content/berita/2025/a.md", "400.14.9", at(1))],
                      config(project_root, "{kode}/{urut:03d}/{unit}/{tahun}"))
    assert got.number == "400.14.9/001/DPMK/2025"
    assert format_number("{tahun}-{urut:04d}", kode="x", urut=12, unit="u", tahun=2025) == "2025-0012"


@pytest.mark.parametrize(("template", "sequence", "fragment"), [
    ("{urut}/{unit}/{tahun}", "per-klasifikasi-per-tahun", "needs {kode}"),
    ("{kode}/{urut}/{unit}", "per-klasifikasi-per-tahun", "needs {tahun}"),
    ("{kode}/{urut}", "per-tahun", "needs {tahun}"),
    ("{kode}/{urut:x}/{tahun}", "per-tahun", "is not a number format"),
    ("{kode:>9}/{urut}/{tahun}", "per-tahun", "only {urut} takes a format"),
    ("{kode!r}/{urut}/{tahun}", "per-tahun", "is not supported"),
    ("{kode}/{urut}/{tahun", "per-tahun", "archive.number_format"),
    ("{kode}/{tahun}", "continuous", "must contain {urut}"),
    ("{kode}/{nomor}/{tahun}", "continuous", "unknown placeholder {nomor}"),
])
def test_templates_that_would_repeat_or_break_numbers_are_refused(template: str, sequence: str, fragment: str) -> None:
    problem = template_problem(template, sequence)
    assert problem is not None and fragment in problem


def test_allocate_refuses_a_template_that_would_repeat_numbers(project_root: Path) -> None:
    cfg = config(project_root, "{urut}/{unit}/{tahun}")  # warta.yml accepts it; numbering does not
    with pytest.raises(ConfigError, match="needs \\{kode\\}"):
        allocate([], [NumberRequest("content/berita/2025/a.md", "400.14.9", at(1))], cfg)
    assert template_problem("{urut}/{unit}", "continuous") is None


def test_allocate_refuses_a_number_already_in_the_register(project_root: Path) -> None:
    # the register holds a number written with an older template that the new one repeats
    existing = [Rec("content/berita/2024/a.md", "1/DPMK", 1, 2024, "400.14.9")]
    cfg = config(project_root, "{urut}/{unit}", "per-tahun")
    with pytest.raises(ConfigError):  # the template itself is refused for a yearly sequence
        allocate(existing, [NumberRequest("content/berita/2025/b.md", "400.14.9", at(1))], cfg)
    existing = [Rec("content/berita/2024/a.md", "2/DPMK", 1, 2024, "400.14.9")]
    cfg = config(project_root, "{urut}/{unit}", "continuous")
    with pytest.raises(ConfigError, match="already taken"):
        allocate(existing, [NumberRequest("content/berita/2025/b.md", "400.14.9", at(1))], cfg)


@pytest.mark.parametrize(("template", "number", "expected"), [
    ("{kode}/{urut}/{unit}/{tahun}", "400.14.9/123/Kominfo/2025", ParsedNumber("400.14.9", 123, "Kominfo", 2025)),
    ("{kode}/{urut}/{unit}", "000.8.3.3/15/OR", ParsedNumber("000.8.3.3", 15, "OR", None)),
    ("{kode}/{urut:03d}/{unit}/{tahun}", "485/007/DPMK-Bantul/2024", ParsedNumber("485", 7, "DPMK-Bantul", 2024)),
    ("No. {urut} ({tahun})", "No. 12 (2025)", ParsedNumber(None, 12, None, 2025)),
    ("{unit}.{kode}.{urut}", "PPID.400.14.9.3", ParsedNumber("400.14.9", 3, "PPID", None)),
])
def test_parse_number_reads_the_parts_back(template: str, number: str, expected: ParsedNumber) -> None:
    assert parse_number(number, template) == expected


@pytest.mark.parametrize(("template", "number"), [
    ("{kode}/{urut}/{unit}/{tahun}", "400.14.9/abc/DPMK/2025"),
    ("{kode}/{urut}/{unit}/{tahun}", "400.14.9/1/DPMK/25"),
    ("{kode}/{urut}/{unit}/{tahun}", "400.14.9/1/DPMK/2025/extra/"),
    ("{kode}/{urut}/{unit}", ""),
    ("{kode}/{nomor}", "400/1"),
])
def test_parse_number_rejects_what_does_not_fit(template: str, number: str) -> None:
    assert parse_number(number, template) is None


def test_parse_reads_back_what_allocate_wrote(project_root: Path) -> None:
    template = "{kode}/{urut:02d}/{unit}/{tahun}"
    cfg = config(project_root, template)
    reqs = [NumberRequest(f"content/berita/2025/a{i}.md", code, at(1 + i))
            for i, code in enumerate(["400.14.9", "000.8.3.3", "400.14.9"])]
    for a in allocate([], reqs, cfg):
        assert parse_number(a.number, template) == ParsedNumber(a.kode, a.urut, "DPMK", a.tahun)


@pytest.mark.parametrize("sequence", ["per-klasifikasi-per-tahun", "per-tahun", "continuous"])
def test_many_runs_never_reuse_or_skip_a_number(project_root: Path, sequence: str) -> None:
    """Random batches over several runs: every sequence is exactly 1..n and every number unique."""
    cfg = config(project_root, "{kode}/{urut}/{unit}/{tahun}", sequence)
    rng = random.Random(20250218)
    codes = ["400.14.9", "400.14.4.3", "400.14.5.6"]
    register: list[Rec] = []
    pending: list[NumberRequest] = []
    for run in range(12):
        for i in range(rng.randint(0, 6)):
            moment = dt.datetime(rng.choice([2024, 2025]), rng.randint(1, 12), rng.randint(1, 28),
                                 rng.randint(0, 23), tzinfo=WIB)
            pending.append(NumberRequest(f"content/berita/{moment.year}/r{run}-{i}.md", rng.choice(codes), moment))
        register.extend(done(allocate(register, rng.sample(pending, len(pending)), cfg)))
    assert len(register) == len(pending) == len({r.path for r in register})
    assert len({r.number for r in register}) == len(register)
    groups: dict[tuple[str, int], list[int]] = {}
    for r in register:
        key = {"per-klasifikasi-per-tahun": (r.kode, r.tahun), "per-tahun": ("", r.tahun),
               "continuous": ("", 0)}[sequence]
        groups.setdefault(key, []).append(r.urut)
    for numbers in groups.values():
        assert sorted(numbers) == list(range(1, len(numbers) + 1))


def test_naive_approval_time_is_refused(project_root: Path) -> None:
    with pytest.raises(ValueError, match="time zone"):
        allocate([], [NumberRequest("content/berita/2025/a.md", "400.14.9", dt.datetime(2025, 1, 1))],
                 config(project_root))
