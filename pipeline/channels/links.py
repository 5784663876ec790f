"""Post links built from the ids a platform returned, checked; never an address copied unchecked."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from pipeline.channels.base import CallFailed
from pipeline.i18n import _

_ID = re.compile(r"^[0-9A-Za-z_-]{1,100}$")


def checked_id(value: object, what: str) -> str:
    text = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if not _ID.match(text):
        raise CallFailed(_("{what}: the platform answered without a usable id; the post may have gone out", what=what),
                         retryable=False, uncertain=True)
    return text


def same_host_url(value: object, base: str, post_id: str) -> str | None:
    """``value`` when it is an address on the API's own host that ends with ``post_id``; else None."""
    if not isinstance(value, str):
        return None
    parts, origin = urlsplit(value), urlsplit(base)
    if parts.scheme not in ("https", "http") or parts.hostname != origin.hostname or parts.scheme != origin.scheme:
        return None
    if not parts.path.rstrip("/").endswith("/" + post_id) or parts.query or parts.fragment:
        return None
    return value
