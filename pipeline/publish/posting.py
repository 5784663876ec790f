"""Stage 8 of ``warta publish`` (and ``warta announce``) on the platform channels: the attempts committed
(and pushed) before any call, the calls, then the outcomes committed, all signed by the publishing
identity (docs/channels.md).

An attempt is claimed only by a fast-forward push of the tip this run read: a rejected push means another
run holds the claim, and this run sends nothing. Without a remote the local commit is the claim (one
publish at a time holds the repository's lock).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pipeline.archive import trust
from pipeline.archive.record_files import write_records
from pipeline.archive.records import ArchiveRecord, Channel, with_publication
from pipeline.channels import ledger, report, resolve
from pipeline.channels.base import Adapter, CallFailed, Post
from pipeline.channels.routing import content_of, sop_aksi
from pipeline.channels.text import CORRECTION_TITLE, compose, correction, in_language, too_long
from pipeline.config import SiteConfig
from pipeline.content import Item
from pipeline.errors import GitError
from pipeline.files import write_atomic
from pipeline.git import Git
from pipeline.i18n import _
from pipeline.publish import gitops
from pipeline.publish.hooks import ANNOUNCE_BARRIER_ENV, barrier, fault

MAX_PUSHES = 8
_PRESET = {"instagram": "instagram-square", "x": "x"}


@dataclass(frozen=True)
class Picture:
    url: str
    file: Path | None
    alt: str | None


@dataclass(frozen=True)
class Target:
    """An item version to announce and the platform channels it goes to."""

    item: Item
    record: ArchiveRecord
    channels: tuple[str, ...]
    pictures: Mapping[str, Picture] = field(default_factory=dict)  # preset -> picture


@dataclass
class ChannelRun:
    register: list[ArchiveRecord]
    planned: list[str] = field(default_factory=list)  # "path → channel (action)"
    outcomes: dict[str, list[Channel]] = field(default_factory=dict)  # item path -> entries written
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    claimed: bool = True
    pending: dict[str, list[Channel]] = field(default_factory=dict)  # entries to record without a call


def platform_channels(config: SiteConfig, names: Sequence[str]) -> list[str]:
    from pipeline.channels.adapters import SOCIAL_TYPES  # here for start-up time (requests, oauthlib: 0.15 s)

    return [n for n in names if config.channels[n].type in SOCIAL_TYPES]


def _post(target: Target, name: str, config: SiteConfig, step: ledger.Step) -> Post:
    channel = config.channels[name]
    item, record = target.item, target.record
    link = f"{config.site.url}/{item.url_path}"
    key = ledger.key_of(record, name)
    if record.status == "dicabut":
        text = correction(channel.type, record.number, record.alasan_pencabutan or "", link, config.site.language)
        title = in_language(config.site.language, CORRECTION_TITLE, number=record.number)
        return Post(key, record.number, "withdrawn", text, link, title=title,
                    summary=record.alasan_pencabutan or "")
    picture = target.pictures.get(_PRESET.get(channel.type, "og"))
    content = content_of(item, link, name)
    change: Literal["new", "changed"] = "new" if len(record.versions) == 1 else "changed"
    return Post(key, record.number, change, compose(channel.type, content, photo=picture is not None), link,
                title=content.title, summary=content.summary, image_url=picture.url if picture else None,
                image_file=picture.file if picture else None, image_alt=picture.alt if picture else None)


def _call(adapter: Adapter, post: Post, step: ledger.Step, before: Channel, now: dt.datetime,
          channel_type: str) -> Channel:
    try:
        if step.action == "settle" and post.change == "withdrawn":
            # a deletion is repeated safely (a deleted post answers as gone); a correction cannot be
            if step.post_id and adapter.delete(step.post_id):
                return ledger.sent(before, step.post_id, None, now, state="deleted")
            return ledger.uncertain(before, _("a withdrawal without an outcome: its correction may have gone out; "
                                              "check the channel and resolve it"))
        if step.action == "settle":
            age = (now - before.at).total_seconds() if before.at is not None else None
            found = adapter.settle(post, age)
            if found is None:
                return ledger.uncertain(before, _("an attempt without an outcome (the run stopped, or the answer "
                                                  "was lost): check the channel and resolve it"))
            return ledger.sent(before, found.post_id, found.url, now)
        if step.action == "withdraw":
            if step.post_id and adapter.delete(step.post_id):
                return ledger.sent(before, step.post_id, None, now, state="deleted")
            if channel_type == "instagram":
                raise CallFailed(_("instagram: posts cannot be deleted or corrected through the API; delete it "
                                   "in the app, then warta announce --resolve ... --sent URL"), retryable=False)
            done = adapter.post(post)
            return ledger.sent(before, done.post_id, done.url, now, state="corrected")
        done = adapter.post(post)
        return ledger.sent(before, done.post_id, done.url, now)
    except CallFailed as exc:
        if exc.uncertain:
            return ledger.uncertain(before, str(exc))
        return ledger.failed(before, str(exc), retryable=exc.retryable, wait=exc.wait, now=now)


def _commit(root: Path, git: Git, remote: str | None, main: str, entries: Mapping[str, list[Channel]],
            register: list[ArchiveRecord], subject: str, point: str, *, claim: bool) -> list[ArchiveRecord] | None:
    """Write ``entries`` (item path -> channel entries) into their records, commit and push. ``claim``: a
    rejected push gives up (None); otherwise the entries are put on the new main's register and pushed
    again."""
    current = register
    for _attempt in range(MAX_PUSHES):
        base = git.head()
        assert base is not None
        by_path = {r.path: r for r in current}
        changed = []
        for path, channels in entries.items():
            record = by_path.get(path)
            if record is None:
                continue
            updated = with_publication(record, record.published_at, channels)
            if updated != record:
                by_path[path] = updated
                changed.append(updated)
        if changed:
            write_records(gitops.write_root(git), changed, cache_root=git.root)
        if changed:
            numbers = ", ".join(sorted({r.number for r in changed}))
            gitops.commit_written(git, f"Arsip: terbit kanal: {subject} {numbers}\n")
        fault(point)
        if claim:
            barrier(ANNOUNCE_BARRIER_ENV)
        after = [by_path.get(r.path, r) for r in current]
        if not remote or not changed or gitops.push_or_sync(git, remote, main, base, []):
            return after
        if claim:
            return None
        head = git.head()
        assert head is not None
        current = [s.record for s in trust.records_at(git, head)]
    raise GitError(_("the push of the posting ledger to {remote} was rejected {max_pushes} times; run announce again "
                     "(uncertain posts wait for a person)", remote=remote or "", max_pushes=MAX_PUSHES))


def announce_channels(root: Path, git: Git, remote: str | None, main: str, register: Sequence[ArchiveRecord],
                      targets: Sequence[Target], config: SiteConfig, now: dt.datetime, *, retry: bool = False,
                      only: str | None = None, dry_run: bool = False, environ: Mapping[str, str] | None = None,
                      adapter_for: Callable[[str], Adapter] | None = None,
                      resolutions: Sequence[resolve.Resolution] = (),
                      missing: Literal["skip", "fail"] = "fail") -> ChannelRun:
    """See the module docstring. ``register``: the records as this run read them (passed on, not re-read);
    ``resolutions``: people's signed decisions on open posts, recorded first; ``missing``: what a channel
    whose token variable is not set does: ``skip`` (publish, where CI passes the tokens to a separate
    ``warta announce`` job: nothing recorded, a warning) or ``fail`` (recorded failed, retried later)."""
    run = ChannelRun(register=list(register))
    resolved = resolve.apply(register, resolutions, now)
    if resolved and not dry_run:
        done = _commit(root, git, remote, main, resolved, run.register, "keputusan", "announce-resolved", claim=False)
        assert done is not None
        run.register = done
        run.outcomes.update(resolved)
    work = _plan(run, targets, config, now, retry, only)
    _expiry_warnings(config, now, run)
    # a test passing adapter_for has no token variables
    work = _callable(work, config, None if adapter_for else os.environ if environ is None else environ, run, now,
                     missing)
    if dry_run:
        return run
    if not work:
        if run.pending:
            done = _commit(root, git, remote, main, run.pending, run.register, "hasil", "announce-outcomes",
                           claim=False)
            assert done is not None
            run.register = done
            run.outcomes.update(run.pending)
        return run
    attempts = {(t.record.path, n): ledger.attempt(t.record, n, s, now) for t, n, s in work if s.action != "settle"}
    grouped: dict[str, list[Channel]] = {}
    for (path, _channel), entry in attempts.items():
        grouped.setdefault(path, []).append(entry)
    claimed = _commit(root, git, remote, main, grouped, run.register, "percobaan", "announce-attempts", claim=True)
    if claimed is None:
        run.claimed = False
        run.errors.append(_("another run claimed these posts first (the push of the attempts was rejected): this "
                            "run sent nothing; the next run reads what it did"))
        head = git.head()
        run.register = [s.record for s in trust.records_at(git, head)] if head else run.register
        return run
    run.register = claimed
    fault("announce-claimed")
    results = _send(run, work, attempts, config, now, environ, adapter_for)
    for path, entries in run.pending.items():
        results.setdefault(path, []).extend(entries)
    done = _commit(root, git, remote, main, results, run.register, "hasil", "announce-outcomes", claim=False)
    assert done is not None
    run.register = done
    run.outcomes.update(results)
    return run


def _plan(run: ChannelRun, targets: Sequence[Target], config: SiteConfig, now: dt.datetime, retry: bool,
          only: str | None) -> list[tuple[Target, str, ledger.Step]]:
    """The ledger's next step for every target on each of its platform channels (as the run's register
    holds it); waits are warnings, posts waiting for a person errors."""
    by_path = {r.path: r for r in run.register}
    work: list[tuple[Target, str, ledger.Step]] = []
    for target in targets:
        record = by_path.get(target.record.path, target.record)
        target = Target(target.item, record, target.channels, target.pictures)
        for name in platform_channels(config, target.channels):
            if only is not None and name != only:
                continue
            step = ledger.decide(record, name, now, retry=retry)
            if step.action in ("post", "withdraw", "settle"):
                work.append((target, name, step))
                run.planned.append(f"{record.path} → {name} ({step.action})")
            elif step.action == "wait":
                run.warnings.append(f"{record.path} → {name}: {step.reason}")
            elif step.stuck:
                run.errors.append(f"{record.path} → {name}: {step.reason}")
    return work


def _send(run: ChannelRun, work: Sequence[tuple[Target, str, ledger.Step]],
          attempts: Mapping[tuple[str, str], Channel], config: SiteConfig, now: dt.datetime,
          environ: Mapping[str, str] | None, adapter_for: Callable[[str], Adapter] | None) -> dict[str, list[Channel]]:
    """The calls, in order (their attempts are claimed); the outcome entries by item path."""
    from pipeline.channels.adapters import make_adapter  # here for start-up time (requests, oauthlib: 0.15 s)

    adapters: dict[str, Adapter | CallFailed] = {}
    results: dict[str, list[Channel]] = {}
    for index, (target, name, step) in enumerate(work):
        channel = config.channels[name]
        before = attempts.get((target.record.path, name)) or ledger.entry_of(target.record, name)
        assert before is not None
        if name not in adapters:
            try:
                adapters[name] = adapter_for(name) if adapter_for else make_adapter(
                    name, channel, environ, config.site.language)
            except CallFailed as exc:
                adapters[name] = exc
        adapter = adapters[name]
        if isinstance(adapter, CallFailed):
            outcome = ledger.failed(before, str(adapter), retryable=False, wait=None, now=now)
        else:
            outcome = _call(adapter, _post(target, name, config, step), step, before, now, channel.type)
        results.setdefault(target.record.path, []).append(outcome)
        if outcome.state in ("failed", "uncertain"):
            run.errors.append(f"{target.record.path} → {name}: {outcome.state}: {outcome.error}")
        if index == 0:
            fault("announce-call")
    return results


def _callable(work: list[tuple[Target, str, ledger.Step]], config: SiteConfig, environ: Mapping[str, str] | None,
                 run: ChannelRun, now: dt.datetime, missing: str) -> list[tuple[Target, str, ledger.Step]]:
    """``work`` less what no call is made for: a text over the platform's limit (recorded failed), a channel
    whose token variables are not set (see :func:`announce_channels`, ``missing``)."""
    kept = []
    failed: dict[str, list[Channel]] = {}
    for target, name, step in work:
        channel = config.channels[name]
        absent = [n for n in channel.secret_names if environ is not None and not environ.get(n)]
        post = _post(target, name, config, step)
        long = None if post.change == "withdrawn" else too_long(
            channel, post.text, content_of(target.item, post.link, name), photo=bool(post.image_url))
        if long:  # never cut at send time (warta check warned about it): no call is made
            before = ledger.entry_of(target.record, name) or ledger.attempt(target.record, name, step, now)
            failed.setdefault(target.record.path, []).append(ledger.failed(
                before.model_copy(update={"attempts": max(before.attempts, 1)}),
                _("{name}: not sent: {why}; approve a shorter version", name=name, why=long), retryable=False,
                wait=None, now=now))
            run.errors.append(f"{target.record.path} → {name}: {long}")
            continue
        if not absent:
            kept.append((target, name, step))
            continue
        why = _("the environment variable {names} (token_env of channel {name}) is not set",
                names=", ".join(absent), name=name)
        if missing == "skip":
            run.warnings.append(_("{path} → {name}: not posted by this run: {why}; warta announce with the "
                                  "channel's token posts it", path=target.record.path, name=name, why=why))
            continue
        before = ledger.entry_of(target.record, name) or ledger.attempt(target.record, name, step, now)
        failed.setdefault(target.record.path, []).append(
            ledger.failed(before.model_copy(update={"attempts": max(before.attempts, 1)}), why, retryable=True,
                          wait=None, now=now))
        run.errors.append(f"{target.record.path} → {name}: {why}")
    run.pending.update(failed)
    return kept


def _expiry_warnings(config: SiteConfig, now: dt.datetime, run: ChannelRun) -> None:
    for name, channel in sorted(config.channels.items()):
        if channel.enabled and channel.token_expires is not None:
            left = (channel.token_expires - now.date()).days
            if left <= 14:
                when = channel.token_expires.isoformat()
                run.warnings.append(
                    _("channel {name}: its token has expired ({date}); renew it and update token_expires in "
                      "warta.yml", name=name, date=when) if left < 0 else
                    _("channel {name}: its token expires in {n} day(s) ({date}); renew it and update "
                      "token_expires in warta.yml", name=name, n=left, date=when))


REPORTS = "laporan-tautan"  # under the outbox folder: uploaded with the run's artifact


def report_links(root: Path, run: ChannelRun, targets: Sequence[Target], config: SiteConfig,
                 sops: Mapping[str, Any], now: dt.datetime, *, environ: Mapping[str, str] | None = None,
                 adapter_for: Callable[[str], Adapter] | None = None) -> Path | None:
    """The run's link report (Markdown) in ``_outbox/laporan-tautan/``; for items whose SOP has a
    ``lapor_tautan`` step, also a plain-text message to each channel serving it. Returns the file."""
    if not run.outcomes:
        return None
    site = config.site.name
    text = report.markdown(site, now, run.register, run.outcomes, config.site.language)
    name = now.strftime("%Y%m%d-%H%M%S") + ".md"
    target = root / gitops.OUTBOX / REPORTS / name
    write_atomic(target, text)
    by_path = {t.record.path: t for t in targets}
    reported = {p: es for p, es in run.outcomes.items()
                if (t := by_path.get(p)) is not None and "lapor_tautan" in sop_aksi(sops.get(t.item.sop_id))}
    if not reported:
        return target
    message = report.plain(site, now, run.register, reported, config.site.language)
    for name, channel in sorted(config.channels.items()):
        if not channel.serves("lapor_tautan") or channel.type == "outbox":
            continue
        key = f"warta-laporan-{now.strftime('%Y%m%d%H%M%S')}-{name}"
        post = Post(key, "", "new", message, config.site.url,
                    title=in_language(config.site.language, report.TITLE_SHORT))
        from pipeline.channels.adapters import make_adapter  # here for start-up time (requests, oauthlib)

        try:
            adapter = adapter_for(name) if adapter_for else make_adapter(name, channel, environ, config.site.language)
            adapter.post(post)
        except CallFailed as exc:
            run.errors.append(_("link report → {name}: {error}", name=name, error=str(exc)))
    return target
