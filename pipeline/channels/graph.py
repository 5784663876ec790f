"""Meta's Graph API, which the Facebook Page and Instagram channels both speak: ``{base}/{path}`` with the
token as ``access_token`` in the form (a GET: in the query), answers ``200`` with a JSON object, errors
``{error: {code, message}}``: 190 an expired token, 4/17/32/613 throttling (waited for on a later run)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from requests import Response

from pipeline.channels.base import MAX_WAIT, CallFailed, Http, json_of
from pipeline.i18n import _

THROTTLED = (4, 17, 32, 613)
EXPIRED = 190


@dataclass
class GraphChannel:
    """One Graph API account (a Page, a professional account) reached with one token."""

    http: Http
    token: str
    platform: ClassVar[str]  # the name in its messages (facebook, instagram)
    duplicate_code: ClassVar[int | None] = None  # the error code that refuses a post as a duplicate

    def _fail(self, answer: Response) -> CallFailed:
        error = json_of(answer).get("error")
        error = error if isinstance(error, dict) else {}
        code = error.get("code")
        detail = f"code {code}: {error.get('message', '')}"
        if code in THROTTLED:
            return CallFailed(_("{platform}: throttled ({detail})", platform=self.platform,
                                detail=self.http.redact(detail)), retryable=True, wait=MAX_WAIT * 5)
        duplicate = self.duplicate_code is not None and code == self.duplicate_code
        return self.http.fail(answer, detail, expired=code == EXPIRED or answer.status_code == 401,
                              duplicate=duplicate)

    def _call(self, method: str, path: str, **form: str) -> Response:
        """``method`` on ``{base}/{path}`` with ``form`` and the token; the answer as it is."""
        url, fields = f"{self.http.base}/{path}", {**form, "access_token": self.token}
        if method == "GET":
            return self.http.call(method, url, params=fields)
        return self.http.call(method, url, data=fields)

    def _done(self, method: str, path: str, **form: str) -> dict[str, Any]:
        """:meth:`_call`'s JSON object; any answer but 200 raises its :class:`CallFailed`."""
        answer = self._call(method, path, **form)
        if answer.status_code != 200:
            raise self._fail(answer)
        return json_of(answer)
