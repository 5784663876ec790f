"""Where an item goes: the enabled channels whose ``aksi`` is one of its SOP's pipeline steps, narrowed by
the item's own ``kanal: [names]`` (seed 003 step 9: the admin picks the platforms; the chain approves the
choice with the text, since front matter is part of the digest)."""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pipeline.channels.text import Content, compose, too_long
from pipeline.codedigest import code_digest
from pipeline.config import SiteConfig
from pipeline.config.channels import ChannelSection
from pipeline.content import Item, parse_item
from pipeline.errors import Finding
from pipeline.files import blob_id, write_atomic
from pipeline.i18n import _
from pipeline.sop import Sop
from pipeline.tree import FileTree

POSTING_AKSI = ("kirim_medsos", "tayang_videotron")


def sop_aksi(sop: Sop | None) -> set[str]:
    """Every pipeline step (``aksi``) the SOP names."""
    return {a for step in sop.langkah for a in step.aksi} if sop is not None else set()


def routes(item: Item, sop: Sop | None, config: SiteConfig, aksi: Iterable[str] = POSTING_AKSI) -> list[str]:
    """The channel names ``item`` goes to (sorted): enabled, serving one of ``aksi`` that its SOP names,
    taking its kind, and named in its ``kanal`` when it has one."""
    return _taking(item, candidates(sop, config, aksi))


def candidates(sop: Sop | None, config: SiteConfig, aksi: Iterable[str] = POSTING_AKSI) -> list[tuple[str, ChannelSection]]:
    """The enabled channels (by name, sorted) serving one of ``aksi`` that ``sop`` names: those an item
    of that SOP may go to, before its kind and ``kanal`` choose (:func:`routes`)."""
    wanted = sop_aksi(sop) & set(aksi)
    return [(name, channel) for name, channel in sorted(config.channels.items())
            if channel.enabled and channel.aksi in wanted]


def _taking(item: Item, channels: list[tuple[str, ChannelSection]]) -> list[str]:
    chosen = item.meta.kanal
    return [name for name, channel in channels if item.kind in channel.kinds and (chosen is None or name in chosen)]


def content_of(item: Item, link: str, channel_name: str) -> Content:
    return Content(title=item.title, summary=item.meta.summary or "", link=link,
                   tagar=tuple(item.meta.tagar), sebutan=tuple(item.meta.sebutan.get(channel_name, ())))


def has_photo(item: Item) -> bool:
    return any(i.role == "image" for i in item.images)


def route_findings(item: Item, sop: Sop | None, config: SiteConfig) -> list[Finding]:
    """For ``warta check``: unknown channel names in ``kanal`` and ``sebutan``, channels the SOP does not
    serve, texts over a platform's limit and a missing photo for Instagram on the channels the item goes to.

    Warnings, not errors: ``warta publish`` checks items the same way, and a channel (added later, or one
    platform's limit) must never hold an approved item back from the website; such a post is refused at
    send time instead (recorded failed), never cut."""
    out: list[Finding] = []
    served = sop_aksi(sop)
    for name in item.meta.kanal or ():
        channel = config.channels.get(name)
        if channel is None:
            known = ", ".join(sorted(config.channels)) or "none"
            out.append(Finding(item.path, item.line_of("kanal"), _("kanal: no channel '{name}' in warta.yml "
                               "(channels: {known})", name=name, known=known), "kanal", "warning"))
        elif channel.aksi not in served:
            sop_id = sop.id if sop is not None else "?"
            out.append(Finding(item.path, item.line_of("kanal"), _("kanal: channel '{name}' serves {aksi}, a step the "
                               "SOP {sop} does not have: the item will not go there", name=name,
                               aksi=channel.aksi or "", sop=sop_id), "kanal",
                               "warning"))
    for name in item.meta.sebutan:
        if name not in config.channels:
            out.append(Finding(item.path, item.line_of("sebutan"), _("sebutan: no channel '{name}' in warta.yml",
                                                                     name=name),
                               "sebutan", "warning"))
    link = f"{config.site.url}/{item.url_path}"
    for name in routes(item, sop, config, ("kirim_medsos",)):
        channel = config.channels[name]
        content = content_of(item, link, name)
        photo = has_photo(item)
        why = too_long(channel, compose(channel.type, content, photo=photo), content, photo=photo)
        if why:
            out.append(Finding(item.path, item.line_of("title"), _("channel {name}: {why}", name=name, why=why),
                               "title", "warning"))
        if channel.type == "instagram" and not photo:
            out.append(Finding(item.path, item.line_of("title"), _("channel {name}: an Instagram post needs a photo "
                               "(image:); this item will not be posted there", name=name), "image", "warning"))
    return out


