"""The security rules of the site workflows (issue 14, point 6), read from what `warta init` writes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from workflow_helpers import SHA_PIN, VARIANTS, load, make_site, triggers, uses_lines, workflow_files

from pipeline.init import CiOptions, write_ci
from pipeline.workflows.pins import PINS

SECRET = re.compile(r"\$\{\{\s*secrets\.([A-Z0-9_]+)\s*\}\}")
CHANNELS = ("  mastodon:\n    type: mastodon\n    url: https://kabar.example\n    token_env: WARTA_MASTODON_TOKEN\n"
            "  lama:\n    type: telegram\n    enabled: false\n    token_env: WARTA_LAMA_TOKEN\n")


def github(tmp_path: Path, variant: str, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any], str, str]:
    root, _ = make_site(tmp_path / "situs", variant, **kwargs)
    pr = root / ".github" / "workflows" / "warta-pr.yml"
    publish = root / ".github" / "workflows" / "warta-publish.yml"
    return load(pr), load(publish), pr.read_text(), publish.read_text()


@pytest.mark.parametrize("variant", [v for v in VARIANTS if v != "gitlab"])
def test_no_workflow_runs_on_a_trigger_that_hands_secrets_to_other_code(tmp_path: Path, variant: str) -> None:
    root, _ = make_site(tmp_path / "situs", variant)
    for path in workflow_files(root):
        on = triggers(load(path))
        assert not {"pull_request_target", "workflow_run", "release", "create"} & set(on), path.name
        push = on.get("push") or {}
        assert "tags" not in push and "tags-ignore" not in push, path.name
        for event in ("push", "pull_request"):
            if on.get(event):
                assert on[event]["branches"] == ["main"], (path.name, event)


@pytest.mark.parametrize("variant", [v for v in VARIANTS if v != "gitlab"])
def test_every_action_is_pinned_by_the_commit_of_a_release_tag(tmp_path: Path, variant: str) -> None:
    root, _ = make_site(tmp_path / "situs", variant)
    for path in workflow_files(root):
        for uses in uses_lines(path.read_text()):
            pinned = SHA_PIN.match(uses)
            assert pinned, f"{path.name}: {uses} is not pinned as owner/name@<40 hex> # vX.Y.Z"
            pin = PINS[pinned["action"].split("/")[1]]
            assert (pinned["sha"], pinned["tag"]) == (pin.sha, pin.tag)


def test_permissions_are_empty_at_the_top_and_least_per_job(tmp_path: Path) -> None:
    pr, publish, _, _ = github(tmp_path, "github-pages")
    assert pr["permissions"] == {} and publish["permissions"] == {}
    assert pr["jobs"]["approvals"]["permissions"] == {"contents": "read", "pull-requests": "read", "statuses": "write"}
    jobs = publish["jobs"]
    # pushes use the deploy key, not the token; the token reads the reviews of merged pull requests
    assert jobs["publish"]["permissions"] == {"contents": "read", "pull-requests": "read"}
    assert jobs["announce"]["permissions"] == {"contents": "read"}
    assert jobs["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}


def test_the_pull_request_job_is_the_required_check_and_holds_no_secret(tmp_path: Path) -> None:
    pr, _, pr_text, _ = github(tmp_path, "github-pages")
    job = pr["jobs"]["approvals"]
    assert job["name"] == "warta/approvals"
    assert "environment" not in job
    assert SECRET.findall(pr_text) == []
    runs = [step.get("run", "") for step in job["steps"]]
    assert "warta check" in runs
    assert 'warta status --pr "$WARTA_PR"' in runs
    assert 'warta verify --pr "$WARTA_PR" --report' in runs
    assert any("+refs/warta/*:refs/warta/*" in run for run in runs)
    assert set(triggers(pr)) == {"pull_request", "pull_request_review"}
    assert job["steps"][0]["with"]["persist-credentials"] is False


def test_secrets_are_read_only_in_jobs_of_the_main_environment(tmp_path: Path) -> None:
    _, publish, _, text = github(tmp_path, "github-s3", channels=CHANNELS)
    seen: set[str] = set()
    for name, job in publish["jobs"].items():
        used = set(SECRET.findall(yaml.safe_dump(job)))
        seen |= used
        if used:
            assert job.get("environment") == "main", name
            assert job["if"] == "github.ref == 'refs/heads/main'", name
    assert seen == {"WARTA_DEPLOY_KEY", "WARTA_SIGNING_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                    "AWS_REGION", "WARTA_MASTODON_TOKEN"}  # a disabled channel's token is not passed
    publish_step = next(s for s in publish["jobs"]["publish"]["steps"] if s.get("id") == "publish")
    assert "warta publish || status=$?" in publish_step["run"]
    assert set(publish_step["env"]) == {"WARTA_SIGNING_KEY", "GITHUB_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                        "AWS_REGION"}
    announce_step = next(s for s in publish["jobs"]["announce"]["steps"] if s.get("run") == "warta announce")
    # the posting ledger is signed by the publishing identity (docs/channels.md)
    assert set(announce_step["env"]) == {"WARTA_SIGNING_KEY", "WARTA_MASTODON_TOKEN"}


def test_a_publish_is_never_cancelled_and_runs_on_push_schedule_and_by_hand(tmp_path: Path) -> None:
    _, publish, _, _ = github(tmp_path, "github-pages")
    assert publish["concurrency"] == {"group": "warta-publish", "cancel-in-progress": False}
    on = triggers(publish)
    assert set(on) == {"push", "schedule", "workflow_dispatch"}
    assert on["schedule"][0]["cron"]


def test_with_pages_nothing_is_announced_before_the_site_is_live(tmp_path: Path) -> None:
    _, publish, _, _ = github(tmp_path, "github-pages")
    jobs = publish["jobs"]
    steps = [s.get("id") or s.get("uses", s.get("run", "")).split("@")[0] for s in jobs["publish"]["steps"]]
    assert steps.index("publish") < steps.index("actions/upload-pages-artifact")
    assert [s["uses"].split("@")[0] for s in jobs["deploy"]["steps"]] == ["actions/deploy-pages"]
    assert jobs["deploy"]["needs"] == "publish"
    assert jobs["deploy"]["if"] == "needs.publish.outputs.built == 'true'"  # only a site this run built
    assert jobs["announce"]["needs"] == ["publish", "deploy"]
    assert jobs["report"]["needs"] == ["publish", "deploy", "announce"]  # a held item is reported last
    assert jobs["report"]["permissions"] == {} and "environment" not in jobs["report"]
    outbox = next(s for s in jobs["announce"]["steps"] if s.get("uses", "").startswith("actions/upload-artifact"))
    assert outbox["with"]["path"] == "_outbox/"


def test_without_pages_announce_waits_for_the_publish_job_that_deploys(tmp_path: Path) -> None:
    _, publish, _, _ = github(tmp_path, "github-rsync")
    assert set(publish["jobs"]) == {"publish", "announce", "report"}
    assert publish["jobs"]["announce"]["needs"] == "publish"
    step = next(s for s in publish["jobs"]["publish"]["steps"] if s.get("id") == "publish")
    assert set(step["env"]) == {"WARTA_SIGNING_KEY", "GITHUB_TOKEN", "WARTA_DEPLOY_SSH_KEY", "WARTA_DEPLOY_SSH_KNOWN_HOSTS"}


@pytest.mark.parametrize("variant", ["github-private-free", "gitea", "forgejo"])
def test_where_secrets_cannot_be_kept_to_main_no_workflow_uses_one(tmp_path: Path, variant: str) -> None:
    root, ci = make_site(tmp_path / "situs", variant)
    files = workflow_files(root)
    assert [p.name for p in files] == ["warta-pr.yml"]
    for path in files:
        assert SECRET.findall(path.read_text()) == []
    why = " ".join(ci.notes)
    assert ("environment" in why) and "only the pull-request check" in why


def test_the_pull_request_workflow_installs_only_the_hashed_requirements(tmp_path: Path) -> None:
    for variant in ("github-pages", "gitea"):
        root, _ = make_site(tmp_path / variant, variant)
        for path in workflow_files(root):
            installs = [s["run"] for job in load(path)["jobs"].values() for s in job["steps"] if "pip" in s.get("run", "")]
            assert installs and all(run == "python -m pip install --require-hashes --no-deps -r requirements.txt"
                                    for run in installs), path


def test_gitlab_publishes_only_from_protected_main_and_never_cancels(tmp_path: Path) -> None:
    root, _ = make_site(tmp_path / "situs", "gitlab")
    doc = yaml.safe_load((root / ".gitlab-ci.yml").read_text())
    publish, check = doc["warta-publish"], doc["warta-approvals"]
    assert publish["interruptible"] is False and publish["resource_group"] == "warta-publish"
    assert publish["environment"]["name"] == "main"
    rule = publish["rules"][0]["if"]
    assert '$CI_COMMIT_BRANCH == "main"' in rule and '$CI_COMMIT_REF_PROTECTED == "true"' in rule
    assert "merge_request_event" not in rule
    assert check["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert not any("WARTA_SIGNING_KEY" in line or "WARTA_DEPLOY_KEY" in line for line in check["script"])
    assert 'warta verify --pr "$CI_MERGE_REQUEST_IID" --report' in check["script"]
    assert check["script"][0] == "warta check || check_status=$?" and check["script"][-1] == 'exit "${check_status:-0}"'


PROJECT_WORKFLOWS = Path(__file__).resolve().parents[2] / ".github" / "workflows"


def test_the_release_gets_an_id_token_only_in_its_publish_job_in_the_pypi_environment() -> None:
    release = load(PROJECT_WORKFLOWS / "release.yml")
    assert set(triggers(release)) == {"release"} and release["permissions"] == {}
    jobs = release["jobs"]
    assert jobs["build"]["permissions"] == {"contents": "read"} and "environment" not in jobs["build"]
    assert jobs["publish"]["permissions"] == {"id-token": "write"}
    assert jobs["publish"]["environment"]["name"] == "pypi" and jobs["publish"]["needs"] == "build"
    assert SECRET.findall((PROJECT_WORKFLOWS / "release.yml").read_text()) == []  # trusted publishing: no token
    installs = [s["run"] for s in jobs["build"]["steps"] if "pip install" in s.get("run", "")]
    assert installs == ["python -m pip install --require-hashes --no-deps -r .github/requirements/build.txt"]
    for uses in uses_lines((PROJECT_WORKFLOWS / "release.yml").read_text()):
        assert SHA_PIN.match(uses), uses


def test_the_build_tools_of_the_release_are_pinned_with_hashes() -> None:
    text = (PROJECT_WORKFLOWS.parent / "requirements" / "build.txt").read_text()
    entries = re.findall(r"^([a-z0-9-]+)==([^ ]+) \\\n    --hash=sha256:([0-9a-f]{64})$", text, re.MULTILINE)
    names = {name for name, _, _ in entries}
    assert {"build", "hatchling", "packaging", "pyproject-hooks"} <= names
    requirement_lines = [line for line in text.splitlines() if line and not line.startswith(("#", " "))]
    assert len(requirement_lines) == len(entries)  # every requirement has its hash


def test_the_projects_ci_runs_make_test_and_the_portability_test_on_macos_and_windows() -> None:
    test = load(PROJECT_WORKFLOWS / "test.yml")
    assert set(triggers(test)) == {"pull_request", "push"} and test["permissions"] == {}
    linux = test["jobs"]["linux"]
    assert [s.get("run") for s in linux["steps"]][-1] == "bash .ci/run"
    assert linux["strategy"]["matrix"]["python"] == ["3.11", "3.13"]
    portability = test["jobs"]["portability"]
    assert portability["strategy"]["matrix"]["os"] == ["macos-latest", "windows-latest"]
    assert portability["steps"][-1]["run"] == "python -m pytest tests/test_portability.py -q -p no:cacheprovider"


def test_the_workflows_pass_the_token_in_the_variable_warta_yml_names(tmp_path: Path) -> None:
    """approvals.forge.token_env is where the forge adapters read the token: the workflow must fill that one."""
    root, _ = make_site(tmp_path / "situs", "gitea")
    config = root / "warta.yml"
    config.write_text(config.read_text().replace(
        "\n  main_branch: main\n", "\n  main_branch: main\n  forge:\n    type: gitea\n    url: https://git.example.go.id/api/v1\n"
        "    repository: dinas/situs\n    token_env: WARTA_BOT_TOKEN\n"), encoding="utf-8")
    write_ci(root, CiOptions(forge="gitea"))
    steps = load(root / ".gitea" / "workflows" / "warta-pr.yml")["jobs"]["approvals"]["steps"]
    verify = next(s for s in steps if "warta verify" in s.get("run", ""))
    assert verify["env"] == {"WARTA_BOT_TOKEN": "${{ github.token }}"}
