"""Run a workflow's jobs as a runner would: each `run:` step in bash (`bash -eo pipefail`, as GitHub's
runners do) with the environment the workflow, the job and the step set, expressions filled from a small
context; each `uses:` step by a local stand-in (checkout clones the local origin, upload-pages-artifact
tars the folder, deploy-pages unpacks it as the "live" site, upload-artifact keeps the folder).

The harness understands only what it is told: an expression or an action it does not know fails the
test, so a workflow cannot grow a step that no test ever ran.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workflow_helpers import BIN

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
INSTALL = "python -m pip install --require-hashes --no-deps -r requirements.txt"


@dataclass
class StepResult:
    name: str
    returncode: int | None  # None: not run (skipped by its `if`, or a stand-in)
    output: str = ""


@dataclass
class Runner:
    """One run of a workflow: the local origin, the context expressions read, what steps left behind."""

    origin: Path
    home: Path
    context: dict[str, str]
    secrets: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    artifacts: dict[str, Path] = field(default_factory=dict)
    live: Path | None = None
    jobs_run: list[str] = field(default_factory=list)
    skip_run: Callable[[str], str | None] = lambda command: None

    def value(self, expression: str) -> str:
        if expression.startswith("secrets."):
            return self.secrets.get(expression.removeprefix("secrets."), "")  # an unset secret is empty
        if expression == "!cancelled()":
            return "true"
        if expression == "steps.deployment.outputs.page_url":
            return "http://127.0.0.1/pages/"
        equal = re.fullmatch(r"([\w.]+) == '([^']*)'", expression)
        if equal:
            return "true" if self.value(equal[1]) == equal[2] else "false"
        assert expression in self.context, f"the harness does not know the expression {expression!r}"
        return self.context[expression]

    def fill(self, text: str) -> str:
        return EXPRESSION.sub(lambda m: self.value(m[1]), text)

    def condition(self, text: Any) -> bool:
        if text is None:
            return True
        inner = EXPRESSION.fullmatch(str(text).strip())
        return self.value(inner[1] if inner else str(text).strip()) == "true"

    def run_job(self, workflow: dict[str, Any], name: str, workspace: Path) -> list[StepResult]:
        job = workflow["jobs"][name]
        self.jobs_run.append(name)
        if not self.condition(job.get("if")):
            return []
        env = {**self.base_env(workspace), **self._filled(workflow.get("env")), **self._filled(job.get("env"))}
        results: list[StepResult] = []
        for step in job["steps"]:
            failed = any(r.returncode not in (0, None) for r in results)
            step_if = step.get("if")
            if (failed and step_if is None) or not self.condition(step_if):
                results.append(StepResult(step.get("name", ""), None, "skipped"))
                continue
            if "uses" in step:
                results.append(self.action(step, workspace))
            else:
                results.append(self.shell(step, {**env, **self._filled(step.get("env"))}, workspace))
        return results

    def _filled(self, values: dict[str, Any] | None) -> dict[str, str]:
        return {k: self.fill(str(v)) for k, v in (values or {}).items()}

    def base_env(self, workspace: Path) -> dict[str, str]:
        kept = ("LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT", "PYTHONPATH", "WARTA_LANG")
        keep = {k: v for k, v in os.environ.items() if k in kept}
        return {**keep, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "HOME": str(self.home),
                "GIT_CONFIG_GLOBAL": str(self.home / ".gitconfig"), "GIT_CONFIG_NOSYSTEM": "1",
                "GITHUB_WORKSPACE": str(workspace), "CI": "true", "GITHUB_ACTIONS": "true", **self.env}

    def shell(self, step: dict[str, Any], env: dict[str, str], workspace: Path) -> StepResult:
        command = self.fill(step["run"])
        name = step.get("name", command)
        if command.strip() == INSTALL:
            # warta is installed already (this test's own); the lock itself is tested in test_workflows_lock
            assert (workspace / "requirements.txt").is_file(), "the workflow installs from requirements.txt"
            return StepResult(name, None, "stand-in: warta of this test run")
        reason = self.skip_run(command)
        if reason:
            return StepResult(name, None, reason)
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", command], cwd=workspace,
                              env=env, capture_output=True, text=True, timeout=600)
        return StepResult(name, proc.returncode, proc.stdout + proc.stderr)

    def action(self, step: dict[str, Any], workspace: Path) -> StepResult:
        action = step["uses"].split("@")[0]
        with_ = self._filled(step.get("with"))
        name = step.get("name", action)
        if action == "actions/checkout":
            self.checkout(workspace, with_.get("ref") or self.context["github.sha"])
        elif action == "actions/upload-pages-artifact":
            folder = workspace / with_.get("path", "_site/")
            assert (folder / "index.html").is_file(), f"upload-pages-artifact: {folder} has no index.html"
            tar = workspace.parent / "github-pages.tar"
            with tarfile.open(tar, "w") as archive:
                archive.add(folder, arcname=".")
            self.artifacts["github-pages"] = tar
        elif action == "actions/deploy-pages":
            assert "github-pages" in self.artifacts, "deploy-pages: no Pages artifact was uploaded"
            self.live = workspace.parent / "live"
            with tarfile.open(self.artifacts["github-pages"]) as archive:
                archive.extractall(self.live, filter="data")
        elif action == "actions/upload-artifact":
            folder = workspace / with_["path"]
            if folder.exists():
                self.artifacts[with_["name"]] = folder
            else:
                assert with_.get("if-no-files-found") == "ignore", f"upload-artifact: {folder} is missing"
        else:
            assert action in ("actions/setup-python", "actions/cache"), f"the harness does not know {action}"
        return StepResult(name, None, f"stand-in: {action}")

    def checkout(self, workspace: Path, ref: str) -> None:
        """actions/checkout with fetch-depth 0: the whole history, then the ref (a branch or a commit)."""
        shutil.rmtree(workspace, ignore_errors=True)
        env = {**os.environ, "GIT_CONFIG_GLOBAL": str(self.home / ".gitconfig"), "GIT_CONFIG_NOSYSTEM": "1"}
        subprocess.run(["git", "clone", "-q", "--no-local", str(self.origin), str(workspace)], check=True, env=env)
        if not re.fullmatch(r"[0-9a-f]{40}", ref):
            subprocess.run(["git", "checkout", "-q", ref], cwd=workspace, check=True, env=env)
            return
        subprocess.run(["git", "fetch", "-q", "origin", "+refs/pull/*:refs/remotes/pull/*"], cwd=workspace, check=True,
                       env=env)
        subprocess.run(["git", "checkout", "-q", "--detach", ref], cwd=workspace, check=True, env=env)


def event_file(folder: Path, event: dict[str, Any]) -> Path:
    path = folder / "event.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    return path


def gitlab_job(doc: dict[str, Any], name: str) -> dict[str, Any]:
    """A job of .gitlab-ci.yml with its `extends` folded in (one level, as warta writes it)."""
    job = dict(doc[name])
    for parent in [job.pop("extends")] if "extends" in job else []:
        job = {**doc[parent], **job}
    return job


def run_gitlab_job(runner: Runner, doc: dict[str, Any], name: str, workspace: Path, sha: str,
                   variables: dict[str, str]) -> list[StepResult]:
    """A GitLab job as its runner does it: clone at ``sha`` (detached), then before_script and script, each
    line in one bash that stops at the first failure; the `apt-get` line is the image's business."""
    job = gitlab_job(doc, name)
    runner.jobs_run.append(name)
    runner.checkout(workspace, sha)
    env = {**runner.base_env(workspace), **{k: str(v) for k, v in (doc.get("variables") or {}).items()},
           **{k: str(v) for k, v in (job.get("variables") or {}).items()}, **variables}
    results: list[StepResult] = []
    for line in [*job.get("before_script", []), *job["script"]]:
        if any(r.returncode not in (0, None) for r in results):
            results.append(StepResult(line, None, "skipped"))
        elif line.startswith("apt-get "):
            results.append(StepResult(line, None, "stand-in: the image has git and ssh"))
        else:
            results.append(runner.shell({"run": line, "name": line}, env, workspace))
            if line.startswith("export "):  # one shell per job on GitLab: keep what it exports
                key, _, value = line.removeprefix("export ").partition("=")
                env[key] = value.strip('"')
    return results
