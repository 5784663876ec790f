"""``warta new``, ``approve``, ``return``, ``status`` and ``verify`` through the command line.

Two tests run ``python -m pipeline`` in a subprocess (exit codes and output as a user sees them); the
others call the same ``pipeline.cli.main`` in this process, which is several times faster.
"""

from __future__ import annotations

import json
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
    people_yaml,
    release,
)

from pipeline.commands.new import slugify
from pipeline.config import parse_config
from pipeline.content import parse_item


@pytest.fixture
def site(tmp_path: Path, cast: dict[str, Person]) -> Site:
    return make_site(tmp_path, cast)


def lines(proc: subprocess.CompletedProcess[str]) -> list[str]:
    return [x for x in (proc.stdout + proc.stderr).splitlines() if x.strip()]


def test_slugs_from_indonesian_titles() -> None:
    assert slugify("Jum'at Bersih & Sehat di Kapanéwon Sedayu") == "jumat-bersih-dan-sehat-di-kapanewon-sedayu"
    assert slugify("  Bantuan Bibit: 6.000 Polybag (Tahap II)  ") == "bantuan-bibit-6-000-polybag-tahap-ii"
    assert slugify("Ma’ruf Amin") == "maruf-amin"
    assert slugify("ꦧꦤ꧀ꦠꦸꦭ꧀") == ""  # Javanese script: no Latin letters, --slug is needed
    long = slugify("kata " * 40)
    assert len(long) <= 80 and not long.endswith("-") and long.startswith("kata-kata")


def test_new_writes_a_skeleton_on_its_own_branch(site: Site) -> None:
    proc = site.cli("new", "siaran-pers", "Penyerahan Bantuan Bibit Cabai", person=site.cast["rina"])
    assert proc.returncode == 0, proc.stderr
    rel = proc.stdout.strip()
    assert rel.startswith("content/siaran-pers/") and rel.endswith("/penyerahan-bantuan-bibit-cabai.md")
    assert site.git("branch", "--show-current") == "rilis/penyerahan-bantuan-bibit-cabai"
    text = (site.root / rel).read_text()
    config = parse_config((site.root / "warta.yml").read_text())
    item, findings = parse_item(site.root, rel, text.encode(), config)
    # the test SOP (rilis-uji) requires no disposisi: the template writes what the SOP requires (the
    # example SOP's disposisi and photo: tests/test_check_one_pass.py), so this one parses as it is
    assert "disposisi:" not in text and "WAJIB" not in text
    item, findings = parse_item(site.root, rel, text.encode(), config)
    assert item is not None and findings == []
    assert item.sop_id == "rilis-uji" and item.title == "Penyerahan Bantuan Bibit Cabai"
    again = site.cli("new", "siaran-pers", "Penyerahan Bantuan Bibit Cabai", person=site.cast["rina"])
    assert again.returncode == 1 and "already exists" in again.stderr


def test_new_for_every_kind_and_bad_input(site: Site) -> None:
    config = parse_config((site.root / "warta.yml").read_text())
    for kind in ("berita", "pengumuman", "informasi-publik", "halaman"):
        proc = site.cli("new", kind, f"Contoh {kind}", "--no-branch")
        assert proc.returncode == 0, proc.stderr
        rel = proc.stdout.strip()
        item, findings = parse_item(site.root, rel, (site.root / rel).read_bytes(), config)
        assert item is not None or findings, rel
        assert all(f.severity == "error" for f in findings)
    assert site.git("branch", "--show-current") == "main"
    wrong = site.cli("new", "siaranpers", "X")
    assert wrong.returncode == 2 and "did you mean 'siaran-pers'" in wrong.stderr
    script = site.cli("new", "berita", "ꦧꦤ꧀ꦠꦸꦭ꧀")
    assert script.returncode == 2 and "--slug" in script.stderr


def test_through_a_subprocess_exit_codes_and_streams(site: Site) -> None:
    path = release(site)
    refused = site.warta("approve", person=site.cast["rina"])
    assert refused.returncode == 1 and refused.stdout == "" and f"{path}: refused:" in refused.stderr
    done = site.warta("approve", person=site.cast["dwi"])
    assert done.returncode == 0 and done.stdout.startswith(f"{path}: approved step 2 as kasubbag")
    failing = site.warta("verify")
    assert failing.returncode == 1 and f"FAIL {path}: in review (sedang diperiksa)" in failing.stdout
    usage = site.warta("verify", "--bogus")
    assert usage.returncode == 2


