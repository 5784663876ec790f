"""Classification tables: the shipped data, lookups, suggestions, and findings with path:line."""

from __future__ import annotations

import typing
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.archive.classification import (
    SCHEMES,
    config_findings,
    item_findings,
    load_table,
    parent_code,
)
from pipeline.config import ArchiveSection, load_config
from pipeline.content import load_items
from pipeline.errors import ConfigError

Write = Callable[[str, str | bytes], Path]

# DOMAIN.md "Archive classification": every code it lists, with a word its title must hold.
DOMAIN_83 = {
    "400.14": "Hubungan Masyarakat",
    "400.14.1.1": "acara kedinasan",
    "400.14.3": "Dokumentasi",
    "400.14.4.1": "Kliping",
    "400.14.4.2": "pengumuman",
    "400.14.4.3": "Pemberitaan",
    "400.14.5.6": "media massa",
    "400.14.9": "Publikasi",
    "000.5.3.1": "agenda",
    "000.8.3.3": "Standar Operasional Prosedur",
}
DOMAIN_78 = {
    "042": "Dokumentasi", "045": "Kearsipan", "047": "Website", "048": "Pengelolaan Data", "480": "Media Massa",
    "481": "Penerbitan", "485": "Pers", "487": "Penerangan", "489": "Hubungan Masyarakat",
}


def test_scheme_names_are_those_warta_yml_accepts() -> None:
    accepted = typing.get_args(ArchiveSection.model_fields["scheme"].annotation)
    assert set(SCHEMES) == set(accepted) == {"permendagri-83-2022", "permendagri-78-2012"}
    for scheme in accepted:
        assert load_table(scheme).scheme == scheme


@pytest.mark.parametrize(("scheme", "codes"), [("permendagri-83-2022", DOMAIN_83), ("permendagri-78-2012", DOMAIN_78)])
def test_every_domain_code_is_in_its_table_with_its_title(scheme: str, codes: dict[str, str]) -> None:
    table = load_table(scheme)
    for code, word in codes.items():
        assert table.validate(code) is None, code
        assert word.lower() in table.title(code).lower(), (code, table.title(code))


def test_branches_are_in_the_tables_and_follow_from_the_code() -> None:
    t83 = load_table("permendagri-83-2022")
    assert [a.code for a in t83.ancestors("400.14.9")] == ["400.14", "400"]
    assert [a.code for a in t83.ancestors("000.8.3.3")] == ["000.8.3", "000.8", "000"]
    assert [a.code for a in t83.ancestors("000.5.3.1")] == ["000.5.3", "000.5", "000"]
    assert t83.title("000.5") == "Kearsipan"
    assert t83.title("400") == "Kesejahteraan Rakyat"
    t78 = load_table("permendagri-78-2012")
    assert [a.code for a in t78.ancestors("481.1")] == ["481", "480", "400"]
    assert [a.code for a in t78.ancestors("045.31")] == ["045.3", "045", "040", "000"]
    assert [a.code for a in t78.ancestors("042")] == ["040", "000"]
    assert parent_code("400", "permendagri-83-2022") is None
    assert parent_code("000", "permendagri-78-2012") is None
    assert t83.is_within("400.14.5.6", "400.14") and not t83.is_within("400.14.5.6", "400.14.4")
    assert {c.code for c in t83.children("400.14.4")} == {"400.14.4.1", "400.14.4.2", "400.14.4.3"}


def test_every_entry_has_a_title_and_its_parent_in_the_table() -> None:
    for scheme in SCHEMES:
        table = load_table(scheme)
        assert len(table) >= 9
        for entry in table:
            assert entry.title.strip()
            assert entry.parent is None or entry.parent in table, entry.code


def test_unknown_title_raises_key_error() -> None:
    with pytest.raises(KeyError, match="400.99"):
        load_table("permendagri-83-2022").title("400.99")


def test_suggestions_share_the_longest_prefix_first() -> None:
    table = load_table("permendagri-83-2022")
    assert table.suggest("400.14.9.9")[0] == "400.14.9"
    siblings = table.suggest("400.14.5.7", n=3)
    assert len(siblings) == 3 and all(code.startswith("400.14.5.") for code in siblings)
    assert table.suggest("400.14.4.9", n=3) == ["400.14.4.1", "400.14.4.2", "400.14.4.3"]
    assert table.suggest("media massa", n=1) == ["400.14.5.6"]
    assert table.suggest("400.14.9", n=2) and "400.14.9" not in table.suggest("400.14.9")
    assert table.suggest("400.14.9", n=0) == []


def test_validate_names_the_nearest_codes_and_the_likely_mistake() -> None:
    t83 = load_table("permendagri-83-2022")
    message = t83.validate("400.14.9.9")
    assert message is not None
    assert "'400.14.9.9' is not in the Permendagri Nomor 83 Tahun 2022 table" in message
    assert "400.14.9 (Publikasi melalui media cetak maupun elektronik)" in message
    old = t83.validate("485")
    assert old is not None and "Permendagri Nomor 78 Tahun 2012 code" in old and "archive.scheme" in old
    ministry = t83.validate("HM.02.01")
    assert ministry is not None and "ministry code" in ministry and "400.14 (Hubungan Masyarakat)" in ministry
    assert load_table("permendagri-78-2012").validate("400.14.9") is not None
    empty = t83.validate("  ")
    assert empty is not None and "empty" in empty
    wrong = t83.validate("publikasi")
    assert wrong is not None and "not written like one of its codes" in wrong


