"""The API addresses ``warta.yml`` may name (``approvals.forge.url``, ``channels.*.url``).

https only, without query, fragment or user name (a reader on the way could forge reviews or read tokens);
plain http only to this machine, for tests against local servers.
"""

from __future__ import annotations

import re

_HTTPS = re.compile(r"^https://[^\s/?#@]+(/[^\s?#]*)?$")
_LOOPBACK = re.compile(r"^http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(/\S*)?$")


def is_api_address(value: str) -> bool:
    """Whether ``value`` is an https:// address without query or user name, or http:// on 127.0.0.1."""
    return bool(_HTTPS.match(value) or _LOOPBACK.match(value))
