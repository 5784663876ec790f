"""The history index: what approvals need from the main branch's history, read once and kept.

Reading 50,000 commits (10,000 releases) with their changed files costs git and Python seconds, but the
history of a commit never changes: its id names it. So the index of main's history is stored in
``.warta-cache/history/<tip commit id>.idx`` and, when main has moved on, extended with only the new
commits (``git log <new tip> ^<old tip>``), provided the old tip is on the new tip's first-parent line;
otherwise it is rebuilt from scratch. Commits of a release branch that are not on main are read fresh on
every run and never stored.

The stored form is compact (:func:`pack`): columns of numbers as machine integers, every text once in a
string table, the whole under a sha256 of itself and of what shapes it (:data:`VERSION`, the code that
reads history into it: :func:`shaping_code`, and the language its record problems are written in). A
file that is truncated, edited, of other code or another language, or that names another tip is not
read: the index is built again (docs/approvals.md, "The history index and the caches").

Reading: one ``git log`` without the combined diffs of merges (most of git's time on a long history),
its records parsed as git writes it, then one ``git log --no-walk`` for the merges whose tree is none of
their parents' trees: a merge whose tree equals a parent's changed no file itself, which is what the
combined diff would say. The governance transitions' first-parent log runs beside the big one.

What the index holds, for every commit reachable from main (positions in topological order):

- the graph: parents, the first-parent chain of main, and for each commit the first-parent index at
  which it entered main (``intro``) and for each first-parent index the index of the fork point of
  what it brought (``base_of``: for a release merge, the merge base of its branch);
- approval records (:class:`~pipeline.approvals.chain.Record`, signatures not yet judged);
- for each file, the commits that changed it (a merge only for what it changed itself) with their
  author, committer and time: who wrote an item, and when;
- the governance transitions: each first-parent commit that changed a file outside the item areas
  (:data:`pipeline.governed.HISTORY_PATHSPEC`), with the new blob ids.
"""

from __future__ import annotations

import hashlib
import json
import sys
from array import array
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from itertools import accumulate, chain
from pathlib import Path
from typing import Any, NamedTuple

from pipeline.approvals.record_model import Record
from pipeline.approvals.records import record_from_commit
from pipeline.areas import HISTORY_PATHSPEC as GOVERNANCE_PATHS
from pipeline.files import write_atomic
from pipeline.git import Change, Commit, Git
from pipeline.i18n import get_language

# 5: transitions follow every file outside the item areas (pipeline.governed); 6: forge sources; 7: the
# compact stored form, merges' own changes read apart
VERSION = 7
KEEP = 3  # snapshots kept
SUFFIX = ".idx"
MAGIC = b"warta-history\n"
_PACKAGE = Path(__file__).resolve().parents[1]
# the code that decides what the index holds: reading git, the records and their problems, governance paths
_SHAPING = ("approvals/history.py", "approvals/records.py", "approvals/record_model.py", "approvals/chain_model.py",
            "approvals/chain.py", "git.py", "areas.py", "governed.py", "i18n.py")


class Touch(NamedTuple):
    """A commit that changed a file: who wrote and committed it, when, and where it sits."""

    pos: int
    author_email: str
    committer_email: str
    committer_time: int
    direct: bool  # a non-merge commit on main's first-parent line (committed straight to main)
    merge: bool


@dataclass(frozen=True)
class Transition:
    """A first-parent commit of main that changed governance files."""

    index: int
    sha: str
    changes: tuple[Change, ...]


