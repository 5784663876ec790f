"""actionlint and zizmor (offline) pass on every workflow `warta init` writes and on the project's own;
and they do catch the mistakes they are here for."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from workflow_helpers import PROJECT, VARIANTS, make_site, tool, workflow_files

from pipeline.init import CiOptions, write_ci

CHANNELS = ("  telegram:\n    type: telegram\n    token_env: WARTA_TELEGRAM_TOKEN\n    url: https://api.telegram.org\n"
            "    chat_id: '@dinasuji'\n")


def actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool("actionlint"), "-no-color", *map(str, files)], capture_output=True, text=True,
                          timeout=120)


def zizmor(*files: Path) -> subprocess.CompletedProcess[str]:
    # --persona auditor reports every finding, also those of low confidence; nothing is allowed
    return subprocess.run([tool("zizmor"), "--offline", "--no-progress", "--persona", "auditor", *map(str, files)],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("variant", [v for v in VARIANTS if VARIANTS[v][0] != "gitlab"])
def test_every_workflow_warta_writes_passes_actionlint_and_zizmor(tmp_path: Path, variant: str) -> None:
    root, _ = make_site(tmp_path / "situs", variant, channels=CHANNELS)
    files = workflow_files(root)
    assert files, f"{variant}: no workflow written"
    linted = actionlint(*files)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    audited = zizmor(*files)
    assert audited.returncode == 0, audited.stdout + audited.stderr
    assert "No findings to report" in audited.stdout


def test_the_projects_own_workflows_pass_actionlint_and_zizmor() -> None:
    files = sorted((PROJECT / ".github" / "workflows").glob("*.yml"))
    assert {p.name for p in files} == {"test.yml", "release.yml"}
    linted = actionlint(*files)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    audited = zizmor(*files)
    assert audited.returncode == 0, audited.stdout + audited.stderr


def test_the_linters_refuse_what_warta_must_never_write(tmp_path: Path) -> None:
    """The checks can fail: a pull_request_target job that checks out the pull request's code with a
    secret around, an unpinned action and an injected title are all reported."""
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text("""\
name: bad
on: pull_request_target
jobs:
  x:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: echo "${{ github.event.pull_request.title }}"
        env:
          KEY: ${{ secrets.WARTA_SIGNING_KEY }}
""", encoding="utf-8")
    audited = zizmor(bad)
    assert audited.returncode != 0
    for audit in ("dangerous-triggers", "unpinned-uses", "template-injection", "excessive-permissions"):
        assert audit in audited.stdout, audit
    typo = tmp_path / ".github" / "workflows" / "typo.yml"
    typo.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ${{ github.evnt.x }}\n",
                    encoding="utf-8")
    assert actionlint(typo).returncode != 0


@pytest.mark.parametrize("pages", [True, False])
def test_the_publish_workflow_of_a_site_with_its_register_on_main_passes_too(tmp_path: Path, pages: bool) -> None:
    """`warta init` writes archive.register_branch; a site that keeps its register on main (no such setting)
    gets the same publish workflow without the register branch's fetch, and it passes both linters."""
    root, _ = make_site(tmp_path / "situs", "github-pages" if pages else "github-local", channels=CHANNELS)
    config = root / "warta.yml"
    text = config.read_text(encoding="utf-8")
    assert "  register_branch: warta-arsip\n" in text
    config.write_text(text.replace("  register_branch: warta-arsip\n", ""), encoding="utf-8")
    write_ci(root, CiOptions(forge="github"))  # warta.yml already names the deploy target
    publish = root / ".github" / "workflows" / "warta-publish.yml"
    assert "warta-arsip" not in publish.read_text(encoding="utf-8")
    linted = actionlint(publish)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    audited = zizmor(publish)
    assert audited.returncode == 0 and "No findings to report" in audited.stdout, audited.stdout + audited.stderr


def test_the_publish_workflow_fetches_the_register_branch_in_both_jobs(tmp_path: Path) -> None:
    root, _ = make_site(tmp_path / "situs", "github-pages")
    text = (root / ".github" / "workflows" / "warta-publish.yml").read_text(encoding="utf-8")
    assert text.count("'+refs/heads/warta-arsip:refs/heads/warta-arsip'") == 2  # publish and announce
    assert "git push" not in text  # warta publish pushes, and only the register branch (docs/ci.md)
