"""Telegram Bot API: ``sendPhoto`` (photo by URL, caption at most 1024 characters) or ``sendMessage``
(4096), never a ``parse_mode`` (content is plain text); ``deleteMessage`` within 48 hours. Answers
``{ok, result: {message_id}}`` or ``{ok: false, error_code, description, parameters: {retry_after}}``. The
token is part of the path: it is redacted from every error."""

from __future__ import annotations

from dataclasses import dataclass

from requests import Response

from pipeline.channels.base import MAX_WAIT, CallFailed, Http, Post, Sent, json_of
from pipeline.channels.links import checked_id
from pipeline.i18n import _


@dataclass
class Telegram:
    http: Http
    token: str
    chat_id: str

    def _method(self, name: str, data: dict[str, str]) -> dict[str, object]:
        url = f"{self.http.base}/bot{self.token}/{name}"
        answer = self.http.call("POST", url, data={"chat_id": self.chat_id, **data}, retry_429=False)
        doc = json_of(answer)
        if answer.status_code == 429:
            params = doc.get("parameters")
            wait = params.get("retry_after") if isinstance(params, dict) else None
            if isinstance(wait, (int, float)) and wait <= MAX_WAIT:
                self.http.sleep(float(wait))
                answer = self.http.call("POST", url, data={"chat_id": self.chat_id, **data}, retry_429=False)
                doc = json_of(answer)
            else:
                raise CallFailed(_("telegram: rate limited ({detail})", detail=str(doc.get("description", ""))),
                                 retryable=True,
                                 wait=float(wait) if isinstance(wait, (int, float)) else MAX_WAIT * 5)
        if answer.status_code != 200 or doc.get("ok") is not True:
            raise self._fail(answer, doc)
        result = doc.get("result")
        return result if isinstance(result, dict) else {}

    def _fail(self, answer: Response, doc: dict[str, object]) -> CallFailed:
        detail = str(doc.get("description", ""))
        return self.http.fail(answer, detail, expired=answer.status_code == 401)

    def link(self, message_id: str) -> str | None:
        if self.chat_id.startswith("@"):
            return f"https://t.me/{self.chat_id[1:]}/{message_id}"
        return None  # a private chat or group has no public link

    def post(self, post: Post) -> Sent:
        if post.image_url:
            result = self._method("sendPhoto", {"photo": post.image_url, "caption": post.text})
        else:
            result = self._method("sendMessage", {"text": post.text})
        message_id = checked_id(result.get("message_id"), "telegram message")
        return Sent(message_id, self.link(message_id))

    def delete(self, post_id: str) -> bool:
        try:
            self._method("deleteMessage", {"message_id": checked_id(post_id, "message")})
        except CallFailed as exc:
            if exc.retryable or exc.uncertain:
                raise
            return False  # older than 48 hours (Bot API): a correction instead
        return True

    def settle(self, post: Post, age: float | None) -> Sent | None:
        return None  # a bot cannot read its channel's history
