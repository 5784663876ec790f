"""Local stand-ins for the platforms, on 127.0.0.1 (port 0), speaking the documented shapes of
/work/shared/APIS.md: Mastodon, Telegram Bot API, Facebook Graph (Page and Instagram), X v2 and a Standard
Webhooks receiver. ``script(route, *actions)`` makes the next calls of a route answer otherwise: a status
with headers and body, ``"drop"`` (read the whole request, keep it, close without an answer) or ``"hang"``
(answer only after the client gave up)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from approvals_helpers import SOP_RILIS, Person, Site, make_site
from publish_helpers import PUBLISH_YML

TOKEN = "tok-SECRET-1234567890"
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"k" * 24).decode()
PAGE = "1234"
IG = "5678"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def form(self) -> dict[str, list[str]]:
        if self.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return parse_qs(self.body.decode())
        return {}


@dataclass
class Platforms:
    """One server for every platform: routes by path."""

    requests: list[Request] = field(default_factory=list)
    scripts: dict[str, list[Any]] = field(default_factory=dict)
    created: dict[str, list[str]] = field(default_factory=dict)  # platform -> texts posted
    keys: dict[str, dict[str, Any]] = field(default_factory=dict)  # Idempotency-Key -> status
    released: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    base: str = ""

    def script(self, route: str, *actions: Any) -> None:
        self.scripts.setdefault(route, []).extend(actions)

    def posts(self, platform: str) -> list[str]:
        return self.created.get(platform, [])


def _route(method: str, path: str) -> tuple[str, str]:
    """(platform, route name) of a request."""
    if path.startswith("/bot"):
        return "telegram", "telegram"
    if path.startswith("/api/v2/media") or path.startswith("/api/v1/media"):
        return "mastodon", "mastodon-media"
    if path.startswith("/api/v1/statuses"):
        return "mastodon", "mastodon-delete" if method == "DELETE" else "mastodon"
    if path.startswith("/2/media"):
        return "x", "x-media"
    if path.startswith("/2/tweets"):
        return "x", "x-delete" if method == "DELETE" else "x"
    if path.startswith("/hook"):
        return "webhook", "webhook"
    if path.startswith(f"/v21.0/{IG}") or path.startswith("/v21.0/c") or path.startswith("/v21.0/179"):
        return "instagram", "instagram"
    return "facebook", "facebook-delete" if method == "DELETE" else "facebook"


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        return None

    def _do(self) -> None:
        state = self.server.platforms
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        request = Request(self.command, parts.path, parse_qs(parts.query),
                          {k.lower(): v for k, v in self.headers.items()}, body)
        platform, route = _route(self.command, parts.path)
        with state.lock:
            state.requests.append(request)
            queue = state.scripts.get(route) or []
            action = queue.pop(0) if queue else None
        if action == "drop":
            self._answer_then_drop(state, platform, request)
            return
        if action == "hang":
            state.released.wait(30)
            self.close_connection = True
            return
        if isinstance(action, tuple):
            code, headers, doc = action
            self._send(code, doc, headers)
            return
        code, doc = _answer(state, platform, request)
        self._send(code, doc)

    def _answer_then_drop(self, state: Platforms, platform: str, request: Request) -> None:
        _answer(state, platform, request)  # the platform acted on it ...
        self.close_connection = True  # ... and the answer never arrives
        self.connection.shutdown(2)

    def _send(self, code: int, doc: Any, headers: dict[str, str] | None = None) -> None:
        data = b"" if doc is None else json.dumps(doc).encode()
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = _do


def _form_or_multipart(request: Request) -> dict[str, str]:
    form = {k: v[0] for k, v in request.form().items()}
    if not form and request.headers.get("content-type", "").startswith("multipart/"):
        for name, value in re.findall(rb'name="([^"]+)"\r\n(?:[^\r\n]+\r\n)*\r\n(.*?)\r\n--', request.body, re.S):
            form[name.decode()] = value.decode("utf-8", "replace")
    return form


def _answer(state: Platforms, platform: str, request: Request) -> tuple[int, Any]:
    with state.lock:
        return _platform_answer(state, platform, request)


def _platform_answer(state: Platforms, platform: str, r: Request) -> tuple[int, Any]:
    form = _form_or_multipart(r)
    texts = state.created.setdefault(platform, [])
    if platform == "telegram":
        if not r.path.startswith(f"/bot{TOKEN}/"):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        if r.path.endswith("/deleteMessage"):
            return 200, {"ok": True, "result": True}
        texts.append(form.get("caption") or form.get("text") or "")
        return 200, {"ok": True, "result": {"message_id": len(texts), "chat": {"id": -100}, "date": 0}}
    if platform == "mastodon":
        if r.headers.get("authorization") != f"Bearer {TOKEN}":
            return 401, {"error": "The access token is invalid"}
        if r.path.startswith("/api/v2/media"):
            return 202, {"id": "900", "url": None}
        if r.path.startswith("/api/v1/media/"):
            return 200, {"id": "900", "url": f"{state.base}/media/900.jpg"}
        if r.method == "DELETE":
            return 200, {"id": r.path.rsplit("/", 1)[1]}
        key = r.headers.get("idempotency-key", "")
        if key and key in state.keys:
            return 200, state.keys[key]
        texts.append(form.get("status", ""))
        status = {"id": str(100 + len(texts)), "url": f"{state.base}/@dinas/{100 + len(texts)}",
                  "uri": "x", "created_at": "2026-01-01T00:00:00Z"}
        if key:
            state.keys[key] = status
        return 200, status
    if platform == "x":
        if not r.headers.get("authorization", "").startswith("OAuth "):
            return 401, {"title": "Unauthorized", "detail": "Unauthorized", "status": 401}
        if r.path.startswith("/2/media"):
            return 200, {"data": {"id": "77", "media_key": "3_77"}}
        if r.method == "DELETE":
            return 200, {"data": {"deleted": True}}
        text = json.loads(r.body)["text"]
        if text in texts:
            return 403, {"title": "Forbidden", "status": 403,
                         "detail": "You are not allowed to create a Tweet with duplicate content."}
        texts.append(text)
        return 201, {"data": {"id": str(1600 + len(texts)), "text": text}}
    if platform == "webhook":
        wid, ts, sig = (r.headers.get(h, "") for h in ("webhook-id", "webhook-timestamp", "webhook-signature"))
        key = base64.b64decode(WEBHOOK_SECRET.removeprefix("whsec_"))
        want = base64.b64encode(hmac.new(key, f"{wid}.{ts}.".encode() + r.body, hashlib.sha256).digest()).decode()
        if sig != f"v1,{want}":
            return 401, {"error": "bad signature"}
        if wid not in state.keys:
            state.keys[wid] = {}
            texts.append(json.loads(r.body)["data"]["text"])
        return 204, None
    token = (form.get("access_token") or (r.query.get("access_token") or [""])[0])
    if token != TOKEN:
        return 400, {"error": {"message": "Error validating access token: Session has expired", "type":
                               "OAuthException", "code": 190, "fbtrace_id": "A"}}
    if platform == "instagram":
        if r.path.endswith("/content_publishing_limit"):
            return 200, {"data": [{"quota_usage": len(texts), "config": {"quota_total": 50}}]}
        if r.path.endswith("/media_publish"):
            texts.append(state.keys.pop("container", {}).get("caption", ""))
            return 200, {"id": f"179{len(texts)}"}
        if r.path.endswith(f"/{IG}/media") and r.method == "POST":
            state.keys["container"] = {"caption": form.get("caption", "")}
            return 200, {"id": "c1"}
        if r.path.endswith(f"/{IG}/media"):
            return 200, {"data": [{"id": f"179{i + 1}", "caption": t, "permalink": f"https://www.instagram.com/p/P{i + 1}/"}
                                  for i, t in enumerate(texts)]}
        if r.path.endswith("/c1"):
            return 200, {"status_code": "FINISHED", "id": "c1"}
        return 200, {"id": r.path.rsplit("/", 1)[1], "permalink": "https://www.instagram.com/p/P1/"}
    if r.method == "DELETE":
        return 200, {"success": True}
    message = form.get("message") or form.get("caption") or ""
    if message in texts:
        return 400, {"error": {"message": "Duplicate status message", "type": "OAuthException", "code": 506}}
    texts.append(message)
    return 200, {"id": f"{PAGE}_{len(texts)}", "post_id": f"{PAGE}_{len(texts)}"}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    platforms: Platforms


def serve() -> Iterator[Platforms]:
    server = _Server(("127.0.0.1", 0), _Handler)
    state = Platforms()
    server.platforms = state
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.released.set()
        server.shutdown()
        server.server_close()


def channel_office(tmp_path: Path, cast: dict[str, Person], platforms: Platforms, *,
                   aksi: str = "[terbit_website, kirim_medsos]", extra: str = "",
                   register_branch: str | None = None) -> Site:
    """The publish tests' office with Mastodon, Telegram and X channels on the local platforms server;
    the test SOP's last step has ``aksi``; ``extra``: more channel entries; ``register_branch``: the
    register on that branch (archive.register_branch)."""
    channels = (f"channels:\n"
                f"  mastodon: {{type: mastodon, url: '{platforms.base}', token_env: T_MASTODON}}\n"
                f"  telegram: {{type: telegram, url: '{platforms.base}', chat_id: '@dinasuji', token_env: T_TELEGRAM}}\n"
                f"  x: {{type: x, url: '{platforms.base}', token_env: {{consumer_key: T_XK, consumer_secret: T_XS, "
                f"access_token: T_XT, access_token_secret: T_XTS}}}}\n{extra}")
    text = PUBLISH_YML[:PUBLISH_YML.index("channels:")] + channels + PUBLISH_YML[PUBLISH_YML.index("deploy:"):]
    if register_branch:
        text = text.replace("archive:\n", f"archive:\n  register_branch: {register_branch}\n", 1)
    sop = SOP_RILIS.replace("aksi: terbit_website", f"aksi: {aksi}")
    return make_site(tmp_path, cast, extra={"warta.yml": text, "sop/rilis-uji.yaml": sop})
