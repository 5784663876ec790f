"""Which branch is main (approval rule 1: the SOPs and people come from it, never from the branch being
judged): ``approvals.main_branch`` as the ``warta.yml`` of the real main names it (``refs/heads/main``,
else ``origin/main``, else the remote's default branch), never as HEAD's own ``warta.yml`` does."""

from __future__ import annotations

from pathlib import Path

from pipeline import yamlio
from pipeline.config import CONFIG_FILE
from pipeline.errors import ApprovalError
from pipeline.git import Git
from pipeline.i18n import _


def main_branch(root: Path) -> tuple[str, str]:
    """``(name, commit)`` of the main branch (``approvals.main_branch``, locally or as ``origin/<name>``)."""
    return find_main(Git(root))


def on_main(root: Path) -> bool:
    """Whether HEAD is the main branch's tip or behind it (nothing of its own to approve)."""
    git = Git(root)
    head = git.head()
    return head is not None and git.is_ancestor(head, find_main(git)[1])


def configured_main(git: Git, rev: str) -> str | None:
    """``approvals.main_branch`` in ``warta.yml`` at ``rev`` (``None``: not set or unreadable)."""
    raw = git.read_blobs([f"{rev}:{CONFIG_FILE}"]).get(f"{rev}:{CONFIG_FILE}")
    if raw is None:
        return None
    try:
        data = yamlio.load(raw.decode("utf-8"), CONFIG_FILE).data
    except (UnicodeDecodeError, yamlio.YamlSyntaxError):
        return None
    approvals = data.get("approvals") if isinstance(data, dict) else None
    if isinstance(approvals, dict) and isinstance(approvals.get("main_branch"), str):
        return str(approvals["main_branch"])
    return None


def find_main(git: Git) -> tuple[str, str]:
    """The main branch, named by the ``warta.yml`` of the real main (``main`` or ``origin/main``, else the
    remote's default branch), never by HEAD's own: a release branch cannot choose what judges it."""
    name = "main"
    for ref in ("refs/heads/main", "refs/remotes/origin/main", "refs/remotes/origin/HEAD"):
        sha = git.rev_parse(ref)
        if sha is not None:
            name = configured_main(git, sha) or "main"
            break
    for ref in (f"refs/heads/{name}", f"refs/remotes/origin/{name}"):
        sha = git.rev_parse(ref)
        if sha is not None:
            return name, sha
    raise ApprovalError(_("the main branch '{name}' is not in this repository (approvals are judged against it): create "
                          "it, or fetch it with 'git fetch origin {name}'", name=name))
