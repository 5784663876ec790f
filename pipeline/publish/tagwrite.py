"""The register's ``arsip/*`` tags, made in bulk: a few git processes for any number of tags.

``git tag -s`` costs three processes a tag (git, ``ssh-keygen -Y sign``, the ref update inside git): a
first publish of 1,000 releases spent a third of its time there. :func:`make_tags` builds the same tag
objects git builds, byte for byte, with

1. one ``git var GIT_COMMITTER_IDENT`` with the signer's settings: the ``tagger`` line, exactly as git
   writes it (the name, the address, the time and the zone);
2. each tag's payload as ``git tag`` assembles it (``object``, ``type``, ``tag`` and ``tagger`` lines, a
   blank line, the message cleaned as git's ``stripspace`` cleans it);
3. one ``ssh-keygen -Y sign -n git -f <key> <file>…`` for all payloads (the very call git makes per
   tag, with more files: ed25519 and RSA signatures are deterministic, so each ``.sig`` is the one git's
   call would have written), appended to its payload as git appends it;
4. one ``git hash-object -t tag -w --stdin-paths`` writing the objects, whose ids are checked against
   the ids computed here;
5. one ``git update-ref --stdin`` moving every ref in a single transaction: ``create`` (refused when
   the tag exists, as ``git tag`` without ``-f`` refuses) or ``update`` for a tag the run may replace.

The tags are then what ``git tag -s`` would have made: ``git tag -v`` verifies them, and the register
reads them as before (:func:`pipeline.archive.trust.trusted_tags`). Without a publishing identity the
tags are annotated and unsigned, as ``git tag -a`` makes them.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import GitError
from pipeline.git import Git, clean_env
from pipeline.i18n import _

SIGN_BATCH = 256  # payload files per ssh-keygen call (bounded command lines)
_SHA = re.compile(r"^[0-9a-f]{40}$")
_SPACE = " \t\n\r"  # isspace() of git's own ctype (not \v or \f)


@dataclass(frozen=True)
class TagSpec:
    """One tag to make: ``name`` (without ``refs/tags/``), the commit it points at, its message, and
    whether a tag of that name may be replaced (``git tag -f``)."""

    name: str
    target: str
    message: str
    force: bool = False


def stripspace(text: str) -> str:
    """The message as ``git tag`` cleans it (git's ``strbuf_stripspace`` with comments stripped, its
    default): lines starting with ``#`` dropped, trailing white space of each line removed, runs of blank
    lines made one, none at the start or the end, every line ending in a newline."""
    out: list[str] = []
    blank = False
    for raw in text.split("\n"):
        if raw.startswith("#"):
            continue
        line = raw.rstrip(_SPACE)
        if not line:
            blank = bool(out)
            continue
        if blank:
            out.append("")
            blank = False
        out.append(line)
    return "".join(f"{line}\n" for line in out)


def payload(name: str, target: str, tagger: str, message: str) -> bytes:
    """The tag object ``git tag`` signs (and writes, when unsigned)."""
    return (f"object {target}\ntype commit\ntag {name}\ntagger {tagger}\n\n{stripspace(message)}").encode()


def object_id(data: bytes) -> str:
    return hashlib.sha1(b"tag %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def tagger_ident(git: Git, config: Mapping[str, str]) -> str:
    """The ``tagger`` value git would write now with ``config`` (name, address, time, zone)."""
    ident = git.run("var", "GIT_COMMITTER_IDENT", config=config).stdout.decode("utf-8", "surrogateescape").strip()
    if not ident or "\n" in ident:
        raise GitError(_("git var GIT_COMMITTER_IDENT gave no identity"))
    return ident


def sign_all(payloads: Sequence[bytes], key_file: Path) -> list[bytes]:
    """SSH signatures of ``payloads`` (namespace ``git``), as git's ``ssh-keygen -Y sign`` call writes them."""
    signatures: list[bytes] = []
    with tempfile.TemporaryDirectory(prefix="warta-tags-") as tmp:
        folder = Path(tmp)
        for start in range(0, len(payloads), SIGN_BATCH):
            files = []
            for n, data in enumerate(payloads[start:start + SIGN_BATCH], start):
                (folder / f"{n}").write_bytes(data)
                files.append(str(folder / f"{n}"))
            try:
                proc = subprocess.run(["ssh-keygen", "-Y", "sign", "-n", "git", "-f", str(key_file), *files],
                                      capture_output=True, env=clean_env(), stdin=subprocess.DEVNULL, check=False)
            except FileNotFoundError:
                raise GitError(_("ssh-keygen not found: warta publish signs the register with it (install "
                                 "openssh-client)")) from None
            if proc.returncode != 0:
                raise GitError(_("ssh-keygen could not sign the register's tags: {message}",
                                 message=proc.stderr.decode("utf-8", "replace").strip()))
            for file in files:
                signature = Path(f"{file}.sig").read_bytes().replace(b"\r\n", b"\n")
                if not signature.startswith(b"-----BEGIN SSH SIGNATURE-----"):
                    raise GitError(_("ssh-keygen wrote no signature for a register tag"))
                signatures.append(signature)
    return signatures


