"""Governed inputs: every file that changes public output or what CI runs, other than items (rule 8).

A site repository holds three kinds of file:

- **items** and **item references** (``content/<kind>/...md`` and the photos and attachments they name):
  each is approved per item, for its exact bytes, along its SOP (rules 2 to 7); ``arsip/`` is the
  register, written by the publishing identity (rule 12). Neither is governed.
- **governed files**, listed once here in :data:`GOVERNED_INPUTS`: ``warta.yml`` and every file it
  names (:data:`CONFIG_PATH_SETTINGS`), ``sop/`` (SOPs and ``people.yaml``), classification tables,
  translations, theme overrides, and every file CI executes or that chooses what CI executes. A change
  to one takes effect only when the signatories of the trusted SOPs approve it
  (:mod:`pipeline.approvals.governance`); until then the last trusted version governs.
- **everything else** (:data:`NOT_GOVERNED` names the usual ones: ``README.md``, ``docs/``): never
  read by ``warta publish`` and never published.

Patterns are matched against repository paths (``/``-separated, from the root), without regard to
case (a runner on a case-insensitive file system reads ``Makefile`` for ``makefile``): ``*`` and ``?``
stay inside one path segment, ``[!.]`` is any character but a dot, ``**/`` at the start means "at any
depth", ``/**`` at the end means "everything below". Nothing under ``content/`` and ``arsip/`` is
governed: everything there is an item, an item reference or the register.

``docs/security.md`` reproduces :data:`GOVERNED_INPUTS` (``tests/test_security_doc.py`` compares them).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

from pydantic import BaseModel

from pipeline.archive.classification import SITE_DIR as CLASSIFICATION_DIR
from pipeline.areas import HISTORY_PATHSPEC as HISTORY_PATHSPEC  # the item areas: pipeline/areas.py
from pipeline.areas import ITEM_AREAS as ITEM_AREAS
from pipeline.config import CONFIG_FILE, SiteConfig
from pipeline.i18n import _
from pipeline.people import PEOPLE_PATH
from pipeline.sop import SOP_DIR

EVERY_SIGNATORY = "every signatory of the trusted SOPs"
SOP_SIGNATORY = ("its signatory in the trusted version (and the new one if the change names another); "
                 "a new SOP: every signatory of the trusted SOPs and its own")


# The words by which a setting of warta.yml says that it holds a path of a file in the repository.
PATH_SETTING_MARK = "relative to the repository root"


@dataclass(frozen=True)
class GovernedInput:
    """One row of the inputs table: the patterns, what the files are, who must approve a change."""

    patterns: tuple[str, ...]
    what: str
    approvers: str

    @cached_property
    def regex(self) -> re.Pattern[str]:
        return re.compile("|".join(f"(?:{glob_regex(p)})" for p in self.patterns), re.IGNORECASE)

    def matches(self, path: str) -> bool:
        return self.regex.fullmatch(path) is not None


def glob_regex(pattern: str) -> str:
    """The regular expression of one pattern (module docstring); ``<...>`` (a named file) matches nothing."""
    if pattern.startswith("<"):
        return r"(?!)"
    out: list[str] = []
    rest = pattern
    if rest.startswith("**/"):
        out.append(r"(?:[^/]+/)*")
        rest = rest[3:]
    tail = ""
    if rest.endswith("/**"):
        tail = r"/.+"
        rest = rest[:-3]
    i = 0
    while i < len(rest):
        c = rest[i]
        if c == "*":
            out.append(r"[^/]*")
        elif c == "?":
            out.append(r"[^/]")
        elif c == "[":
            end = rest.index("]", i + 2)
            body = rest[i + 1:end]
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body).replace("\\", r"\\") + "]")
            i = end
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out) + tail


def _path_settings(model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    for name, info in model.model_fields.items():
        kind = info.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            yield from _path_settings(kind, f"{prefix}{name}.")
        elif info.description and PATH_SETTING_MARK in info.description:
            yield prefix + name


# Every setting of warta.yml that names a file of the repository (found in the schema by its description).
CONFIG_PATH_SETTINGS: tuple[str, ...] = tuple(_path_settings(SiteConfig))

GOVERNED_INPUTS: tuple[GovernedInput, ...] = (
    GovernedInput((CONFIG_FILE,), "site configuration: kinds and their SOPs, approval policy, archive "
                  "numbering, channels, deploy target", EVERY_SIGNATORY),
    GovernedInput((PEOPLE_PATH,), "roles, people and their signing keys", EVERY_SIGNATORY),
    GovernedInput((f"{SOP_DIR}/*.yaml",), "an SOP: its steps, their roles and order", SOP_SIGNATORY),
    GovernedInput((f"{SOP_DIR}/**",), "any other file under sop/", EVERY_SIGNATORY),
    *(GovernedInput((f"<{setting}>",), f"the file warta.yml names in {setting}", EVERY_SIGNATORY)
      for setting in CONFIG_PATH_SETTINGS),
    GovernedInput((f"{CLASSIFICATION_DIR}/**",), "classification tables that replace the shipped ones "
                  "(one file per scheme, named after it)", EVERY_SIGNATORY),
    GovernedInput(("theme/translations/**",), "translations: the theme's message catalogues and month "
                  "names", EVERY_SIGNATORY),
    GovernedInput(("theme/**",), "theme overrides: templates, styles, scripts, images", EVERY_SIGNATORY),
    GovernedInput((".github/**",), "GitHub Actions workflows and actions, CODEOWNERS, dependabot", EVERY_SIGNATORY),
    GovernedInput((".gitea/**",), "Gitea Actions workflows", EVERY_SIGNATORY),
    GovernedInput((".forgejo/**",), "Forgejo Actions workflows", EVERY_SIGNATORY),
    GovernedInput((".gitlab-ci.yml", ".gitlab/**"), "GitLab CI pipelines and the files they include", EVERY_SIGNATORY),
    GovernedInput((".woodpecker.yml", ".woodpecker.yaml", ".woodpecker/**"), "Woodpecker CI pipelines", EVERY_SIGNATORY),
    GovernedInput((".drone.yml", ".circleci/**", ".travis.yml", ".buildkite/**", "Jenkinsfile",
                   "azure-pipelines.yml", "bitbucket-pipelines.yml"), "other CI services' pipelines", EVERY_SIGNATORY),
    GovernedInput(("**/requirements*.txt", "**/requirements/**", "**/constraints*.txt"),
                  "pip requirements and constraints", EVERY_SIGNATORY),
    GovernedInput(("**/[!.]*.lock", "**/[!.]*.lockb", "**/package-lock.json", "**/npm-shrinkwrap.json",
                   "**/pnpm-lock.yaml", "**/go.sum"),
                  "lock files (poetry.lock, uv.lock, Pipfile.lock, pdm.lock, yarn.lock, ...)", EVERY_SIGNATORY),
    GovernedInput(("**/pyproject.toml", "**/setup.cfg", "**/Pipfile", "**/uv.toml", "**/pip.conf",
                   "**/tox.ini", "**/pytest.ini", "**/package.json", "**/.npmrc", "**/.yarnrc",
                   "**/.yarnrc.yml", "**/go.mod", "**/Gemfile"),
                  "package manifests and the configuration of installers and test runners", EVERY_SIGNATORY),
    GovernedInput(("**/.python-version", "**/.tool-versions", "**/runtime.txt"),
                  "tool versions a setup step reads", EVERY_SIGNATORY),
    GovernedInput(("**/Makefile", "**/GNUmakefile", "**/*.mk", "**/justfile", "**/Taskfile.yml",
                   "**/Taskfile.yaml"), "task runners' files", EVERY_SIGNATORY),
    GovernedInput(("**/Dockerfile", "**/Containerfile", "**/*.dockerfile", "**/docker-compose*.yml",
                   "**/docker-compose*.yaml", "**/compose.yml", "**/compose.yaml", "**/.dockerignore"),
                  "container builds", EVERY_SIGNATORY),
    GovernedInput(("**/.pre-commit-config.yaml", "**/.pre-commit-hooks.yaml"), "pre-commit hooks", EVERY_SIGNATORY),
    GovernedInput(("**/.env", "**/.env.*"), "environment files that tools load", EVERY_SIGNATORY),
    GovernedInput(("**/*.py", "**/*.sh", "**/*.bash", "**/*.ps1", "**/*.bat", "**/*.cmd", "**/*.js",
                   "**/*.mjs", "**/*.cjs", "**/*.ts", "**/*.rb", "**/*.pl"),
                  "scripts and program code (python -m puts the working folder first on sys.path)", EVERY_SIGNATORY),
    GovernedInput(("scripts/**", "bin/**", "tools/**", "ci/**", ".ci/**"), "folders of scripts", EVERY_SIGNATORY),
)


@dataclass(frozen=True)
class NotGoverned:
    """A row of the table of files that are not governed: what they are and what publish does with them."""

    patterns: tuple[str, ...]
    what: str
    publish: str


NOT_GOVERNED: tuple[NotGoverned, ...] = (
    NotGoverned(("content/<kind>/**/*.md",), "items (press releases, news, announcements, public "
                "information, pages)", "published at the digest their SOP chain approved"),
    NotGoverned(("content/**",), "item references: the photos and attachments items name (content/media/)",
                "part of the digest of every item that names them; photos only as derivatives"),
    NotGoverned(("arsip/**",), "the register, output of the publishing identity",
                "written by publish; never evidence of approval (rule 12)"),
    NotGoverned((".warta-cache/**",), "local caches", "ignored when committed or linked (pipeline/cachedir.py)"),
    NotGoverned(("**/.gitattributes", ".gitmodules"), "checkout settings: conversions, filters, submodule "
                "addresses", "ignored: publish reads git objects, never a checkout"),
    NotGoverned(("README.md", "docs/**", "LICENSE", ".gitignore"),
                "these and every other file that is neither an item, an item reference nor governed",
                "never read by publish, never published"),
)

_ANY = re.compile("|".join(f"(?:{row.regex.pattern})" for row in GOVERNED_INPUTS), re.IGNORECASE)


def in_item_area(path: str) -> bool:
    """Under ``content/`` or ``arsip/`` (case as git stores it: ``Content/`` is another folder)."""
    return any(path.startswith(area + "/") for area in ITEM_AREAS)


def setting_value(config: SiteConfig, setting: str) -> object:
    value: object = config
    for name in setting.split("."):
        value = getattr(value, name, None)
    return value


def named_paths(config: SiteConfig | None) -> dict[str, str]:
    """The files warta.yml names, setting -> normalised repository path (settings left empty omitted)."""
    if config is None:
        return {}
    out: dict[str, str] = {}
    for setting in CONFIG_PATH_SETTINGS:
        value = setting_value(config, setting)
        if isinstance(value, str) and value.strip():
            out[setting] = posixpath.normpath(value.strip().replace("\\", "/"))
    return out


def named_path_problems(config: SiteConfig | None) -> list[str]:
    """Findings for files warta.yml names where no governed file can be (outside the repository, in an
    item area whose files history does not read as governance)."""
    problems: list[str] = []
    for setting, path in named_paths(config).items():
        where = f"{CONFIG_FILE}: {setting}: '{path}'"
        if path.startswith("/") or path == ".." or path.startswith("../") or path == ".":
            problems.append(_("{where} is not a file inside the repository; give a path relative to its root", where=where))
        elif in_item_area(path):
            problems.append(_("{where} is under {value}/, where items and the register live; a file {config_file} names "
                              "is governed (rule 8): move it, for example to theme/static/",
                              where=where, value=path.split('/')[0], config_file=CONFIG_FILE))
    return problems


def may_be_governed(path: str) -> bool:
    """Whether some ``warta.yml`` could make ``path`` governed: every file the history index follows
    (:data:`HISTORY_PATHSPEC`). Approval records of such files are governance records."""
    return not in_item_area(path)


def is_governed(path: str, config: SiteConfig | None = None) -> bool:
    """Whether a change to ``path`` needs the signatories' approval (rule 8). ``config``: the warta.yml
    whose named files (``site.logo``, ...) are governed too; without it, the patterns alone."""
    if in_item_area(path):
        return False
    if config is not None and path in named_paths(config).values():
        return True
    return _ANY.fullmatch(path) is not None


def governed_paths(tree_paths: Iterable[str], config: SiteConfig | None = None) -> list[str]:
    """The governed files among ``tree_paths``, sorted."""
    return sorted(p for p in tree_paths if is_governed(p, config))


def governed_input(path: str, config: SiteConfig | None = None) -> GovernedInput | None:
    """The row of :data:`GOVERNED_INPUTS` that governs ``path`` (the first that matches), or None."""
    if not is_governed(path, config):
        return None
    for setting, named in named_paths(config).items():
        if named == path:
            return next(row for row in GOVERNED_INPUTS if row.patterns == (f"<{setting}>",))
    return next(row for row in GOVERNED_INPUTS if row.matches(path))
