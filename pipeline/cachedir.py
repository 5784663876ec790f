"""The one rule every cache obeys: caches are local scratch, never something the repository supplies.

Caches hold verdicts (signatures), rendered HTML, compiled templates (which Jinja unpickles) and image
derivatives. A cache committed to the repository, or a ``.warta-cache`` symlink pointing at committed
files, would let content decide what warta believes or even run code in the publish job. Every command
that reads a cache asks :func:`ensure_local_cache` for its cache folder and reads and writes only below
the folder it returns:

- ``<root>/.warta-cache`` when it is the machine's own (a real folder, or not there yet, with nothing
  of it tracked by git);
- otherwise (committed, a symbolic link, not a folder) warta never reads or writes through it: it keeps
  its caches in ``warta-cache/`` inside the clone's git directory (``git rev-parse --absolute-git-dir``,
  which no commit can supply), or in an empty temporary folder for this run outside a git repository,
  and warns once (:func:`pipeline.output.warn`: stderr, and the ``warnings`` of ``--json``) that the
  committed file is ignored and should be removed. A committed file can thus never stop an approved
  release from going out, and never decides what warta believes.

The path constants below are relative to that folder: ``ensure_local_cache(root) / RENDER_CACHE``.
"""

from __future__ import annotations

import atexit
import contextlib
import shutil
import tempfile
from pathlib import Path

from pipeline import output
from pipeline.git import Git
from pipeline.i18n import _

CACHE_DIRNAME = ".warta-cache"  # the cache folder in the work tree (when it is the machine's own)
SCRATCH_DIRNAME = "warta-cache"  # the cache folder inside the git directory, when the work tree's is not usable
# Every cache of warta, by what it holds (paths relative to the folder ensure_local_cache returns).
# Name caches here only.
MEDIA_CACHE = "media"  # image derivatives and source inspections
RENDER_CACHE = "site/render.sqlite"  # rendered Markdown bodies
JINJA_CACHE = "site/jinja"  # compiled theme templates
PAGES_CACHE = "site/pages"  # keys of the pages of each output folder (page reuse)
SITE_TRASH = "site/trash"  # replaced output folders, deleted in the background
PAGEFIND_CACHE = "site/pagefind"  # the kept search bundles by key (site/search_cache.py)
REPORT_CACHE = "report"  # the figures of warta report by HEAD and register (report/)
PUBLISH_CACHE = "publish"  # the closed-world trees of warta publish
PUBLISH_LOCK = f"{PUBLISH_CACHE}.lock"  # one warta publish at a time in a clone
LAST_BUILD_CACHE = f"{PUBLISH_CACHE}/last-build.json"  # the inputs and result of the last publish build
LAST_DEPLOY_CACHE = f"{PUBLISH_CACHE}/last-deploy.json"  # what the last local deploy of publish left live
DEPLOY_CACHE = "deploy"  # what each deploy target holds
APPROVALS_CACHE = "approvals"  # parsed items and digests by blob id
PREVIEW_DIGESTS = "preview/digests.json"  # working-tree digests by file status (site/preview_digests.py)
HISTORY_CACHE = "history"  # the index of main's history
SIGNATURES_CACHE = "signatures"  # git's signature verdicts by commit id (approvals/signing.py)
STATUS_CACHE = "status"  # blob ids of items that cannot be embargoed (warta status)
ITEM_CHECKS_CACHE = "check/items.pickle"  # one-item check findings by content (checkcache.py)
SET_CHECKS_CACHE = "check/sets.pickle"  # what the check found in the items warta status shows (checkcache.py)
ITEMS_CACHE = "items/parsed.pickle"  # parsed content items by content (itemcache.py)
ROUTES_CACHE = f"{STATUS_CACHE}/routes.json"  # the channels of each item by blob id (channels/routing.py)
REGISTER_CACHE = "register/records.json"  # parsed archive records by blob id (archive/register_cache.py)
TAG_OBJECTS_CACHE = "register/tag-objects.json"  # what each arsip/* tag object says (archive/tag_list.py)
REGISTER_STAGE = "register-branch/stage"  # the register branch's files while publish writes them
REGISTER_INDEX = "register-branch/index"  # the git index its commits are built with
REGISTER_SEEN = "register-branch/pushed.json"  # the tip this clone (or CI's cache) last pushed

