"""The history index: what approvals need from the main branch's history, read once and kept.

Reading 50,000 commits (10,000 releases) with their changed files costs git and Python seconds, but the
history of a commit never changes: its id names it. So the index of main's history is stored in
``.warta-cache/history/<tip commit id>.json`` and, when main has moved on, extended with only the new
commits (``git log <new tip> ^<old tip>``), provided the old tip is on the new tip's first-parent line;
otherwise it is rebuilt from scratch. Commits of a release branch that are not on main are read fresh on
every run and never stored.

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

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from pipeline.approvals.chain import Record
from pipeline.approvals.records import record_from_commit
from pipeline.files import write_atomic
from pipeline.git import Change, Commit, Git
from pipeline.governed import HISTORY_PATHSPEC as GOVERNANCE_PATHS

VERSION = 6  # 5: transitions follow every file outside the item areas (pipeline.governed); 6: forge sources
KEEP = 3  # snapshots kept


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

    def add(self, commits: Sequence[Commit], tip: str, trees: Mapping[str, str], *, on_main: bool) -> None:
        """Append ``commits`` (topological order, parents known or among them).

        ``on_main``: they extend main up to ``tip`` (a new first-parent segment); otherwise they are the
        release branch's own commits (``intro = branch``). ``trees``: tree ids of the commits and of the
        first parents of records outside them (a record must not change files).
        """
        for commit in commits:
            self.pos[commit.sha] = len(self.shas)
            self.shas.append(commit.sha)
            self.parents.append([self.pos[p] for p in commit.parents if p in self.pos])
            self.intro.append(-1)
        by_pos = {self.pos[c.sha]: c for c in commits}
        if on_main:
            segment: list[int] = []
            p: int | None = self.pos[tip]
            stop = self.chain[-1] if self.chain else None
            while p is not None and p != stop:
                segment.append(p)
                walked = by_pos.get(p)
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
        for commit in commits:
            p = self.pos[commit.sha]
            if self.intro[p] < 0:
                self.intro[p] = self.branch if not on_main else max(self.branch - 1, 0)
            record = record_from_commit(commit, trees)
            if record is not None:
                self.records.append((p, record))
            if commit.paths:
                touch = Touch(p, commit.author_email.casefold(), commit.committer_email.casefold(),
                              commit.committer_time, p in chain_set and not commit.is_merge, commit.is_merge)
                for path in commit.paths:
                    self.touches.setdefault(path, []).append(touch)

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
        """A compact, column-wise form: every text once in a string table, columns of numbers (a list of
        30,000 records reads in milliseconds this way)."""
        table: dict[str, int] = {}

        def t(text: str) -> int:
            found = table.get(text)
            if found is None:
                found = table[text] = len(table)
            return found

        rs = [r for _, r in self.records]
        records = {
            "pos": [p for p, _ in self.records],
            "item": [t(r.item) for r in rs], "digest": [t(r.digest) for r in rs],
            "step": [r.step if r.step is not None else -1 for r in rs], "role": [t(r.role) for r in rs],
            "decision": [t(r.decision) for r in rs], "name": [t(r.author_name) for r in rs],
            "email": [t(r.author_email) for r in rs], "at": [r.at for r in rs],
            "committer": [t(r.committer_email) for r in rs],
            "flags": [int(r.changes_files) | int(r.is_merge) << 1 for r in rs],
            "note": [t(r.note) for r in rs], "problems": [t("\n".join(r.problems)) for r in rs],
            "source": [t(r.source) for r in rs], "review": [t("\n".join(f"{k}={v}" for k, v in r.review)) for r in rs],
        }
        flat = [(path, x) for path, ts in self.touches.items() for x in ts]
        touches = {
            "path": [t(path) for path, _ in flat], "pos": [x.pos for _, x in flat],
            "author": [t(x.author_email) for _, x in flat], "committer": [t(x.committer_email) for _, x in flat],
            "time": [x.committer_time for _, x in flat],
            "flags": [int(x.direct) | int(x.merge) << 1 for _, x in flat],
        }
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

        def strings(column: list[int]) -> list[str]:
            return [text[i] for i in column]

        r = data["records"]
        pos: list[int] = r["pos"]
        records = list(zip(pos, map(
            Record, [shas[p] for p in pos], strings(r["item"]), strings(r["digest"]),
            [s if s >= 0 else None for s in r["step"]], strings(r["role"]), strings(r["decision"]),
            strings(r["name"]), strings(r["email"]), r["at"], strings(r["committer"]),
            [bool(f & 1) for f in r["flags"]], [bool(f & 2) for f in r["flags"]], [None] * len(pos),
            strings(r["note"]), [tuple(x.split("\n")) if x else () for x in strings(r["problems"])],
            strings(r["source"]), [False] * len(pos),
            [tuple(tuple(kv.split("=", 1)) for kv in x.split("\n")) if x else () for x in strings(r["review"])],
        ), strict=True))
        x = data["touches"]
        touches: dict[str, list[Touch]] = {}
        for path, touch in zip(strings(x["path"]), map(
                Touch, x["pos"], strings(x["author"]), strings(x["committer"]), x["time"],
                [bool(f & 1) for f in x["flags"]], [bool(f & 2) for f in x["flags"]]), strict=True):
            touches.setdefault(path, []).append(touch)
        transitions = [Transition(t[0], t[1], tuple(Change(*c) for c in t[2])) for t in data["transitions"]]
        return cls(data["tip"], shas, data["parents"], data["intro"], data["chain"], data["base_of"], records,
                   touches, transitions)

    def copy(self) -> History:
        return History(self.tip, list(self.shas), [list(p) for p in self.parents], list(self.intro),
                       list(self.chain), list(self.base_of), list(self.records),
                       {k: list(v) for k, v in self.touches.items()}, list(self.transitions), dict(self.pos))


class _Rebuild(Exception):
    """The stored index does not extend to the new tip along its first-parent line."""


def _empty(tip: str) -> History:
    return History(tip, [], [], [], [], [], [], {}, [])


def _transitions(git: Git, tip: str, exclude: str | None, history: History) -> list[Transition]:
    revs = [tip] + ([f"^{exclude}"] if exclude else [])
    out: list[Transition] = []
    for commit in git.log(revs, first_parent=True, raw=True, paths=list(GOVERNANCE_PATHS)):
        p = history.pos.get(commit.sha)
        if p is not None:
            out.append(Transition(history.intro[p], commit.sha, commit.changes))
    return out


def trees(git: Git, commits: Sequence[Commit]) -> dict[str, str]:
    """Tree ids of ``commits`` and of the first parents (outside them) of the records among them."""
    trees = {c.sha: c.tree for c in commits}
    outside = sorted({c.parents[0] for c in commits if c.parents and c.parents[0] not in trees
                      and "warta-" in c.message.casefold()})
    if outside:
        out = git.run("rev-parse", *[f"{s}^{{tree}}" for s in outside]).stdout.decode().split()
        trees.update(zip(outside, out, strict=True))
    return trees


def build(git: Git, tip: str, folder: Path | None) -> History:
    """The index of main's history up to ``tip``, from the cache when possible (see the module docstring)."""
    history: History | None = None
    if folder is not None:
        history = _load(folder, tip)
        if history is not None:
            return history
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
    if folder is not None:
        _save(folder, history)
    return history


