"""What every platform adapter shares: the post to send, the answer, how a call can fail, and one HTTP
call with a total deadline, no redirects, tokens only to the channel's own host, and tokens redacted from
every error (docs/channels.md)."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol
from urllib.parse import urlsplit

from pipeline.config import ChannelSection
from pipeline.errors import ChannelError
from pipeline.i18n import _

if TYPE_CHECKING:  # requests is imported when a channel is called, not by every warta publish
    import requests

DEADLINE = 30.0  # seconds per call, connecting, sending and reading together
MAX_WAIT = 60.0  # a platform asking to wait longer defers the channel to a later run
MAX_BODY = 1024 * 1024


@dataclass(frozen=True)
class Post:
    """One post (or a withdrawal's correction): approved text and picture only."""

    key: str  # the idempotency key / webhook-id: stable for one item version on one channel
    number: str
    change: Literal["new", "changed", "withdrawn"]
    text: str
    link: str
    title: str = ""
    summary: str = ""
    image_url: str | None = None
    image_file: Path | None = None
    image_alt: str | None = None


@dataclass(frozen=True)
class Sent:
    post_id: str
    url: str | None


class CallFailed(ChannelError):
    """A call that did not post. ``uncertain``: the request may have reached the platform (a timeout after
    sending, a dropped connection, a gateway error): never sent again on its own. ``wait``: seconds the
    platform asked for (over :data:`MAX_WAIT` defers the channel)."""

    def __init__(self, message: str, *, retryable: bool, uncertain: bool = False, wait: float | None = None,
                 duplicate: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.uncertain = uncertain
        self.wait = wait
        self.duplicate = duplicate


class Adapter(Protocol):
    def post(self, post: Post) -> Sent: ...

    def delete(self, post_id: str) -> bool:
        """Delete a post; False when the platform allows no deletion (a correction is posted instead)."""
        ...

    def settle(self, post: Post, age: float | None) -> Sent | None:
        """After an uncertain attempt made ``age`` seconds ago (None: unknown): the post, read from the
        platform's own state where its API allows (None: cannot tell)."""
        ...


@dataclass
class Http:
    """HTTP for one channel: every call goes to ``host`` only, within :data:`DEADLINE`, with no redirect."""

    channel: str
    base: str
    secrets: Sequence[str]
    session: requests.Session = field(default_factory=lambda: _requests().Session())
    deadline: float = DEADLINE
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        self.session.trust_env = False  # no proxy or .netrc from the environment gets the token
        parts = urlsplit(self.base)
        self.origin = (parts.scheme, parts.hostname, parts.port)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            if secret:
                text = text.replace(secret, "[token]")
        return text

    def call(self, method: str, url: str, *, retry_429: bool = True, **kwargs: Any) -> requests.Response:
        """One request; a 429 or 503 asking for a wait up to :data:`MAX_WAIT` is waited for and tried once
        more (the platform said it did not act on it)."""
        response = self._once(method, url, **kwargs)
        if response.status_code in (429, 503) and retry_429:
            wait = retry_after(response.headers)
            if wait is not None and wait <= MAX_WAIT:
                self.sleep(max(wait, 0.0))
                response = self._once(method, url, **kwargs)
        return response

    def _once(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        parts = urlsplit(url)
        if (parts.scheme, parts.hostname, parts.port) != self.origin:
            raise CallFailed(_("refusing to send {channel}'s token to {host}: only to {own}", channel=self.channel,
                               host=parts.hostname or "?", own=self.origin[1] or "?"), retryable=False)
        requests = _requests()
        started = time.monotonic()
        sent_body = False
        try:
            response = self.session.request(method, url, timeout=(min(10.0, self.deadline), self.deadline),
                                            allow_redirects=False, stream=True, **kwargs)
            sent_body = True
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_content(65536):
                size += len(chunk)
                if size > MAX_BODY or time.monotonic() - started > self.deadline:
                    response.close()
                    raise CallFailed(_("{channel}: the answer took too long or was too large", channel=self.channel),
                                     retryable=True, uncertain=method != "GET")
                chunks.append(chunk)
            response._content = b"".join(chunks)
        except requests.exceptions.ConnectTimeout:
            raise CallFailed(_("{channel}: could not connect within {seconds} s", channel=self.channel,
                               seconds=round(self.deadline)), retryable=True) from None
        except requests.exceptions.ConnectionError as exc:
            if _before_sending(exc) and not sent_body:
                raise CallFailed(_("{channel}: could not connect: {reason}", channel=self.channel,
                                   reason=self.redact(_reason(exc))), retryable=True) from None
            raise CallFailed(_("{channel}: the connection dropped before an answer ({reason}); the post may have "
                               "gone out", channel=self.channel, reason=self.redact(_reason(exc))), retryable=False,
                             uncertain=method != "GET") from None
        except requests.exceptions.Timeout:
            raise CallFailed(_("{channel}: no answer within {seconds} s; the post may have gone out",
                               channel=self.channel, seconds=round(self.deadline)),
                             retryable=False, uncertain=method != "GET") from None
        except requests.exceptions.RequestException as exc:
            raise CallFailed(f"{self.channel}: {self.redact(_reason(exc))}", retryable=False,
                             uncertain=method != "GET") from None
        if 300 <= response.status_code < 400:
            raise CallFailed(_("{channel}: the API answered {code} (a redirect, not followed)", channel=self.channel,
                               code=response.status_code), retryable=False)
        return response

    def fail(self, response: requests.Response, detail: str = "", *, duplicate: bool = False,
             expired: bool = False) -> CallFailed:
        """The error for a response that did not post: 429/503 retryable after their wait, a gateway error
        (502, 504) uncertain, 500 retryable, 4xx not retryable."""
        code = response.status_code
        said = self.redact(detail or response.text[:300])
        if expired:
            return CallFailed(_("{channel}: the token was refused as expired or invalid ({said}); renew it and run "
                                "warta announce --retry", channel=self.channel, said=said), retryable=False)
        if duplicate:
            return CallFailed(_("{channel}: the platform refused the post as a duplicate ({said}); if it is already "
                                "there, record it with warta announce --resolve ... --sent URL", channel=self.channel,
                                said=said), retryable=False, duplicate=True)
        if code in (429, 503):
            wait = retry_after(response.headers)
            return CallFailed(_("{channel}: rate limited ({code}: {said})", channel=self.channel, code=code, said=said),
                              retryable=True, wait=wait if wait is not None else MAX_WAIT * 5)
        if code in (502, 504):
            return CallFailed(_("{channel}: gateway error {code}; the post may have gone out", channel=self.channel,
                                code=code), retryable=False, uncertain=True)
        return CallFailed(_("{channel}: the API answered {code}: {said}", channel=self.channel, code=code, said=said),
                          retryable=code >= 500)


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from ``Retry-After`` (seconds or an HTTP date) or ``x-rate-limit-reset`` /
    ``X-RateLimit-Reset`` (epoch seconds or an ISO time), when remaining is 0."""
    value = headers.get("Retry-After")
    if value:
        try:
            return float(value)
        except ValueError:
            try:
                return parsedate_to_datetime(value).timestamp() - time.time()
            except (TypeError, ValueError):
                return None
    for prefix in ("x-rate-limit", "X-RateLimit", "x-user-limit-24hour"):
        remaining, reset = headers.get(f"{prefix}-remaining"), headers.get(f"{prefix}-reset")
        if remaining == "0" and reset:
            try:
                return float(reset) - time.time()
            except ValueError:
                try:  # an ISO time (Mastodon)
                    return dt.datetime.fromisoformat(reset.replace("Z", "+00:00")).timestamp() - time.time()
                except ValueError:
                    return None
    return None


def _requests() -> Any:
    """The ``requests`` module, imported on the first call (0.1-0.2 s that a run posting nothing never needs)."""
    import requests

    return requests


def _before_sending(exc: requests.exceptions.ConnectionError) -> bool:
    text = repr(exc.args[0]) if exc.args else ""
    return any(w in text for w in ("NewConnectionError", "NameResolutionError", "Connection refused",
                                   "Failed to establish"))


def _reason(exc: BaseException) -> str:
    return str(exc.args[0] if exc.args else exc)[:300]


def json_of(response: requests.Response) -> dict[str, Any]:
    try:
        data = json.loads(response.content or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def secret(channel: ChannelSection, name: str, environ: Mapping[str, str] | None = None) -> str:
    value = (os.environ if environ is None else environ).get(name, "")
    if not value:
        raise CallFailed(_("the environment variable {name} (token_env) is not set", name=name), retryable=False)
    return value
