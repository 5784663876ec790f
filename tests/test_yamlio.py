"""Strict YAML: YAML 1.2 scalars, impossible dates kept for the schema, line numbers, no aliases written."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline import yamlio


def test_yaml_11_surprises_are_text() -> None:
    doc = yamlio.load("a: no\nb: yes\nc: on\nd: off\ne: 09:30\nf: 010\ng: y\n", "x.yml")
    assert doc.data == {"a": "no", "b": "yes", "c": "on", "d": "off", "e": "09:30", "f": 10, "g": "y"}


def test_real_booleans_numbers_and_null() -> None:
    doc = yamlio.load("a: true\nb: False\nc: 1.5\nd: ~\ne:\nf: 0x1F\n", "x.yml")
    assert doc.data == {"a": True, "b": False, "c": 1.5, "d": None, "e": None, "f": 31}


def test_dates_and_times() -> None:
    doc = yamlio.load("d: 2025-03-04\nt: 2025-03-04 09:30\nz: 2025-03-04T09:30:00+07:00\nbad: 2025-02-30\n", "x")
    assert doc.data["d"] == dt.date(2025, 3, 4)
    assert doc.data["t"] == dt.datetime(2025, 3, 4, 9, 30)
    assert doc.data["z"] == dt.datetime(2025, 3, 4, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    assert doc.data["bad"] == "2025-02-30"  # left for the schema to report with its line


def test_line_of_nested_keys_with_offset() -> None:
    doc = yamlio.load("judul: x\nmedia:\n  - file: a.jpg\n    alt: foto\n", "x.md", line_offset=1)
    assert doc.line_of(("media", 0, "alt")) == 5
    assert doc.line_of(("media", 3)) == 3  # unknown index: the nearest known parent
    assert doc.line_of(("judul",)) == 2


def test_syntax_error_names_the_line() -> None:
    with pytest.raises(yamlio.YamlSyntaxError) as info:
        yamlio.load("a: 1\nb: [2,\nc: 3\n", "x.yml", line_offset=1)
    assert info.value.finding.path == "x.yml"
    assert info.value.finding.line is not None and info.value.finding.line >= 3
    assert "invalid YAML" in info.value.finding.message


def test_duplicate_keys_are_reported() -> None:
    doc = yamlio.load("a: 1\nb: 2\na: 3\n", "x.yml")
    (finding,) = yamlio.duplicate_key_findings(doc)
    assert finding.format() == "x.yml:3: error: a: key appears twice"


def test_dump_writes_no_anchors_and_keeps_order_and_unicode() -> None:
    shared = {"kode": "400.14.9"}
    text = yamlio.dump({"z": shared, "a": shared, "judul": "Penyaluran Dana — Tahap I"})
    assert "&" not in text and "*" not in text
    assert text.index("z:") < text.index("a:")
    assert "Penyaluran Dana — Tahap I" in text
    assert yamlio.load(text, "x").data == {"z": shared, "a": shared, "judul": "Penyaluran Dana — Tahap I"}
