"""Stage 8 of ``warta publish``: announce each newly published version on the channels its SOP names
(docs/channels.md).

- Platform channels (Facebook, Instagram, X, Telegram, Mastodon, webhooks): through the posting ledger of
  :mod:`~pipeline.publish.posting` (attempts committed before the calls, outcomes after).
- Outbox channels: one payload per item version in ``_outbox/<channel>/`` (a payload that exists is never
  written again), recorded as ``outbox``, never ``sent``.
- Videotron boards: the slides and playlist of the newest live releases (withdrawn and expired ones
  leave), in a folder or on the player's computer over rsync.

Which channels: the routing of :mod:`pipeline.channels.routing` (the SOP's ``aksi``, the item's
``kanal``). Pictures are the site build's derivatives of the published tree (the closed world), never the
working tree. A withdrawal never repeats the withdrawn text: it names the archive number and the reason.
"""
from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.archive.records import ArchiveRecord, Channel
from pipeline.cachedir import DEPLOY_CACHE, MEDIA_CACHE, ensure_local_cache
from pipeline.channels import resolve
from pipeline.channels.ledger import entry_of
from pipeline.channels.routing import routes
from pipeline.config import ChannelSection, SiteConfig
from pipeline.content import Item
from pipeline.deploy import rsync
from pipeline.errors import ChannelError, ConfigError
from pipeline.files import write_atomic
from pipeline.git import Git
from pipeline.i18n import _
from pipeline.media import MediaError, SlideInput, build_videotron
from pipeline.people import People
from pipeline.publish.gitops import OUTBOX
from pipeline.publish.hooks import fault
from pipeline.publish.plan import Planned
from pipeline.publish.posting import Picture, Target, announce_channels, report_links
from pipeline.sop import Sop

VIDEOTRON_SLIDES = 10  # the newest releases shown on each board


