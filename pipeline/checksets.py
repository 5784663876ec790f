"""The content check's whole result for the items ``warta status`` shows, kept
(``.warta-cache/check/sets.pickle``): a second status with nothing changed checks no item again, and one after a few
items changed, came or went checks only those.

``warta status`` shows every item whose chain is not complete and checks each on its own
(:func:`pipeline.check.check_items` with ``only``). What that check finds in a set of items depends on:

- the *context*: warta's code and libraries, the language, the configuration, people and SOPs
  (:func:`pipeline.checkcache.context_digest`), and the bytes of the classification table;
- each item's path and bytes (:attr:`SetChecks.blobs`: the git blob ids; a set is kept only when every
  item is a regular file in a folder that is no symbolic link, nor under one);
- every question the check asked of the working tree and the answer it got
  (:class:`pipeline.tree.NotingTree`: the folders above the items, each referenced or linked file, a
  missing one included), and the bytes of every file an item references (the photo check reads them);
- and, across items, only two things: a photo's finding names every shown item that uses it, and a slug
  two shown items share is reported in both.

So a kept result is used only while every answer is the same (else everything is checked again). Items whose
bytes or referenced files changed, and items new to the set, are checked again on their own when they are at
most a quarter of the set and share no referenced file and no slug with the items that are not checked again,
nor did before (else everything is checked again); items that left the set are dropped. A result is not kept
when a body ran out of ``limits.render_seconds`` (that depends on the machine's load) or an item's bytes
changed while it was checked. The file holds the last :data:`SETS_KEPT` distinct sets (a new state of a set
replaces the older one), is written and read like the one-item checks' (:class:`PickledFile`: one read, a
restricted unpickler, a digest of its body), and is local scratch, safe to delete. ``warta check`` and ``warta
approve`` never use it."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.cachedir import SET_CHECKS_CACHE
from pipeline.checkcache import file_id, valid_finding
from pipeline.errors import Finding
from pipeline.files import blob_id
from pipeline.itemcache import Allowed, PickledFile, local_file
from pipeline.tree import WorkTree, answer

if TYPE_CHECKING:
    from pipeline.config import SiteConfig
    from pipeline.content import Item

SET_MAGIC = b"warta-set-checks"
SET_FORMAT = 1
SETS_KEPT = 8  # the last distinct sets checked (main's open items, a branch's, a few named ones)
PART = 4  # a part of the set is checked on its own when it is at most 1/PART of it
DUPLICATE = "content.slug-duplicate"


@dataclass(frozen=True)
class SetChecked:
    """What the check found in one set of items, with everything it depends on (the module's list)."""

    blobs: bytes  # each item's path and git blob id (:func:`_packed`: one object to read, not 20,000)
    looked: tuple[tuple[tuple[str, str], str], ...]  # ((how, path), answer): pipeline.tree.NotingTree
    references: tuple[tuple[str, str], ...]  # each referenced file, with its file_id
    uses: tuple[tuple[str, tuple[str, ...]], ...]  # the files each item references (items that reference any)
    slugs: bytes  # each item that parsed, its "<kind>/<slug>" (:func:`_packed`)
    blocking: tuple[tuple[str, tuple[Finding, ...]], ...]  # the errors by item


@dataclass
class CheckRun:
    """One run of the check over some items of the set (all of them, or a part)."""

    blocking: dict[str, list[Finding]]
    read: dict[str, bytes]  # the bytes it read of each item
    looked: dict[tuple[str, str], str]
    uses: dict[str, tuple[str, ...]]
    slugs: dict[str, str]
    settled: bool  # no body ran out of time
    parsed: dict[str, Item] = field(default_factory=dict)
    config: SiteConfig | None = None
    ids: dict[str, str] = field(default_factory=dict)  # each referenced file's file_id as the check took it


@dataclass
class Reuse:
    """What a kept result gives for the set: the errors of the items not checked again, and the items to
    check (none: the whole result)."""

    blocking: dict[str, list[Finding]]
    todo: list[str]
    base: SetChecked
    same: bool = False  # the kept result is this very set's: nothing to keep anew


class SetChecks:
    """The kept results for the set of items ``paths`` in ``root``: :meth:`reuse`, then :meth:`finish`."""

    def __init__(self, root: Path, context: str, paths: Iterable[str]) -> None:
        self.root = root
        self.store = PickledFile(local_file(root, SET_CHECKS_CACHE), SET_MAGIC, SET_FORMAT, context, _ALLOWED)
        self.blobs = plain_blobs(root, paths)
        self.key = None
        if self.blobs is not None:
            text = json.dumps(sorted(self.blobs.items()), ensure_ascii=False)
            self.key = hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()
        self.stored: dict[str, Any] = {}

    def reuse(self) -> Reuse | None:
        """What the kept result of this set (or else of the last set checked) still says, or None: check
        every item."""
        if self.key is None or self.blobs is None:
            return None
        self.stored = self.store.load()
        entry = self.stored.get(self.key)
        if entry is None and self.stored:
            entry = self.stored[next(reversed(self.stored))]  # the last set checked: a part may have changed
        if not (isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], str) and _is_set(entry[1])):
            return None
        base: SetChecked = entry[1]
        tree = WorkTree(self.root)
        if any(answer(tree, question) != got for question, got in base.looked):
            return None
        uses = dict(base.uses)
        # this very set (the key is the digest of every path and blob id) or an earlier state of one
        old = self.blobs if entry[0] == self.key else _unpacked(base.blobs)
        todo = set() if old is self.blobs else {path for path, blob in self.blobs.items() if old.get(path) != blob}
        top, real = os.fspath(self.root), os.path.realpath(self.root)
        folders: dict[str, bool] = {}
        if not all(_in_place(top, real, rel, folders) for rel, _got in base.references):
            return None  # a referenced file the check could not have read (it refuses links): not believed
        changed = {rel for rel, got in base.references if file_id(self.root, rel) != got}
        todo.update(path for path in self.blobs if changed.intersection(uses.get(path, ())))
        if todo and len(todo) * PART > len(self.blobs):
            return None
        kept = [path for path in self.blobs if path not in todo]
        kept_refs = {rel for path in kept for rel in uses.get(path, ())}
        left = set(old) - set(kept)  # checked with them before: the changed items as they were, and those gone
        left_refs = {rel for path in left for rel in uses.get(path, ())}
        if kept_refs & (todo | left) or left_refs.intersection(kept):
            return None  # an item uses another item's file: the findings of each count for the other
        if any(kept_refs.intersection(uses.get(path, ())) for path in left):
            return None  # a photo's finding named them too
        blocking = dict(base.blocking)
        if left and any(f.code == DUPLICATE for found in blocking.values() for f in found):
            return None
        return Reuse({path: list(blocking[path]) for path in kept if path in blocking}, sorted(todo), base,
                     same=not todo and len(old) == len(self.blobs))

    def finish(self, reuse: Reuse | None, part: CheckRun | None) -> dict[str, list[Finding]] | None:
        """The errors of the whole set: ``reuse``'s with those of ``part`` (the check of its
        :attr:`Reuse.todo`; ``reuse`` None: ``part`` checked the whole set), kept for the next run when it
        can be. None when ``part`` shares a referenced file or a slug with the items not checked again:
        then check them all."""
        if self.key is None or self.blobs is None:
            return part.blocking if part is not None and reuse is None else None
        if reuse is not None and reuse.same:
            return reuse.blocking
        base = reuse.base if reuse is not None else None
        part = part or CheckRun({}, {}, {}, {}, {}, True)
        kept = [path for path in self.blobs if reuse is not None and path not in reuse.todo]
        uses = {path: refs for path, refs in (base.uses if base is not None else ()) if path in self.blobs}
        slugs = {path: slug for path, slug in (_unpacked(base.slugs) if base is not None else {}).items()
                 if path in self.blobs}
        kept_refs = {rel for path in kept for rel in uses.get(path, ())}
        if any(kept_refs.intersection(refs) or set(kept).intersection(refs) for refs in part.uses.values()):
            return None
        if set(slugs[p] for p in kept if p in slugs).intersection(part.slugs.values()):
            return None
        blocking = {**(reuse.blocking if reuse is not None else {}), **part.blocking}
        exact = all(path in part.read and blob_id(part.read[path]) == self.blobs[path]
                    for path in (reuse.todo if reuse is not None else self.blobs))
        if exact and part.settled:
            self._save(base, kept, part, uses, slugs, blocking)
        return blocking

    def _save(self, base: SetChecked | None, kept: list[str], part: CheckRun, uses: dict[str, tuple[str, ...]],
              slugs: dict[str, str], blocking: dict[str, list[Finding]]) -> None:
        assert self.key is not None and self.blobs is not None
        blobs = self.blobs
        looked = dict(base.looked) if base is not None else {}
        looked.update(part.looked)
        asked = tuple(sorted((q, a) for q, a in looked.items() if not (q[0] == "read" and q[1] in blobs)))
        kept_uses = {path: uses[path] for path in kept if path in uses}
        kept_refs = {rel for refs in kept_uses.values() for rel in refs}
        references = {rel: got for rel, got in (base.references if base is not None else ()) if rel in kept_refs}
        for rel in {rel for refs in part.uses.values() for rel in refs}:
            references[rel] = now = file_id(self.root, rel)
            if part.ids.get(rel, now) != now:
                return  # changed while it was checked: the next run checks it again
        once: dict[str, str] = {}  # each text once in the file (10,000 items can share one message)
        done = SetChecked(_packed(blobs), asked, tuple(sorted(references.items())),
                          tuple(sorted({**kept_uses, **part.uses}.items())),
                          _packed({**{p: slugs[p] for p in kept if p in slugs}, **part.slugs}),
                          tuple((path, tuple(_shared(f, once) for f in found)) for path, found in sorted(blocking.items())))
        entries = {key: entry for key, entry in self.stored.items() if not _superseded(entry, blobs)}
        entries[self.key] = (self.key, done)
        while len(entries) > SETS_KEPT:
            del entries[next(iter(entries))]  # the oldest first
        self.store.save(entries)


