"""The publishing identity: who ``warta publish`` signs the register as (DESIGN section 4, rule 12).

``sop/people.yaml`` may hold a ``pipeline:`` entry (name, email, the public ``ssh_keys``; no role). CI
passes its private key as the text of the environment variable ``WARTA_SIGNING_KEY``, available only to
runs on main (a protected environment). The key never meets code that renders content:

1. :func:`take_signing_key` removes the variable from the environment at the start of the run, so no
   child process (Pelican, image tools, ``git``) and no rendering code can read it, and writes the key
   into a private temporary file (folder ``0700``, file ``0600``) deleted when the process exits.
2. :func:`load_identity` checks that the key is one the trusted ``pipeline:`` entry lists.
3. :meth:`PublishingIdentity.commit` and :meth:`PublishingIdentity.tag` are the only users of that
   file: ``git commit``/``git tag`` with ``-c gpg.format=ssh -c user.signingkey=<file>`` and the
   identity's name and email, in git's cleaned environment (:func:`pipeline.git.clean_env`).

Register commit messages carry untrusted text (item paths, titles, later review bodies and platform
answers) only inside an encoded block (:func:`register_message`): base64 lines cannot form a
``Key: value`` trailer, so no title can inject ``Warta-*`` trailers into a commit signed by the identity.
"""

from __future__ import annotations

import atexit
import base64
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import textwrap
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pipeline.approvals.signing import fingerprint
from pipeline.errors import GitError, UsageError
from pipeline.git import Git, clean_env
from pipeline.i18n import _
from pipeline.people import PEOPLE_PATH, People, ssh_key_problem

SIGNING_KEY_ENV = "WARTA_SIGNING_KEY"
# Marks the run that took the key (a random token, no secret): a later call of take_signing_key in the
# same run finds the key again, a run in a fresh environment does not.
_SESSION_ENV = "WARTA_SIGNING_SESSION"
REGISTER_TRAILER = "Warta-Register"
RegisterKind = Literal["numbering", "record"]
REGISTER_KINDS: tuple[str, ...] = ("numbering", "record")
BLOCK_BEGIN = "----- BEGIN WARTA TEXT (base64 of UTF-8; never read as trailers) -----"
BLOCK_END = "----- END WARTA TEXT -----"
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


@dataclass(frozen=True)
class SigningKey:
    """The private key taken from ``WARTA_SIGNING_KEY``, in a private file, and its public key."""

    file: Path
    public: str  # "<type> <base64>"
    fingerprint: str


_sessions: dict[str, SigningKey] = {}


