"""GitLab's API, ``/api/v4``, ``PRIVATE-TOKEN`` (or a CI job token's ``Authorization: Bearer``).

GitLab's approvals API (``GET /projects/:id/merge_requests/:iid/approvals``) says who approves *now*,
with no commit and no time. This adapter ties each approval to a commit like this:

1. the merge request's notes (``GET …/notes?sort=asc&order_by=created_at``, ``Link`` pages) hold a system
   note per action: "approved this merge request", "unapproved this merge request", "requested changes",
   with its ``author`` (numeric id) and ``created_at``;
2. its versions (``GET …/versions``: ``head_commit_sha``, ``created_at``, one per push) say which commit
   was the head at that moment: the newest version created at or before the note;
3. an approval counts only while the approvals API still lists its author (an approval revoked, or
   reset by a push, is dismissed).

What it cannot see, and docs/forges.md says: an approval has no body, so no ``Warta-Role:`` line (a
person holding two roles of one chain approves the next step they hold); "requested changes" has no
reason in its note (the return's reason is the reviewer's comment, read on the merge request); a push
and an approval are ordered by GitLab's clock to the millisecond, and the version taken is the newest
created strictly before the approval (a push in the same instant is taken as after it: the approver cannot
have seen it).
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from typing import Any

from pipeline.forges.base import (
    STATUS_CONTEXT,
    BranchRules,
    Forge,
    PullRequest,
    RegisterRules,
    Review,
    ReviewState,
    StatusState,
    User,
    epoch,
    user_of,
)
from pipeline.forges.http import MISSING, ForgeError, Http
from pipeline.i18n import _

DEVELOPER = 30  # access level that may push
_STATES = {"failure": "failed", "error": "failed", "pending": "pending", "success": "success"}
_ACTIONS: dict[str, ReviewState] = {"approved this merge request": "APPROVED",
                                    "requested changes": "CHANGES_REQUESTED"}
_UNAPPROVED = "unapproved this merge request"


def _moment(text: Any) -> float | None:
    """Seconds since 1970, with GitLab's milliseconds (``epoch`` keeps whole seconds only)."""
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).timestamp()


def headers(token: str) -> dict[str, str]:
    return {"Accept": "application/json", "PRIVATE-TOKEN": token}


def _user(raw: Any) -> User:
    return user_of(raw, "username")


def _mr(raw: Any) -> PullRequest:
    if not isinstance(raw, dict) or not raw.get("sha"):
        raise ForgeError(_("{forge}: the merge request answer has no sha", forge="gitlab"))
    return PullRequest(
        number=int(raw.get("iid") or 0), head_sha=str(raw["sha"]), base_ref=str(raw.get("target_branch") or ""),
        author=_user(raw.get("author")), url=str(raw.get("web_url") or ""), merged=raw.get("state") == "merged",
        merge_commit_sha=raw.get("merge_commit_sha") or raw.get("squash_commit_sha") or None,
    )


