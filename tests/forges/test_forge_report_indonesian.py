"""``warta verify --pr N --report`` with no WARTA_LANG (the suite sets ``en``; these tests remove it):
the ``warta/approvals`` commit status and the job summary checklist are Indonesian, the status context,
the state and the JSON keys stay as the forge and programs read them (issue 12 point 1)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from approvals_helpers import Site, release
from forge_helpers import run_cli, user
from servers import GitHubServer

from pipeline import i18n

T0 = int(time.time()) - 3600


@pytest.fixture
def indonesian(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No WARTA_LANG: the CLI run in this process chooses the default; English again afterwards."""
    monkeypatch.delenv("WARTA_LANG", raising=False)
    yield
    i18n.set_language("en")


def test_the_status_and_the_summary_name_the_next_step_in_indonesian(site: Site, gh: GitHubServer, tmp_path: Path,
                                                                     indonesian: None) -> None:
    path = release(site)
    head = site.head()
    gh.add_pull(7, head, user("rina"))
    gh.review(7, user("dwi"), "APPROVED", head, T0)
    summary = tmp_path / "summary.md"
    proc = run_cli(site, "verify", "--pr", "7", "--report", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    sha, status = gh.statuses[-1]
    assert sha == head and status["context"] == "warta/approvals" and status["state"] == "failure"
    assert status["description"].startswith("berikutnya: langkah 3 "), status["description"]
    assert "untuk bantuan-bibit.md" in status["description"] and len(status["description"]) <= 140
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("## warta/approvals: pull request #7\n")
    assert f"### `{path}` — " in text and "sedang diperiksa" in text
    assert "- [x] langkah 2 " in text and "- [ ] langkah 3 " in text
    assert "menunggu Hendro Wibowo" in text  # the pending step's holder
    assert "langkah 3 (sekdin) belum disetujui" in text  # the reason, quoted under the checklist
    assert "waiting for" not in text and "is not approved yet" not in text
