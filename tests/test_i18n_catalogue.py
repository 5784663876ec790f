"""The Indonesian catalogue survives merges: ``warta.po`` is merged by git's union driver, which once glued
two msgstr of one msgid together. Babel reads such a file without a word (it keeps one side and drops the
other), so ``tools/messages.py --check`` (and this test) reads the entries line by line as well: a msgid
in two entries, an entry with two msgid or two msgstr, a fuzzy entry or a ``.mo`` that is not the ``.po``
compiled each fail."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path
from types import ModuleType

import pytest
from babel.messages.pofile import read_po

PROJECT = Path(__file__).resolve().parents[1]
PO = PROJECT / "pipeline/locale/id/LC_MESSAGES/warta.po"
MO = PROJECT / "pipeline/locale/id/LC_MESSAGES/warta.mo"
ENTRY = 'msgid "interrupted"\nmsgstr "dihentikan"\n'


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("warta_messages_tool", PROJECT / "tools" / "messages.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, po_text: str, mo: bytes | None = None) -> list[str]:
    """``tools/messages.py``'s problems for a copy of the catalogue whose ``.po`` is ``po_text``."""
    tool = _tool()
    locale = tmp_path / "locale" / "id" / "LC_MESSAGES"
    locale.mkdir(parents=True)
    (locale / "warta.po").write_text(po_text, encoding="utf-8")
    (locale / "warta.mo").write_bytes(MO.read_bytes() if mo is None else mo)
    monkeypatch.setattr(tool, "LOCALE", tmp_path / "locale")
    found: list[str] = tool.problems("id")
    return found


def _po() -> str:
    text = PO.read_text(encoding="utf-8")
    assert text.count(ENTRY) == 1
    return text


def test_the_catalogue_has_each_msgid_once_with_one_msgstr_none_fuzzy_and_its_mo_compiled() -> None:
    text = _po()
    msgids = [line for line in text.splitlines() if line.startswith("msgid ")]
    catalog = read_po(io.BytesIO(text.encode("utf-8")), locale="id", abort_invalid=True)
    assert len(msgids) == len([m for m in catalog]), "Babel read fewer entries than the file has: a msgid repeats"
    assert [m.id for m in catalog if m.fuzzy] == []
    assert _tool().entry_problems(PO) == []
    assert _tool().problems("id") == []


def test_a_msgid_in_two_entries_is_reported_though_babel_keeps_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    broken = _po().replace(ENTRY, ENTRY + '\nmsgid "interrupted"\nmsgstr "terputus"\n')
    assert [m.string for m in read_po(io.BytesIO(broken.encode()), locale="id") if m.id == "interrupted"] \
        == ["dihentikan"], "Babel drops the second entry silently: the reason this check exists"
    found = _problems(tmp_path, monkeypatch, broken)
    assert any("msgid 'interrupted' is also the entry at line" in p for p in found), found


def test_two_msgstr_glued_into_one_entry_are_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = _po().replace(ENTRY, ENTRY + 'msgstr "terputus"\n')
    found = _problems(tmp_path, monkeypatch, broken)
    assert any("a second msgstr for msgid 'interrupted'" in p for p in found), found


def test_two_entries_glued_with_both_msgid_before_the_msgstr_are_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    broken = _po().replace(ENTRY, 'msgid "interrupted"\nmsgid "failed"\nmsgstr "dihentikan"\nmsgstr "gagal"\n')
    found = _problems(tmp_path, monkeypatch, broken)
    assert any("a second msgid in the entry of line" in p for p in found), found


def test_a_second_plural_form_of_the_same_index_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plural = 'msgid_plural "{n} errors"\nmsgstr[0] "{n} kesalahan"\n'
    text = _po()
    assert text.count(plural) == 1
    found = _problems(tmp_path, monkeypatch, text.replace(plural, plural + 'msgstr[0] "{n} galat"\n'))
    assert any("a second msgstr[0]" in p for p in found), found


def test_a_fuzzy_entry_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    found = _problems(tmp_path, monkeypatch, _po().replace(ENTRY, "#, fuzzy\n" + ENTRY))
    assert any("'interrupted' is marked fuzzy" in p for p in found), found


def test_an_mo_that_is_not_the_po_compiled_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    changed = _po().replace(ENTRY, 'msgid "interrupted"\nmsgstr "terhenti"\n')
    found = _problems(tmp_path, monkeypatch, changed)  # the .mo still says "dihentikan"
    assert any("warta.mo: not the compiled warta.po" in p for p in found), found
    assert not any("warta.mo" in p for p in _problems(tmp_path / "same", monkeypatch, _po()))


def test_a_catalogue_written_by_make_messages_passes_the_entry_check(tmp_path: Path) -> None:
    tool = _tool()
    po = tmp_path / "warta.po"
    po.write_bytes(tool.po_bytes(tool.read("id")))  # what `make messages` writes, byte for byte
    assert tool.entry_problems(po) == []
    assert po.read_bytes() == PO.read_bytes()
