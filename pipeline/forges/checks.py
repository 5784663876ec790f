"""Reporting a judged pull request back where people look (``warta verify --pr N --report``):

- the commit status ``warta/approvals`` on the pull request's head, whose description names the next
  step and its role (at most 140 characters, GitHub's limit);
- the SOP checklist as Markdown for the job summary (``$GITHUB_STEP_SUMMARY``);
- one ``::error file=…,line=…::`` workflow command per reason an item is not approved (GitHub and
  Gitea Actions turn them into annotations on the pull request's files).

The status is a convenience, not the control: a pull request can rewrite the workflow that posts it.
``warta publish`` judges everything again on main (docs/forges.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from pipeline.approvals.chain import ChainResult
from pipeline.approvals.display import STATE
from pipeline.approvals.report import Report
from pipeline.forges.base import StatusState
from pipeline.i18n import N_, _

MARK = {"approved": "x", "imported": "x"}
# What a person reads for a step's state in the checklist (the state names are the machine's words).
STEP_STATUS = {"pending": N_("pending"), "waiting": N_("waiting"), "returned": N_("returned"),
               "approved": N_("approved"), "imported": N_("imported"), "skipped": N_("skipped")}


def _first_open(report: Report) -> ChainResult | None:
    return next((r for r in (*report.items, *report.governance) if not r.complete), None)


def status_of(report: Report) -> tuple[StatusState, str]:
    """The state and description of the ``warta/approvals`` status."""
    if report.ok:
        n = len(report.items) + len(report.governance)
        return "success", _("complete: {n} item(s), every SOP step approved in order", n=n)
    result = _first_open(report)
    others = sum(1 for r in (*report.items, *report.governance) if not r.complete) - 1
    more = _(" (+{n} more)", n=others) if others > 0 else ""
    if result is None:
        return "failure", (report.problems[0] if report.problems else _("not approved"))[:140]
    name = result.path.rsplit("/", 1)[-1]
    if result.state == "returned" and result.returned is not None:
        text = _("returned at step {step} by {name}: change {item}", step=result.returned.step,
                 name=result.returned.name, item=name) + more
    elif result.next is not None:
        people = report.people
        text = _("next: step {step} {title} ({role}) for {item}", step=result.next.no,
                 title=people.title(result.next.role), role=result.next.role, item=name) + more
    else:
        text = _("{item}: {reason}", item=name, reason=(result.reasons or [_("not approved")])[0]) + more
    return "failure", text if len(text) <= 140 else text[:139] + "…"


def _when(epoch: int | None, report: Report) -> str:
    return dt.datetime.fromtimestamp(epoch, report.config.tz).strftime("%Y-%m-%d %H:%M") if epoch else ""


def summary_markdown(report: Report, title: str) -> str:
    """The SOP checklist of every judged item, as Markdown."""
    state, description = status_of(report)
    lines = [f"## {title}", "", f"**{'✅' if state == 'success' else '❌'} {description}**", ""]
    for result in (*report.items, *report.governance):
        label = _("governance change") if result.kind == "governance" else f"SOP {result.sop or '?'}"  # SOP: official term
        state_text = str(STATE[result.state]) if result.state in STATE else result.state
        lines.append(f"### `{result.path}` — {state_text} ({label})")
        lines.append("")
        for step in result.steps:
            mark = "x" if step.status in MARK else " "
            who = (f": {step.by}, {_when(step.at, report)} ({step.source})" if step.by
                   else f": {_(STEP_STATUS.get(step.status, step.status))}")
            if step.status == "pending":
                holders = ", ".join(p.name for p in report.people.holders(step.role)) or "-"
                who += " — " + _("waiting for {names}", names=holders)
            lines.append(f"- [{mark}] " + _("step {step}", step=step.no) + f" {step.role_title} (`{step.role}`){who}")
        reasons = result.reasons if not result.complete else []
        if reasons:
            lines.append("")
            lines.extend(f"> {reason}" for reason in reasons)
        lines.append("")
    for problem in report.problems:
        lines.append(f"- ❗ {problem}")
    for warning in report.warnings:
        lines.append(f"- ⚠️ {warning}")
    return "\n".join(lines).rstrip() + "\n"


def _escape(text: str, *, prop: bool = False) -> str:
    out = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return out.replace(":", "%3A").replace(",", "%2C") if prop else out


def error_lines(report: Report) -> list[str]:
    """``::error file=…,line=1::…`` lines for every reason an item is not approved."""
    out: list[str] = []
    for result in (*report.items, *report.governance):
        if result.complete:
            continue
        for reason in result.reasons:
            out.append(f"::error file={_escape(result.path, prop=True)},line=1,title=warta/approvals::"
                       f"{_escape(reason)}")
    out.extend(f"::error title=warta/approvals::{_escape(p)}" for p in report.problems)
    return out


def run_url(environ: Mapping[str, str], repository: str) -> str | None:
    """The address of this CI run, for the status's link (GitHub/Gitea Actions, GitLab CI); the
    repository is warta.yml's (the environment's was checked to be the same)."""
    server, repo, run = environ.get("GITHUB_SERVER_URL"), repository, environ.get("GITHUB_RUN_ID")
    if server and repo and run:
        return f"{server.rstrip('/')}/{repo}/actions/runs/{run}"
    return environ.get("CI_JOB_URL") or None
