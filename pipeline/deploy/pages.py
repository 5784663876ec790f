"""Target ``pages``: the site left as plain files in ``deploy.path`` (``_site``) for GitHub Pages.

``warta publish`` cannot put a site on GitHub Pages itself: the publish workflow's next steps do, with
``actions/upload-pages-artifact`` (a tar of ``deploy.path``) and ``actions/deploy-pages`` (which switches
the live site to the new artifact in one step, or leaves the old one live when it fails). This target
writes the folder those steps upload: a complete copy of the built site, written beside the folder and
renamed into place, plus ``.nojekyll`` so Pages serves every file as it is (no Jekyll run, files and
folders starting with ``_`` kept). The result lists what differs from the folder a previous run left
(on a fresh runner: everything). The live site on Pages changes only in the deploy job, after
``warta publish`` has numbered and recorded, and ``warta announce`` runs only after that job, so nothing
is announced before the site is live (docs/ci.md).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from pipeline.deploy.common import DeployResult, Progress, same_file, site_files
from pipeline.errors import ChannelError
from pipeline.i18n import _

NOJEKYLL = ".nojekyll"


def _previous_files(folder: Path) -> set[str]:
    if not folder.is_dir() or folder.is_symlink():
        return set()
    return {(Path(d) / n).relative_to(folder).as_posix() for d, _, names in os.walk(folder) for n in names}


def deploy_pages(site_dir: Path, folder: Path, *, dry_run: bool = False,
                 progress: Progress | None = None) -> DeployResult:
    """Make ``folder`` a plain copy of ``site_dir`` (with ``.nojekyll``) for the Pages artifact."""
    files = site_files(site_dir)
    if NOJEKYLL in files:
        raise ChannelError(_("deploy: the built site already has {name}; it is warta's to write", name=NOJEKYLL))
    site_real = site_dir.resolve()
    if folder.exists() and (site_real == folder.resolve() or folder.resolve() in site_real.parents):
        raise ChannelError(_("deploy: the built site {site} is inside the Pages folder {folder}; build into another "
                             "folder (the publish run stages in _site.staging/)", site=site_dir, folder=folder))
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise ChannelError(_("deploy: {folder} is not a plain folder; move it away first (target 'pages' writes "
                             "plain files there for upload-pages-artifact)", folder=folder))
    before = _previous_files(folder)
    uploaded = [rel for rel, path in files.items() if rel not in before or not same_file(path, folder / rel)]
    unchanged = [rel for rel in files if rel not in uploaded]
    deleted = sorted(before - set(files) - {NOJEKYLL})
    location = str(folder)
    if dry_run:
        return DeployResult("pages", location, tuple(uploaded), tuple(deleted), tuple(unchanged), True)
    partial = folder.with_name(f".{folder.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    for rel, path in files.items():
        out = partial / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path.resolve(), out)
        if progress is not None and rel in uploaded:
            progress("upload", rel)
    (partial / NOJEKYLL).write_bytes(b"")
    old = folder.with_name(f".{folder.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        folder.rename(old)
    partial.rename(folder)
    shutil.rmtree(old, ignore_errors=True)
    return DeployResult("pages", location, tuple(uploaded), tuple(deleted), tuple(unchanged), False)
