"""``refs/warta/decisions``: every decision kept where a rewrite of a branch cannot drop it (approval
rule 7: a return cannot be erased by resetting or rewriting the release branch).

The ref is a linear chain of *keeper* commits that starts at a root commit (``warta: decisions``, the
empty tree). Each keeper has two parents, the previous keeper and one record commit, and the record's
own tree, so it changes no file against the record and no history reader takes it for a content
change. Every record written by ``warta approve`` / ``warta return``, and its whole ancestry, stays
reachable as long as the ref does. Keepers are structure, not evidence: they are unsigned, carry no
``Warta-*`` trailers, and what counts is the record commits they keep, judged by every rule.

- :func:`keep` adds a keeper (compare-and-swap on the ref); :func:`push` sends the ref to the remote
  without forcing (best effort: after a rejection it fetches, joins and tries once more; a failure is
  a warning for the person, never an error).
- :func:`fetch` brings the remote's ref (``refs/warta/remote-decisions`` remembers what came last) and
  joins it with the local one, so nothing either side holds is lost; a remote ref that no longer
  descends from what was fetched before was rewritten: a warning, and the old records are kept.
- :func:`read` lists the kept records (cached by tip in ``.warta-cache/decisions/``). The last tip seen
  is remembered; a ref that no longer descends from it, or has gone, is a warning for the signatories
  (records still reachable from the old tip are read too). Never a hold on approved releases.

The same keeper chain, on another ref, keeps the forge-review copies of a site whose register is on a
branch of its own (``archive.register_branch``): the branch ``<register branch>-ulasan``
(:func:`review_ref`), which only the publishing identity pushes and a forge ruleset protects as it does
the register branch; ``warta publish`` writes it and pushes it with the register
(:mod:`pipeline.publish.register_write`). :func:`keep`, :func:`read` and :func:`join` take the ref; the
approvals engine reads the records both refs keep (:func:`combine`), judged by every rule alike.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path

from pipeline.approvals import history as history_mod
from pipeline.approvals.history import History
from pipeline.errors import GitError
from pipeline.files import write_atomic
from pipeline.git import EMPTY_TREE, Git
from pipeline.i18n import _

REF = "refs/warta/decisions"
REMOTE_REF = "refs/warta/remote-decisions"
REVIEW_SUFFIX = "-ulasan"
_GENESIS = ("warta: decisions\n\nEvery approval, return and force record, kept where a rewrite of a branch "
            "cannot drop it. Keepers only keep records reachable; they are not records themselves.\n")


@dataclass(frozen=True)
class Kept:
    """What the decisions ref holds: its tip, the record commits it keeps (oldest first), warnings."""

    tip: str | None
    records: tuple[str, ...]
    warnings: tuple[str, ...] = ()


def review_ref(register_branch: str) -> str:
    """The protected branch that keeps the forge-review copies of a site with a register branch."""
    return f"refs/heads/{register_branch}{REVIEW_SUFFIX}"


def review_tips(git: Git, register_branch: str) -> list[str]:
    """Where a clone holds the review branch: the local branch, and the remote's (a fresh clone)."""
    remote = _remote(git)
    name = register_branch + REVIEW_SUFFIX
    return [review_ref(register_branch), *([f"refs/remotes/{remote}/{name}"] if remote else [])]


def newest(git: Git, refs: list[str]) -> str | None:
    """The tip of the newest of ``refs`` (a ref and its remote-tracking copy): the one that descends
    from the others, else the first that exists."""
    tips = [t for t in (git.rev_parse(r) for r in refs) if t is not None]
    if not tips:
        return None
    best = tips[0]
    for tip in tips[1:]:
        if tip != best and git.is_ancestor(best, tip):
            best = tip
    return best


def combine(first: Kept, second: Kept) -> Kept:
    """The records both chains keep (``first``'s tip: ``refs/warta/decisions``'), and both's warnings."""
    have = set(first.records)
    return Kept(first.tip, first.records + tuple(r for r in second.records if r not in have),
                first.warnings + second.warnings)


def _remote(git: Git) -> str | None:
    names = git.remotes()
    return "origin" if "origin" in names else (names[0] if names else None)


