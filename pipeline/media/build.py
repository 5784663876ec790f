"""``build_media``: every derivative of every source photo, from the cache when it can, in parallel when not.

1. Hash each source (threads: hashlib releases the GIL) and look up what inspecting it found before.
2. Inspect new sources (format, limits, damage: :mod:`pipeline.media.inputs`); a broken one becomes an
   error naming the file and the releases that use it, and is left out (``MediaResult.failed``).
3. Plan each source's derivatives (:mod:`pipeline.media.derivatives`); a derivative already in the cache
   is not made again. Sources with missing derivatives are decoded once each, spread over a process pool.
4. Place every derivative under ``output_dir/media/<first 12 hex digits of the source's sha256>/``
   (hard links to the cache where possible), then remove files there that this build did not place and
   cache entries it did not use.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from pipeline.config import MediaSection
from pipeline.errors import Finding
from pipeline.files import write_atomic
from pipeline.i18n import _, get_language, set_language
from pipeline.media import derivatives as deriv
from pipeline.media.cache import MediaCache, key_of, place, sha256_file
from pipeline.media.inputs import (
    ImageRefused,
    MediaError,
    SourceInfo,
    inspect_source,
    open_image,
    used_by_suffix,
)

MEDIA_DIRNAME = "media"
_SOURCE_DIR = re.compile(r"^[0-9a-f]{12}$")


@dataclass(frozen=True)
class MediaJob:
    """One source photo to publish.

    ``display_path`` is repository-relative (it names the file in messages and keys ``MediaResult.images``);
    ``used_by`` lists the releases that use it; ``focus`` is ``image_focus`` (x, y in 0..1); ``channels``
    asks for the per-channel pictures too (a release's main photo), not only the site widths.
    """

    source: Path
    display_path: str
    used_by: tuple[str, ...] = ()
    focus: tuple[float, float] = (0.5, 0.5)
    channels: bool = False


@dataclass(frozen=True)
class Derivative:
    """One published file. ``url_path`` is relative to the site root (``media/<hash>/<name>``)."""

    preset: str  # "w480"… for site widths; "og", "instagram-portrait", "instagram-square", "x",
    #              "youtube", "videotron-<board>" for channel pictures
    format: str  # "webp" or "jpeg"
    width: int
    height: int
    url_path: str


@dataclass(frozen=True)
class ImageSet:
    """Every derivative of one source; ``width``/``height`` are the upright source's."""

    display_path: str
    sha256: str
    width: int
    height: int
    derivatives: tuple[Derivative, ...]

    def site(self, format: str = "webp") -> list[Derivative]:
        """The site widths in one format, narrowest first."""
        found = [d for d in self.derivatives if d.preset.startswith(deriv.SITE_PREFIX) and d.format == format]
        return sorted(found, key=lambda d: d.width)

    def channel(self, preset: str) -> Derivative | None:
        """A channel picture by preset name (present only for jobs with ``channels=True``)."""
        return next((d for d in self.derivatives if d.preset == preset), None)

    def fallback(self, max_width: int = 960) -> Derivative:
        """The JPEG for ``<img src>``: the widest site JPEG up to ``max_width`` wide (else the narrowest)."""
        jpegs = self.site("jpeg")
        fitting = [d for d in jpegs if d.width <= max_width]
        return fitting[-1] if fitting else jpegs[0]


@dataclass
class MediaResult:
    images: dict[str, ImageSet] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)  # errors per broken source, warnings
    failed: set[str] = field(default_factory=set)  # display paths that produced nothing
    encoded: int = 0  # derivative files encoded by this run
    reused: int = 0  # derivatives taken from the cache
    removed: int = 0  # stale files deleted from output_dir/media

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    def raise_for_errors(self) -> None:
        """Raise :class:`MediaError` carrying every error finding, if there is one."""
        if self.errors:
            raise MediaError(findings=self.errors)


@dataclass(frozen=True)
class _Task:
    display_path: str
    source: Path
    sha256: str
    format: str
    oriented: tuple[int, int]
    specs: tuple[deriv.Spec, ...]
    targets: tuple[Path, ...]
    max_pixels: int


@dataclass(frozen=True)
class _Outcome:
    display_path: str
    encoded: int
    error: str | None = None
    notes: tuple[str, ...] = ()


@dataclass
class _Planned:
    job: MediaJob
    info: SourceInfo
    specs: list[deriv.Spec]
    cached: list[Path]


