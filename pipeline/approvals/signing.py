"""SSH signing of approval records: key fingerprints, the allowed-signers file, the signer's setup, and
a content-addressed cache of git's signature verdicts.

The verdict is git's own (``%G?``, ``%GK``, ``%GS`` with ``gpg.ssh.allowedSignersFile``); warta writes the
allowed-signers file from ``sop/people.yaml`` (principal = the person's email) and then checks that the key
git reports is one of the *author's* keys in the ``people.yaml`` that governs the record (rule 5), so a
valid signature by somebody else's key never counts.

Git runs ``ssh-keygen`` twice for every signed commit it verifies (milliseconds each: minutes for a long
history), so :mod:`pipeline.sshsig` gives git's verdict in process for ed25519 and RSA signatures, and
git is asked only for the rest (other key types, unusual signatures; tests/test_sshsig.py checks the
two agree). Verdicts are cached in ``.warta-cache/signatures/`` keyed by commit id and the sha256 of
the allowed-signers file. A good verdict stays valid under a newer allowed-signers file as long as that
file still lists the key (whether the signature matches the key is a property of the immutable commit),
so adding a person does not make the whole history cold again.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.files import write_atomic
from pipeline.git import Git, Signature
from pipeline.i18n import N_, _
from pipeline.people import People
from pipeline.signers import signer_lines

CONFIGURE_KEY = N_(
    "configure an SSH signing key: ssh-keygen -t ed25519 (if you have no key), then "
    "git config user.signingkey ~/.ssh/id_ed25519.pub and git config gpg.format ssh, "
    "and add the public key to your entry's ssh_keys in sop/people.yaml"
)


def fingerprint(key_line: str) -> str | None:
    """``SHA256:<base64>`` of an OpenSSH public key line, as ``ssh-keygen -l`` and git print it."""
    parts = key_line.split()
    if len(parts) < 2:
        return None
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        return None
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def person_keys(people: People) -> dict[str, frozenset[str]]:
    """Email (casefolded) -> fingerprints of that person's listed keys."""
    out: dict[str, frozenset[str]] = {}
    for person in people.people:
        fps = {fp for fp in (fingerprint(k) for k in person.ssh_keys) if fp}
        out[person.email.casefold()] = frozenset(fps)
    return out


def allowed_signers(peoples: Iterable[People]) -> str:
    """The allowed-signers file for git: one line per (email, key) of every given people.yaml (oldest
    first: a key's valid_after/valid_before are the newest version's, pipeline.signers)."""
    return "".join(f"{line}\n" for line in signer_lines(peoples, identity=False))


# --------------------------------------------------------------------------------------------------
# the signer's own setup


@dataclass(frozen=True)
class SigningSetup:
    """How ``git commit -S`` would sign here: ``problem`` says what is missing, else ``None``."""

    format: str | None
    key: str | None
    public_key: str | None
    fingerprint: str | None
    problem: str | None


def signing_setup(git: Git) -> SigningSetup:
    """Read ``gpg.format`` and ``user.signingkey`` and find the public key they name."""
    fmt = git.config_get("gpg.format")
    key = git.config_get("user.signingkey")
    if fmt != "ssh" or not key:
        missing = []
        if not key:
            missing.append(_("user.signingkey is not set"))
        if fmt != "ssh":
            missing.append(_("gpg.format is {value} (must be ssh)", value=fmt or _("not set")))
        joined = _(" and ").join(missing)
        return SigningSetup(fmt, key, None, None, f"{joined}: {CONFIGURE_KEY}")
    public = _public_key(key, git.root)
    if public is None:
        return SigningSetup(fmt, key, None, None, None)  # ssh-agent or a private key: git will know
    return SigningSetup(fmt, key, public, fingerprint(public), None)


def _public_key(key: str, root: Path) -> str | None:
    if key.startswith("key::"):
        return key[5:].strip()
    if key.startswith(("ssh-", "ecdsa-", "sk-")):
        return key.strip()
    path = Path(os.path.expanduser(key))
    if not path.is_absolute():
        path = root / path
    for candidate in (path, path.with_name(path.name + ".pub")):
        try:
            text = candidate.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            continue
        if text.startswith(("ssh-", "ecdsa-", "sk-")):
            return text.splitlines()[0]
    return None


# --------------------------------------------------------------------------------------------------
# the verdict cache


