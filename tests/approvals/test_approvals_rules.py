"""Every approval rule (DESIGN section 4) attacked in real git repositories with real SSH signatures.

Records are written by hand with plain git (tests/approvals_helpers.py), the way anyone with push access
could write them; warta must refuse each forged, stale or misplaced one with a reason.
"""

from __future__ import annotations

import subprocess
from typing import Any

from approvals_helpers import (
    Site,
    approve_fully,
    info_text,
    item_text,
    people_yaml,
    release,
)

from pipeline.approvals.chain import ChainResult
from pipeline.approvals.service import Report, evaluate_repository, item_digest_at


def judge(site: Site, **kwargs: Any) -> Report:
    return evaluate_repository(site.root, **kwargs)


def one(report: Report, path: str) -> ChainResult:
    result = report.result(path)
    assert result is not None, f"{path} not judged"
    return result


def codes(result: ChainResult) -> list[str]:
    return [c for r in result.rejections for c in r.codes]


def test_a_full_signed_chain_passes_on_the_branch_and_after_the_merge(site: Site) -> None:
    path = release(site)
    before = one(judge(site), path)
    assert before.state == "draft" and before.next is not None and before.next.role == "kasubbag"
    approve_fully(site, path)
    report = judge(site)
    assert report.ok and one(report, path).state == "approved"
    assert [s.by for s in one(report, path).steps] == ["Dwi Astuti", "Hendro Wibowo"]
    # the digest is the documented one: sha256 over path, length and bytes of the item
    assert one(report, path).digest == site.digest(path) == item_digest_at(site.root, path)
    # publish keeps each approval's signing key: the context's records carry git's verdicts
    signed = report.contexts[path].records
    assert [(r.author_email, r.signature.status if r.signature else None, r.signature.key if r.signature
             else None) for r in signed] == [
        (site.cast["dwi"].email, "G", site.cast["dwi"].fingerprint),
        (site.cast["hendro"].email, "G", site.cast["hendro"].fingerprint)]
    site.merge("rilis/bantuan-bibit", site.cast["hendro"])
    on_main = judge(site, all_items=True)
    assert on_main.ok, [r.reasons for r in on_main.items]
    assert one(on_main, "content/halaman/tentang.md").imported  # held by the trusted root commit


def test_approvers_email_without_a_signature_does_not_count(site: Site) -> None:
    path = release(site)
    # Eve sets user.email to the Kasubbag's address and commits an unsigned approval.
    site.record(site.cast["dwi"], path, 2, "kasubbag", sign=False)
    result = one(judge(site), path)
    assert result.state == "draft" and codes(result) == ["unsigned"]


def test_signature_by_a_key_not_listed_for_that_person(site: Site) -> None:
    path = release(site)
    site.record(site.cast["dwi"], path, 2, "kasubbag", signer=site.cast["eve"])  # Eve's real key
    site.record(site.cast["dwi"], path, 2, "kasubbag", signer=site.cast["stranger_key"])  # nobody's key
    result = one(judge(site), path)
    assert result.state == "draft"
    assert codes(result) == ["wrong_key", "wrong_key"]
    assert "Eve Operator's key" in result.rejections[0].reasons[0]


def test_tampered_signed_record_is_a_bad_signature(site: Site) -> None:
    path = release(site)
    good = site.record(site.cast["dwi"], path, 2, "kasubbag")
    raw = subprocess.run(["git", "cat-file", "commit", good], cwd=site.root, capture_output=True,
                         check=True).stdout
    # the same record with its subject reworded after signing
    forged = raw.replace(b"\napprove content", b"\nApproved! content")
    assert forged != raw
    sha = subprocess.run(["git", "hash-object", "-t", "commit", "-w", "--stdin"], cwd=site.root,
                         input=forged, capture_output=True, check=True).stdout.decode().strip()
    site.git("update-ref", "refs/heads/rilis/bantuan-bibit", sha)
    result = one(judge(site), path)
    assert codes(result) == ["bad_signature"] and result.state == "draft"


def test_approval_of_a_stale_digest(site: Site) -> None:
    path = release(site)
    site.record(site.cast["dwi"], path, 2, "kasubbag")
    site.write(path, item_text(body="Isi rilis yang diubah setelah diparaf."))
    site.commit("ubah isi", site.cast["rina"])
    site.record(site.cast["hendro"], path, 3, "sekdin")
    result = one(judge(site), path)
    assert result.state == "draft"
    assert codes(result) == ["stale_digest", "out_of_order"]


