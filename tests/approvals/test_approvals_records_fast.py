"""Records in the form ``warta approve`` writes are read by one regular expression (records.py,
``_canonical_trailers``); every message must give the record the general reading (line by line, any
case of key, notes, continuation lines) gives, and messages of any other form must be read the general
way."""

from __future__ import annotations

import pytest

from pipeline.approvals import records
from pipeline.approvals.record_model import Record
from pipeline.approvals.records import format_record, record_from_commit
from pipeline.git import Commit

ITEM = "content/siaran-pers/2025/bantuan-bibit.md"
DIGEST = "sha256:" + "ab" * 32
TRAILERS = (f"Warta-Item: {ITEM}\nWarta-Digest: {DIGEST}\nWarta-Step: 3\nWarta-Role: sekdin\n"
            "Warta-Decision: approve")
PARENT, TREE = "a" * 40, "b" * 40


def commit_with(message: str) -> Commit:
    return Commit("c" * 40, (PARENT,), TREE, "Hendro", "hendro@dinas.example.go.id", 100, "Hendro",
                  "hendro@dinas.example.go.id", 100, message)


def general(message: str, monkeypatch: pytest.MonkeyPatch) -> Record | None:
    """The record the general (line by line) reading gives."""
    with monkeypatch.context() as patch:
        patch.setattr(records, "_canonical_trailers", lambda message: None)
        return record_from_commit(commit_with(message), {PARENT: TREE})


CANONICAL = [
    format_record(item=ITEM, digest=DIGEST, step=3, role="sekdin", decision="approve", subject="Setujui langkah 3"),
    format_record(item=ITEM, digest=DIGEST, step=2, role="kasubbag", decision="return", subject="Kembalikan"),
    format_record(item=ITEM, digest=DIGEST, step=5, role="kepala_dinas", decision="force", subject="Terbitkan"),
    f"Setujui\n\n{TRAILERS}",  # no final line break
    f"Setujui\n\n{TRAILERS}\n\n\n",  # several
    f"  Setujui \t\n\n{TRAILERS}\n",  # a subject with white space around it
    f"Setujui: {ITEM} (Sekretaris Dinas) ✓\n\n{TRAILERS}\n",  # any text in the subject
    f"Setujui\n\n{TRAILERS.replace('sha256:', 'md5:')}\n",  # wrong values: the same problems either way
    f"Setujui\n\n{TRAILERS.replace('Step: 3', 'Step: 03')}\n",
    f"Setujui\n\n{TRAILERS.replace('Step: 3', 'Step: tiga')}\n",
    f"Setujui\n\n{TRAILERS.replace('Role: sekdin', 'Role: Sekdin')}\n",
    f"Setujui\n\n{TRAILERS.replace('Decision: approve', 'Decision: APPROVE')}\n",
    f"Setujui\n\n{TRAILERS.replace('Decision: approve', 'Decision: setuju')}\n",
]

OTHER = [
    f"\n\n{TRAILERS}\n",  # no subject: the trailers follow the first blank line only
    f" \t\n\n{TRAILERS}\n",  # a blank subject
    f"\x0c\n\n{TRAILERS}\n",  # blank to str.strip as well
    f"Setujui\r\n\r\n{TRAILERS.replace(chr(10), chr(13) + chr(10))}\r\n",  # CRLF
    f"Setujui\n\n{TRAILERS}\r\n",
    f"Setujui\n\n{TRAILERS}\n \n",  # a last line of spaces
    f"Setujui\n\n{TRAILERS} \n",  # a value followed by a space
    f"Setujui\n\n{TRAILERS.replace(': ' + ITEM, ':  ' + ITEM)}\n",  # two spaces after the colon
    f"Setujui\n\n{TRAILERS.replace(': ' + ITEM, ':' + ITEM)}\n",  # none
    f"Setujui\n\n{TRAILERS.replace('Item: ', 'Item : ')}\n",
    f"Setujui\n\n{TRAILERS.replace('Warta-Item', 'warta-item')}\n",  # keys in any case
    f"Setujui\n\n{TRAILERS.replace(ITEM, 'content/siaran-pers/2025/bantuan bibit.md')}\n",  # a space in a value
    f"Setujui\n\n{TRAILERS.replace(ITEM, 'content/siaran-pers/2025/béras.md')}\n",  # not ASCII
    f"Setujui\n\n{TRAILERS}\n  dilanjutkan\n",  # a continuation line
    f"Setujui\n\n{TRAILERS}\nWarta-Step: 4\n",  # a repeated key
    f"Setujui\n\n{TRAILERS}\nWarta-Source: github\nWarta-Review-Id: 7\n",
    f"Setujui\n\n{TRAILERS}\nSigned-off-by: Hendro <hendro@dinas.example.go.id>\n",
    f"Setujui\n\nCatatan untuk operator.\n\n{TRAILERS}\n",  # a note
    f"Setujui\nbaris kedua\n\n{TRAILERS}\n",  # a subject of two lines
    f"Setujui\n\n\n{TRAILERS}\n",  # two blank lines
    f"Setujui\n\n{TRAILERS.replace(chr(10) + 'Warta-Role: sekdin', '')}\n",  # a key missing
    "\n".join([f"Setujui\n\n{TRAILERS}".split("\n")[i] for i in (0, 1, 3, 2, 4, 5, 6)]) + "\n",  # other order
    f"Setujui\n\n{TRAILERS}\nbukan trailer\n",  # the last paragraph is not a trailer block
    f"Setujui\n\n{TRAILERS}\n\nCatatan sesudahnya.\n",
]


@pytest.mark.parametrize("message", CANONICAL)
def test_a_record_in_the_written_form_is_read_by_the_short_way_as_the_general_reading_reads_it(
        message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert records._canonical_trailers(message) is not None
    record = record_from_commit(commit_with(message), {PARENT: TREE})
    assert record is not None and record == general(message, monkeypatch)


@pytest.mark.parametrize("message", OTHER)
def test_any_other_message_is_read_the_general_way(message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert records._canonical_trailers(message) is None
    assert record_from_commit(commit_with(message), {PARENT: TREE}) == general(message, monkeypatch)


def test_the_short_way_gives_the_fields_design_section_3_names() -> None:
    message = format_record(item=ITEM, digest=DIGEST, step=3, role="sekdin", decision="approve", subject="Setujui")
    record = record_from_commit(commit_with(message), {PARENT: TREE})
    assert record is not None
    assert (record.item, record.digest, record.step, record.role, record.decision) == (
        ITEM, DIGEST, 3, "sekdin", "approve")
    assert (record.note, record.problems, record.source, record.review, record.changes_files) == (
        "", (), "git", (), False)
    wrong = record_from_commit(commit_with(message.replace("Step: 3", "Step: 03")), {PARENT: TREE})
    assert wrong is not None and wrong.step is None and wrong.problems == ("Warta-Step '03' is not a step number",)
    changed = record_from_commit(commit_with(message), {PARENT: "d" * 40})  # a record must change no file
    assert changed is not None and changed.changes_files
