"""Golden files for the formats a person judges by eye: the Markdown dialect (HTML and referenced files of
every example item), an SOP document, an archive record and the site's feed.

A golden file is what a reviewer read and accepted; the test fails on any difference. Regenerate with
``WARTA_REGEN_GOLDEN=1 .venv/bin/pytest tests/test_golden.py`` and read the diff before keeping it. For
the dialect this is also the proof DESIGN section 3 asks of a change of renderer: the same HTML and the
same referenced files on every existing item (a different set of files would stale approved releases).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from pipeline.archive.numbering import Allocation
from pipeline.archive.records import Approval, ApprovalSource, Klasifikasi, new_record, render_record
from pipeline.commands.sop import render_html
from pipeline.config import load_config
from pipeline.content import load_site
from pipeline.markup import render_markdown
from pipeline.people import load_people
from pipeline.site import build_site
from pipeline.sop_files import load_sops

PROJECT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"
WIB = dt.timezone(dt.timedelta(hours=7))


def golden(name: str, got: str) -> None:
    path = GOLDEN / name
    if os.environ.get("WARTA_REGEN_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got, encoding="utf-8")
    assert path.is_file(), f"{path} is missing: run with WARTA_REGEN_GOLDEN=1 and read it"
    assert got == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


def test_markdown_dialect_of_every_example_item() -> None:
    site = load_site(PROJECT, load_config(PROJECT))
    assert not site.findings.errors, [f.format() for f in site.findings.errors]
    doc = {}
    for item in sorted(site.items, key=lambda i: i.path):
        rendered = render_markdown(item.body)
        doc[item.path] = {"html": rendered.html.replace(rendered.nonce, "NONCE"),
                          "references": list(item.references),
                          "links": [link.path for link in item.item_links]}
    golden("markup/example-items.json", json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n")


def test_sop_document() -> None:
    people = load_people(PROJECT)
    sops = load_sops(PROJECT, roles=list(people.roles))
    golden("sop/pemutakhiran-website.html", render_html(sops["pemutakhiran-website"], people))


def test_archive_record() -> None:
    approval = Approval(step=3, kegiatan="Pemilahan press release", role="sekdin", role_title="Sekretaris Dinas",
                        name="Sri Wahyuni", email="sri.wahyuni@dpmk.example.go.id",
                        at=dt.datetime(2026, 3, 4, 10, 15, tzinfo=WIB), digest="sha256:" + "1" * 64,
                        signature_fingerprint="SHA256:contohsidikjari",
                        source=ApprovalSource(type="git", commit="2" * 40))
    record = new_record(Allocation("content/siaran-pers/2026/pelatihan-bumkal.md", "400.14.5.6/3/DPMK/2026",
                                   "400.14.5.6", 3, 2026),
                        title="Pelatihan Pengelola BUMKal Angkatan II", kind="siaran-pers",
                        digest="sha256:" + "1" * 64,
                        klasifikasi=Klasifikasi(code="400.14.5.6", title="Hubungan dengan media massa",
                                                scheme="permendagri-83-2022"),
                        approvals=[approval], approved_at=dt.datetime(2026, 3, 4, 10, 15, tzinfo=WIB),
                        retensi="5 tahun", imported=False)
    golden("archive/record.yaml", render_record(record))


@pytest.mark.parametrize("feed", ["feeds/semua.atom.xml"])
def test_site_feed(tmp_path: Path, feed: str) -> None:
    site = load_site(PROJECT, load_config(PROJECT))
    out = build_site(site, tmp_path / "site", now=dt.datetime(2026, 12, 1, tzinfo=WIB), cache_root=tmp_path)
    text = (out.output / feed).read_text(encoding="utf-8")
    golden("site/semua.atom.xml", text)