def _structure(git: Git, tree: str, parents: list[str], message: str) -> str:
    """A keeper (or the root) commit: unsigned, by the person acting, or by ``warta`` where git knows
    nobody (a CI runner copying forge reviews): keepers are structure, never evidence."""
    name, email = git.identity()
    if name and email:
        return git.commit_tree(tree, parents, message)
    who = {"GIT_AUTHOR_NAME": "warta", "GIT_AUTHOR_EMAIL": "warta@localhost",
           "GIT_COMMITTER_NAME": "warta", "GIT_COMMITTER_EMAIL": "warta@localhost"}
    args = ["commit-tree", tree, "--no-gpg-sign", "-F", "-", *(x for p in parents for x in ("-p", p))]
    return git.run(*args, input=message.encode("utf-8"), env=who).stdout.decode().strip()


def _keeper(git: Git, tip: str, record: str, what: str) -> str:
    tree = git.text("rev-parse", f"{record}^{{tree}}").strip()
    return _structure(git, tree, [tip, record], f"warta: keep {what}\n\nKeeps {record}\n")


def keep(git: Git, record: str, item: str, decision: str, ref: str = REF) -> str:
    """Add ``record`` to the keeper chain on ``ref`` (the decisions ref); the new tip."""
    for _attempt in range(3):
        tip = git.rev_parse(ref)
        base = tip or _structure(git, EMPTY_TREE, [], _GENESIS)
        new = _keeper(git, base, record, f"the {decision} of {item}")
        if git.update_ref(ref, new, tip, f"warta: keep {record[:12]}"):
            return new
    raise GitError(_("{ref} kept moving while warta tried to add {record}; run the command again",
                     ref=ref, record=record[:12]))


def _walk(git: Git, tip: str, since: str | None = None) -> list[str]:
    """The records kept between ``since`` (exclusive) and ``tip``, oldest first."""
    commits = git.log([tip, f"^{since}"] if since else [tip], first_parent=True, name_only=False)
    return [c.parents[1] for c in commits if len(c.parents) == 2]


def records_at(git: Git, tip: str, folder: Path | None = None) -> list[str]:
    """The records kept by the decisions chain at ``tip`` (the cache is extended, never rebuilt, while
    the chain only grows)."""
    cached = _load(folder)
    if cached is not None:
        old, known = cached
        if old == tip:
            return known
        if git.is_ancestor(old, tip):
            found = known + _walk(git, tip, old)
            _save(folder, {"tip": tip, "records": found})
            return found
    found = _walk(git, tip)
    _save(folder, {"tip": tip, "records": found})
    return found


def read(git: Git, folder: Path | None, ref: str = REF, tips: list[str] | None = None) -> Kept:
    """The records the keeper chain on ``ref`` keeps (the decisions ref), and what is wrong with the ref
    (see the module docstring). ``tips``: the refs to read it from, the newest (default: ``ref``)."""
    tip = newest(git, tips or [ref])
    seen = _seen(folder)
    warnings: list[str] = []
    records = records_at(git, tip, folder) if tip is not None else []
    old_alive = seen is not None and git.rev_parse(seen) is not None
    if seen is not None and seen != tip and (tip is None or not old_alive or not git.is_ancestor(seen, tip)):
        what = _("has gone") if tip is None else _("was rewritten (it no longer holds its earlier tip)")
        warnings.append(_("{ref} {what}: it held {seen} when last read here; decisions kept there may be lost, "
                          "so the signatories should check every return and approval since, and restore the ref "
                          "(git update-ref {ref} <tip that holds {seen}>; git push origin {ref})", ref=ref,
                          what=what, seen=seen[:12])
                        + (_("; the records still reachable from it are read") if old_alive else ""))
        if old_alive and seen is not None:
            have = set(records)
            records += [r for r in _walk(git, seen) if r not in have]
    elif tip is not None:
        _remember(folder, tip)
    return Kept(tip, tuple(records), tuple(warnings))


def attach(git: Git, index: History, kept: Kept, exclude: list[str]) -> None:
    """Add to ``index`` the kept records that it does not hold yet, with their ancestry (up to what it
    holds: ``exclude`` are main's and HEAD's tips)."""
    unknown = [r for r in kept.records if r not in index.pos]
    if not unknown:
        return
    present = list(git.object_sizes(unknown))  # a rewritten ref may name commits gone from this clone
    if not present:
        return
    commits = git.log([*present, *(f"^{x}" for x in exclude)], name_only=False)
    index.add_outside(commits, history_mod.trees(git, commits))


