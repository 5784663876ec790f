"""The one small interface every forge adapter gives (:class:`Forge`), and the plain data it answers
with. The approval rules never see a forge's own JSON: :mod:`pipeline.approvals.forge_reviews` judges
these values with the same chain as git records.

What the adapters share lives here too: :func:`user_of` (an account in any forge's answer) and
:class:`ReposForge`, the ``/repos/{owner}/{name}/…`` paths, pull-request answers and commit statuses that
GitHub and Gitea (Forgejo) have in common.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Literal

from pipeline.forges.http import ForgeError, Http
from pipeline.i18n import _

STATUS_CONTEXT = "warta/approvals"
Source = Literal["github", "gitlab", "gitea"]
ReviewState = Literal["APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED", "PENDING"]
StatusState = Literal["pending", "success", "failure", "error"]


@dataclass(frozen=True)
class User:
    """A forge account: the numeric ``id`` is what matches a person; the ``login`` is for display."""

    id: int
    login: str


@dataclass(frozen=True)
class PullRequest:
    number: int
    head_sha: str
    base_ref: str
    author: User
    url: str = ""
    merged: bool = False
    merge_commit_sha: str | None = None


@dataclass(frozen=True)
class Review:
    """One review as submitted. ``state``: what the reviewer chose (a dismissed review keeps the state it
    had, with ``dismissed``; ``DISMISSED`` only when the forge no longer tells which). ``at``: epoch
    seconds. ``edited``: the body was changed after submission (``None``: the forge cannot tell)."""

    id: str
    url: str
    user: User
    state: ReviewState
    commit: str | None
    at: int | None
    body: str = ""
    dismissed: bool = False
    edited: bool | None = None


@dataclass(frozen=True)
class BranchRules:
    """What the forge's protection of the main branch requires (``None``: the forge has no such rule,
    or it could not be read, with ``notes`` saying which)."""

    branch: str
    protected: bool
    code_owner_review: bool | None = None
    dismiss_stale: bool | None = None
    last_push_approval: bool | None = None
    required_checks: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())
    merge_commits_only: bool | None = None  # squash and rebase merges drop the records and the reviewed commits

    def weaknesses(self) -> list[str]:
        """Every rule weaker than docs/forges.md requires, in words."""
        if not self.protected:
            return [_("branch {branch} is not protected: anyone with push access can merge an incomplete chain or "
                      "push to it directly", branch=self.branch)]
        out: list[str] = []
        if not self.code_owner_review:
            out.append(_("code-owner review is not required (CODEOWNERS gives governed and CI files to the "
                         "signatories)"))
        if not self.dismiss_stale and not self.last_push_approval:
            out.append(_("approvals are not dismissed on a new push (dismiss stale reviews / require approval of "
                         "the latest push)"))
        if STATUS_CONTEXT not in self.required_checks:
            out.append(_("the check {check} is not required before merging", check=STATUS_CONTEXT))
        if self.merge_commits_only is False:
            out.append(_("squash or rebase merging is allowed: it drops the approval records and the reviewed "
                         "commits; allow merge commits only"))
        return [*out, *self.notes]


@dataclass(frozen=True)
class RegisterRules:
    """What the forge's protection of the register branch (``archive.register_branch``) gives: it only
    grows, it is never deleted, and only the deploy key pushes it (docs/ci.md). ``None``: not known."""

    branch: str
    protected: bool
    no_force_push: bool | None = None
    no_deletion: bool | None = None
    updates_restricted: bool | None = None
    notes: tuple[str, ...] = field(default=())

    def weaknesses(self) -> list[str]:
        """Every rule weaker than docs/ci.md requires of the register branch, in words."""
        if not self.protected:
            return [_("the register branch {branch} is not protected: anyone with push access can rewind or delete "
                      "it (docs/ci.md: the register branch's ruleset)", branch=self.branch)]
        out: list[str] = []
        if self.no_force_push is False:
            out.append(_("force pushes to the register branch {branch} are allowed", branch=self.branch))
        if self.no_deletion is False:
            out.append(_("the register branch {branch} can be deleted", branch=self.branch))
        if self.updates_restricted is False:
            out.append(_("anyone with push access can push to the register branch {branch}: restrict updates to "
                         "the deploy key", branch=self.branch))
        return [*out, *self.notes]


def epoch(text: str | None) -> int | None:
    """Seconds since 1970 of an ISO 8601 time (``Z`` or an offset), or ``None``."""
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp())


class Forge(ABC):
    """One forge repository. Adapters implement the six questions below and nothing else."""

    source: Source
    id_field: str  # the people.yaml field holding this forge's user ids

    def __init__(self, http: Http, repository: str) -> None:
        self.http = http
        self.repository = repository

    @abstractmethod
    def pull_request(self, number: int) -> PullRequest:
        """The pull (merge) request ``number``."""

    @abstractmethod
    def reviews(self, pr: PullRequest) -> list[Review]:
        """Its reviews, oldest first (every page)."""

    @abstractmethod
    def is_collaborator(self, user: User) -> bool:
        """``user`` may still write to the repository (a reviewer who left the office's team counts for
        nothing, whatever people.yaml says)."""

    @abstractmethod
    def post_status(self, sha: str, state: StatusState, description: str, target_url: str | None = None) -> None:
        """Set the commit status :data:`STATUS_CONTEXT` on ``sha``."""

    @abstractmethod
    def branch_rules(self, branch: str) -> BranchRules:
        """The protection of ``branch``."""

    def register_rules(self, branch: str) -> RegisterRules:
        """The protection of the register branch ``branch`` (an adapter that cannot read it says so)."""
        return RegisterRules(branch, True, notes=(_("the protection of the register branch {branch} cannot be "
                                                    "read on this forge: check it by hand (docs/ci.md)",
                                                    branch=branch),))

    @abstractmethod
    def merged_pull_request(self, merge_commit: str) -> PullRequest | None:
        """The merged pull request whose merge commit is ``merge_commit`` (``None``: none)."""


def user_of(raw: Any, *login_keys: str) -> User:
    """The account in a forge's answer: its numeric ``id`` and the first of ``login_keys`` it has (``?``
    when none; ``User(0, "?")`` when there is no numeric id)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), int):
        return User(0, "?")
    return User(raw["id"], str(next((raw[key] for key in login_keys if raw.get(key)), "?")))