def make_tags(git: Git, specs: Sequence[TagSpec], config: Mapping[str, str], key_file: Path | None) -> list[str]:
    """Make every tag of ``specs`` (see the module docstring); ``key_file``: the publishing identity's
    private key (``None``: unsigned annotated tags). ``config``: the identity's (or the unsigned author's)
    git settings. Returns the names made, in order. Nothing is changed unless every tag can be made."""
    if not specs:
        return []
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise GitError(_("two register tags of the same name in one run: {name}",
                         name=next(n for n in names if names.count(n) > 1)))
    bad = [s.target for s in specs if not _SHA.match(s.target)]
    if bad:
        raise GitError(_("a register tag must point at a commit id, not {value!r}", value=bad[0]))
    _check_commits(git, {s.target for s in specs})
    tagger = tagger_ident(git, config)
    payloads = [payload(s.name, s.target, tagger, s.message) for s in specs]
    objects = payloads if key_file is None else [p + sig for p, sig in zip(payloads, sign_all(payloads, key_file),
                                                                           strict=True)]
    oids = _write_objects(git, objects)
    lines = "".join(f"{'update' if s.force else 'create'} refs/tags/{s.name} {oid}\n" for s, oid in zip(specs, oids,
                                                                                                         strict=True))
    git.run("update-ref", "--stdin", input=lines.encode("utf-8"), config=config)
    return names


def _check_commits(git: Git, targets: set[str]) -> None:
    """Every target is a commit of this repository (``git tag`` checks it too)."""
    wanted = sorted(targets)
    out = git.run("cat-file", "--batch-check=%(objectname) %(objecttype)",
                  input="".join(f"{t}\n" for t in wanted).encode()).stdout.decode("utf-8", "replace").splitlines()
    found = dict(line.split(" ", 1) for line in out if " " in line)
    missing = [t for t in wanted if found.get(t) != "commit"]
    if missing:
        raise GitError(_("a register tag must point at a commit; {value} is not one", value=missing[0][:12]))


def _write_objects(git: Git, objects: Sequence[bytes]) -> list[str]:
    """Write the tag objects with one ``git hash-object``; their ids (checked against ours)."""
    expected = [object_id(o) for o in objects]
    with tempfile.TemporaryDirectory(prefix="warta-tag-objects-") as tmp:
        paths = []
        for n, data in enumerate(objects):
            (Path(tmp) / f"{n}").write_bytes(data)
            paths.append(str(Path(tmp) / f"{n}"))
        out = git.run("hash-object", "-t", "tag", "-w", "--stdin-paths",
                      input="".join(f"{p}\n" for p in paths).encode("utf-8")).stdout.decode().split()
    if out != expected:
        raise GitError(_("git wrote the register's tags under other ids than warta computed"))
    return out
