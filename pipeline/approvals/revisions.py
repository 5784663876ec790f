"""Reading one revision's files for approvals: what an item uses (:func:`read_item`), its digest, and
the caches that keep both (``.warta-cache/approvals/items.json``, keyed by blob ids).

All reads go through one ``git cat-file --batch`` per batch (:class:`Files`); nothing here reads the
working tree. :func:`cache_root` is the machine's own cache folder, never one the repository supplies.
"""

from __future__ import annotations

import contextlib
import json
import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from pipeline import yamlio
from pipeline.cachedir import CACHE_DIRNAME, ensure_local_cache
from pipeline.config import ALL_KINDS, LimitsSection, SiteConfig
from pipeline.content import CONTENT_DIR, compute_digest, is_item_path, split_front_matter
from pipeline.errors import ApprovalError, Finding
from pipeline.files import write_atomic
from pipeline.git import Git, TreeEntry
from pipeline.governed import is_governed
from pipeline.i18n import _
from pipeline.markup import render_bounded
from pipeline.references import APPROVAL_KEYS, declared_references, is_item_link, resolve_path

READ_BATCH_BYTES = 64 * 1024 * 1024
# the front-matter keys read_item and pipeline.references.declared_references read
ITEM_KEYS = APPROVAL_KEYS


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


