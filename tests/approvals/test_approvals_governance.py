"""Rule 8 in real repositories: changes to governed files after the trusted root need the signatories."""

from __future__ import annotations

from pathlib import Path

import pytest
from approvals_helpers import (
    SOP_INFO,
    SOP_RILIS,
    WARTA_YML,
    Person,
    Site,
    approve_fully,
    item_text,
    people_yaml,
    release,
)

from pipeline.approvals import history
from pipeline.approvals.chain import ChainResult, Record
from pipeline.approvals.governance import Timeline, build_timeline, parse_state
from pipeline.approvals.service import Report, evaluate_repository
from pipeline.approvals.signing import verify_signatures
from pipeline.errors import ConfigError
from pipeline.git import Git


def one(report: Report, path: str) -> ChainResult:
    found = report.result(path)
    assert found is not None
    return found


def sign_off(site: Site, path: str) -> None:
    """Both signatories approve the file as it is in HEAD (steps in SOP id order: info-uji, rilis-uji)."""
    site.record(site.cast["yuli"], path, 1, "ketua_ppid")
    site.record(site.cast["wahyu"], path, 2, "kepala_dinas")


def test_config_change_needs_every_signatory_and_then_governs(site: Site) -> None:
    site.switch("rilis/tanpa-tanda-tangan", create=True)
    site.write("warta.yml", WARTA_YML % {"signatures": "false"})
    site.commit("approvals without signatures", site.cast["rina"])
    gov = one(evaluate_repository(site.root), "warta.yml")
    assert [s.role for s in gov.steps] == ["ketua_ppid", "kepala_dinas"] and not gov.complete
    site.record(site.cast["wahyu"], "warta.yml", 2, "kepala_dinas", sign=False)  # judged by the old policy
    gov = one(evaluate_repository(site.root), "warta.yml")
    assert [x.codes for x in gov.rejections] == [("unsigned",)]
    sign_off(site, "warta.yml")
    assert evaluate_repository(site.root).ok
    site.merge("rilis/tanpa-tanda-tangan", site.cast["wahyu"])
    # now unsigned approvals count for releases that start after the change
    path = release(site, "tanpa-tanda")
    site.record(site.cast["dwi"], path, 2, "kasubbag", sign=False)
    site.record(site.cast["hendro"], path, 3, "sekdin", sign=False)
    assert evaluate_repository(site.root).ok
    site.merge("rilis/tanpa-tanda", site.cast["hendro"])
    assert evaluate_repository(site.root, all_items=True).ok


def test_the_authors_own_people_yaml_never_judges_its_own_approval(site: Site) -> None:
    # Eve lists herself as Kepala Dinas and Ketua PPID, with her key, and signs the change off herself
    site.switch("rilis/kudeta", create=True)
    site.write("sop/people.yaml", people_yaml(site.cast, overrides={"eve": ("operator", "kepala_dinas",
                                                                            "ketua_ppid")}))
    site.commit("perbarui peran", site.cast["eve"])
    site.record(site.cast["eve"], "sop/people.yaml", 1, "ketua_ppid")
    site.record(site.cast["eve"], "sop/people.yaml", 2, "kepala_dinas")
    gov = one(evaluate_repository(site.root), "sop/people.yaml")
    assert not gov.complete
    assert [x.codes for x in gov.rejections] == [("role_not_held",), ("role_not_held",)]


def test_a_revert_to_the_trusted_version_needs_no_approval(site: Site) -> None:
    original = (site.root / "sop/rilis-uji.yaml").read_text()
    site.write("sop/rilis-uji.yaml", original.replace("Memeriksa rilis", "Memeriksa rilis (sementara)"))
    site.commit("ubah SOP tanpa persetujuan", site.cast["eve"])
    assert evaluate_repository(site.root, all_items=True).problems
    site.write("sop/rilis-uji.yaml", original)
    site.commit("kembalikan SOP", site.cast["eve"])
    assert not evaluate_repository(site.root, all_items=True).problems


