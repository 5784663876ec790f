"""Attacks on the approval engine through history: the fork point choosing the governance (rule 1), a
cache the repository supplies, a fake main branch (rule 1), a revert reviving approvals (rule 2), grafts
(rule 6).

Each test replays the attack the review found to succeed, in a real repository with real SSH keys, and
checks that it now fails; where a fix narrows a rule, a second test checks that the honest case it must
keep still works. Records are written by hand with plain git (:meth:`Site.record`) or with ``warta
approve``; expected values come from DESIGN sections 3-4, never from warta's code.
"""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

from approvals_helpers import (
    SOP_INFO,
    SOP_RILIS,
    WARTA_YML,
    Site,
    approve_fully,
    item_text,
    people_yaml,
    release,
)

from pipeline.approvals.service import evaluate_repository


def verdict(site: Site, *args: str) -> tuple[int, dict[str, Any]]:
    proc = site.cli("verify", "--json", *args)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    doc: dict[str, Any] = json.loads(proc.stdout)
    return proc.returncode, doc


def judged(doc: dict[str, Any], path: str) -> dict[str, Any]:
    found = [i for i in (*doc["items"], *doc["governance"]) if i["path"] == path]
    assert len(found) == 1, [i["path"] for i in doc["items"]]
    item: dict[str, Any] = found[0]
    return item


def codes_by(item: dict[str, Any], email: str) -> list[str]:
    return [c for r in item["rejections"] if r["email"] == email for c in r["codes"]]


def govern(site: Site, slug: str, path: str, text: str, signatories: tuple[tuple[str, int, str], ...]) -> str:
    """Change a governance file on a branch, have the signatories approve it, merge it; the merge."""
    site.switch(f"tata/{slug}", create=True)
    site.write(path, text)
    site.commit(f"ubah {path} ({slug})", site.cast["rina"])
    for who, step, role in signatories:
        site.record(site.cast[who], path, step, role)
    merge = site.merge(f"tata/{slug}", site.cast["wahyu"])
    assert evaluate_repository(site.root, all_items=True).ok, slug
    return merge


PEOPLE_SIGNATORIES = (("yuli", 1, "ketua_ppid"), ("wahyu", 2, "kepala_dinas"))  # SOP id order


# --------------------------------------------------------------------------------------------------
# the fork point must not choose the governance (rule 1)


def test_a_demoted_approver_cannot_approve_from_a_branch_forked_before_the_demotion(site: Site) -> None:
    c = site.cast
    granted = govern(site, "naik", "sop/people.yaml",
                     people_yaml(c, overrides={"eve": ("operator", "kasubbag")}), PEOPLE_SIGNATORIES)
    govern(site, "turun", "sop/people.yaml", people_yaml(c), PEOPLE_SIGNATORIES)
    # Eve forks from the commit where she was still kasubbag
    site.switch("rilis/lama", create=True, start=granted)
    path = "content/siaran-pers/2025/lama.md"
    site.write(path, item_text(body="Isi rilis lama."))
    site.commit("rilis lama", c["rina"])
    refused = site.cli("approve", path, person=c["eve"])
    assert refused.returncode == 1, refused.stdout + refused.stderr
    # she writes the record anyway, by hand; the Sekdin approves
    site.record(c["eve"], path, 2, "kasubbag")
    site.record(c["hendro"], path, 3, "sekdin")
    code, doc = verdict(site)  # unmerged: judged by the people of main's tip
    assert code == 1 and codes_by(judged(doc, path), c["eve"].email) == ["role_not_held"]
    site.merge("rilis/lama", c["hendro"])
    code, doc = verdict(site, "--all")  # merged: judged by the people in force at the merge
    item = judged(doc, path)
    assert code == 1 and not item["complete"]
    assert codes_by(item, c["eve"].email) == ["role_not_held"]