def read_item(path: str, raw: bytes, limits: LimitsSection | None = None,
              fronts: Mapping[str, Mapping[str, Any]] | None = None) -> ItemInfo:
    """Read the fields approvals need from a content file's bytes (no schema validation: ``warta check``
    does that; this must only never miss a file the item uses). Bounded like every reading of a file
    (rule 13): sizes capped, the body rendered within ``limits.render_seconds``. ``fronts``: front-matter
    texts already parsed in this run (:attr:`pipeline.content.Site.fronts`), each with the values of its
    :data:`ITEM_KEYS` as the strict loader builds them: a text found there is not parsed again (the same
    text gives the same values; every check before and after the parse is made here all the same)."""
    limits = limits or LimitsSection()
    parts = path.split("/")  # a path from a git tree: pathlib's parts unless spelt with '//', '/.' or a leading '/'
    if "" in parts or "." in parts:
        parts = list(PurePosixPath(path).parts)
    kind = parts[1] if len(parts) >= 3 and parts[0] == CONTENT_DIR and parts[1] in ALL_KINDS else None
    if kind is None:
        return ItemInfo(path, None, None, False, (), _("{path} is not in content/<kind>/", path=path))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return ItemInfo(path, kind, None, False, (), _("not UTF-8 text"))
    text = text.removeprefix("\ufeff")
    split = split_front_matter(text)
    if split is None:
        return ItemInfo(path, kind, None, False, (), _("no front matter (run warta check)"))
    front, body, _offset = split
    if len(raw) > limits.file_bytes:
        return ItemInfo(path, kind, None, False, (), _("the file is {size} bytes, over the limit of {limit} "
                                                       "(limits in warta.yml; run warta check)",
                                                       size=format(len(raw), ","), limit=format(limits.file_bytes, ",")))
    # the fields read here, built as the strict loader builds them, without the rest of the document
    # (yamlio.top_level proves when that gives the same values; otherwise the whole document is loaded)
    known = fronts.get(front) if fronts else None
    fast = dict(known) if known is not None else yamlio.top_level(front, ITEM_KEYS)
    try:
        # the strict loader's values without the line index (warta check reports lines)
        data = fast if fast is not None else yaml.load(front, Loader=yamlio.StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except (yaml.YAMLError, ValueError, TypeError):
        try:
            yamlio.load(front, path, line_offset=1)
        except yamlio.YamlSyntaxError as exc:
            return ItemInfo(path, kind, None, False, (), exc.finding.format())
        return ItemInfo(path, kind, None, False, (), _("invalid YAML front matter (run warta check)"))
    if not isinstance(data, dict):
        return ItemInfo(path, kind, None, False, (), _("the front matter is not a mapping (run warta check)"))
    sop = data.get("sop") if isinstance(data.get("sop"), str) else None
    serta = kind == "informasi-publik" and data.get("kategori_informasi") == "serta-merta"
    # the one answer to "which files does this item use" (pipeline.references), as content parsing has it
    raw_refs = [ref.value for ref in declared_references(kind, data)]
    if "[" in body or "<" in body:
        rendered = render_bounded(body, path, None, limits.render_seconds)
        if isinstance(rendered, Finding):
            return ItemInfo(path, kind, None, False, (), rendered.message)
        raw_refs.extend(src for src, _ in rendered.images)
        raw_refs.extend(rendered.links)
    resolved = (resolve_path(path, ref)[0] for ref in raw_refs)
    refs = sorted({r for r in resolved if r and r != path and not is_item_link(r)})
    return ItemInfo(path, kind, sop.strip() if sop else None, serta, tuple(refs))


def is_item(path: str) -> bool:
    """A content file: ``content/<kind>/...md``, not under ``content/media/``, no hidden part, a UTF-8 name
    (the one test, :func:`pipeline.content.is_item_path`)."""
    return is_item_path(path)


class ItemCache:
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
        with contextlib.suppress(OSError):
            write_atomic(self.folder / "items.json",
                         json.dumps({"version": 3, "info": self.info, "digests": self.digests}, separators=(",", ":")))


class Files:
    """The files of one revision, read through one cat-file process, with the caches."""

    def __init__(self, git: Git, tree: Mapping[str, TreeEntry], cache: ItemCache,
                 limits: LimitsSection | None = None, fronts: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self.limits = limits or LimitsSection()
        self.fronts = fronts  # front matters this run already parsed (read_item)
        self.git = git
        self.tree = tree
        self.cache = cache
        self.symlinks = {path for path, entry in tree.items() if entry.mode == "120000"}
        # the bytes :meth:`info` read, by blob id, until :meth:`digests` has used them: each item is read
        # once per run (a blob id names its bytes, so they cannot differ)
        self.read: dict[str, bytes] = {}

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
        self.read.update(blobs)
        for path in missing:
            oid = self.tree[path].oid
            info = read_item(path, blobs.get(oid, b""), self.limits, self.fronts)
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
        known, self.read = self.read, {}
        if todo:
            # photos can be large: read them in batches of bounded size, not all at once (what info() read
            # already is not read again)
            sizes = self.git.object_sizes({o for _, ids in todo.values() for o in ids.values() if o not in known})
            batch: list[str] = []
            weight = 0
            items = list(todo)
            for n, item in enumerate(items):
                batch.append(item)
                weight += sum(sizes.get(o, 0) for o in todo[item][1].values())
                if weight < READ_BATCH_BYTES and n + 1 < len(items):
                    continue
                wanted = {o for i in batch for o in todo[i][1].values() if o not in known}
                blobs = self.git.read_blobs(wanted) if wanted else {}
                for done in batch:
                    key, ids = todo[done]
                    digest = compute_digest({p: known[o] if o in known else blobs.get(o, b"") for p, o in ids.items()})
                    out[done] = digest
                    self.cache.digests[key] = digest
                    self.cache.dirty = True
                batch, weight = [], 0
        return out


def choose_paths(
    mode: str, tree: Mapping[str, TreeEntry], files: Files, changed: Sequence[str], paths: Sequence[str],
    head: str, configs: Sequence[SiteConfig] = (),
) -> tuple[list[str], list[str], tuple[str, ...]]:
    """``(items, governance files, removed items)`` to judge: the named ``paths`` (mode ``paths``), every
    item (``all``), or what ``changed`` since the base (``branch``: with the items that use a changed
    photo). ``configs``: the warta.yml files whose named files (``site.logo``) are governed too."""

    def is_governance(path: str) -> bool:
        return is_governed(path) or any(is_governed(path, c) for c in configs)

    all_content = [p for p in tree if is_item(p)]
    if mode == "paths":
        wanted = [posixpath.normpath(p) for p in paths]
        unknown = [p for p in wanted if p not in tree or not (is_item(p) or is_governance(p))]
        if unknown:
            raise ApprovalError(_("{unknown}: not a content item (content/<kind>/...md) or governance file in {head}; "
                                  "commit it first", unknown=unknown[0], head=head))
        selected = [p for p in wanted if is_item(p)]
        governance = [p for p in wanted if is_governance(p)]
    elif mode == "all":
        selected = all_content
        governance = [p for p in changed if is_governance(p)]
    else:
        changed_set = set(changed)
        if any(not is_item(p) and not is_governance(p) for p in changed):
            infos = files.info(all_content)  # a changed photo: which items use it?
            selected = [p for p in all_content if p in changed_set or changed_set & set(infos[p].refs)]
        else:
            selected = [p for p in all_content if p in changed_set]
        governance = [p for p in changed if is_governance(p)]
    removed = tuple(p for p in changed if is_item(p) and p not in tree)
    return selected, governance, removed


def repo_paths(root: Path, args: Sequence[str]) -> list[str]:
    """Command-line paths (relative to the current folder) as repository paths."""
    out: list[str] = []
    here = Path.cwd()
    for arg in args:
        full = (here / arg).resolve() if not Path(arg).is_absolute() else Path(arg).resolve()
        try:
            out.append(full.relative_to(root.resolve()).as_posix())
        except ValueError:
            raise ApprovalError(_("{arg} is outside the site repository {root}", arg=arg, root=root)) from None
    return out


def open_site(root: Path) -> Git:
    """The site's repository; the site must be the top folder of its git repository."""
    git = Git.discover(root)
    if git.root.resolve() != root.resolve():
        raise ApprovalError(_("the site {root} must be the top folder of its git repository ({root2})",
                              root=root, root2=git.root))
    return git


def item_digest_at(root: Path, path: str, rev: str = "HEAD") -> str:
    """The digest an approval of ``path`` at ``rev`` names: the item and every file it references."""
    git = Git(root)
    tree = {e.path: e for e in git.ls_tree(rev)}
    if path not in tree:
        raise ApprovalError(_("{path} is not in {rev}", path=path, rev=rev))
    files = Files(git, tree, ItemCache(None))
    info = files.info([path])[path]
    return files.digests({path: files.existing([path, *info.refs])})[path]


def cache_root(root: Path, tree: Mapping[str, TreeEntry], enabled: bool) -> Path | None:
    """The machine's own cache folder (``None`` when caches are off): never one the repository supplies (a
    committed folder or a symbolic link would let a branch ship forged signature verdicts; warta then keeps
    its caches elsewhere and warns: :func:`~pipeline.cachedir.ensure_local_cache`)."""
    if not enabled:
        return None
    shipped = next((p for p in tree if p == CACHE_DIRNAME or p.startswith(CACHE_DIRNAME + "/")), None)
    folder = ensure_local_cache(root, shipped=shipped)
    try:
        # the folder ignores itself, so that 'git add -A' in a site without a .gitignore never commits it
        folder.mkdir(exist_ok=True)
        ignore = folder / ".gitignore"
        if not ignore.is_file():
            ignore.write_text("# local caches of warta: never commit them\n*\n", encoding="utf-8")
    except OSError:
        pass  # a cache that cannot be written only costs time
    return folder