def _superseded(entry: Any, blobs: Mapping[str, str]) -> bool:
    """Whether ``entry`` is an earlier state of the set of ``blobs`` (half of its items or more are in it):
    the file keeps distinct sets (main's open items, a branch's), not every state of one."""
    try:
        held = _unpacked(entry[1].blobs)
        return sum(path in blobs for path in held) * 2 >= len(held)
    except Exception:  # noqa: BLE001 - an entry that is not one: dropped
        return True


def plain_blobs(root: Path, paths: Iterable[str]) -> dict[str, str] | None:
    """Each path's git blob id, when every one is a regular file spelt plainly (no ``.``, ``..`` or empty
    part) in a folder that is no symbolic link, nor under one; else None."""
    top = os.fspath(root)
    real = os.path.realpath(top)
    folders: dict[str, bool] = {}
    out: dict[str, str] = {}
    for path in paths:
        found = file_id(top, path) if _in_place(top, real, path, folders) else ""
        if len(found) != 40:
            return None
        out[path] = found
    return out


def _in_place(top: str, real: str, path: str, folders: dict[str, bool]) -> bool:
    """Whether ``path`` is spelt plainly (no ``.``, ``..`` or empty part) in a folder of ``top`` that is no
    symbolic link, nor under one (``folders``: each folder's answer, asked once)."""
    spelt = f"/{path}/"
    if "//" in spelt or "/./" in spelt or "/../" in spelt or path.startswith("/"):
        return False
    folder = path.rpartition("/")[0]
    plain = folders.get(folder)
    if plain is None:
        plain = os.path.realpath(os.path.join(top, folder)) == os.path.join(real, folder).rstrip(os.sep)
        folders[folder] = plain
    return plain


