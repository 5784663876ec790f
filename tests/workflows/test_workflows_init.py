"""`warta init` fills in the CI settings of warta.yml: `--pages` and `--repository` (approvals.forge)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from cli_helpers import run_warta

from pipeline.config import load_config


def test_repository_names_the_forge_whose_reviews_count_and_the_site_checks(tmp_path: Path) -> None:
    site = tmp_path / "situs"
    made = run_warta("init", str(site), "--pages", "--repository", "dpmk-bantul/situs")
    assert made.returncode == 0, made.stderr
    config = load_config(site)
    assert config.approvals.forge is not None
    assert (config.approvals.forge.type, config.approvals.forge.repository) == ("github", "dpmk-bantul/situs")
    assert config.deploy.target == "pages"
    assert "# the forge whose pull-request reviews count" in (site / "warta.yml").read_text()
    assert "deploy.target is 'local'" not in made.stderr
    assert "https://dpmk-bantul.github.io/situs/" in made.stderr  # where to point site.url
    assert run_warta("-C", str(site), "check").returncode == 0
    tracked = subprocess.run(["git", "ls-files"], cwd=site, capture_output=True, text=True).stdout.split()
    assert "warta.yml" in tracked and ".github/workflows/warta-publish.yml" in tracked


def test_gitlab_gets_its_api_base_and_the_workflow_its_token_variable(tmp_path: Path) -> None:
    site = tmp_path / "situs"
    made = run_warta("init", str(site), "--forge", "gitlab", "--repository", "pemkab/dpmk/situs", "--forge-url",
                     "https://gitlab.example.go.id/api/v4")
    assert made.returncode == 0, made.stderr
    forge = load_config(site).approvals.forge
    assert forge is not None and forge.api_url == "https://gitlab.example.go.id/api/v4"
    assert "GITLAB_TOKEN" in (site / ".gitlab-ci.yml").read_text()


def test_a_forge_without_its_api_base_or_a_bad_repository_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    site = tmp_path / "situs"
    refused = run_warta("init", str(site), "--forge", "gitea", "--repository", "dinas/situs")
    assert refused.returncode == 2 and "--forge-url" in refused.stderr
    assert not site.exists()
    bad = run_warta("init", str(site), "--repository", "bukan nama repo")
    assert bad.returncode == 2 and "warta.yml" in bad.stderr and "repository" in bad.stderr
    assert "Traceback" not in bad.stderr and not site.exists()


def test_pages_and_private_free_only_where_they_mean_something(tmp_path: Path) -> None:
    for args in (["--forge", "gitea", "--pages"], ["--pages", "--private-free"], ["--forge", "gitlab", "--private-free"]):
        refused = run_warta("init", str(tmp_path / "situs"), *args)
        assert refused.returncode == 2, (args, refused.stderr)
        assert not (tmp_path / "situs").exists()
