"""A whole run's verdicts, kept by everything they were judged from (``.warta-cache/approvals/reports/``).

:func:`pipeline.approvals.judge.evaluate_repository` is a pure function of git objects, warta's code
and the message language: the commits and trees it reads are named by their ids, and which ones it reads
is decided by the refs (HEAD, main, ``refs/warta/decisions``, the register branch's review branch, the
remote-tracking refs). So the verdicts of a run are kept under a key that is the sha256 of:

- :data:`FORMAT`, warta's code digest (:func:`pipeline.codedigest.code_digest`: every file of the package
  and the library versions) and the language of the messages;
- the arguments (every item or which, the base as a commit id, the published digests);
- HEAD's commit id, the main branch and its commit id, **every ref of the repository** with the
  object it names (``git for-each-ref``) and the names of the remotes (whose tracking refs hold the
  decisions): a new record, a force-pushed branch, a moved ``refs/warta/decisions``, a fetched remote
  each make another key; so does a change of ``people.yaml`` or of an SOP, which is a commit.

The file (``<key>.pickle``) holds the verdicts as plain values (lists, strings, numbers: a pickle read by
an unpickler that builds no class at all; the texts the items share are one object each, written once, so that
10,000 verdicts read in 0.02 s rather than 0.05 s as JSON). A run whose key is stored reads the verdicts
back instead of judging again (``warta verify``, ``warta status`` and ``warta build`` on an unchanged
repository). The file carries a sha256 of the key and its own bytes: one edited, cut short or written for
another key is not believed (the run judges afresh and writes it again). What a kept report does not hold
is made when asked: the governance state the base is judged by is parsed again from its blobs, and the
per-item contexts (what ``warta approve`` and ``warta publish`` judge a new decision or a forge review
with) come from a full evaluation the first time they are read. Like every cache it lives only in the
machine's own ``.warta-cache/`` (:func:`pipeline.cachedir.ensure_local_cache`), never in the repository,
and may be deleted at any time. """

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import pickle
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from operator import attrgetter
from pathlib import Path
from typing import Any

from pipeline.approvals.chain_model import Approval, ChainResult, Rejection, StepSpec, StepStatus
from pipeline.approvals.governance import GovState, parse_state
from pipeline.approvals.report import ItemContext
from pipeline.codedigest import code_digest
from pipeline.files import write_atomic
from pipeline.git import Git
from pipeline.i18n import get_language
from pipeline.itemcache import restricted_load

FORMAT = 2  # 2: plain values pickled (1: JSON)
SUFFIX = ".pickle"
KEEP = 4  # runs kept (verify --all, status, build, one more)
FOLDER = "approvals/reports"


def run_key(git: Git, *, head: str, head_sha: str, main: str, main_sha: str, base_sha: str | None,
            all_items: bool, paths: Sequence[str] | None, published: Mapping[str, str], fetched: bool) -> str:
    """The key of a run (see the module docstring)."""
    refs = git.run("for-each-ref", "--format=%(objectname) %(refname)").stdout
    remotes = git.run("remote").stdout  # which remote's tracking refs the decisions are read from
    digest = hashlib.sha256(json.dumps([
        FORMAT, code_digest(), get_language(), head, head_sha, main, main_sha, base_sha, all_items,
        list(paths) if paths is not None else None, sorted(published.items()), fetched,
    ]).encode("utf-8", "surrogateescape"))
    digest.update(b"\0refs\0")
    digest.update(refs)
    digest.update(b"\0remotes\0")
    digest.update(remotes)
    return digest.hexdigest()


def _check(key: str, body: bytes) -> bytes:
    return hashlib.sha256(f"warta-report {FORMAT} {key}\n".encode() + body).hexdigest().encode()


@dataclasses.dataclass
class Kept:
    """A stored run: the verdicts and what is needed to make the rest of a report again."""

    base: str | None
    mode: str
    items: tuple[ChainResult, ...]
    governance: tuple[ChainResult, ...]
    problems: tuple[str, ...]
    warnings: tuple[str, ...]  # the run's own warnings (a fetch's are the new run's)
    removed: tuple[str, ...]
    state: tuple[int, str, dict[str, str]]  # the base's governance state: index, commit, files followed


def load(folder: Path, key: str) -> Kept | None:
    """The run stored under ``key``; ``None`` when there is none or it does not verify."""
    try:
        check, _sep, body = (folder / FOLDER / f"{key}{SUFFIX}").read_bytes().partition(b"\n")
    except OSError:
        return None
    if check != _check(key, body):
        return None
    try:
        data = restricted_load(body, {})  # plain values only: any class is refused
        index, sha, tracked = data["state"]
        return Kept(data["base"], data["mode"], tuple(_result(x) for x in data["items"]),
                    tuple(_result(x) for x in data["governance"]), tuple(data["problems"]),
                    tuple(data["warnings"]), tuple(data["removed"]), (int(index), str(sha), dict(tracked)))
    except Exception:  # noqa: BLE001 - whatever a damaged or foreign body raises, it is simply not used
        return None