def test_changing_a_referenced_photo_makes_approvals_stale(site: Site) -> None:
    photo = "content/siaran-pers/2025/bibit.jpg"
    path = "content/siaran-pers/2025/bantuan-bibit.md"
    site.switch("rilis/bantuan-bibit", create=True)
    site.write(photo, b"\xff\xd8 photo one")
    site.write(path, item_text(image="bibit.jpg", image_alt="Bibit cabai"))
    site.commit("rilis dengan foto", site.cast["rina"])
    approve_fully(site, path, photo)
    assert judge(site).ok
    site.write(photo, b"\xff\xd8 another photo")
    site.commit("ganti foto", site.cast["rina"])
    result = one(judge(site), path)
    assert not result.complete and "stale_digest" in codes(result)
    assert result.digest == site.digest(path, photo)


def test_author_cannot_approve_own_content(site: Site) -> None:
    path = release(site, author="dwi")  # the Kasubbag wrote it herself
    site.record(site.cast["dwi"], path, 2, "kasubbag")
    result = one(judge(site), path)
    assert codes(result) == ["author"]
    site.record(site.cast["ani"], path, 2, "kasubbag")  # the other Kasubbag may
    site.record(site.cast["hendro"], path, 3, "sekdin")
    assert one(judge(site), path).state == "approved"


def test_the_signer_of_the_content_counts_as_its_author_whatever_the_author_field_says(site: Site) -> None:
    path = "content/siaran-pers/2025/titipan.md"
    site.switch("rilis/titipan", create=True)
    site.write(path, item_text())
    site.git("add", path, person=site.cast["dwi"])
    # Dwi commits and signs Rina's text under Rina's name: her key says she handled the content.
    site.git("commit", "-q", "-S", "--author", "Rina Lestari <rina@dinas.example.go.id>", "-m",
             "titipan", person=site.cast["dwi"])
    site.record(site.cast["dwi"], path, 2, "kasubbag")
    assert codes(one(judge(site), path)) == ["author"]


def test_out_of_order_approvals(site: Site) -> None:
    path = release(site)
    site.record(site.cast["hendro"], path, 3, "sekdin")
    site.record(site.cast["dwi"], path, 2, "kasubbag")
    result = one(judge(site), path)
    assert result.state == "in_review" and codes(result) == ["out_of_order"]
    assert result.next is not None and result.next.no == 3
    site.record(site.cast["hendro"], path, 3, "sekdin")
    assert one(judge(site), path).state == "approved"


def test_a_role_not_held(site: Site) -> None:
    path = release(site)
    site.record(site.cast["eve"], path, 2, "kasubbag")
    result = one(judge(site), path)
    assert codes(result) == ["role_not_held"]
    assert "Eve Operator does not hold the role kasubbag" in result.rejections[0].reasons[0]


def test_an_approval_commit_that_also_changes_a_file(site: Site) -> None:
    path = release(site)
    site.write("content/halaman/tentang.md", "---\ntitle: Tentang Kami\n---\nDiubah diam-diam.\n")
    site.git("add", "-A")
    digest = site.digest(path)
    message = (f"paraf\n\nWarta-Item: {path}\nWarta-Digest: {digest}\nWarta-Step: 2\nWarta-Role: kasubbag\n"
               "Warta-Decision: approve\n")
    site.git("-c", f"user.signingkey={site.cast['dwi'].key}.pub", "-c", "gpg.format=ssh", "commit", "-q",
             "-S", "-m", message, person=site.cast["dwi"], sign=False)
    result = one(judge(site), path)
    assert codes(result) == ["changes_files"] and result.state == "draft"


def test_a_branch_that_edits_people_yaml_to_grant_itself_a_role(site: Site) -> None:
    path = release(site, author="rina")
    site.write("sop/people.yaml", people_yaml(site.cast, overrides={"eve": ("operator", "kasubbag", "sekdin")}))
    site.commit("perbarui people.yaml", site.cast["eve"])
    site.record(site.cast["eve"], path, 2, "kasubbag")
    report = judge(site)
    result = one(report, path)
    assert codes(result) == ["role_not_held"]  # judged by people.yaml on main at the merge base
    gov = one(report, "sop/people.yaml")
    assert gov.kind == "governance" and not gov.complete
    assert {s.role for s in gov.steps} == {"kepala_dinas", "ketua_ppid"}  # every SOP's signatory
    assert not report.ok
    # Even merged, the grant is not trusted until the signatories approve it.
    site.record(site.cast["hendro"], path, 3, "sekdin")
    site.merge("rilis/bantuan-bibit", site.cast["eve"])
    on_main = judge(site, all_items=True)
    assert not on_main.ok and not one(on_main, path).complete
    assert any("sop/people.yaml" in p and "rule 8" in p for p in on_main.problems)


