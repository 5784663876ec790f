"""Facebook Page (Graph API, a Page token with ``pages_manage_posts``): ``POST /{page-id}/photos`` (``url``,
``caption``) with a photo, else ``POST /{page-id}/feed`` (``message``, ``link``); answers ``{id}`` or
``{id, post_id}`` (``{page}_{post}``); ``DELETE /{post-id}``. Errors ``{error: {code, message}}``: 190 an
expired token, 4/17/32/613 throttling, 506 a duplicate message (:mod:`.graph`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.channels.base import CallFailed, Post, Sent
from pipeline.channels.graph import GraphChannel
from pipeline.i18n import _

_POST_ID = re.compile(r"^([0-9]+)_([0-9]+)$")


@dataclass
class Facebook(GraphChannel):
    page_id: str
    platform = "facebook"
    duplicate_code = 506

    def post(self, post: Post) -> Sent:
        if post.image_url:
            doc = self._done("POST", f"{self.page_id}/photos", url=post.image_url,
                             caption=f"{post.text}\n\n{post.link}")
        else:
            doc = self._done("POST", f"{self.page_id}/feed", message=post.text, link=post.link)
        post_id = str(doc.get("post_id") or doc.get("id") or "")
        match = _POST_ID.match(post_id)
        if match is None or match.group(1) != self.page_id:
            raise CallFailed(_("facebook: the answer named no post of page {page}; the post may have gone out",
                               page=self.page_id), retryable=False, uncertain=True)
        return Sent(post_id, f"https://www.facebook.com/{match.group(1)}/posts/{match.group(2)}")

    def delete(self, post_id: str) -> bool:
        if not _POST_ID.match(post_id):
            return False
        self._done("DELETE", post_id)
        return True

    def settle(self, post: Post, age: float | None) -> Sent | None:
        return None
