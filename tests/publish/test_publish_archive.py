"""Archive numbers, records and tags in Git, embargo, changes and withdrawals (issue 4 items 2, 3, 5, 6, 7).

Expected numbers come from the template in the test's warta.yml (``{kode}/{urut}/{unit}/{tahun}``, one
sequence per classification and year, DOMAIN.md) and the order the items were approved in; the approval
chain of each record is checked against what the approvals engine and ``ssh-keygen`` say.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from approvals_helpers import (
    Site,
    approve_fully,
    info_text,
)
from publish_helpers import (
    PHOTOS,
    approved_release,
    change_release,
    contiguous,
    outbox,
    page,
    publish,
    publish_json,
    records,
    release_text,
    tags,
    this_year,
)

from pipeline.approvals.service import evaluate_repository
from pipeline.publish import publication_states


def _numbers(site: Site) -> dict[str, str]:
    return {path: str(data["number"]) for path, data in records(site.root).items()}


def test_each_item_numbered_once_in_order_per_classification_and_year(site: Site) -> None:
    year = this_year()
    # slugs in alphabetical order of approval, so ties within one second cannot reorder them
    a = approved_release(site, "a-bantuan-bibit")
    b = approved_release(site, "b-subsidi-pupuk")
    d = approved_release(site, "d-musrenbang", kind="berita")
    c = approved_release(site, "c-pelatihan-bumkal")

    first = publish(site)
    assert first.returncode == 0, first.stdout + first.stderr
    numbers = _numbers(site)
    assert numbers == {
        "content/halaman/tentang.md": f"400.14.9/1/UJI/{year}",  # imported legacy page of the root commit
        a: f"400.14.5.6/1/UJI/{year}",
        b: f"400.14.5.6/2/UJI/{year}",
        c: f"400.14.5.6/3/UJI/{year}",
        d: f"400.14.4.3/1/UJI/{year}",
    }
    before = {p: (r["_file"], r["number"], r["digest"]) for p, r in records(site.root).items()}

    e = approved_release(site, "e-penyaluran-bkk")
    second = publish(site)
    assert second.returncode == 0, second.stdout + second.stderr
    after = records(site.root)
    assert after[e]["number"] == f"400.14.5.6/4/UJI/{year}"
    assert {p: (r["_file"], r["number"], r["digest"]) for p, r in after.items() if p != e} == before
    assert contiguous([(str(r["klasifikasi"]["code"]), int(r["tahun"]), int(r["urut"]))
                       for r in after.values()])
    third = publish(site)
    assert third.returncode == 0 and records(site.root).keys() == after.keys()

    # one annotated tag per number; git show of a tag tells the item
    found = tags(site)
    assert set(found) == {f"arsip/{n}" for n in _numbers(site).values()}
    for path, number in _numbers(site).items():
        shown = site.git("show", "--no-patch", f"arsip/{number}")
        assert path in shown and number in shown
        commit = site.git("rev-list", "-n", "1", f"arsip/{number}")
        assert site.git("cat-file", "-t", f"arsip/{number}") == "tag"
        assert number in site.git("log", "-1", "--format=%B", commit)
        assert str(records(site.root)[path]["_file"]) in site.git("ls-tree", "-r", "--name-only", commit)
    numbering = [m for m in site.git("log", "--format=%s", "main").splitlines() if m.startswith("Arsip: nomor")]
    assert len(numbering) == 2
    assert f"400.14.5.6/4/UJI/{year}" in numbering[0]


def test_record_holds_the_whole_signed_chain_as_the_approvals_engine_sees_it(site: Site) -> None:
    path = "content/siaran-pers/2025/bantuan-bibit.md"
    site.switch("rilis/bantuan-bibit", create=True)
    site.write(path, release_text("Bantuan Bibit Cabai"))
    site.commit("Rilis", site.cast["rina"])
    dwi_sha = site.record(site.cast["dwi"], path, 2, "kasubbag")
    hendro_sha = site.record(site.cast["hendro"], path, 3, "sekdin")
    site.merge("rilis/bantuan-bibit", site.cast["wahyu"])
    assert publish(site).returncode == 0

    record = records(site.root)[path]
    engine = next(r for r in evaluate_repository(site.root, all_items=True).items if r.path == path)
    approvals = record["approvals"]
    assert isinstance(approvals, list) and len(approvals) == 2
    expected = {2: (site.cast["dwi"], dwi_sha), 3: (site.cast["hendro"], hendro_sha)}
    for approval in approvals:
        person, sha = expected[approval["step"]]
        step = next(s for s in engine.steps if s.no == approval["step"])
        assert (approval["name"], approval["email"]) == (person.name, person.email)
        assert approval["role"] == step.role == person.roles[0]
        assert approval["source"] == {"type": "git", "commit": sha, "forge": None, "review": None}
        assert step.sha == sha
        assert approval["signature_fingerprint"] == person.fingerprint  # ssh-keygen -l of the person's key
        assert int(approval["at"].timestamp()) == step.at
        assert int(approval["at"].timestamp()) == int(site.git("log", "-1", "--format=%ct", sha))
        assert approval["digest"] == record["digest"] == engine.digest == site.digest(path)
    assert record["published_at"] is not None
    assert [c["channel"] for c in record["channels"]][0] == "website"
    assert record["status"] == "terbit" and len(record["versions"]) == 1


def test_embargo_waits_for_a_later_run(site: Site) -> None:
    path = approved_release(site, "pengumuman-lelang", kind="pengumuman",
                            text=release_text("Pengumuman Lelang Kios Pasar", date="2025-03-04",
                                              publish_at="2099-01-01T08:00:00+07:00"))
    code, doc = publish_json(site)
    assert code == 0, doc  # scheduled is not an error
    assert doc["scheduled"] == [{"path": path, "publish_at": "2099-01-01T08:00:00+07:00"}]
    assert path not in records(site.root) and not any(path in m for m in tags(site).values())
    assert not (site.root / "_site/pengumuman/2025/pengumuman-lelang").exists()
    assert "Pengumuman Lelang Kios Pasar" not in (site.root / "_site/index.html").read_text()
    human = publish(site)
    assert human.returncode == 0 and f"scheduled 2099-01-01T08:00:00+07:00  {path}" in human.stdout
    report = evaluate_repository(site.root, all_items=True)
    states = publication_states(site.root, report.items, report.config)
    assert states == {path: "scheduled", "content/halaman/tentang.md": "published"}

    still = publish_json(site, env={"WARTA_NOW": "2099-01-01T07:59:00+07:00"})
    assert still[0] == 0 and still[1]["scheduled"] != []
    later_code, later = publish_json(site, env={"WARTA_NOW": "2099-01-01T08:00:01+07:00"})
    assert later_code == 0 and later["scheduled"] == []
    record = records(site.root)[path]
    assert str(record["number"]).startswith("400.14.4.2/1/UJI/")
    assert record["published_at"] == dt.datetime(2099, 1, 1, 8, 0, 1, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    assert "Pengumuman Lelang Kios Pasar" in page(site.root, "pengumuman/2025/pengumuman-lelang")
    assert any(p.startswith("facebook/400.14.4.2_1_") for p in outbox(site.root))


NOTE_1 = '\n  - tanggal: 2025-03-10\n    catatan: Nama kalurahan penerima diperbaiki\n    jenis: kecil'
NOTE_2 = '\n  - tanggal: 2025-03-12\n    catatan: Jumlah penerima diperbarui\n    jenis: besar'


def test_changes_need_a_new_chain_and_a_note_and_the_old_version_stays_live(site: Site) -> None:
    path = approved_release(site, "bantuan-bibit", text=release_text("Bantuan Bibit", body="Isi versi satu."))
    assert publish(site).returncode == 0

    change_release(site, path, release_text("Bantuan Bibit", body="Isi versi dua.", catatan_perubahan=NOTE_1),
                   branch="ubah-1")
    proc = publish(site)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"changed   {records(site.root)[path]['number']}" in proc.stdout
    record = records(site.root)[path]
    versions = record["versions"]
    assert isinstance(versions, list) and len(versions) == 2
    assert versions[1]["jenis"] == "kecil" and versions[1]["catatan_perubahan"] == "Nama kalurahan penerima diperbaiki"
    assert record["digest"] == versions[1]["digest"] == site.digest(path)
    assert len(record["approvals"]) == 4
    assert {a["digest"] for a in record["approvals"]} == {v["digest"] for v in versions}
    html = page(site.root, "siaran-pers/2025/bantuan-bibit")
    assert "Isi versi dua." in html and "Isi versi satu." not in html
    assert "Nama kalurahan penerima diperbaiki" in html and 'datetime="2025-03-10"' in html

    # approved again, but no change note: held, and version two stays on the site
    change_release(site, path, release_text("Bantuan Bibit", body="Isi versi tiga.", catatan_perubahan=NOTE_1),
                   branch="ubah-2")
    held = publish(site)
    assert held.returncode == 1
    reasons = held.stdout[held.stdout.index(f"held back: {path}"):]
    assert "catatan_perubahan" in reasons and str(record["number"]) in reasons
    assert "Isi versi dua." in page(site.root, "siaran-pers/2025/bantuan-bibit")
    assert "Isi versi tiga." not in page(site.root, "siaran-pers/2025/bantuan-bibit")
    assert len(records(site.root)[path]["versions"]) == 2

    # with a note but committed straight to main (no approvals): still version two
    site.write(path, release_text("Bantuan Bibit", body="Isi versi empat.", catatan_perubahan=NOTE_1 + NOTE_2))
    site.commit("Langsung", site.cast["rina"])
    direct = publish(site)
    assert direct.returncode == 1 and "step 2 (kasubbag) is not approved yet" in direct.stdout
    html = page(site.root, "siaran-pers/2025/bantuan-bibit")
    assert "Isi versi dua." in html and "Isi versi empat." not in html and "Jumlah penerima" not in html

    # approved with its note: version three (the third text on main) goes live, marked besar
    site.switch("ubah-3", create=True)
    approve_fully(site, path)
    site.merge("ubah-3", site.cast["wahyu"])
    assert publish(site).returncode == 0
    final = records(site.root)[path]
    assert [v["jenis"] for v in final["versions"]] == ["besar", "kecil", "besar"]
    assert "Isi versi empat." in page(site.root, "siaran-pers/2025/bantuan-bibit")


def _site_files(root: Path) -> dict[str, bytes]:
    live = root / "_site"
    return {p.relative_to(live).as_posix(): p.read_bytes() for p in live.rglob("*") if p.is_file()}


def test_changed_photo_without_approval_keeps_the_approved_photo(site: Site) -> None:
    path = approved_release(site, "panen-raya", photo="orientation_landscape_1.jpg")
    assert publish(site).returncode == 0
    before = _site_files(site.root)
    assert "siaran-pers/2025/panen-raya/index.html" in before
    # the photo replaced straight on main: nobody approved it, so the site keeps the approved one
    (site.root / "content/media/panen-raya.jpg").write_bytes(
        (PHOTOS / "gps_DSCN0010.jpg").read_bytes())
    site.commit("Ganti foto", site.cast["rina"])
    code, doc = publish_json(site)
    assert code == 1
    reasons = {h["path"]: " ".join(h["reasons"]) for h in doc["held"]}
    assert "stays on the site" in reasons[path]
    after = _site_files(site.root)
    photos = {p for p in before if p.endswith((".webp", ".jpg"))}
    assert photos and {p: after.get(p) for p in photos} == {p: before[p] for p in photos}
    assert after["siaran-pers/2025/panen-raya/index.html"] == before["siaran-pers/2025/panen-raya/index.html"]


def test_withdrawal_turns_the_page_into_a_notice_and_keeps_everything_in_git(site: Site) -> None:
    path = approved_release(site, "bantuan-bibit", text=release_text("Bantuan Bibit Cabai Rawit",
                                                                     body="Isi rilis bantuan."))
    other = approved_release(site, "subsidi-pupuk", text=release_text("Subsidi Pupuk Organik"))
    assert publish(site).returncode == 0
    number = records(site.root)[path]["number"]
    assert "Bantuan Bibit Cabai Rawit" in (site.root / "_site/feeds/semua.atom.xml").read_text()

    reason = "Data penerima bantuan keliru dan sedang diverifikasi ulang"
    change_release(site, path, release_text("Bantuan Bibit Cabai Rawit", body="Isi rilis bantuan.",
                                            status="dicabut", alasan_pencabutan=reason), branch="cabut")
    code, doc = publish_json(site)
    assert code == 0, doc

    record = records(site.root)[path]
    assert record["status"] == "dicabut" and record["alasan_pencabutan"] == reason
    withdrawn_at = record["dicabut_at"]
    assert isinstance(withdrawn_at, dt.datetime) and record["number"] == number
    assert len(record["versions"]) == 2
    html = page(site.root, "siaran-pers/2025/bantuan-bibit")
    assert reason in html and "Isi rilis bantuan." not in html
    assert f'datetime="{withdrawn_at.date().isoformat()}' in html
    index = (site.root / "_site/index.html").read_text()
    feed = (site.root / "_site/feeds/semua.atom.xml").read_text()
    assert "Bantuan Bibit Cabai Rawit" not in index and "Bantuan Bibit Cabai Rawit" not in feed
    assert "Subsidi Pupuk Organik" in index and "Subsidi Pupuk Organik" in feed
    assert other in records(site.root)
    # nothing deleted: the number's tag, the first version's text and the record's history are in Git
    assert f"arsip/{number}" in tags(site)
    assert "Isi rilis bantuan." in site.git("show", f"arsip/{number}~0:{path}") or \
        "Isi rilis bantuan." in site.git("log", "-p", "--", path)
    assert len(site.git("log", "--format=%H", "--", str(record["_file"])).split()) >= 3
    withdrawal = [p for p in doc["publish"] if p["path"] == path]
    assert withdrawal and withdrawal[0]["change"] == "withdrawn"
    assert publish(site).returncode == 0
    assert records(site.root)[path]["dicabut_at"] == withdrawn_at


def test_deleting_a_published_file_is_not_a_withdrawal(site: Site) -> None:
    path = approved_release(site, "bantuan-bibit", text=release_text("Bantuan Bibit Cabai", body="Isi rilis."))
    assert publish(site).returncode == 0
    site.git("rm", "-q", path)
    site.commit("Hapus", site.cast["rina"])
    code, doc = publish_json(site)
    assert code == 0, doc  # the approved version is still published: nothing is held back
    warning = next(w for w in doc["warnings"] if w.startswith(path))
    assert "deleted" in warning and "dicabut" in warning and str(records(site.root)[path]["number"]) in warning
    assert records(site.root)[path]["status"] == "terbit"  # the record is untouched
    assert "Isi rilis." in page(site.root, "siaran-pers/2025/bantuan-bibit")  # rebuilt from history
    # restoring the file puts the same version (same number, no new version) back
    site.git("checkout", "HEAD~1", "--", path)
    site.commit("Kembalikan", site.cast["wahyu"])
    assert publish_json(site)[0] == 1  # restored straight on main: old approvals do not come back (rule 2)
    approve_fully(site, path)
    code, doc = publish_json(site)
    assert code == 0 and doc["numbers"] == []
    assert "Isi rilis." in page(site.root, "siaran-pers/2025/bantuan-bibit")
    assert len(records(site.root)[path]["versions"]) == 1


def test_force_published_serta_merta_is_filed_and_completed_retrospectively(site: Site) -> None:
    path = "content/informasi-publik/2025/banjir.md"
    site.switch("rilis/banjir", create=True)
    site.write(path, info_text("serta-merta"))
    site.commit("Peringatan banjir", site.cast["rina"])
    force = site.record(site.cast["wahyu"], path, 2, "kepala_dinas", decision="force")
    site.merge("rilis/banjir", site.cast["wahyu"])
    assert publish(site).returncode == 0

    record = records(site.root)[path]
    assert [(a["role"], a["source"]["commit"]) for a in record["approvals"]] == [("kepala_dinas", force)]
    assert record["approvals"][0]["signature_fingerprint"] == site.cast["wahyu"].fingerprint
    assert "banner-forced" in page(site.root, "informasi-publik/2025/banjir")  # marked as urgent
    number, head = record["number"], site.head()

    # the skipped steps approve afterwards, on main: the record gets their paraf, nothing else changes
    dwi = site.record(site.cast["dwi"], path, 2, "kasubbag")
    hendro = site.record(site.cast["hendro"], path, 3, "sekdin")
    code, doc = publish_json(site)
    assert code == 0 and doc["numbers"] == []
    after = records(site.root)[path]
    assert [a["source"]["commit"] for a in after["approvals"]] == [force, dwi, hendro]
    assert after["number"] == number and len(after["versions"]) == 1
    assert "paraf menyusul" in site.git("log", "--format=%s", f"{head}..main")
    assert "banner-forced" not in page(site.root, "informasi-publik/2025/banjir")
    assert publish(site).returncode == 0 and len(records(site.root)[path]["approvals"]) == 3


def test_a_clock_behind_the_approvals_does_not_record_again_and_again(site: Site) -> None:
    approved_release(site, "bantuan-bibit")
    past = {"WARTA_NOW": "2020-01-01T08:00:00+07:00"}  # the runner's clock far behind the approvers'
    assert publish(site, env=past).returncode == 0
    head = site.head()
    assert publish(site, env=past).returncode == 0
    assert site.head() == head


def test_an_expired_announcement_is_marked_and_off_the_home_page(site: Site) -> None:
    current = approved_release(site, "rapat-warga", kind="pengumuman", year=2025,
                               text=release_text("Rapat Warga Dusun", berlaku_sampai="2025-12-31"))
    expired = approved_release(site, "kerja-bakti", kind="pengumuman", year=2025,
                               text=release_text("Kerja Bakti Bersih Sungai", berlaku_sampai="2025-03-10"))
    code, doc = publish_json(site, env={"WARTA_NOW": "2025-06-01T09:00:00+07:00"})
    assert code == 0, doc
    assert {current, expired} <= {p["path"] for p in doc["publish"]}
    old = page(site.root, "pengumuman/2025/kerja-bakti")
    assert "Pengumuman ini sudah tidak berlaku." in old and "10 Maret 2025" in old
    assert "sudah tidak berlaku" not in page(site.root, "pengumuman/2025/rapat-warga")
    home = (site.root / "_site/index.html").read_text(encoding="utf-8")
    assert "Rapat Warga Dusun" in home and "Kerja Bakti Bersih Sungai" not in home
    assert "Kerja Bakti Bersih Sungai" in (site.root / "_site/pengumuman/index.html").read_text(encoding="utf-8")
