"""CODEOWNERS gives every governed and CI path to the SOPs' signatories, by their forge logins."""

from __future__ import annotations

from pathlib import Path

from workflow_helpers import make_site

# The example SOPs are signed by kepala_dinas (Wahyu Hidayat), atasan_ppid (also Wahyu) and kepala_bagian
# (Nur Hidayati); Rina Lestari is an operator and signs nothing.
LOGINS = {
    "wahyu.hidayat@example.go.id": {"github": "wahyu-kadin"},
    "nur.hidayati@example.go.id": {"github": "nur-kabag"},
    "rina.lestari@example.go.id": {"github": "rina-operator"},
}


def owners(text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            pattern, *names = line.split()
            out[pattern] = names
    return out


def test_the_signatories_own_the_governed_and_ci_paths(tmp_path: Path) -> None:
    root, ci = make_site(tmp_path / "situs", "github-pages", people=LOGINS)
    table = owners((root / ".github" / "CODEOWNERS").read_text())
    for path in ("/warta.yml", "/sop/", "/theme/", "/.github/", "/.gitea/", "/.gitlab-ci.yml", "requirements*.txt",
                 "requirements/", "Makefile", "*.py", "pyproject.toml", "/klasifikasi/", "/scripts/"):
        assert table.get(path) == ["@wahyu-kadin", "@nur-kabag"], path
    assert all("@rina-operator" not in names for names in table.values())
    assert not [p for p in table if p.startswith(("/content", "/arsip"))]  # items are approved per item
    assert not [n for n in ci.notes if "CODEOWNERS" in n]


def test_each_forge_reads_its_own_login_field_and_says_who_has_none(tmp_path: Path) -> None:
    """GitHub logins are not GitLab logins: with only `github:` given, GitLab's file names nobody."""
    root, ci = make_site(tmp_path / "situs", "gitlab", people=LOGINS)
    assert owners((root / ".gitlab" / "CODEOWNERS").read_text()) == {}
    note = next(n for n in ci.notes if "CODEOWNERS" in n)
    assert "kepala_dinas" in note and "kepala_bagian" in note and "no Gitlab logins" in note


def test_without_any_login_the_owner_lines_are_left_commented_and_the_office_is_told(tmp_path: Path) -> None:
    root, ci = make_site(tmp_path / "situs", "github-pages")
    text = (root / ".github" / "CODEOWNERS").read_text()
    assert owners(text) == {}
    assert "# /sop/" in text
    assert any("no code owner yet" in n for n in ci.notes)
