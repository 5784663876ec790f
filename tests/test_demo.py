"""`warta demo` (what `make demo` runs): the whole main job on the embedded defaults, checked as a user would."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from cli_helpers import run_warta

RELEASE = "content/siaran-pers/2026/dinas-pmk-latih-40-kader-digital-kalurahan-untuk-pengelolaan-website-kalurahan.md"


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    base = tmp_path_factory.mktemp("demo")
    result = run_warta("demo", str(base / "demo-site"), cwd=base)
    return base / "demo-site", result


def test_demo_succeeds_and_says_where_to_look(demo: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    site, result = demo
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert str(site / "_site" / "index.html") in result.stdout
    assert (site / "_site" / "index.html").is_file()
    assert "Traceback" not in result.stderr


def test_keys_live_outside_the_repository(demo: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    site, _ = demo
    keys = site.with_name(site.name + ".keys")
    assert sorted(p.name for p in keys.iterdir() if not p.name.endswith(".pub"))  # private keys exist
    tracked = git(site, "ls-files").split()
    assert not [p for p in tracked if "keys" in p or p.endswith((".pub", "id_ed25519"))]
    for private in keys.iterdir():
        if not private.name.endswith(".pub"):
            assert private.read_text().split("\n")[0] not in (site / "sop" / "people.yaml").read_text()


def test_the_release_went_through_its_chain_with_good_signatures(
    demo: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    site, _ = demo
    allowed = site / ".warta-cache" / "demo-allowed-signers"
    people = (site / "sop" / "people.yaml").read_text(encoding="utf-8")
    lines = []
    for block in people.split("- name:")[1:]:
        email = block.split("email:")[1].split()[0]
        if 'ssh_keys: ["' in block:
            key = block.split('ssh_keys: ["')[1].split('"]')[0]
            lines.append(f"{email} {key}")
    allowed.write_text("\n".join(lines) + "\n")
    fmt = ("--format=%G?|%ae|%(trailers:key=Warta-Decision,valueonly,separator=)"
           "|%(trailers:key=Warta-Step,valueonly,separator=)")
    branch = f"rilis/{Path(RELEASE).stem}"  # the release's own branch (main also holds the plan's chain)
    log = git(site, "-c", f"gpg.ssh.allowedSignersFile={allowed}", "log", fmt, branch)
    assert git(site, "merge-base", "--is-ancestor", branch, "main") == ""  # merged
    decisions = [line.split("|") for line in log.splitlines() if line.split("|")[2]]
    # newest first: sekdin approve 3, kasubbag approve 2 (after the fix), sekdin return 3, kasubbag approve 2
    assert [(d[1], d[2], d[3]) for d in decisions] == [
        ("hendro.wibowo@example.go.id", "approve", "3"),
        ("dwi.astuti@example.go.id", "approve", "2"),
        ("hendro.wibowo@example.go.id", "return", "3"),
        ("dwi.astuti@example.go.id", "approve", "2"),
    ]
    assert all(d[0] == "G" for d in decisions), decisions
    merges = git(site, "log", "--merges", "--format=%s", "main").splitlines()
    assert any(m.startswith("Merge rilis/") for m in merges)


def test_published_release_has_number_record_tag_page_and_payloads(
    demo: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    site, _ = demo
    listing = run_warta("-C", str(site), "archive", "list", "--json")
    assert listing.returncode == 0, listing.stderr
    entries = {e["path"]: e for e in json.loads(listing.stdout)}
    number = entries[RELEASE]["number"]
    assert number.startswith("400.14.5.6/") and number.endswith("/DPMK/2026")
    assert len({e["number"] for e in entries.values()}) == len(entries)  # no number twice
    assert f"arsip/{number}" in git(site, "tag").split()
    page = (site / "_site" / "siaran-pers" / "2026" / Path(RELEASE).stem / "index.html").read_text(encoding="utf-8")
    assert number in page
    assert "Kepala Sub Bagian Program dan Keuangan" in page and "Sekretaris Dinas" in page
    # a press release follows sop/pemutakhiran-website.yaml, whose pipeline steps are the website and the
    # archive: no social-media channel (kirim_medsos) and no videotron (tayang_videotron) gets it
    payloads = [p for p in (site / "_outbox").rglob("*.json") if p.parent.name in ("facebook", "instagram")]
    assert not [p for p in payloads if json.loads(p.read_text()).get("number") == number]


def test_status_says_published(demo: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    site, _ = demo
    status = run_warta("-C", str(site), "status", "--json", RELEASE)
    assert status.returncode == 0, status.stderr
    (item,) = json.loads(status.stdout)["items"]
    assert item["state"] == "published"
    assert item["next"] is None
    assert [(s["step"], s["role"], s["status"]) for s in item["steps"]] == [
        (2, "kasubbag", "approved"), (3, "sekdin", "approved")]
    assert item["scheduled"] is False


def _plan_path(site: Path) -> str:
    (plan,) = (site / "content" / "rencana-konten").rglob("*.md")
    return plan.relative_to(site).as_posix()


def test_the_plan_is_signed_by_the_koordinator_and_received_by_the_kepala_dinas(
    demo: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    site, _ = demo
    plan = _plan_path(site)
    status = run_warta("-C", str(site), "status", "--json", plan)
    assert status.returncode == 0, status.stderr
    (item,) = json.loads(status.stdout)["items"]
    assert item["sop"] == "rencana-konten" and item["next"] is None
    assert [(s["step"], s["role"], s["status"], s["email"]) for s in item["steps"]] == [
        (2, "koordinator", "approved", "endang.susilowati@example.go.id"),
        (3, "kepala_dinas", "approved", "wahyu.hidayat@example.go.id")]
    # it was written by the Sub Koordinator on its own branch, merged into main
    assert git(site, "log", "-1", "--format=%ae", "--diff-filter=A", "main", "--", plan).strip() == \
        "fajar.nugroho@example.go.id"
    merges = git(site, "log", "--merges", "--format=%s", "main").splitlines()
    assert any(m.startswith("Merge rencana/") for m in merges), merges
    filed = json.loads(run_warta("-C", str(site), "archive", "list", "--json").stdout)
    (entry,) = [e for e in filed if e["path"] == plan]  # filed in the archive under the internal klasifikasi
    assert entry["number"].startswith("400.14.9/") and entry["posts"] == []


def test_the_report_of_the_release_month_compares_the_plan_with_what_was_published(
    demo: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    site, _ = demo
    front = (site / RELEASE).read_text(encoding="utf-8").split("---\n")[1]
    month = next(line for line in front.splitlines() if line.startswith("date:")).split()[1][:7]
    result = run_warta("-C", str(site), "report", "--period", month, "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    plan = json.loads(result.stdout)["plan"]
    assert plan["plans"] == [{"path": _plan_path(site), "periode": plan["quarters"][0], "state": "published"}]
    assert plan["covered"] == plan["quarters"]
    rows = {r["judul"]: r for r in plan["rows"]}
    release = rows.pop("Dinas PMK Latih 40 Kader Digital Kalurahan untuk Pengelolaan Website Kalurahan")
    assert (release["status"], release["item"], release["bulan"]) == ("published", RELEASE, month)
    assert release["published_at"] is not None
    # the other item planned for the month was never written: not published (yet, or at all)
    assert [(r["status"], r["item"]) for r in rows.values()] in ([("planned", None)], [("not_done", None)])
    assert plan["counts"]["published"] == 1


def test_a_second_publish_changes_nothing(demo: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    site, _ = demo
    head = git(site, "rev-parse", "HEAD")
    tags = git(site, "tag")
    payloads = sorted(p.name for p in (site / "_outbox").rglob("*.json"))
    again = run_warta("-C", str(site), "publish")
    assert again.returncode == 0, again.stdout + again.stderr
    assert git(site, "rev-parse", "HEAD") == head
    assert git(site, "tag") == tags
    assert sorted(p.name for p in (site / "_outbox").rglob("*.json")) == payloads


def test_the_register_is_signed_by_the_publishing_identity(
    demo: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    site, _ = demo
    keys = site.with_name(site.name + ".keys")
    public = (keys / "warta-publish.pub").read_text().split()
    people = (site / "sop" / "people.yaml").read_text(encoding="utf-8")
    pipeline = people.split("\npipeline:\n", 1)[1].split("\n\n", 1)[0]
    assert f"{public[0]} {public[1]}" in pipeline and "roles" not in pipeline
    email = pipeline.split("email:")[1].split()[0]
    allowed = site / ".warta-cache" / "demo-pipeline-signers"
    allowed.write_text(f'{email} namespaces="git" {public[0]} {public[1]}\n')
    # the register lives on its own branch (archive.register_branch, as warta init writes it); main has none
    assert "register_branch: warta-arsip" in (site / "warta.yml").read_text(encoding="utf-8")
    assert git(site, "log", "--format=%H", "main", "--", "arsip").split() == []
    commits = git(site, "log", "--first-parent", "--format=%H", "warta-arsip").split()
    assert commits
    for sha in commits:
        changed = git(site, "diff-tree", "--root", "--no-commit-id", "--name-only", "-r", sha).split()
        assert changed and all(path.startswith("arsip/") for path in changed), (sha, changed)
    for sha in [*commits, *git(site, "tag", "-l", "arsip/*").split()]:
        kind = "commit" if sha in commits else "tag"
        check = subprocess.run(["git", "-c", f"gpg.ssh.allowedSignersFile={allowed}", f"verify-{kind}", sha],
                               cwd=site, capture_output=True, text=True)
        assert check.returncode == 0, check.stderr


def test_plain_git_shows_good_signatures_without_any_extra_configuration(
    demo: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    site, _ = demo
    configured = git(site, "config", "--local", "gpg.ssh.allowedSignersFile").strip()
    assert Path(configured).is_file() and ".git" in Path(configured).parts  # generated, never committed
    records = git(site, "log", "--format=%H %(trailers:key=Warta-Decision,valueonly,separator=)", "main")
    approvals = [line.split()[0] for line in records.splitlines() if line.endswith(" approve")]
    assert len(approvals) == 5  # the release's three (one chain returned and restarted), the plan's two
    shown = subprocess.run(["git", "log", "--show-signature", "-1", approvals[0]], cwd=site, capture_output=True,
                           text=True, check=True).stdout
    assert 'Good "git" signature for ' in shown and "error" not in shown.lower()
    for sha in approvals:
        verified = subprocess.run(["git", "verify-commit", sha], cwd=site, capture_output=True, text=True)
        assert verified.returncode == 0, verified.stderr
        assert 'Good "git" signature for' in verified.stderr


def test_the_demo_keys_folder_is_git_ignored_in_the_project(project_root: Path) -> None:
    ignored = subprocess.run(["git", "check-ignore", "-q", "demo-site.keys/kasubbag"], cwd=project_root)
    assert ignored.returncode == 0


def test_a_rerun_refuses_and_keeps_a_branch_the_user_made(
    demo: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    from pipeline.demo import _work_not_made_by_demo

    site, _ = demo
    assert _work_not_made_by_demo(site) == []  # as the demo left it: a rerun may rebuild it
    git(site, "branch", "karya-saya")
    try:
        result = run_warta("demo", str(site))
        assert result.returncode == 2
        assert "ref karya-saya" in result.stderr and "nothing was deleted" in result.stderr
        assert git(site, "rev-parse", "--verify", "karya-saya").strip()
        assert (site / "_site" / "index.html").is_file()
    finally:
        git(site, "branch", "-D", "karya-saya")
    (site / "catatan.txt").write_text("pekerjaan saya\n")
    try:
        result = run_warta("demo", str(site))
        assert result.returncode == 2 and "changed file catatan.txt" in result.stderr
        assert (site / "catatan.txt").is_file()
    finally:
        (site / "catatan.txt").unlink()


def test_archive_show_lists_the_return_with_its_reason(demo: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    site, _ = demo
    doc = json.loads(run_warta("-C", str(site), "archive", "show", RELEASE, "--json").stdout)
    (returned,) = doc["returns"]
    assert returned["reason"] == "Lengkapi lokasi kegiatan pada siaran pers"
    assert returned["step"] == 3 and returned["email"] == "hendro.wibowo@example.go.id"
    text = run_warta("-C", str(site), "--lang", "en", "archive", "show", RELEASE).stdout
    assert "returned for revision (dikembalikan):" in text
    assert "reason: Lengkapi lokasi kegiatan pada siaran pers" in text


def test_the_demo_speaks_the_language_it_was_asked_for_in_every_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # --lang alone (no WARTA_LANG): the commands the demo runs inside the example site (whose language is
    # Indonesian) speak it too, not only the demo's own headings
    monkeypatch.delenv("WARTA_LANG", raising=False)
    result = run_warta("--lang", "en", "demo", str(tmp_path / "demo-site"), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    said = result.stdout + result.stderr
    assert "ok: 1 file checked, 0 errors, 0 warnings" in said
    assert "beres:" not in said and "berkas diperiksa" not in said
    assert "Done. Look at:" in result.stdout
