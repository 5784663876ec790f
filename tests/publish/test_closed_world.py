"""Rule 11 (closed world) and the closed file list of a page (issue 13, points 1, 2 and 8), tried as an
operator with push access would: every byte on the site comes from an approved blob or a governed file.

Each test publishes through the real ``warta publish`` on a real repository with SSH-signed approvals;
after every publish the accounting property (tests/accounting.py) walks the deployed site.
"""

from __future__ import annotations

import os

import pytest
from accounting import unaccounted
from approvals_helpers import (
    Site,
)
from publish_helpers import (
    PHOTOS,
    approved_release,
    download,
    page,
    publish,
    publish_json,
    records,
    release_text,
    release_with,
    site_bytes,
)

PDF = b"%PDF-1.4\n% surat edaran\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"





def test_accounting_finds_a_file_nobody_approved(site: Site) -> None:
    approved_release(site, "bantuan-bibit")
    assert publish(site).returncode == 0
    assert unaccounted(site.root, (site.root / "_site").resolve()) == []
    stray = site.root / "_site" / "siaran-pers" / "2025" / "bantuan-bibit" / "bocor.pdf"
    stray.write_bytes(b"nobody approved these bytes")
    assert unaccounted(site.root, (site.root / "_site").resolve()) == [
        "siaran-pers/2025/bantuan-bibit/bocor.pdf: not the bytes of an approved blob"]
    stray.unlink()


def test_intrasite_link_syntax_cannot_publish_the_environment(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "deploy-token-5f1e9b8c2d"
    body = ("Lihat [lampiran]({attach}/proc/self/environ), [berkas]({static}../../../../proc/self/environ) "
            "dan [nama](|filename|/etc/passwd).\n")
    path = release_with(site, "rilis-licik", body, {})
    good = approved_release(site, "bantuan-bibit")
    code, doc = publish_json(site, env={"WARTA_DEPLOY_SECRET": secret})
    assert code == 1
    held = {h["path"]: " ".join(h["reasons"]) for h in doc["held"]}
    assert "link" in held[path] and "environ" in held[path]
    assert good in records(site.root)  # the approved sibling still goes out
    assert not any(secret.encode() in data or b"root:x:0:0" in data for data in site_bytes(site))


def test_a_download_is_published_only_as_approved_and_its_change_needs_approval(site: Site) -> None:
    path = release_with(site, "surat-edaran", "Unduh [surat edaran](surat-edaran.pdf).\n",
                         {"content/siaran-pers/2025/surat-edaran.pdf": PDF})
    assert publish(site).returncode == 0
    published = download(site.root, "siaran-pers/2025/surat-edaran", "surat-edaran.pdf")
    assert published.read_bytes() == PDF
    href = published.relative_to(site.root / "_site").as_posix()  # links are relative to the page's root
    assert f'href="../../../{href}"' in page(site.root, "siaran-pers/2025/surat-edaran")
    # the PDF replaced on main without approval: the approved bytes stay, the item waits for approval
    site.write("content/siaran-pers/2025/surat-edaran.pdf", PDF.replace(b"surat edaran", b"surat palsu!"))
    site.commit("Ganti PDF", site.cast["rina"])
    code, doc = publish_json(site)
    assert code == 1 and any(h["path"] == path for h in doc["held"])
    assert published.read_bytes() == PDF


def test_files_outside_git_never_reach_the_site(site: Site) -> None:
    # the body links a file that is ignored and untracked: it exists only in the working tree
    site.write(".gitignore", "rahasia.pdf\n")
    site.commit("Abaikan", site.cast["wahyu"])
    site.write("content/siaran-pers/2025/rahasia.pdf", b"%PDF-1.4 data pribadi warga\n")
    path = release_with(site, "lampiran-hilang", "Unduh [berkas](rahasia.pdf).\n", {})
    code, doc = publish_json(site)
    assert code == 1
    held = {h["path"]: " ".join(h["reasons"]) for h in doc["held"]}
    assert "rahasia.pdf" in held[path] and "does not exist" in held[path]
    assert not any(b"data pribadi warga" in data for data in site_bytes(site))


def test_checkout_conversions_do_not_change_what_is_published(site: Site) -> None:
    path = approved_release(site, "panen-raya", photo="orientation_landscape_1.jpg")
    approved_photo = (site.root / "content/media/panen-raya.jpg").read_bytes()
    # a smudge filter (as a runner's git config could set) swaps the photo in the working tree only
    other = PHOTOS / "gps_DSCN0010.jpg"
    site.write(".gitattributes", "content/media/*.jpg filter=tukar\n")
    site.commit("Atribut", site.cast["wahyu"])
    site.git("config", "filter.tukar.smudge", f"cat {other}")
    site.git("config", "filter.tukar.clean", "cat")
    os.remove(site.root / "content/media/panen-raya.jpg")
    site.git("checkout", "--", "content/media/panen-raya.jpg")
    assert (site.root / "content/media/panen-raya.jpg").read_bytes() != approved_photo
    assert publish(site).returncode == 0  # the accounting property: only derivatives of approved bytes
    assert path in records(site.root)


def test_link_to_another_item_becomes_its_url(site: Site) -> None:
    target = approved_release(site, "bantuan-bibit")
    path = release_with(site, "tindak-lanjut", "Lanjutan dari [rilis sebelumnya](bantuan-bibit.md).\n", {})
    assert publish(site).returncode == 0
    html = page(site.root, "siaran-pers/2025/tindak-lanjut")
    assert "../../../siaran-pers/2025/bantuan-bibit/" in html or "siaran-pers/2025/bantuan-bibit/" in html
    assert "bantuan-bibit.md" not in html
    assert {target, path} <= set(records(site.root))


def test_raw_html_embeds_are_findings_and_never_published(site: Site) -> None:
    body = ('Foto <img src="../../media/diam-diam.jpg"> dan '
            '<iframe src="https://pelacak.example.net/"></iframe> serta <video poster="sampul.jpg"></video>.\n')
    path = release_with(site, "sematan", body, {})
    code, doc = publish_json(site)
    assert code == 1
    held = {h["path"]: " ".join(h["reasons"]) for h in doc["held"]}
    assert "raw HTML" in held[path] and "diam-diam.jpg" in held[path]
    assert not (site.root / "_site/siaran-pers/2025/sematan").exists()


def test_a_file_no_item_references_is_never_published(site: Site) -> None:
    site.write("content/media/ktp-warga.pdf", b"%PDF-1.4 NIK 3402011234560001\n")
    site.commit("Berkas lepas", site.cast["rina"])
    approved_release(site, "bantuan-bibit")
    assert publish(site).returncode == 0
    assert not any(b"3402011234560001" in data for data in site_bytes(site))


def test_unapproved_item_cannot_take_an_approved_slug(site: Site) -> None:
    approved = approved_release(site, "bantuan-bibit", title="Bantuan Bibit Cabai")
    assert publish(site).returncode == 0
    # an operator commits another file claiming the same slug, straight to main
    site.write("content/siaran-pers/2026/penyusup.md",
               release_text("Penyusup", date="2026-01-05", body="Teks yang tidak disetujui.", slug="bantuan-bibit"))
    site.commit("Rilis penyusup", site.cast["rina"])
    code, doc = publish_json(site)
    assert code == 1
    held = {h["path"]: " ".join(h["reasons"]) for h in doc["held"]}
    assert "content/siaran-pers/2026/penyusup.md" in held and approved not in held
    html = page(site.root, "siaran-pers/2025/bantuan-bibit")
    assert "Bantuan Bibit Cabai" in html and "tidak disetujui" not in html
