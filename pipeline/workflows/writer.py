"""The CI files ``warta init`` writes into a site repository, per forge (docs/ci.md is the reader's version).

- **GitHub**: ``.github/workflows/warta-pr.yml`` (every pull request and review: check, status, verify
  with the report; the job is the required check ``warta/approvals``) and
  ``.github/workflows/warta-publish.yml`` (push to main, a schedule for embargoes, by hand: publish, then
  GitHub Pages when ``deploy.target`` is ``pages``, then announce). A private repository on GitHub's free
  plan has no environments, so no secret could be kept from other branches: with ``private_free`` only the
  pull-request workflow is written, and a note says why.
- **Gitea / Forgejo**: ``.gitea/workflows/`` or ``.forgejo/workflows/warta-pr.yml`` only: their Actions
  ignore ``environment:``, so warta writes no workflow that uses a secret there.
- **GitLab**: ``.gitlab-ci.yml`` with a merge request job and a publish job whose secrets are protected
  variables scoped to the environment.

Every forge also gets a ``CODEOWNERS`` giving the governed and CI paths (:mod:`pipeline.governed`) to the
signatories, by their forge logins in ``people.yaml``. Templates are in ``templates/`` beside this module,
rendered with Jinja2 under ``[[ ]]`` / ``[% %]`` delimiters so the forges' own ``${{ }}`` stays literal.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import jinja2

from pipeline.config import SiteConfig
from pipeline.governed import CONFIG_PATH_SETTINGS, GOVERNED_INPUTS
from pipeline.i18n import N_, _
from pipeline.people import People, Person
from pipeline.workflows.pins import PINS, PYTHON_VERSION

Forge = Literal["github", "gitea", "forgejo", "gitlab"]
FORGES: tuple[Forge, ...] = ("github", "gitea", "forgejo", "gitlab")

TEMPLATES = Path(__file__).resolve().parent / "templates"
ENVIRONMENT = "main"  # the deployment environment holding the secrets; its branch policy is exactly main
CRON = "*/30 * * * *"  # embargoed items (publish_at) go out on the first run after their time
SITE_DIR = "_site"

# Where each forge reads its workflows and its code owners file (all governed paths).
WORKFLOW_DIRS: dict[Forge, str] = {"github": ".github/workflows", "gitea": ".gitea/workflows",
                                   "forgejo": ".forgejo/workflows", "gitlab": ""}
CODEOWNERS_PATHS: dict[Forge, str] = {"github": ".github/CODEOWNERS", "gitea": ".gitea/CODEOWNERS",
                                      "forgejo": ".forgejo/CODEOWNERS", "gitlab": ".gitlab/CODEOWNERS"}
# The people.yaml field naming a person's login on each forge (Forgejo accounts are Gitea-style).
LOGIN_FIELDS: dict[Forge, str] = {"github": "github", "gitea": "gitea", "forgejo": "gitea", "gitlab": "gitlab"}
# The variable the forge adapters read the API token from, unless approvals.forge.token_env names another.
DEFAULT_TOKEN_ENV: dict[Forge, str] = {"github": "GITHUB_TOKEN", "gitea": "GITEA_TOKEN",
                                       "forgejo": "FORGEJO_TOKEN", "gitlab": "GITLAB_TOKEN"}

NO_SECRETS_GITEA = N_("{forge} Actions ignore `environment:`, so a secret cannot be limited to runs on main: any "
                      "branch's workflow could read it. warta wrote only the pull-request check (no secret); run "
                      "`warta publish` from a machine the office controls (docs/ci.md, \"Gitea and Forgejo\").")
NO_SECRETS_PRIVATE = N_("a private repository on GitHub's free plan has no environments, so the publishing key "
                        "could not be kept from other branches' workflows: warta wrote only the pull-request "
                        "check. Make the repository public, move to a paid plan (then run `warta init` again "
                        "without --private-free), or publish from a machine the office controls (docs/ci.md).")
LOCAL_TARGET = N_("deploy.target is 'local': on a runner the site would land on a disk that is thrown away. Set "
                  "deploy.target to 'pages' (or rsync, s3) in warta.yml, or run warta init with --pages.")
NO_LOGINS = N_("{path}: sop/people.yaml holds no {forge} logins (only numeric ids), so the owner lines are written "
               "commented out: write the usernames of the signatories ({roles}) into the file by hand (docs/ci.md, "
               "\"Code owners\").")
NO_OWNER = N_("{path}: no signatory has a `{field}` login in sop/people.yaml ({roles}), so governed files have no "
              "code owner yet; add the logins and write the owners into the file (docs/ci.md, \"Code owners\").")


@dataclass
class SiteCI:
    """The files to write (repository path -> text) and what the office must know about them."""

    files: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined, autoescape=False,
        keep_trailing_newline=True, variable_start_string="[[", variable_end_string="]]",
        block_start_string="[%", block_end_string="%]", comment_start_string="[#", comment_end_string="#]",
    )


def deploy_secrets(config: SiteConfig) -> list[str]:
    """The secrets the deploy target reads (pipeline/deploy)."""
    if config.deploy.target == "rsync":
        return ["WARTA_DEPLOY_SSH_KEY", "WARTA_DEPLOY_SSH_KNOWN_HOSTS"]
    if config.deploy.target == "s3":
        return ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"]
    return []


def channel_secrets(config: SiteConfig) -> list[str]:
    """The token variables the enabled channels name (``channels.<name>.token_env``)."""
    names: set[str] = set()
    for channel in config.channels.values():
        if not channel.enabled or channel.token_env is None:
            continue
        if isinstance(channel.token_env, str):
            names.add(channel.token_env)
        else:  # x: the four OAuth 1.0a variables
            env = channel.token_env
            names.update((env.consumer_key, env.consumer_secret, env.access_token, env.access_token_secret))
    return sorted(names)


def token_env(config: SiteConfig, forge: Forge) -> str:
    """The token variable of ``approvals.forge`` in warta.yml (docs/forges.md), else the forge's default."""
    section = config.approvals.forge
    return section.token_variable if section is not None else DEFAULT_TOKEN_ENV[forge]


