"""warta.yml: the shipped file is valid; unknown keys, wrong types and bad values are precise findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import load_config, parse_config
from pipeline.errors import ConfigError

MINIMAL = """\
site:
  name: Dinas Kominfo Kabupaten Bantul
  url: https://kominfo.example.go.id
  unit_code: KOMINFO
kinds:
  siaran-pers: {sop: a}
  berita: {sop: a}
  pengumuman: {sop: a}
  informasi-publik: {sop: a}
  halaman: {sop: a}
"""


def findings(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    return [f.format() for f in info.value.findings]


def test_project_config_is_valid(project_root: Path) -> None:
    config = load_config(project_root)
    assert config.site.language == "id"
    assert config.site.unit_code == "DPMK"
    assert config.sop_for_kind("siaran-pers") == "pemutakhiran-website"


def test_defaults_fill_optional_sections() -> None:
    config = parse_config(MINIMAL)
    assert config.approvals.require_signatures is True
    assert config.archive.number_format == "{kode}/{urut}/{unit}/{tahun}"
    assert config.media.widths == [480, 960, 1600]
    assert config.deploy.target == "local"


def test_unknown_key_suggests_the_nearest() -> None:
    out = findings(MINIMAL.replace("  unit_code:", "  unit_cod:"))
    assert "warta.yml:4: error: site.unit_cod: unknown key (did you mean 'unit_code'?)" in out
    out = findings(MINIMAL + "aprovals:\n  require_signatures: false\n")
    assert "warta.yml:11: error: aprovals: unknown key (did you mean 'approvals'?)" in out


def test_wrong_type_and_invalid_values_each_get_a_message() -> None:
    text = MINIMAL + "approvals:\n  require_signatures: nanti\nbuild:\n  per_page: 0\n"
    out = findings(text.replace("https://kominfo.example.go.id", "kominfo.example.go.id"))
    assert any(line.startswith("warta.yml:3: error: site.url: must be an absolute http(s) address") for line in out)
    assert any(line.startswith("warta.yml:12: error: approvals.require_signatures: expected true or false")
               for line in out)
    assert any(line.startswith("warta.yml:14: error: build.per_page:") for line in out)
    assert len(out) == 3


def test_yaml_11_booleans_are_not_booleans() -> None:
    # "yes" would be True in YAML 1.1; in warta it is text and therefore not a boolean.
    out = findings(MINIMAL + "approvals:\n  require_signatures: yes\n")
    assert out == ["warta.yml:12: error: approvals.require_signatures: expected true or false (got 'yes')"]


def test_every_kind_needs_an_sop() -> None:
    out = findings(MINIMAL.replace("  halaman: {sop: a}\n", ""))
    assert out == ["warta.yml:1: error: kinds: every kind needs an SOP; missing halaman"]


def test_number_template_placeholders() -> None:
    out = findings(MINIMAL + "archive:\n  number_format: '{kode}/{nomor}/{tahun}'\n")
    assert len(out) == 1 and "unknown placeholder {nomor}" in out[0] and out[0].startswith("warta.yml:12:")


def test_missing_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert info.value.exit_code == 2
    assert "warta.yml not found" in str(info.value)


def test_invalid_yaml_names_the_line() -> None:
    out = findings(MINIMAL + "deploy: [unclosed\n")
    assert len(out) == 1 and out[0].startswith("warta.yml:1") and "invalid YAML" in out[0]


def test_duplicate_keys_are_refused() -> None:
    out = findings(MINIMAL + "build:\n  per_page: 5\nbuild:\n  per_page: 6\n")
    assert "warta.yml:13: error: build: key appears twice" in out


def test_limits_and_privacy_have_documented_defaults() -> None:
    config = parse_config(MINIMAL)
    assert (config.limits.front_matter_bytes, config.limits.body_bytes) == (65536, 1048576)
    assert config.limits.render_seconds == 10
    assert config.privacy.allowed_numbers == []


def test_limits_are_validated_and_an_integer_deadline_is_accepted() -> None:
    config = parse_config(MINIMAL + "limits: {body_bytes: 4096, render_seconds: 2}\n")
    assert (config.limits.body_bytes, config.limits.render_seconds) == (4096, 2.0)
    messages = findings(MINIMAL + "limits: {front_matter_bytes: 2000000, render_seconds: 0, body: 1}\n")
    assert any("limits.front_matter_bytes" in m for m in messages)
    assert any("limits.render_seconds" in m for m in messages)
    assert any("limits.body: unknown key" in m for m in messages)


def test_allowed_numbers_must_be_telephone_numbers() -> None:
    config = parse_config(MINIMAL + 'privacy: {allowed_numbers: ["(0274) 367509", "+62 812-2000-3000"]}\n')
    assert config.privacy.allowed_numbers == ["(0274) 367509", "+62 812-2000-3000"]
    (message,) = findings(MINIMAL + "privacy:\n  allowed_numbers: [kantor]\n")
    assert "privacy.allowed_numbers" in message and "'kantor' is not a telephone number" in message


def test_an_alias_in_warta_yml_is_refused_with_its_line() -> None:
    text = MINIMAL.replace("kinds:", "x: &k 1\nkinds:", 1)
    line = text.splitlines().index("x: &k 1") + 1
    (message,) = findings(text)
    assert message.startswith(f"warta.yml:{line}: error: x: anchor &k")