def test_approve_refusals_are_one_clear_line_each(site: Site) -> None:
    path = release(site)
    c = site.cast
    author = site.warta("approve", person=c["rina"])
    assert author.returncode == 1
    assert lines(author) == [f"{path}: refused: you do not hold the role kasubbag (Kepala Sub Bagian Program "
                             "dan Keuangan) that step 2 needs (held by Dwi Astuti, Ani Rahayu, in "
                             "sop/people.yaml on the main branch)"]
    early = site.warta("approve", person=c["hendro"])
    assert early.returncode == 1 and len(lines(early)) == 1
    assert "not your step yet: step 2 (Kepala Sub Bagian Program dan Keuangan, held by Dwi Astuti, Ani " \
           "Rahayu) has not approved" in early.stderr
    stranger = site.warta("approve", person=Person("Mallory", "mallory@example.org", (), c["eve"].key))
    assert stranger.returncode == 1 and "not in sop/people.yaml" in stranger.stderr
    unsigned = site.warta("approve", person=c["dwi"], sign=False)
    assert unsigned.returncode == 1
    assert "git config user.signingkey ~/.ssh/id_ed25519.pub" in unsigned.stderr
    assert "git config gpg.format ssh" in unsigned.stderr
    assert site.git("log", "-1", "--format=%s") == "Rilis bantuan-bibit"  # nothing was written


def test_author_refusal(site: Site) -> None:
    path = release(site, author="dwi")
    proc = site.cli("approve", person=site.cast["dwi"])
    assert proc.returncode == 1
    assert lines(proc) == [f"{path}: refused: you wrote or changed this content, and the author cannot approve "
                           "it (Kepala Sub Bagian Program dan Keuangan; Ani Rahayu can)"]