def test_a_replaced_key_does_not_sign_from_a_branch_forked_before_the_change(site: Site) -> None:
    c = site.cast
    before = site.head()
    # Dwi's key was stolen: people.yaml now lists a new key for her
    govern(site, "kunci", "sop/people.yaml",
           people_yaml(c).replace(c["dwi"].public, c["stranger_key"].public), PEOPLE_SIGNATORIES)
    site.switch("rilis/curian", create=True, start=before)
    path = "content/siaran-pers/2025/curian.md"
    site.write(path, item_text(body="Isi rilis curian."))
    site.commit("rilis", c["eve"])
    site.record(c["dwi"], path, 2, "kasubbag")  # the thief signs with Dwi's old key
    site.record(c["hendro"], path, 3, "sekdin")
    site.merge("rilis/curian", c["hendro"])
    code, doc = verdict(site, "--all")
    item = judged(doc, path)
    assert code == 1 and not item["complete"]
    assert codes_by(item, c["dwi"].email) == ["wrong_key"]


SOP_STRONGER = SOP_RILIS.replace("""    ya: 4
    tidak: 1
    mutu_baku: {waktu: 15 menit}
  - no: 4
    kegiatan: Menerbitkan di website""", """    ya: 4
    tidak: 1
    mutu_baku: {waktu: 15 menit}
  - no: 4
    kegiatan: Mengesahkan rilis
    pelaksana: kepala_dinas
    paraf: true
    mutu_baku: {waktu: 15 menit}
  - no: 5
    kegiatan: Menerbitkan di website""")


def test_a_strengthened_sop_applies_to_a_branch_forked_before_it(site: Site) -> None:
    assert SOP_STRONGER != SOP_RILIS
    before = site.head()
    govern(site, "sop", "sop/rilis-uji.yaml", SOP_STRONGER, (("wahyu", 1, "kepala_dinas"),))
    site.switch("rilis/lama", create=True, start=before)
    path = "content/siaran-pers/2025/lama.md"
    site.write(path, item_text(body="Isi rilis lama."))
    site.commit("rilis lama", site.cast["rina"])
    approve_fully(site, path)  # steps 2 and 3 of the old SOP
    code, doc = verdict(site)
    item = judged(doc, path)
    assert code == 1 and item["next"] == {"step": 4, "role": "kepala_dinas"}
    site.merge("rilis/lama", site.cast["hendro"])
    code, doc = verdict(site, "--all")
    assert code == 1 and judged(doc, path)["next"] == {"step": 4, "role": "kepala_dinas"}
    # the new step, approved on main, completes it
    site.record(site.cast["wahyu"], path, 4, "kepala_dinas")
    code, doc = verdict(site, "--all")
    assert code == 0 and judged(doc, path)["complete"]


def test_an_approval_merged_before_a_demotion_stays_valid(site: Site) -> None:
    c = site.cast
    govern(site, "naik", "sop/people.yaml",
           people_yaml(c, overrides={"eve": ("operator", "kasubbag")}), PEOPLE_SIGNATORIES)
    path = release(site)
    site.record(c["eve"], path, 2, "kasubbag")
    site.record(c["hendro"], path, 3, "sekdin")
    site.merge("rilis/bantuan-bibit", c["hendro"])
    assert verdict(site, "--all")[0] == 0
    govern(site, "turun", "sop/people.yaml", people_yaml(c), PEOPLE_SIGNATORIES)
    code, doc = verdict(site, "--all")
    assert code == 0 and judged(doc, path)["complete"]


# --------------------------------------------------------------------------------------------------
# a cache the repository supplies (caches are local scratch)