def test_an_item_committed_straight_to_main(site: Site) -> None:
    path = "content/siaran-pers/2025/langsung.md"
    site.write(path, item_text())
    site.commit("langsung ke main", site.cast["rina"])
    report = judge(site, all_items=True)
    result = one(report, path)
    assert not report.ok and result.state == "draft"
    assert result.hint is not None and "git merge --no-ff" in result.hint


def test_a_squash_merge_loses_the_approvals(site: Site) -> None:
    path = release(site)
    approve_fully(site, path)
    assert judge(site).ok
    site.merge("rilis/bantuan-bibit", site.cast["hendro"], how="--squash")
    report = judge(site, all_items=True)
    result = one(report, path)
    assert not report.ok and not result.complete
    assert result.hint is not None and "squash" in result.hint
    # the squash commit carries the trailers of the last record, but it changes files
    assert "changes_files" in codes(result)


def test_a_rebase_merge_drops_the_signatures(site: Site) -> None:
    path = release(site)
    approve_fully(site, path)
    site.switch("main")
    site.write("content/halaman/kontak.md", "---\ntitle: Kontak\n---\nTelepon kantor.\n")
    site.commit("halaman kontak", site.cast["rina"])  # main moves on, so the rebase rewrites the records
    site.switch("rilis/bantuan-bibit")
    site.git("rebase", "-q", "main", person=site.cast["rina"], sign=False)
    site.switch("main")
    site.git("merge", "-q", "--ff-only", "rilis/bantuan-bibit")
    result = one(judge(site, all_items=True), path)
    assert not result.complete and set(codes(result)) >= {"unsigned"}
    assert result.hint is not None


def test_one_item_changed_after_approval_the_other_keeps_its_approvals(site: Site) -> None:
    a = "content/siaran-pers/2025/satu.md"
    b = "content/siaran-pers/2025/dua.md"
    site.switch("rilis/dua-rilis", create=True)
    site.write(a, item_text(title="Satu"))
    site.write(b, item_text(title="Dua"))
    site.commit("dua rilis", site.cast["rina"])
    approve_fully(site, a)
    approve_fully(site, b)
    assert judge(site).ok
    site.write(a, item_text(title="Satu (diperbaiki)"))
    site.commit("perbaiki satu", site.cast["rina"])
    report = judge(site)
    assert not one(report, a).complete and "stale_digest" in codes(one(report, a))
    assert one(report, b).state == "approved"


def test_return_blocks_until_the_content_changes(site: Site) -> None:
    path = release(site)
    site.record(site.cast["dwi"], path, 2, "kasubbag")
    site.record(site.cast["hendro"], path, 3, "sekdin", decision="return", note="Foto kurang jelas")
    site.record(site.cast["hendro"], path, 3, "sekdin")  # changing one's mind without a change: no
    result = one(judge(site), path)
    assert result.state == "returned" and codes(result) == ["returned"]
    assert result.returned is not None and result.returned.note == "Foto kurang jelas"
    site.write(path, item_text(body="Foto diganti."))
    site.commit("perbaiki", site.cast["rina"])
    fresh = one(judge(site), path)
    assert fresh.state == "draft" and fresh.next is not None and fresh.next.no == 2
    approve_fully(site, path)
    assert one(judge(site), path).state == "approved"


def test_force_publish_of_serta_merta_information(site: Site) -> None:
    path = "content/informasi-publik/2025/banjir.md"
    site.switch("rilis/banjir", create=True)
    site.write(path, info_text("serta-merta"))
    site.commit("peringatan banjir", site.cast["rina"])
    site.record(site.cast["wahyu"], path, 2, "kepala_dinas", decision="force")
    result = one(judge(site), path)
    assert result.complete and result.forced and result.state == "approved"
    assert [s.status for s in result.steps] == ["skipped", "skipped"]
    site.merge("rilis/banjir", site.cast["wahyu"])
    site.record(site.cast["dwi"], path, 2, "kasubbag")  # retrospectively, on main
    site.record(site.cast["hendro"], path, 3, "sekdin")
    after = one(judge(site, all_items=True), path)
    assert after.complete and not after.forced