def render(name: str, **values: object) -> str:
    """One template with the pins, the Python version and ``values``."""
    template = _env().get_template(name)
    return template.render(pins=PINS, python=PYTHON_VERSION, environment=ENVIRONMENT, cron=CRON,
                           site_dir=SITE_DIR, **values)


def site_ci(config: SiteConfig, people: People, signatory_roles: Iterable[str], *, forge: Forge = "github",
            private_free: bool = False) -> SiteCI:
    """Every CI file of a site repository on ``forge``, rendered for ``config``."""
    main = config.approvals.main_branch
    common = {"main": main, "main_json": json.dumps(main), "token_env": token_env(config, forge),
              "register_branch": config.archive.register_branch}
    out = SiteCI()
    if forge == "github":
        out.files[f"{WORKFLOW_DIRS[forge]}/warta-pr.yml"] = render("github-pr.yml", **common)
        if private_free:
            out.notes.append(_(NO_SECRETS_PRIVATE))
        else:
            pages = config.deploy.target == "pages"
            out.files[f"{WORKFLOW_DIRS[forge]}/warta-publish.yml"] = render(
                "github-publish.yml", pages=pages, deploy_secrets=deploy_secrets(config),
                channel_secrets=channel_secrets(config),
                announce_needs="[publish, deploy]" if pages else "publish",
                report_needs="[publish, deploy, announce]" if pages else "[publish, announce]", **common)
            if config.deploy.target == "local":
                out.notes.append(_(LOCAL_TARGET))
    elif forge in ("gitea", "forgejo"):
        out.files[f"{WORKFLOW_DIRS[forge]}/warta-pr.yml"] = render("gitea-pr.yml", **common)
        out.notes.append(_(NO_SECRETS_GITEA, forge=forge.capitalize()))
    else:
        out.files[".gitlab-ci.yml"] = render("gitlab-ci.yml", **common)
    owners, missing = codeowners(people, signatory_roles, forge, config)
    out.files[CODEOWNERS_PATHS[forge]] = owners
    if missing and not _has_login_field(forge):
        out.notes.append(_(NO_LOGINS, path=CODEOWNERS_PATHS[forge], forge=forge.capitalize(), roles=", ".join(missing)))
    elif missing:
        out.notes.append(_(NO_OWNER, path=CODEOWNERS_PATHS[forge], field=LOGIN_FIELDS[forge], roles=", ".join(missing)))
    return out


