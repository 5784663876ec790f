"""Local stand-ins for the forges' APIs on 127.0.0.1 (a port the system picks), written from the
documented paths and shapes (docs.github.com/rest, Gitea's swagger, docs.gitlab.com/api; see
shared/APIS.md), not from warta's adapters.

Each server keeps plain state (pull requests, reviews, permissions, statuses posted) and serves it with
the forge's pagination (``Link: <…>; rel="next"``), authentication (401 for a wrong token) and faults a
test queues: a rate limit (403 with ``x-ratelimit-remaining: 0`` and ``x-ratelimit-reset``, or 429 with
``retry-after``), a request that never gets an answer (until the server stops), a dropped connection, a
redirect to another host.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "ghs_test_token_0123456789"
Answer = tuple[int, dict[str, str], Any]
Route = tuple[str, re.Pattern[str], Callable[..., Answer]]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        return None

    def _serve(self) -> None:
        self.server.forge.serve(self)

    do_GET = _serve
    do_POST = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    forge: ForgeServer


class ForgeServer:
    """The common part: routing, faults, pagination, the request log."""

    auth_header = "Authorization"
    auth_value = f"Bearer {TOKEN}"
    page_param = "per_page"
    default_page = 30

    def __init__(self) -> None:
        self.httpd = _Server(("127.0.0.1", 0), _Handler)
        self.httpd.forge = self
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.requests: list[dict[str, Any]] = []
        self.faults: list[str] = []
        self.release = threading.Event()
        self.routes: list[Route] = []
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def start(self) -> ForgeServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def route(self, method: str, pattern: str, fn: Callable[..., Answer]) -> None:
        self.routes.append((method, re.compile(f"^{pattern}$"), fn))

    # -- serving -----------------------------------------------------------------------------------

    def serve(self, h: _Handler) -> None:
        parts = urlsplit(h.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        length = int(h.headers.get("content-length") or 0)
        body = json.loads(h.rfile.read(length)) if length else None
        self.requests.append({"method": h.command, "path": parts.path, "query": query, "body": body,
                              "headers": dict(h.headers)})
        if self.faults:
            fault = self.faults.pop(0)
            if fault == "stall":
                self.release.wait(30)
                return
            if fault == "drop":
                h.close_connection = True
                h.connection.shutdown(2)
                return
            if fault == "ratelimit":
                reset = str(int(time.time()) + 2)
                return self._send(h, 403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset},
                                  {"message": "API rate limit exceeded"})
            if fault == "retry-after":
                return self._send(h, 429, {"retry-after": "3"}, {"message": "slow down"})
            if fault == "far-reset":
                reset = str(int(time.time()) + 3600)
                return self._send(h, 403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset},
                                  {"message": "API rate limit exceeded"})
            if fault.startswith("redirect:"):
                return self._send(h, 301, {"location": fault.split(":", 1)[1] + parts.path}, {"message": "Moved"})
            if fault == "500":
                return self._send(h, 500, {}, {"message": "boom"})
        if h.headers.get(self.auth_header) != self.auth_value:
            return self._send(h, 401, {}, {"message": "Bad credentials"})
        for method, pattern, fn in self.routes:
            match = pattern.match(parts.path)
            if method == h.command and match:
                status, headers, payload = fn(*match.groups(), query=query, body=body)
                return self._send(h, status, headers, payload)
        self._send(h, 404, {}, {"message": "Not Found"})

    def _send(self, h: _Handler, status: int, headers: dict[str, str], payload: Any) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        h.send_response(status)
        h.send_header("content-type", "application/json")
        h.send_header("content-length", str(len(data)))
        for key, value in headers.items():
            h.send_header(key, value)
        h.end_headers()
        h.wfile.write(data)

    def paged(self, path: str, items: list[Any], query: dict[str, str]) -> Answer:
        """``items`` one page at a time, with a ``Link`` header to the next page."""
        size = int(query.get(self.page_param, self.default_page))
        page = int(query.get("page", 1))
        chunk = items[(page - 1) * size: page * size]
        headers: dict[str, str] = {}
        if page * size < len(items):
            rest = "&".join(f"{k}={v}" for k, v in query.items() if k != "page")
            headers["link"] = f'<{self.url}{path}?{rest}&page={page + 1}>; rel="next", <{self.url}{path}>; rel="first"'
        return 200, headers, chunk

    def seen(self, pattern: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if re.search(pattern, r["path"])]


def iso(epoch: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


class GitHubServer(ForgeServer):
    """``/repos/{owner}/{name}/…`` of GitHub's REST API, and the GraphQL query for edited reviews."""

    def __init__(self, repository: str = "dinas/situs") -> None:
        super().__init__()
        self.repository = repository
        self.pulls: dict[int, dict[str, Any]] = {}
        self.reviews: dict[int, list[dict[str, Any]]] = {}
        self.events: dict[int, list[dict[str, Any]]] = {}
        self.edited: set[int] = set()
        self.permissions: dict[str, tuple[int, str]] = {}
        self.statuses: list[tuple[str, dict[str, Any]]] = []
        self.protection: dict[str, Any] | None = None
        self.rules: list[dict[str, Any]] = []
        self.protection_of: dict[str, dict[str, Any] | None] = {}  # per branch, over `protection`
        self.rules_of: dict[str, list[dict[str, Any]]] = {}  # per branch, over `rules`
        self.graphql_fails = False
        self.settings: dict[str, Any] = {"allow_merge_commit": True, "allow_squash_merge": True,
                                         "allow_rebase_merge": True}  # GitHub's defaults
        self._next_id = 1000
        r = f"/repos/{repository}"
        self.route("GET", rf"{r}", lambda **_: (200, {}, {"full_name": repository, **self.settings}))
        self.route("GET", rf"{r}/pulls/(\d+)", self._pull)
        self.route("GET", rf"{r}/pulls/(\d+)/reviews", self._reviews)
        self.route("GET", rf"{r}/issues/(\d+)/events", self._events)
        self.route("GET", rf"{r}/collaborators/([^/]+)/permission", self._permission)
        self.route("POST", rf"{r}/statuses/([0-9a-f]+)", self._status)
        self.route("GET", rf"{r}/branches/([^/]+)/protection", self._protection)
        self.route("GET", rf"{r}/rules/branches/([^/]+)", self._rules)
        self.route("GET", rf"{r}/commits/([0-9a-f]+)/pulls", self._commit_pulls)
        self.route("POST", r"/graphql", self._graphql)

    # -- state ---------------------------------------------------------------------------------------

    def add_pull(self, number: int, head: str, author: tuple[int, str], base: str = "main") -> None:
        self.pulls[number] = {"number": number, "head": {"sha": head, "ref": "rilis"}, "base": {"ref": base},
                              "user": {"id": author[0], "login": author[1], "type": "User"},
                              "html_url": f"https://github.com/{self.repository}/pull/{number}",
                              "merged": False, "merge_commit_sha": None, "merged_at": None}

    def merge_pull(self, number: int, merge_commit: str) -> None:
        self.pulls[number].update(merged=True, merge_commit_sha=merge_commit, merged_at=iso(int(time.time())))

    def review(self, number: int, user: tuple[int, str], state: str, commit: str, at: int, body: str = "") -> int:
        self._next_id += 1
        rid = self._next_id
        self.reviews.setdefault(number, []).append({
            "id": rid, "node_id": f"PRR_{rid}", "user": {"login": user[1], "id": user[0], "type": "User"},
            "body": body, "state": state, "commit_id": commit, "submitted_at": iso(at),
            "html_url": f"https://github.com/{self.repository}/pull/{number}#pullrequestreview-{rid}",
            "author_association": "COLLABORATOR"})
        return rid

    def dismiss(self, number: int, rid: int) -> None:
        for review in self.reviews[number]:
            if review["id"] == rid:
                self.events.setdefault(number, []).append({
                    "id": rid + 50000, "event": "review_dismissed", "created_at": iso(int(time.time())),
                    "dismissed_review": {"state": review["state"].lower(), "review_id": rid,
                                         "dismissal_message": "dismissed"}})
                review["state"] = "DISMISSED"

    def collaborator(self, user: tuple[int, str], permission: str = "write") -> None:
        self.permissions[user[1].casefold()] = (user[0], permission)

    # -- routes --------------------------------------------------------------------------------------

    def _pull(self, n: str, **_: Any) -> Answer:
        pull = self.pulls.get(int(n))
        return (200, {}, pull) if pull else (404, {}, {"message": "Not Found"})

    def _reviews(self, n: str, query: dict[str, str], **_: Any) -> Answer:
        return self.paged(f"/repos/{self.repository}/pulls/{n}/reviews", self.reviews.get(int(n), []), query)

    def _events(self, n: str, query: dict[str, str], **_: Any) -> Answer:
        return self.paged(f"/repos/{self.repository}/issues/{n}/events", self.events.get(int(n), []), query)

    def _permission(self, login: str, **_: Any) -> Answer:
        found = self.permissions.get(login.casefold())
        if found is None:
            return 404, {}, {"message": "Not Found"}
        return 200, {}, {"permission": found[1], "role_name": found[1], "user": {"id": found[0], "login": login}}

    def _status(self, sha: str, body: dict[str, Any], **_: Any) -> Answer:
        self.statuses.append((sha, body))
        return 201, {}, {"id": len(self.statuses), "state": body["state"], "context": body["context"]}

    def _protection(self, branch: str, **_: Any) -> Answer:
        protection = self.protection_of.get(branch, self.protection)
        if protection is None:
            return 404, {}, {"message": "Branch not protected"}
        return 200, {}, protection

    def _rules(self, branch: str, query: dict[str, str], **_: Any) -> Answer:
        return self.paged(f"/repos/{self.repository}/rules/branches/{branch}", self.rules_of.get(branch, self.rules),
                          query)

    def _commit_pulls(self, sha: str, query: dict[str, str], **_: Any) -> Answer:
        found = [p for p in self.pulls.values() if p["merge_commit_sha"] == sha or p["head"]["sha"] == sha]
        return self.paged(f"/repos/{self.repository}/commits/{sha}/pulls", found, query)

    def _graphql(self, body: dict[str, Any], **_: Any) -> Answer:
        if self.graphql_fails:
            return 403, {}, {"message": "Resource not accessible by integration"}
        number = int(body["variables"]["number"])
        nodes = [{"databaseId": r["id"], "lastEditedAt": iso(int(time.time())) if r["id"] in self.edited else None}
                 for r in self.reviews.get(number, [])]
        return 200, {}, {"data": {"repository": {"pullRequest": {"reviews": {
            "nodes": nodes, "pageInfo": {"hasNextPage": False, "endCursor": None}}}}}}