def _extend(git: Git, history: History, tip: str) -> History:
    old = history.tip if history.shas else None
    commits = git.log([tip, f"^{old}"] if old else [tip])
    history = history.copy() if old else history
    history.add(commits, tip, trees(git, commits), on_main=True)
    history.transitions.extend(_transitions(git, tip, old, history))
    history.tip = tip
    return history


def overlay(git: Git, history: History, head: str) -> History:
    """The index plus the release branch's own commits (``head ^main``); never stored."""
    if head in history.pos:
        return history
    commits = git.log([head, f"^{history.tip}"])
    combined = history.copy()
    combined.add(commits, head, trees(git, commits), on_main=False)
    return combined


def _candidates(folder: Path) -> list[str]:
    try:
        files = sorted((f for f in folder.glob("*.json") if len(f.stem) == 40),
                       key=lambda f: f.stat().st_mtime, reverse=True)
    except OSError:
        return []
    return [f.stem for f in files[:KEEP]]


def _load(folder: Path, tip: str) -> History | None:
    try:
        data = json.loads((folder / f"{tip}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != VERSION or data.get("tip") != tip:
        return None
    try:
        return History.from_json(data)
    except (KeyError, TypeError, IndexError, ValueError, AttributeError):
        return None


def _save(folder: Path, history: History) -> None:
    try:
        write_atomic(folder / f"{history.tip}.json", json.dumps(history.to_json(), separators=(",", ":")))
        for stale in _candidates_all(folder)[KEEP:]:
            stale.unlink(missing_ok=True)
    except OSError:
        pass


def _candidates_all(folder: Path) -> list[Path]:
    return sorted((f for f in folder.glob("*.json") if len(f.stem) == 40),
                  key=lambda f: f.stat().st_mtime, reverse=True)


