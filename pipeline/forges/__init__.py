"""Forge adapters: pull-request reviews as SOP approvals (docs/forges.md).

- :mod:`.http`: the one HTTP client (timeouts, ``Link`` pages, rate limits, no redirects, token redacted);
- :mod:`.base`: the interface (:class:`~.base.Forge`) and its data;
- :mod:`.github`, :mod:`.gitea` (Gitea and Forgejo), :mod:`.gitlab`: the adapters.

:func:`open_forge` makes the adapter ``approvals.forge`` in the trusted ``warta.yml`` names. The server
and repository come from that file only; an environment naming another one (``GITHUB_API_URL``,
``GITHUB_REPOSITORY`` as Actions sets them, ``GITEA_*``, GitLab CI's ``CI_API_V4_URL`` and
``CI_PROJECT_PATH``) is a configuration error, so no branch or workflow chooses whose reviews are believed.
The token is read from the variable ``token_env`` names (default ``GITHUB_TOKEN``, ``GITLAB_TOKEN``,
``GITEA_TOKEN``, ``FORGEJO_TOKEN``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path

from pipeline.config import ForgeSection
from pipeline.errors import ConfigError, UsageError
from pipeline.forges import gitea, github, gitlab
from pipeline.forges.base import Forge
from pipeline.forges.http import DEFAULT_TIMEOUT, Http
from pipeline.i18n import _

# variables a CI sets that name the server and the repository, per forge type
_CHECKED: dict[str, tuple[tuple[str, str], ...]] = {
    "github": (("GITHUB_API_URL", "url"), ("GITHUB_REPOSITORY", "repository")),
    "gitea": (("GITHUB_API_URL", "url"), ("GITHUB_REPOSITORY", "repository"),
              ("GITEA_API_URL", "url"), ("GITEA_REPOSITORY", "repository")),
    "gitlab": (("CI_API_V4_URL", "url"), ("CI_PROJECT_PATH", "repository")),
}
_MAKERS: dict[str, tuple[type[Forge], Callable[[str], dict[str, str]]]] = {
    "github": (github.GitHub, github.headers),
    "gitea": (gitea.Gitea, gitea.headers),
    "gitlab": (gitlab.GitLab, gitlab.headers),
}


def _same(a: str, b: str, what: str) -> bool:
    if what == "url":
        return a.rstrip("/").casefold() == b.rstrip("/").casefold()
    return a.strip("/").casefold() == b.strip("/").casefold()


def check_environment(section: ForgeSection, environ: Mapping[str, str]) -> None:
    """Refuse (exit 2) an environment that names another server or repository than ``warta.yml``."""
    for variable, what in _CHECKED[section.source]:
        value = environ.get(variable)
        if not value:
            continue
        expected = section.api_url if what == "url" else section.repository
        if not _same(value, expected, what):
            raise ConfigError(_("warta.yml: approvals.forge.{what} is {expected}, but {variable} is {value}: "
                                "reviews are read only from the forge and repository the trusted warta.yml names "
                                "(a workflow or branch cannot choose another)",
                                what=what, expected=expected, variable=variable, value=value))


def open_forge(section: ForgeSection, environ: Mapping[str, str] | None = None, *,
               timeout: tuple[float, float] = DEFAULT_TIMEOUT, max_wait: float = 120.0) -> Forge:
    """The adapter for ``section`` with its token from the environment. Raises :class:`ConfigError`."""
    env = os.environ if environ is None else environ
    check_environment(section, env)
    token = env.get(section.token_variable, "").strip()
    if not token:
        raise ConfigError(_("approvals.forge: the token variable {variable} is not set (warta.yml "
                            "approvals.forge.token_env names it; in GitHub Actions pass secrets.GITHUB_TOKEN)",
                            variable=section.token_variable))
    cls, make_headers = _MAKERS[section.source]
    http = Http(section.api_url, make_headers(token), token, name=section.source, timeout=timeout,
                max_wait=max_wait)
    return cls(http, section.repository)


def pr_number_from_env(environ: Mapping[str, str] | None = None) -> int:
    """The pull request's number from the CI: ``GITHUB_EVENT_PATH``'s ``pull_request.number`` (GitHub,
    Gitea and Forgejo Actions; events ``pull_request`` and ``pull_request_review``) or GitLab's
    ``CI_MERGE_REQUEST_IID``. Raises :class:`UsageError` when neither names one."""
    env = os.environ if environ is None else environ
    iid = env.get("CI_MERGE_REQUEST_IID", "")
    if iid.isdigit():
        return int(iid)
    event = env.get("GITHUB_EVENT_PATH")
    if event:
        try:
            data = json.loads(Path(event).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UsageError(_("--pr: cannot read the event file GITHUB_EVENT_PATH={event}: {reason}",
                               event=event, reason=exc)) from None
        pull = data.get("pull_request") if isinstance(data, dict) else None
        number = pull.get("number") if isinstance(pull, dict) else None
        if isinstance(number, int) and number > 0:
            return number
        raise UsageError(_("--pr: the event in {event} is not about a pull request; give the number (--pr N)",
                           event=event))
    raise UsageError(_("--pr needs a number outside a pull-request workflow (GITHUB_EVENT_PATH and "
                       "CI_MERGE_REQUEST_IID are not set)"))


__all__ = ["Forge", "check_environment", "open_forge", "pr_number_from_env"]
