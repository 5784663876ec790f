"""Command-line conventions: no option abbreviations, --json on every failure, -q / -v, --version,
shell completion generated from the parser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import copy_example, run_warta

from pipeline import __version__


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return copy_example(tmp_path)


@pytest.mark.parametrize("argv", [["check", "--js"], ["--vers"], ["status", "--al"], ["approve", "--mes", "x"]])
def test_an_abbreviated_option_is_refused(argv: list[str], example: Path) -> None:
    result = run_warta("-C", str(example), *argv)
    assert result.returncode == 2
    assert "unrecognized arguments" in result.stderr or "unrecognized" in result.stderr


@pytest.mark.parametrize("argv", [
    ["check", "--json", "--no-such-option"],       # the command line does not parse
    ["--json", "status", "--bogus"],
    ["-C", "/no/such/folder", "check", "--json"],  # cannot start: the folder
    ["check", "--json", "no/such/file.md"],        # a path that is not there
])
def test_json_prints_a_json_error_document_on_every_failure(argv: list[str], example: Path) -> None:
    result = run_warta(*argv, cwd=example)
    assert result.returncode == 2, result.stdout + result.stderr
    doc = json.loads(result.stdout)
    assert set(doc) >= {"error", "findings"}
    assert doc["error"]["code"] == "usage" and doc["error"]["exit_code"] == 2 and doc["error"]["message"]
    assert "Traceback" not in result.stderr


def test_json_error_outside_a_site_is_a_config_error(tmp_path: Path) -> None:
    result = run_warta("status", "--json", cwd=tmp_path)
    doc = json.loads(result.stdout)
    assert result.returncode == 2 and doc["error"]["code"] == "config"


def test_version() -> None:
    result = run_warta("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"warta {__version__}"


def test_quiet_keeps_findings_and_drops_the_summary_and_verbose_says_more(example: Path) -> None:
    rel = "content/halaman/kontak.md"
    normal = run_warta("-C", str(example), "--lang", "en", "check", rel)
    assert "ok: 1 file checked" in normal.stderr
    quiet = run_warta("-C", str(example), "--lang", "en", "check", "-q", rel)
    assert quiet.returncode == 0 and quiet.stderr == "" and quiet.stdout == normal.stdout
    verbose = run_warta("-C", str(example), "-v", "--lang", "en", "check", rel)
    assert "language en" in verbose.stderr and "ok: 1 file checked" in verbose.stderr
    both = run_warta("-C", str(example), "check", "-q", "-v", rel)
    assert both.returncode == 2 and "not allowed with" in both.stderr


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_completion_knows_every_command_and_option(shell: str) -> None:
    result = run_warta("completion", shell)
    assert result.returncode == 0, result.stderr
    script = result.stdout
    for word in ("approve", "archive", "check", "signers", "status", "--json", "--lang", "--no-branch"):
        assert word in script, word