class GiteaServer(ForgeServer):
    """``/api/v1/repos/{owner}/{name}/…`` of Gitea (and Forgejo): ``page``/``limit`` with ``Link`` headers."""

    auth_value = f"token {TOKEN}"
    page_param = "limit"

    def __init__(self, repository: str = "dinas/situs") -> None:
        super().__init__()
        self.repository = repository
        self.api = f"{self.url}/api/v1"
        self.pulls: dict[int, dict[str, Any]] = {}
        self.reviews: dict[int, list[dict[str, Any]]] = {}
        self.permissions: dict[str, tuple[int, str]] = {}
        self.statuses: list[tuple[str, dict[str, Any]]] = []
        self.protection: dict[str, Any] | None = None
        self.protection_of: dict[str, dict[str, Any] | None] = {}  # per branch, over `protection`
        self.settings: dict[str, Any] = {"allow_merge_commits": True, "allow_squash_merge": True, "allow_rebase": True,
                                         "allow_rebase_explicit": True}  # Gitea's defaults
        self._next_id = 50
        r = f"/api/v1/repos/{repository}"
        self.route("GET", rf"{r}", lambda **_: (200, {}, {"full_name": repository, **self.settings}))
        self.route("GET", rf"{r}/pulls/(\d+)", self._pull)
        self.route("GET", rf"{r}/pulls/(\d+)/reviews", self._reviews)
        self.route("GET", rf"{r}/collaborators/([^/]+)/permission", self._permission)
        self.route("POST", rf"{r}/statuses/([0-9a-f]+)", self._status)
        self.route("GET", rf"{r}/branch_protections/([^/]+)", self._protection)
        self.route("GET", rf"{r}/commits/([0-9a-f]+)/pull", self._commit_pull)

    def add_pull(self, number: int, head: str, author: tuple[int, str]) -> None:
        self.pulls[number] = {"number": number, "head": {"sha": head, "ref": "rilis"}, "base": {"ref": "main"},
                              "user": {"id": author[0], "login": author[1]}, "merged": False, "merge_commit_sha": None,
                              "html_url": f"{self.url}/{self.repository}/pulls/{number}"}

    def review(self, number: int, user: tuple[int, str], state: str, commit: str, at: int, body: str = "",
               *, dismissed: bool = False, updated: int | None = None) -> int:
        self._next_id += 1
        self.reviews.setdefault(number, []).append({
            "id": self._next_id, "user": {"id": user[0], "login": user[1]}, "state": state, "body": body,
            "commit_id": commit, "stale": False, "official": True, "dismissed": dismissed,
            "submitted_at": iso(at), "updated_at": iso(updated or at),
            "html_url": f"{self.url}/{self.repository}/pulls/{number}#issuecomment-{self._next_id}"})
        return self._next_id

    def collaborator(self, user: tuple[int, str], permission: str = "write") -> None:
        self.permissions[user[1].casefold()] = (user[0], permission)

    def _pull(self, n: str, **_: Any) -> Answer:
        pull = self.pulls.get(int(n))
        return (200, {}, pull) if pull else (404, {}, {"message": "not found"})

    def _reviews(self, n: str, query: dict[str, str], **_: Any) -> Answer:
        return self.paged(f"/api/v1/repos/{self.repository}/pulls/{n}/reviews", self.reviews.get(int(n), []), query)

    def _permission(self, login: str, **_: Any) -> Answer:
        found = self.permissions.get(login.casefold())
        if found is None:
            return 404, {}, {"message": "not found"}
        return 200, {}, {"permission": found[1], "role_name": found[1], "user": {"id": found[0], "login": login}}

    def _status(self, sha: str, body: dict[str, Any], **_: Any) -> Answer:
        self.statuses.append((sha, body))
        return 201, {}, {"id": len(self.statuses), "status": body["state"], "context": body["context"]}

    def _protection(self, branch: str, **_: Any) -> Answer:
        protection = self.protection_of.get(branch, self.protection)
        return (200, {}, protection) if protection else (404, {}, {"message": "not found"})

    def _commit_pull(self, sha: str, **_: Any) -> Answer:
        found = next((p for p in self.pulls.values() if p["merge_commit_sha"] == sha), None)
        return (200, {}, found) if found else (404, {}, {"message": "not found"})