class SignatureCache:
    """``.warta-cache/signatures/verdicts.json``: commit id -> git's verdict and the allowed-signers
    digest it was given under (see the module docstring for when a verdict is reused)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._verdicts: list[tuple[str, str, str, str]] = []  # (status, key, signer, signers digest)
        self._index: dict[tuple[str, str, str, str], int] = {}
        self._data: dict[str, int] = {}  # commit -> verdict number (few distinct verdicts: one per key)
        self._signatures: list[Signature] = []
        self._dirty = False
        if folder is not None:
            try:
                raw = json.loads((folder / "verdicts.json").read_text(encoding="utf-8"))
                if isinstance(raw, dict) and raw.get("version") == 2:
                    for entry in raw["table"]:
                        status, key, signer, extra = (str(x) for x in entry)  # ValueError if malformed
                        self._remember((status, key, signer, extra))
                    data = raw["verdicts"]
                    if isinstance(data, dict):
                        self._data = data
            except (OSError, ValueError, KeyError, TypeError):
                self._verdicts, self._index, self._data, self._signatures = [], {}, {}, []

    def _remember(self, verdict: tuple[str, str, str, str]) -> int:
        number = self._index.get(verdict)
        if number is None:
            number = self._index[verdict] = len(self._verdicts)
            self._verdicts.append(verdict)
            self._signatures.append(Signature(*verdict[:3]))
        return number

    def get(self, sha: str, signers_digest: str, listed: frozenset[str]) -> Signature | None:
        number = self._data.get(sha)
        if not isinstance(number, int) or not 0 <= number < len(self._verdicts):
            return None
        status, key, _, digest = self._verdicts[number]
        if digest == signers_digest or status == "N" or (status == "G" and key in listed):
            return self._signatures[number]
        return None

    def put(self, verdicts: Mapping[str, Signature], signers_digest: str) -> None:
        for sha, sig in verdicts.items():
            self._data[sha] = self._remember((sig.status, sig.key, sig.signer, signers_digest))
            self._dirty = True

    def save(self) -> None:
        if self.folder is None or not self._dirty:
            return
        with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
            write_atomic(self.folder / "verdicts.json",
                         json.dumps({"version": 2, "table": self._verdicts, "verdicts": self._data},
                                    separators=(",", ":")))


def verify_signatures(
    git: Git, shas: Iterable[str], peoples: Iterable[People], cache_root: Path | None,
    *, unsigned: Collection[str] = frozenset(),
) -> dict[str, Signature]:
    """Git's verdict on each commit's signature, from the cache where possible.

    The allowed-signers file is content-addressed under the cache folder (or a temporary folder).
    ``unsigned``: commits this process has already read and found without any signature
    (:func:`unsigned_commits`): their verdict is ``N`` without reading them again.
    """
    peoples = list(peoples)
    text = allowed_signers(peoples)
    digest = hashlib.sha256(text.encode()).hexdigest()
    listed = frozenset(fp for people in peoples for fps in person_keys(people).values() for fp in fps)
    cache = SignatureCache(cache_root / "signatures" if cache_root else None)
    wanted = list(dict.fromkeys(shas))
    result: dict[str, Signature] = {}
    missing: list[str] = []
    known: dict[str, Signature] = {}
    for sha in wanted:
        hit = cache.get(sha, digest, listed)
        if hit is not None:
            result[sha] = hit
        elif sha in unsigned:
            known[sha] = _UNSIGNED
        else:
            missing.append(sha)
    fresh = {**known, **_in_process(git, missing, text)}
    result.update(fresh)
    missing = [sha for sha in missing if sha not in fresh]
    if missing:
        with tempfile.TemporaryDirectory(prefix="warta-signers-") as tmp:
            file = Path(tmp) / f"allowed_signers.{digest[:16]}"
            file.write_text(text, encoding="utf-8")
            # git runs ssh-keygen for each commit: spread large batches over the processors
            workers = min(os.cpu_count() or 1, max(1, len(missing) // 200), 8)
            chunks = [missing[i::workers] for i in range(workers)]
            if workers == 1:
                asked = git.signatures(missing, file)
            else:
                from concurrent.futures import ThreadPoolExecutor  # imported here for start-up time (rarely used)

                asked = {}
                with ThreadPoolExecutor(workers) as pool:
                    for part in pool.map(lambda chunk: git.signatures(chunk, file), chunks):
                        asked.update(part)
        fresh.update(asked)
        result.update(asked)
    if fresh:
        cache.put(fresh, digest)
        cache.save()
    return result


def _in_process(git: Git, shas: list[str], allowed_text: str, batch: int = 4096) -> dict[str, Signature]:
    """git's verdicts that :mod:`pipeline.sshsig` can give without git (the commits it cannot judge are
    left out), reading the commit objects in batches through one ``git cat-file --batch`` each. Many
    commits (a cold history) are shared out between forked processes, one per processor: the time is the
    signature arithmetic itself."""
    if not shas:
        return {}
    # the first batch is read here: a history whose first commits carry no signature at all is judged
    # in this process (no fork, no cryptography for them); otherwise the rest is shared out
    head, rest = shas[:batch], shas[batch:]
    judge = _Judging(allowed_text)
    raws = git.read_blobs(head)
    signed = any(not _unsigned(raw) for raw in raws.values())
    workers = min(os.cpu_count() or 1, 4, len(rest) // PARALLEL_FROM) if signed else 0
    if workers < 2 or threading.active_count() > 1:  # fork only a process with no other thread
        return {**judge.verdicts(raws), **_verdicts_of(git.root, git.executable, rest, allowed_text, batch)}
    import multiprocessing  # imported here for start-up time: only a cold history gets here

    parts = [rest[i::workers] for i in range(workers)]
    found: dict[str, Signature] | None = None
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            pending = pool.starmap_async(_verdicts_of, [(git.root, git.executable, chunk, allowed_text, batch)
                                                        for chunk in parts])
            found = judge.verdicts(raws)  # this process judges the first batch meanwhile
            for part in pending.get():
                found.update(part)
            return found
    except (OSError, ValueError):  # no fork here: one process
        return {**(found if found is not None else judge.verdicts(raws)),
                **_verdicts_of(git.root, git.executable, rest, allowed_text, batch)}


def unsigned_commits(git: Git, shas: Iterable[str], batch: int = 4096) -> set[str]:
    """The commits among ``shas`` whose objects carry no signature header at all (read here, ``batch`` at
    a time through ``git cat-file --batch``): git's verdict on each is ``N`` whatever the allowed signers
    say."""
    wanted = list(shas)
    found: set[str] = set()
    for start in range(0, len(wanted), batch):
        found.update(sha for sha, raw in git.read_blobs(wanted[start:start + batch]).items() if _unsigned(raw))
    return found


def _unsigned(raw: bytes) -> bool:
    """A commit object that carries no signature header at all: git's verdict on it is ``N`` whatever the
    allowed signers say. Any header starting ``gpgsig`` (``gpgsig``, ``gpgsig-sha256``) is judged."""
    return raw.startswith(b"tree ") and b"\ngpgsig" not in raw.partition(b"\n\n")[0]


PARALLEL_FROM = 4000  # commits per extra process: below that, forking costs more than it saves
_UNSIGNED = Signature("N", "", "")  # git's %G? of a commit without a signature


class _Judging:
    """Verdicts on commit objects: ``N`` for those without a signature, :mod:`pipeline.sshsig` for the
    others (imported, and the allowed signers parsed, only when a signed commit comes); what neither can
    say is left out (git is asked)."""

    def __init__(self, allowed_text: str) -> None:
        self.text = allowed_text
        self.allowed: Any = None
        self.parsed = False

    def verdicts(self, raws: Mapping[str, bytes]) -> dict[str, Signature]:
        found: dict[str, Signature] = {}
        for sha, raw in raws.items():
            if _unsigned(raw):
                found[sha] = _UNSIGNED
                continue
            if not self.parsed:
                from pipeline import sshsig  # imported here for start-up time: cryptography is needed only cold

                self.allowed, self.parsed, self.sshsig = sshsig.parse_allowed_signers(self.text), True, sshsig
            if self.allowed is None:
                continue
            verdict = self.sshsig.commit_verdict(raw, self.allowed)
            if verdict is not None:
                found[sha] = verdict
        return found


def _verdicts_of(root: Path, executable: str, shas: list[str], allowed_text: str, batch: int) -> dict[str, Signature]:
    git = Git(root, executable)
    judge = _Judging(allowed_text)
    found: dict[str, Signature] = {}
    for start in range(0, len(shas), batch):
        found.update(judge.verdicts(git.read_blobs(shas[start:start + batch])))
    return found


def tag_verdicts(git: Git, oids: list[str], allowed_text: str) -> dict[str, Signature]:
    """Git's verdicts (``%G?`` letters: ``git verify-tag`` succeeds exactly on ``G``) on the annotated tags
    :mod:`pipeline.sshsig` can judge; the others are left out (ask ``git verify-tag``)."""
    if not oids:
        return {}
    from pipeline import sshsig  # imported here for start-up time: cryptography is needed only cold

    allowed = sshsig.parse_allowed_signers(allowed_text)
    if allowed is None:
        return {}
    found: dict[str, Signature] = {}
    for oid, raw in git.read_blobs(oids).items():
        verdict = sshsig.tag_verdict(raw, allowed)
        if verdict is not None:
            found[oid] = verdict
    return found
