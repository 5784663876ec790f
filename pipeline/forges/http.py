"""One HTTP client for the forge adapters, over ``requests``.

- every request has a timeout (connect and read); no answer in time is a :class:`ForgeError` naming
  the server, never a hang;
- lists follow ``Link: <…>; rel="next"`` (RFC 8288) page by page, only to the same scheme, host and
  port as the API base (a next link elsewhere would carry the token there: refused);
- redirects are never followed (``requests`` would resend the ``Authorization`` header to the same
  host, and a forge that moved should be configured with its new address): a 3xx is an error;
- over a rate limit (429, or 403 with ``retry-after`` or ``x-ratelimit-remaining: 0``) it waits what
  ``retry-after`` (seconds) or ``x-ratelimit-reset`` (epoch seconds) says, up to ``max_wait`` seconds in
  all, then gives up with the time the limit resets;
- the token is never printed: every message is passed through :meth:`Http.redact`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urljoin, urlsplit

from pipeline.errors import ConfigError, WartaError
from pipeline.i18n import _

if TYPE_CHECKING:  # requests is imported when a forge client is made, not by every warta publish
    import requests

DEFAULT_TIMEOUT = (10.0, 30.0)  # connect, read (seconds)
MAX_RETRIES = 8  # rate-limited answers in a row before giving up (a retry-after of 0 cannot loop forever)
_NEXT = re.compile(r'<([^>]*)>\s*;[^,]*\brel="?next"?', re.IGNORECASE)
MISSING: Final = object()
"""What :meth:`Http.find` answers when the resource does not exist."""


class ForgeError(WartaError):
    """The forge could not be asked (no answer, refused, rate-limited for too long). Exit 1: nothing was
    judged, so nothing may pass."""

    exit_code = 1


class ForgeConfigError(ConfigError):
    """The forge refuses the configuration (bad token, no such repository, no permission): exit 2.
    ``status``: the HTTP status it answered."""

    status: int | None = None


def next_link(header: str | None) -> str | None:
    """The ``rel="next"`` target of a ``Link`` header, or ``None``."""
    if not header:
        return None
    match = _NEXT.search(header)
    return match.group(1).strip() if match else None


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


class Http:
    """A session for one forge API: ``base`` (e.g. ``https://api.github.com``), the auth ``headers`` (which
    hold ``token``), and the limits above. ``sleep`` and ``clock`` are injectable for tests."""

    def __init__(self, base: str, headers: Mapping[str, str], token: str, *, name: str,
                 timeout: tuple[float, float] = DEFAULT_TIMEOUT, max_wait: float = 120.0,
                 max_pages: int = 200, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time) -> None:
        self.base = base.rstrip("/")
        self.name = name
        self.token = token
        self.timeout = timeout
        self.max_wait = max_wait
        self.max_pages = max_pages
        self.sleep = sleep
        self.clock = clock
        import requests  # here, not at the top: see above

        self.session = requests.Session()
        self.session.trust_env = False  # no netrc credentials or proxies picked up behind our back
        self.session.headers.update({"User-Agent": "warta", **headers})
        self.waited = 0.0

    def redact(self, text: str) -> str:
        """``text`` with the token replaced by ``***``."""
        return text.replace(self.token, "***") if self.token else text

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base}/{path.lstrip('/')}"

    # -- requests ----------------------------------------------------------------------------------

    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                json: Any = None, ok: tuple[int, ...] = (200, 201, 204)) -> requests.Response:
        """One request (retried while rate-limited); raises for every status not in ``ok``."""
        import requests  # imported already by __init__

        url = self.url(path)
        if _origin(url) != _origin(self.base):
            raise ForgeError(_("{forge}: refusing to send the token to {url} (not {base})", forge=self.name,
                               url=self.redact(url), base=self.base))
        for attempt in range(MAX_RETRIES + 1):
            try:
                response = self.session.request(method, url, params=params, json=json, timeout=self.timeout,
                                                allow_redirects=False)
            except requests.Timeout:
                seconds = format(max(self.timeout), "g")
                raise ForgeError(_("{forge}: no answer from {url} within {seconds} s", forge=self.name,
                                   url=self.redact(url), seconds=seconds)) from None
            except requests.RequestException as exc:
                raise ForgeError(_("{forge}: cannot reach {url}: {reason}", forge=self.name, url=self.redact(url),
                                   reason=self.redact(type(exc).__name__ + ": " + str(exc))[:300])) from None
            wait = self._rate_limited(response)
            if wait is None:
                break
            if self.waited + wait > self.max_wait or attempt == MAX_RETRIES:
                reset = time.strftime("%H:%M:%S UTC", time.gmtime(self.clock() + wait))
                raise ForgeError(_("{forge}: rate limit reached (HTTP {status}); it resets at {reset}; run again "
                                   "then", forge=self.name, status=response.status_code, reset=reset))
            self.waited += wait
            self.sleep(wait)
        if response.status_code in ok:
            return response
        error = self._error(method, url, response)
        if isinstance(error, ForgeConfigError):
            error.status = response.status_code
        raise error

    def _rate_limited(self, response: requests.Response) -> float | None:
        """Seconds to wait when ``response`` says a rate limit was hit, else ``None``."""
        if response.status_code not in (403, 429):
            return None
        headers = response.headers
        retry = headers.get("retry-after")
        if retry is not None:
            try:
                return max(0.0, float(retry))
            except ValueError:
                return 60.0
        remaining = headers.get("x-ratelimit-remaining") or headers.get("ratelimit-remaining")
        reset = headers.get("x-ratelimit-reset") or headers.get("ratelimit-reset")
        if response.status_code == 429 or remaining == "0":
            if reset is not None and reset.isdigit():
                return max(1.0, float(reset) - self.clock() + 1)
            return 60.0
        return None

    def _error(self, method: str, url: str, response: requests.Response) -> WartaError:
        status = response.status_code
        where = f"{self.name}: {method} {self.redact(url)}"
        detail = ""
        try:
            body = response.json()
            if isinstance(body, dict):
                detail = str(body.get("message") or body.get("error") or "")[:200]
        except ValueError:
            detail = response.text[:200] if "text" in response.headers.get("content-type", "") else ""
        detail = self.redact(detail).strip()
        suffix = f": {detail}" if detail else ""
        if 300 <= status < 400:
            target = self.redact(response.headers.get("location", "?"))
            return ForgeConfigError(_("{where} answered with a redirect to {target}; warta does not follow "
                                      "redirects with the token: set approvals.forge.url to the API's current "
                                      "address", where=where, target=target))
        if status == 401:
            return ForgeConfigError(_("{where}: the token was refused (401){detail}", where=where, detail=suffix))
        if status == 403:
            return ForgeConfigError(_("{where}: forbidden (403): the token lacks the permission{detail}", where=where,
                                      detail=suffix))
        if status == 404:
            return ForgeConfigError(_("{where}: not found (404): check approvals.forge.repository and the number "
                                      "(a private repository the token cannot see also answers 404){detail}",
                                      where=where, detail=suffix))
        if status >= 500:
            return ForgeError(_("{where}: the server failed ({status}){detail}; try again later", where=where,
                                status=status, detail=suffix))
        return ForgeError(_("{where}: HTTP {status}{detail}", where=where, status=status, detail=suffix))

    # -- helpers ------------------------------------------------------------------------------------

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self._json(self.request("GET", path, params=params))

    def post(self, path: str, body: Any) -> Any:
        response = self.request("POST", path, json=body)
        return self._json(response) if response.content else None

    def find(self, path: str, missing: tuple[int, ...] = (404,)) -> Any:
        """GET's JSON, or :data:`MISSING` when the server answers a status in ``missing`` (no such member,
        no protection rule, no pull request for a commit)."""
        response = self.request("GET", path, ok=(200, 201, 204, *missing))
        return MISSING if response.status_code in missing else self._json(response)

    def pages(self, path: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        """Every element of a paginated list, following ``Link: rel="next"``."""
        out: list[Any] = []
        url: str | None = self.url(path)
        query: Mapping[str, Any] | None = params
        for _page in range(self.max_pages):
            if url is None:
                return out
            response = self.request("GET", url, params=query)
            page = self._json(response)
            if not isinstance(page, list):
                raise ForgeError(_("{forge}: {url} did not answer a list", forge=self.name, url=self.redact(url)))
            out.extend(page)
            following = next_link(response.headers.get("link"))
            url = urljoin(url, following) if following else None
            query = None  # the next link carries the query
        raise ForgeError(_("{forge}: more than {pages} pages at {url}", forge=self.name, pages=self.max_pages,
                           url=self.redact(self.url(path))))

    def numbered_pages(self, path: str, size: int) -> list[Any]:
        """Every element of a list paged with ``page=N&limit=size`` (Gitea): page after page while the server
        sends a ``Link: rel="next"`` or a full page, until a short or empty one."""
        out: list[Any] = []
        for page in range(1, self.max_pages + 1):
            response = self.request("GET", path, params={"page": page, "limit": size})
            items = self._json(response)
            if not isinstance(items, list):
                raise ForgeError(_("{forge}: {url} did not answer a list", forge=self.name,
                                   url=self.redact(self.url(path))))
            out.extend(items)
            if next_link(response.headers.get("link")) is None and len(items) < size or not items:
                return out
        raise ForgeError(_("{forge}: more than {pages} pages at {url}", forge=self.name, pages=self.max_pages,
                           url=self.redact(self.url(path))))

    def _json(self, response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise ForgeError(_("{forge}: {url} did not answer JSON", forge=self.name,
                               url=self.redact(response.url))) from None
