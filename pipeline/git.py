"""All of warta's git access: a thin layer over the git command line.

Every call runs ``git`` with a cleaned environment: variables that redirect git to another repository,
index or object store (``GIT_DIR``, ``GIT_WORK_TREE``, ``GIT_INDEX_FILE``, ...), inject configuration
(``GIT_CONFIG_PARAMETERS``, ``GIT_CONFIG_COUNT``) or an identity (``GIT_AUTHOR_*``) are dropped, so a hook
or a CI runner cannot point warta at something other than the repository it was started in. ``LC_ALL=C``
keeps messages parseable; replace objects are ignored (``GIT_NO_REPLACE_OBJECTS``) so ``refs/replace``
cannot swap a commit under the reader.

Bulk history is read by one process (:meth:`Git.log`), file contents by one ``git cat-file --batch``
(:meth:`Git.read_blobs`), signatures of many commits by one ``git log --no-walk --stdin``
(:meth:`Git.signatures`): never a process per commit.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from pipeline.errors import GitError
from pipeline.files import grow_pipe
from pipeline.i18n import _

# Variables that only choose how git talks to remotes or where its global/system config is: harmless,
# and tests need GIT_CONFIG_GLOBAL/NOSYSTEM to isolate themselves from the user's ~/.gitconfig.
_KEEP = frozenset({
    "GIT_EXEC_PATH", "GIT_SSH", "GIT_SSH_COMMAND", "GIT_SSH_VARIANT", "GIT_SSL_CAINFO", "GIT_SSL_NO_VERIFY",
    "GIT_HTTP_PROXY_AUTHMETHOD", "GIT_ALLOW_PROTOCOL", "GIT_ASKPASS",
    "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_NOSYSTEM",
})

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
_SHA = re.compile(rb"^[0-9a-f]{40}$")
_FIELDS = 9  # H P T an ae at cn ce ct, then the message
_PIPE_BYTES = 1 << 20


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment every git process runs with (see the module docstring)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") or k in _KEEP}
    env.pop("LANGUAGE", None)
    env.pop("WARTA_SIGNING_KEY", None)  # the publishing identity's key reaches no child (pipeline/identity.py)
    env["LC_ALL"] = "C"
    env["GIT_NO_REPLACE_OBJECTS"] = "1"
    # .git/info/grafts rewrites parents like refs/replace does; a graft could make an approval commit
    # that changes files look empty (approval rule 6). Point git at no graft file at all.
    env["GIT_GRAFT_FILE"] = os.devnull
    env["GIT_TERMINAL_PROMPT"] = "0"
    if extra:
        env.update(extra)
    return env


# Configuration that would change what a read command prints; pinned for every call.
_PINNED = (
    "-c", "log.showSignature=false",
    "-c", "core.quotePath=false",
    "-c", "color.ui=false",
    "-c", "diff.renames=false",
    "-c", "i18n.logOutputEncoding=UTF-8",
)


class Change(NamedTuple):
    """One file a commit changed (``--raw``): its new mode and blob id (``mode`` 000000 = deleted)."""

    path: str
    mode: str
    oid: str

    @property
    def deleted(self) -> bool:
        return self.mode == "000000"


class Commit(NamedTuple):
    """One commit as :meth:`Git.log` reads it (a named tuple: a history has tens of thousands).

    ``paths``: files the commit changed against its first parent (a root commit: every file). For a
    merge, only the files whose content differs from every parent (git's "dense combined" diff): what
    the merge itself introduced, not what the merged branch brought.
    """

    sha: str
    parents: tuple[str, ...]
    tree: str
    author_name: str
    author_email: str
    author_time: int
    committer_name: str
    committer_email: str
    committer_time: int
    message: str
    paths: tuple[str, ...] = ()
    changes: tuple[Change, ...] = ()

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1


@dataclass(frozen=True)
class Signature:
    """Git's verdict on a commit signature (``%G?``, ``%GK``, ``%GS``).

    ``status``: G good and the key is in the allowed-signers file; U good but the key is not listed;
    B bad; N none; E cannot be checked; X/Y expired; R revoked. ``key``: the key fingerprint
    (``SHA256:...`` for SSH). ``signer``: the allowed-signers principal (an email) for G.
    """

    status: str
    key: str
    signer: str

    @property
    def good(self) -> bool:
        return self.status == "G"


class TreeEntry(NamedTuple):
    mode: str
    type: str
    oid: str
    path: str


class Git:
    """One repository, addressed by its work-tree root."""

    def __init__(self, root: Path, executable: str = "git") -> None:
        self.root = root
        self.executable = executable

    @classmethod
    def discover(cls, start: Path) -> Git:
        """The repository holding ``start``; :class:`GitError` when there is none."""
        probe = cls(start)
        try:
            top = probe.text("rev-parse", "--show-toplevel").strip()
        except GitError:
            raise GitError(_("{start} is not inside a git repository: run 'git init' first", start=start)) from None
        return cls(Path(top))

    # ---------------------------------------------------------------------------------------------
    # running git

    def run(
        self,
        *args: str,
        input: bytes | None = None,
        config: Mapping[str, str] | None = None,
        env: Mapping[str, str] | None = None,
        check: bool = True,
    ) -> subprocess.CompletedProcess[bytes]:
        """Run ``git <args>`` in the repository; :class:`GitError` with git's message when it fails."""
        argv = [self.executable, *_PINNED]
        for key, value in (config or {}).items():
            argv += ["-c", f"{key}={value}"]
        argv += list(args)
        try:
            proc = subprocess.run(
                argv, cwd=self.root, input=input, capture_output=True, env=clean_env(env), check=False,
            )
        except FileNotFoundError:
            raise GitError(_("'{executable}' not found: install git (2.34 or newer)", executable=self.executable)) from None
        except NotADirectoryError:
            raise GitError(_("{root} is not a folder", root=self.root)) from None
        if check and proc.returncode != 0:
            message = proc.stderr.decode("utf-8", "replace").strip() or f"exit status {proc.returncode}"
            raise GitError(_("git {value} failed: {message}", value=args[0] if args else '', message=message))
        return proc

    def text(self, *args: str, input: bytes | None = None, check: bool = True) -> str:
        return self.run(*args, input=input, check=check).stdout.decode("utf-8", "surrogateescape")

    # ---------------------------------------------------------------------------------------------
    # small queries

    def rev_parse(self, rev: str) -> str | None:
        """The commit ``rev`` names, or ``None`` when it names none."""
        proc = self.run("rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}",
                        check=False)
        out = proc.stdout.strip()
        return out.decode() if proc.returncode == 0 and _SHA.match(out) else None

    def head(self) -> str | None:
        return self.rev_parse("HEAD")

    def current_branch(self) -> str | None:
        """The checked-out branch, ``None`` when HEAD is detached."""
        proc = self.run("symbolic-ref", "--quiet", "--short", "HEAD", check=False)
        if proc.returncode != 0:
            return None
        return proc.stdout.decode("utf-8", "surrogateescape").strip() or None

    def merge_base(self, a: str, b: str) -> str | None:
        proc = self.run("merge-base", a, b, check=False)
        out = proc.stdout.strip()
        return out.decode() if proc.returncode == 0 and _SHA.match(out) else None

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        return self.run("merge-base", "--is-ancestor", ancestor, descendant, check=False).returncode == 0

    def is_shallow(self) -> bool:
        return self.text("rev-parse", "--is-shallow-repository").strip() == "true"

    def config_get(self, key: str) -> str | None:
        proc = self.run("config", "--get", key, check=False)
        return proc.stdout.decode("utf-8", "replace").strip() if proc.returncode == 0 else None

    def branch_exists(self, name: str) -> bool:
        return self.run("show-ref", "--verify", "--quiet", f"refs/heads/{name}", check=False).returncode == 0

    def ls_tree(self, rev: str, paths: Sequence[str] = ()) -> list[TreeEntry]:
        """Every file (recursively) of ``rev``'s tree, limited to ``paths`` when given."""
        out = self.run("ls-tree", "-r", "-z", "--full-tree", rev, "--", *paths).stdout
        entries: list[TreeEntry] = []
        for record in out.split(b"\0"):
            if not record:
                continue
            meta, _tab, path = record.partition(b"\t")
            mode, kind, oid = meta.decode().split(" ")
            entries.append(TreeEntry(mode, kind, oid, path.decode("utf-8", "surrogateescape")))
        return entries

    def changed_paths(self, a: str, b: str, paths: Sequence[str] = ()) -> list[str]:
        """Files that differ between the trees of ``a`` and ``b`` (no rename detection)."""
        out = self.run("diff-tree", "-r", "-z", "--name-only", "--no-renames", a, b, "--", *paths).stdout
        return [p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p]

    def dirty_paths(self, paths: Sequence[str] = ()) -> list[str]:
        """Files with uncommitted changes (staged, unstaged or untracked), limited to ``paths``."""
        out = self.run("status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *paths,
                       env={"GIT_OPTIONAL_LOCKS": "0"}).stdout
        found: list[str] = []
        records = out.split(b"\0")
        i = 0
        while i < len(records):
            rec = records[i]
            i += 1
            if len(rec) < 4:
                continue
            found.append(rec[3:].decode("utf-8", "surrogateescape"))
            if rec[:1] in (b"R", b"C"):
                i += 1  # the rename's source follows
        return found

    def identity(self) -> tuple[str | None, str | None]:
        """``(user.name, user.email)`` from git's configuration (the person who acts)."""
        return self.config_get("user.name"), self.config_get("user.email")

    # ---------------------------------------------------------------------------------------------
    # bulk reads

    def read_blobs(self, oids: Iterable[str]) -> dict[str, bytes]:
        """The contents of many objects (by id or ``rev:path``) through one ``git cat-file --batch``.

        Missing objects are left out of the result.
        """
        wanted = list(dict.fromkeys(oids))
        if not wanted:
            return {}
        request = "".join(f"{o}\n" for o in wanted).encode("utf-8", "surrogateescape")
        out = self.run("cat-file", "--batch", input=request).stdout
        result: dict[str, bytes] = {}
        pos = 0
        for name in wanted:
            end = out.index(b"\n", pos)
            header = out[pos:end].split(b" ")
            pos = end + 1
            if len(header) == 3 and header[1] in (b"blob", b"tree", b"commit", b"tag"):
                size = int(header[2])
                result[name] = out[pos:pos + size]
                pos += size + 1
        return result

    def object_sizes(self, oids: Iterable[str]) -> dict[str, int]:
        """The size in bytes of many objects through one ``git cat-file --batch-check``."""
        wanted = list(dict.fromkeys(oids))
        if not wanted:
            return {}
        out = self.run("cat-file", "--batch-check", input="".join(f"{o}\n" for o in wanted).encode()).stdout
        sizes: dict[str, int] = {}
        for name, line in zip(wanted, out.decode().splitlines(), strict=True):
            parts = line.split()
            if len(parts) == 3 and parts[2].isdigit():
                sizes[name] = int(parts[2])
        return sizes

    def log(
        self,
        revs: Sequence[str],
        *,
        paths: Sequence[str] = (),
        first_parent: bool = False,
        name_only: bool = True,
        raw: bool = False,
        reverse: bool = True,
        merge_diffs: bool = True,
    ) -> list[Commit]:
        """Every commit reachable from ``revs`` (``^rev`` excludes), in topological order, oldest
        first when ``reverse``, read by one ``git log`` process (:meth:`iter_log`)."""
        return list(self.iter_log(revs, paths=paths, first_parent=first_parent, name_only=name_only, raw=raw,
                                  reverse=reverse, merge_diffs=merge_diffs))

    def iter_log(
        self,
        revs: Sequence[str],
        *,
        paths: Sequence[str] = (),
        first_parent: bool = False,
        name_only: bool = True,
        raw: bool = False,
        reverse: bool = True,
        merge_diffs: bool = True,
    ) -> Iterator[Commit]:
        """:meth:`log`, each commit as soon as git has written it (the caller works while git goes on);
        :class:`GitError` at the point where git failed, never a shorter history.

        ``name_only`` fills :attr:`Commit.paths`; ``raw`` (only with ``first_parent``) fills
        :attr:`Commit.changes` with each changed file's new blob id, against the first parent.
        ``merge_diffs=False`` leaves the paths of merges empty (git's combined diff of every merge is
        most of the cost of a long history): the caller asks :meth:`combined_paths` for the merges whose
        tree is none of their parents' trees (the others changed nothing themselves).

        Fields are separated by a random token chosen for this call, so no commit message or file name
        can forge a commit boundary or another commit's fields.
        """
        args, start, end = self._log_args(revs, paths=paths, first_parent=first_parent, name_only=name_only,
                                          raw=raw, reverse=reverse, merge_diffs=merge_diffs)
        yield from self._commits(self._stream(args, start), end, raw=raw, name_only=name_only)

    def start_log(self, revs: Sequence[str], *, merge_diffs: bool = True) -> Iterator[Commit]:
        """:meth:`iter_log` (changed files, topological order, oldest first) with git started now, not when
        the first commit is asked for: git walks the history (it writes nothing before the walk is done)
        while the caller does other work."""
        args, start, end = self._log_args(revs, paths=(), first_parent=False, name_only=True, raw=False,
                                          reverse=True, merge_diffs=merge_diffs)
        return self._commits(self._pieces(args, self._spawn(args), start), end, raw=False, name_only=True)

    @staticmethod
    def _log_args(revs: Sequence[str], *, paths: Sequence[str], first_parent: bool, name_only: bool, raw: bool,
                  reverse: bool, merge_diffs: bool) -> tuple[list[str], bytes, bytes]:
        """The arguments of :meth:`iter_log`'s ``git log`` and its markers (start of a commit, end of its
        fields)."""
        token = secrets.token_hex(16)
        start = f"\0{token}\0".encode()
        end = f"\0{token}.\0".encode()
        fmt = f"%x00{token}%x00%H%x00%P%x00%T%x00%an%x00%ae%x00%at%x00%cn%x00%ce%x00%ct%x00%B%x00{token}.%x00"
        args = ["log", "--topo-order", "--no-color", "--encoding=UTF-8", "-z", f"--format={fmt}"]
        if reverse:
            args.append("--reverse")
        if first_parent:
            args.append("--first-parent")
        if raw and not first_parent:
            raise ValueError(_("raw changes are read along the first-parent chain only"))
        if raw:
            args += ["--raw", "--no-abbrev", "--no-renames", "--root", "--diff-merges=first-parent"]
        elif name_only:
            args += ["--name-only", "--no-renames", "--root"]
            merges = "dense-combined" if merge_diffs else "off"
            args.append("--diff-merges=first-parent" if first_parent else f"--diff-merges={merges}")
        args += ["--end-of-options", *revs, "--", *paths]
        return args, start, end

    @staticmethod
    def _commits(pieces: Iterator[bytes], end: bytes, *, raw: bool, name_only: bool) -> Iterator[Commit]:
        """The commits of :meth:`iter_log`'s output, one per piece between the start markers."""
        end_text = end.decode()
        for chunk in pieces:
            if not raw:
                try:  # valid UTF-8 (nearly always): decoded once, as decoding each field gives
                    yield _commit_text(chunk.decode("utf-8"), end_text, name_only)
                    continue
                except UnicodeDecodeError:
                    pass
            head, sep, tail = chunk.partition(end)
            fields = head.split(b"\0", _FIELDS)
            if not sep or len(fields) != _FIELDS + 1 or not _SHA.match(fields[0]):
                raise GitError(_("git log printed something warta cannot read; is this git 2.34 or newer?"))
            sha, parents, tree, an, ae, at, cn, ce, ct, message = fields
            found: tuple[str, ...] = ()
            changes: tuple[Change, ...] = ()
            if tail[:1] == b"\0":
                tail = tail[1:]
            if tail[:1] == b"\n":
                tail = tail[1:]
            if raw:
                changes = tuple(_raw_changes(tail))
                found = tuple(c.path for c in changes)
            elif name_only and tail:
                found = tuple(p.decode("utf-8", "surrogateescape") for p in tail.split(b"\0") if p)
            yield Commit(
                sha.decode(), tuple(parents.decode().split()), tree.decode(),
                an.decode("utf-8", "replace"), ae.decode("utf-8", "replace"), int(at or 0),
                cn.decode("utf-8", "replace"), ce.decode("utf-8", "replace"), int(ct or 0),
                message.decode("utf-8", "replace"), found, changes,
            )

    def _stream(self, args: Sequence[str], start: bytes) -> Iterator[bytes]:
        """The pieces of ``git <args>``'s output between the ``start`` markers (what precedes the first
        is dropped), each as soon as the next marker has arrived: the caller parses one commit while git
        works on the next (a long history is read in about the time git alone takes)."""
        yield from self._pieces(args, self._spawn(args), start)

    def _spawn(self, args: Sequence[str]) -> tuple[subprocess.Popen[bytes], threading.Thread, list[bytes]]:
        """``git <args>`` started, its error output read by a thread."""
        argv = [self.executable, *_PINNED, *args]
        try:
            proc = subprocess.Popen(argv, cwd=self.root, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, env=clean_env(None))
        except FileNotFoundError:
            raise GitError(_("'{executable}' not found: install git (2.34 or newer)", executable=self.executable)) from None
        except NotADirectoryError:
            raise GitError(_("{root} is not a folder", root=self.root)) from None
        assert proc.stdout is not None and proc.stderr is not None
        errors: list[bytes] = []
        reader = threading.Thread(target=lambda: errors.append(proc.stderr.read()) if proc.stderr else None,
                                  daemon=True)
        reader.start()
        grow_pipe(proc.stdout.fileno(), _PIPE_BYTES)  # a larger pipe lets git run ahead (Linux)
        return proc, reader, errors

    @staticmethod
    def _pieces(args: Sequence[str], spawned: tuple[subprocess.Popen[bytes], threading.Thread, list[bytes]],
                start: bytes) -> Iterator[bytes]:
        """:meth:`_stream`'s pieces from a started git; :class:`GitError` when it fails."""
        proc, reader, errors = spawned
        assert proc.stdout is not None
        pending = b""
        first = True
        try:
            while block := os.read(proc.stdout.fileno(), _PIPE_BYTES):
                pieces = (pending + block).split(start)
                pending = pieces.pop()
                if first and pieces:
                    pieces = pieces[1:]
                    first = False
                yield from pieces
        finally:
            proc.stdout.close()
            code = proc.wait()
            reader.join()
        if code != 0:
            message = b"".join(errors).decode("utf-8", "replace").strip() or f"exit status {code}"
            raise GitError(_("git {value} failed: {message}", value=args[0] if args else '', message=message))
        if not first:
            yield pending

    def combined_paths(self, shas: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """For each merge in ``shas``: the files whose content differs from every parent (git's dense
        combined diff, as :meth:`log` reads it), through one ``git log --no-walk --stdin``."""
        wanted = list(dict.fromkeys(shas))
        if not wanted:
            return {}
        token = secrets.token_hex(16)
        start = f"\0{token}\0".encode()
        out = self.run(
            "log", "--no-walk=unsorted", "--stdin", "--no-color", "-z", f"--format=%x00{token}%x00%H%x00",
            "--name-only", "--no-renames", "--diff-merges=dense-combined",
            input="".join(f"{s}\n" for s in wanted).encode(),
        ).stdout
        found: dict[str, tuple[str, ...]] = {}
        for chunk in out.split(start)[1:]:
            sha, _sep, tail = chunk.partition(b"\0")
            if not _SHA.match(sha):
                raise GitError(_("git log printed something warta cannot read; is this git 2.34 or newer?"))
            if tail[:1] == b"\0":
                tail = tail[1:]
            if tail[:1] == b"\n":
                tail = tail[1:]
            found[sha.decode()] = tuple(p.decode("utf-8", "surrogateescape") for p in tail.split(b"\0") if p)
        if len(found) != len(wanted):
            raise GitError(_("git log printed something warta cannot read; is this git 2.34 or newer?"))
        return found

    def signatures(self, shas: Iterable[str], allowed_signers: Path) -> dict[str, Signature]:
        """Git's own signature verification of many commits in one process.

        ``allowed_signers`` is an ssh allowed-signers file (``gpg.ssh.allowedSignersFile``). Git runs
        ``ssh-keygen`` for each signed commit internally; callers cache the results.
        """
        wanted = list(dict.fromkeys(shas))
        if not wanted:
            return {}
        token = secrets.token_hex(16)
        fmt = f"%x00{token}%x00%H%x00%G?%x00%GK%x00%GS"
        out = self.run(
            "log", "--no-walk=unsorted", "--stdin", "--no-color", f"--format={fmt}",
            input="".join(f"{s}\n" for s in wanted).encode(),
            config={"gpg.ssh.allowedSignersFile": str(allowed_signers)},
        ).stdout
        result: dict[str, Signature] = {}
        for chunk in out.split(f"\0{token}\0".encode())[1:]:
            fields = chunk.rstrip(b"\n").split(b"\0")
            if len(fields) != 4 or not _SHA.match(fields[0]):
                raise GitError(_("git log printed a signature warta cannot read"))
            sha, status, key, signer = (f.decode("utf-8", "replace").strip() for f in fields)
            result[sha] = Signature(status or "N", key, signer)
        return result

    # ---------------------------------------------------------------------------------------------
    # writing

    def commit_empty(self, message: str, *, sign: bool, date: str | None = None) -> str:
        """Add a commit on top of HEAD with HEAD's tree (it changes no file) and move HEAD to it.

        Built with ``git commit-tree`` + ``git update-ref``, so neither the index (staged changes),
        hooks nor ``commit.template`` can slip into the record. ``sign`` signs it with the configured
        ``user.signingkey`` (``gpg.format ssh``). ``date`` (git date syntax) pins author and committer
        time, for demos.
        """
        head = self.head()
        if head is None:
            raise GitError(_("the repository has no commit yet"))
        tree = self.text("rev-parse", f"{head}^{{tree}}").strip()
        env = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date} if date else None
        proc = self.run(
            "commit-tree", tree, "-p", head, "-S" if sign else "--no-gpg-sign", "-F", "-",
            input=message.encode("utf-8"), env=env,
        )
        sha = proc.stdout.decode().strip()
        if not _SHA.match(sha.encode()):
            raise GitError(_("git commit-tree printed '{sha}' instead of a commit id", sha=sha))
        subject = message.splitlines()[0] if message.strip() else "approval record"
        self.run("update-ref", "-m", f"warta: {subject}", "HEAD", sha, head)
        return sha

    def commit_tree(self, tree: str, parents: Sequence[str], message: str) -> str:
        """A new unsigned commit object (no ref moves): ``tree`` with ``parents``."""
        args = ["commit-tree", tree, "--no-gpg-sign", "-F", "-"]
        for parent in parents:
            args += ["-p", parent]
        sha = self.run(*args, input=message.encode("utf-8")).stdout.decode().strip()
        if not _SHA.match(sha.encode()):
            raise GitError(_("git commit-tree printed '{sha}' instead of a commit id", sha=sha))
        return sha

    def update_ref(self, ref: str, new: str, old: str | None, reason: str) -> bool:
        """Move ``ref`` to ``new`` only if it still points at ``old`` (``None``: does not exist yet);
        ``False`` when somebody moved it in between."""
        expect = old if old is not None else "0" * 40
        return self.run("update-ref", "-m", reason, ref, new, expect, check=False).returncode == 0

    def remotes(self) -> list[str]:
        return [r for r in self.text("remote").split() if r]

    def create_branch(self, name: str, start: str) -> None:
        """Create branch ``name`` at ``start`` and switch to it (local changes are carried over)."""
        self.run("switch", "--quiet", "--create", name, start)


_SHA_TEXT = re.compile(r"^[0-9a-f]{40}$")


def _commit_text(chunk: str, end: str, name_only: bool) -> Commit:
    """One commit of :meth:`Git.iter_log` (not ``raw``) from its valid UTF-8 text: the values decoding
    each field of the bytes gives (``replace`` and ``surrogateescape`` only differ on invalid bytes)."""
    head, sep, tail = chunk.partition(end)
    fields = head.split("\0", _FIELDS)
    if not sep or len(fields) != _FIELDS + 1 or not _SHA_TEXT.match(fields[0]):
        raise GitError(_("git log printed something warta cannot read; is this git 2.34 or newer?"))
    sha, parents, tree, an, ae, at, cn, ce, ct, message = fields
    if tail[:1] == "\0":
        tail = tail[1:]
    if tail[:1] == "\n":
        tail = tail[1:]
    found = tuple(p for p in tail.split("\0") if p) if name_only and tail else ()
    return Commit(sha, tuple(parents.split()), tree, an, ae, int(at or 0), cn, ce, int(ct or 0), message, found, ())


def _raw_changes(tail: bytes) -> list[Change]:
    """The ``--raw -z`` records at the start of ``tail``: ``:old new oldid newid status\0path\0``."""
    changes: list[Change] = []
    tokens = tail.split(b"\0")
    for meta, path in zip(tokens[0::2], tokens[1::2], strict=False):
        if not meta.startswith(b":"):
            break
        _old_mode, new_mode, _old_oid, new_oid, _status = meta[1:].decode().split(" ")
        changes.append(Change(path.decode("utf-8", "surrogateescape"), new_mode, new_oid))
    return changes
