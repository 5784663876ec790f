"""Approvals of a repository: read history, SOPs, people and content from git, judge every chain.

Entry points (used by ``warta status``, ``verify``, ``approve``, ``return``, ``publish`` and ``demo``):

- :func:`evaluate_repository` ``(root, *, base=None, all_items=False, paths=None, head="HEAD",
  published=None, cache=True) -> Report``. Without ``all_items``/``paths`` it judges the items changed
  between the base (default: the merge base of HEAD with the main branch) and HEAD, plus changed
  governance files; ``all_items`` judges every item at HEAD (and the governance history of main);
  ``paths`` the named items. :attr:`Report.items` holds one :class:`~pipeline.approvals.chain.ChainResult`
  per item (path, state, digest, steps, reasons, forced, imported); :attr:`Report.ok` is the verdict of
  ``warta verify``; ``published`` (path -> digest of what is live) turns ``approved`` into
  ``published``.
- :func:`decide` writes approval records (``approve``, ``return``, ``force``) for the acting git
  identity, after judging each one exactly as :func:`evaluate_repository` will judge it once written.
- :func:`write_record` writes one record without judging it (for tools that already did).
- :func:`item_digest_at` is the digest of an item at a revision, as approvals name it.

Where things come from (rule 1): the main branch is ``approvals.main_branch`` as the ``warta.yml`` of
the real main names it (``refs/heads/main``, else ``origin/main``, else the remote's default branch),
never as HEAD's own ``warta.yml`` does; a history with a root commit that is not main's, and a
``--base`` that is not on main, are refused. The governance files (``warta.yml``, ``sop/``) are read
along main's first-parent history (:mod:`.governance`), and the governance that applies is chosen by
where things *joined main*, never by where a branch forked (the fork point is the branch author's
choice, so judging by it would let a branch forked before a demotion, a key change or a stronger SOP
escape them):

- an item is judged by the SOP in force where its current content joined main (the first-parent commit
  that merged it, or the direct commit itself); content not yet on main by the SOP at main's tip, what
  the branch would merge into;
- each record is judged by the ``people.yaml`` in force where *it* joined main; a record not yet on main
  (and a decision about to be written) by the one at main's tip. A release branch therefore never judges
  itself by its own ``people.yaml`` or SOPs, and an approval merged under last year's people stays valid
  after somebody leaves the office, while one merged after the change does not;
- a record counts only when it descends from the newest commit that changed the item or a file it
  references (an approval is for the change it was given for: bytes restored on main later do not bring
  old approvals back).

History comes from :mod:`.history`: an index of main's history kept in ``.warta-cache/history/`` and
extended with only the commits that are new since (one ``git log`` for them, one ``git log
--first-parent --raw`` for governance changes); the release branch's own commits are read by one
``git log HEAD ^main`` on every run. Then one ``git ls-tree`` of HEAD, one ``git cat-file --batch`` for
the files not in the item cache, and one ``git log --no-walk --stdin`` (per processor) for signatures not
in the signature cache. No process per commit. Caches live in ``.warta-cache/`` (keyed by commit and blob
ids); a committed or linked ``.warta-cache`` is refused (:mod:`pipeline.cachedir`), so a branch cannot
ship forged verdicts.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import posixpath
import re
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any, Literal

import yaml

from pipeline import yamlio
from pipeline.approvals import history, signing
from pipeline.approvals.chain import (
    Authority,
    ChainResult,
    ItemFacts,
    Policy,
    Record,
    Rejection,
    StepSpec,
    evaluate,
    spec_from_sop,
    trial,
)
from pipeline.approvals.governance import (
    GovState,
    build_timeline,
    evaluate_change,
    governance_spec,
    is_governance,
    parse_state,
)
from pipeline.approvals.history import History, Touch
from pipeline.approvals.records import format_record
from pipeline.cachedir import CACHE_DIRNAME, ensure_local_cache
from pipeline.config import CONFIG_FILE, KINDS, SiteConfig
from pipeline.content import CONTENT_DIR, MEDIA_DIR, compute_digest, split_front_matter
from pipeline.errors import ApprovalError, ConfigError, Finding
from pipeline.git import Git, Signature, TreeEntry
from pipeline.markup import render_bounded
from pipeline.people import People, Person
from pipeline.references import declared_references, is_item_link, resolve_path

Mode = Literal["branch", "all", "paths"]
NULL_SHA = "0" * 40
READ_BATCH_BYTES = 64 * 1024 * 1024
LOST_RECORDS_HINT = (
    "hint: this change reached main without its approval commits (committed straight to main, or merged "
    "with squash or rebase, which drop them); merge release branches with 'git merge --no-ff' (on the "
    "forge: 'Create a merge commit'), or approve the item again on main"
)


# --------------------------------------------------------------------------------------------------
# report


@dataclass(slots=True)
class ItemContext:
    """Everything the chain of one item was judged with (so a new decision can be judged the same way).

    ``records`` are the item's records with git's signature verdicts attached (``Record.signature``);
    ``raw`` the same without them, and ``signatures`` the verdicts by commit id (``None``: not checked).
    """

    facts: ItemFacts
    raw: list[Record]
    policy: Policy
    authority: Authority
    record_authority: dict[str, Authority]
    state: GovState
    signatures: Mapping[str, Signature] | None = None

    @property
    def records(self) -> list[Record]:
        if self.signatures is None:
            return list(self.raw)
        unsigned = Signature("N", "", "")
        return [r._replace(signature=self.signatures.get(r.sha, r.signature or unsigned)) for r in self.raw]


@dataclass(frozen=True)
class Report:
    root: Path
    main: str
    main_sha: str
    head: str
    base: str | None
    mode: Mode
    items: tuple[ChainResult, ...]
    governance: tuple[ChainResult, ...]
    problems: tuple[str, ...]
    warnings: tuple[str, ...]
    state: GovState  # trusted governance at the base: the people and SOPs the acting person is judged by
    contexts: Mapping[str, ItemContext] = field(repr=False, default_factory=dict)
    removed: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Every judged item and governance change has a complete valid chain, and nothing else is wrong."""
        return not self.problems and all(r.complete for r in (*self.items, *self.governance))

    @property
    def config(self) -> SiteConfig:
        assert self.state.config is not None
        return self.state.config

    @property
    def people(self) -> People:
        assert self.state.people is not None
        return self.state.people

    def result(self, path: str) -> ChainResult | None:
        return next((r for r in (*self.items, *self.governance) if r.path == path), None)

    def to_json(self) -> dict[str, Any]:
        tz = self.config.tz
        return {
            "items": [result_json(r, tz) for r in self.items],
            "governance": [result_json(r, tz) for r in self.governance],
            "problems": list(self.problems),
            "warnings": list(self.warnings),
            "ok": self.ok,
            "main": self.main,
            "head": self.head,
            "base": self.base,
        }


