"""X: ``POST /2/media/upload`` (multipart ``media``) then ``POST /2/tweets`` ``{text, media: {media_ids}}``
(201 ``{data: {id, text}}``), ``DELETE /2/tweets/:id``; OAuth 1.0a user context (four keys; OAuth 2.0
refresh tokens rotate on every use). A duplicate text is refused with 403; 429 comes with
``x-rate-limit-reset`` (and ``x-user-limit-24hour-*``), without ``Retry-After``."""

from __future__ import annotations

from dataclasses import dataclass

from requests import Response
from requests_oauthlib import OAuth1

from pipeline.channels.base import CallFailed, Http, Post, Sent, json_of
from pipeline.channels.links import checked_id
from pipeline.i18n import _


@dataclass
class X:
    http: Http
    auth: OAuth1

    def _fail(self, answer: Response) -> CallFailed:
        doc = json_of(answer)
        detail = str(doc.get("detail") or doc.get("title") or "")
        duplicate = answer.status_code == 403 and "duplicate" in detail.lower()
        return self.http.fail(answer, detail, expired=answer.status_code == 401, duplicate=duplicate)

    def post(self, post: Post) -> Sent:
        body: dict[str, object] = {"text": post.text}
        if post.image_file is not None:
            with post.image_file.open("rb") as photo:
                answer = self.http.call("POST", f"{self.http.base}/2/media/upload", auth=self.auth,
                                        files={"media": (post.image_file.name, photo, "image/jpeg")},
                                        data={"media_category": "tweet_image"})
            if answer.status_code not in (200, 201):
                raise self._fail(answer)
            data = json_of(answer).get("data")
            media_id = checked_id(data.get("id") if isinstance(data, dict) else None, "x media")
            body["media"] = {"media_ids": [media_id]}
        answer = self.http.call("POST", f"{self.http.base}/2/tweets", json=body, auth=self.auth)
        if answer.status_code != 201:
            raise self._fail(answer)
        data = json_of(answer).get("data")
        tweet_id = checked_id(data.get("id") if isinstance(data, dict) else None, "x post")
        if not tweet_id.isdigit():
            raise CallFailed(_("x: the post id is not a number; the post may have gone out"), retryable=False,
                             uncertain=True)
        return Sent(tweet_id, f"https://x.com/i/web/status/{tweet_id}")

    def delete(self, post_id: str) -> bool:
        answer = self.http.call("DELETE", f"{self.http.base}/2/tweets/{checked_id(post_id, 'x post')}", auth=self.auth)
        if answer.status_code not in (200, 404):
            raise self._fail(answer)
        return True

    def settle(self, post: Post, age: float | None) -> Sent | None:
        return None