_known: dict[Path, tuple[tuple[int, ...], Path, str | None]] = {}  # folder -> (stamp, answer, warning)
_temporary: dict[Path, Path] = {}  # outside a git repository: this run's empty scratch folder by root


def ensure_local_cache(root: Path, *, shipped: str | None = None) -> Path:
    """The cache folder of the site at ``root``: ``root/.warta-cache`` when it is the machine's own, else a
    scratch folder the repository cannot supply (see the module docstring), with a warning. ``shipped``:
    a path of ``.warta-cache/`` that the revision being judged commits (the caller read its tree)."""
    folder = root / CACHE_DIRNAME
    stamp = _stamp(root, folder) if shipped is None else None
    known = _known.get(folder) if stamp is not None else None
    if known is not None and known[0] == stamp:
        chosen, warning = known[1], known[2]
    else:
        problem = _supplied(root, folder, shipped)
        chosen, warning = folder, None
        if problem is not None:
            chosen = _scratch(root)
            warning = _("{problem}: warta ignores it (a cache must never come from the repository) and keeps its "
                        "caches in {scratch}; remove it ('git rm -r --cached {cache_dirname}', commit, and delete "
                        "the file)", problem=problem, scratch=chosen, cache_dirname=CACHE_DIRNAME)
        if stamp is not None:
            _known[folder] = (stamp, chosen, warning)
    if warning is not None:
        output.warn(warning)
    return chosen


def _stamp(root: Path, folder: Path) -> tuple[int, ...] | None:
    """What the answer for ``folder`` depends on, cheaply: the folder's own entry and git's index (which
    every commit and checkout rewrites). None (ask git every time): no ``.git`` folder with an index."""
    try:
        index = (root / ".git" / "index").stat()
    except OSError:
        return None
    try:
        entry = folder.lstat()
        own = (entry.st_ino, entry.st_mode, entry.st_mtime_ns)
    except FileNotFoundError:
        own = (0, 0, 0)
    except OSError:
        return None
    return (index.st_ino, index.st_size, index.st_mtime_ns, *own)


def _supplied(root: Path, folder: Path, shipped: str | None) -> str | None:
    """Why ``folder`` may come from the repository (a sentence naming it), or None when it is local scratch."""
    if folder.is_symlink():
        return _("{folder} is a symbolic link (to {readlink})", folder=folder, readlink=folder.readlink())
    if folder.exists() and not folder.is_dir():
        return _("{folder} is not a folder", folder=folder)
    if (root / ".git").exists():
        proc = Git(root).run("ls-files", "-z", "--", CACHE_DIRNAME, check=False)
        tracked = [p for p in proc.stdout.decode("utf-8", "replace").split("\0") if p]
        if tracked:
            more = len(tracked) - 1
            return _("{folder} is committed to the repository ({first}{more})", folder=folder, first=tracked[0],
                     more=_(" and {n} more", n=more) if more else "")
    if shipped is not None:  # (a checkout of that revision said so above, in the same words as every command)
        return _("{folder} is committed in the revision being judged ({shipped})", folder=folder, shipped=shipped)
    return None


def _scratch(root: Path) -> Path:
    """``warta-cache/`` in the git directory of ``root``; an empty temporary folder for this run outside one."""
    if (root / ".git").exists():
        proc = Git(root).run("rev-parse", "--absolute-git-dir", check=False)
        git_dir = Path(proc.stdout.decode("utf-8", "replace").strip()) if proc.returncode == 0 else None
        if git_dir is not None and git_dir.is_dir() and not git_dir.is_symlink():
            scratch = git_dir / SCRATCH_DIRNAME
            if not scratch.is_symlink() and (scratch.is_dir() or not scratch.exists()):
                with contextlib.suppress(OSError):  # a git directory it cannot write: a folder for this run
                    scratch.mkdir(exist_ok=True)
                    return scratch
    key = root.resolve()
    if key not in _temporary:
        _temporary[key] = Path(tempfile.mkdtemp(prefix="warta-cache-"))
        atexit.register(shutil.rmtree, _temporary[key], True)
    return _temporary[key]


def existing_cache(root: Path) -> Path | None:
    """The cache folder of :func:`ensure_local_cache` when it exists (the caches that are kept only where the
    site keeps one), else None."""
    folder = ensure_local_cache(root)
    return folder if folder.is_dir() else None