def iso(epoch: int | None, tz: dt.tzinfo) -> str | None:
    return None if epoch is None else dt.datetime.fromtimestamp(epoch, tz).isoformat()


def result_json(r: ChainResult, tz: dt.tzinfo) -> dict[str, Any]:
    """One item as ``status --json`` prints it (DESIGN section 6, plus extra keys)."""
    return {
        "path": r.path,
        "sop": r.sop,
        "digest": r.digest,
        "state": r.state,
        "next": {"step": r.next.no, "role": r.next.role} if r.next is not None else None,
        "steps": [
            {"step": s.no, "role": s.role, "status": s.status, "by": s.by, "at": iso(s.at, tz),
             "email": s.email, "role_title": s.role_title, "kegiatan": s.kegiatan, "waktu": s.waktu,
             "minutes": s.minutes, "started_at": iso(s.started_at, tz), "commit": s.sha}
            for s in r.steps
        ],
        "kind": r.kind,
        "complete": r.complete,
        "forced": r.forced,
        "imported": r.imported,
        "reasons": r.reasons,
        "rejections": [
            {"commit": x.sha, "step": x.step, "role": x.role, "decision": x.decision, "by": x.name,
             "email": x.email, "at": iso(x.at, tz), "codes": list(x.codes), "reasons": list(x.reasons)}
            for x in r.rejections
        ],
    }


# --------------------------------------------------------------------------------------------------
# items at a revision


@dataclass(frozen=True)
class ItemInfo:
    """What approvals need from an item's file: its kind, explicit ``sop:``, serta-merta, references."""

    path: str
    kind: str | None
    sop: str | None
    serta_merta: bool
    refs: tuple[str, ...]
    problem: str | None = None

    def to_json(self) -> list[Any]:
        return [self.kind, self.sop, self.serta_merta, list(self.refs), self.problem]

    @classmethod
    def from_json(cls, path: str, raw: Any) -> ItemInfo | None:
        if not (isinstance(raw, list) and len(raw) == 5 and isinstance(raw[3], list)):
            return None
        kind, sop, serta, refs, problem = raw
        return cls(path, kind, sop, bool(serta), tuple(str(r) for r in refs), problem)


_EXTERNAL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_CONTENT = CONTENT_DIR + "/"
_MEDIA = MEDIA_DIR + "/"


def _resolve(item_path: str, ref: str) -> str | None:
    """The repo-relative path ``ref`` names from ``item_path`` (the rules of content.resolve_reference,
    on paths only); ``None`` for external, absolute or escaping references."""
    if not ref.strip() or _EXTERNAL.match(ref) or ref.startswith(("//", "/", "\\")):
        return None
    if re.match(r"^[A-Za-z]:[\\/]", ref):
        return None
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(item_path), ref.replace("\\", "/")))
    if joined == ".." or joined.startswith("../") or joined == ".":
        return None
    return joined


