"""Mastodon: ``POST /api/v2/media`` (202 while processing, then ``GET /api/v1/media/:id``), ``POST
/api/v1/statuses`` with an ``Idempotency-Key`` (kept by the server about an hour), ``DELETE
/api/v1/statuses/:id``. An uncertain post is settled by sending it again with the same key within the
hour (later a person decides): the server answers with the status it made, or makes it now."""

from __future__ import annotations

from dataclasses import dataclass

from requests import Response

from pipeline.channels.base import CallFailed, Http, Post, Sent, json_of
from pipeline.channels.links import checked_id, same_host_url
from pipeline.i18n import _

KEY_KEPT = 50 * 60  # seconds: Mastodon keeps an Idempotency-Key about an hour; a margin for clocks


@dataclass
class Mastodon:
    http: Http
    token: str
    visibility: str = "public"
    language: str = "id"

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def _media(self, post: Post) -> str | None:
        if post.image_file is None:
            return None
        with post.image_file.open("rb") as photo:
            answer = self.http.call("POST", f"{self.http.base}/api/v2/media", headers=self._auth(),
                                    files={"file": (post.image_file.name, photo, "image/jpeg")},
                                    data={"description": post.image_alt or ""})
        if answer.status_code not in (200, 202):
            raise self._fail(answer)
        media_id = checked_id(json_of(answer).get("id"), "mastodon media")
        for _poll in range(10):  # 202: still processing; the status may not name it before its url is set
            if answer.status_code == 200 and json_of(answer).get("url"):
                return media_id
            self.http.sleep(1.0)
            answer = self.http.call("GET", f"{self.http.base}/api/v1/media/{media_id}", headers=self._auth())
            if answer.status_code not in (200, 206):
                raise self._fail(answer)
        raise CallFailed(_("mastodon: the photo was still processing after 10 s"), retryable=True)

    def _fail(self, answer: Response) -> CallFailed:
        detail = str(json_of(answer).get("error", ""))
        return self.http.fail(answer, detail, expired=answer.status_code == 401)

    def post(self, post: Post) -> Sent:
        media = self._media(post)
        data: list[tuple[str, str]] = [("status", post.text), ("visibility", self.visibility),
                                       ("language", self.language)]
        if media:
            data.append(("media_ids[]", media))
        answer = self.http.call("POST", f"{self.http.base}/api/v1/statuses", data=data,
                                headers={**self._auth(), "Idempotency-Key": post.key})
        if answer.status_code != 200:
            raise self._fail(answer)
        doc = json_of(answer)
        status_id = checked_id(doc.get("id"), "mastodon status")
        return Sent(status_id, same_host_url(doc.get("url"), self.http.base, status_id))

    def delete(self, post_id: str) -> bool:
        answer = self.http.call("DELETE", f"{self.http.base}/api/v1/statuses/{checked_id(post_id, 'status')}",
                                headers=self._auth())
        if answer.status_code not in (200, 404):
            raise self._fail(answer)
        return True

    def settle(self, post: Post, age: float | None) -> Sent | None:
        """Within the hour the server keeps an Idempotency-Key, the same request answers with the status it
        made (or makes it, if it never arrived); later a resend could duplicate it: a person decides."""
        if age is None or not 0 <= age <= KEY_KEPT:
            return None  # an attempt "in the future" (another clock) has no trustworthy age
        return self.post(post)