def test_an_old_approval_is_not_reused_for_a_version_that_comes_back(site: Site) -> None:
    first = people_yaml(site.cast, overrides={"ani": ("kasubbag", "operator")})
    second = people_yaml(site.cast, overrides={"ani": ("operator",)})
    for text, slug in ((first, "satu"), (second, "dua")):
        site.switch(f"rilis/{slug}", create=True)
        site.write("sop/people.yaml", text)
        site.commit(f"people {slug}", site.cast["rina"])
        sign_off(site, "sop/people.yaml")
        site.merge(f"rilis/{slug}", site.cast["wahyu"])
    assert not evaluate_repository(site.root, all_items=True).problems
    # the first version comes back straight on main: its old approvals were for another time
    site.write("sop/people.yaml", first)
    site.commit("kembali ke versi satu", site.cast["eve"])
    report = evaluate_repository(site.root, all_items=True)
    assert any(p.startswith("sop/people.yaml") for p in report.problems)


def test_invalid_sop_on_main_fails_closed_and_names_the_finding(site: Site) -> None:
    site.write("sop/rilis-uji.yaml", SOP_RILIS.replace("pelaksana: sekdin", "pelaksana: sekretaris"))
    site.commit("salah ketik", site.cast["eve"])
    report = evaluate_repository(site.root, all_items=True)
    assert not report.ok
    assert any("sop/rilis-uji.yaml" in p and "sekretaris" in p for p in report.problems)


def test_a_branch_cannot_name_itself_the_main_branch(site: Site) -> None:
    site.switch("rilis/cabang-utama", create=True)
    site.write("warta.yml", (WARTA_YML % {"signatures": "true"}).replace("main_branch: main",
                                                                          "main_branch: rilis/cabang-utama"))
    path = "content/siaran-pers/2025/pintas.md"
    site.write(path, item_text())
    site.commit("cabang ini utama", site.cast["eve"])
    report = evaluate_repository(site.root)  # the branch's own warta.yml does not choose what judges it
    assert report.main == "main"
    assert not report.ok and not one(report, path).complete and not one(report, "warta.yml").complete


def test_bootstrap_is_the_first_commit_with_valid_governance(tmp_path: Path, cast: dict[str, Person],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "isolated").write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "home" / "isolated"))
    site = Site(tmp_path / "site", cast, tmp_path / "home")
    site.root.mkdir()
    site.git("init", "-q", "-b", "main")
    site.write(".gitignore", ".warta-cache/\n")
    site.write("content/halaman/lama.md", "---\ntitle: Halaman Lama\n---\nSebelum warta.\n")
    site.commit("situs lama", cast["rina"])
    with pytest.raises(ConfigError, match="no commit on main holds a valid warta.yml"):
        evaluate_repository(site.root, all_items=True)
    site.write("warta.yml", WARTA_YML % {"signatures": "true"})
    site.write("sop/rilis-uji.yaml", SOP_RILIS)
    site.write("sop/info-uji.yaml", SOP_INFO)
    site.write("sop/people.yaml", people_yaml(cast))
    site.write("content/siaran-pers/2025/lama.md", item_text(title="Rilis lama"))
    site.commit("mulai memakai warta", cast["wahyu"])
    report = evaluate_repository(site.root, all_items=True)
    assert report.ok and all(r.imported for r in report.items)
    path = release(site, "baru")
    approve_fully(site, path)
    site.merge("rilis/baru", cast["hendro"])
    report = evaluate_repository(site.root, all_items=True)
    assert report.ok and not one(report, path).imported


# -- rule 8 for every governed file (pipeline.governed), read along main as the service reads it -----

THEME = "theme/templates/base.html"
LOGO_YML = (WARTA_YML % {"signatures": "true"}).replace("  unit_code: UJI\n", "  unit_code: UJI\n  logo: %s\n")


