"""The settings of ``warta.yml`` that ``warta init`` fills in for CI: the deploy target ``pages``
(``--pages``) and the forge whose reviews count (``--repository``, ``--forge-url``: ``approvals.forge``,
docs/forges.md). The default ``warta.yml`` is edited as text, so its comments stay; the result is
validated by :func:`pipeline.config.load_config` as every ``warta.yml`` is."""

from __future__ import annotations

from pipeline.errors import UsageError
from pipeline.i18n import _
from pipeline.workflows.writer import Forge

LOCAL_DEPLOY = "\ndeploy:\n  target: local\n"
MAIN_BRANCH = "\n  main_branch: main\n"


def with_pages(text: str, path: str) -> str:
    """``deploy.target: pages`` in place of the default's ``local``."""
    if LOCAL_DEPLOY not in text:
        raise UsageError(_("{path}: --pages needs the deploy section of the default warta.yml (deploy: target: "
                           "local); set deploy.target: pages yourself", path=path))
    return text.replace(LOCAL_DEPLOY, "\ndeploy:\n  target: pages\n", 1)


def with_forge(text: str, path: str, forge: Forge, repository: str, url: str | None) -> str:
    """``approvals.forge`` naming ``repository`` on ``forge`` (``url``: the API base; GitHub's default
    is the public one, every other forge needs it)."""
    if forge != "github" and not url:
        raise UsageError(_("--repository on {forge} needs --forge-url, the API base (e.g. "
                           "https://git.example.go.id/api/v1, https://gitlab.example.go.id/api/v4)", forge=forge))
    if MAIN_BRANCH not in text or "\n  forge:" in text:
        raise UsageError(_("{path}: --repository needs the approvals section of the default warta.yml; write "
                           "approvals.forge yourself (docs/forges.md)", path=path))
    lines = [f"    type: {forge}", f"    repository: {repository}"] + ([f"    url: {url}"] if url else [])
    block = "  # the forge whose pull-request reviews count as approvals (docs/forges.md)\n  forge:\n"
    return text.replace(MAIN_BRANCH, MAIN_BRANCH + block + "\n".join(lines) + "\n", 1)


def pages_url(repository: str | None) -> str:
    """The GitHub Pages address of ``owner/name`` (a project site, under a sub-path; ``owner.github.io``
    itself is served at the root)."""
    if not repository or "/" not in repository:
        return "https://<owner>.github.io/<repository>/"
    owner, name = repository.split("/", 1)
    root = f"https://{owner.lower()}.github.io/"
    return root if name.lower() == f"{owner.lower()}.github.io" else f"{root}{name}/"
