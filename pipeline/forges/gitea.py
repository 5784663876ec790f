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

from pipeline.forges.base import BranchRules, PullRequest, RegisterRules, ReposForge, Review, ReviewState, User, epoch
from pipeline.forges.http import MISSING

PAGE = 50
_STATES: dict[str, ReviewState] = {"APPROVED": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED",
                                   "COMMENT": "COMMENTED", "PENDING": "PENDING"}


def headers(token: str) -> dict[str, str]:
    return {"Accept": "application/json", "Authorization": f"token {token}"}


class Gitea(ReposForge):
    source = "gitea"
    id_field = "gitea_id"
    login_keys = ("login", "username")

    def reviews(self, pr: PullRequest) -> list[Review]:
        out: list[Review] = []
        for r in self.http.numbered_pages(self._repo(f"pulls/{pr.number}/reviews"), PAGE):
            if not isinstance(r, dict) or r.get("id") is None:
                continue
            state = _STATES.get(str(r.get("state") or "").upper())
            if state is None:
                continue  # REQUEST_REVIEW: someone asked for a review; nothing was decided
            submitted, updated = epoch(r.get("submitted_at")), epoch(r.get("updated_at"))
            out.append(Review(
                id=str(r["id"]), url=str(r.get("html_url") or ""), user=self._user(r.get("user")), state=state,
                commit=r.get("commit_id") or None, at=submitted, body=str(r.get("body") or ""),
                dismissed=bool(r.get("dismissed")),
                edited=None if submitted is None or updated is None else updated > submitted,
            ))
        out.sort(key=lambda r: (r.at or 0, int(r.id) if r.id.isdigit() else 0))
        return out

    def is_collaborator(self, user: User) -> bool:
        if user.id <= 0 or user.login == "?":
            return False
        answer = self.http.find(self._repo(f"collaborators/{user.login}/permission"), missing=(403, 404))
        if answer is MISSING or not isinstance(answer, dict):
            return False
        return self._user(answer.get("user")).id == user.id and answer.get("permission") in ("owner", "admin", "write")

    def branch_rules(self, branch: str) -> BranchRules:
        raw = self.http.find(self._repo(f"branch_protections/{branch}"))
        if raw is MISSING:
            return BranchRules(branch, False)
        checks = tuple(str(c) for c in raw.get("status_check_contexts") or []) if raw.get("enable_status_check") else ()
        repo = self.http.get(f"/repos/{self.repository}")
        merges_only = None
        if isinstance(repo, dict) and "allow_squash_merge" in repo:
            merges_only = not any(repo.get(k) for k in ("allow_squash_merge", "allow_rebase", "allow_rebase_explicit",
                                                         "allow_fast_forward_only_merge"))
        return BranchRules(branch, True, code_owner_review=bool(raw.get("enable_approvals_whitelist")),
                           dismiss_stale=bool(raw.get("dismiss_stale_approvals")), last_push_approval=None,
                           required_checks=checks, merge_commits_only=merges_only)

    def register_rules(self, branch: str) -> RegisterRules:
        """Gitea and Forgejo never delete a protected branch; force pushes are refused unless
        ``enable_force_push`` (1.22 and later) says otherwise; pushes are limited by ``enable_push`` off or an
        allow-list (``enable_push_whitelist``, deploy keys by ``push_whitelist_deploy_keys``)."""
        raw = self.http.find(self._repo(f"branch_protections/{branch}"))
        if raw is MISSING or not isinstance(raw, dict):
            return RegisterRules(branch, False)
        updates = not raw.get("enable_push", True) or bool(raw.get("enable_push_whitelist"))
        return RegisterRules(branch, True, no_force_push=not raw.get("enable_force_push", False), no_deletion=True,
                             updates_restricted=updates)

    def merged_pull_request(self, merge_commit: str) -> PullRequest | None:
        raw = self.http.find(self._repo(f"commits/{merge_commit}/pull"))
        if raw is MISSING:
            return None
        pr = self._pull(raw)
        return pr if pr.merged and pr.merge_commit_sha == merge_commit else None
