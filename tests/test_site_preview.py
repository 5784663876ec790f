"""``warta build`` in a real site repository: approved items published, the rest drafts (``--drafts``).

The repository is built with the approval tests' helpers (real git, real SSH-signed approval records):
an imported page in the root commit, one release approved through its whole SOP chain, one merged
without approvals (merging is not approving), and one serta-merta item force-published by the Kepala
Dinas. The command runs in this process through ``pipeline.cli.main`` (same parser and code as the
``warta`` executable).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from approvals_helpers import (
    Person,
    Site,
    approve_fully,
    info_text,
    item_text,
    make_site,
    release,
)

APPROVED = "content/siaran-pers/2025/bantuan-bibit.md"
UNAPPROVED = "content/siaran-pers/2025/rapat-koordinasi.md"
FORCED = "content/informasi-publik/2025/banjir.md"
IMPORTED = "content/halaman/tentang.md"
RECORD = "arsip/2025/400.14.5.6/0001-bantuan-bibit.yaml"


def _record(digest: str) -> str:
    """The archive record publish would have written for the approved release (docs/archive.md)."""
    return (
        "record_format: 1\nnumber: 400.14.5.6/1/UJI/2025\nurut: 1\ntahun: 2025\n"
        f"path: {APPROVED}\ntitle: Bantuan Bibit Cabai\nkind: siaran-pers\ndigest: {digest}\n"
        "klasifikasi: {code: '400.14.5.6', title: Hubungan dengan media massa, scheme: permendagri-83-2022}\n"
        "imported: false\napprovals:\n"
        "- {step: 3, kegiatan: Menyetujui rilis, role: sekdin, role_title: Sekretaris Dinas, name: Hendro Wibowo,\n"
        f"   email: hendro@dinas.example.go.id, at: 2025-03-05 09:00:00+07:00, digest: '{digest}',\n"
        "   source: {type: git, commit: '1234567'}}\n"
        "published_at: 2025-03-05 10:00:00+07:00\n"
        f"versions:\n- {{digest: '{digest}', approved_at: 2025-03-05 09:00:00+07:00}}\nstatus: terbit\n"
    )


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory, cast: dict[str, Person]) -> Site:
    site = make_site(tmp_path_factory.mktemp("preview"), cast)
    release(site, "bantuan-bibit", text=item_text("Bantuan Bibit Cabai", "Isi rilis bibit."))
    approve_fully(site, APPROVED)
    site.merge("rilis/bantuan-bibit", cast["wahyu"])
    release(site, "rapat-koordinasi", text=item_text("Rapat Koordinasi Pendamping", "Isi rilis rapat."))
    site.merge("rilis/rapat-koordinasi", cast["wahyu"])
    site.switch("rilis/banjir", create=True)
    site.write(FORCED, info_text("serta-merta"))
    site.commit("peringatan banjir", cast["rina"])
    site.record(cast["wahyu"], FORCED, 2, "kepala_dinas", decision="force")
    site.merge("rilis/banjir", cast["wahyu"])
    site.write(RECORD, _record(site.digest(APPROVED)))
    site.git("add", RECORD)
    site.git("commit", "-q", "--no-gpg-sign", "-m", "Arsip: nomor 400.14.5.6/1/UJI/2025", person=cast["wahyu"])
    return site


def html(site: Site, folder: str, url: str) -> str:
    return (site.root / folder / url / "index.html").read_text(encoding="utf-8")


def test_build_publishes_only_complete_chains(repo: Site) -> None:
    proc = repo.cli("build")
    assert proc.returncode == 0, proc.stderr
    assert "site: _preview/" in proc.stdout and "warta serve --output _preview" in proc.stdout
    out = repo.root / "_preview"
    approved = html(repo, "_preview", "siaran-pers/2025/bantuan-bibit")
    assert "<h1>Bantuan Bibit Cabai</h1>" in approved
    assert "DRAF" not in approved and "noindex" not in approved
    assert (out / "tentang/index.html").is_file()  # imported with the root commit
    # merged without approvals: not on the site, and the build says why
    assert not (out / "siaran-pers/2025/rapat-koordinasi").exists()
    assert "Rapat Koordinasi" not in (out / "index.html").read_text(encoding="utf-8")
    said = [line for line in proc.stderr.splitlines() if line.startswith(UNAPPROVED)]
    assert len(said) == 1 and "not approved yet" in said[0] and "step 2 (kasubbag)" in said[0], proc.stderr
    # force-published serta-merta information is live, marked as published urgently
    forced = html(repo, "_preview", "informasi-publik/2025/banjir")
    assert "Diterbitkan mendesak (serta-merta)" in forced and "DRAF" not in forced
    assert "Diterbitkan mendesak" not in approved
    # the archive records in the repository give the register and the number on the page
    assert "400.14.5.6/1/UJI/2025" in approved and "Sekretaris Dinas" in approved, proc.stderr
    assert "400.14.5.6/1/UJI/2025" in html(repo, "_preview", "daftar-arsip/2025")
    assert not (repo.root / "_site").exists()


def test_drafts_adds_the_rest_with_banner_and_noindex(repo: Site) -> None:
    proc = repo.cli("build", "--drafts", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["approvals_checked"] is True
    assert doc["drafts"] == [UNAPPROVED]
    assert UNAPPROVED in doc["published"] and APPROVED in doc["published"] and not doc["left_out"]
    draft = html(repo, "_preview", "siaran-pers/2025/rapat-koordinasi")
    assert "DRAF — belum disetujui" in draft and '<meta name="robots" content="noindex">' in draft
    approved = html(repo, "_preview", "siaran-pers/2025/bantuan-bibit")
    assert "DRAF — belum disetujui" not in approved
    # read from the working tree, as every page of a --drafts preview says
    assert "Pratinjau dari salinan kerja." in approved and "Pratinjau dari salinan kerja." in draft
    index = (repo.root / "_preview/index.html").read_text(encoding="utf-8")
    assert "Pratinjau dari salinan kerja." in index and '<meta name="robots" content="noindex">' in index
    plain = repo.cli("build", "--output", "tanpa-draf")
    assert plain.returncode == 0, plain.stderr
    assert "salinan kerja" not in html(repo, "tanpa-draf", "siaran-pers/2025/bantuan-bibit")
    sitemap = (repo.root / "_preview/sitemap.xml").read_text(encoding="utf-8")
    assert "rapat-koordinasi" not in sitemap and "bantuan-bibit" in sitemap


def test_uncommitted_change_makes_an_approved_item_a_draft(repo: Site) -> None:
    path = repo.root / APPROVED
    original = path.read_text(encoding="utf-8")
    try:
        path.write_text(original.replace("Isi rilis bibit.", "Isi rilis bibit, diubah setelah disetujui."), "utf-8")
        proc = repo.cli("build", "--drafts", "--output", "pratinjau")
        assert proc.returncode == 0, proc.stderr
        page = html(repo, "pratinjau", "siaran-pers/2025/bantuan-bibit")
        assert "diubah setelah disetujui" in page and "DRAF — belum disetujui" in page
        without = repo.cli("build", "--output", "pratinjau")
        assert re.search(rf"^{re.escape(APPROVED)}: warning: .*changed since the last commit", without.stderr, re.M)
        assert not (repo.root / "pratinjau/siaran-pers/2025/bantuan-bibit").exists()
    finally:
        path.write_text(original, encoding="utf-8")
        shutil.rmtree(repo.root / "pratinjau", ignore_errors=True)


def test_refuses_to_build_into_the_live_site(repo: Site) -> None:
    proc = repo.cli("build", "--drafts", "--output", "_site")
    assert proc.returncode == 2
    assert "live site" in proc.stderr and "warta publish" in proc.stderr
    assert not (repo.root / "_site").exists()


def test_repository_without_commits_marks_everything_draft(tmp_path: Path, cast: dict[str, Person]) -> None:
    site = make_site(tmp_path, cast)
    shutil.rmtree(site.root / ".git")
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=site.root, check=True, env=site.env())
    proc = site.cli("build")
    assert proc.returncode == 0, proc.stderr
    notes = [line for line in proc.stderr.splitlines() if line.startswith("build: ")]
    assert len(notes) == 1 and "approvals cannot be checked" in notes[0] and "every item is a draft" in notes[0]
    assert "DRAF — belum disetujui" in html(site, "_preview", "tentang")


def test_serve_default_is_the_live_site(repo: Site) -> None:
    proc = repo.cli("serve", "--port", "0")
    assert proc.returncode == 1
    assert "_site/ has no site yet" in proc.stderr and "warta publish" in proc.stderr