def read_item(path: str, raw: bytes) -> ItemInfo:
    """Read the fields approvals need from a content file's bytes (no schema validation: ``warta check``
    does that; this must only never miss a file the item uses)."""
    parts = PurePosixPath(path).parts
    kind = parts[1] if len(parts) >= 3 and parts[0] == CONTENT_DIR and parts[1] in KINDS else None
    if kind is None:
        return ItemInfo(path, None, None, False, (), f"{path} is not in content/<kind>/")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return ItemInfo(path, kind, None, False, (), "not UTF-8 text")
    text = text.removeprefix("\ufeff")
    split = split_front_matter(text)
    if split is None:
        return ItemInfo(path, kind, None, False, (), "no front matter (run warta check)")
    front, body, _ = split
    try:
        # the strict loader's values without the line index (warta check reports lines)
        data = yaml.load(front, Loader=yamlio.StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except (yaml.YAMLError, ValueError, TypeError):
        try:
            yamlio.load(front, path, line_offset=1)
        except yamlio.YamlSyntaxError as exc:
            return ItemInfo(path, kind, None, False, (), exc.finding.format())
        return ItemInfo(path, kind, None, False, (), "invalid YAML front matter (run warta check)")
    if not isinstance(data, dict):
        return ItemInfo(path, kind, None, False, (), "the front matter is not a mapping (run warta check)")
    sop = data.get("sop") if isinstance(data.get("sop"), str) else None
    serta = kind == "informasi-publik" and data.get("kategori_informasi") == "serta-merta"
    # the one answer to "which files does this item use" (pipeline.references), as content parsing has it
    raw_refs = [ref.value for ref in declared_references(kind, data)]
    if "[" in body or "<" in body:
        # bounded like every rendering of a file's body (rule 13): a pathological body is this item's problem
        rendered = render_bounded(body, path)
        if isinstance(rendered, Finding):
            return ItemInfo(path, kind, None, False, (), rendered.message)
        raw_refs.extend(src for src, _ in rendered.images)
        raw_refs.extend(rendered.links)
    resolved = (resolve_path(path, ref)[0] for ref in raw_refs)
    refs = sorted({r for r in resolved if r and r != path and not is_item_link(r)})
    return ItemInfo(path, kind, sop.strip() if sop else None, serta, tuple(refs))


def _position(touch: Touch) -> int:
    return touch.pos


def _descendants(parents: Sequence[Sequence[int]], origin: int, candidates: Sequence[int]) -> set[int]:
    """The ``candidates`` that descend from (or are) position ``origin``. Positions are topological
    (parents first), so one forward walk from ``origin`` to the last candidate decides them all."""
    wanted = [q for q in candidates if q >= origin]
    if not wanted:
        return set()
    reached = {origin}
    for p in range(origin + 1, max(wanted) + 1):
        if any(x in reached for x in parents[p]):
            reached.add(p)
    return {q for q in wanted if q in reached}


def _is_item(path: str) -> bool:
    """A content file: ``content/<kind>/...md``, not under ``content/media/``, no hidden part."""
    return (path.startswith(_CONTENT) and path.endswith(".md") and not path.startswith(_MEDIA)
            and "/." not in path and path.count("/") >= 2)


class _ItemCache:
    """``.warta-cache/approvals/items.json``: parsed items by (path, blob id), digests by file ids."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.info: dict[str, Any] = {}
        self.digests: dict[str, str] = {}
        self.used: set[str] = set()
        self.dirty = False
        if folder is not None:
            try:
                raw = json.loads((folder / "items.json").read_text(encoding="utf-8"))
                if isinstance(raw, dict) and raw.get("version") == 3:
                    self.info = dict(raw.get("info", {}))
                    self.digests = dict(raw.get("digests", {}))
            except (OSError, ValueError):
                pass

    def save(self, *, prune: bool = False) -> None:
        if self.folder is None or not self.dirty:
            return
        if prune and len(self.info) + len(self.digests) > 2 * len(self.used) + 1_000:
            # a run over every item: forget the versions it did not ask for
            self.info = {k: v for k, v in self.info.items() if k in self.used}
            self.digests = {k: v for k, v in self.digests.items() if k in self.used}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".items.")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(json.dumps({"version": 3, "info": self.info, "digests": self.digests},
                                     separators=(",", ":")))
            os.replace(tmp, self.folder / "items.json")
        except OSError:
            pass


class _Files:
    """The files of one revision, read through one cat-file process, with the caches."""

    def __init__(self, git: Git, tree: Mapping[str, TreeEntry], cache: _ItemCache) -> None:
        self.git = git
        self.tree = tree
        self.cache = cache
        self.symlinks = {path for path, entry in tree.items() if entry.mode == "120000"}

    def info(self, paths: Sequence[str]) -> dict[str, ItemInfo]:
        out: dict[str, ItemInfo] = {}
        missing: list[str] = []
        for path in paths:
            key = f"{path}\0{self.tree[path].oid}"
            self.cache.used.add(key)
            hit = ItemInfo.from_json(path, self.cache.info.get(key))
            if hit is None:
                missing.append(path)
            else:
                out[path] = hit
        blobs = self.git.read_blobs(self.tree[p].oid for p in missing)
        for path in missing:
            oid = self.tree[path].oid
            info = read_item(path, blobs.get(oid, b""))
            out[path] = info
            self.cache.info[f"{path}\0{oid}"] = info.to_json()
            self.cache.dirty = True
        return out

    def existing(self, paths: Iterable[str]) -> dict[str, str]:
        """path -> blob id of the files that exist; a file that is a symbolic link to a file inside the
        repository counts with the bytes it points to, so retargeting the link makes approvals stale."""
        out: dict[str, str] = {}
        links: dict[str, str] = {}
        for path in paths:
            entry = self.tree.get(path)
            if entry is None or entry.type != "blob":
                continue
            if entry.mode == "120000":
                links[path] = entry.oid
            else:
                out[path] = entry.oid
        if links:
            texts = self.git.read_blobs(links.values())
            for path, oid in links.items():
                target = self._follow(path, texts.get(oid, b"").decode("utf-8", "replace"))
                if target is not None:
                    out[path] = target
        return out

    def _follow(self, path: str, target: str, depth: int = 0) -> str | None:
        if depth > 8:
            return None
        resolved = _resolve(path, target)
        entry = self.tree.get(resolved) if resolved else None
        if entry is None or entry.type != "blob":
            return None
        if entry.mode != "120000":
            return entry.oid
        text = self.git.read_blobs([entry.oid]).get(entry.oid, b"").decode("utf-8", "replace")
        return self._follow(resolved or "", text, depth + 1)

    def links(self, item: str, refs: Iterable[str]) -> list[str]:
        """What approvals cannot bind: the item itself as a symbolic link, or a reference reached through
        a linked folder (git stores only the link, so the file behind it can change unseen)."""
        if not self.symlinks:
            return []
        found = [item] if item in self.symlinks else []
        for path in (item, *refs):
            parts = path.split("/")
            if any("/".join(parts[:n]) in self.symlinks for n in range(1, len(parts))):
                found.append(path)
        return found

    def digests(self, files: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
        """Item path -> digest of ``{path: blob id}`` (the item and what it references)."""
        out: dict[str, str] = {}
        todo: dict[str, tuple[str, Mapping[str, str]]] = {}
        for item, ids in files.items():
            # blob ids are content hashes: the paths and ids name the bytes the digest is made of
            key = "\0".join(f"{p}\0{o}" for p, o in sorted(ids.items()))
            self.cache.used.add(key)
            hit = self.cache.digests.get(key)
            if hit is not None:
                out[item] = hit
            else:
                todo[item] = (key, ids)
        if todo:
            # photos can be large: read them in batches of bounded size, not all at once
            sizes = self.git.object_sizes({o for _, ids in todo.values() for o in ids.values()})
            batch: list[str] = []
            weight = 0
            items = list(todo)
            for n, item in enumerate(items):
                batch.append(item)
                weight += sum(sizes.get(o, 0) for o in todo[item][1].values())
                if weight < READ_BATCH_BYTES and n + 1 < len(items):
                    continue
                blobs = self.git.read_blobs({o for i in batch for o in todo[i][1].values()})
                for done in batch:
                    key, ids = todo[done]
                    digest = compute_digest({p: blobs.get(o, b"") for p, o in ids.items()})
                    out[done] = digest
                    self.cache.digests[key] = digest
                    self.cache.dirty = True
                batch, weight = [], 0
        return out


def repo_paths(root: Path, args: Sequence[str]) -> list[str]:
    """Command-line paths (relative to the current folder) as repository paths."""
    out: list[str] = []
    here = Path.cwd()
    for arg in args:
        full = (here / arg).resolve() if not Path(arg).is_absolute() else Path(arg).resolve()
        try:
            out.append(full.relative_to(root.resolve()).as_posix())
        except ValueError:
            raise ApprovalError(f"{arg} is outside the site repository {root}") from None
    return out


def open_site(root: Path) -> Git:
    """The site's repository; the site must be the top folder of its git repository."""
    git = Git.discover(root)
    if git.root.resolve() != root.resolve():
        raise ApprovalError(f"the site {root} must be the top folder of its git repository ({git.root})")
    return git


def item_digest_at(root: Path, path: str, rev: str = "HEAD") -> str:
    """The digest an approval of ``path`` at ``rev`` names: the item and every file it references."""
    git = Git(root)
    tree = {e.path: e for e in git.ls_tree(rev)}
    if path not in tree:
        raise ApprovalError(f"{path} is not in {rev}")
    files = _Files(git, tree, _ItemCache(None))
    info = files.info([path])[path]
    return files.digests({path: files.existing([path, *info.refs])})[path]


# --------------------------------------------------------------------------------------------------
# evaluate


def _cache_root(root: Path, tree: Mapping[str, TreeEntry], enabled: bool) -> Path | None:
    """``.warta-cache/`` when it is the machine's own (``None`` when caches are off): never one the
    repository supplies (a committed folder or a symbolic link would let a branch ship forged signature
    verdicts). Fails closed."""
    if not enabled:
        return None
    folder = ensure_local_cache(root)
    shipped = next((p for p in tree if p == CACHE_DIRNAME or p.startswith(CACHE_DIRNAME + "/")), None)
    if shipped is not None:
        raise ConfigError(f"{CACHE_DIRNAME}/ is committed in the revision being judged ({shipped}): caches "
                          "must never come from the repository; remove it with "
                          f"'git rm -r --cached {CACHE_DIRNAME}' and commit")
    try:
        # the folder ignores itself, so that 'git add -A' in a site without a .gitignore never commits it
        folder.mkdir(exist_ok=True)
        ignore = folder / ".gitignore"
        if not ignore.is_file():
            ignore.write_text("# local caches of warta: never commit them\n*\n", encoding="utf-8")
    except OSError:
        pass  # a cache that cannot be written only costs time
    return folder


def main_branch(root: Path) -> tuple[str, str]:
    """``(name, commit)`` of the main branch (``approvals.main_branch``, locally or as ``origin/<name>``)."""
    return _main_branch(Git(root))


def on_main(root: Path) -> bool:
    """Whether HEAD is the main branch's tip or behind it (nothing of its own to approve)."""
    git = Git(root)
    head = git.head()
    return head is not None and git.is_ancestor(head, _main_branch(git)[1])


def _configured_main(git: Git, rev: str) -> str | None:
    """``approvals.main_branch`` in ``warta.yml`` at ``rev`` (``None``: not set or unreadable)."""
    raw = git.read_blobs([f"{rev}:{CONFIG_FILE}"]).get(f"{rev}:{CONFIG_FILE}")
    if raw is None:
        return None
    try:
        data = yamlio.load(raw.decode("utf-8"), CONFIG_FILE).data
    except (UnicodeDecodeError, yamlio.YamlSyntaxError):
        return None
    approvals = data.get("approvals") if isinstance(data, dict) else None
    if isinstance(approvals, dict) and isinstance(approvals.get("main_branch"), str):
        return str(approvals["main_branch"])
    return None


def _main_branch(git: Git) -> tuple[str, str]:
    """The main branch, named by the ``warta.yml`` of the real main (``main`` or ``origin/main``, else the
    remote's default branch), never by HEAD's own: a release branch cannot choose what judges it."""
    name = "main"
    for ref in ("refs/heads/main", "refs/remotes/origin/main", "refs/remotes/origin/HEAD"):
        sha = git.rev_parse(ref)
        if sha is not None:
            name = _configured_main(git, sha) or "main"
            break
    for ref in (f"refs/heads/{name}", f"refs/remotes/origin/{name}"):
        sha = git.rev_parse(ref)
        if sha is not None:
            return name, sha
    raise ApprovalError(f"the main branch '{name}' is not in this repository (approvals are judged against "
                        f"it): create it, or fetch it with 'git fetch origin {name}'")


def _governance_states(git: Git, history: History) -> tuple[list[GovState], dict[str, bytes]]:
    blobs: dict[str, str] = {}
    snapshots: list[tuple[int, str, dict[str, str]]] = []
    for transition in history.transitions:
        for change in transition.changes:
            if change.deleted:
                blobs.pop(change.path, None)
            elif change.mode.startswith("100") or change.mode == "120000":
                blobs[change.path] = change.oid
        snapshots.append((transition.index, transition.sha, dict(blobs)))
    contents = git.read_blobs({o for _, _, b in snapshots for o in b.values()})
    parsed: dict[tuple[tuple[str, str], ...], GovState] = {}
    states: list[GovState] = []
    for index, sha, snapshot in snapshots:
        key = tuple(sorted(snapshot.items()))
        known = parsed.get(key)
        state = (replace(known, index=index, sha=sha) if known is not None
                 else parse_state(index, sha, snapshot, contents))
        parsed.setdefault(key, state)
        states.append(state)
    return states, contents


def evaluate_repository(
    root: Path,
    *,
    base: str | None = None,
    all_items: bool = False,
    paths: Sequence[str] | None = None,
    head: str = "HEAD",
    published: Mapping[str, str] | None = None,
    cache: bool = True,
) -> Report:
    """Judge the approval chains of a repository's items (see the module docstring)."""
    if cache:
        ensure_local_cache(root)  # fail closed: a linked or committed cache could forge verdicts
    # Tens of thousands of small objects and no reference cycles: the cyclic collector would only
    # rescan them again and again (a third of the run time on 10,000 releases).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _evaluate(root, base=base, all_items=all_items, paths=paths, head=head, published=published,
                         cache=cache)
    finally:
        if enabled:
            gc.enable()


