"""Stage 4 (written): the numbering commit.

The new and changed records are written under ``arsip/`` and committed to main (or to the register branch,
``archive.register_branch``) with an annotated tag per new number. Numbers exist only once this commit
exists; with a remote, the commit and its tags are pushed before anything is built
(:mod:`pipeline.publish.gitops`).
"""

from __future__ import annotations

from pathlib import Path

from pipeline.archive.record_files import write_records
from pipeline.git import Git
from pipeline.publish import gitops
from pipeline.publish.hooks import fault
from pipeline.publish.plan import Plan


def numbering_message(plan: Plan) -> str:
    """The numbering commit's message: what it numbers, changes, withdraws and completes."""
    fresh = {a.number for a in plan.allocations}
    new = [r for r in plan.records_to_write if r.number in fresh]
    completed = [r for r in plan.records_to_write if r.number not in fresh and len(r.versions) == 1]
    withdrawn = [r for r in plan.records_to_write if len(r.versions) > 1 and r.status == "dicabut"]
    changed = [r for r in plan.records_to_write if len(r.versions) > 1 and r.status != "dicabut"]
    parts = []
    if new:
        parts.append("nomor " + ", ".join(r.number for r in new))
    if changed:
        parts.append("versi baru " + ", ".join(r.number for r in changed))
    if withdrawn:
        parts.append("dicabut " + ", ".join(r.number for r in withdrawn))
    if completed:
        parts.append("paraf menyusul " + ", ".join(r.number for r in completed))
    body = "\n".join(f"{r.number}  {r.path}" for r in plan.records_to_write)
    return f"Arsip: {'; '.join(parts)}\n\n{body}\n"


def commit_numbers(root: Path, git: Git, plan: Plan) -> tuple[str | None, list[str]]:
    """Write and commit the plan's records; tag each new number. ``(commit or None, tags made)``."""
    if not plan.records_to_write:
        return None, []
    write_records(gitops.write_root(git), plan.records_to_write, cache_root=git.root)
    fault("numbering")
    sha = gitops.commit_written(git, numbering_message(plan))
    if not sha:
        return None, []
    fault("numbering-commit")
    fresh = {a.number for a in plan.allocations}
    tags = gitops.make_tags(git, [r for r in plan.records_to_write if r.number in fresh], sha)
    fault("numbering-tags")
    return sha, tags
