"""The workflows `warta init` writes, run step by step (tests/workflows/harness.py) in a real site repository
made by `warta init`, with a local bare repository as the forge's git and a local HTTP stand-in for its API."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from forge_sites import protect_origin
from forge_standin import Forge, serve
from harness import Runner, StepResult, event_file, run_gitlab_job
from workflow_helpers import AUTHOR, git, load

from pipeline.init import CiOptions, first_commit, init_site
from pipeline.workflows.writer import Forge as Forge_

REPOSITORY = "dpmk-bantul/situs"
PR = 7


def forge_config(url: str) -> str:
    return (f"  forge:\n    type: github\n    url: {url}\n    repository: {REPOSITORY}\n"
            "    token_env: GITHUB_TOKEN\n")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    (folder / ".gitconfig").write_text("[user]\n\tname = Operator Uji\n\temail = rina.lestari@example.go.id\n"
                                       "[init]\n\tdefaultBranch = main\n")
    monkeypatch.setenv("HOME", str(folder))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(folder / ".gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    return folder


def office(tmp_path: Path, *, forge_url: str | None = None, forge: Forge_ = "github") -> tuple[Path, Path]:
    """The example site (with GitHub Pages on GitHub), made by `warta init`, and its origin (a bare repository)."""
    site = tmp_path / "kantor"
    init_site(site, example=True, commit=False, ci=CiOptions(forge=forge, pages=forge == "github"), author=AUTHOR)
    if forge_url is not None:
        config = site / "warta.yml"
        config.write_text(config.read_text().replace("\napprovals:\n", "\napprovals:\n" + forge_config(forge_url)))
    first_commit(site, example=True, author=AUTHOR)
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(site), str(origin)], check=True)
    git(site, "remote", "add", "origin", str(origin))
    git(site, "fetch", "-q", "origin")
    git(site, "branch", "-q", "--set-upstream-to", "origin/main", "main")
    return site, origin


def pull_request(site: Path, *, broken: bool = False) -> str:
    """A new release on a branch (``broken``: without its title), pushed as refs/pull/7/head; its commit."""
    git(site, "switch", "-q", "-c", "rilis-baru")
    source = next((site / "content" / "siaran-pers").rglob("*.md"))
    new = source.with_name("rilis-baru-uji.md")
    text = source.read_text().replace("title: ", "judul_salah: " if broken else "title: Uji ", 1)
    new.write_text(text, encoding="utf-8")
    git(site, "add", "-A")
    git(site, "commit", "-q", "--no-gpg-sign", "-m", "Rilis baru untuk diuji")
    head = git(site, "rev-parse", "HEAD").strip()
    git(site, "push", "-q", "origin", f"HEAD:refs/pull/{PR}/head")
    git(site, "update-ref", "refs/warta/decisions", head)  # something on refs/warta/* for the fetch step
    git(site, "push", "-q", "origin", "refs/warta/decisions")
    return head


def pr_runner(tmp_path: Path, home: Path, origin: Path, head: str, forge: Forge, skip_forge: bool) -> Runner:
    event = event_file(tmp_path, {"pull_request": {"number": PR, "head": {"sha": head}, "base": {"ref": "main"}}})
    runner = Runner(origin=origin, home=home, context={
        "github.token": "token-uji", "github.event.pull_request.number": str(PR), "github.sha": head,
        "github.ref": f"refs/pull/{PR}/merge"})
    runner.env = {"GITHUB_API_URL": forge.url, "GITHUB_SERVER_URL": forge.url, "GITHUB_REPOSITORY": REPOSITORY,
                  "GITHUB_EVENT_PATH": str(event), "GITHUB_EVENT_NAME": "pull_request", "GITHUB_SHA": head,
                  "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}
    if skip_forge:  # the site names no forge (approvals.forge): only the content check is under test
        runner.skip_run = lambda c: "this site names no forge" if "--pr" in c else None
    return runner


def by_name(results: list[StepResult]) -> dict[str, StepResult]:
    return {r.name: r for r in results}


@pytest.mark.parametrize("forge_type", ["github", "gitea", "forgejo"])
def test_the_pull_request_job_checks_out_fetches_the_decisions_and_checks(tmp_path: Path, home: Path,
                                                                          forge_type: Forge_) -> None:
    site, origin = office(tmp_path, forge=forge_type)
    head = pull_request(site)
    folder = {"github": ".github", "gitea": ".gitea", "forgejo": ".forgejo"}[forge_type]
    with serve(Forge(REPOSITORY)) as forge:
        runner = pr_runner(tmp_path, home, origin, head, forge, skip_forge=True)
        workspace = tmp_path / "runner-pr"
        results = by_name(runner.run_job(load(site / folder / "workflows/warta-pr.yml"), "approvals", workspace))
    fetched = results["Fetch the decisions and the register (refs/warta/*)"]
    assert fetched.returncode == 0, fetched.output
    assert git(workspace, "rev-parse", "refs/warta/decisions").strip() == head
    assert git(workspace, "rev-parse", "HEAD").strip() == head
    checked = results["Check the content"]
    assert checked.returncode == 0, checked.output
    verify = next(name for name in results if name.startswith("Verify the chain and report it"))
    for name in ("Approval status", verify):
        assert results[name].output != "skipped", name  # reached (run, or left to the forge test below)


def test_the_report_steps_run_even_when_the_check_fails(tmp_path: Path, home: Path) -> None:
    site, origin = office(tmp_path)
    head = pull_request(site, broken=True)
    with serve(Forge(REPOSITORY)) as forge:
        runner = pr_runner(tmp_path, home, origin, head, forge, skip_forge=True)
        results = by_name(runner.run_job(load(site / ".github/workflows/warta-pr.yml"), "approvals",
                                         tmp_path / "runner-pr"))
    assert results["Check the content"].returncode == 1, results["Check the content"].output
    assert "rilis-baru-uji.md" in results["Check the content"].output
    assert results["Approval status"].output != "skipped"  # `if: !cancelled()`


def test_the_pull_request_job_posts_warta_approvals_for_the_head_commit(tmp_path: Path, home: Path) -> None:
    with serve(Forge(REPOSITORY)) as forge:
        site, origin = office(tmp_path, forge_url=forge.url)
        head = pull_request(site)
        base = git(site, "rev-parse", "main").strip()
        forge.pulls[PR] = {"number": PR, "state": "open", "head": {"sha": head, "ref": "rilis-baru"},
                           "base": {"ref": "main", "sha": base}, "user": {"id": 5001, "login": "rina-operator"}}
        runner = pr_runner(tmp_path, home, origin, head, forge, skip_forge=False)
        results = by_name(runner.run_job(load(site / ".github/workflows/warta-pr.yml"), "approvals",
                                         tmp_path / "runner-pr"))
    verify = results["Verify the chain and report it (status warta/approvals, annotations, summary)"]
    assert verify.returncode == 1, verify.output  # nobody has approved the new release
    posted = [(sha, s) for sha, s in forge.statuses if s.get("context") == "warta/approvals"]
    assert posted and all(sha == head for sha, _ in posted)
    assert posted[-1][1]["state"] in ("failure", "pending")
    assert all(auth.endswith("token-uji") for _, _, auth in forge.requests)
    assert (tmp_path / "summary.md").read_text().strip()


def test_the_publish_workflow_publishes_then_pages_then_announces(tmp_path: Path, home: Path) -> None:
    site, origin = office(tmp_path)
    protect_origin(origin, "warta-arsip")  # main takes no push at all here; the register branch fast-forwards
    before = git(origin, "rev-parse", "main").strip()
    workflow = load(site / ".github/workflows/warta-publish.yml")
    runner = Runner(origin=origin, home=home, context={
        "github.ref": "refs/heads/main", "github.run_id": "42", "github.sha": before, "github.token": "token-uji"})
    results: dict[str, list[StepResult]] = {}
    for job in ("publish", "deploy", "announce", "report"):  # in the order of their `needs`
        results[job] = runner.run_job(workflow, job, tmp_path / f"runner-{job}")
        failed = [r for r in results[job] if r.returncode not in (0, None)]
        assert not failed, f"{job}: {failed[0].name}\n{failed[0].output}"
    assert runner.jobs_run == ["publish", "deploy", "announce"]  # nothing held back: no report
    assert workflow["jobs"]["announce"]["needs"] == ["publish", "deploy"]
    # records went to the origin's register branch (warta init writes archive.register_branch: warta-arsip)
    # with the push the workflow's deploy key allows; main is untouched
    assert git(origin, "rev-parse", "main").strip() == before
    assert "arsip/" in git(origin, "log", "--name-only", "--format=", "warta-arsip")
    # the Pages artifact is the built site; deploy-pages put it live
    assert runner.live is not None
    assert (runner.live / "index.html").is_file() and (runner.live / ".nojekyll").is_file()
    title = "Pemkab Bantul Salurkan Bantuan Keuangan Khusus"
    assert any(title in p.read_text(encoding="utf-8") for p in runner.live.rglob("index.html"))
    announce = {r.name: r for r in results["announce"]}["Announce on the channels (the site is live)"]
    assert announce.returncode == 0, announce.output
    shutil.rmtree(tmp_path / "runner-publish")


def test_gitlab_ci_checks_merge_requests_and_publishes_main(tmp_path: Path, home: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    site, origin = office(tmp_path, forge="gitlab")
    protect_origin(origin, "warta-arsip")
    doc = load(site / ".gitlab-ci.yml")
    head = pull_request(site)
    runner = Runner(origin=origin, home=home, context={})
    runner.skip_run = lambda c: "this site names no forge" if "--pr" in c else None
    mr = run_gitlab_job(runner, doc, "warta-approvals", tmp_path / "runner-mr", head,
                        {"CI_PIPELINE_SOURCE": "merge_request_event", "CI_MERGE_REQUEST_IID": str(PR)})
    assert mr.returncode == 0, mr.output  # warta check passed; the --pr lines need a forge
    assert "stand-in: this site names no forge: warta verify --pr" in mr.output
    assert git(tmp_path / "runner-mr", "rev-parse", "refs/warta/decisions").strip() == head

    before = git(origin, "rev-parse", "main").strip()
    # the push URL is the forge's ssh address; here the origin is a local repository, which stays
    runner.skip_run = lambda c: "stand-in: local origin" if "set-url --push" in c else None
    published = run_gitlab_job(runner, doc, "warta-publish", tmp_path / "runner-main", before, {
        "CI_COMMIT_SHA": before, "CI_COMMIT_BRANCH": "main", "WARTA_DEPLOY_KEY": "", "WARTA_SSH_KNOWN_HOSTS": ""})
    assert published.returncode == 0, published.output
    assert git(origin, "rev-parse", "main").strip() == before  # the register went to warta-arsip, not main
    assert "arsip/" in git(origin, "log", "--name-only", "--format=", "warta-arsip")

    # a release merged without approval is held back; announce still runs, then the job fails with exit 1
    git(site, "fetch", "-q", "origin")
    git(site, "switch", "-q", "main")
    git(site, "reset", "-q", "--hard", "origin/main")
    git(site, "merge", "-q", "--no-ff", "--no-gpg-sign", "-m", "Merge rilis-baru", "rilis-baru")
    monkeypatch.setenv("WARTA_HARNESS_MERGE", "1")  # the merge request's merge, by the forge
    git(site, "push", "-q", "origin", "main")
    monkeypatch.delenv("WARTA_HARNESS_MERGE")
    held = run_gitlab_job(runner, doc, "warta-publish", tmp_path / "runner-main-2", git(site, "rev-parse", "main").strip(), {
        "CI_COMMIT_BRANCH": "main", "WARTA_DEPLOY_KEY": "", "WARTA_SSH_KNOWN_HOSTS": "",
        "CI_COMMIT_SHA": git(site, "rev-parse", "main").strip()})
    assert held.returncode == 1 and "warta publish exited 1; see above" in held.output, held.output


def test_a_release_held_back_never_holds_back_the_site_and_the_run_says_so(tmp_path: Path, home: Path) -> None:
    site, origin = office(tmp_path)
    pull_request(site)  # a release merged into main without any approval (rule 9: held, rule 13: alone)
    git(site, "switch", "-q", "main")
    git(site, "merge", "-q", "--no-ff", "--no-gpg-sign", "-m", "Merge rilis-baru", "rilis-baru")
    git(site, "push", "-q", "origin", "main")
    workflow = load(site / ".github/workflows/warta-publish.yml")
    runner = Runner(origin=origin, home=home, context={"github.ref": "refs/heads/main", "github.run_id": "43",
                                                       "github.sha": git(site, "rev-parse", "main").strip(),
                                                       "github.token": "token-uji"})
    results = {job: runner.run_job(workflow, job, tmp_path / f"runner-{job}")
               for job in ("publish", "deploy", "announce", "report")}
    published = next(r for r in results["publish"] if r.name.startswith("Publish"))
    assert published.returncode == 0 and "held back" in published.output, published.output
    assert runner.context["needs.publish.outputs.status"] == "1"
    assert runner.jobs_run == ["publish", "deploy", "announce", "report"]
    assert runner.live is not None and (runner.live / "index.html").is_file()  # the rest went live
    assert not any("rilis-baru-uji" in p.as_posix() for p in runner.live.rglob("*"))
    report = results["report"][0]
    assert report.returncode == 1 and "::error::warta publish exited 1" in report.output


def test_gitlab_reports_on_the_merge_request_also_when_the_check_fails(tmp_path: Path, home: Path) -> None:
    site, origin = office(tmp_path, forge="gitlab")
    head = pull_request(site, broken=True)
    runner = Runner(origin=origin, home=home, context={})
    runner.skip_run = lambda c: "this site names no forge" if "--pr" in c else None
    mr = run_gitlab_job(runner, load(site / ".gitlab-ci.yml"), "warta-approvals", tmp_path / "runner-mr", head,
                        {"CI_PIPELINE_SOURCE": "merge_request_event", "CI_MERGE_REQUEST_IID": str(PR)})
    assert mr.returncode == 1 and "rilis-baru-uji.md" in mr.output
    assert "stand-in: this site names no forge: warta verify --pr" in mr.output  # reached after the failed check
