"""Issue 12 point 1, second sweep: with no ``WARTA_LANG`` and no ``--lang`` (the test suite sets
``WARTA_LANG=en`` in conftest.py; these tests remove it), the messages of ``verify``, ``announce``, the
approval reasons, the link report and the withdrawal correction are Indonesian, while finding codes,
``error``/``warning`` words and JSON keys stay as programs read them. What warta sends to the office and
the public (link report, correction) follows the site's language, not the operator's ``--lang``."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from approvals_helpers import PROJECT, WARTA_YML, Person, Site, make_site, release

from pipeline import i18n
from pipeline.channels import report
from pipeline.channels.text import correction


def warta_id(site: Site, *args: str, person: Person | None = None) -> subprocess.CompletedProcess[str]:
    """The real command line, in a process whose environment has no WARTA_LANG (the default applies)."""
    env = {**site.env(person, sign=False), "PYTHONPATH": str(PROJECT)}
    env.pop("WARTA_LANG", None)
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=site.root, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def office(tmp_path: Path, cast: dict[str, Person]) -> Site:
    return make_site(tmp_path, cast)


@pytest.fixture
def english() -> Iterator[None]:
    """This process speaks English (as an operator with --lang en); restored afterwards."""
    before = i18n.get_language()
    i18n.set_language("en")
    yield
    i18n.set_language(before)


def test_verify_pr_without_a_forge_is_refused_in_indonesian(office: Site) -> None:
    proc = warta_id(office, "verify", "--pr", "7")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "warta.yml tidak menyebut forge" in proc.stderr
    assert "names no forge" not in proc.stderr and "Traceback" not in proc.stderr


def test_verify_pr_with_the_token_variable_missing_says_so_in_indonesian(tmp_path: Path,
                                                                          cast: dict[str, Person]) -> None:
    forge = ("  forge:\n    type: gitea\n    url: http://127.0.0.1:9/api/v1\n    repository: dinas/situs\n"
             "    token_env: NO_SUCH_TOKEN_VARIABLE\n")
    site = make_site(tmp_path, cast, extra={"warta.yml": WARTA_YML % {"signatures": "true"} + forge})
    proc = warta_id(site, "verify", "--pr", "7", "--json")
    doc = json.loads(proc.stdout)
    assert proc.returncode in (1, 2) and doc["error"]["exit_code"] == proc.returncode
    message = doc["error"]["message"]
    assert "NO_SUCH_TOKEN_VARIABLE" in message and "is not set" not in message, message
    assert "variabel token NO_SUCH_TOKEN_VARIABLE tidak diisi" in message, message


def test_announce_with_an_unknown_channel_is_refused_in_indonesian(office: Site) -> None:
    proc = warta_id(office, "announce", "--channel", "nosuch")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "nosuch" in proc.stderr and "kanal itu tidak ada" in proc.stderr, proc.stderr
    assert "no such channel" not in proc.stderr


def test_announce_resolve_with_bad_arguments_is_refused_in_indonesian(office: Site) -> None:
    both = warta_id(office, "announce", "--resolve", "content/x.md", "x", "--sent", "https://x.com/a/1",
                    "--not-sent")
    assert both.returncode == 2 and "tepat satu" in both.stderr, both.stderr
    bad_url = warta_id(office, "announce", "--resolve", "content/x.md", "x", "--sent", "javascript:alert(1)",
                       "--json")
    doc = json.loads(bad_url.stdout)
    assert bad_url.returncode == 2 and doc["error"]["exit_code"] == 2
    assert "https://" in doc["error"]["message"] and "give the post" not in doc["error"]["message"]
    stray = warta_id(office, "announce", "--sent", "https://x.com/a/1")
    assert stray.returncode == 2 and "--resolve" in stray.stderr and "go with" not in stray.stderr


def test_verify_gives_the_reasons_an_item_is_not_approved_in_indonesian(office: Site) -> None:
    path = release(office)  # written by Rina (operator)
    office.record(office.cast["rina"], path, 2, "kasubbag")  # the author approving her own step
    proc = warta_id(office, "verify", "--json")
    doc = json.loads(proc.stdout)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    (item,) = [i for i in doc["items"] if i["path"] == path]
    reasons = " ".join(item["reasons"])
    assert "belum disetujui" in reasons, reasons  # step 2 (kasubbag) is not approved yet
    assert "penulis tidak dapat menyetujuinya" in reasons, reasons  # the author cannot approve it
    assert "is not approved yet" not in reasons and "the author cannot" not in reasons
    codes = {c for r in item["rejections"] for c in r["codes"]}
    assert {"author", "role_not_held"} <= codes  # machine-read codes stay as they are
    assert item["state"] not in ("disetujui",) and item["steps"][0]["status"] in (
        "pending", "waiting", "approved", "returned", "skipped", "imported")


def test_the_link_report_and_the_correction_follow_the_site_language_not_the_cli(english: None) -> None:
    stamp = dt.datetime(2025, 1, 14, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    assert i18n._("not approved") == "not approved"  # the operator's CLI speaks English ...
    plain = report.plain("Dinas Uji", stamp, [], {}, "id")  # ... the office's report stays Indonesian
    assert plain == "Laporan tautan Dinas Uji, Selasa, 14 Januari 2025:"
    markdown = report.markdown("Dinas Uji", stamp, [], {}, "id")
    assert markdown.startswith("# Laporan tautan media sosial — Dinas Uji\n")
    assert "| Nomor arsip | Judul | Kanal | Status | Tautan |" in markdown
    assert report.plain("Dinas Uji", stamp, [], {}, "en").startswith("Link report Dinas Uji")
    text = correction("mastodon", "400.14.5.6/3/UJI/2025", "Jadwal\nberubah", "https://dinas.example/x", "id")
    assert text == "Informasi 400.14.5.6/3/UJI/2025 dicabut. Alasan: Jadwal berubah\n\nhttps://dinas.example/x"
    # the approved reason is never translated, only warta's own words around it
    english_text = correction("mastodon", "400.14.5.6/3/UJI/2025", "Jadwal berubah", "https://d.example/x", "en")
    assert english_text.startswith("Information 400.14.5.6/3/UJI/2025 withdrawn. Reason: Jadwal berubah")