class ReposForge(Forge):
    """A forge with GitHub's repository API: ``/repos/{owner}/{name}/…`` paths, pull requests answered as
    ``{number, head: {sha}, base: {ref}, user, html_url, merge_commit_sha}`` and ``POST …/statuses/{sha}``
    (GitHub; Gitea and Forgejo copy it)."""

    login_keys: tuple[str, ...] = ("login",)  # where an account's answer names it
    merged_keys: tuple[str, ...] = ("merged",)  # a pull request is merged when one of these is set

    def _repo(self, path: str) -> str:
        return f"/repos/{self.repository}/{path}"

    def _user(self, raw: Any) -> User:
        return user_of(raw, *self.login_keys)

    def _pull(self, raw: Any) -> PullRequest:
        if not isinstance(raw, dict) or not isinstance(raw.get("head"), dict):
            raise ForgeError(_("{forge}: the pull request answer has no head", forge=self.source))
        return PullRequest(
            number=int(raw.get("number") or 0), head_sha=str(raw["head"].get("sha") or ""),
            base_ref=str((raw.get("base") or {}).get("ref") or ""), author=self._user(raw.get("user")),
            url=str(raw.get("html_url") or ""), merged=any(raw.get(key) for key in self.merged_keys),
            merge_commit_sha=raw.get("merge_commit_sha") or None,
        )

    def pull_request(self, number: int) -> PullRequest:
        return self._pull(self.http.get(self._repo(f"pulls/{number}")))

    def post_status(self, sha: str, state: StatusState, description: str, target_url: str | None = None) -> None:
        body: dict[str, Any] = {"state": state, "context": STATUS_CONTEXT, "description": description[:140]}
        if target_url:
            body["target_url"] = target_url
        self.http.post(self._repo(f"statuses/{sha}"), body)
