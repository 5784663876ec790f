"""Security review of the approval rules (DESIGN section 4): attacks by insiders that warta must defeat.

Each test plays one motivated insider in a real git repository with real SSH keys: an operator who wants
to publish without approval, an approver who wants to skip a colleague, someone with push access to main.
Records are written by hand with plain git (any git user can write any commit message, author and
date), or with ``warta approve`` where the attack goes through the command line. Expected values come
from the documented formats (DESIGN section 3, docs/approvals.md), never from warta's code.

Most commands run through ``pipeline.cli.main`` in this process (:meth:`Site.cli`: the same parser and
code as ``python -m pipeline``, several times faster); the tests marked "subprocess" run the real
command line in its own process to check exit codes, streams and the absence of tracebacks.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from approvals_helpers import (
    SOP_INFO,
    SOP_RILIS,
    WARTA_YML,
    Person,
    Site,
    approve_fully,
    digest_of,
    info_text,
    item_text,
    make_site,
    people_yaml,
    release,
)
from publish_helpers import PHOTOS, isolated_env, office, publish, records

# A trusted SOP with a single paraf step (kasubbag), present from the bootstrap commit.
SOP_KILAT = SOP_RILIS.replace("id: rilis-uji", "id: kilat").replace("nama: Rilis Uji", "nama: Rilis Kilat").replace(
    "    paraf: true\n    ya: 4", "    ya: 4")


@pytest.fixture
def site(tmp_path: Path, cast: dict[str, Person], monkeypatch: pytest.MonkeyPatch) -> Site:
    made = make_site(tmp_path, cast, extra={"sop/kilat.yaml": SOP_KILAT})
    for key, value in isolated_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    return made


# --------------------------------------------------------------------------------------------------
# helpers


def verdict(site: Site, *args: str) -> tuple[int, dict[str, Any]]:
    """``warta verify --json`` (in this process): exit code and the document."""
    proc = site.cli("verify", "--json", *args)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    doc: dict[str, Any] = json.loads(proc.stdout)
    return proc.returncode, doc


def judged(doc: dict[str, Any], path: str) -> dict[str, Any]:
    found = [i for i in (*doc["items"], *doc["governance"]) if i["path"] == path]
    assert len(found) == 1, f"{path} judged {len(found)} times: {[i['path'] for i in doc['items']]}"
    item: dict[str, Any] = found[0]
    return item


def codes(item: dict[str, Any]) -> list[str]:
    return [c for r in item["rejections"] for c in r["codes"]]


def reasons(item: dict[str, Any]) -> str:
    return "\n".join(item["reasons"])


def signed_commit(site: Site, author: Person, message: str, *, signer: Person | None = None,
                  extra: tuple[str, ...] = ("--allow-empty",), env: dict[str, str] | None = None) -> str:
    """``git commit -S`` with a message kept byte for byte, authored by ``author``, signed with
    ``signer``'s key (default: the author's own)."""
    key = (signer or author).key
    proc = subprocess.run(
        ["git", "-c", f"user.signingkey={key}.pub", "-c", "gpg.format=ssh", "commit", "-q", "-S",
         "--cleanup=verbatim", *extra, "-F", "-"],
        cwd=site.root, input=message, text=True, capture_output=True,
        env={**site.env(author, sign=False), **(env or {})})
    assert proc.returncode == 0, proc.stderr
    return site.head()


def trailers(path: str, digest: str, step: int, role: str, decision: str = "approve") -> str:
    return (f"Warta-Item: {path}\nWarta-Digest: {digest}\nWarta-Step: {step}\nWarta-Role: {role}\n"
            f"Warta-Decision: {decision}\n")


def log_count(site: Site) -> int:
    return int(site.git("rev-list", "--count", "HEAD"))


# --------------------------------------------------------------------------------------------------
# trailer tricks


@pytest.mark.parametrize(("name", "block", "problem"), [
    ("second digest", "Warta-Item: {p}\nWarta-Digest: {stale}\nWarta-Digest: {d}\nWarta-Step: 2\n"
                      "Warta-Role: kasubbag\nWarta-Decision: approve\n",
     "Warta-Digest appears 2 times (one record, one decision)"),
    ("lower-case repeat", "Warta-Item: {p}\nWarta-Digest: {d}\nWarta-Step: 2\nwarta-step: 3\n"
                          "Warta-Role: kasubbag\nWarta-Decision: approve\n",
     "Warta-Step appears 2 times (one record, one decision)"),
    ("crlf and upper case", "WARTA-ITEM: {p}\r\nWARTA-DIGEST: {d}\r\nWARTA-STEP: 2\r\nWARTA-ROLE: kasubbag\r\n"
                            "WARTA-ROLE: sekdin\r\nWARTA-DECISION: approve\r\n",
     "Warta-Role appears 2 times (one record, one decision)"),
    ("lone carriage return", "Warta-Item: {p}\nWarta-Digest: {d}\nWarta-Step: 2\n"
                             "Warta-Role: kasubbag\rWarta-Role: sekdin\nWarta-Decision: approve\n",
     "is not a role id"),
    ("zero-padded step", "Warta-Item: {p}\nWarta-Digest: {d}\nWarta-Step: 02\nWarta-Role: kasubbag\n"
                         "Warta-Decision: approve\n",
     "Warta-Step '02' is not a step number"),
    ("upper-case hex digest", "Warta-Item: {p}\nWarta-Digest: {upper}\nWarta-Step: 2\nWarta-Role: kasubbag\n"
                              "Warta-Decision: approve\n",
     "is not sha256:<64 hex digits>"),
])
def test_ambiguous_trailers_make_a_signed_record_count_for_nothing(site: Site, name: str, block: str,
                                                                 problem: str) -> None:
    path = release(site)
    digest = site.digest(path)
    stale = "sha256:" + "0" * 64
    upper = "sha256:" + digest.removeprefix("sha256:").upper()
    message = f"Approve {path}\n\n" + block.format(p=path, d=digest, stale=stale, upper=upper)
    signed_commit(site, site.cast["dwi"], message)  # Dwi's own, good signature
    code, doc = verdict(site)
    item = judged(doc, path)
    assert code == 1 and item["state"] == "draft", name
    assert codes(item)[0] == "malformed"
    assert problem in reasons(item)


def test_trailers_that_are_not_the_last_paragraph_are_no_record(site: Site) -> None:
    path = release(site)
    block = trailers(path, site.digest(path), 2, "kasubbag")
    # the trailer block followed by a closing paragraph, and a block with a line of prose in it
    signed_commit(site, site.cast["dwi"], f"Paraf\n\n{block}\nSalam, Dwi\n")
    signed_commit(site, site.cast["dwi"], f"Paraf\n\nSudah saya periksa.\n{block}")
    code, doc = verdict(site)
    item = judged(doc, path)
    assert code == 1 and item["state"] == "draft"
    assert item["rejections"] == []  # not records at all: nothing to count
    assert "step 2 (kasubbag) is not approved yet" in reasons(item)
    # git itself does not read them as trailers either
    assert site.git("log", "-2", "--format=%(trailers:key=Warta-Item,valueonly)").strip() == ""


def test_a_record_naming_the_item_spelled_differently_counts_for_nothing(site: Site) -> None:
    path = release(site)  # content/siaran-pers/2025/bantuan-bibit.md
    digest = site.digest(path)
    spellings = ["./" + path, "content/siaran-pers/2025/../2025/bantuan-bibit.md", path.upper(),
                 "content//siaran-pers/2025/bantuan-bibit.md", "/" + path,
                 "content/siaran-pers/2025/Bantuan-Bibit.md"]
    for spelled in spellings:
        for who, step, role in (("dwi", 2, "kasubbag"), ("hendro", 3, "sekdin")):
            signed_commit(site, site.cast[who], f"Paraf\n\n{trailers(spelled, digest, step, role)}")
    code, doc = verdict(site)
    item = judged(doc, path)
    assert code == 1 and item["state"] == "draft" and item["rejections"] == []
    assert [i["path"] for i in doc["items"]] == [path]  # no phantom item for any spelling


def test_approving_the_photo_instead_of_the_item(site: Site) -> None:
    photo = "content/siaran-pers/2025/bibit.jpg"
    path = "content/siaran-pers/2025/bantuan-bibit.md"
    site.switch("rilis/bantuan-bibit", create=True)
    site.write(photo, (PHOTOS / "orientation_landscape_1.jpg").read_bytes())
    site.write(path, item_text(image="bibit.jpg", image_alt="Bibit cabai di polybag"))
    site.commit("rilis dengan foto", site.cast["rina"])
    digest = site.digest(path, photo)  # even the item's own digest, but naming the photo
    for who, step, role in (("dwi", 2, "kasubbag"), ("hendro", 3, "sekdin")):
        signed_commit(site, site.cast[who], f"Paraf foto\n\n{trailers(photo, digest, step, role)}")
    code, doc = verdict(site)
    assert code == 1 and judged(doc, path)["state"] == "draft"
    refused = site.cli("approve", photo, person=site.cast["dwi"])
    assert refused.returncode == 1
    assert f"{photo}: not a content item (content/<kind>/...md) or governance file" in refused.stderr


# --------------------------------------------------------------------------------------------------
# who signs, who approves


def test_an_approver_cannot_fill_a_colleagues_step_with_his_own_key(site: Site) -> None:
    path = release(site)
    c = site.cast
    # The Sekdin does not want to wait for the Kasubbag: he writes her record, signed with his good key
    site.record(c["dwi"], path, 2, "kasubbag", signer=c["hendro"])
    site.record(c["hendro"], path, 3, "sekdin")
    code, doc = verdict(site)
    item = judged(doc, path)
    assert code == 1 and item["state"] == "draft"
    assert codes(item) == ["wrong_key", "out_of_order"]
    assert "signed with Hendro Wibowo's key, not with one of Dwi Astuti's keys" in reasons(item)


def test_the_author_cannot_approve_under_a_colleagues_name(site: Site) -> None:
    path = release(site, author="dwi")  # the Kasubbag wrote it; the other Kasubbag (Ani) must check it
    c = site.cast
    site.record(c["ani"], path, 2, "kasubbag", signer=c["dwi"])  # says "Ani", signed by Dwi
    code, doc = verdict(site)
    item = judged(doc, path)
    assert code == 1 and codes(item) == ["wrong_key"]
    assert "signed with Dwi Astuti's key, not with one of Ani Rahayu's keys" in reasons(item)
    # and through the command line: Dwi sets Ani's email but signs with her own key
    impostor = Person("Ani Rahayu", c["ani"].email, c["ani"].roles, c["dwi"].key)
    before = log_count(site)
    proc = site.cli("approve", person=impostor)
    assert proc.returncode == 1
    assert "your signing key is not listed for you in sop/people.yaml on the main branch" in proc.stderr
    assert log_count(site) == before  # nothing written


def test_approve_as_a_role_that_is_not_the_steps(site: Site) -> None:
    path = release(site)
    c = site.cast
    before = log_count(site)
    kadin = site.cli("approve", "--as", "kepala_dinas", person=c["wahyu"])  # a role he holds
    assert kadin.returncode == 1
    assert f"{path}: refused: step 2 is for Kepala Sub Bagian Program dan Keuangan (kasubbag)" in kadin.stderr
    early = site.cli("approve", "--as", "sekdin", person=c["hendro"])  # his role, but not his turn
    assert early.returncode == 1 and "it is not your step yet: step 2" in early.stderr
    borrowed = site.cli("approve", "--as", "kasubbag", person=c["hendro"])  # a role he does not hold
    assert borrowed.returncode == 1 and "you do not hold the role kasubbag" in borrowed.stderr
    assert log_count(site) == before


def test_one_person_holding_two_roles_cannot_fill_both_steps(tmp_path: Path, cast: dict[str, Person],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_site(tmp_path, cast, extra={
        "sop/people.yaml": people_yaml(cast, overrides={"hendro": ("kasubbag", "sekdin")})})
    for key, value in isolated_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    path = release(site)
    assert site.cli("approve", "--as", "kasubbag", person=cast["hendro"]).returncode == 0
    second = site.cli("approve", "--as", "sekdin", person=cast["hendro"])
    assert second.returncode == 1
    assert ("Hendro Wibowo already filled a step as kasubbag; one person fills one step; another holder of "
            "Sekretaris Dinas must approve step 3") in second.stderr
    site.record(cast["hendro"], path, 3, "sekdin")  # written by hand anyway
    code, doc = verdict(site)
    assert code == 1 and codes(judged(doc, path)) == ["same_person"]


def test_steps_that_are_not_paraf_steps(site: Site) -> None:
    path = release(site)
    c = site.cast
    digest = site.digest(path)
    signed_commit(site, c["rina"], f"Selesai menulis\n\n{trailers(path, digest, 1, 'operator')}")
    signed_commit(site, c["rina"], f"Terbit\n\n{trailers(path, digest, 4, 'operator')}")
    signed_commit(site, c["dwi"], f"Langkah 99\n\n{trailers(path, digest, 99, 'kasubbag')}")
    code, doc = verdict(site)
    item = judged(doc, path)
    assert code == 1 and item["state"] == "draft"
    assert [r["codes"] for r in item["rejections"]] == [["unknown_step", "author"], ["unknown_step", "author"],
                                                        ["unknown_step"]]
    assert "step 99 is not a paraf step of SOP rilis-uji (paraf steps: 2, 3)" in reasons(item)


def test_a_forged_return_cannot_block_an_item(site: Site) -> None:
    path = release(site)
    c = site.cast
    # Eve wants to stall a colleague's release: a return "by the Sekdin" without his key, and her own
    site.record(c["hendro"], path, 3, "sekdin", decision="return", note="Ditolak", sign=False)
    site.record(c["eve"], path, 2, "kasubbag", decision="return", note="Ditolak")
    code, doc = verdict(site)
    item = judged(doc, path)
    assert item["state"] == "draft" and codes(item) == ["unsigned", "role_not_held"]
    approve_fully(site, path)
    code, doc = verdict(site)
    assert code == 0 and judged(doc, path)["state"] == "approved"


# --------------------------------------------------------------------------------------------------
# records that are not empty commits


def test_merge_commit_carrying_trailers(site: Site) -> None:
    path = release(site)
    c = site.cast
    site.switch("main")
    site.write("content/halaman/kontak.md", "---\ntitle: Kontak\n---\nTelepon kantor.\n")
    site.commit("halaman kontak", c["rina"])
    site.switch("rilis/bantuan-bibit")
    message = f"Merge main\n\n{trailers(path, site.digest(path), 2, 'kasubbag')}"
    key = c["dwi"].key
    site.git("-c", f"user.signingkey={key}.pub", "-c", "gpg.format=ssh", "merge", "-q", "--no-ff", "-S", "-m",
             message, "main", person=c["dwi"], sign=False)
    assert len(site.git("log", "-1", "--format=%P").split()) == 2
    code, doc = verdict(site)
    item = judged(doc, path)
    assert code == 1 and item["state"] == "draft" and codes(item) == ["merge_commit"]
    assert "a merge commit is not an approval record" in reasons(item)


def test_records_that_change_only_a_mode_or_add_an_empty_file(site: Site) -> None:
    path = release(site)
    c = site.cast
    digest = site.digest(path)
    site.git("update-index", "--chmod=+x", "content/halaman/tentang.md")
    signed_commit(site, c["dwi"], f"Paraf\n\n{trailers(path, digest, 2, 'kasubbag')}", extra=())
    assert site.git("diff", "--summary", "HEAD~1", "HEAD") == "mode change 100644 => 100755 content/halaman/tentang.md"
    site.write("content/siaran-pers/2025/.kosong", "")
    site.git("add", "content/siaran-pers/2025/.kosong")
    signed_commit(site, c["dwi"], f"Paraf\n\n{trailers(path, digest, 2, 'kasubbag')}", extra=())
    code, doc = verdict(site)
    item = judged(doc, path)
    assert code == 1 and item["state"] == "draft"
    assert codes(item) == ["changes_files", "changes_files"]
    assert "the approval commit also changes files (records must change none)" in reasons(item)


# --------------------------------------------------------------------------------------------------
# content swapped after approval


def test_retargeting_a_symlinked_photo_after_approval(site: Site) -> None:
    c = site.cast
    path = "content/siaran-pers/2025/bantuan-bibit.md"
    site.switch("rilis/bantuan-bibit", create=True)
    site.write("content/media/bibit-a.jpg", (PHOTOS / "orientation_landscape_1.jpg").read_bytes())
    site.write("content/media/bibit-b.jpg", (PHOTOS / "orientation_portrait_5.jpg").read_bytes())
    link = site.root / "content/siaran-pers/2025/bibit.jpg"
    link.parent.mkdir(parents=True)
    os.symlink("../../media/bibit-a.jpg", link)
    site.write(path, item_text(image="bibit.jpg", image_alt="Bibit cabai di polybag"))
    site.commit("rilis dengan foto", c["rina"])
    refused = site.cli("approve", person=c["dwi"])  # warta check rejects a symlinked photo: approve refuses it
    assert refused.returncode == 1 and "goes through a symbolic link" in refused.stderr
    # approvers who sign their records by hand: the chain still breaks when the link is retargeted
    photo = ("content/siaran-pers/2025/bibit.jpg",)
    site.record(c["dwi"], path, 2, "kasubbag", refs=photo)
    site.record(c["hendro"], path, 3, "sekdin", refs=photo)
    site.merge("rilis/bantuan-bibit", c["hendro"])
    # a photo behind a symbolic link is never approved, whatever the records say, so retargeting the link
    # later can never swap an approved photo
    code, doc = verdict(site, "--all")
    item = judged(doc, path)
    assert code == 1 and not item["complete"] and item["state"] != "approved"
    link.unlink()
    os.symlink("../../media/bibit-b.jpg", link)
    site.commit("ganti foto", c["eve"])
    code, doc = verdict(site, "--all")
    assert code == 1 and not judged(doc, path)["complete"]


def test_a_symlink_item_is_never_approved(site: Site) -> None:
    c = site.cast
    path = release(site)
    alias = "content/siaran-pers/2025/salinan.md"
    os.symlink("bantuan-bibit.md", site.root / alias)
    site.commit("salinan", c["rina"])
    refused = site.cli("approve", person=c["dwi"])  # both items changed on the branch
    assert refused.returncode == 1 and f"{alias}: refused: warta check finds 1 error" in refused.stderr
    assert f"{alias}: error: is a symbolic link" in refused.stderr
    assert refused.stdout.startswith(f"{path}: approved step 2 as kasubbag")  # the real file is fine
    code, doc = verdict(site)
    assert code == 1 and not judged(doc, alias)["complete"]


def test_changing_a_photo_used_only_by_a_reference_style_image(site: Site) -> None:
    c = site.cast
    path = "content/siaran-pers/2025/bantuan-bibit.md"
    photo = "content/siaran-pers/2025/bibit.jpg"
    site.switch("rilis/bantuan-bibit", create=True)
    site.write(photo, (PHOTOS / "orientation_landscape_1.jpg").read_bytes())
    site.write(path, item_text(body="Penyerahan bibit.\n\n![Bibit cabai di polybag][foto]\n\n[foto]: bibit.jpg"))
    site.commit("rilis", c["rina"])
    approve_fully(site, path, photo)  # digests as documented: the item and the photo
    assert verdict(site)[0] == 0
    site.write(photo, (PHOTOS / "orientation_portrait_5.jpg").read_bytes())
    site.commit("foto lain", c["rina"])
    code, doc = verdict(site)
    item = judged(doc, path)
    assert code == 1 and item["state"] == "draft" and codes(item) == ["stale_digest", "stale_digest"]


def test_renaming_an_approved_item(site: Site) -> None:
    c = site.cast
    path = release(site)
    approve_fully(site, path)
    site.merge("rilis/bantuan-bibit", c["hendro"])
    renamed = "content/siaran-pers/2025/bantuan-bibit-cabai.md"
    site.git("mv", path, renamed)
    site.commit("ganti nama", c["eve"])
    code, doc = verdict(site, "--all")
    item = judged(doc, renamed)
    assert code == 1 and item["state"] == "draft" and item["rejections"] == []
    assert "git merge --no-ff" in reasons(item)  # committed straight to main: the hint says so


def test_item_changed_or_added_inside_a_merge_commit(site: Site) -> None:
    c = site.cast
    path = release(site)
    approve_fully(site, path)
    site.switch("main")
    site.git("merge", "-q", "--no-ff", "--no-commit", "rilis/bantuan-bibit", person=c["eve"])
    site.write(path, item_text(body="Isi yang diganti di dalam merge."))
    extra = "content/siaran-pers/2025/selundupan.md"
    site.write(extra, item_text(title="Selundupan"))
    site.git("add", "-A")
    site.git("commit", "-q", "--no-gpg-sign", "-m", "Merge rilis/bantuan-bibit", person=c["eve"])
    code, doc = verdict(site, "--all")
    assert code == 1
    changed = judged(doc, path)
    assert changed["state"] == "draft" and codes(changed) == ["stale_digest", "stale_digest"]
    assert judged(doc, extra)["state"] == "draft"


# --------------------------------------------------------------------------------------------------
# governance (rule 8) sneaked in


def test_people_yaml_changed_inside_a_merge_commit(site: Site) -> None:
    c = site.cast
    path = release(site)
    approve_fully(site, path)
    site.switch("main")
    site.git("merge", "-q", "--no-ff", "--no-commit", "rilis/bantuan-bibit", person=c["eve"])
    site.write("sop/people.yaml", people_yaml(c, overrides={"eve": ("operator", "kasubbag", "sekdin")}))
    site.git("add", "-A")
    site.git("commit", "-q", "--no-gpg-sign", "-m", "Merge rilis/bantuan-bibit", person=c["eve"])
    code, doc = verdict(site, "--all")
    assert code == 1
    assert any(p.startswith("sop/people.yaml: changed after the trusted root commit without the approval of")
               for p in doc["problems"])
    # the grant is not trusted: Eve's own approvals of a new release still count for nothing
    mine = release(site, "punya-eve", author="rina")
    site.record(c["eve"], mine, 2, "kasubbag")
    code, doc = verdict(site)
    assert code == 1 and codes(judged(doc, mine)) == ["role_not_held"]


def test_a_branch_that_deletes_the_sop_of_its_item(site: Site) -> None:
    c = site.cast
    path = release(site)
    site.git("rm", "-q", "sop/rilis-uji.yaml")
    site.write("warta.yml", (WARTA_YML % {"signatures": "true"}).replace("{sop: rilis-uji,", "{sop: kilat,"))
    site.commit("SOP rilis tidak dipakai lagi", c["eve"])
    site.record(c["dwi"], path, 2, "kasubbag")
    code, doc = verdict(site)
    assert code == 1
    item = judged(doc, path)
    assert item["sop"] == "rilis-uji" and item["state"] == "in_review"  # still judged by main's SOP
    assert item["next"] == {"step": 3, "role": "sekdin"}
    for gov in ("sop/rilis-uji.yaml", "warta.yml"):
        assert not judged(doc, gov)["complete"], gov
    site.merge("rilis/bantuan-bibit", c["eve"])
    code, doc = verdict(site, "--all")
    assert code == 1 and not judged(doc, path)["complete"]
    assert {p.split(":")[0] for p in doc["problems"]} >= {"sop/rilis-uji.yaml", "warta.yml"}


def test_a_kind_remapped_to_a_weaker_sop_on_a_branch(site: Site) -> None:
    c = site.cast
    path = release(site)
    site.write("warta.yml", (WARTA_YML % {"signatures": "true"}).replace("siaran-pers: {sop: rilis-uji,",
                                                                         "siaran-pers: {sop: kilat,"))
    site.commit("rilis cukup satu paraf", c["eve"])
    site.record(c["dwi"], path, 2, "kasubbag")
    code, doc = verdict(site)
    item = judged(doc, path)
    assert code == 1 and item["sop"] == "rilis-uji" and item["state"] == "in_review"
    gov = judged(doc, "warta.yml")
    assert gov["kind"] == "governance" and [s["role"] for s in gov["steps"]] == ["ketua_ppid", "kepala_dinas"]


def test_governance_change_approved_before_it_was_made(site: Site) -> None:
    c = site.cast
    granted = people_yaml(c, overrides={"eve": ("operator", "kasubbag")})
    digest = digest_of({"sop/people.yaml": granted.encode()})
    # the signatories' records for the new content, on main, before anybody commits it
    site.record(c["yuli"], "sop/people.yaml", 1, "ketua_ppid", digest=digest)
    site.record(c["wahyu"], "sop/people.yaml", 2, "kepala_dinas", digest=digest)
    site.write("sop/people.yaml", granted)
    site.commit("Eve jadi kasubbag", c["eve"])
    code, doc = verdict(site, "--all")
    assert code == 1
    assert any(p.startswith("sop/people.yaml: changed after the trusted root commit") for p in doc["problems"])


def test_force_on_a_governance_change_counts_for_nothing(site: Site) -> None:
    c = site.cast
    site.switch("rilis/darurat", create=True)
    site.write("sop/people.yaml", people_yaml(c, overrides={"eve": ("operator", "kasubbag")}))
    site.commit("darurat", c["eve"])
    site.record(c["wahyu"], "sop/people.yaml", 2, "kepala_dinas", decision="force")
    code, doc = verdict(site)
    gov = judged(doc, "sop/people.yaml")
    assert code == 1 and not gov["complete"] and codes(gov) == ["force_not_serta_merta"]


def test_unrelated_history_merged_into_main_is_not_trusted_on_first_use(site: Site) -> None:
    c = site.cast
    # A second root commit that "bootstraps" its own office: Eve holds every role, one item is ready
    site.git("switch", "-q", "--orphan", "impor")
    site.write("warta.yml", WARTA_YML % {"signatures": "false"})
    site.write("sop/rilis-uji.yaml", SOP_RILIS)
    site.write("sop/info-uji.yaml", SOP_INFO)
    site.write("sop/people.yaml", people_yaml(c, overrides={"eve": ("operator", "kasubbag", "sekdin",
                                                                    "kepala_dinas", "ketua_ppid")}))
    legacy = "content/siaran-pers/2025/warisan.md"
    site.write(legacy, item_text(title="Warisan"))
    site.commit("akar kedua", c["eve"])
    site.switch("main")
    site.git("merge", "-q", "--allow-unrelated-histories", "-X", "theirs", "--no-gpg-sign", "-m", "gabung",
             "impor", person=c["eve"])
    code, doc = verdict(site, "--all")
    assert code == 1
    item = judged(doc, legacy)
    assert not item["imported"] and item["state"] == "draft"
    assert {p.split(":")[0] for p in doc["problems"]} >= {"sop/people.yaml", "warta.yml"}


# --------------------------------------------------------------------------------------------------
# force-publish (rule 10)


def test_force_publish_abuses(site: Site) -> None:
    c = site.cast
    site.switch("rilis/darurat", create=True)
    pers = "content/siaran-pers/2025/darurat.md"
    site.write(pers, item_text(title="Darurat", kategori_informasi="serta-merta"))  # not a DIP entry
    own = "content/informasi-publik/2025/banjir.md"
    site.write(own, info_text("serta-merta"))
    site.commit("darurat", c["wahyu"])  # the Kepala Dinas wrote both himself
    site.record(c["wahyu"], pers, 2, "kepala_dinas", decision="force")
    site.record(c["wahyu"], own, 2, "kepala_dinas", decision="force")
    site.record(c["wahyu"], own, 2, "kepala_dinas", decision="force", sign=False)  # and unsigned
    code, doc = verdict(site)
    assert code == 1
    assert codes(judged(doc, pers)) == ["force_not_serta_merta", "author"]
    assert codes(judged(doc, own)) == ["author", "unsigned", "author"]
    # a role outside approvals.force_publish_roles, through the command line
    other = "content/informasi-publik/2025/longsor.md"
    site.write(other, info_text("serta-merta").replace("Banjir", "Longsor"))
    site.commit("longsor", c["rina"])
    before = log_count(site)
    proc = site.cli("approve", "--force", "--as", "kasubbag", other, person=c["dwi"])
    assert proc.returncode == 1
    assert "role kasubbag may not force-publish (approvals.force_publish_roles: kepala_dinas)" in proc.stderr
    assert log_count(site) == before


# --------------------------------------------------------------------------------------------------
# replay, time travel


def test_cherry_picked_approvals_do_not_count(site: Site) -> None:
    c = site.cast
    path = release(site)
    approve_fully(site, path)
    good = site.git("rev-list", "-2", "HEAD").split()[::-1]
    # the same text on another branch (another author), with the records cherry-picked onto it
    site.switch("rilis/salinan", create=True)
    site.git("reset", "-q", "--hard", "main")
    site.write(path, item_text(body="Isi rilis bantuan-bibit."))
    site.commit("salinan", c["eve"])
    assert site.digest(path) == site.digest(path, rev="rilis/bantuan-bibit")
    site.git("cherry-pick", "--allow-empty", *good, person=c["eve"], sign=False)
    code, doc = verdict(site)
    item = judged(doc, path)
    assert code == 1 and codes(item) == ["unsigned", "unsigned"]
    # re-signed by the one who replays them
    site.git("reset", "-q", "--hard", "HEAD~2")
    site.git("-c", f"user.signingkey={c['eve'].key}.pub", "-c", "gpg.format=ssh", "cherry-pick",
             "--allow-empty", "-S", *good, person=c["eve"], sign=False)
    code, doc = verdict(site)
    assert code == 1 and codes(judged(doc, path)) == ["wrong_key", "wrong_key"]


def test_commit_dates_do_not_reorder_the_steps(site: Site) -> None:
    c = site.cast
    path = release(site)
    digest = site.digest(path)
    future = "2031-01-01T10:00:00+07:00"
    past = "2020-01-01T10:00:00+07:00"
    signed_commit(site, c["hendro"], f"Setuju\n\n{trailers(path, digest, 3, 'sekdin')}",
                  env={"GIT_AUTHOR_DATE": past, "GIT_COMMITTER_DATE": past})
    signed_commit(site, c["dwi"], f"Periksa\n\n{trailers(path, digest, 2, 'kasubbag')}",
                  env={"GIT_AUTHOR_DATE": future, "GIT_COMMITTER_DATE": future})
    code, doc = verdict(site)
    item = judged(doc, path)
    assert code == 1 and item["state"] == "in_review" and codes(item) == ["out_of_order"]
    assert item["next"] == {"step": 3, "role": "sekdin"}


# --------------------------------------------------------------------------------------------------
# the repository itself: replace refs, shallow clones


def test_the_authors_email_in_another_case_is_still_the_author(site: Site) -> None:
    c = site.cast
    path = "content/siaran-pers/2025/huruf.md"
    site.switch("rilis/huruf", create=True)
    site.write(path, item_text())
    site.git("add", path)
    site.git("-c", "user.email=DWI@Dinas.Example.GO.ID", "commit", "-q", "-S", "-m", "rilis",
             person=c["dwi"])
    proc = site.cli("approve", person=c["dwi"])
    assert proc.returncode == 1
    assert "you wrote or changed this content, and the author cannot approve it" in proc.stderr


def test_replace_refs_cannot_rewrite_who_wrote_the_content(site: Site) -> None:
    c = site.cast
    path = release(site, author="dwi")
    raw = subprocess.run(["git", "cat-file", "commit", "HEAD"], cwd=site.root, capture_output=True, check=True,
                         env=site.env()).stdout
    forged = raw.replace(b"Dwi Astuti <dwi@dinas.example.go.id>", b"Rina Lestari <rina@dinas.example.go.id>")
    sha = subprocess.run(["git", "hash-object", "-t", "commit", "-w", "--stdin"], cwd=site.root, input=forged,
                         capture_output=True, check=True, env=site.env()).stdout.decode().strip()
    site.git("replace", site.head(), sha)
    assert site.git("log", "-1", "--format=%ae %ce") == "rina@dinas.example.go.id rina@dinas.example.go.id"
    proc = site.cli("approve", person=c["dwi"])
    assert proc.returncode == 1
    assert f"{path}: refused: you wrote or changed this content, and the author cannot approve it" in proc.stderr


def test_a_shallow_clone_is_refused(site: Site, tmp_path: Path) -> None:
    path = release(site)
    approve_fully(site, path)
    clone = tmp_path / "dangkal"
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--branch", "rilis/bantuan-bibit",
                    f"file://{site.root}", str(clone)], check=True, capture_output=True, env=site.env())
    shallow = Site(clone, site.cast, site.home)
    proc = shallow.warta("verify")  # subprocess
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "this is a shallow clone" in proc.stderr and "fetch-depth: 0" in proc.stderr


# --------------------------------------------------------------------------------------------------
# end to end: warta publish on main holds every forged item back


@pytest.fixture
def office_site(tmp_path: Path, cast: dict[str, Person], monkeypatch: pytest.MonkeyPatch) -> Site:
    made = office(tmp_path, cast)
    for key, value in isolated_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    return made


def test_publish_holds_back_forged_and_swapped_items(office_site: Site) -> None:
    site = office_site
    c = site.cast
    honest = release(site, "jujur")
    approve_fully(site, honest)
    site.merge("rilis/jujur", c["hendro"])
    # forged: Eve writes both records under the approvers' names, one unsigned, one with her own key
    forged = release(site, "palsu")
    site.record(c["dwi"], forged, 2, "kasubbag", sign=False)
    site.record(c["hendro"], forged, 3, "sekdin", signer=c["eve"])
    site.merge("rilis/palsu", c["eve"])
    # swapped: approved, then its text changed in the merge commit
    swapped = release(site, "tukar")
    approve_fully(site, swapped)
    site.switch("main")
    site.git("merge", "-q", "--no-ff", "--no-commit", "rilis/tukar", person=c["eve"])
    site.write(swapped, item_text(title="Tukar", body="Isi lain dari yang diparaf."))
    site.git("add", "-A")
    site.git("commit", "-q", "--no-gpg-sign", "-m", "Merge rilis/tukar", person=c["eve"])

    proc = publish(site, process=True)  # subprocess

    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    for path in (forged, swapped):
        assert f"held back: {path}" in proc.stdout
    held = proc.stdout[proc.stdout.index(f"held back: {forged}"):]
    assert "not signed" in held and "signed with Eve Operator's key" in held
    assert set(records(site.root)) == {honest, "content/halaman/tentang.md"}
    site_text = "\n".join(p.read_text(errors="replace") for p in (site.root / "_site").rglob("*.html"))
    assert "Isi lain dari yang diparaf" not in site_text and "palsu" not in site_text