def test_force_on_other_information_counts_for_nothing(site: Site) -> None:
    path = "content/informasi-publik/2025/berkala.md"
    site.switch("rilis/berkala", create=True)
    site.write(path, info_text("berkala"))
    site.commit("informasi berkala", site.cast["rina"])
    site.record(site.cast["wahyu"], path, 2, "kepala_dinas", decision="force")
    site.record(site.cast["hendro"], path, 2, "sekdin", decision="force")
    result = one(judge(site), path)
    assert not result.complete
    assert [r.codes for r in result.rejections] == [
        ("force_not_serta_merta",), ("force_not_allowed", "force_not_serta_merta")]


def test_approvals_stay_valid_after_the_approver_leaves(site: Site) -> None:
    path = release(site)
    approve_fully(site, path)
    site.merge("rilis/bantuan-bibit", site.cast["hendro"])
    # Dwi is moved to another office: an approved change of people.yaml removes her role and key.
    site.switch("rilis/mutasi", create=True)
    site.write("sop/people.yaml", people_yaml(site.cast, overrides={"dwi": ()}))
    site.commit("mutasi Dwi", site.cast["rina"])
    # governance steps: one per signatory, in SOP id order (info-uji: ketua_ppid, rilis-uji: kepala_dinas)
    site.record(site.cast["yuli"], "sop/people.yaml", 1, "ketua_ppid")
    site.record(site.cast["wahyu"], "sop/people.yaml", 2, "kepala_dinas")
    assert judge(site).ok
    site.merge("rilis/mutasi", site.cast["wahyu"])
    report = judge(site, all_items=True)
    assert report.ok, report.problems
    # ...but a new approval by her no longer counts
    new = release(site, "baru")
    site.record(site.cast["dwi"], new, 2, "kasubbag")
    assert codes(one(judge(site), new)) == ["role_not_held"]


def test_unapproved_sop_change_fails_closed_until_approved_on_main(site: Site) -> None:
    path = release(site)
    approve_fully(site, path)
    site.merge("rilis/bantuan-bibit", site.cast["hendro"])
    # someone weakens the SOP straight on main: only the Kasubbag left
    sop = (site.root / "sop/rilis-uji.yaml").read_text()
    site.write("sop/rilis-uji.yaml", sop.replace("    paraf: true\n    ya: 4", "    paraf: false\n    ya: 4"))
    site.commit("sederhanakan SOP", site.cast["eve"])
    new = "content/siaran-pers/2025/kilat.md"
    site.switch("rilis/kilat", create=True)
    site.write(new, item_text(title="Kilat"))
    site.commit("kilat", site.cast["rina"])
    site.record(site.cast["dwi"], new, 2, "kasubbag")
    report = judge(site)
    assert not one(report, new).complete  # still judged by the approved SOP: the Sekdin must approve
    site.merge("rilis/kilat", site.cast["dwi"])
    on_main = judge(site, all_items=True)
    assert not on_main.ok
    assert any(p.startswith("sop/rilis-uji.yaml") and "Kepala Dinas" in p for p in on_main.problems)
    # the signatory approves the new SOP retrospectively, on main: the weaker SOP now governs new items
    site.record(site.cast["wahyu"], "sop/rilis-uji.yaml", 1, "kepala_dinas")
    again = judge(site, all_items=True)
    assert not again.problems
    assert one(again, path).complete  # approved under the old SOP, still approved


def test_new_sop_named_by_an_item_is_not_trusted_on_its_branch(site: Site) -> None:
    sop = (site.root / "sop/rilis-uji.yaml").read_text()
    site.switch("rilis/jalan-pintas", create=True)
    site.write("sop/jalan-pintas.yaml", sop.replace("id: rilis-uji", "id: jalan-pintas"))
    path = "content/siaran-pers/2025/pintas.md"
    site.write(path, item_text(sop="jalan-pintas"))
    site.commit("SOP sendiri", site.cast["eve"])
    report = judge(site)
    assert not one(report, path).complete
    assert "sop: 'jalan-pintas' is not an SOP for siaran-pers in warta.yml on main" in one(report, path).reasons[0]
    gov = one(report, "sop/jalan-pintas.yaml")
    assert not gov.complete and [s.role for s in gov.steps] == ["ketua_ppid", "kepala_dinas"]


