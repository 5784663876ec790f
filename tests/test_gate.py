"""The gate (pipeline/gate.py): one decision per item, the same for build, status and publish.

Items are parsed from real files by the content parser; chain results are written out by hand with the
states of DESIGN section 6, so each rule of the gate is tried on its own.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipeline import gate
from pipeline.approvals.chain import ChainResult
from pipeline.config import load_config
from pipeline.content import Item, parse_item
from pipeline.init import init_site

WIB = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=WIB)
DIGEST = "sha256:" + "a" * 64
OTHER = "sha256:" + "b" * 64


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("gate") / "site"
    init_site(folder, example=False)
    return folder


def item(root: Path, fields: str = "", *, kind: str = "siaran-pers", body: str = "Isi rilis.") -> Item:
    rel = f"content/{kind}/2026/uji.md"
    text = f"---\ntitle: Uji Gerbang\ndate: 2026-03-01\n{fields}---\n{body}\n"
    parsed, findings = parse_item(root, rel, text.encode(), load_config(root))
    assert parsed is not None and not [f for f in findings if f.severity == "error"], findings
    return parsed


def chain(state: str = "approved", digest: str = DIGEST, path: str = "content/siaran-pers/2026/uji.md") -> ChainResult:
    return ChainResult(path, "rilis", digest, state, None, ())  # type: ignore[arg-type]


def decide(it: Item | None, result: ChainResult | None, *, live: gate.Live | None = None,
           errors: tuple[str, ...] = (), deleted: bool = False) -> gate.Decision:
    path = result.path if result else "content/siaran-pers/2026/uji.md"
    return gate.decide(gate.Facts(path, it, result, errors, live, deleted), NOW)


def test_fully_approved_new_item_is_published(root: Path) -> None:
    d = decide(item(root), chain())
    assert (d.outcome, d.change, d.goes_out) == ("publish", "new", True)


def test_incomplete_chain_is_held_and_the_live_version_stays(root: Path) -> None:
    live = gate.Live("400.14.5.6/1/DPMK/2026", OTHER, 1)
    d = decide(item(root), chain("in_review"), live=live)
    assert d.outcome == "hold" and d.keep_live and not d.goes_out


def test_content_errors_hold_an_approved_item(root: Path) -> None:
    d = decide(item(root), chain(), errors=("content/siaran-pers/2026/uji.md:3: error: NIK",))
    assert d.outcome == "hold" and "NIK" in d.reasons[0]


def test_embargo_schedules_until_publish_at(root: Path) -> None:
    later = decide(item(root, "publish_at: 2026-03-11 08:00\n"), chain())
    assert later.outcome == "schedule" and later.publish_at is not None and later.publish_at > NOW
    past = decide(item(root, "publish_at: 2026-03-09 08:00\n"), chain())
    assert past.outcome == "publish"


def test_embargo_does_not_take_down_the_unchanged_live_version(root: Path) -> None:
    live = gate.Live("400.14.5.6/1/DPMK/2026", DIGEST, 1)
    d = decide(item(root, "publish_at: 2026-03-11 08:00\n"), chain(), live=live)
    assert (d.outcome, d.change) == ("publish", "unchanged")


def test_dikecualikan_is_exempt_and_never_goes_out(root: Path) -> None:
    fields = ("kategori_informasi: dikecualikan\npejabat_penguasa: Sekretariat\npenanggung_jawab: PPID\n"
              "waktu_tempat: Bantul\nbentuk_informasi: [cetak]\nretensi: 5 tahun\n")
    it = item(root, fields, kind="informasi-publik")
    d = decide(it, chain(path=it.path))
    assert d.outcome == "exempt" and not d.goes_out


def test_withdrawal_of_a_live_item_goes_out_as_a_notice(root: Path) -> None:
    fields = "status: dicabut\nalasan_pencabutan: Data keliru\n"
    live = gate.Live("400.14.5.6/1/DPMK/2026", OTHER, 1)
    d = decide(item(root, fields), chain(), live=live)
    assert (d.outcome, d.change, d.goes_out) == ("withdrawn", "withdrawn", True)
    never = decide(item(root, fields), chain())
    assert never.outcome == "withdrawn" and not never.goes_out


def test_a_change_without_a_change_note_is_held(root: Path) -> None:
    live = gate.Live("400.14.5.6/1/DPMK/2026", OTHER, 1)
    held = decide(item(root), chain(), live=live)
    assert held.outcome == "hold" and held.keep_live and "catatan_perubahan" in held.reasons[0]
    note = "catatan_perubahan:\n  - {tanggal: 2026-03-05, catatan: Angka diperbaiki, jenis: kecil}\n"
    assert decide(item(root, note), chain(), live=live).change == "changed"


def test_expired_announcement_keeps_its_page_marked(root: Path) -> None:
    it = item(root, "berlaku_sampai: 2026-03-01\n", kind="pengumuman")
    d = decide(it, chain(path=it.path))
    assert d.outcome == "expired" and d.goes_out
    current = item(root, "berlaku_sampai: 2026-04-01\n", kind="pengumuman")
    assert decide(current, chain(path=current.path)).outcome == "publish"


def test_deleting_a_live_item_is_not_a_withdrawal(root: Path) -> None:
    live = gate.Live("400.14.5.6/1/DPMK/2026", DIGEST, 1)
    d = decide(None, None, live=live, deleted=True)
    assert d.outcome == "hold" and d.keep_live and "dicabut" in d.reasons[0]
