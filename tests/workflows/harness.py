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
import shlex
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
        if " && " in expression:
            return "true" if all(self.value(part) == "true" for part in expression.split(" && ")) else "false"
        compared = re.fullmatch(r"([\w.]+) (==|!=) '([^']*)'", expression)
        if compared:
            same = self.value(compared[1]) == compared[3]
            return "true" if same == (compared[2] == "==") else "false"
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
        if not self.condition(job.get("if")):
            return []
        self.jobs_run.append(name)
        workspace.mkdir(parents=True, exist_ok=True)
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
                results.append(self.shell(step, {**env, **self._filled(step.get("env"))}, workspace, step.get("id")))
        for key, value in (job.get("outputs") or {}).items():
            self.context[f"needs.{name}.outputs.{key}"] = self.fill(str(value))
        return results

    def _filled(self, values: dict[str, Any] | None) -> dict[str, str]:
        return {k: self.fill(str(v)) for k, v in (values or {}).items()}

    def base_env(self, workspace: Path) -> dict[str, str]:
        kept = ("LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT", "PYTHONPATH", "WARTA_LANG")
        keep = {k: v for k, v in os.environ.items() if k in kept}
        return {**keep, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "HOME": str(self.home),
                "GIT_CONFIG_GLOBAL": str(self.home / ".gitconfig"), "GIT_CONFIG_NOSYSTEM": "1",
                "GITHUB_WORKSPACE": str(workspace), "CI": "true", "GITHUB_ACTIONS": "true", **self.env}

    def shell(self, step: dict[str, Any], env: dict[str, str], workspace: Path, step_id: str | None = None
              ) -> StepResult:
        command = self.fill(step["run"])
        name = step.get("name", command)
        if command.strip() == INSTALL:
            # warta is installed already (this test's own); the lock itself is tested in test_workflows_lock
            assert (workspace / "requirements.txt").is_file(), "the workflow installs from requirements.txt"
            return StepResult(name, None, "stand-in: warta of this test run")
        reason = self.skip_run(command)
        if reason:
            return StepResult(name, None, reason)
        outputs = workspace.parent / f"github-output-{step_id or 'step'}"
        outputs.write_text("", encoding="utf-8")
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", command], cwd=workspace,
                              env={**env, "GITHUB_OUTPUT": str(outputs)}, capture_output=True, text=True, timeout=600)
        for line in outputs.read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition("=")
            if step_id:
                self.context[f"steps.{step_id}.outputs.{key}"] = value
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
                   variables: dict[str, str]) -> StepResult:
    """A GitLab job as its runner does it: clone at ``sha`` (detached), then before_script and script as one
    bash script that stops at the first failing line (``set -eo pipefail``). Lines the harness stands in
    for (the image's `apt-get`, the install, ``runner.skip_run``) are echoed instead of run."""
    job = gitlab_job(doc, name)
    runner.jobs_run.append(name)
    runner.checkout(workspace, sha)
    env = {**runner.base_env(workspace), **{k: str(v) for k, v in (doc.get("variables") or {}).items()},
           **{k: str(v) for k, v in (job.get("variables") or {}).items()}, **variables}
    lines: list[str] = []
    for line in [*job.get("before_script", []), *job["script"]]:
        reason = ("the image has git and ssh" if line.startswith("apt-get ") else
                  "warta of this test run" if line == INSTALL else runner.skip_run(line))
        if line == INSTALL:
            assert (workspace / "requirements.txt").is_file(), "the job installs from requirements.txt"
        lines.append(f"echo {shlex.quote(f'stand-in: {reason}: {line}')}" if reason else line)
    script = "\n".join(lines)
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=workspace,
                          env=env, capture_output=True, text=True, timeout=900)
    return StepResult(name, proc.returncode, proc.stdout + proc.stderr)