def test_a_site_can_replace_the_shipped_table(tmp_path: Path) -> None:
    own = tmp_path / "klasifikasi" / "permendagri-83-2022.yaml"
    own.parent.mkdir()
    own.write_text('scheme: permendagri-83-2022\nname: Tabel Dinas\ncodes:\n'
                   '  - {code: "400", title: Kesejahteraan Rakyat}\n'
                   '  - {code: "400.14", title: Hubungan Masyarakat}\n'
                   '  - {code: "400.14.99", title: Kode lokal}\n', encoding="utf-8")
    table = load_table("permendagri-83-2022", tmp_path)
    assert table.title("400.14.99") == "Kode lokal"
    assert table.validate("400.14.9") is not None  # not in the office's own table
    assert load_table("permendagri-83-2022").validate("400.14.99") is not None


@pytest.mark.parametrize(("text", "expected"), [
    ('scheme: permendagri-83-2022\nname: X\ncodes:\n  - {code: "400.14", title: Humas}\n',
     "klasifikasi/permendagri-83-2022.yaml:4: error: codes.0.code: 400.14 needs its branch 400 in the table too"),
    ('scheme: permendagri-83-2022\nname: X\ncodes:\n  - {code: "400", title: A}\n  - {code: "HM.1", title: B}\n',
     "klasifikasi/permendagri-83-2022.yaml:5: error: codes.1.code: 'HM.1' is not a permendagri-83-2022 code"),
    ('scheme: permendagri-83-2022\nname: X\ncodes:\n  - {code: "400", titel: A}\n',
     "klasifikasi/permendagri-83-2022.yaml:4: error: codes.0.titel: unknown key (did you mean 'title'?)"),
    ('scheme: permendagri-78-2012\nname: X\ncodes:\n  - {code: "400", title: A}\n',
     "klasifikasi/permendagri-83-2022.yaml:1: error: scheme: this file holds permendagri-78-2012"),
])
def test_a_damaged_table_is_refused_with_path_and_line(tmp_path: Path, text: str, expected: str) -> None:
    own = tmp_path / "klasifikasi" / "permendagri-83-2022.yaml"
    own.parent.mkdir()
    own.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_table("permendagri-83-2022", tmp_path)
    assert any(f.format().startswith(expected) for f in info.value.findings), info.value.findings


def test_unknown_scheme_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown classification scheme 'permendagri-1-1999'"):
        load_table("permendagri-1-1999")


ITEM = """\
---
title: Pengumuman Jadwal Musrenbang
date: 2025-03-01 08:00
klasifikasi: "400.14.99"
---
Isi pengumuman.
"""


def test_front_matter_code_is_checked_at_its_line(site: Path, write: Write) -> None:
    write("content/pengumuman/2025/jadwal-musrenbang.md", ITEM)
    write("content/pengumuman/2025/jadwal-lain.md", ITEM.replace('klasifikasi: "400.14.99"\n', ""))
    config = load_config(site)
    items, findings = load_items(site, config)
    assert not findings.errors
    out = [f.format() for f in item_findings(items, load_table(config.archive.scheme, site))]
    assert len(out) == 1
    assert out[0].startswith("content/pengumuman/2025/jadwal-musrenbang.md:4: error: klasifikasi: "
                             "'400.14.99' is not in the Permendagri Nomor 83 Tahun 2022 table; nearest: 400.14.9")


def test_a_wrong_default_in_warta_yml_is_reported_there_and_on_the_items(site: Path, write: Write) -> None:
    text = (site / "warta.yml").read_text(encoding="utf-8").replace('klasifikasi: "400.14.4.2"',
                                                                   'klasifikasi: "400.14.4.7"')
    write("warta.yml", text)
    write("content/pengumuman/2025/jadwal-lain.md", ITEM.replace('klasifikasi: "400.14.99"\n', ""))
    config = load_config(site)
    line = next(i for i, row in enumerate(text.splitlines(), start=1) if "400.14.4.7" in row)
    out = [f.format() for f in config_findings(site, config)]
    assert out == [f"warta.yml:{line}: error: kinds.pengumuman.klasifikasi: '400.14.4.7' is not in the "
                   "Permendagri Nomor 83 Tahun 2022 table; nearest: 400.14.4.1 (Kliping koran), 400.14.4.2 "
                   "(Bahan dokumentasi (brosur, leaflet, poster, plakat) dan pengumuman), 400.14.4.3 "
                   "(Pemberitaan)"]
    items, _ = load_items(site, config)
    (finding,) = item_findings(items, load_table(config.archive.scheme, site))
    assert finding.line == 1 and "default of kind pengumuman in warta.yml" in finding.message


def test_the_example_configuration_uses_only_known_codes(project_root: Path) -> None:
    assert config_findings(project_root, load_config(project_root)) == []