def test_a_cache_shipped_by_the_repository_is_never_believed(site: Site) -> None:
    path = release(site)
    site.record(site.cast["dwi"], path, 2, "kasubbag", sign=False)
    site.record(site.cast["hendro"], path, 3, "sekdin", sign=False)
    unsigned = [site.git("rev-parse", "HEAD~1"), site.head()]
    import json

    # verdicts claiming the two unsigned records carry good signatures by listed keys
    forged = {"version": 2, "table": [["G", site.cast["dwi"].fingerprint, "dwi@dinas.example.go.id", "0"],
                                      ["G", site.cast["hendro"].fingerprint, "hendro@dinas.example.go.id", "0"]],
              "verdicts": {unsigned[0]: 0, unsigned[1]: 1}}
    site.write(".warta-cache/signatures/verdicts.json", json.dumps(forged))
    assert judge(site).ok  # the machine's own cache is trusted (that is what makes it a cache)...
    site.git("add", "-f", ".warta-cache")
    site.git("commit", "-q", "--no-gpg-sign", "-m", "cache", person=site.cast["eve"])
    assert not judge(site).ok  # ...a committed one never: its verdicts are not read
    assert not judge(site, cache=False).ok
    # nor one reached through a committed symbolic link
    site.git("rm", "-q", "-r", "--cached", ".warta-cache")
    (site.root / ".warta-cache").rename(site.root / "bukti")
    site.git("add", "-f", "bukti")
    (site.root / ".warta-cache").symlink_to("bukti")
    site.git("add", "-f", ".warta-cache")
    site.git("commit", "-q", "--no-gpg-sign", "-m", "cache via link", person=site.cast["eve"])
    linked = (site.root / "bukti/signatures/verdicts.json").read_bytes()
    assert not judge(site).ok
    assert (site.root / "bukti/signatures/verdicts.json").read_bytes() == linked  # never written through


def test_signature_cache_gives_the_same_verdicts(site: Site) -> None:
    path = release(site)
    approve_fully(site, path)
    site.record(site.cast["dwi"], path, 2, "kasubbag", signer=site.cast["eve"])
    cold = one(judge(site), path)
    assert (site.root / ".warta-cache" / "signatures" / "verdicts.json").is_file()
    warm = one(judge(site), path)
    assert cold == warm and warm.state == "approved" and codes(warm) == ["wrong_key"]


def test_merging_main_into_an_approved_branch_keeps_its_approvals(site: Site) -> None:
    path = release(site)
    approve_fully(site, path)
    other = release(site, "lain")
    approve_fully(site, other)
    site.merge("rilis/lain", site.cast["hendro"])
    site.switch("rilis/bantuan-bibit")
    site.git("merge", "-q", "--no-ff", "--no-gpg-sign", "-m", "perbarui dari main", "main",
             person=site.cast["rina"])
    report = judge(site)
    assert [r.path for r in report.items] == [path] and report.ok
    site.merge("rilis/bantuan-bibit", site.cast["hendro"])
    assert judge(site, all_items=True).ok


def test_a_forge_style_detached_merge_checkout_is_judged_like_the_branch(site: Site) -> None:
    # CI on a pull request checks out a merge of the branch into main, with HEAD detached
    path = release(site)
    approve_fully(site, path)
    site.switch("main")
    site.write("content/halaman/kontak.md", "---\ntitle: Kontak\n---\nTelepon kantor.\n")
    site.commit("main moves on", site.cast["rina"])
    site.git("switch", "-q", "--detach", "main")
    site.git("merge", "-q", "--no-ff", "--no-gpg-sign", "-m", "Merge pull request", "rilis/bantuan-bibit",
             person=site.cast["rina"])
    report = judge(site)
    assert [r.path for r in report.items] == [path] and report.ok


def test_an_item_cannot_choose_an_sop_warta_yml_does_not_allow_for_its_kind(site: Site) -> None:
    # info-uji needs the same steps here, but it is not an SOP for siaran-pers: the choice is governance
    path = release(site, text=item_text(sop="info-uji"))
    approve_fully(site, path)
    result = one(judge(site), path)
    assert not result.complete
    assert "sop: 'info-uji' is not an SOP for siaran-pers in warta.yml on main (allowed: rilis-uji)" in \
        result.reasons


def test_a_photo_behind_a_linked_folder_blocks_approval(site: Site) -> None:
    path = "content/siaran-pers/2025/bantuan-bibit.md"
    site.switch("rilis/bantuan-bibit", create=True)
    site.write("content/media/asli/bibit.jpg", b"\xff\xd8 photo")
    (site.root / "content/media/tautan").symlink_to("asli")  # a linked folder: git stores only the link
    site.write(path, item_text(image="../../media/tautan/bibit.jpg", image_alt="Bibit cabai"))
    site.commit("rilis dengan tautan", site.cast["rina"])
    approve_fully(site, path)
    result = one(judge(site), path)
    assert not result.complete
    assert result.problems == ("content/media/tautan/bibit.jpg is or goes through a symbolic link; put the "
                               "file itself in the repository",)
