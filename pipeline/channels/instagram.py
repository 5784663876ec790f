"""Instagram (a professional account, via the Graph API): ``POST /{ig-user-id}/media`` (``image_url`` at a
public address: the site's derivative, ``caption``, ``alt_text``) makes a container; ``GET
/{container}?fields=status_code`` until FINISHED; ``POST /{ig-user-id}/media_publish`` (``creation_id``);
``GET /{media}?fields=permalink``. The day's quota is read from ``content_publishing_limit`` first. Posts
cannot be deleted through the API. An uncertain publish is settled from the account's recent media; an
error answered by ``media_publish`` itself is uncertain (Instagram publishes some containers it answers
with an error), never retried on its own. The Graph API's requests and errors: :mod:`.graph`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.channels.base import CallFailed, Post, Sent, json_of
from pipeline.channels.graph import GraphChannel
from pipeline.channels.links import checked_id
from pipeline.i18n import _

_PERMALINK = re.compile(r"^https://www\.instagram\.com/(p|reel)/[A-Za-z0-9_-]{1,64}/?$")


@dataclass
class Instagram(GraphChannel):
    user_id: str
    platform = "instagram"

    def _get(self, path: str, fields: str) -> dict[str, object]:
        return self._done("GET", path, fields=fields)

    def quota_left(self) -> int | None:
        doc = self._get(f"{self.user_id}/content_publishing_limit", "quota_usage,config")
        data = doc.get("data")
        entry = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else {}
        usage, config = entry.get("quota_usage"), entry.get("config")
        total = config.get("quota_total") if isinstance(config, dict) else None
        if isinstance(usage, int) and isinstance(total, int):
            return total - usage
        return None

    def post(self, post: Post) -> Sent:
        if not post.image_url:
            raise CallFailed(_("instagram: a post needs a photo (image in the front matter)"), retryable=False)
        left = self.quota_left()
        if left is not None and left <= 0:
            raise CallFailed(_("instagram: the account's publishing limit for 24 hours is used up"), retryable=True,
                             wait=24 * 3600.0)
        made = self._done("POST", f"{self.user_id}/media", image_url=post.image_url, caption=post.text,
                          alt_text=post.image_alt or "")
        container = checked_id(made.get("id"), "instagram container")
        for _poll in range(30):
            status = self._get(container, "status_code").get("status_code")
            if status == "FINISHED":
                break
            if status in ("ERROR", "EXPIRED"):
                raise CallFailed(_("instagram: the container ended {status} (the photo could not be fetched from "
                                   "the site?)", status=status), retryable=True)
            self.http.sleep(2.0)
        else:
            raise CallFailed(_("instagram: the container was not ready within a minute"), retryable=True)
        answer = self._call("POST", f"{self.user_id}/media_publish", creation_id=container)
        if answer.status_code != 200:
            # Instagram publishes some containers it answers with an error (a throttle, a 500): never again on
            # its own; a person looks (warta announce --resolve)
            raise CallFailed(str(self._fail(answer)), retryable=False, uncertain=True)
        media_id = checked_id(json_of(answer).get("id"), "instagram media")
        return Sent(media_id, self._permalink(media_id))

    def _permalink(self, media_id: str) -> str | None:
        try:
            link = self._get(media_id, "permalink").get("permalink")
        except CallFailed:
            return None
        return link if isinstance(link, str) and _PERMALINK.match(link) else None

    def delete(self, post_id: str) -> bool:
        return False

    def settle(self, post: Post, age: float | None) -> Sent | None:
        """The account's recent media: one whose caption is this post's text is this post."""
        doc = self._get(f"{self.user_id}/media", "id,caption,permalink")
        for entry in doc.get("data") or []:  # type: ignore[attr-defined]
            if isinstance(entry, dict) and entry.get("caption") == post.text:
                media_id = checked_id(entry.get("id"), "instagram media")
                link = entry.get("permalink")
                return Sent(media_id, link if isinstance(link, str) and _PERMALINK.match(link) else None)
        return None
