"""GitHub's REST API (and one GraphQL query, for whether a review body was edited).

Paths (docs.github.com/rest): ``GET /repos/{repo}/pulls/{n}``, ``…/pulls/{n}/reviews`` (chronological,
``per_page=100``, ``Link`` pages), ``GET /repos/{repo}/issues/{n}/events`` (``review_dismissed`` events keep
the state a dismissed review had: the reviews list only says ``DISMISSED``),
``GET /repos/{repo}/collaborators/{login}/permission``, ``POST /repos/{repo}/statuses/{sha}``,
``GET /repos/{repo}/branches/{branch}/protection`` and ``GET /repos/{repo}/rules/branches/{branch}``
(rulesets), ``GET /repos/{repo}/commits/{sha}/pulls``.
"""

from __future__ import annotations

from typing import cast

from pipeline.forges.base import BranchRules, PullRequest, RegisterRules, ReposForge, Review, ReviewState, User, epoch
from pipeline.forges.http import MISSING, ForgeConfigError, ForgeError, Http
from pipeline.i18n import _

HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
_STATES = ("APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED", "PENDING")
_EDITED_QUERY = """query($owner: String!, $name: String!, $number: Int!, $after: String) {
  repository(owner: $owner, name: $name) { pullRequest(number: $number) {
    reviews(first: 100, after: $after) { nodes { databaseId lastEditedAt } pageInfo { hasNextPage endCursor } }
  } }
}"""


def headers(token: str) -> dict[str, str]:
    return {**HEADERS, "Authorization": f"Bearer {token}"}


def graphql_url(base: str) -> str:
    """``https://api.github.com/graphql``; on GitHub Enterprise Server ``…/api/graphql``."""
    return base[: -len("/v3")] + "/graphql" if base.endswith("/api/v3") else base + "/graphql"


