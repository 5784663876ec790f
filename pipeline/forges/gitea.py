"""Gitea's (and Forgejo's) API, ``/api/v1``, ``Authorization: token <t>``.

Paths (the instance's ``/api/swagger``): ``GET /repos/{o}/{r}/pulls/{index}``, ``…/pulls/{index}/reviews``
(``page``/``limit``; ``Link`` pages, and a full page without one asks for the next), reviews
``{id, user, state: APPROVED|PENDING|COMMENT|REQUEST_CHANGES|REQUEST_REVIEW, body, commit_id, dismissed,
submitted_at, updated_at, html_url}`` (a dismissed review keeps its state, with ``dismissed: true``),
``GET /repos/{o}/{r}/collaborators/{login}/permission``, ``POST /repos/{o}/{r}/statuses/{sha}``,
``GET /repos/{o}/{r}/branch_protections/{name}``, ``GET /repos/{o}/{r}/commits/{sha}/pull``.

Gitea has no "code-owner review required" rule: the closest is that only the approvals of a whitelist
count (``enable_approvals_whitelist``), which docs/forges.md asks for (the signatories).
"""

from __future__ import annotations

from typing import Any

from pipeline.forges.base import (
    STATUS_CONTEXT,
    BranchRules,
    Forge,
    PullRequest,
    Review,
    ReviewState,
    StatusState,
    User,
    epoch,
)
from pipeline.forges.http import ForgeConfigError, ForgeError, next_link
from pipeline.i18n import _

PAGE = 50
_STATES: dict[str, ReviewState] = {"APPROVED": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED",
                                   "COMMENT": "COMMENTED", "PENDING": "PENDING"}


def headers(token: str) -> dict[str, str]:
    return {"Accept": "application/json", "Authorization": f"token {token}"}


def _user(raw: Any) -> User:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), int):
        return User(0, "?")
    return User(raw["id"], str(raw.get("login") or raw.get("username") or "?"))


def _pull(raw: Any) -> PullRequest:
    if not isinstance(raw, dict) or not isinstance(raw.get("head"), dict):
        raise ForgeError(_("{forge}: the pull request answer has no head", forge="gitea"))
    return PullRequest(
        number=int(raw.get("number") or 0), head_sha=str(raw["head"].get("sha") or ""),
        base_ref=str((raw.get("base") or {}).get("ref") or ""), author=_user(raw.get("user")),
        url=str(raw.get("html_url") or ""), merged=bool(raw.get("merged")),
        merge_commit_sha=raw.get("merge_commit_sha") or None,
    )


class Gitea(Forge):
    source = "gitea"
    id_field = "gitea_id"

    def _repo(self, path: str) -> str:
        return f"/repos/{self.repository}/{path}"

    def _pages(self, path: str) -> list[Any]:
        """Every element: ``Link`` pages when the server sends them, else ``page=N`` until a short page."""
        out: list[Any] = []
        for page in range(1, self.http.max_pages + 1):
            response = self.http.request("GET", self._repo(path), params={"page": page, "limit": PAGE})
            items = response.json()
            if not isinstance(items, list):
                raise ForgeError(_("{forge}: {path} did not answer a list", forge="gitea", path=path))
            out.extend(items)
            if next_link(response.headers.get("link")) is None and len(items) < PAGE:
                return out
            if not items:
                return out
        raise ForgeError(_("{forge}: more than {n} pages at {path}", forge="gitea",
                                   n=self.http.max_pages, path=path))

    def pull_request(self, number: int) -> PullRequest:
        return _pull(self.http.get(self._repo(f"pulls/{number}")))

    def reviews(self, pr: PullRequest) -> list[Review]:
        out: list[Review] = []
        for r in self._pages(f"pulls/{pr.number}/reviews"):
            if not isinstance(r, dict) or r.get("id") is None:
                continue
            state = _STATES.get(str(r.get("state") or "").upper())
            if state is None:
                continue  # REQUEST_REVIEW: someone asked for a review; nothing was decided
            submitted, updated = epoch(r.get("submitted_at")), epoch(r.get("updated_at"))
            out.append(Review(
                id=str(r["id"]), url=str(r.get("html_url") or ""), user=_user(r.get("user")), state=state,
                commit=r.get("commit_id") or None, at=submitted, body=str(r.get("body") or ""),
                dismissed=bool(r.get("dismissed")),
                edited=None if submitted is None or updated is None else updated > submitted,
            ))
        out.sort(key=lambda r: (r.at or 0, int(r.id) if r.id.isdigit() else 0))
        return out

    def is_collaborator(self, user: User) -> bool:
        if user.id <= 0 or user.login == "?":
            return False
        try:
            answer = self.http.get(self._repo(f"collaborators/{user.login}/permission"))
        except ForgeConfigError as exc:
            if exc.status in (403, 404):
                return False
            raise
        if not isinstance(answer, dict):
            return False
        return _user(answer.get("user")).id == user.id and answer.get("permission") in ("owner", "admin", "write")

    def post_status(self, sha: str, state: StatusState, description: str, target_url: str | None = None) -> None:
        body: dict[str, Any] = {"state": state, "context": STATUS_CONTEXT, "description": description[:140]}
        if target_url:
            body["target_url"] = target_url
        self.http.post(self._repo(f"statuses/{sha}"), body)

    def branch_rules(self, branch: str) -> BranchRules:
        try:
            raw = self.http.get(self._repo(f"branch_protections/{branch}"))
        except ForgeConfigError as exc:
            if exc.status == 404:
                return BranchRules(branch, False)
            raise
        checks = tuple(str(c) for c in raw.get("status_check_contexts") or []) if raw.get("enable_status_check") else ()
        repo = self.http.get(f"/repos/{self.repository}")
        merges_only = None
        if isinstance(repo, dict) and "allow_squash_merge" in repo:
            merges_only = not any(repo.get(k) for k in ("allow_squash_merge", "allow_rebase", "allow_rebase_explicit",
                                                         "allow_fast_forward_only_merge"))
        return BranchRules(branch, True, code_owner_review=bool(raw.get("enable_approvals_whitelist")),
                           dismiss_stale=bool(raw.get("dismiss_stale_approvals")), last_push_approval=None,
                           required_checks=checks, merge_commits_only=merges_only)

    def merged_pull_request(self, merge_commit: str) -> PullRequest | None:
        try:
            pr = _pull(self.http.get(self._repo(f"commits/{merge_commit}/pull")))
        except ForgeConfigError as exc:
            if exc.status == 404:
                return None
            raise
        return pr if pr.merged and pr.merge_commit_sha == merge_commit else None
