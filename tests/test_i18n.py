"""The language of messages: catalogues complete, precedence of --lang / WARTA_LANG / site / default."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from pipeline import i18n
from pipeline.errors import Finding

PROJECT = Path(__file__).resolve().parents[1]


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("warta_messages_tool", PROJECT / "tools" / "messages.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def _restore_language() -> object:
    yield
    i18n.reset()


def test_every_message_in_the_code_has_an_indonesian_translation_and_the_mo_is_the_compiled_po() -> None:
    assert _tool().problems("id") == []


def test_the_catalogue_check_reports_a_msgid_without_translation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    tool = _tool()
    locale = tmp_path / "locale" / "id" / "LC_MESSAGES"
    locale.mkdir(parents=True)
    original = (PROJECT / "pipeline/locale/id/LC_MESSAGES/warta.po").read_text(encoding="utf-8")
    broken = original.replace('msgstr "dihentikan"', 'msgstr ""')
    assert broken != original
    (locale / "warta.po").write_text(broken, encoding="utf-8")
    (locale / "warta.mo").write_bytes((PROJECT / "pipeline/locale/id/LC_MESSAGES/warta.mo").read_bytes())
    monkeypatch.setattr(tool, "LOCALE", tmp_path / "locale")
    found = tool.problems("id")
    assert any("'interrupted' has no id translation" in p for p in found)
    assert any("warta.mo: not the compiled warta.po" in p for p in found)


def test_the_catalogue_check_reports_a_placeholder_the_translation_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    tool = _tool()
    locale = tmp_path / "locale" / "id" / "LC_MESSAGES"
    locale.mkdir(parents=True)
    original = (PROJECT / "pipeline/locale/id/LC_MESSAGES/warta.po").read_text(encoding="utf-8")
    broken = original.replace('"tidak dapat masuk ke {folder}: {reason}"', '"tidak dapat masuk ke {map}: {reason}"')
    assert broken != original
    (locale / "warta.po").write_text(broken, encoding="utf-8")
    monkeypatch.setattr(tool, "LOCALE", tmp_path / "locale")
    assert any("placeholders ['map', 'reason'] differ from ['folder', 'reason']" in p for p in tool.problems("id"))


def test_indonesian_is_the_default_and_english_is_the_source_text() -> None:
    i18n.reset("id")
    assert i18n._("interrupted") == "dihentikan"
    assert i18n._("cannot enter {folder}: {reason}", folder="/x", reason="r") == "tidak dapat masuk ke /x: r"
    i18n.reset("en")
    assert i18n._("interrupted") == "interrupted"


def test_a_module_level_constant_is_translated_when_used_not_when_imported() -> None:
    i18n.reset("en")
    constant = i18n.N_("interrupted")
    i18n.set_language("id")
    assert str(constant) == "dihentikan"
    assert f"{constant}!" == "dihentikan!"
    assert i18n._(constant) == "dihentikan"


def test_the_words_error_and_warning_stay_english_for_problem_matchers() -> None:
    i18n.reset("id")
    assert Finding("a.md", 3, "x").format().startswith("a.md:3: error: ")
    assert Finding("a.md", None, "x", severity="warning").format().startswith("a.md: warning: ")


def _site(tmp_path: Path, language: str) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    (site / "warta.yml").write_text(f"# comment\nsite:\n  name: X\n  language: {language}  # bahasa\nkinds: {{}}\n",
                                    encoding="utf-8")
    return site


def _warta(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "WARTA_LANG"}
    environment.update(env)
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, capture_output=True, text=True,
                          env=environment, timeout=120)


def test_precedence_is_lang_option_then_warta_lang_then_site_then_indonesian(tmp_path: Path) -> None:
    site = _site(tmp_path, "en")
    missing = ["-C", "no-such-folder", "status"]
    assert "cannot enter" in _warta(missing, site).stderr  # the site says en
    assert "tidak dapat masuk" in _warta(missing, site, WARTA_LANG="id").stderr  # env beats the site
    assert "cannot enter" in _warta(["--lang", "en", *missing], site, WARTA_LANG="id").stderr  # option beats env
    assert "tidak dapat masuk" in _warta(["--lang=id", *missing], site).stderr
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    assert "tidak dapat masuk" in _warta(missing, outside).stderr  # no site: Indonesian


def test_the_machine_lang_does_not_choose_the_language(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    result = _warta(["-C", "no-such-folder", "status"], outside, LANG="en_US.UTF-8", LC_ALL="en_US.UTF-8",
                    LANGUAGE="en")
    assert "tidak dapat masuk ke no-such-folder" in result.stderr


def test_an_unknown_language_is_a_usage_error(tmp_path: Path) -> None:
    result = _warta(["status"], tmp_path, WARTA_LANG="fr")
    assert result.returncode == 2
    assert "WARTA_LANG=fr" in result.stderr and "Traceback" not in result.stderr
    assert "bahasa tidak dikenal" in result.stderr  # the refusal itself is in the default language
    result = _warta(["--lang", "fr", "status"], tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "--lang fr: bahasa tidak dikenal" in result.stderr
    result = _warta(["--lang", "en", "status"], tmp_path, WARTA_LANG="fr")  # the option wins over a bad variable
    assert "unknown language" not in result.stderr and "bahasa tidak dikenal" not in result.stderr


def test_the_site_language_is_read_from_the_site_block_only(tmp_path: Path) -> None:
    (tmp_path / "warta.yml").write_text("language: en\nsite:\n  name: X\nother:\n  language: en\n", encoding="utf-8")
    assert i18n.site_language(tmp_path) is None
    (tmp_path / "warta.yml").write_text("site:\n  name: X\n  language: 'en'\n", encoding="utf-8")
    assert i18n.site_language(tmp_path) == "en"


def test_argparse_speaks_the_chosen_language_and_keeps_the_word_error(tmp_path: Path) -> None:
    result = _warta(["check", "--bogus"], tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("penggunaan: warta")
    assert "warta: error: argumen tidak dikenal: --bogus" in result.stderr
    english = _warta(["--lang", "en", "check", "--bogus"], tmp_path)
    assert english.stderr.startswith("usage: warta") and "error: unrecognized arguments: --bogus" in english.stderr
    helped = _warta(["--help"], tmp_path)
    assert "argumen posisi:" in helped.stdout and "tampilkan bantuan ini lalu keluar" in helped.stdout


def test_a_finding_prints_in_indonesian_by_default(tmp_path: Path) -> None:
    import shutil

    site = tmp_path / "situs"
    site.mkdir()
    shutil.copy(PROJECT / "warta.yml", site)
    shutil.copytree(PROJECT / "sop", site / "sop")
    item = site / "content" / "berita" / "2025" / "rapat.md"
    item.parent.mkdir(parents=True)
    item.write_text("---\ntitle: Rapat\ndate: 2025-02-30\n---\nTulis isi di sini.\n", encoding="utf-8")
    result = _warta(["check"], site)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert ("content/berita/2025/rapat.md:3: error: date: '2025-02-30' bukan hari yang ada di kalender: 02/2025 "
            "hanya bertanggal 1 sampai 28 [date.no-such-day]") in lines
    assert any(": error: body: 'Tulis isi di sini.' adalah teks contoh dari templat" in line for line in lines)
    assert "gagal: 1 berkas diperiksa" in result.stderr


def test_a_bad_warta_lang_outside_the_cli_falls_back_instead_of_failing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARTA_LANG", "klingon")
    i18n.reset()
    assert i18n._("interrupted") == "dihentikan"
