"""Helpers of the forge tests: sites whose warta.yml names a forge stand-in (tests/forges/servers.py), with
the test office's people given numeric forge ids in people.yaml, a CI-free environment (no GITHUB_* or CI_*
variables), and the command line run in this process with the token. (Not in conftest.py: conftest
modules are not imported by name.)"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from approvals_helpers import WARTA_YML, Person, Site, make_site, people_yaml
from identity_helpers import pipeline_block
from servers import TOKEN

from pipeline.cli import main

# numeric ids on the forge, and logins (display only)
IDS = {"rina": 101, "eve": 102, "dwi": 201, "ani": 202, "hendro": 301, "wahyu": 401, "yuli": 501}
CI_VARIABLES = ("GITHUB_API_URL", "GITHUB_REPOSITORY", "GITHUB_EVENT_PATH", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY",
                "GITHUB_SERVER_URL", "GITHUB_RUN_ID", "GITEA_API_URL", "GITEA_REPOSITORY", "CI_API_V4_URL",
                "CI_PROJECT_PATH", "CI_MERGE_REQUEST_IID", "CI_JOB_URL", "GITHUB_TOKEN", "GITEA_TOKEN", "GITLAB_TOKEN")


def user(handle: str) -> tuple[int, str]:
    return IDS[handle], f"{handle}-gh"


def people_with_ids(cast: dict[str, Person], *, field: str = "github_id", ids: dict[str, int] | None = None,
                    overrides: dict[str, tuple[str, ...]] | None = None, login_only: tuple[str, ...] = ()) -> str:
    """people.yaml of the test office, each person with ``field: <id>`` (``login_only``: a ``github:``
    login and no id)."""
    text = people_yaml(cast, overrides=overrides)
    for handle, person in cast.items():
        if handle == "stranger_key":
            continue
        line = f"    email: {person.email}\n"
        if handle in login_only:
            text = text.replace(line, f"{line}    github: {handle}-gh\n")
        elif handle in (ids or IDS):
            text = text.replace(line, f"{line}    {field}: {(ids or IDS)[handle]}\n")
    return text


def forge_yml(url: str, kind: str = "github", repository: str = "dinas/situs", token_env: str | None = None) -> str:
    extra = f"    token_env: {token_env}\n" if token_env else ""
    return (WARTA_YML % {"signatures": "true"}
            + f"  forge:\n    type: {kind}\n    url: {url}\n    repository: {repository}\n{extra}")


def forge_site(tmp_path: Path, cast: dict[str, Person], monkeypatch: pytest.MonkeyPatch, url: str, *,
               kind: str = "github", people: str | None = None, token_env: str = "GITHUB_TOKEN",
               extra: dict[str, str] | None = None) -> Site:
    files = {"warta.yml": forge_yml(url, kind, token_env=token_env if token_env != "GITHUB_TOKEN" else None),
             "sop/people.yaml": people or people_with_ids(cast, field=f"{'gitea' if kind == 'forgejo' else kind}_id"),
             **(extra or {})}
    site = make_site(tmp_path, cast, extra=files)
    (tmp_path / "home" / "isolated").write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "home" / "isolated"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in CI_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(token_env, TOKEN)
    return site


def publishing_office(tmp_path: Path, cast: dict[str, Person], monkeypatch: pytest.MonkeyPatch, warta_yml: str,
                      forge_url: str, identity_public: str, collaborator: Callable[[tuple[int, str]], None]) -> Site:
    """A site ``warta publish`` runs on (``warta_yml``: the publish tests' configuration, with or without a
    register branch) naming the GitHub stand-in at ``forge_url``, its people with their GitHub ids and the
    publishing identity's public key; every official a collaborator on the forge."""
    warta = warta_yml.replace("  main_branch: main\n", f"  main_branch: main\n  forge:\n    type: github\n"
                                                      f"    url: {forge_url}\n    repository: dinas/situs\n")
    assert warta != warta_yml
    people = people_with_ids(cast) + pipeline_block(identity_public)
    site = make_site(tmp_path, cast, extra={"warta.yml": warta, "sop/people.yaml": people})
    (tmp_path / "home" / "isolated").write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "home" / "isolated"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in CI_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for handle in IDS:
        collaborator(user(handle))
    return site


def run_cli(site: Site, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The command line in this process (like ``Site.cli``), with the token and CI variables of the test's
    environment (``Site.cli`` starts from an empty one) plus ``env``."""
    keep = {k: v for k, v in os.environ.items() if k.endswith("_TOKEN") or k in CI_VARIABLES}
    out, err = io.StringIO(), io.StringIO()
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    fresh = {**site.env(), **keep, **(env or {})}
    os.environ.clear()
    os.environ.update(fresh)
    try:
        os.chdir(site.root)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse
                code = int(exc.code or 0)
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return subprocess.CompletedProcess(["warta", *args], code, out.getvalue(), err.getvalue())
