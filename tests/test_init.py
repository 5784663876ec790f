"""`warta init`: a new site repository with a first commit on main, refusing a non-empty folder."""

from __future__ import annotations

import subprocess
from pathlib import Path

from cli_helpers import PROJECT, run_warta


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


def test_init_example_creates_a_checked_repository(tmp_path: Path) -> None:
    target = tmp_path / "situs"
    result = run_warta("init", str(target), "--example")
    assert result.returncode == 0, result.stderr
    assert git(target, "branch", "--show-current").strip() == "main"
    assert git(target, "rev-list", "--count", "HEAD").strip() == "1"
    tracked = set(git(target, "ls-files").split())
    assert {"warta.yml", "sop/people.yaml", "sop/pemutakhiran-website.yaml", ".gitignore",
            ".github/workflows/warta-pr.yml", ".github/workflows/warta-publish.yml", ".github/CODEOWNERS",
            "requirements.txt"} <= tracked
    example_files = {p.relative_to(PROJECT).as_posix() for p in (PROJECT / "content").rglob("*") if p.is_file()}
    assert example_files <= tracked
    assert git(target, "status", "--porcelain") == ""
    check = run_warta("-C", str(target), "check")
    assert check.returncode == 0, check.stdout + check.stderr


def test_init_without_example_has_no_content(tmp_path: Path) -> None:
    target = tmp_path / "kosong"
    assert run_warta("init", str(target)).returncode == 0
    tracked = git(target, "ls-files").split()
    assert not [p for p in tracked if p.startswith("content/") and p.endswith(".md")]
    # five seed SOPs, three for the internal documents (seed 004 A1, C1, C2) and people.yaml
    assert len([p for p in tracked if p.startswith("sop/") and p.endswith(".yaml")]) == 9
    check = run_warta("-C", str(target), "check")
    assert check.returncode == 0 and "0 files checked" in check.stderr


def test_init_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    target = tmp_path / "isi"
    target.mkdir()
    (target / "catatan.txt").write_text("jangan ditimpa")
    result = run_warta("init", str(target), "--example")
    assert result.returncode == 2
    assert "is not empty" in result.stderr
    assert sorted(p.name for p in target.iterdir()) == ["catatan.txt"]
    assert not (target / ".git").exists()


def test_init_puts_the_register_on_its_own_branch(tmp_path: Path) -> None:
    """docs/ci.md: a new site commits its register to warta-arsip, never to main (no bypass on main)."""
    import yaml

    target = tmp_path / "situs"
    assert run_warta("init", str(target)).returncode == 0
    config = yaml.safe_load((target / "warta.yml").read_text(encoding="utf-8"))
    assert config["archive"]["register_branch"] == "warta-arsip"
    assert config["approvals"].get("main_branch", "main") != "warta-arsip"
    workflow = (target / ".github" / "workflows" / "warta-publish.yml").read_text(encoding="utf-8")
    assert "refs/heads/warta-arsip:refs/heads/warta-arsip" in workflow
    assert git(target, "branch", "--list", "warta-arsip") == ""  # made by the first publish that numbers