# Long on purpose: plan, encode in workers, place; each phase is commented and shares the plan's state.
def build_media(
    jobs: Sequence[MediaJob],
    output_dir: Path,
    cache_dir: Path,
    settings: MediaSection,
    *,
    workers: int | None = None,
    progress: bool = False,
    prune: bool = True,
) -> MediaResult:
    """Make (or take from the cache) every derivative of every job's source and place them in the site.

    ``cache_dir`` is the media cache folder itself (``default_cache_dir(root)``). ``workers`` defaults to
    the CPUs available; ``progress`` shows a progress bar on standard error while encoding. With ``prune``
    (the default, for a build of the whole site) cache entries this build did not use are deleted. Broken
    sources never raise: they are ``findings`` and ``failed``; call ``raise_for_errors()`` to stop on them.
    """
    cache = MediaCache(cache_dir)
    result = MediaResult()
    merged = _merge(jobs)
    n_workers = max(1, workers if workers is not None else _cpus())

    planned: dict[str, _Planned] = {}
    tasks: list[_Task] = []
    scheduled: set[Path] = set()
    for job, info in _inspect_all(merged, settings, cache, n_workers):
        if not info.ok:
            result.findings.extend(info.findings)
            result.failed.add(job.display_path)
            continue
        specs = deriv.plan(info.width, info.height, settings, job.focus, job.channels)
        paths = [
            cache.derivative(key_of({"source": info.sha256, **s.key_material()}), deriv.EXTENSIONS[s.format])
            for s in specs
        ]
        # A derivative missing from the cache is made once, even if two jobs share the source's bytes.
        missing = [(s, p) for s, p in zip(specs, paths, strict=True) if not p.is_file() and p not in scheduled]
        result.reused += sum(1 for p in paths if p.is_file())
        scheduled.update(p for _, p in missing)
        if missing:
            tasks.append(
                _Task(job.display_path, job.source, info.sha256, info.format or "", (info.width, info.height),
                      tuple(s for s, _ in missing), tuple(p for _, p in missing), settings.max_pixels)
            )
        planned[job.display_path] = _Planned(job, info, specs, paths)
        small = deriv.enlarged(specs)
        if small:
            result.findings.append(Finding(
                job.display_path, None,
                _("photo is {width}x{height}, too small for the channel pictures {items}: they are enlarged to their "
                  "exact sizes and may look soft{used_by_suffix}",
                  width=info.width, height=info.height,
                  items=', '.join(f'{s.preset} ({s.width}x{s.height})' for s in small),
                  used_by_suffix=used_by_suffix(job.used_by)),
                severity="warning",
            ))

    failed_sources: dict[str, str] = {}
    for outcome in _run(tasks, n_workers, progress):
        result.encoded += outcome.encoded
        entry = planned[outcome.display_path]
        for note in outcome.notes:
            message = note + used_by_suffix(entry.job.used_by)
            result.findings.append(Finding(outcome.display_path, None, message, severity="warning"))
        if outcome.error:
            failed_sources[entry.info.sha256] = outcome.error
    for display_path, entry in list(planned.items()):
        error = failed_sources.get(entry.info.sha256)
        if error is not None:  # also for another name of the same bytes, whose task was this one
            result.findings.append(Finding(display_path, None, error + used_by_suffix(entry.job.used_by)))
            result.failed.add(display_path)
            del planned[display_path]

    media_root = output_dir / MEDIA_DIRNAME
    placed: set[Path] = set()
    for display_path, entry in planned.items():
        folder = PurePosixPath(MEDIA_DIRNAME, entry.info.sha256[:12])
        stem = _slug(PurePosixPath(display_path).stem)
        items: list[Derivative] = []
        for spec, cached in zip(entry.specs, entry.cached, strict=True):
            name = f"{stem}-{spec.preset}-{cached.stem[:8]}.{deriv.EXTENSIONS[spec.format]}"
            url_path = str(folder / name)
            dest = output_dir / url_path
            place(cached, dest)
            placed.add(dest)
            items.append(Derivative(spec.preset, spec.format, spec.width, spec.height, url_path))
        result.images[display_path] = ImageSet(
            display_path, entry.info.sha256, entry.info.width, entry.info.height, tuple(items)
        )

    result.removed = _remove_stale(media_root, placed)
    if prune:
        cache.prune(["derivatives", "sources"])
    result.findings.sort(key=lambda f: (f.path, f.severity, f.message))
    return result


def _merge(jobs: Sequence[MediaJob]) -> list[MediaJob]:
    """One job per display path: releases are combined, channel pictures asked once with the first focus."""
    merged: dict[str, MediaJob] = {}
    for job in jobs:
        previous = merged.get(job.display_path)
        if previous is None:
            merged[job.display_path] = job
            continue
        focus = previous.focus if previous.channels or not job.channels else job.focus
        merged[job.display_path] = MediaJob(
            previous.source,
            previous.display_path,
            tuple(dict.fromkeys(previous.used_by + job.used_by)),
            focus,
            previous.channels or job.channels,
        )
    return list(merged.values())


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _inspect_all(
    jobs: list[MediaJob], settings: MediaSection, cache: MediaCache, workers: int
) -> list[tuple[MediaJob, SourceInfo]]:
    """Hash every source in threads, then inspect the ones not seen before (in this thread)."""

    def digest(job: MediaJob) -> str | None:
        try:
            return sha256_file(job.source)
        except OSError:
            return None  # inspect_source reports why

    with ThreadPoolExecutor(max_workers=workers) as pool:
        shas = list(pool.map(digest, jobs))
    out: list[tuple[MediaJob, SourceInfo]] = []
    for job, sha in zip(jobs, shas, strict=True):
        info = _from_record(job, sha, settings, cache) if sha else None
        if info is None:
            info = inspect_source(job.source, settings, job.display_path, used_by=job.used_by)
            if info.ok:
                cache.write_source(info.sha256, {
                    "format": info.format, "size_bytes": info.size_bytes, "width": info.width,
                    "height": info.height, "orientation": info.orientation, "has_gps": info.has_gps,
                })
        out.append((job, info))
    return out