def _evaluate(
    root: Path,
    *,
    base: str | None,
    all_items: bool,
    paths: Sequence[str] | None,
    head: str,
    published: Mapping[str, str] | None,
    cache: bool,
) -> Report:
    git = Git(root)
    if git.is_shallow():
        raise ApprovalError("this is a shallow clone: approvals live in the full history; fetch it "
                            "(git fetch --unshallow, or actions/checkout with fetch-depth: 0)")
    head_sha = git.rev_parse(head)
    if head_sha is None:
        raise ApprovalError(f"'{head}' names no commit (is the repository empty?)")
    main, main_sha = _main_branch(git)
    tree = {e.path: e for e in git.ls_tree(head_sha)}
    cache_root = _cache_root(root, tree, cache)
    warnings: list[str] = []

    main_index = history.build(git, main_sha, cache_root / "history" if cache_root else None)
    index = history.overlay(git, main_index, head_sha)
    if any(not index.parents[p] for p in range(len(main_index.shas), len(index.shas))):
        raise ApprovalError(f"{head} has a root commit that is not {main}'s: a history that did not grow from "
                            f"{main} cannot be judged against it (was an unrelated branch merged in?)")
    branch = index.branch
    tip_index = branch - 1  # main's tip: what an unmerged branch would merge into
    reach = None if head_sha == main_sha else index.ancestors(head_sha)

    states, contents = _governance_states(git, index)
    boot = next((s for s in states if s.valid), None)
    if boot is None:
        raise ConfigError(f"no commit on {main} holds a valid {CONFIG_FILE}, sop/people.yaml and "
                          "sop/<id>.yaml: there is no trusted governance to judge approvals by"
                          + (f" ({states[-1].summary()})" if states and states[-1].summary() else ""))
    files = _Files(git, tree, _ItemCache(cache_root / "approvals" if cache_root else None))

    # which items
    mode: Mode = "paths" if paths else "all" if all_items else "branch"
    base_sha: str | None = None
    changed: list[str] = []
    if mode != "all" or base is not None:
        if base is not None:
            base_sha = git.rev_parse(base)
            if base_sha is None:
                raise ApprovalError(f"--base {base} names no commit")
            if not git.is_ancestor(base_sha, main_sha):
                raise ApprovalError(f"--base {base} is not on {main} (an ancestor of {main_sha[:12]}): items "
                                    f"are judged against the main branch '{main}' only")
        else:
            base_sha = git.merge_base(main_sha, head_sha)
            if base_sha is None:
                raise ApprovalError(f"HEAD shares no history with {main}")
        changed = git.changed_paths(base_sha, head_sha)
    all_content = [p for p in tree if _is_item(p)]
    if mode == "paths":
        wanted = [posixpath.normpath(p) for p in paths or ()]
        unknown = [p for p in wanted if p not in tree or not (_is_item(p) or is_governance(p))]
        if unknown:
            raise ApprovalError(f"{unknown[0]}: not a content item (content/<kind>/...md) or governance file "
                                f"in {head}; commit it first")
        selected = [p for p in wanted if _is_item(p)]
        gov_selected = [p for p in wanted if is_governance(p)]
    elif mode == "all":
        selected = all_content
        gov_selected = [p for p in changed if is_governance(p)]
    else:
        changed_set = set(changed)
        if any(not _is_item(p) and not is_governance(p) for p in changed):
            infos = files.info(all_content)  # a changed photo: which items use it?
            selected = [p for p in all_content if p in changed_set or changed_set & set(infos[p].refs)]
        else:
            selected = [p for p in all_content if p in changed_set]
        gov_selected = [p for p in changed if is_governance(p)]
    removed = tuple(p for p in changed if _is_item(p) and p not in tree)

    infos = files.info(selected)
    digests = files.digests({p: files.existing([p, *infos[p].refs]) for p in selected})

    # records (in history order) of the judged items and of governance files
    wanted_items = set(selected) | set(gov_selected)
    item_records: dict[str, list[tuple[int, Record]]] = {p: [] for p in wanted_items}
    gov_records: dict[str, list[tuple[int, Record]]] = {}
    for q, record in index.records:
        item = record.item
        if item in wanted_items and (reach is None or q in reach):
            item_records[item].append((q, record))
        if (item.startswith("sop/") or item == CONFIG_FILE) and index.intro[q] < branch:
            gov_records.setdefault(item, []).append((q, record))

    valid_states = [s for s in states if s.valid]
    verdicts: dict[str, Signature] = {}
    if any(s.policy().require_signatures for s in valid_states):
        shas = [r.sha for rs in (*item_records.values(), *gov_records.values()) for _, r in rs]
        verdicts = signing.verify_signatures(
            git, shas, [s.people for s in valid_states if s.people is not None], cache_root)
    unsigned = Signature("N", "", "")

    def signed(rs: list[tuple[int, Record]]) -> list[Record]:
        if not verdicts:
            return [r for _, r in rs]
        return [r._replace(signature=verdicts.get(r.sha, unsigned)) for _, r in rs]

    # item records are judged with the verdicts passed along (copying 30,000 records costs time)
    signatures: Mapping[str, Signature] | None = verdicts or None

    record_intro = {r.sha: index.intro[q] for rs in gov_records.values() for q, r in rs}
    timeline = build_timeline(states, {path: signed(rs) for path, rs in gov_records.items()}, record_intro,
                              contents)
    trusted_main = timeline.at(len(index.chain) - 1).config
    if trusted_main is not None and trusted_main.approvals.main_branch != main:
        raise ApprovalError(f"{CONFIG_FILE} in HEAD names '{main}' as the main branch, but the approved "
                            f"configuration names '{trusted_main.approvals.main_branch}'")
    # the people and SOPs the branch would merge into (never the fork point, which the branch chooses)
    base_state = timeline.at(tip_index)

    authorities: dict[int, Authority] = {}
    specs: dict[tuple[int, str], Any] = {}

    def authority_at(at: int) -> Authority:
        found = authorities.get(at)
        if found is None:
            state = timeline.at(at)
            found = authorities[at] = authorities.setdefault(-1 - id(state), state.authority)
        return found

    head_authority = authority_at(tip_index)  # a record written now joins main after its tip
    intro, parents, touches = index.intro, index.parents, index.touches
    boot_index = boot.index
    contexts: dict[str, ItemContext] = {}
    results: list[ChainResult] = []
    published = published or {}
    judged_by: dict[tuple[int, str | None, str | None], tuple[GovState, Any, list[str]]] = {}

    def governance_for(at: int, kind: str | None, explicit: str | None) -> tuple[GovState, Any, list[str]]:
        """The trusted state at ``at``, the chain spec for the item's SOP, and problems finding it."""
        state = timeline.at(at) if at != boot_index else boot
        key = (id(state), kind, explicit)
        found = judged_by.get(key)
        if found is None:
            assert state.config is not None
            sop_id = explicit or (state.config.sop_for_kind(kind) if kind else None)
            sop = state.sops.get(sop_id) if sop_id else None
            spec = None
            problems: list[str] = []
            section = state.config.kind_section(kind) if kind else None
            if explicit and section is not None and explicit not in (section.sop, *section.other_sops):
                # which SOP governs a kind is governance (warta.yml), never the item's choice
                allowed = ", ".join([section.sop, *section.other_sops])
                problems.append(f"sop: '{explicit}' is not an SOP for {kind} in warta.yml on {main} "
                                f"(allowed: {allowed})")
                sop = None
            if sop is not None:
                spec = specs.get((id(state), sop.id))
                if spec is None:
                    spec = specs[(id(state), sop.id)] = spec_from_sop(sop)
            elif sop_id and not problems:
                problems.append(f"SOP '{sop_id}' is not in sop/ on {main} (approved version)")
            found = judged_by[key] = (state, spec, problems)
        return found

    for p in selected:
        info = infos[p]
        touched = touches.get(p, ())
        if info.refs:
            touched = sorted((t for f in (p, *info.refs) for t in touches.get(f, ())), key=_position)
        history_of = [t for t in touched if intro[t.pos] > boot_index and (reach is None or t.pos in reach)]
        newest = history_of[-1] if history_of else None
        # judged where the current content entered main (unmerged: main's tip), never at the fork point
        at = intro[newest.pos] if newest is not None else boot_index
        state, spec, sop_problems = governance_for(at, info.kind, info.sop)
        item_problems = [f"front matter cannot be read: {info.problem}"] if info.problem else list(sop_problems)
        for link in files.links(p, info.refs):
            # approvals bind the bytes git stores for a path; a link's target can change without it
            item_problems.append(f"{link} is or goes through a symbolic link; put the file itself in the "
                                 "repository")
        digest = digests[p]
        facts = ItemFacts(
            path=p, digest=digest, spec=spec,
            authors=frozenset([t.author_email for t in history_of] + [t.committer_email for t in history_of]),
            serta_merta=info.serta_merta, imported=newest is None, published=published.get(p) == digest,
            changed_at=newest.committer_time if newest is not None else None, problems=tuple(item_problems),
        )
        authority = authority_at(at)
        own = item_records[p]
        early = 0
        if newest is not None:
            # a record counts only for the change it was given for: it must descend from the newest
            # commit that made the content what it is (a revert to approved bytes needs approval again)
            after = _descendants(parents, newest.pos, [q for q, _ in own])
            early = sum(1 for q, r in own if q not in after and r.digest == digest)  # a revert's old records
            own = [(q, r) for q, r in own if q in after or r.digest != digest]  # stale ones show as such
        record_authority: dict[str, Authority] = {NULL_SHA: head_authority}
        for q, r in own:
            made_at = intro[q]  # the people in force where the record joined main (unmerged: main's tip)
            if made_at != at:
                other = authority_at(made_at)
                if other is not authority:
                    record_authority[r.sha] = other
        records = [r for _, r in own]
        policy = state.policy()
        result = evaluate(facts, records, policy, authority, record_authority, signatures)
        if early and not result.complete and newest is not None:
            result.hint = (f"{early} approval record(s) of this item were made before "
                           f"{index.shas[newest.pos][:12]}, the newest change of its content, and do not count "
                           "(an approval counts for the change it was given for, even when older content "
                           "comes back): approve it again")
        elif (newest is not None and newest.direct and result.forced_by is None
                and not any(s.status == "approved" for s in result.steps)):
            # the change sits on main's first-parent line itself and nothing approved it
            result.hint = LOST_RECORDS_HINT
        results.append(result)
        contexts[p] = ItemContext(facts, records, policy, authority, record_authority, state, signatures)

    # governance files changed on this branch (or named)
    gov_results: list[ChainResult] = []
    if gov_selected:
        head_blobs = {p: e.oid for p, e in tree.items() if is_governance(p)}
        extra = head_blobs.values() - contents.keys()
        texts = {**contents, **git.read_blobs(extra)} if extra else contents
        head_state = parse_state(branch, head_sha, head_blobs, texts)
        for p in gov_selected:
            own_records = signed(item_records[p])
            result = evaluate_change(p, base_state, head_state, own_records, texts)
            gov_results.append(result)
            facts = ItemFacts(p, result.digest, governance_spec(p, base_state, head_state),
                              problems=result.problems)
            contexts[p] = ItemContext(facts, own_records, base_state.policy(), base_state.authority, {},
                                      base_state)
    problems: list[str] = []
    if mode == "all":
        problems.extend(timeline.problems())
        seen = {r.path for r in gov_results}
        gov_results.extend(r for r in timeline.pending if r.path not in seen)

    files.cache.save(prune=mode == "all")
    for gone in removed:
        warnings.append(f"{gone}: deleted since {base_sha[:12] if base_sha else 'the base'}; to withdraw a "
                        "published item, set status: dicabut with alasan_pencabutan instead")
    return Report(root, main, main_sha, head_sha, base_sha, mode, tuple(results), tuple(gov_results),
                  tuple(problems), tuple(warnings), base_state, contexts, removed)


