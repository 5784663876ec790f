"""``warta publish`` fails closed (DESIGN section 4 rule 9, issue 3 item 7) and never shows a traceback.

Real repositories with SSH-signed approvals; every run is the real command line in its own process.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from approvals_helpers import (
    Site,
    approve_fully,
    people_yaml,
)
from publish_helpers import (
    approved_release,
    live_files,
    outbox,
    page,
    publish,
    publish_json,
    records,
    release_text,
    tags,
    this_year,
)


def _site_text(root: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8", errors="replace")
                     for p in (root / "_site").rglob("*") if p.is_file() and p.suffix in (".html", ".xml"))


def test_item_committed_straight_to_main_never_reaches_the_site(site: Site) -> None:
    good = approved_release(site, "bantuan-bibit", title="Bantuan Bibit Cabai")
    sneaky = "content/siaran-pers/2025/langsung-ke-main.md"
    site.write(sneaky, release_text("Rilis Tanpa Paraf Sama Sekali"))
    site.commit("Langsung ke main", site.cast["rina"])

    proc = publish(site, process=True)

    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    held = proc.stdout[proc.stdout.index(f"held back: {sneaky}"):]
    assert "step 2 (kasubbag) is not approved yet" in held
    assert "git merge --no-ff" in held  # the hint: merging is not approving
    text = _site_text(site.root)
    assert "Bantuan Bibit Cabai" in text
    assert "Rilis Tanpa Paraf Sama Sekali" not in text
    assert not (site.root / "_site" / "siaran-pers" / "2025" / "langsung-ke-main").exists()
    assert sneaky not in records(site.root) and good in records(site.root)
    assert all(sneaky not in message for message in tags(site).values())
    assert not [p for p in outbox(site.root) if "langsung" in p]


def test_squash_merged_release_is_held_with_the_merge_hint(site: Site) -> None:
    site.switch("rilis/pupuk", create=True)
    path = "content/siaran-pers/2025/pupuk.md"
    site.write(path, release_text("Subsidi Pupuk Organik"))
    site.commit("Rilis pupuk", site.cast["rina"])
    approve_fully(site, path)
    site.merge("rilis/pupuk", site.cast["wahyu"], how="--squash")

    code, doc = publish_json(site)

    assert code == 1
    held = {h["path"]: h["reasons"] for h in doc["held"]}
    assert path in held
    assert any("--no-ff" in reason for reason in held[path])
    assert "Subsidi Pupuk Organik" not in _site_text(site.root)
    assert path not in records(site.root)


def test_unapproved_governance_change_is_reported_and_approved_releases_go_out(site: Site) -> None:
    approved = approved_release(site, "bantuan-bibit", title="Bantuan Bibit Cabai")
    # a commit on main that makes Rina a kasubbag, approved by nobody
    site.write("sop/people.yaml", people_yaml(site.cast, overrides={"rina": ("operator", "kasubbag")}))
    site.commit("Tambah peran", site.cast["rina"])

    code, doc = publish_json(site)

    assert code == 1  # a finding for the signatories: the change is not in effect
    assert any(p.startswith("sop/people.yaml:") for p in doc["pending_governance"])
    assert doc["problems"] == []
    assert approved in records(site.root)  # the approved release was not held back
    assert "Bantuan Bibit Cabai" in page(site.root, "siaran-pers/2025/bantuan-bibit")
    human = publish(site)
    assert human.returncode == 1 and "not in effect; the last approved version governs" in human.stdout


def test_wrong_branch_dirty_tree_and_no_identity(site: Site) -> None:
    approved_release(site, "bantuan-bibit", merge=False)
    site.switch("rilis/bantuan-bibit")
    wrong = publish(site, process=True)
    assert wrong.returncode == 2
    assert "runs on main" in wrong.stderr and "rilis/bantuan-bibit" in wrong.stderr
    assert "Traceback" not in wrong.stderr
    code, doc = publish_json(site)
    assert code == 2 and doc["ok"] is False and "runs on main" in str(doc["error"])

    site.merge("rilis/bantuan-bibit", site.cast["wahyu"])

    # warta's own output folders are never "uncommitted changes", even where .gitignore does not list them
    # (this site's .gitignore holds only .warta-cache/); and a CI runner may have no git identity at all
    nobody = publish(site, identity=False, process=True)
    assert nobody.returncode == 0, nobody.stdout + nobody.stderr
    assert "Traceback" not in nobody.stderr
    emails = site.git("log", "--format=%ae", "-2").splitlines()
    subjects = site.git("log", "--format=%s", "-2").splitlines()
    assert all(s.startswith("Arsip: ") for s in subjects)  # numbering and publication record commits
    assert not {e.casefold() for e in emails} & {p.email.casefold() for p in site.cast.values()}
    again = publish(site, identity=False)
    assert again.returncode == 0, again.stdout + again.stderr

    tentang = site.root / "content/halaman/tentang.md"
    tentang.write_text(tentang.read_text() + "\nBelum di-commit.\n")
    dirty = publish(site, process=True)  # the closed world: uncommitted bytes are never published
    assert dirty.returncode == 0 and "content/halaman/tentang.md" in dirty.stdout + dirty.stderr
    assert "Traceback" not in dirty.stderr
    assert "Belum di-commit." not in (site.root / "_site/tentang/index.html").read_text(encoding="utf-8")
    site.git("checkout", "--", "content/halaman/tentang.md")


def test_not_a_site_and_a_damaged_register_are_clear_errors(site: Site, tmp_path: Path) -> None:
    elsewhere = tmp_path / "kosong"
    elsewhere.mkdir()
    proc = publish(site, cwd=elsewhere, process=True)
    assert proc.returncode == 2 and "warta.yml not found" in proc.stderr and "Traceback" not in proc.stderr

    approved_release(site, "bantuan-bibit")
    assert publish(site).returncode == 0
    record = next((site.root / "arsip").rglob("*bantuan-bibit.yaml"))
    record.write_text(record.read_text().replace("urut: 1", "urut: seribu"))
    site.commit("Rusak", site.cast["wahyu"])
    broken = publish(site, process=True)
    assert broken.returncode == 1 and "Traceback" not in broken.stderr
    assert record.relative_to(site.root).as_posix() in broken.stderr and "urut" in broken.stderr


def _snapshot(site: Site) -> dict[str, Any]:
    def tree(folder: Path) -> dict[str, str]:
        if not folder.exists():
            return {}
        return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(folder.rglob("*")) if p.is_file()}

    return {"head": site.head(), "refs": site.git("for-each-ref", "--format=%(refname) %(objectname)"),
            "arsip": tree(site.root / "arsip"), "site": tree(site.root / "_site"),
            "outbox": tree(site.root / "_outbox"), "status": site.git("status", "--porcelain")}


def test_dry_run_prints_the_plan_and_changes_nothing(site: Site) -> None:
    first = approved_release(site, "bantuan-bibit", title="Bantuan Bibit Cabai")
    assert publish(site).returncode == 0
    second = approved_release(site, "pupuk-organik", title="Subsidi Pupuk Organik", photo="orientation_landscape_1.jpg")
    before = _snapshot(site)

    proc = publish(site, "--dry-run")
    code, doc = publish_json(site, "--dry-run")

    assert proc.returncode == 0 and code == 0, proc.stdout + proc.stderr
    assert _snapshot(site) == before
    number = f"400.14.5.6/2/UJI/{this_year()}"  # the template of warta.yml, second press release this year
    assert f"new       {number}" in proc.stdout and second in proc.stdout
    assert "would upload" in proc.stdout
    assert "siaran-pers/2025/pupuk-organik/index.html" in proc.stdout
    assert f"would announce {second} → facebook" in proc.stdout
    assert doc["numbers"] == [{"number": number, "path": second}]
    assert "siaran-pers/2025/pupuk-organik/index.html" in doc["pages"]
    assert "siaran-pers/2025/pupuk-organik/index.html" in doc["files_to_deploy"]
    assert first not in [p for p in doc["announced"]]

    real = publish_json(site)[1]
    assert real["numbers"] == doc["numbers"]
    assert "siaran-pers/2025/pupuk-organik/index.html" in live_files(site.root)


def test_json_is_one_document_with_the_plan(site: Site) -> None:
    path = approved_release(site, "bantuan-bibit")
    code, doc = publish_json(site)
    assert code == 0 and doc["ok"] is True
    assert {p["path"] for p in doc["publish"]} == {path, "content/halaman/tentang.md"}
    assert len(doc["commits"]) == 2 and len(doc["tags"]) == 2
    json.dumps(doc)