class GitLabServer(ForgeServer):
    """``/api/v4/projects/:id/…`` of GitLab (``:id`` the URL-encoded path): notes, versions, approvals."""

    auth_header = "PRIVATE-TOKEN"
    auth_value = TOKEN

    def __init__(self, repository: str = "dinas/situs") -> None:
        super().__init__()
        self.repository = repository
        self.api = f"{self.url}/api/v4"
        self.mrs: dict[int, dict[str, Any]] = {}
        self.notes: dict[int, list[dict[str, Any]]] = {}
        self.versions: dict[int, list[dict[str, Any]]] = {}
        self.approved: dict[int, set[int]] = {}
        self.users: dict[int, str] = {}
        self.members: dict[int, int] = {}
        self.statuses: list[tuple[str, dict[str, Any]]] = []
        self._next_id = 900
        p = "/api/v4/projects/" + repository.replace("/", "%2F")
        self.route("GET", rf"{p}/merge_requests/(\d+)", self._mr)
        self.route("GET", rf"{p}/merge_requests/(\d+)/notes", self._notes)
        self.route("GET", rf"{p}/merge_requests/(\d+)/versions", self._versions)
        self.route("GET", rf"{p}/merge_requests/(\d+)/approvals", self._approvals)
        self.route("GET", rf"{p}/members/all/(\d+)", self._member)
        self.route("POST", rf"{p}/statuses/([0-9a-f]+)", self._status)

    def add_mr(self, iid: int, head: str, author: tuple[int, str], at: int) -> None:
        self.users[author[0]] = author[1]
        self.mrs[iid] = {"iid": iid, "sha": head, "target_branch": "main", "state": "opened",
                         "author": {"id": author[0], "username": author[1]}, "merge_commit_sha": None,
                         "web_url": f"https://gitlab.example/{self.repository}/-/merge_requests/{iid}"}
        self.push(iid, head, at)

    def push(self, iid: int, head: str, at: int) -> None:
        """A new version (newest first, as GitLab lists them)."""
        self.mrs[iid]["sha"] = head
        self._next_id += 1
        self.versions.setdefault(iid, []).insert(0, {"id": self._next_id, "head_commit_sha": head,
                                                     "base_commit_sha": "0" * 40, "created_at": iso(at)})

    def note(self, iid: int, user: tuple[int, str], body: str, at: int, *, system: bool = True) -> None:
        self.users[user[0]] = user[1]
        self._next_id += 1
        self.notes.setdefault(iid, []).append({"id": self._next_id, "body": body, "system": system,
                                               "author": {"id": user[0], "username": user[1]}, "created_at": iso(at)})
        if system and body == "approved this merge request":
            self.approved.setdefault(iid, set()).add(user[0])
        elif system and body == "unapproved this merge request":
            self.approved.setdefault(iid, set()).discard(user[0])

    def _mr(self, n: str, **_: Any) -> Answer:
        mr = self.mrs.get(int(n))
        return (200, {}, mr) if mr else (404, {}, {"message": "404 Not found"})

    def _notes(self, n: str, query: dict[str, str], **_: Any) -> Answer:
        p = "/api/v4/projects/" + self.repository.replace("/", "%2F")
        return self.paged(f"{p}/merge_requests/{n}/notes", self.notes.get(int(n), []), query)

    def _versions(self, n: str, query: dict[str, str], **_: Any) -> Answer:
        p = "/api/v4/projects/" + self.repository.replace("/", "%2F")
        return self.paged(f"{p}/merge_requests/{n}/versions", self.versions.get(int(n), []), query)

    def _approvals(self, n: str, **_: Any) -> Answer:
        ids = sorted(self.approved.get(int(n), set()))
        return 200, {}, {"approved": bool(ids), "approved_by": [
            {"user": {"id": i, "username": self.users.get(i, "?")}} for i in ids]}

    def _member(self, uid: str, **_: Any) -> Answer:
        level = self.members.get(int(uid))
        return (200, {}, {"id": int(uid), "access_level": level}) if level else (404, {}, {"message": "404 Not found"})

    def _status(self, sha: str, body: dict[str, Any], **_: Any) -> Answer:
        self.statuses.append((sha, body))
        return 201, {}, {"id": len(self.statuses), "status": body["state"], "name": body["name"]}