# --------------------------------------------------------------------------------------------------
# deciding


@dataclass(frozen=True)
class Outcome:
    """What :func:`decide` did for one item: ``sha`` of the record written, or ``refusal``."""

    path: str
    message: str
    sha: str | None = None
    step: StepSpec | None = None
    role: str | None = None
    warning: str | None = None

    @property
    def ok(self) -> bool:
        return self.sha is not None


def write_record(
    git: Git,
    *,
    item: str,
    digest: str,
    step: int,
    role: str,
    decision: str,
    subject: str,
    note: str = "",
    sign: bool,
    date: str | None = None,
) -> str:
    """Write one approval record on HEAD (an empty commit, signed when ``sign``); its commit id."""
    message = format_record(item=item, digest=digest, step=step, role=role, decision=decision,
                            subject=subject, note=note)
    return git.commit_empty(message, sign=sign, date=date)


_VERB = {"approve": "Approve", "return": "Return", "force": "Force-publish"}


def _refusal(rejection: Rejection, step: StepSpec, people: People, person: Person) -> str:
    title = people.title(step.role)
    code = rejection.codes[0]
    holders = [p.name for p in people.holders(step.role) if p.email.casefold() != person.email.casefold()]
    others = f"; {', '.join(holders)} can" if holders else ""
    if code == "author":
        return f"you wrote or changed this content, and the author cannot approve it ({title}{others})"
    if code == "role_not_held":
        held = ", ".join(p.name for p in people.holders(step.role)) or "nobody"
        return (f"you do not hold the role {step.role} ({title}) that step {step.no} needs "
                f"(held by {held}, in sop/people.yaml on the main branch)")
    if code == "out_of_order":
        return rejection.reasons[0].replace("not this step yet", "it is not your step yet")
    if code == "same_person":
        return f"{rejection.reasons[0]}; another holder of {title} must approve step {step.no}"
    if code == "wrong_key":
        return (f"your signing key is not listed for you in sop/people.yaml on the main branch "
                f"({rejection.reasons[0]}); {signing.CONFIGURE_KEY}")
    return "; ".join(rejection.reasons)