def test_a_committed_cache_symlink_is_never_read_and_warned_about(site: Site) -> None:
    path = release(site)
    site.record(site.cast["dwi"], path, 2, "kasubbag", sign=False)
    site.record(site.cast["hendro"], path, 3, "sekdin", sign=False)
    unsigned = [site.git("rev-parse", "HEAD~1"), site.head()]
    forged = {"version": 2,
              "table": [["G", site.cast["dwi"].fingerprint, site.cast["dwi"].email, "0"],
                        ["G", site.cast["hendro"].fingerprint, site.cast["hendro"].email, "0"]],
              "verdicts": {unsigned[0]: 0, unsigned[1]: 1}}
    site.write("assets/cache/signatures/verdicts.json", json.dumps(forged))
    os.symlink("assets/cache", site.root / ".warta-cache")
    site.git("add", "assets", ".warta-cache")
    site.commit("aset", site.cast["eve"])
    assert site.git("ls-files", "-s", ".warta-cache").startswith("120000 ")
    proc = site.cli("verify")
    # the forged verdicts are not believed: git's own say the records are unsigned, so the chain is incomplete
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert ".warta-cache is a symbolic link" in proc.stderr and "ignores it" in proc.stderr
    assert sorted(p.name for p in (site.root / "assets/cache").rglob("*")) == ["signatures", "verdicts.json"]
    # judging the branch from a clean work tree: the judged tree supplies the link, so the caches are kept
    # elsewhere (the git directory) and the forged verdicts are never read
    site.switch("main")
    assert not (site.root / ".warta-cache").is_symlink()
    assert not evaluate_repository(site.root, head="rilis/bantuan-bibit").ok
    assert not evaluate_repository(site.root, head="rilis/bantuan-bibit", cache=False).ok


# --------------------------------------------------------------------------------------------------
# a fake main branch (rule 1)


def _fake_main(site: Site) -> None:
    """An orphan branch 'pusat' whose own governance names itself main and grants Eve and Yuli roles
    (Eve even the signatories' roles, so that she signs its governance files off herself)."""
    c = site.cast
    site.git("switch", "-q", "--orphan", "pusat")
    site.write("sop/rilis-uji.yaml", SOP_RILIS)
    site.write("sop/info-uji.yaml", SOP_INFO)
    site.write("warta.yml", (WARTA_YML % {"signatures": "true"}).replace("main_branch: main", "main_branch: pusat"))
    site.write("sop/people.yaml", people_yaml(c, overrides={
        "eve": ("operator", "kasubbag", "ketua_ppid", "kepala_dinas"), "yuli": ("ketua_ppid", "sekdin")}))
    site.commit("pusat", c["eve"])


def _sign_off_all(site: Site, path: str) -> None:
    """Eve's and Yuli's records for the item, and Eve's for the governance files that differ from main."""
    site.record(site.cast["eve"], path, 2, "kasubbag")
    site.record(site.cast["yuli"], path, 3, "sekdin")
    for gov in ("warta.yml", "sop/people.yaml"):
        site.record(site.cast["eve"], gov, 1, "ketua_ppid")
        site.record(site.cast["eve"], gov, 2, "kepala_dinas")


def test_an_orphan_main_branch_named_by_the_release_branch_is_refused(site: Site) -> None:
    c = site.cast
    _fake_main(site)
    site.switch("rilis/pusat", create=True, start="pusat")
    path = "content/siaran-pers/2025/pusat.md"
    site.write(path, item_text(body="Isi rilis pusat."))
    site.commit("rilis", c["rina"])
    _sign_off_all(site, path)
    for args in (("--base", "main"), ()):
        proc = site.cli("verify", *args)
        assert proc.returncode == 1 and "root commit" in proc.stderr, proc.stdout + proc.stderr
    proc = site.cli("verify", "--base", "pusat")
    assert proc.returncode == 1 and "root commit" in proc.stderr, proc.stdout + proc.stderr


def test_an_orphan_history_merged_into_a_release_branch_is_refused(site: Site) -> None:
    c = site.cast
    _fake_main(site)
    path = release(site, "gabung")
    site.git("merge", "-q", "--no-ff", "--no-gpg-sign", "--allow-unrelated-histories", "-X", "theirs",
             "-m", "gabung pusat", "pusat", person=c["eve"])
    assert "main_branch: pusat" in (site.root / "warta.yml").read_text()
    _sign_off_all(site, path)
    proc = site.cli("verify", "--base", "main")
    assert proc.returncode == 1 and "root commit" in proc.stderr, proc.stdout + proc.stderr