_writers: list[int] = []  # the children save(background=True) forked, until finish() waits for them


def save(folder: Path, key: str, kept: Kept, *, background: bool = False) -> None:
    """Keep ``kept`` under ``key``. ``background``: written by a forked child while this process goes on
    (prints the report); the caller waits for it with :func:`finish` before it ends. In process where
    there is no fork or while other threads run."""
    if background and hasattr(os, "fork") and threading.active_count() == 1:
        pid = os.fork()
        if pid == 0:  # the child: writes and leaves without the parent's exit handlers or buffers
            code = 0
            try:
                _write(folder, key, kept)
            except BaseException:  # noqa: BLE001 - a kept run that is not written only costs time
                code = 1
            finally:
                os._exit(code)
        _writers.append(pid)
        return
    _write(folder, key, kept)


def finish() -> None:
    """Wait until the kept runs being written in the background are written."""
    while _writers:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(_writers.pop(), 0)


def _write(folder: Path, key: str, kept: Kept) -> None:
    # equal texts of the verdicts are mostly one object (made once, shared by the items): pickle writes
    # each once, and a read makes them once
    body = pickle.dumps({
        "base": kept.base, "mode": kept.mode, "items": [_dump(r) for r in kept.items],
        "governance": [_dump(r) for r in kept.governance], "problems": list(kept.problems),
        "warnings": list(kept.warnings), "removed": list(kept.removed), "state": list(kept.state),
    }, protocol=pickle.HIGHEST_PROTOCOL)
    with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
        write_atomic(folder / FOLDER / f"{key}{SUFFIX}", _check(key, body) + b"\n" + body)
        stored = sorted((folder / FOLDER).glob("*" + SUFFIX), key=lambda f: f.stat().st_mtime, reverse=True)
        for stale in [*stored[KEEP:], *(folder / FOLDER).glob("*.json")]:  # and the JSON of format 1
            stale.unlink(missing_ok=True)



def state_of(git: Git, kept: Kept) -> GovState | None:
    """The base's governance state, parsed again from the blobs it was made of (``None``: it does not
    parse as the valid state it was, so the kept run is not used)."""
    index, sha, tracked = kept.state
    state = parse_state(index, sha, tracked, git.read_blobs(tracked.values()))
    return state if state.valid else None


class LazyContexts(Mapping[str, ItemContext]):
    """The per-item contexts of a kept run, made by ``load`` (a full evaluation) when first read."""

    def __init__(self, load: Callable[[], Mapping[str, ItemContext]]) -> None:
        self._load = load
        self._data: Mapping[str, ItemContext] | None = None

    def _contexts(self) -> Mapping[str, ItemContext]:
        if self._data is None:
            self._data = self._load()
        return self._data

    def __getitem__(self, key: str) -> ItemContext:
        return self._contexts()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._contexts())

    def __len__(self) -> int:
        return len(self._contexts())


# -- the verdicts as JSON ---------------------------------------------------------------------------

def _getter(cls: Any) -> Callable[[Any], tuple[Any, ...]]:
    return attrgetter(*(f.name for f in dataclasses.fields(cls)))


_STEP_SPEC = _getter(StepSpec)
_STATUS = _getter(StepStatus)
_REJECTION = _getter(Rejection)
_APPROVAL = _getter(Approval)


def _dump(r: ChainResult) -> list[Any]:
    return [
        r.path, r.sop, r.digest, r.state, _STEP_SPEC(r.next) if r.next is not None else None,
        [_STATUS(s) for s in r.steps], [_REJECTION(x) for x in r.rejections], r.problems, r.forced,
        _APPROVAL(r.forced_by) if r.forced_by is not None else None,
        _APPROVAL(r.returned) if r.returned is not None else None, r.imported, r.hint, r.kind, r.sop_title,
    ]


def _rejection(x: list[Any]) -> Rejection:
    sha, step, role, decision, name, email, at, codes, reasons = x
    return Rejection(sha, step, role, decision, name, email, at, tuple(codes), tuple(reasons))


def _result(x: list[Any]) -> ChainResult:
    path, sop, digest, state, nxt, steps, rejections, problems, forced, forced_by, returned, imported, hint, \
        kind, sop_title = x
    return ChainResult(
        path, sop, digest, state, StepSpec(*nxt) if nxt is not None else None,
        tuple(StepStatus(*s) for s in steps), tuple(_rejection(r) for r in rejections), tuple(problems),
        forced, Approval(*forced_by) if forced_by is not None else None,
        Approval(*returned) if returned is not None else None, imported, hint, kind, sop_title,
    )


# the verdicts as plain values, also how pipeline.approvals.sharing passes them between processes
dump_result = _dump
load_result = _result