class GitHub(ReposForge):
    source = "github"
    id_field = "github_id"
    merged_keys = ("merged", "merged_at")

    def __init__(self, http: Http, repository: str) -> None:
        super().__init__(http, repository)
        self.notes: list[str] = []

    def reviews(self, pr: PullRequest) -> list[Review]:
        raw = self.http.pages(self._repo(f"pulls/{pr.number}/reviews"), {"per_page": 100})
        dismissed = self._dismissed_states(pr.number)
        edited = self._edited(pr.number)
        out: list[Review] = []
        for r in raw:
            if not isinstance(r, dict) or r.get("id") is None:
                continue
            rid = str(r["id"])
            state = str(r.get("state") or "").upper()
            was_dismissed = state == "DISMISSED"
            if was_dismissed:
                state = dismissed.get(rid, "DISMISSED")
            if state not in _STATES:
                continue
            out.append(Review(
                id=rid, url=str(r.get("html_url") or ""), user=self._user(r.get("user")),
                state=cast(ReviewState, state), commit=r.get("commit_id") or None, at=epoch(r.get("submitted_at")),
                body=str(r.get("body") or ""), dismissed=was_dismissed,
                edited=edited.get(rid) if edited is not None else None,
            ))
        return out

    def _dismissed_states(self, number: int) -> dict[str, str]:
        """Review id -> the state it had when dismissed (from the pull request's ``review_dismissed``
        events)."""
        out: dict[str, str] = {}
        for event in self.http.pages(self._repo(f"issues/{number}/events"), {"per_page": 100}):
            if isinstance(event, dict) and event.get("event") == "review_dismissed":
                review = event.get("dismissed_review") or {}
                if isinstance(review, dict) and review.get("review_id") is not None:
                    out[str(review["review_id"])] = str(review.get("state") or "").upper()
        return out

    def _edited(self, number: int) -> dict[str, bool] | None:
        """Review id -> whether its body was edited (GraphQL ``lastEditedAt``); ``None`` when the query
        fails (then no ``Warta-Role:`` line is trusted)."""
        owner, _slash, name = self.repository.partition("/")
        out: dict[str, bool] = {}
        after: str | None = None
        try:
            for _page in range(self.http.max_pages):
                answer = self.http.post(graphql_url(self.http.base), {"query": _EDITED_QUERY, "variables": {
                    "owner": owner, "name": name, "number": number, "after": after}})
                reviews = answer["data"]["repository"]["pullRequest"]["reviews"]
                for node in reviews["nodes"]:
                    out[str(node["databaseId"])] = node.get("lastEditedAt") is not None
                if not reviews["pageInfo"]["hasNextPage"]:
                    return out
                after = reviews["pageInfo"]["endCursor"]
        except (ForgeError, ForgeConfigError, KeyError, TypeError) as exc:
            self.notes.append(_("github: cannot tell which reviews were edited ({reason}): Warta-Role lines are not "
                                "trusted", reason=str(exc)[:120]))
            return None
        return out

    def is_collaborator(self, user: User) -> bool:
        if user.id <= 0 or not user.login or user.login == "?":
            return False
        answer = self.http.find(self._repo(f"collaborators/{user.login}/permission"))
        if answer is MISSING or not isinstance(answer, dict):
            return False
        same = self._user(answer.get("user")).id == user.id  # the login may have been taken over by someone else
        return same and answer.get("permission") in ("admin", "maintain", "write")

    def branch_rules(self, branch: str) -> BranchRules:
        notes: list[str] = []
        found = {"code_owner": False, "stale": False, "last_push": False}
        checks: set[str] = set()
        protected = False
        try:
            raw = self.http.get(self._repo(f"branches/{branch}/protection"))
            protected = True
            reviews = raw.get("required_pull_request_reviews") or {}
            found["code_owner"] |= bool(reviews.get("require_code_owner_reviews"))
            found["stale"] |= bool(reviews.get("dismiss_stale_reviews"))
            found["last_push"] |= bool(reviews.get("require_last_push_approval"))
            status = raw.get("required_status_checks") or {}
            checks.update(str(c) for c in status.get("contexts") or [])
            checks.update(str(c.get("context")) for c in status.get("checks") or [] if isinstance(c, dict))
        except ForgeConfigError as exc:
            if exc.status != 404:
                notes.append(_("the classic branch protection cannot be read with this token (it needs "
                               "administration: read); only rulesets were checked"))
        for rule in self.http.pages(self._repo(f"rules/branches/{branch}"), {"per_page": 100}):
            if not isinstance(rule, dict):
                continue
            params = rule.get("parameters") or {}
            if rule.get("type") == "pull_request":
                protected = True
                found["code_owner"] |= bool(params.get("require_code_owner_review"))
                found["stale"] |= bool(params.get("dismiss_stale_reviews_on_push"))
                found["last_push"] |= bool(params.get("require_last_push_approval"))
            elif rule.get("type") == "required_status_checks":
                protected = True
                checks.update(str(c.get("context")) for c in params.get("required_status_checks") or []
                              if isinstance(c, dict))
        try:
            repo = self.http.get(f"/repos/{self.repository}")
        except ForgeConfigError:
            repo = None
        merges_only = None
        if isinstance(repo, dict) and "allow_squash_merge" in repo:
            merges_only = not repo.get("allow_squash_merge") and not repo.get("allow_rebase_merge")
        return BranchRules(branch, protected, found["code_owner"], found["stale"], found["last_push"],
                           tuple(sorted(checks)), tuple(notes), merges_only)

    def register_rules(self, branch: str) -> RegisterRules:
        """Classic protection (``allow_force_pushes``, ``allow_deletions``, push ``restrictions``) or the
        rulesets that apply to ``branch`` (``non_fast_forward``, ``deletion``, ``update``): either gives a rule."""
        notes: list[str] = []
        protected = force = deletion = updates = False
        try:
            raw = self.http.get(self._repo(f"branches/{branch}/protection"))
            protected = True
            force = not (raw.get("allow_force_pushes") or {}).get("enabled", False)
            deletion = not (raw.get("allow_deletions") or {}).get("enabled", False)
            updates = raw.get("restrictions") is not None or bool((raw.get("lock_branch") or {}).get("enabled"))
        except ForgeConfigError as exc:
            if exc.status != 404:
                notes.append(_("the classic branch protection cannot be read with this token (it needs "
                               "administration: read); only rulesets were checked"))
        kinds = {str(rule.get("type")) for rule in self.http.pages(self._repo(f"rules/branches/{branch}"),
                                                                   {"per_page": 100}) if isinstance(rule, dict)}
        protected = protected or bool(kinds & {"non_fast_forward", "deletion", "update"})
        return RegisterRules(branch, protected, force or "non_fast_forward" in kinds,
                             deletion or "deletion" in kinds, updates or "update" in kinds, tuple(notes))

    def merged_pull_request(self, merge_commit: str) -> PullRequest | None:
        for raw in self.http.pages(self._repo(f"commits/{merge_commit}/pulls"), {"per_page": 100}):
            pr = self._pull(raw)
            if pr.merged and pr.merge_commit_sha == merge_commit:
                return pr
        return None