def decide(
    root: Path,
    *,
    decision: Literal["approve", "return", "force"],
    paths: Sequence[str] = (),
    role: str | None = None,
    note: str = "",
    date: str | None = None,
    report: Report | None = None,
) -> list[Outcome]:
    """Approve, return or force each item (changed on the branch, or ``paths``) at its next step as the
    acting git identity. Every decision is judged first exactly as it will be judged once written;
    refusals are returned as one line each and nothing is written for them.

    Raises :class:`ApprovalError` when nothing can be decided at all (unknown person, no signing key,
    nothing to approve).
    """
    git = Git(root)
    report = report or evaluate_repository(root, paths=list(paths) or None)
    name, email = git.identity()
    if not email:
        raise ApprovalError("git has no user.email: run git config user.email you@example.go.id (the email "
                            "sop/people.yaml lists for you)")
    people = report.people
    person = people.by_email(email)
    if person is None:
        raise ApprovalError(f"you ({email}) are not in sop/people.yaml on the main branch, so you cannot "
                            "approve: ask the administrator to add you (with your roles and SSH key)")
    targets = [*report.items, *report.governance]
    if not targets:
        where = f"since {report.base[:12]}" if report.base else ""
        raise ApprovalError(f"nothing to approve: no item changed on this branch {where}; name the item's "
                            "path (warta approve content/...md)".replace("  ", " "))
    if decision == "return" and not note.strip():
        raise ApprovalError("a return needs a reason: warta return --reason 'what must change'")

    dirty = set(git.dirty_paths([t.path for t in targets]))
    need_signature = any(report.contexts[t.path].policy.require_signatures for t in targets)
    setup = signing.signing_setup(git)
    if need_signature and setup.problem:
        raise ApprovalError(f"approvals must be signed (approvals.require_signatures) but {setup.problem}")

    now = int(time.time())
    outcomes: list[Outcome] = []
    for result in targets:
        ctx = report.contexts[result.path]
        if result.path in dirty:
            outcomes.append(Outcome(result.path, "has uncommitted changes: commit them first (an approval "
                                                 "names the committed content)"))
            continue
        if result.problems and decision != "return":
            outcomes.append(Outcome(result.path, f"cannot be approved: {'; '.join(result.problems)}"))
            continue
        steps = list(ctx.facts.spec.steps) if ctx.facts.spec is not None else []
        done = {x.no for x in result.steps if x.status == "approved"}
        open_steps = [s for s in steps if s.no not in done]
        if result.state == "returned" and result.returned is not None:
            outcomes.append(Outcome(result.path, f"returned by {result.returned.name} "
                                                 f"({result.returned.note or 'no reason given'}): change "
                                                 "the content first; then the chain starts again"))
            continue
        if not open_steps or (result.complete and not result.forced and decision != "force"):
            outcomes.append(Outcome(result.path, "nothing to approve: every step is already approved"))
            continue
        if decision == "force":
            force_roles = sorted(r for r in ctx.policy.force_roles if person.holds(r))
            if not force_roles and role is None:
                allowed = sorted(ctx.policy.force_roles)
                forcers = sorted({p.name for r in allowed for p in people.holders(r)})
                outcomes.append(Outcome(result.path, "you may not force-publish: approvals.force_publish_roles "
                                                     f"is {', '.join(allowed) or 'empty'}"
                                                     + (f" (held by {', '.join(forcers)})" if forcers else "")))
                continue
            chosen_role = role or force_roles[0]
            step = open_steps[0]
        else:
            if role is not None:
                step = next((s for s in open_steps if s.role == role), None) or open_steps[0]
            else:
                first = open_steps[0]
                step = first if person.holds(first.role) else next(
                    (s for s in open_steps if person.holds(s.role)), first)
                mine = [x for x in result.steps if x.status == "approved" and person.holds(x.role)]
                if not person.holds(step.role) and mine:
                    done_step = mine[-1]
                    next_holders = ", ".join(p.name for p in people.holders(first.role)) or "nobody"
                    outcomes.append(Outcome(
                        result.path, f"nothing for you to approve: step {done_step.no} ({done_step.role_title}) "
                                     f"was already approved by {done_step.by}; next is step {first.no} "
                                     f"({people.title(first.role)}, held by {next_holders})"))
                    continue
            chosen_role = role or step.role
        signature = None
        if ctx.policy.require_signatures:
            own = ctx.authority.keys.get(person.email.casefold(), frozenset())
            fp = setup.fingerprint or next(iter(sorted(own)), "")
            signature = Signature("G" if fp in own else "U", fp, person.email if fp in own else "")
        draft = Record(NULL_SHA, result.path, result.digest, step.no, chosen_role, decision, person.name,
                       person.email, now, person.email, signature=signature, note=note.strip())
        _, verdict = trial(ctx.facts, ctx.raw, ctx.policy, ctx.authority, ctx.record_authority, draft,
                           ctx.signatures)
        if verdict is not None:
            outcomes.append(Outcome(result.path, _refusal(verdict, step, people, person), step=step,
                                    role=chosen_role))
            continue
        title = people.title(step.role if decision != "force" else chosen_role)
        subject = f"{_VERB[decision]} step {step.no} ({title}): {result.path}"
        sign = ctx.policy.require_signatures or setup.problem is None
        sha = write_record(git, item=result.path, digest=result.digest, step=step.no, role=chosen_role,
                           decision=decision, subject=subject, note=note, sign=sign, date=date)
        warning = None
        if ctx.policy.require_signatures:
            # judge the signature exactly as verify will (git's verdict, then the key must be yours)
            got = signing.verify_signatures(git, [sha], [people], None).get(sha)
            own = ctx.authority.keys.get(person.email.casefold(), frozenset())
            if got is None or got.status != "G" or got.key not in own:
                status = got.status if got else "?"
                warning = (f"git does not accept the signature of {sha[:12]} as yours (status {status}, key "
                           f"{got.key if got and got.key else '?'}); check user.signingkey and your ssh_keys "
                           "in sop/people.yaml")
        outcomes.append(Outcome(result.path, subject, sha, step, chosen_role, warning))
    return outcomes