def _from_record(job: MediaJob, sha: str, settings: MediaSection, cache: MediaCache) -> SourceInfo | None:
    record = cache.read_source(sha)
    if record is None:
        return None
    try:
        info = SourceInfo(job.source, job.display_path, str(record["format"]), int(record["size_bytes"]),
                          int(record["width"]), int(record["height"]), int(record["orientation"]), sha,
                          bool(record["has_gps"]))
    except (KeyError, TypeError, ValueError):
        return None
    if info.size_bytes > settings.max_bytes or info.width * info.height > settings.max_pixels:
        return None  # limits changed: inspect again for the exact message
    return info


def _run(tasks: list[_Task], workers: int, progress: bool) -> list[_Outcome]:
    if not tasks:
        return []
    tasks = sorted(tasks, key=lambda t: -(t.oriented[0] * t.oriented[1]))  # biggest first: better balance
    if workers == 1 or len(tasks) == 1:
        return _with_progress(progress, len(tasks), lambda advance: [advance(render_task(t)) for t in tasks])
    # Workers are forked before the progress bar starts its refresh thread. A spawned worker (macOS,
    # Windows) starts afresh: it is told the run's language, so its reasons match --lang.
    with ProcessPoolExecutor(max_workers=min(workers, len(tasks)), initializer=set_language,
                             initargs=(get_language(),)) as pool:
        futures: dict[Future[_Outcome], _Task] = {pool.submit(render_task, t): t for t in tasks}
        return _with_progress(progress, len(tasks),
                              lambda advance: [advance(_outcome(f, futures[f])) for f in as_completed(futures)])


def _outcome(future: Future[_Outcome], task: _Task) -> _Outcome:
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - a worker that died (out of memory, killed) fails its photo only
        return _Outcome(task.display_path, 0,
                        _("could not be processed (the worker stopped: {reason})", reason=repr(exc)))


def _with_progress(
    progress: bool, total: int, body: Callable[[Callable[[_Outcome], _Outcome]], list[_Outcome]]
) -> list[_Outcome]:
    if not progress:
        return body(lambda outcome: outcome)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("media"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=False) as bar:
        task_id = bar.add_task("media", total=total)

        def advance(outcome: _Outcome) -> _Outcome:
            bar.advance(task_id)
            return outcome

        return body(advance)


def render_task(task: _Task) -> _Outcome:
    """Decode one source once and encode its missing derivatives into the cache (runs in a worker)."""
    encoded = 0
    try:
        data = task.source.read_bytes()
        if hashlib.sha256(data).hexdigest() != task.sha256:
            return _Outcome(task.display_path, 0, _("changed while the site was being built; build again"))
        image = open_image(data, task.format, task.max_pixels)
        working = deriv.prepare(image, task.specs, task.max_pixels)
        targets = dict(zip(task.specs, task.targets, strict=True))
        for spec, pixels in deriv.render_all(working, task.oriented, task.specs):
            write_atomic(targets[spec], deriv.encode(pixels, spec, working.kept_icc))
            encoded += 1
    except ImageRefused as exc:
        return _Outcome(task.display_path, encoded, str(exc))
    except Exception as exc:  # noqa: BLE001 - one bad photo must not stop the others; reported, not hidden
        return _Outcome(task.display_path, encoded,
                        _("could not be processed ({error}: {reason})", error=type(exc).__name__, reason=exc))
    return _Outcome(task.display_path, encoded, None, tuple(working.notes))


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:60] or "image"


def _remove_stale(media_root: Path, placed: set[Path]) -> int:
    """Delete files in ``media/<12 hex>/`` folders that this build did not place (others are not ours)."""
    if not media_root.is_dir():
        return 0
    removed = 0
    for folder in media_root.iterdir():
        if not (folder.is_dir() and _SOURCE_DIR.match(folder.name)):
            continue
        for path in folder.iterdir():
            if path.is_file() and path not in placed:
                path.unlink()
                removed += 1
        with contextlib.suppress(OSError):  # not empty: it still holds files of this build
            folder.rmdir()
    return removed