class GitLab(Forge):
    source = "gitlab"
    id_field = "gitlab_id"

    def __init__(self, http: Http, repository: str) -> None:
        super().__init__(http, repository)
        self.project = urllib.parse.quote(repository, safe="")

    def _p(self, path: str) -> str:
        return f"/projects/{self.project}/{path}"

    def pull_request(self, number: int) -> PullRequest:
        return _mr(self.http.get(self._p(f"merge_requests/{number}")))

    def reviews(self, pr: PullRequest) -> list[Review]:
        notes = self.http.pages(self._p(f"merge_requests/{pr.number}/notes"),
                                {"sort": "asc", "order_by": "created_at", "per_page": 100})
        versions = [(_moment(v.get("created_at")) or 0.0, str(v.get("head_commit_sha") or ""))
                    for v in self.http.pages(self._p(f"merge_requests/{pr.number}/versions"), {"per_page": 100})
                    if isinstance(v, dict)]
        versions.sort()
        approvals = self.http.get(self._p(f"merge_requests/{pr.number}/approvals"))
        current = {_user(a.get("user")).id for a in (approvals or {}).get("approved_by") or [] if isinstance(a, dict)}
        events: list[tuple[dict[str, Any], ReviewState | None]] = []
        for note in notes:
            if not isinstance(note, dict) or not note.get("system"):
                continue  # a comment counts for nothing
            text = str(note.get("body") or "").strip().casefold()
            if text == _UNAPPROVED:
                events.append((note, None))
            elif text in _ACTIONS:
                events.append((note, _ACTIONS[text]))
        out: list[Review] = []
        for i, (note, state) in enumerate(events):
            if state is None:
                continue
            user, at = _user(note.get("author")), epoch(note.get("created_at"))
            later = [s for n, s in events[i + 1:] if _user(n.get("author")).id == user.id]
            dismissed = state == "APPROVED" and (None in later or "APPROVED" in later or user.id not in current)
            moment = _moment(note.get("created_at"))
            commit = next((sha for made, sha in reversed(versions) if moment is not None and made < moment), None)
            out.append(Review(id=str(note.get("id")), url=f"{pr.url}#note_{note.get('id')}", user=user, state=state,
                              commit=commit, at=at, body="", dismissed=dismissed, edited=False))
        return out

    def is_collaborator(self, user: User) -> bool:
        if user.id <= 0:
            return False
        member = self.http.find(self._p(f"members/all/{user.id}"))
        if member is MISSING or not isinstance(member, dict) or member.get("state", "active") != "active":
            return False  # a blocked or deactivated account (someone who left) keeps its membership
        if member.get("membership_state", "active") != "active":
            return False  # an invitation not accepted, or a membership awaiting approval
        return int(member.get("access_level") or 0) >= DEVELOPER

    def post_status(self, sha: str, state: StatusState, description: str, target_url: str | None = None) -> None:
        body: dict[str, Any] = {"state": _STATES[state], "name": STATUS_CONTEXT, "description": description[:140]}
        if target_url:
            body["target_url"] = target_url
        self.http.post(self._p(f"statuses/{sha}"), body)

    def branch_rules(self, branch: str) -> BranchRules:
        raw = self.http.find(self._p(f"protected_branches/{urllib.parse.quote(branch, safe='')}"))
        if raw is MISSING:
            return BranchRules(branch, False)
        settings = self.http.get(self._p("approvals"))
        project = self.http.get(f"/projects/{self.project}")
        pipeline = bool((project or {}).get("only_allow_merge_if_pipeline_succeeds"))
        method, squash = (project or {}).get("merge_method"), (project or {}).get("squash_option")
        merges_only = None if method is None else method == "merge" and squash in (None, "never")
        return BranchRules(branch, True, code_owner_review=bool(raw.get("code_owner_approval_required")),
                           dismiss_stale=bool((settings or {}).get("reset_approvals_on_push")),
                           last_push_approval=None, required_checks=(STATUS_CONTEXT,) if pipeline else (),
                           merge_commits_only=merges_only)

    def register_rules(self, branch: str) -> RegisterRules:
        """A protected branch is never deleted by a push; ``allow_force_push``; pushes are limited when
        every ``push_access_levels`` entry is "No one" (0) or names a deploy key."""
        raw = self.http.find(self._p(f"protected_branches/{urllib.parse.quote(branch, safe='')}"))
        if raw is MISSING or not isinstance(raw, dict):
            return RegisterRules(branch, False)
        levels = [level for level in raw.get("push_access_levels") or [] if isinstance(level, dict)]
        updates = all(level.get("deploy_key_id") or int(level.get("access_level") or 0) == 0 for level in levels)
        return RegisterRules(branch, True, no_force_push=not raw.get("allow_force_push", False), no_deletion=True,
                             updates_restricted=updates)

    def merged_pull_request(self, merge_commit: str) -> PullRequest | None:
        for raw in self.http.pages(self._p(f"repository/commits/{merge_commit}/merge_requests"), {"per_page": 100}):
            mr = _mr(raw)
            if mr.merged and mr.merge_commit_sha == merge_commit:
                return mr
        return None
