"""The output folder of a build: refused when warta did not write it, replaced whole, recovered after a kill."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from pipeline.cachedir import CACHE_DIRNAME
from pipeline.errors import BuildError
from pipeline.i18n import _

MARKER = ".warta-site"
MARKER_TEXT = "This folder is written by `warta build` and replaced whole on every build.\n"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _leftovers(output: Path, what: str) -> Iterator[tuple[Path, int]]:
    pattern = re.compile(rf"^\.{re.escape(output.name)}\.{what}-(\d+)-")
    if not output.parent.is_dir():
        return
    for entry in sorted(output.parent.iterdir()):
        m = pattern.match(entry.name)
        if m and entry.is_dir():
            yield entry, int(m.group(1))


# Run by the background deleter: every entry of the trash folder given, whoever put it there.
_EMPTY_TRASH = ("import os, shutil, sys\n"
                "for name in os.listdir(sys.argv[1]):\n"
                "    shutil.rmtree(os.path.join(sys.argv[1], name), ignore_errors=True)\n")
_DELETERS: list[subprocess.Popen[bytes]] = []  # kept referenced while they run


def discard(folder: Path, trash: Path | None) -> None:
    """Remove ``folder``: renamed into ``trash`` and deleted there by a background process, so a build
    never waits for the old site's thousands of files to be unlinked one by one. Deleted at once when
    there is no trash folder on the same file system."""
    if trash is not None:
        try:
            trash.mkdir(parents=True, exist_ok=True)
            slot = Path(tempfile.mkdtemp(prefix="old-", dir=trash))
            folder.rename(slot / "site")
        except OSError:
            pass
        else:
            try:
                _DELETERS[:] = [p for p in _DELETERS if p.poll() is None]
                _DELETERS.append(subprocess.Popen(
                    [sys.executable, "-c", _EMPTY_TRASH, str(trash)], stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=True, start_new_session=True))
            except OSError:
                shutil.rmtree(slot, ignore_errors=True)
            return
    shutil.rmtree(folder, ignore_errors=True)


def recover(output: Path, trash: Path | None = None) -> None:
    """Undo what a killed build left: its temporary folder, or a previous site set aside mid-swap."""
    for folder, pid in _leftovers(output, "previous"):
        if not _pid_alive(pid):
            if not output.exists():
                folder.rename(output)
            else:
                discard(folder, trash)
    for folder, pid in _leftovers(output, "building"):
        if not _pid_alive(pid):
            shutil.rmtree(folder, ignore_errors=True)


def check_output(root: Path, output: Path) -> None:
    """Refuse an output folder that would replace the repository or a folder warta did not write."""
    out = output.resolve()
    repo = root.resolve()
    if out == repo or out in repo.parents:
        raise BuildError(_("output {output} would replace the site repository; choose a folder inside it, such as _preview",
                           output=output))
    for protected in ("content", "sop", "theme", ".git", CACHE_DIRNAME):
        folder = repo / protected
        if out == folder or folder in out.parents:
            raise BuildError(_("output {output} is inside {folder}/; choose another folder, such as _preview",
                               output=output, folder=protected))
    if out.exists():
        if not out.is_dir():
            raise BuildError(_("output {output} exists and is not a folder", output=output))
        if any(out.iterdir()) and not (out / MARKER).is_file():
            raise BuildError(
                _("output {output} is a folder warta did not write (no {marker} in it); "
                  "refusing to replace it: empty it or choose another --output", output=output, marker=MARKER)
            )


def listing(folder: Path) -> tuple[list[str], int]:
    """The pages (``.html``) of a built folder, sorted, and how many files it holds: one ``scandir`` per
    folder and the type each entry's directory record gives (no ``stat`` per file, no path object per
    file). As :func:`os.walk` counts them: a symbolic link to a folder is neither followed nor counted."""
    pages: list[str] = []
    files = 0
    todo = [(str(folder), "")]
    while todo:
        path, prefix = todo.pop()
        with os.scandir(path) as entries:
            for entry in entries:
                if entry.is_dir():
                    if not entry.is_symlink():
                        todo.append((entry.path, prefix + entry.name + "/"))
                    continue
                files += 1
                if entry.name.endswith(".html"):
                    pages.append(prefix + entry.name)
    pages.sort()
    return pages, files


def swap(temp: Path, output: Path, trash: Path | None = None) -> None:
    """``temp`` becomes ``output``; the previous output is discarded (:func:`discard`)."""
    if not output.exists():
        temp.rename(output)
        return
    previous = Path(tempfile.mkdtemp(prefix=f".{output.name}.previous-{os.getpid()}-", dir=output.parent))
    previous.rmdir()
    output.rename(previous)
    try:
        temp.rename(output)
    except OSError:
        previous.rename(output)
        raise
    discard(previous, trash)
