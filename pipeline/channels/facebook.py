"""Facebook Page (Graph API, a Page token with ``pages_manage_posts``): ``POST /{page-id}/photos`` (``url``,
``caption``) with a photo, else ``POST /{page-id}/feed`` (``message``, ``link``); answers ``{id}`` or
``{id, post_id}`` (``{page}_{post}``); ``DELETE /{post-id}``. Errors ``{error: {code, message}}``: 190 an
expired token, 4/17/32/613 throttling, 506 a duplicate message."""

from __future__ import annotations

import re
from dataclasses import dataclass

from requests import Response

from pipeline.channels.base import MAX_WAIT, CallFailed, Http, Post, Sent, json_of
from pipeline.i18n import _

_POST_ID = re.compile(r"^([0-9]+)_([0-9]+)$")
THROTTLED = (4, 17, 32, 613)


@dataclass
class Facebook:
    http: Http
    token: str
    page_id: str

    def _fail(self, answer: Response) -> CallFailed:
        error = json_of(answer).get("error")
        error = error if isinstance(error, dict) else {}
        code = error.get("code")
        detail = f"code {code}: {error.get('message', '')}"
        if code in THROTTLED:
            return CallFailed(_("facebook: throttled ({detail})", detail=self.http.redact(detail)), retryable=True,
                              wait=MAX_WAIT * 5)
        return self.http.fail(answer, detail, expired=code == 190 or answer.status_code == 401, duplicate=code == 506)

    def post(self, post: Post) -> Sent:
        base = f"{self.http.base}/{self.page_id}"
        if post.image_url:
            answer = self.http.call("POST", f"{base}/photos", data={
                "url": post.image_url, "caption": f"{post.text}\n\n{post.link}", "access_token": self.token})
        else:
            answer = self.http.call("POST", f"{base}/feed", data={
                "message": post.text, "link": post.link, "access_token": self.token})
        if answer.status_code != 200:
            raise self._fail(answer)
        doc = json_of(answer)
        post_id = str(doc.get("post_id") or doc.get("id") or "")
        match = _POST_ID.match(post_id)
        if match is None or match.group(1) != self.page_id:
            raise CallFailed(_("facebook: the answer named no post of page {page}; the post may have gone out",
                               page=self.page_id), retryable=False, uncertain=True)
        return Sent(post_id, f"https://www.facebook.com/{match.group(1)}/posts/{match.group(2)}")

    def delete(self, post_id: str) -> bool:
        if not _POST_ID.match(post_id):
            return False
        answer = self.http.call("DELETE", f"{self.http.base}/{post_id}", data={"access_token": self.token})
        if answer.status_code != 200:
            raise self._fail(answer)
        return True

    def settle(self, post: Post, age: float | None) -> Sent | None:
        return None
