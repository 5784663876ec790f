"""One workspace per command: the site's root, its repository, its configuration and its caches.

A command builds its :class:`Workspace` once and passes it down, so no stage opens the repository or
reads ``warta.yml`` again. Where the configuration comes from is the command's choice, made here once:

- :func:`Workspace.from_commit` reads ``warta.yml`` from git objects (``warta publish``: the working tree is
  never read; the run then judges by the *trusted* governance of its snapshot);
- :func:`Workspace.from_folder` reads the working tree (``warta check``, ``warta build --drafts``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.cachedir import ensure_local_cache
from pipeline.config import CONFIG_FILE, SiteConfig, load_config, parse_config
from pipeline.errors import ConfigError, UsageError
from pipeline.git import Git
from pipeline.i18n import _
from pipeline.tree import FileTree, GitTree, WorkTree


@dataclass(frozen=True)
class Workspace:
    root: Path
    git: Git
    config: SiteConfig
    tree: FileTree  # where the configuration was read: git objects at a commit, or the working tree
    cache: Path  # the machine's own .warta-cache (never one the repository supplies)

    @classmethod
    def open_git(cls, root: Path) -> Git:
        git = Git.discover(root)
        if git.root.resolve() != root.resolve():
            raise UsageError(_("the site {root} must be the top folder of its git repository ({root2})",
                               root=root, root2=git.root))
        return git

    @classmethod
    def from_commit(cls, root: Path, rev: str = "HEAD") -> Workspace:
        git = cls.open_git(root)
        cache = ensure_local_cache(root)
        sha = git.rev_parse(rev)
        if sha is None:
            raise UsageError(_("the repository has no commit yet: run warta init, or commit the site first"))
        tree = GitTree(git, sha)
        raw = tree.read(CONFIG_FILE)
        if raw is None:
            raise ConfigError(_("{config_file} is not in {rev} ({sha}): commit it first",
                                config_file=CONFIG_FILE, rev=rev, sha=sha[:12]))
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ConfigError(_("{config_file} in {sha} is not UTF-8 text ({reason})",
                                config_file=CONFIG_FILE, sha=sha[:12], reason=exc.reason)) from None
        return cls(root, git, parse_config(text, CONFIG_FILE), tree, cache)

    @classmethod
    def from_folder(cls, root: Path) -> Workspace:
        return cls(root, Git(root), load_config(root), WorkTree(root), ensure_local_cache(root))