@dataclass
class Announced:
    """What the announce stage did: outbox and videotron entries per item path (recorded by the record
    stage), the platform channels' run (its ledger already committed), and channel errors."""

    sent: dict[str, list[Channel]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    register: list[ArchiveRecord] | None = None  # the register after the ledger commits of this stage
    posted: dict[str, list[Channel]] = field(default_factory=dict)
    report: Path | None = None  # the link report of this run (_outbox/laporan-tautan/)


@dataclass(frozen=True)
class Ledger:
    """Where the posting ledger is committed and pushed."""

    git: Git
    remote: str | None
    main: str
    register: Sequence[ArchiveRecord]
    people: People | None = None  # who may resolve an open post (the trusted people.yaml)
    retry: bool = False
    only: str | None = None


def pictures_of(item: Item, pictures: Mapping[str, Any], site_url: str, output: Path | None) -> dict[str, Picture]:
    """The channel crops of the item's main photo: their public address on the site, and the file in the
    built site (for the platforms that take an upload)."""
    image_path = main_image(item)
    image_set = pictures.get(image_path) if image_path else None
    if image_set is None:
        return {}
    alt = next((i.alt for i in item.images if i.role == "image"), None)
    out: dict[str, Picture] = {}
    for preset in ("og", "instagram-square", "x"):
        made = image_set.channel(preset)
        if made is not None:
            out[preset] = Picture(f"{site_url}/{made.url_path}", output / made.url_path if output else None, alt)
    return out


def targets_of(due: Sequence[Planned], live: Sequence[Planned], config: SiteConfig, sops: Mapping[str, Sop],
               pictures: Mapping[str, Any], output: Path | None) -> list[Target]:
    """Due versions go to every channel their SOP and kanal name (a withdrawal: every platform channel, where
    an earlier post is taken back); other live versions only where the ledger holds unfinished work for them
    (a retry, an attempt to settle), so a channel added later never posts the back catalogue."""
    due_paths = {p.item.path for p in due}
    out: list[Target] = []
    for planned in live:
        record, item = planned.record, planned.item
        if record.imported or planned.fallback:
            continue
        if record.status == "dicabut":
            names = [n for n, c in sorted(config.channels.items()) if c.enabled and c.type != "outbox"]
        else:
            names = routes(item, sops.get(item.sop_id), config, ("kirim_medsos",))
        if item.path not in due_paths:
            names = [n for n in names if (e := entry_of(record, n)) is not None and e.digest == record.digest
                     and not e.done and e.state != "uncertain"]
        if names:
            out.append(Target(item, record, tuple(names), pictures_of(item, pictures, config.site.url, output)))
    return out


def copy_time(moment: dt.datetime) -> dt.datetime:
    # a distinct object: the YAML writer would otherwise write one time used twice as an anchor and alias
    return moment.replace(microsecond=moment.microsecond)


_PRESET_BY_CHANNEL = {"facebook": "og", "instagram": "instagram-square", "x": "x", "twitter": "x",
                      "youtube": "youtube"}


def _preset(name: str, channel: ChannelSection) -> str:
    """The channel picture a payload carries: Instagram square, X 16:9, otherwise the Open Graph card."""
    return _PRESET_BY_CHANNEL.get(channel.type) or _PRESET_BY_CHANNEL.get(name.lower()) or "og"


def is_videotron(name: str, channel: ChannelSection) -> bool:
    return channel.type == "videotron" or (channel.type == "outbox" and name == "videotron")


def announcement_due(record: ArchiveRecord) -> bool:
    """The current version's publication (and so its announcements) is not recorded yet: the website
    entry of the ledger names another version.

    Never decided by comparing times: a publication stamp and an approval time to the second say nothing
    about order (clocks differ, and both fall in one second), so a withdrawal approved "before" the last
    stamp was once never announced. An entry of an older warta without a digest is taken as the
    announcement of a record's only version; of a record with later versions, as none of them."""
    website = next((c for c in record.channels if c.channel == "website"), None)
    if record.published_at is None or website is None or website.at is None:
        return True
    if website.digest is not None:
        return website.digest != record.digest
    return len(record.versions) > 1


def main_image(item: Item) -> str | None:
    return next((i.path for i in item.images if i.role == "image"), None)


def _payload_key(record: ArchiveRecord) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", f"{record.number}-{record.digest[7:19]}")


def announce(root: Path, tree: Path, due: Sequence[Planned], live: Sequence[Planned], config: SiteConfig,
             stamp: dt.datetime, pictures: Mapping[str, Any], sops: Mapping[str, Sop], ledger: Ledger | None = None,
             output: Path | None = None) -> Announced:
    """Payloads for the due item versions (never written twice) and the videotron boards' playlists.
    ``root``: the repository (the outbox is written there); ``tree``: the published tree (sources);
    ``pictures``: the ImageSets the site build made (source path -> its derivatives, channel crops
    included), passed on rather than made again."""
    result = Announced()
    sent = result.sent
    first = True
    social = [(n, c) for n, c in sorted(config.channels.items())
              if c.enabled and c.type == "outbox" and not is_videotron(n, c)]
    wanted = [p for p in due if not p.record.imported]
    for name, channel in social:
        folder = root / (channel.folder or f"{OUTBOX}/{name}")
        for planned in wanted:
            record, item = planned.record, planned.item
            if name not in routes(item, sops.get(item.sop_id), config):
                continue
            target = folder / f"{_payload_key(record)}.json"
            if not target.exists():
                url = f"{config.site.url}/{item.url_path}"
                change = ("withdrawn" if record.status == "dicabut" else
                          "new" if len(record.versions) == 1 else "changed")
                image_path = main_image(item) if change != "withdrawn" else None
                image_set = pictures.get(image_path) if image_path else None
                picture = image_set.channel(_preset(name, channel)) if image_set is not None else None
                # a withdrawal never repeats the withdrawn text: its number and reason only
                title = item.title if change != "withdrawn" else f"Informasi {record.number} dicabut"
                summary = (item.meta.summary or "") if change != "withdrawn" else (record.alasan_pencabutan or "")
                payload: dict[str, Any] = {
                    "channel": name,
                    "number": record.number,
                    "change": change,
                    "title": title,
                    "summary": summary,
                    "url": url,
                    "text": "\n\n".join(t for t in (title, summary, url) if t),
                    "image": f"{config.site.url}/{picture.url_path}" if picture is not None else None,
                    "image_alt": next((i.alt for i in item.images if i.role == "image"), None) if picture else None,
                    "image_size": [picture.width, picture.height] if picture is not None else None,
                    "published_at": stamp.isoformat(),
                    "digest": record.digest,
                }
                if change == "withdrawn":
                    payload["alasan_pencabutan"] = record.alasan_pencabutan
                write_atomic(target, json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
                if first:
                    first = False
                    fault("announce")
            sent.setdefault(item.path, []).append(
                Channel(channel=name, at=copy_time(stamp), url=target.relative_to(root).as_posix(),
                        digest=record.digest, state="outbox"))  # only a file: never "sent"

    if ledger is not None:
        head = ledger.git.head()
        found = resolve.read(ledger.git, head, ledger.people, ensure_local_cache(root)) if ledger.people and head else []
        targets = targets_of(due, live, config, sops, pictures, output)
        run = announce_channels(root, ledger.git, ledger.remote, ledger.main, ledger.register, targets, config,
                                stamp, retry=ledger.retry, only=ledger.only, resolutions=found, missing="skip")
        result.report = report_links(root, run, targets, config, sops, stamp)
        result.errors += run.errors
        result.warnings += run.warnings
        result.register = run.register
        result.posted = run.outcomes
    for name, channel in sorted(config.channels.items()):
        if channel.enabled and is_videotron(name, channel):
            shown = [p for p in live if name in routes(p.item, sops.get(p.item.sop_id), config)]
            _videotron(root, tree, name, channel, shown, config, stamp, result)
    return result


def _videotron(root: Path, tree: Path, name: str, channel: ChannelSection, live: Sequence[Planned],
               config: SiteConfig, stamp: dt.datetime, result: Announced) -> None:
    """Slides and playlist of the newest releases on every board of ``media.videotron``."""
    boards = config.media.videotron
    if not boards:
        result.errors.append(_("channel {name}: no boards in media.videotron (name, width, height); no slides "
                               "were made", name=name))
        return
    # withdrawn and expired items leave the boards
    shown = [p for p in live if p.record.status != "dicabut" and not p.expired and p.item.published is not None]
    shown.sort(key=lambda p: (p.item.published or stamp, p.item.path), reverse=True)
    shown = shown[:VIDEOTRON_SLIDES]
    slides = []
    for planned in shown:
        item = planned.item
        image = main_image(item)
        focus = item.meta.image_focus or [0.5, 0.5]
        assert item.published is not None
        slides.append(SlideInput(release=item.path, title=item.title, date=item.published.date(),
                                 image=tree / image if image else None, image_display_path=image,
                                 focus=(focus[0], focus[1]), slug=item.slug))
    folder = root / (channel.folder or f"{OUTBOX}/{name}")
    logo = tree / config.site.logo if config.site.logo and (tree / config.site.logo).is_file() else None
    try:
        files: dict[str, str] = {}
        build_videotron(slides, folder, config.site, boards, ensure_local_cache(root) / MEDIA_CACHE, logo,
                        settings=config.media, slide_files=files)
    except MediaError as exc:
        detail = "; ".join(f.format() for f in exc.findings) or str(exc)
        result.errors.append(_("channel {name}: the videotron slides could not be made: {detail}", name=name,
                               detail=detail))
        return
    if channel.rsync_destination and not _upload(root, name, channel, folder, result):
        return
    board = boards[0].name
    for planned in shown:
        entry = entry_of(planned.record, name)
        if entry is not None and entry.digest in (None, planned.record.digest):
            continue  # this version is on the boards since an earlier run
        slide = files.get(planned.item.path) or "playlist.json"
        if channel.rsync_destination:
            where = f"{channel.rsync_destination.rstrip('/')}/{board}/{slide}"
        else:
            local = folder / board / slide
            where = local.relative_to(root).as_posix() if local.is_relative_to(root) else str(local)
        result.sent.setdefault(planned.item.path, []).append(
            Channel(channel=name, at=copy_time(stamp), url=where, digest=planned.record.digest,
                    state="sent" if channel.type == "videotron" else "outbox"))


def _upload(root: Path, name: str, channel: ChannelSection, folder: Path, result: Announced) -> bool:
    """The boards' folder to the player over rsync, swapped in atomically there (as the rsync deploy)."""
    env = dict(os.environ)
    env.pop(rsync.KEY_ENV, None)  # the site's deploy key never goes to a player
    env.pop(rsync.KNOWN_HOSTS_ENV, None)
    if channel.token_env:
        key = env.get(str(channel.token_env), "")
        if not key:
            result.errors.append(_("channel {name}: the environment variable {variable} (token_env: the "
                                   "player's SSH key) is not set; the slides were not sent", name=name,
                                   variable=channel.token_env))
            return False
        env[rsync.KEY_ENV] = key
    if channel.known_hosts:
        env[rsync.KNOWN_HOSTS_ENV] = channel.known_hosts
    assert channel.rsync_destination is not None
    # the folder's own index (the rsync upload refuses a folder without one: it would replace a site)
    boards = sorted(p.name for p in folder.iterdir() if (p / "playlist.m3u").is_file())
    links = "".join(f'<li><a href="{html.escape(b)}/playlist.m3u">{html.escape(b)}</a></li>' for b in boards)
    write_atomic(folder / "index.html", f'<!doctype html><html lang="id"><meta charset="utf-8"><title>Videotron '
                                        f'{html.escape(name)}</title><ul>{links}</ul></html>\n')
    try:
        state = ensure_local_cache(root) / DEPLOY_CACHE / f"videotron-{name}"
        rsync.deploy_rsync(folder, channel.rsync_destination, state, env=env)
    except (ChannelError, ConfigError) as exc:
        result.errors.append(f"channel {name}: {exc}")
        return False
    return True