@dataclass
class History:
    """An index over a set of commits; see the module docstring. ``branch`` is the first-parent index
    given to commits that are only on the release branch (one past main's tip)."""

    tip: str
    shas: list[str]
    parents: list[list[int]]
    intro: list[int]
    chain: list[int]
    base_of: list[int]
    records: list[tuple[int, Record]]
    touches: dict[str, list[Touch]]
    transitions: list[Transition]
    pos: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.pos:
            self.pos = {s: i for i, s in enumerate(self.shas)}

    @property
    def branch(self) -> int:
        return len(self.chain)

    def base_index(self, sha: str) -> int:
        return self.base_of[self.intro[self.pos[sha]]]

    def intro_of(self, sha: str) -> int:
        return self.intro[self.pos[sha]]

    def ancestors(self, sha: str) -> set[int]:
        seen: set[int] = set()
        stack = [self.pos[sha]]
        while stack:
            p = stack.pop()
            if p in seen:
                continue
            seen.add(p)
            stack.extend(self.parents[p])
        return seen

    def is_ancestor(self, a: int, b: int) -> bool:
        """Whether position ``a`` is ``b`` or one of its ancestors. Positions are topological (parents
        first), so the walk back from ``b`` never goes below ``a``."""
        if a >= b:
            return a == b
        parents = self.parents
        seen: set[int] = set()
        stack = [b]
        while stack:
            for x in parents[stack.pop()]:
                if x == a:
                    return True
                if x > a and x not in seen:
                    seen.add(x)
                    stack.append(x)
        return False

    def add_outside(self, commits: Sequence[Commit], trees: Mapping[str, str]) -> None:
        """Append commits that neither main nor HEAD holds (kept by ``refs/warta/decisions``): their
        place in the graph and their records, but no file changes (what HEAD's content is and who wrote
        it comes from HEAD's own history only)."""
        for commit in commits:
            p = self.pos[commit.sha] = len(self.shas)
            self.shas.append(commit.sha)
            self.parents.append([self.pos[x] for x in commit.parents if x in self.pos])
            self.intro.append(self.branch)
            record = record_from_commit(commit, trees)
            if record is not None:
                self.records.append((p, record))

    # -- building -----------------------------------------------------------------------------------

    def add(self, commits: Sequence[Commit], tip: str, trees: Mapping[str, str], *, on_main: bool,
            records: Mapping[str, Record | None] | None = None) -> None:
        """Append ``commits`` (topological order, parents known or among them).

        ``on_main``: they extend main up to ``tip`` (a new first-parent segment); otherwise they are the
        release branch's own commits (``intro = branch``). ``trees``: tree ids of the commits and of the
        first parents of records outside them (a record must not change files). ``records``: the record
        (or ``None``) already read of some commits (:func:`read`).
        """
        done = records or {}
        # the commits get positions first..first + len(commits) - 1 (git names each commit once)
        first = len(self.shas)
        pos, graph = self.pos, self.parents
        for n, commit in enumerate(commits, first):
            pos[commit.sha] = n
            graph.append([pos[p] for p in commit.parents if p in pos])
        self.shas.extend([c.sha for c in commits])
        self.intro.extend([-1] * len(commits))
        if on_main:
            segment: list[int] = []
            p: int | None = self.pos[tip]
            stop = self.chain[-1] if self.chain else None
            while p is not None and p != stop:
                segment.append(p)
                walked = commits[p - first] if first <= p < first + len(commits) else None
                if walked is None or not walked.parents:
                    p = None
                    break
                p = self.pos.get(walked.parents[0])
            if stop is not None and p != stop:
                raise _Rebuild()
            for q in reversed(segment):
                index = len(self.chain)
                self.chain.append(q)
                self.base_of.append(self._introduce(q, index, skip_first_parent=True, default=index - 1))
        else:
            index = len(self.chain)
            self.base_of.append(self._introduce(self.pos[tip], index, skip_first_parent=False, default=-1))
        chain_set = set(self.chain)
        intro, found, touches = self.intro, self.records, self.touches
        default = self.branch if not on_main else max(self.branch - 1, 0)
        for p, commit in enumerate(commits, first):
            if intro[p] < 0:
                intro[p] = default
            sha = commit.sha
            record = done[sha] if sha in done else record_from_commit(commit, trees)
            if record is not None:
                found.append((p, record))
            if commit.paths:
                merge = len(commit.parents) > 1  # Commit.is_merge
                touch = Touch(p, commit.author_email.casefold(), commit.committer_email.casefold(),
                              commit.committer_time, not merge and p in chain_set, merge)
                for path in commit.paths:
                    touches.setdefault(path, []).append(touch)

    def _introduce(self, tip: int, index: int, *, skip_first_parent: bool, default: int) -> int:
        boundary = -1
        stack = [tip]
        while stack:
            p = stack.pop()
            if self.intro[p] >= 0:
                continue
            self.intro[p] = index
            for k, parent in enumerate(self.parents[p]):
                if skip_first_parent and p == tip and k == 0:
                    continue
                seen = self.intro[parent]
                if seen < 0:
                    stack.append(parent)
                elif seen < index:
                    boundary = max(boundary, seen)
        return boundary if boundary >= 0 else max(default, 0)

    # -- storing ------------------------------------------------------------------------------------

    def to_json(self) -> dict[str, object]:
        """A compact, column-wise form: every text once in a string table (in the order the columns
        below name them first), columns of numbers (a list of 30,000 records reads in milliseconds this
        way). Built column by column with the interpreter's own loops (``zip``, ``map``)."""
        rs = [r for _, r in self.records]
        c = list(zip(*rs, strict=True)) if rs else [()] * len(Record._fields)
        f = {name: c[k] for k, name in enumerate(Record._fields)}
        problems = list(map("\n".join, f["problems"]))
        review = ["\n".join(f"{k}={v}" for k, v in x) if x else "" for x in f["review"]]
        flat = [(path, x) for path, ts in self.touches.items() for x in ts]
        paths = [path for path, _ in flat]
        t = list(zip(*(x for _, x in flat), strict=True)) if flat else [()] * len(Touch._fields)
        texts = {"item": f["item"], "digest": f["digest"], "role": f["role"], "decision": f["decision"],
                 "name": f["author_name"], "email": f["author_email"], "committer": f["committer_email"],
                 "note": f["note"], "problems": problems, "source": f["source"], "review": review}
        touch_texts = {"path": paths, "author": t[1], "committer": t[2]}
        table = dict.fromkeys(chain.from_iterable((*texts.values(), *touch_texts.values())))
        number = dict(zip(table, range(len(table)), strict=True)).__getitem__
        records: dict[str, list[int]] = {name: list(map(number, column)) for name, column in texts.items()}
        records.update({
            "pos": [p for p, _ in self.records], "step": [s if s is not None else -1 for s in f["step"]],
            "at": list(f["at"]),
            "flags": [int(a) | int(b) << 1 for a, b in zip(f["changes_files"], f["is_merge"], strict=True)],
        })
        touches = {name: list(map(number, column)) for name, column in touch_texts.items()}
        touches.update({"pos": list(t[0]), "time": list(t[3]),
                        "flags": [int(a) | int(b) << 1 for a, b in zip(t[4], t[5], strict=True)]})
        transitions = [[x.index, x.sha, [[c.path, c.mode, c.oid] for c in x.changes]] for x in self.transitions]
        return {
            "version": VERSION, "tip": self.tip, "shas": self.shas, "parents": self.parents,
            "intro": self.intro, "chain": self.chain, "base_of": self.base_of, "strings": list(table),
            "records": records, "touches": touches, "transitions": transitions,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> History:
        shas: list[str] = data["shas"]
        text: list[str] = data["strings"]
        word = text.__getitem__

        def strings(column: list[int]) -> list[str]:
            return list(map(word, column))

        r = data["records"]
        pos: list[int] = r["pos"]
        n = len(pos)
        flags: list[int] = r["flags"]
        records = list(zip(pos, map(_new_record, zip(
            map(shas.__getitem__, pos), strings(r["item"]), strings(r["digest"]),
            [s if s >= 0 else None for s in r["step"]], strings(r["role"]), strings(r["decision"]),
            strings(r["name"]), strings(r["email"]), r["at"], strings(r["committer"]),
            [bool(x & 1) for x in flags], [bool(x & 2) for x in flags], [None] * n,
            strings(r["note"]), [tuple(x.split("\n")) if x else () for x in strings(r["problems"])],
            strings(r["source"]), [False] * n,
            [tuple(tuple(kv.split("=", 1)) for kv in x.split("\n")) if x else () for x in strings(r["review"])],
            strict=True)), strict=True))
        x = data["touches"]
        touches: dict[str, list[Touch]] = {}
        tflags: list[int] = x["flags"]
        for path, touch in zip(strings(x["path"]), map(_new_touch, zip(
                x["pos"], strings(x["author"]), strings(x["committer"]), x["time"],
                [bool(f & 1) for f in tflags], [bool(f & 2) for f in tflags], strict=True)), strict=True):
            found = touches.get(path)
            if found is None:
                touches[path] = [touch]
            else:
                found.append(touch)
        transitions = [Transition(t[0], t[1], tuple(Change(*c) for c in t[2])) for t in data["transitions"]]
        return cls(data["tip"], shas, data["parents"], data["intro"], data["chain"], data["base_of"], records,
                   touches, transitions, dict(zip(shas, range(len(shas)), strict=True)))

    def copy(self) -> History:
        return History(self.tip, list(self.shas), [list(p) for p in self.parents], list(self.intro),
                       list(self.chain), list(self.base_of), list(self.records),
                       {k: list(v) for k, v in self.touches.items()}, list(self.transitions), dict(self.pos))


# a record or touch from a row of the stored columns, without the per-call checks of NamedTuple's own
# constructor (the rows come from ``zip`` of as many columns as there are fields)
_new_record = partial(tuple.__new__, Record)
_new_touch = partial(tuple.__new__, Touch)


class _Rebuild(Exception):
    """The stored index does not extend to the new tip along its first-parent line."""


def _empty(tip: str) -> History:
    return History(tip, [], [], [], [], [], [], {}, [])


def _governance_log(git: Git, tip: str, exclude: str | None) -> list[Commit]:
    """The first-parent commits from ``tip`` (not ``exclude``'s) that changed governance files."""
    revs = [tip] + ([f"^{exclude}"] if exclude else [])
    return git.log(revs, first_parent=True, raw=True, paths=list(GOVERNANCE_PATHS))


def _transitions(commits: Sequence[Commit], history: History) -> list[Transition]:
    out: list[Transition] = []
    for commit in commits:
        p = history.pos.get(commit.sha)
        if p is not None:
            out.append(Transition(history.intro[p], commit.sha, commit.changes))
    return out


def trees(git: Git, commits: Sequence[Commit]) -> dict[str, str]:
    """Tree ids of ``commits``, of the first parents (outside them) of the records among them and of
    every parent (outside them) of their merges."""
    trees = {c.sha: c.tree for c in commits}
    outside = sorted({c.parents[0] for c in commits if c.parents and c.parents[0] not in trees
                      and "warta-" in c.message.casefold()}
                     | {p for c in commits if len(c.parents) > 1 for p in c.parents if p not in trees})
    if outside:
        out = git.run("rev-parse", *[f"{s}^{{tree}}" for s in outside]).stdout.decode().split()
        trees.update(zip(outside, out, strict=True))
    return trees


def read(git: Git, revs: Sequence[str], log: Iterator[Commit] | None = None
         ) -> tuple[list[Commit], dict[str, str], dict[str, Record | None]]:
    """The commits of ``revs`` (as :meth:`Git.log` reads them, merges with their own changes), the tree
    ids :func:`trees` gives, and the record of each commit whose first parent came before it (read
    while git writes the rest: parents come first, so that is nearly every one). Only the merges whose
    tree is none of their parents' trees can have changed a file themselves; git's combined diff is
    asked for those alone. ``log``: that ``git log`` already started (:meth:`Git.start_log`)."""
    commits: list[Commit] = []
    seen: dict[str, str] = {}
    records: dict[str, Record | None] = {}
    for commit in log if log is not None else git.iter_log(revs, merge_diffs=False):
        commits.append(commit)
        seen[commit.sha] = commit.tree
        if not commit.parents or commit.parents[0] in seen:  # what record_from_commit reads is known
            records[commit.sha] = record_from_commit(commit, seen)
    known = trees(git, commits)
    own = [c.sha for c in commits if len(c.parents) > 1 and all(known[p] != c.tree for p in c.parents)]
    if own:
        paths = git.combined_paths(own)
        commits = [c._replace(paths=paths[c.sha]) if c.sha in paths else c for c in commits]
    return commits, known, records


def build(git: Git, tip: str, folder: Path | None) -> History:
    """The index of main's history up to ``tip``, from the cache when possible (see the module docstring)."""
    return build_stored(git, tip, folder, packed=False)[0]


def load(folder: Path | None, tip: str) -> History | None:
    """The index stored for ``tip`` when there is one that verifies (no git is run)."""
    return _load(folder, tip) if folder is not None else None


def build_stored(git: Git, tip: str, folder: Path | None, *, packed: bool = True) -> tuple[History, bytes]:
    """:func:`build`, with the index's stored form (:func:`pack`; empty unless ``packed`` or stored)."""
    history: History | None = None
    if folder is not None:
        history = _load(folder, tip)
        if history is not None:
            return history, pack(history) if packed else b""
        for candidate in _candidates(folder):
            if candidate != tip and git.is_ancestor(candidate, tip):
                stored = _load(folder, candidate)
                if stored is None:
                    continue
                try:
                    history = _extend(git, stored, tip)
                except _Rebuild:
                    history = None
                break
    if history is None:
        history = _extend(git, _empty(tip), tip)
    raw = pack(history) if packed or folder is not None else b""
    if folder is not None:
        _save(folder, history.tip, raw)
    return history, raw


def build_started(git: Git, tip: str, log: Iterator[Commit], *, packed: bool = True) -> tuple[History, bytes]:
    """The index of main's history up to ``tip`` built from scratch (no cache read or written) from
    ``log`` (``git.start_log([tip], merge_diffs=False)``, started before this module was imported), and
    its stored form (empty unless ``packed``)."""
    history = _extend(git, _empty(tip), tip, log)
    return history, pack(history) if packed else b""


def content_commits(history: History) -> list[str]:
    """Every commit that changed a file (the commits whose signatures rule 4 checks are among them), in
    history order, each once."""
    shas = history.shas
    return [shas[p] for p in sorted({t.pos for touches in history.touches.values() for t in touches})]


def store(folder: Path, tip: str, raw: bytes) -> None:
    """Keep the stored form ``raw`` of ``tip``'s index in ``folder`` (as :func:`build` does)."""
    _save(folder, tip, raw)


def _extend(git: Git, history: History, tip: str, log: Iterator[Commit] | None = None) -> History:
    old = history.tip if history.shas else None
    # the governance transitions' own (small) git log runs beside the big one
    with ThreadPoolExecutor(max_workers=1) as pool:
        governance = pool.submit(_governance_log, git, tip, old)
        commits, known, records = read(git, [tip, f"^{old}"] if old else [tip], log)
        changed = governance.result()
    history = history.copy() if old else history
    history.add(commits, tip, known, on_main=True, records=records)
    history.transitions.extend(_transitions(changed, history))
    history.tip = tip
    return history


def overlay(git: Git, history: History, head: str) -> History:
    """The index plus the release branch's own commits (``head ^main``); never stored."""
    if head in history.pos:
        return history
    commits, known, records = read(git, [head, f"^{history.tip}"])
    combined = history.copy()
    combined.add(commits, head, known, on_main=False, records=records)
    return combined


# -- the stored form ----------------------------------------------------------------------------------

_shaping: str | None = None


def shaping_code() -> str:
    """sha256 of the source of the modules that decide what the index holds (:data:`_SHAPING`), once per
    process: other code reads history differently, so its index is not this one."""
    global _shaping
    if _shaping is None:
        digest = hashlib.sha256()
        for name in _SHAPING:
            try:
                data = (_PACKAGE / name).read_bytes()
            except OSError:
                data = b"?"
            digest.update(f"{name}\0{len(data)}\0".encode())
            digest.update(data)
        _shaping = digest.hexdigest()
    return _shaping


def _key() -> bytes:
    """What the stored index was made by, beside its own bytes: a file of other code, another language
    (record problems are messages) or another byte order does not verify."""
    return f"{VERSION}\0{shaping_code()}\0{get_language()}\0{sys.byteorder}\0".encode()


_INT_COLUMNS = (("intro",), ("chain",), ("base_of",), *(("records", k) for k in (
    "pos", "item", "digest", "step", "role", "decision", "name", "email", "at", "committer", "flags", "note",
    "problems", "source", "review")), *(("touches", k) for k in ("path", "pos", "author", "committer", "time",
                                                                   "flags")))


def pack(history: History) -> bytes:
    """The stored form: ``MAGIC``, sha256 of the key and the payload, the payload (a JSON header with
    the texts, then the number columns as 64-bit integers)."""
    data = history.to_json()
    parents: list[list[int]] = history.parents
    columns: list[list[int]] = [[len(p) for p in parents], [x for p in parents for x in p]]
    for path in _INT_COLUMNS:
        node: Any = data
        for part in path:
            node = node[part]
        columns.append(node)
    header = json.dumps({
        "version": VERSION, "tip": history.tip, "shas": "".join(history.shas), "strings": data["strings"],
        "transitions": data["transitions"], "sizes": [len(c) for c in columns],
    }, separators=(",", ":")).encode("ascii")
    payload = b"".join([len(header).to_bytes(8, "little"), header, *(array("q", c).tobytes() for c in columns)])
    return MAGIC + hashlib.sha256(_key() + payload).digest() + payload


def unpack(raw: bytes, tip: str) -> History | None:
    """The index ``raw`` holds for ``tip``; ``None`` when it does not verify (see :func:`pack`)."""
    if not raw.startswith(MAGIC) or len(raw) < len(MAGIC) + 40:
        return None
    payload = memoryview(raw)[len(MAGIC) + 32:]
    if hashlib.sha256(_key() + payload).digest() != raw[len(MAGIC):len(MAGIC) + 32]:
        return None
    try:
        size = int.from_bytes(payload[:8], "little")
        head = json.loads(bytes(payload[8:8 + size]).decode("ascii"))
        if head.get("version") != VERSION or head.get("tip") != tip:
            return None
        offset = 8 + size
        columns: list[list[int]] = []
        for n in head["sizes"]:
            numbers = array("q")
            numbers.frombytes(payload[offset:offset + 8 * n])
            if len(numbers) != n:
                return None
            columns.append(numbers.tolist())
            offset += 8 * n
        if offset != len(payload):
            return None
        joined: str = head["shas"]
        shas = [joined[i:i + 40] for i in range(0, len(joined), 40)]
        lengths, flat = columns[0], columns[1]
        parents = [flat[end - n:end] for n, end in zip(lengths, accumulate(lengths), strict=True)]
        data: dict[str, Any] = {"version": VERSION, "tip": tip, "shas": shas, "parents": parents,
                                "strings": head["strings"], "transitions": head["transitions"],
                                "records": {}, "touches": {}}
        for path, values in zip(_INT_COLUMNS, columns[2:], strict=True):
            if len(path) == 1:
                data[path[0]] = values
            else:
                data[path[0]][path[1]] = values
        if len(shas) != len(parents) or len(data["intro"]) != len(shas):
            return None
        return History.from_json(data)
    except (KeyError, TypeError, IndexError, ValueError, AttributeError, UnicodeDecodeError, OverflowError):
        return None


def _candidates(folder: Path) -> list[str]:
    return [f.stem for f in _candidates_all(folder)[:KEEP]]


def _load(folder: Path, tip: str) -> History | None:
    try:
        raw = (folder / f"{tip}{SUFFIX}").read_bytes()
    except OSError:
        return None
    return unpack(raw, tip)


def _save(folder: Path, tip: str, raw: bytes) -> None:
    try:
        write_atomic(folder / f"{tip}{SUFFIX}", raw)
        for stale in [*_candidates_all(folder)[KEEP:], *folder.glob("*.json")]:  # and the old JSON form
            stale.unlink(missing_ok=True)
    except OSError:
        pass


def _candidates_all(folder: Path) -> list[Path]:
    try:
        return sorted((f for f in folder.glob(f"*{SUFFIX}") if len(f.stem) == 40),
                      key=lambda f: f.stat().st_mtime, reverse=True)
    except OSError:
        return []
