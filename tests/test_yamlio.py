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


# --- bounded input (DESIGN section 4 rule 13) -------------------------------------------------------

BILLION_LAUGHS = "\n".join(
    ["title: Tawa", 'a0: &a0 ["ha", "ha", "ha", "ha", "ha", "ha", "ha", "ha", "ha", "ha"]']
    + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
) + "\n"


def test_billion_laughs_is_refused_at_its_first_anchor_with_the_field() -> None:
    with pytest.raises(yamlio.YamlSyntaxError) as caught:
        yamlio.load(BILLION_LAUGHS, "content/berita/2025/tawa.md", line_offset=1)
    finding = caught.value.finding
    assert (finding.path, finding.line, finding.field) == ("content/berita/2025/tawa.md", 3, "a0")
    assert "anchor &a0" in finding.message and "not allowed" in finding.message


def test_an_unused_anchor_is_refused_with_its_line_and_field() -> None:
    text = "title: A\nmedia:\n  - file: a.jpg\n    alt: &x Foto\n"
    with pytest.raises(yamlio.YamlSyntaxError) as caught:
        yamlio.load(text, "f.md")
    assert (caught.value.finding.line, caught.value.finding.field) == (4, "alt")
    assert caught.value.finding.message.startswith("media.0.alt: anchor &x")


def test_an_alias_is_refused_at_the_line_that_uses_it() -> None:
    with pytest.raises(yamlio.YamlSyntaxError) as caught:
        yamlio.load("title: A\nsummary: *nowhere\n", "f.md", line_offset=1)
    assert (caught.value.finding.line, caught.value.finding.field) == (3, "summary")
    assert "alias *nowhere" in caught.value.finding.message


def test_ampersands_and_asterisks_in_text_are_not_anchors() -> None:
    doc = yamlio.load('title: "Dinas A & B"\nsummary: Air & *listrik* gratis\ntags: [a&b, "*"]\n', "f.md")
    assert doc.data == {"title": "Dinas A & B", "summary": "Air & *listrik* gratis", "tags": ["a&b", "*"]}


def test_the_strict_loader_refuses_aliases_for_every_caller() -> None:
    # Code that calls yaml.load with the loader directly (not through yamlio.load) is protected too.
    import yaml

    with pytest.raises(yaml.YAMLError, match="aliases"):
        yaml.load(BILLION_LAUGHS, Loader=yamlio.StrictLoader)  # noqa: S506 - the strict safe loader


@pytest.mark.parametrize("text", [
    "a: " + "[" * 40 + "]" * 40 + "\n",
    "".join(" " * i + "k:\n" for i in range(40)) + " " * 40 + "v\n",
    "a: " + "{b: " * 40 + "1" + "}" * 40 + "\n",
])
def test_nesting_deeper_than_the_limit_is_refused(text: str) -> None:
    with pytest.raises(yamlio.YamlSyntaxError) as caught:
        yamlio.load(text, "f.yml")
    assert f"nested deeper than {yamlio.MAX_DEPTH} levels" in caught.value.finding.message
    assert caught.value.finding.line is not None


def test_nesting_of_a_thousand_levels_is_a_finding_not_a_crash() -> None:
    # Deeper than Python's recursion limit: refused before any recursive walk.
    with pytest.raises(yamlio.YamlSyntaxError):
        yamlio.load("a: " + "[" * 5000 + "]" * 5000 + "\n", "f.yml")
    with pytest.raises(yamlio.YamlSyntaxError):
        yamlio.load("".join(" " * i + "k:\n" for i in range(990)), "f.yml")


def test_nesting_up_to_the_limit_loads() -> None:
    depth = yamlio.MAX_DEPTH
    doc = yamlio.load("a: " + "[" * (depth - 1) + "1" + "]" * (depth - 1) + "\n", "f.yml")
    value = doc.data["a"]
    for _ in range(depth - 2):
        value = value[0]
    assert value == [1]


def test_documents_over_the_size_limit_are_refused() -> None:
    text = "a: " + "x" * yamlio.MAX_BYTES + "\n"
    with pytest.raises(yamlio.YamlSyntaxError, match="limit is 1,048,576 bytes"):
        yamlio.load(text, "f.yml")
    small = "a: " + "é" * 600 + "\n"  # 1,200 bytes in UTF-8 though 600 characters
    with pytest.raises(yamlio.YamlSyntaxError, match="the limit is 1,000 bytes"):
        yamlio.load(small, "f.yml", max_bytes=1000)
