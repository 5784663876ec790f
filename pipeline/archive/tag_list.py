"""The ``arsip/*`` tags of a clone, listed with what each tag object says (:func:`list_tags`).

Judging the register's tags (:func:`pipeline.archive.trust.trusted_tags`) needs, for every tag, the
object's type (annotated or lightweight), the commit it points at and the name written inside it. git
reads every tag object for that (``for-each-ref`` with ``%(objecttype)``, ``%(*objectname)``,
``%(tag)``): 10,000 tag objects, half a second. These are facts of the object itself, which its id names
(git's content address), so they are kept in ``.warta-cache/register/tag-objects.json``
(:data:`~pipeline.cachedir.TAG_OBJECTS_CACHE`) by object id: a run lists the refs alone (name -> object
id, no object read) and takes each object's facts from the file. Any object id the file does not hold
(a new tag, a tag moved to another object), and a file whose check digest does not match its content
(truncated, edited, of another format), and git lists every tag object again, as before. Which tags
count is judged afresh on every run (signatures, the register's commits); the file holds no verdict.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from pipeline.cachedir import TAG_OBJECTS_CACHE
from pipeline.files import write_atomic
from pipeline.git import Git

TAG_PREFIX = "arsip/"
FORMAT = 1


@dataclass(frozen=True)
class Tag:
    """One ``arsip/*`` ref: its name, object type (``tag`` or ``commit``), object id, the object it
    points at (itself for a lightweight tag) and the tag name inside the object (empty when none)."""

    name: str
    kind: str
    oid: str
    target: str
    own_name: str


def _from_git(git: Git) -> list[Tag]:
    out = git.text("for-each-ref", "--format=%(refname:strip=2)%00%(objecttype)%00%(objectname)%00"
                   "%(*objectname)%00%(tag)", f"refs/tags/{TAG_PREFIX}")
    tags = []
    for line in out.splitlines():
        name, kind, oid, peeled, own = line.split("\0")
        tags.append(Tag(name, kind, oid, peeled or oid, own))
    return tags


def _check(body: str) -> str:
    return hashlib.sha256(f"warta-tag-objects\0{body}".encode("utf-8", "surrogateescape")).hexdigest()


def _read(file: Path) -> dict[str, list[str]]:
    try:
        document = json.loads(file.read_bytes())
        body = document["body"]
        if not isinstance(body, str) or document["check"] != _check(body):
            return {}
        data = json.loads(body)
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("objects"), dict):
        return {}
    return {k: v for k, v in data["objects"].items()
            if isinstance(v, list) and len(v) == 3 and all(isinstance(x, str) for x in v)}


def _write(file: Path, tags: list[Tag]) -> None:
    objects = {t.oid: [t.kind, t.target, t.own_name] for t in tags}
    body = json.dumps({"format": FORMAT, "objects": objects}, sort_keys=True, separators=(",", ":"))
    with contextlib.suppress(OSError):  # a file that cannot be written only costs the listing next time
        write_atomic(file, json.dumps({"body": body, "check": _check(body)}))


def _local(cache_root: Path) -> bool:
    """Only an existing cache folder is used, and never through a link (the caller took it from
    :func:`~pipeline.cachedir.ensure_local_cache`, which never gives one the repository supplies)."""
    return cache_root.is_dir() and not cache_root.is_symlink()


def list_tags(git: Git, cache_root: Path | None = None) -> list[Tag]:
    """Every ``arsip/*`` tag (see the module docstring). ``cache_root``: the clone's cache folder
    (:func:`~pipeline.cachedir.ensure_local_cache`)
    (``None``: git reads every tag object)."""
    if cache_root is None or not _local(cache_root):
        return _from_git(git)
    file = cache_root / TAG_OBJECTS_CACHE
    refs = git.text("for-each-ref", "--format=%(refname:strip=2)%00%(objectname)", f"refs/tags/{TAG_PREFIX}")
    pairs = [line.split("\0") for line in refs.splitlines()]
    known = _read(file) if pairs else {}
    if all(len(p) == 2 and p[1] in known for p in pairs):
        return [Tag(name, known[oid][0], oid, known[oid][1], known[oid][2]) for name, oid in pairs]
    tags = _from_git(git)
    _write(file, tags)
    return tags
