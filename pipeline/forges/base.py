"""The one small interface every forge adapter gives (:class:`Forge`), and the plain data it answers
with. The approval rules never see a forge's own JSON: :mod:`pipeline.approvals.forge_reviews` judges
these values with the same chain as git records.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Literal

from pipeline.forges.http import Http
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

    @abstractmethod
    def merged_pull_request(self, merge_commit: str) -> PullRequest | None:
        """The merged pull request whose merge commit is ``merge_commit`` (``None``: none)."""
