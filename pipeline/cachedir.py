"""The one rule every cache obeys: ``.warta-cache/`` is local scratch, never something the repository supplies.

Caches hold verdicts (signatures), rendered HTML, compiled templates (which Jinja unpickles) and image
derivatives. A cache committed to the repository, or a ``.warta-cache`` symlink pointing at committed
files, would let content decide what warta believes or even run code in the publish job. Every command
that reads a cache calls :func:`ensure_local_cache` first and fails closed.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import ConfigError
from pipeline.git import Git
from pipeline.i18n import _

CACHE_DIRNAME = ".warta-cache"
# Every cache of warta, by what it holds (paths relative to the repository root). Name caches here only.
MEDIA_CACHE = f"{CACHE_DIRNAME}/media"  # image derivatives and source inspections
RENDER_CACHE = f"{CACHE_DIRNAME}/site/render.sqlite"  # rendered Markdown bodies
JINJA_CACHE = f"{CACHE_DIRNAME}/site/jinja"  # compiled theme templates
PAGES_CACHE = f"{CACHE_DIRNAME}/site/pages"  # keys of the pages of each output folder (page reuse)
SITE_TRASH = f"{CACHE_DIRNAME}/site/trash"  # replaced output folders, deleted in the background
PUBLISH_CACHE = f"{CACHE_DIRNAME}/publish"  # the closed-world trees of warta publish
LAST_BUILD_CACHE = f"{PUBLISH_CACHE}/last-build.json"  # the inputs and result of the last publish build
LAST_DEPLOY_CACHE = f"{PUBLISH_CACHE}/last-deploy.json"  # what the last local deploy of publish left live
DEPLOY_CACHE = f"{CACHE_DIRNAME}/deploy"  # what each deploy target holds
APPROVALS_CACHE = f"{CACHE_DIRNAME}/approvals"  # parsed items and digests by blob id
PREVIEW_DIGESTS = f"{CACHE_DIRNAME}/preview/digests.json"  # working-tree digests by file status (site/preview_digests.py)
HISTORY_CACHE = f"{CACHE_DIRNAME}/history"  # the index of main's history
SIGNATURES_CACHE = f"{CACHE_DIRNAME}/signatures"  # git's signature verdicts by commit id (approvals/signing.py)
STATUS_CACHE = f"{CACHE_DIRNAME}/status"  # blob ids of items that cannot be embargoed (warta status)
ITEM_CHECKS_CACHE = f"{CACHE_DIRNAME}/check/items.pickle"  # one-item check findings by content (checkcache.py)
ITEMS_CACHE = f"{CACHE_DIRNAME}/items/parsed.pickle"  # parsed content items by content (itemcache.py)
ROUTES_CACHE = f"{STATUS_CACHE}/routes.json"  # the channels of each item by blob id (channels/routing.py)
REGISTER_CACHE = f"{CACHE_DIRNAME}/register/records.json"  # parsed archive records by blob id (archive/register_cache.py)
TAG_OBJECTS_CACHE = f"{CACHE_DIRNAME}/register/tag-objects.json"  # what each arsip/* tag object says (archive/tag_list.py)
REGISTER_STAGE = f"{CACHE_DIRNAME}/register-branch/stage"  # the register branch's files while publish writes them
REGISTER_INDEX = f"{CACHE_DIRNAME}/register-branch/index"  # the git index its commits are built with
REGISTER_SEEN = f"{CACHE_DIRNAME}/register-branch/pushed.json"  # the tip this clone (or CI's cache) last pushed


def ensure_local_cache(root: Path) -> Path:
    """``root/.warta-cache`` if it is safe to use; :class:`ConfigError` when the repository could supply it."""
    folder = root / CACHE_DIRNAME
    if folder.is_symlink():
        raise ConfigError(_("{cache_dirname} is a symbolic link ({folder} -> {readlink}): caches must be local scratch; "
                            "remove the link (git rm {cache_dirname}) and run again",
                            cache_dirname=CACHE_DIRNAME, folder=folder, readlink=folder.readlink()))
    if folder.exists() and not folder.is_dir():
        raise ConfigError(_("{cache_dirname} is not a folder: remove it and run again", cache_dirname=CACHE_DIRNAME))
    if (root / ".git").exists():
        proc = Git(root).run("ls-files", "-z", "--", CACHE_DIRNAME, check=False)
        tracked = [p for p in proc.stdout.decode("utf-8", "replace").split("\0") if p]
        if tracked:
            more = len(tracked) - 1
            raise ConfigError(_("{cache_dirname}/ is committed to the repository ({first}{more}): caches must never come "
                                "from the repository; remove them with 'git rm -r --cached {cache_dirname}', commit, "
                                "and run again", cache_dirname=CACHE_DIRNAME, first=tracked[0],
                                more=_(" and {n} more", n=more) if more else ""))
    return folder