def _has_login_field(forge: Forge) -> bool:
    return LOGIN_FIELDS[forge] in {f.name for f in dataclasses.fields(Person)}


def owner_patterns(config: SiteConfig) -> list[str]:
    """The governed patterns of :data:`~pipeline.governed.GOVERNED_INPUTS` in CODEOWNERS syntax.

    CODEOWNERS has no character classes and is case-sensitive: ``[!.]x`` becomes ``*x`` (a wider match,
    which only asks more owners), and a file ``warta.yml`` names is written out by its configured path.
    """
    named = {setting: _setting_value(config, setting) for setting in CONFIG_PATH_SETTINGS}
    out: list[str] = []
    for row in GOVERNED_INPUTS:
        for pattern in row.patterns:
            if pattern.startswith("<"):
                value = named.get(pattern.strip("<>"))
                if value:
                    out.append("/" + value.lstrip("/"))
                continue
            pattern = pattern.replace("[!.]", "")
            if pattern.startswith("**/") and "/" not in pattern[3:].removesuffix("/**"):
                # a name without a slash matches at any depth already; one with a slash keeps its **/
                tail = pattern[3:]
                out.append(tail[:-2] if tail.endswith("/**") else tail)
            elif pattern.startswith("**/"):
                out.append(pattern)
            elif pattern.endswith("/**"):
                out.append("/" + pattern[:-2])
            else:
                out.append("/" + pattern)
    return list(dict.fromkeys(out))


def _setting_value(config: SiteConfig, dotted: str) -> str | None:
    value: object = config
    for part in dotted.split("."):
        value = getattr(value, part, None)
    return value if isinstance(value, str) else None


def codeowners(people: People, signatory_roles: Iterable[str], forge: Forge,
               config: SiteConfig) -> tuple[str, list[str]]:
    """The CODEOWNERS text and the signatory roles nobody with a forge login holds."""
    field_name = LOGIN_FIELDS[forge]
    roles = list(dict.fromkeys(signatory_roles))
    logins: list[str] = []
    missing: list[str] = []
    for role in roles:
        found = [str(getattr(p, field_name)) for p in people.holders(role) if getattr(p, field_name, None)]
        if not found:
            missing.append(role)
        logins += found
    owners = " ".join(f"@{login}" for login in dict.fromkeys(logins))
    lines = [
        "# Code owners of this site (written by `warta init` from sop/people.yaml): the signatories of the",
        "# SOPs own every governed and CI file, so the forge asks for their review before such a change",
        "# merges. Turn on \"Require review from Code Owners\" for main (docs/ci.md). This file is governed.",
        f"# Signatory roles: {', '.join(roles) or '(none)'}.",
    ]
    if missing:
        lines.append(f"# No `{field_name}` login in sop/people.yaml for: {', '.join(missing)}.")
    if not owners:
        lines.append("# No owner can be named yet: the lines below are commented out until logins are added.")
    prefix = "" if owners else "# "
    for pattern in owner_patterns(config):
        lines.append(f"{prefix}{pattern} {owners}".rstrip())
    return "\n".join(lines) + "\n", missing


def write_site_ci(target: Path, ci: SiteCI) -> list[str]:
    """Write ``ci``'s files under ``target``; the paths written."""
    for path, text in ci.files.items():
        out = target / path
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    return sorted(ci.files)