def _forget(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def _store(text: str) -> SigningKey:
    """Write the key text into a private file and derive its public key with ``ssh-keygen -y``."""
    folder = Path(tempfile.mkdtemp(prefix="warta-signing-"))  # mode 0700
    atexit.register(_forget, folder)
    file = folder / "key"
    body = text.replace("\r\n", "\n").strip() + "\n"
    fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(body)
    try:
        proc = subprocess.run(["ssh-keygen", "-y", "-P", "", "-f", str(file)], capture_output=True,
                              env=clean_env(), timeout=30, check=False, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        _forget(folder)
        raise UsageError(_("ssh-keygen not found: warta publish signs the register with it (install "
                           "openssh-client)")) from None
    public = proc.stdout.decode("utf-8", "replace").strip()
    parts = public.split()
    if proc.returncode != 0 or len(parts) < 2 or ssh_key_problem(public) is not None:
        _forget(folder)
        raise UsageError(_("{signing_key_env} does not hold an OpenSSH private key without a passphrase (the whole text "
                           "of the file ssh-keygen -t ed25519 wrote, from -----BEGIN to -----END)",
                           signing_key_env=SIGNING_KEY_ENV))
    line = f"{parts[0]} {parts[1]}"
    found = fingerprint(line)
    assert found is not None  # ssh_key_problem checked the base64
    return SigningKey(file, line, found)


def take_signing_key(environ: MutableMapping[str, str] | None = None) -> SigningKey | None:
    """Take ``WARTA_SIGNING_KEY`` out of ``environ`` (``os.environ`` by default): call this first thing
    in a run. Returns the key (in its private file), or ``None`` when none was given.

    Calling it again in the same run returns the same key (the variable is gone by then)."""
    env = os.environ if environ is None else environ
    text = env.pop(SIGNING_KEY_ENV, None)
    if text is not None and text.strip():
        key = _store(text)
        token = secrets.token_hex(16)
        _sessions[token] = key
        env[_SESSION_ENV] = token
        return key
    session = env.get(_SESSION_ENV)
    return _sessions.get(session) if session else None


@dataclass(frozen=True)
class PublishingIdentity:
    """The ``pipeline:`` entry with its private key: signs register commits and tags."""

    name: str
    email: str
    key: SigningKey

    def config(self) -> dict[str, str]:
        """``-c`` settings of every signing git call (they override the repository's own)."""
        return {
            "user.name": self.name, "user.email": self.email,
            "gpg.format": "ssh", "user.signingkey": str(self.key.file), "gpg.ssh.program": "ssh-keygen",
            "commit.gpgSign": "true", "tag.gpgSign": "true", "tag.forceSignAnnotated": "true",
            "core.hooksPath": os.devnull,
        }

    def commit(self, git: Git, message: str, paths: Sequence[str]) -> str:
        """Commit the staged changes of ``paths`` (already ``git add``-ed), signed; returns the commit.

        ``message`` is given as publish writes it (subject, blank line, body); see :func:`sealed`."""
        return _commit(git, sealed(message), paths, self.config())

    def tag(self, git: Git, name: str, message: str, sha: str, *, force: bool = False) -> None:
        """An annotated tag ``name`` on ``sha``, signed (``force`` replaces a tag of that name).

        Tag messages are read by people, never as trailers: the caller writes each untrusted value on
        one line (:func:`one_line`)."""
        _tag(git, name, message, sha, self.config(), force=force)


def load_identity(people: People, environ: MutableMapping[str, str] | None = None, *,
                  required: bool = True) -> PublishingIdentity | None:
    """The publishing identity of the trusted ``people`` with the key from ``WARTA_SIGNING_KEY``.

    ``None`` when ``people`` has no ``pipeline:`` entry and no key was given (publish then commits
    unsigned, as before; the caller warns). Refused (:class:`UsageError`, exit 2): a key that is not one
    the entry lists, a key without an entry, and, with ``required``, an entry without a key."""
    key = take_signing_key(environ)
    entry = people.pipeline
    if entry is None:
        if key is not None:
            raise UsageError(_("{signing_key_env} is set, but {people_path} has no pipeline: entry listing its public "
                               "key; add (approved by every signatory): pipeline: {{name: warta CI, email: <address>, "
                               'ssh_keys: ["{public} warta-publish"]}}',
                               signing_key_env=SIGNING_KEY_ENV, people_path=PEOPLE_PATH, public=key.public))
        return None
    if key is None:
        if required:
            raise UsageError(_("{people_path} names a publishing identity ({name} <{email}>), but {signing_key_env} is "
                               "not set: warta publish signs the register with that key and refuses to write it unsigned "
                               "(set the secret in the main branch's protected environment; see docs/archive.md)",
                               people_path=PEOPLE_PATH, name=entry.name, email=entry.email, signing_key_env=SIGNING_KEY_ENV))
        return None
    listed = {fingerprint(k) for k in entry.ssh_keys}
    if key.fingerprint not in listed:
        raise UsageError(_("the key in {signing_key_env} ({fingerprint}) is not one of the ssh_keys of the pipeline: "
                           "entry in {people_path} ({name} <{email}>): use the key that entry lists, or have every "
                           'signatory approve the new public key "{public}"',
                           signing_key_env=SIGNING_KEY_ENV, fingerprint=key.fingerprint, people_path=PEOPLE_PATH,
                           name=entry.name, email=entry.email, public=key.public))
    return PublishingIdentity(entry.name, entry.email, key)


# --------------------------------------------------------------------------------------------------
# messages


def one_line(text: str, limit: int | None = None) -> str:
    """``text`` as one line: control characters and line breaks become spaces; at most ``limit``."""
    flat = " ".join(_CONTROL.sub(" ", text).split())
    return flat if limit is None or len(flat) <= limit else flat[:limit - 1] + "…"


def register_kind(subject: str) -> RegisterKind:
    """Which register commit a publish message is: its publication record, or numbering."""
    return "record" if subject.startswith("Arsip: terbit") else "numbering"


def register_message(subject: str, text: str, kind: RegisterKind | None,
                     trailers: Sequence[tuple[str, str]] = ()) -> str:
    """A register message: a one-line ``subject``, ``text`` (untrusted) base64 in an encoded block,
    and, for a commit, the ``Warta-Register: <kind>`` trailer as the last paragraph, followed by
    ``trailers`` (warta's own values, e.g. ``Warta-Main: <sha>`` on the register branch)."""
    parts = [one_line(subject) or "Arsip"]
    body = text.strip("\n")
    if body:
        encoded = base64.b64encode(body.encode("utf-8")).decode("ascii")
        parts.append("\n".join([BLOCK_BEGIN, *textwrap.wrap(encoded, 76), BLOCK_END]))
    if kind is not None:
        parts.append("\n".join([f"{REGISTER_TRAILER}: {kind}", *(f"{k}: {one_line(v)}" for k, v in trailers)]))
    return "\n\n".join(parts) + "\n"


def sealed(message: str, kind: RegisterKind | None | Literal["auto"] = "auto",
           trailers: Sequence[tuple[str, str]] = ()) -> str:
    """``message`` as publish wrote it (subject line, then a body) turned into :func:`register_message`;
    ``kind`` ``"auto"`` reads it from the subject."""
    subject, _, body = message.partition("\n")
    chosen = register_kind(subject) if kind == "auto" else kind
    return register_message(subject, body, chosen, trailers)


def decode_block(message: str) -> str | None:
    """The text of the encoded block of a register message, or ``None`` when it has none."""
    lines = message.replace("\r\n", "\n").split("\n")
    try:
        start = lines.index(BLOCK_BEGIN)
        end = lines.index(BLOCK_END, start)
    except ValueError:
        return None
    try:
        return base64.b64decode("".join(lines[start + 1:end]), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None


# --------------------------------------------------------------------------------------------------
# unsigned commits and tags (a site without a pipeline: entry) and the git calls


UNSIGNED = {"commit.gpgSign": "false", "tag.gpgSign": "false", "core.hooksPath": os.devnull}


def _commit(git: Git, message: str, paths: Sequence[str], config: dict[str, str]) -> str:
    git.run("commit", "-q", "--no-verify", "-F", "-", "--", *paths, input=message.encode("utf-8"),
            config=config)
    sha = git.head()
    if sha is None:
        raise GitError(_("git commit made no commit"))
    return sha


def _tag(git: Git, name: str, message: str, sha: str, config: dict[str, str], *, force: bool) -> None:
    signed = config.get("tag.gpgSign") == "true"
    git.run("tag", "-s" if signed else "-a", *(["-f"] if force else []), "-F", "-", name, sha,
            input=message.encode("utf-8"), config=config)


def commit_unsigned(git: Git, message: str, paths: Sequence[str], config: dict[str, str]) -> str:
    """Like :meth:`PublishingIdentity.commit`, unsigned (no ``pipeline:`` entry): same message format."""
    return _commit(git, sealed(message), paths, {**config, **UNSIGNED})


def tag_unsigned(git: Git, name: str, message: str, sha: str, config: dict[str, str], *,
                 force: bool = False) -> None:
    _tag(git, name, message, sha, {**config, **UNSIGNED}, force=force)