def destinations(tree: FileTree, paths: Iterable[str], config: SiteConfig, sops: Mapping[str, Sop],
                 parsed: Mapping[str, Item] | None = None, cache: Path | None = None,
                 blobs: Mapping[str, str] | None = None) -> dict[str, list[str]]:
    """For ``warta status``: the channels each item at ``paths`` would go to once published (items that
    do not load go nowhere). ``parsed``: items already parsed from ``tree`` with this same ``config``
    (``warta status`` has the content check's); an item not in it is read, and parsed here unless
    ``cache`` (``.warta-cache/status/routes.json``) holds its routes (:class:`RoutesCache`). ``blobs``:
    the git blob ids of items whose bytes in ``tree`` are known (the content check's): their routes are
    kept in the cache, and an item not in ``parsed`` is read only when its routes are not there."""
    out: dict[str, list[str]] = {}
    known = parsed or {}
    kept = RoutesCache(cache, config, sops)
    by_sop: dict[str, list[tuple[str, ChannelSection]]] = {}  # each SOP's channels, worked out once
    for path in paths:
        item: Item | None = known.get(path)
        if item is not None:
            offered = by_sop.get(item.sop_id)
            if offered is None:
                offered = by_sop[item.sop_id] = candidates(sops.get(item.sop_id), config)
            out[path] = _taking(item, offered)
            oid = (blobs or {}).get(path)
            if oid is not None and kept.get(f"{path}\0{oid}") is MISSING:  # for a status that has no parse
                kept.put(f"{path}\0{oid}", out[path])
            continue
        oid = (blobs or {}).get(path)
        raw = None
        if oid is None:
            raw = tree.read(path)
            if raw is None:
                continue
            oid = blob_id(raw)
        key = f"{path}\0{oid}"
        hit = kept.get(key)
        if hit is not MISSING:
            if hit is not None:
                out[path] = hit
            continue
        raw = tree.read(path) if raw is None else raw
        if raw is None or blob_id(raw) != oid:
            continue  # changed since the check read it: it is shown again by the next status
        item = parse_item(tree, path, raw, config)[0]
        found = routes(item, sops.get(item.sop_id), config) if item is not None else None
        kept.put(key, found)
        if found is not None:
            out[path] = found
    kept.save()
    return out


MISSING: Any = object()
_KEEP_UNUSED = 1000  # entries a run did not read that are kept besides as many as it read


class RoutesCache:
    """The routes of items by path and git blob id (the bytes' own id, computed here), valid for one
    *context*: warta's code (:func:`pipeline.codedigest.code_digest`), the configuration the items are
    parsed and routed with, and the pipeline steps (``aksi``) of every SOP. Routes are what
    :func:`routes` gives for the item :func:`pipeline.content.parse_item` makes of exactly those bytes
    with that configuration (``None``: the item does not load), so nothing else can make them stale.

    The file holds a check digest over its body: a truncated or edited file, or one of another context,
    is ignored whole (the items are parsed, and the file written again). It only ever says where an item
    would be posted, never whether it is approved; ``None`` as the file: memory only."""

    def __init__(self, file: Path | None, config: SiteConfig, sops: Mapping[str, Sop]) -> None:
        self.file = file
        self.config, self.sops = config, sops
        self.entries: dict[str, list[str] | None] = {}
        self.used: set[str] = set()
        self.dirty = False
        self.context = ""
        self.loaded = False  # read on the first look-up: a status that shows no item never reads it

    def _load(self) -> None:
        self.loaded = True
        if self.file is None:
            return
        aksi = {name: sorted(sop_aksi(sop)) for name, sop in sorted(self.sops.items())}
        self.context = hashlib.sha256(json.dumps([code_digest(), self.config.model_dump_json(), aksi]).encode()
                                      ).hexdigest()
        try:
            document = json.loads(self.file.read_bytes())
            body = document["body"]
            if not isinstance(body, str) or document["check"] != _check(body):
                return
            data = json.loads(body)
            if data["format"] != 1 or data["context"] != self.context or not isinstance(data["entries"], dict):
                return
            self.entries = {str(k): [str(n) for n in v] if isinstance(v, list) else None
                            for k, v in data["entries"].items() if v is None or isinstance(v, list)}
        except (OSError, ValueError, KeyError, TypeError):
            self.entries = {}

    def get(self, key: str) -> Any:
        """The routes stored for ``key`` (a list, or None for an item that does not load), or :data:`MISSING`."""
        if not self.loaded:
            self._load()
        if key not in self.entries:
            return MISSING
        self.used.add(key)
        return self.entries[key]

    def put(self, key: str, found: list[str] | None) -> None:
        self.entries[key] = found
        self.used.add(key)
        self.dirty = True

    def save(self) -> None:
        """Write the file when this run routed items it did not hold: the entries it used, and up to as many
        others again (items a later ``status --all`` shows; older versions are dropped first)."""
        if self.file is None or not self.dirty:
            return
        unused = [k for k in self.entries if k not in self.used]
        keep = {k: v for k, v in self.entries.items() if k in self.used}
        keep.update((k, self.entries[k]) for k in unused[-(len(self.used) + _KEEP_UNUSED):])
        body = json.dumps({"format": 1, "context": self.context, "entries": keep},
                          ensure_ascii=False, separators=(",", ":"))
        with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
            write_atomic(self.file, json.dumps({"body": body, "check": _check(body)}, ensure_ascii=False))


def _check(body: str) -> str:
    return hashlib.sha256(f"warta-routes\0{body}".encode("utf-8", "surrogatepass")).hexdigest()
