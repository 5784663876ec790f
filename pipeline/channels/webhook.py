"""A generic webhook, signed per Standard Webhooks 1.0: headers ``webhook-id`` (the same on every retry, so a
receiver drops duplicates), ``webhook-timestamp`` and ``webhook-signature: v1,<base64 HMAC-SHA256 of
"id.timestamp.body">`` with the channel's ``whsec_`` secret (base64 after the prefix)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

from pipeline.channels.base import CallFailed, Http, Post, Sent
from pipeline.i18n import _


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


@dataclass
class Webhook:
    http: Http
    secret: str

    def send(self, msg_id: str, event: str, data: dict[str, Any]) -> None:
        now = int(time.time())
        body = json.dumps({"type": event, "timestamp": now, "data": data}, ensure_ascii=False).encode()
        try:
            sig = signature(self.secret, msg_id, now, body)
        except ValueError:
            raise CallFailed(_("webhook: the secret is not a whsec_ secret (base64 after whsec_)"),
                             retryable=False) from None
        answer = self.http.call("POST", self.http.base, data=body, headers={
            "content-type": "application/json", "webhook-id": msg_id, "webhook-timestamp": str(now),
            "webhook-signature": sig})
        if not 200 <= answer.status_code < 300:
            raise self.http.fail(answer, expired=answer.status_code in (401, 403))

    def post(self, post: Post) -> Sent:
        self.send(post.key, f"warta.{post.change}", {
            "number": post.number, "title": post.title, "summary": post.summary, "url": post.link,
            "text": post.text, "image": post.image_url, "image_alt": post.image_alt})
        return Sent(post.key, None)

    def delete(self, post_id: str) -> bool:
        return False  # the receiver gets the withdrawal as its own event (a correction)

    def settle(self, post: Post, age: float | None) -> Sent | None:
        return self.post(post)  # the same webhook-id: the receiver drops it if it got it already