def main_timeline(site: Site) -> Timeline:
    """The tests' own reading of main's governance: the history index, every governance record (any file
    outside content/ and arsip/), git's signature verdicts, then :func:`build_timeline`."""
    git = Git(site.root)
    index = history.build(git, site.head(), None)
    blobs: dict[str, str] = {}
    snapshots: list[tuple[int, str, dict[str, str]]] = []
    for transition in index.transitions:
        for change in transition.changes:
            if change.deleted:
                blobs.pop(change.path, None)
            else:
                blobs[change.path] = change.oid
        snapshots.append((transition.index, transition.sha, dict(blobs)))
    contents = git.read_blobs({o for _, _, b in snapshots for o in b.values()})
    states = [parse_state(i, sha, b, contents) for i, sha, b in snapshots]
    peoples = [s.people for s in states if s.people is not None]
    own = [(q, r) for q, r in index.records if not r.item.startswith(("content/", "arsip/"))]
    verdicts = verify_signatures(git, [r.sha for _, r in own], peoples, None)
    records: dict[str, list[Record]] = {}
    for _, r in own:
        records.setdefault(r.item, []).append(r._replace(signature=verdicts.get(r.sha)))
    return build_timeline(states, records, {r.sha: index.intro[q] for q, r in own}, contents)


def change_on_branch(site: Site, files: dict[str, str], *, approvers: tuple[str, ...],
                     branch: str = "rilis/tata-kelola") -> None:
    site.switch(branch, create=True)
    for path, text in files.items():
        site.write(path, text)
    site.commit("ubah berkas tata kelola", site.cast["rina"])
    for path in files:
        for handle in approvers:
            person = site.cast[handle]
            site.record(person, path, 1 if handle == "yuli" else 2, person.roles[0])
    site.merge(branch, site.cast["wahyu"])


def test_a_theme_change_signed_off_by_every_signatory_takes_effect(site: Site) -> None:
    site.write(THEME, "<html>lama</html>\n")
    site.commit("templat pertama", site.cast["eve"])  # after the root: not trusted yet
    assert THEME not in main_timeline(site).at(10**6).blobs
    change_on_branch(site, {THEME: "<html>baru</html>\n"}, approvers=("yuli", "wahyu"))
    timeline = main_timeline(site)
    assert timeline.ok and timeline.at(10**6).blobs[THEME] == site.git("rev-parse", f"HEAD:{THEME}")


@pytest.mark.parametrize("approvers", [("wahyu",), ("dwi", "hendro"), ("eve", "rina")])
def test_a_theme_change_without_every_signatory_does_not_take_effect(site: Site,
                                                                     approvers: tuple[str, ...]) -> None:
    change_on_branch(site, {THEME: "<html>{{ ENV }}</html>\n"}, approvers=approvers)
    timeline = main_timeline(site)
    assert THEME not in timeline.at(10**6).blobs
    assert any(p.startswith(THEME) and "rule 8" in p for p in timeline.problems())


def test_a_new_logo_path_needs_approval_of_the_file_as_well_as_of_warta_yml(site: Site) -> None:
    change_on_branch(site, {"warta.yml": LOGO_YML % "gambar/lama.svg", "gambar/lama.svg": "<svg/>\n"},
                     approvers=("yuli", "wahyu"))
    timeline = main_timeline(site)
    assert timeline.ok and "gambar/lama.svg" in timeline.at(10**6).blobs  # named, hence governed
    site.write("gambar/baru.svg", "<svg><text>baru</text></svg>\n")
    site.commit("logo baru", site.cast["eve"])  # named by no trusted warta.yml: not governed yet
    assert main_timeline(site).ok
    # warta.yml now names it: approving warta.yml alone does not bring the new logo in
    change_on_branch(site, {"warta.yml": LOGO_YML % "gambar/baru.svg"}, approvers=("yuli", "wahyu"),
                     branch="rilis/logo-baru")
    timeline = main_timeline(site)
    trusted = timeline.at(10**6)
    assert trusted.config is not None and trusted.config.site.logo == "gambar/lama.svg"
    assert [p.split(":")[0] for p in timeline.problems()] == ["gambar/baru.svg"]
    site.record(site.cast["yuli"], "gambar/baru.svg", 1, "ketua_ppid")
    site.record(site.cast["wahyu"], "gambar/baru.svg", 2, "kepala_dinas")
    trusted = main_timeline(site).at(10**6)
    assert trusted.config is not None and trusted.config.site.logo == "gambar/baru.svg"
    assert "gambar/baru.svg" in trusted.blobs and "gambar/lama.svg" not in trusted.blobs
