"""The register branch's tip that ``warta publish`` last pushed, remembered in ``.warta-cache`` (which the
publish workflow restores on every run of main), so that a rewind of the remote's branch to an earlier tip
the identity signed is seen by a fresh checkout too (docs/archive.md, "Rewrites are refused"; docs/attacks.md).

Without it a CI run, always a fresh clone, sees a rewind only through a signed tag pointing past the new
tip: a rewind that drops only publication and posting records (no numbering commit) would go unseen, and
the next run would announce again what the dropped posting ledger said was sent. A missing or unreadable
file only loses that check (a clone without the cache is as before)."""

from __future__ import annotations

import contextlib
import json
import re

from pipeline.cachedir import REGISTER_SEEN, ensure_local_cache
from pipeline.files import write_atomic
from pipeline.git import Git

_SHA = re.compile(r"^[0-9a-f]{40}$")


def _read(git: Git) -> dict[str, str]:
    try:
        data = json.loads((ensure_local_cache(git.root) / REGISTER_SEEN).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str) and _SHA.match(v)}


def pushed(git: Git, name: str) -> str | None:
    """The tip of register branch ``name`` this clone (or the cache it was given) last pushed."""
    return _read(git).get(name)


def remember(git: Git, name: str, sha: str) -> None:
    """Remember ``sha`` as the tip of ``name`` that the remote now holds (after a push that succeeded)."""
    with contextlib.suppress(OSError):  # a cache that cannot be written only loses the check
        write_atomic(ensure_local_cache(git.root) / REGISTER_SEEN, json.dumps({**_read(git), name: sha}, sort_keys=True))