def test_base_must_be_on_main(site: Site) -> None:
    release(site)  # nothing approved
    proc = site.cli("verify", "--base", "HEAD")  # "nothing changed since HEAD"
    assert proc.returncode == 1 and "is not on main" in proc.stderr, proc.stdout + proc.stderr


# --------------------------------------------------------------------------------------------------
# a revert must not bring old approvals back (rule 2)


def test_restoring_approved_bytes_on_main_needs_approval_again(site: Site) -> None:
    path = release(site)
    approved = (site.root / path).read_text()
    approve_fully(site, path)
    site.merge("rilis/bantuan-bibit", site.cast["hendro"])
    assert verdict(site, "--all")[0] == 0  # merged with its records after the content commit: valid
    site.write(path, item_text(body="Isi lain."))
    site.commit("ubah langsung", site.cast["eve"])
    site.write(path, approved)
    site.commit("kembalikan", site.cast["eve"])
    assert site.digest(path) == site.digest(path, rev="HEAD~2")
    code, doc = verdict(site, "--all")
    item = judged(doc, path)
    assert code == 1 and not item["complete"]
    assert any("before" in r and "do not count" in r for r in item["reasons"])


def test_a_release_branch_that_restores_old_bytes_is_approved_by_its_new_records(site: Site) -> None:
    path = release(site)
    approved = (site.root / path).read_text()
    approve_fully(site, path)
    site.merge("rilis/bantuan-bibit", site.cast["hendro"])
    site.switch("rilis/ubah", create=True)
    site.write(path, item_text(body="Isi lain."))
    site.commit("ubah", site.cast["rina"])
    approve_fully(site, path)
    site.merge("rilis/ubah", site.cast["hendro"])
    site.switch("rilis/kembali", create=True)
    site.write(path, approved)
    site.commit("kembalikan", site.cast["rina"])
    assert verdict(site)[0] == 1  # the old records do not count on the branch either
    approve_fully(site, path)
    assert verdict(site)[0] == 0
    site.merge("rilis/kembali", site.cast["hendro"])
    code, doc = verdict(site, "--all")
    assert code == 0 and judged(doc, path)["complete"]


# --------------------------------------------------------------------------------------------------
# grafts (rule 6)


def test_a_graft_does_not_make_a_file_changing_record_count(site: Site) -> None:
    c = site.cast
    path = release(site)
    content = site.head()
    # Dwi's record also changes a file: it counts for nothing (rule 6)
    digest = site.digest(path)
    site.write("content/media/catatan.txt", "catatan\n")
    site.git("add", "content/media/catatan.txt")
    site.git("-c", f"user.signingkey={c['dwi'].key}.pub", "-c", "gpg.format=ssh", "commit", "-q", "-S", "-m",
             f"approve {path}\n\nWarta-Item: {path}\nWarta-Digest: {digest}\nWarta-Step: 2\n"
             "Warta-Role: kasubbag\nWarta-Decision: approve\n", person=c["dwi"], sign=False)
    record = site.head()
    site.record(c["hendro"], path, 3, "sekdin")
    assert verdict(site)[0] == 1
    # a graft gives the record a parent with its own tree, so that git shows it as changing nothing
    twin = site.git("commit-tree", f"{record}^{{tree}}", "-p", content, "-m", "kembar", person=c["eve"])
    (site.root / ".git" / "info").mkdir(exist_ok=True)
    (site.root / ".git" / "info" / "grafts").write_text(f"{record} {twin}\n")
    shown = subprocess.run(["git", "show", "--format=", "--name-only", record], cwd=site.root,
                           capture_output=True, text=True, env=site.env(), check=True).stdout
    assert shown.strip() == ""  # git honours the graft...
    code, doc = verdict(site)  # ...warta does not
    item = judged(doc, path)
    assert code == 1 and not item["complete"]
    assert judged(doc, path)["next"] == {"step": 2, "role": "kasubbag"}
