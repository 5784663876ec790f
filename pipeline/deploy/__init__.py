"""Deploy targets: put the built site where readers get it, atomically, uploading only what changed.

One entry point, :func:`deploy`, for the four targets of ``warta.yml`` ``deploy.target``:

- ``local`` (default): a folder (``deploy.path``, ``_site``) swapped in by one symlink rename
  (:mod:`pipeline.deploy.local`); ``warta serve`` serves it.
- ``rsync``: a web server over SSH, same swap on the server (:mod:`pipeline.deploy.rsync`).
- ``s3``: an S3-compatible bucket, changed objects only, deletions last (:mod:`pipeline.deploy.s3`).
- ``pages``: plain files in ``deploy.path`` for the workflow's GitHub Pages steps (:mod:`pipeline.deploy.pages`).

Every target leaves the live site whole when a run fails or is killed, and the next run finishes the
work. ``docs/archive.md`` ("Deploy targets") is the reader's version.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.config import DeploySection
from pipeline.deploy.common import DeployResult, Progress
from pipeline.errors import ConfigError
from pipeline.i18n import _

if TYPE_CHECKING:  # the module itself is imported only when it is the target
    from pipeline.deploy.local import Deployed

__all__ = ["DeployResult", "Progress", "deploy"]


def deploy(
    site_dir: Path,
    target: DeploySection,
    state_dir: Path,
    *,
    root: Path | None = None,
    env: Mapping[str, str] | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    known: Deployed | None = None,
) -> DeployResult:
    """Deploy the built site in ``site_dir`` to ``target``.

    ``state_dir`` is warta's scratch space for the target (``.warta-cache/deploy``: the SSH key file
    lives there during an rsync run). ``root`` resolves a relative ``deploy.path`` (default: the
    current folder). ``env`` supplies secrets (default: ``os.environ``). With ``dry_run`` nothing
    changes and the result says what would. ``known``: the ``local`` target's record of its last deploy
    (:class:`~pipeline.deploy.local.Deployed`: pairs of files it need not compare).
    Raises :class:`~pipeline.errors.ChannelError` on failure.
    """
    # each target's module is imported only when it is the target (boto3 alone takes ~0.5 s to import)
    if target.target == "local":
        from pipeline.deploy.local import deploy_local

        live = Path(target.path)
        if not live.is_absolute():
            live = (root or Path.cwd()) / live
        return deploy_local(site_dir, live, dry_run=dry_run, progress=progress, known=known)
    if target.target == "pages":
        from pipeline.deploy.pages import deploy_pages

        folder = Path(target.path)
        if not folder.is_absolute():
            folder = (root or Path.cwd()) / folder
        return deploy_pages(site_dir, folder, dry_run=dry_run, progress=progress)
    if target.target == "rsync":
        from pipeline.deploy.rsync import deploy_rsync

        if not target.rsync_destination:
            raise ConfigError(_("deploy.rsync_destination: target 'rsync' needs user@host:/path"))
        return deploy_rsync(site_dir, target.rsync_destination, state_dir, env=env, dry_run=dry_run,
                            progress=progress)
    if target.target == "s3":
        from pipeline.deploy.s3 import deploy_s3

        if not target.s3_bucket:
            raise ConfigError(_("deploy.s3_bucket: target 's3' needs a bucket name"))
        return deploy_s3(site_dir, target.s3_bucket, prefix=target.s3_prefix, endpoint=target.s3_endpoint,
                         env=env, dry_run=dry_run, progress=progress)
    raise ConfigError(_("deploy.target: unknown target '{target}'", target=target.target))