def test_approve_writes_a_signed_record_that_reads_in_git_log(site: Site, tmp_path: Path) -> None:
    path = release(site)
    proc = site.cli("approve", "-m", "Sudah diperiksa, klasifikasi 400.14.5.6", person=site.cast["dwi"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"{path}: approved step 2 as kasubbag — commit ")
    trailers = site.git("log", "-1", "--format=%(trailers:only,unfold)")
    assert trailers.splitlines() == [
        f"Warta-Item: {path}", f"Warta-Digest: {site.digest(path)}", "Warta-Step: 2", "Warta-Role: kasubbag",
        "Warta-Decision: approve"]
    assert site.git("log", "-1", "--format=%an <%ae>") == "Dwi Astuti <dwi@dinas.example.go.id>"
    assert "Sudah diperiksa" in site.git("log", "-1", "--format=%b")
    assert site.git("diff", "--name-only", "HEAD~1", "HEAD") == ""  # changes no file
    allowed = tmp_path / "allowed"
    allowed.write_text(f'dwi@dinas.example.go.id namespaces="git" {site.cast["dwi"].public}\n')
    assert site.git("-c", f"gpg.ssh.allowedSignersFile={allowed}", "log", "-1", "--format=%G? %GK") == \
        f"G {site.cast['dwi'].fingerprint}"
    twice = site.cli("approve", person=site.cast["ani"])
    assert twice.returncode == 1
    assert lines(twice) == [f"{path}: refused: nothing for you to approve: step 2 (Kepala Sub Bagian Program "
                            "dan Keuangan) was already approved by Dwi Astuti; next is step 3 (Sekretaris "
                            "Dinas, held by Hendro Wibowo)"]


def test_full_flow_return_fix_approve_verify(site: Site) -> None:
    path = release(site)
    c = site.cast
    assert site.cli("verify").returncode == 1
    assert site.cli("approve", person=c["dwi"]).returncode == 0
    no_reason = site.cli("return", person=c["hendro"])
    assert no_reason.returncode == 2 and "--reason" in no_reason.stderr
    ret = site.cli("return", "--reason", "Foto kurang jelas, ganti", person=c["hendro"])
    assert ret.returncode == 0 and "returned step 3 as sekdin" in ret.stdout
    status = site.cli("status")
    assert status.returncode == 0
    assert "returned (dikembalikan)" in status.stdout and "Foto kurang jelas, ganti" in status.stdout
    verify = site.cli("verify")
    assert verify.returncode == 1
    assert f"FAIL {path}: returned" in verify.stdout and "Foto kurang jelas, ganti" in verify.stdout
    blocked = site.cli("approve", person=c["hendro"])
    assert blocked.returncode == 1 and "change the content first" in blocked.stderr
    site.write(path, item_text(body="Foto sudah diganti."))
    dirty = site.cli("approve", person=c["dwi"])
    assert dirty.returncode == 1 and "uncommitted changes" in dirty.stderr
    site.commit("ganti foto", c["rina"])
    assert site.cli("approve", person=c["dwi"]).returncode == 0
    assert site.cli("approve", person=c["hendro"]).returncode == 0
    ok = site.cli("verify")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "ok: 1 item(s) judged" in ok.stderr
    nothing = site.cli("approve", person=c["ani"])
    assert nothing.returncode == 1 and "nothing to approve" in nothing.stderr
    site.merge("rilis/bantuan-bibit", c["hendro"])
    assert site.cli("verify", "--all").returncode == 0


def test_status_json_has_the_documented_shape(site: Site) -> None:
    path = release(site)
    site.record(site.cast["dwi"], path, 2, "kasubbag")
    proc = site.cli("status", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    [item] = doc["items"]
    assert {"path", "sop", "digest", "state", "next", "steps"} <= set(item)
    assert item["path"] == path and item["sop"] == "rilis-uji" and item["state"] == "in_review"
    assert item["digest"] == site.digest(path)
    assert item["next"] == {"step": 3, "role": "sekdin"}
    assert [{k: s[k] for k in ("step", "role", "status", "by")} for s in item["steps"]] == [
        {"step": 2, "role": "kasubbag", "status": "approved", "by": "Dwi Astuti"},
        {"step": 3, "role": "sekdin", "status": "pending", "by": None}]
    assert item["steps"][0]["at"].endswith("+07:00") and item["steps"][1]["at"] is None
    human = site.cli("status", path)
    assert "[x] 2. Memeriksa rilis — Kepala Sub Bagian Program dan Keuangan — Dwi Astuti" in human.stdout
    assert "/ 15 menit" in human.stdout and "waiting for Hendro Wibowo" in human.stdout


def test_verify_json_all_and_base(site: Site) -> None:
    path = release(site)
    approve_fully(site, path)
    site.merge("rilis/bantuan-bibit", site.cast["hendro"])
    base = site.head()
    site.write("content/siaran-pers/2025/langsung.md", item_text(title="Langsung"))
    site.commit("langsung ke main", site.cast["rina"])
    proc = site.cli("verify", "--all", "--json")
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert doc["ok"] is False
    bad = [i for i in doc["items"] if not i["complete"]]
    assert [i["path"] for i in bad] == ["content/siaran-pers/2025/langsung.md"]
    assert any("git merge --no-ff" in r for r in bad[0]["reasons"])
    since = site.cli("verify", "--base", base)
    assert since.returncode == 1 and "langsung.md" in since.stdout and path not in since.stdout
    nothing = site.cli("verify", "--base", "HEAD")
    assert nothing.returncode == 0


def test_status_on_main_lists_force_published_items(site: Site) -> None:
    path = "content/informasi-publik/2025/banjir.md"
    site.switch("rilis/banjir", create=True)
    site.write(path, info_text("serta-merta"))
    site.commit("peringatan banjir", site.cast["rina"])
    refused = site.cli("approve", "--force", person=site.cast["hendro"])
    assert refused.returncode == 1 and "may not force-publish" in refused.stderr
    forced = site.cli("approve", "--force", "-m", "Banjir: segera", person=site.cast["wahyu"])
    assert forced.returncode == 0, forced.stderr
    assert "force-published" in forced.stdout
    verify = site.cli("verify")
    assert verify.returncode == 0 and f"FORCED {path}" in verify.stdout
    site.merge("rilis/banjir", site.cast["wahyu"])
    status = site.cli("status")
    assert "FORCE-PUBLISHED" in status.stdout and "[~]" in status.stdout
    retro = site.cli("approve", path, person=site.cast["dwi"])
    assert retro.returncode == 0, retro.stderr


def test_the_signatory_approves_a_governance_change_with_warta_approve(site: Site) -> None:
    site.switch("rilis/orang-baru", create=True)
    site.write("sop/people.yaml", people_yaml(site.cast, overrides={"ani": ("kasubbag", "operator")}))
    site.commit("Ani juga operator", site.cast["rina"])
    verify = site.cli("verify")
    assert verify.returncode == 1 and "FAIL sop/people.yaml" in verify.stdout
    assert site.cli("approve", person=site.cast["wahyu"]).returncode == 0
    assert site.cli("approve", person=site.cast["yuli"]).returncode == 0
    ok = site.cli("verify")
    assert ok.returncode == 0, ok.stdout
