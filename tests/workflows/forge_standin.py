"""A tiny GitHub REST stand-in on 127.0.0.1 for the site workflows' pull-request job: one pull request,
its reviews and issue events, collaborator permissions, and the commit statuses posted to it (recorded for
the test). Paths as docs.github.com/rest documents them.
The forge adapters' own tests use fuller servers (tests/forges/)."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Forge:
    repository: str
    pulls: dict[int, dict[str, Any]] = field(default_factory=dict)
    reviews: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    statuses: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    requests: list[tuple[str, str, str]] = field(default_factory=list)  # method, path, authorization
    url: str = ""

    def answer(self, method: str, path: str, body: bytes) -> tuple[int, Any]:
        base = f"/repos/{self.repository}"
        if not path.startswith(base):
            return 404, {"message": "Not Found"}
        rest = path[len(base):].split("?")[0]
        if method == "GET" and (m := re.fullmatch(r"/pulls/(\d+)", rest)) and int(m[1]) in self.pulls:
            return 200, self.pulls[int(m[1])]
        if method == "GET" and (m := re.fullmatch(r"/pulls/(\d+)/reviews", rest)):
            return 200, self.reviews.get(int(m[1]), [])
        if method == "GET" and re.fullmatch(r"/issues/(\d+)/events", rest):
            return 200, []  # no review was dismissed
        if method == "GET" and (m := re.fullmatch(r"/collaborators/([^/]+)/permission", rest)):
            return 200, {"permission": "write", "user": {"login": m[1]}}
        if method == "POST" and (m := re.fullmatch(r"/statuses/([0-9a-f]{40})", rest)):
            status = json.loads(body or b"{}")
            self.statuses.append((m[1], status))
            return 201, {"id": len(self.statuses), **status}
        return 404, {"message": "Not Found"}


@contextmanager
def serve(forge: Forge) -> Iterator[Forge]:
    class Handler(BaseHTTPRequestHandler):
        def _reply(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            forge.requests.append((self.command, self.path, self.headers.get("authorization", "")))
            code, doc = forge.answer(self.command, self.path, body)
            data = json.dumps(doc).encode()
            self.send_response(code)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = _reply

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    forge.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield forge
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