def _is_set(value: Any) -> bool:
    if not isinstance(value, SetChecked):
        return False
    try:
        return _shape(value)
    except Exception:  # noqa: BLE001 - a part that is no pair, an object without its fields: no entry
        return False


def _strings(pairs: Any) -> bool:
    return isinstance(pairs, tuple) and all(isinstance(a, str) and isinstance(b, str) for a, b in pairs)


def _shape(value: SetChecked) -> bool:
    looked = isinstance(value.looked, tuple) and all(
        _strings((q,)) and isinstance(a, str) and _inside(q[1]) for q, a in value.looked)
    uses = isinstance(value.uses, tuple) and all(
        isinstance(p, str) and isinstance(refs, tuple) and all(isinstance(r, str) for r in refs)
        for p, refs in value.uses)
    found = isinstance(value.blocking, tuple) and all(
        isinstance(p, str) and isinstance(fs, tuple) and all(valid_finding(f) for f in fs)
        for p, fs in value.blocking)
    return (isinstance(value.blobs, bytes) and isinstance(value.slugs, bytes) and _strings(value.references)
            and all(_inside(rel) for rel, _got in value.references) and looked and uses and found)


def _inside(path: str) -> bool:
    """Whether ``path`` is a plain path inside the repository (what the check asks about: never ``/``-rooted,
    never through ``..``)."""
    spelt = f"/{path}/"
    return bool(path) and not path.startswith("/") and "//" not in spelt and "/../" not in spelt \
        and "/./" not in spelt and "\0" not in path


def _packed(pairs: Mapping[str, str]) -> bytes:
    """``pairs`` as one bytes object: keys and values, in key order, each followed by a NUL (no path holds one)."""
    return "".join(f"{key}\0{value}\0" for key, value in sorted(pairs.items())).encode("utf-8", "surrogateescape")


def _unpacked(data: bytes) -> dict[str, str]:
    """What :func:`_packed` packed (an odd or undecodable body: nothing)."""
    try:
        parts = data.decode("utf-8", "surrogateescape").split("\0")
    except (AttributeError, UnicodeDecodeError):
        return {}
    if len(parts) % 2 != 1 or parts[-1]:
        return {}
    return dict(zip(parts[0:-1:2], parts[1::2], strict=True))


def _shared(finding: Finding, once: dict[str, str]) -> Finding:
    """``finding`` with its texts shared with the other findings' (pickle writes a shared text once)."""
    message = once.setdefault(finding.message, finding.message)
    path = once.setdefault(finding.path, finding.path)
    return finding if message is finding.message and path is finding.path else dataclasses.replace(
        finding, message=message, path=path)


def uses_and_slugs(items: Iterable[Item]) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """What :class:`CheckRun` holds of the items a check examined: the files each references, each slug."""
    uses: dict[str, tuple[str, ...]] = {}
    slugs: dict[str, str] = {}
    for item in items:
        if item.references:
            uses[item.path] = item.references
        slugs[item.path] = f"{item.kind}/{item.slug}"
    return uses, slugs


_ALLOWED: Allowed = {"pipeline.errors": {"Finding": Finding}, __name__: {"SetChecked": SetChecked}}