def join(git: Git, local: str | None, other: str) -> str:
    """A tip that descends from ``other`` and keeps every record of ``local`` too."""
    if local is None or local == other or git.is_ancestor(local, other):
        return other
    if git.is_ancestor(other, local):
        return local
    return _add_missing(git, other, local)


def _add_missing(git: Git, tip: str, other: str) -> str:
    have = set(_walk(git, tip))
    for record in _walk(git, other):
        if record not in have:
            tip = _keeper(git, tip, record, "a decision joined from another copy of this ref")
            have.add(record)
    return tip


def fetch(git: Git) -> list[str]:
    """Bring the remote's decisions and join them with the local ones; warnings (never raises)."""
    remote = _remote(git)
    if remote is None:
        return []
    before = git.rev_parse(REMOTE_REF)
    proc = git.run("fetch", "--quiet", "--no-tags", remote, f"+{REF}:{REMOTE_REF}", check=False)
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip()
        if "couldn't find remote ref" in message:
            if git.rev_parse(REF) is None and before is None:
                return []  # nobody has decided anything yet
            return [_("{remote} has no {ref}: decisions are kept only where branches keep them; push it "
                      "(git push {remote} {ref})", remote=remote, ref=REF)]
        return [_("could not fetch {ref} from {remote} ({reason}); decisions made elsewhere may be missing from "
                  "this judgement", ref=REF, remote=remote,
                  reason=message.splitlines()[-1] if message else _("no reason"))]
    after = git.rev_parse(REMOTE_REF)
    if after is None:
        return []
    warnings: list[str] = []
    local = git.rev_parse(REF)
    joined = join(git, local, after)
    if before is not None and before != after and not git.is_ancestor(before, after):
        warnings.append(_("{ref} on {remote} was rewritten: it no longer holds {before}, fetched earlier; the decisions "
                          "it dropped are kept here and go back with the next push; the signatories should find out who "
                          "rewrote it", ref=REF, remote=remote, before=before[:12]))
        joined = _add_missing(git, joined, before)
    if joined != local and not git.update_ref(REF, joined, local, "warta: join fetched decisions"):
        warnings.append(_("{ref} moved while it was being joined with {remote}'s; run again", ref=REF, remote=remote))
    return warnings


def push(git: Git) -> str | None:
    """Send the decisions ref to the remote (never forced); a warning when that fails, else ``None``."""
    remote = _remote(git)
    tip = git.rev_parse(REF)
    if remote is None or tip is None:
        return None
    message = ""
    for attempt in range(2):
        proc = git.run("push", "--quiet", remote, f"{REF}:{REF}", check=False)
        if proc.returncode == 0:
            pushed = git.rev_parse(REF)
            if pushed is not None:
                git.run("update-ref", REMOTE_REF, pushed, check=False)
            return None
        message = proc.stderr.decode("utf-8", "replace").strip()
        if attempt == 0:
            fetch(git)  # somebody else pushed decisions meanwhile: join them, then try again
    last = message.splitlines()[-1] if message else _("no reason given")
    return (_("could not push {ref} to {remote} ({last}): push it yourself with 'git push {remote} {ref}'; until then a "
              "rewrite of the branch could drop this decision", ref=REF, remote=remote, last=last))


# -- the cache -------------------------------------------------------------------------------------


def _load(folder: Path | None) -> tuple[str, list[str]] | None:
    if folder is None:
        return None
    try:
        data = json.loads((folder / "chain.json").read_text(encoding="utf-8"))
        tip, records = data["tip"], data["records"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(tip, str) or not isinstance(records, list):
        return None
    return tip, [str(r) for r in records]


def _save(folder: Path | None, data: dict[str, object]) -> None:
    if folder is None:
        return
    with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
        write_atomic(folder / "chain.json", json.dumps(data, separators=(",", ":")))


def _seen(folder: Path | None) -> str | None:
    if folder is None:
        return None
    try:
        text = (folder / "seen").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return text if len(text) == 40 else None


def _remember(folder: Path | None, tip: str) -> None:
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "seen").write_text(tip + "\n", encoding="utf-8")
    except OSError:
        pass
