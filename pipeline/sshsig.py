"""SSH signatures of git commits (SSHSIG), verified in process exactly as git and ``ssh-keygen`` judge them.

Git verifies an SSH commit signature by running ``ssh-keygen`` twice per commit (milliseconds each: a
long signed history took minutes cold). This module gives git's own verdict (``%G?``, ``%GK``, ``%GS``) for
the signatures it understands, in process, with the ``cryptography`` package, and says "ask git"
(``None``) for everything else, so the verdict is always git's:

- the signature: the commit's one ``gpgsig`` header (other ``gpgsig*`` headers: ask git), the payload is
  the commit without it (git's ``parse_buffer_signed_by_header``); an SSHSIG armor as ``ssh-keygen -Y
  sign`` writes it (version 1, empty reserved field, hash ``sha512`` or ``sha256``);
- the keys done here: ``ssh-ed25519`` (signature ``ssh-ed25519``, ``S < L``) and ``ssh-rsa`` of 1,024 to
  16,384 bits (signatures ``rsa-sha2-256`` and ``rsa-sha2-512``). Any other key or signature type (ECDSA,
  security keys, certificates, ``ssh-rsa`` SHA-1 signatures), any malformed blob: ask git;
- the allowed-signers file, as ``ssh-keygen`` reads it: principals, ``namespaces="..."``,
  ``valid-after="..."``, ``valid-before="..."`` (``YYYYMMDD[HHMM[SS]]``, local time unless ``Z``/``UTC``).
  A file using anything else (patterns, quotes, ``cert-authority``, other options) is not read here at
  all: every commit is asked of git;
- git's decision (gpg-interface.c, git 2.39): the verification time is the committer's timestamp as
  git passes it (``-Overify-time``, local ``%Y%m%d%H%M%S``). ``find-principals`` takes the *first* line
  listing the signing key that is valid at that time (namespaces are not looked at there) and yields its
  principals; for each, in order, ``verify -n git -I <principal>`` succeeds when the signature is good,
  its namespace is ``git`` and some line lists that principal with that key, a namespace list holding
  ``git`` (or none) and validity at that time: the first success is ``G`` (key fingerprint, principal).
  If none succeeds: ``B``. If no line matched, ``check-novalidate -n git``: a good signature in namespace
  ``git`` is ``U`` (the fingerprint, no signer), anything else ``B``. No ``gpgsig``: ``N``.

tests/test_sshsig.py checks every verdict against ``git log --format=%G?%GK%GS`` with a real
allowed-signers file (good, tampered, wrong key, wrong namespace, expired and not-yet-valid keys, RSA,
unsupported keys).
"""

from __future__ import annotations

import base64
import binascii
import calendar
import functools
import hashlib
import re
import struct
import time
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from pipeline.git import Signature

BEGIN = b"-----BEGIN SSH SIGNATURE-----"
END = b"-----END SSH SIGNATURE-----"
NAMESPACE = b"git"
_L = 2**252 + 27742317777372353535851937790883648493  # the order of the ed25519 group
_HASHES = {"sha512": hashlib.sha512, "sha256": hashlib.sha256}
_RSA_HASHES: dict[str, type[hashes.HashAlgorithm]] = {"rsa-sha2-256": hashes.SHA256, "rsa-sha2-512": hashes.SHA512}
_LITERAL = re.compile(r"[^\s,*?!\"'\\]+")  # a principal or namespace without patterns or quoting
_KEY_TYPES = ("ssh-", "ecdsa-", "sk-")
_COMMITTER = re.compile(rb"^committer [^\n]*> (\d+) [+-]\d{4}$", re.MULTILINE)  # git's header, never a name
_TIME = re.compile(r"(\d{8}|\d{12}|\d{14})(Z|UTC)?", re.IGNORECASE)


class Unsupported(Exception):
    """Something this module does not judge: git must."""


# --------------------------------------------------------------------------------------------------
# the allowed-signers file


@dataclass(frozen=True)
class AllowedKey:
    """One line of an allowed-signers file."""

    principals: tuple[str, ...]
    blob: bytes  # the public key in the SSH wire format
    namespaces: tuple[str, ...] | None  # None: any namespace
    valid_after: int  # seconds since the epoch; 0: no limit
    valid_before: int

    def valid_at(self, when: int) -> bool:
        return when >= self.valid_after and (self.valid_before == 0 or when <= self.valid_before)


def parse_allowed_signers(text: str) -> tuple[AllowedKey, ...] | None:
    """The lines of an allowed-signers file, or ``None`` when it uses syntax only git may judge."""
    keys = []
    try:
        for raw in text.splitlines():
            line = raw.strip()
            if line and not line.startswith("#"):
                keys.append(_allowed_line(line))
    except Unsupported:
        return None
    return tuple(keys)


def _allowed_line(line: str) -> AllowedKey:
    fields = line.split()
    if len(fields) < 3:
        raise Unsupported(line)
    principals = tuple(fields[0].split(","))
    options: dict[str, str] = {}
    rest = fields[1:]
    if not rest[0].startswith(_KEY_TYPES):
        options = _options(rest[0])
        rest = rest[1:]
    if len(rest) < 2 or not all(_LITERAL.fullmatch(p) for p in principals):
        raise Unsupported(line)
    try:
        blob = base64.b64decode(rest[1], validate=True)
    except (binascii.Error, ValueError):
        raise Unsupported(line) from None
    kind, _ = _string(blob, 0)
    if kind != rest[0].encode():
        raise Unsupported(line)
    spaces = tuple(options["namespaces"].split(",")) if "namespaces" in options else None
    if spaces is not None and not all(_LITERAL.fullmatch(s) for s in spaces):
        raise Unsupported(line)
    return AllowedKey(principals, blob, spaces, _when(options.get("valid-after")), _when(options.get("valid-before")))


def _options(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in re.findall(r'[^,"=]+(?:="[^"]*")?|.', text):
        if part == ",":
            continue
        name, eq, value = part.partition("=")
        if name not in ("namespaces", "valid-after", "valid-before") or name in found or not eq \
                or len(value) < 2 or value[0] != '"' or value[-1] != '"':
            raise Unsupported(text)
        found[name] = value[1:-1]
    if ",".join(f'{k}="{v}"' for k, v in found.items()) != text:
        raise Unsupported(text)  # anything the simple reading above did not account for
    return found


def _when(text: str | None) -> int:
    """``ssh-keygen``'s ``parse_absolute_time``: local time (``mktime`` with no daylight saving flag)
    unless the value ends in ``Z`` or ``UTC``."""
    if text is None:
        return 0
    match = _TIME.fullmatch(text)
    if not match:
        raise Unsupported(text)
    digits = match.group(1).ljust(14, "0")
    fields = (int(digits[:4]), int(digits[4:6]), int(digits[6:8]), int(digits[8:10]), int(digits[10:12]),
              int(digits[12:14]))
    if not (1 <= fields[1] <= 12 and 1 <= fields[2] <= 31 and fields[3] < 24 and fields[4] < 60 and fields[5] < 61):
        raise Unsupported(text)
    when = calendar.timegm((*fields, 0, 0, 0)) if match.group(2) else int(time.mktime((*fields, 0, 0, 0)))
    if when <= 0:
        raise Unsupported(text)
    return when


def verify_time(committer_timestamp: int) -> int:
    """The instant ``ssh-keygen`` checks key validity at: git passes the committer time as local
    ``%Y%m%d%H%M%S`` and ``ssh-keygen`` reads it back with ``mktime`` (no daylight saving flag)."""
    return int(time.mktime((*time.localtime(committer_timestamp)[:6], 0, 0, 0)))


# --------------------------------------------------------------------------------------------------
# the signature


@dataclass(frozen=True)
class SshSig:
    """A parsed SSHSIG blob."""

    key: bytes  # the signer's public key (wire format)
    namespace: bytes
    hash_name: str
    sig_type: str
    sig: bytes
    reserved: bytes


def _string(data: bytes, pos: int) -> tuple[bytes, int]:
    if pos + 4 > len(data):
        raise Unsupported("truncated")
    (size,) = struct.unpack_from(">I", data, pos)
    end = pos + 4 + size
    if end > len(data):
        raise Unsupported("truncated")
    return data[pos + 4:end], end


def parse_armor(armor: bytes) -> SshSig:
    """The SSHSIG blob of an armored signature as ``ssh-keygen -Y sign`` writes it."""
    lines = armor.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if len(lines) < 3 or lines[0] != BEGIN or lines[-1] != END:
        raise Unsupported("not an SSH signature armor")
    try:
        blob = base64.b64decode(b"".join(lines[1:-1]), validate=True)
    except (binascii.Error, ValueError):
        raise Unsupported("bad base64") from None
    if blob[:6] != b"SSHSIG" or len(blob) < 10 or struct.unpack_from(">I", blob, 6)[0] != 1:
        raise Unsupported("not SSHSIG version 1")
    key, pos = _string(blob, 10)
    namespace, pos = _string(blob, pos)
    reserved, pos = _string(blob, pos)
    hash_name, pos = _string(blob, pos)
    signature, pos = _string(blob, pos)
    if pos != len(blob):
        raise Unsupported("trailing data")
    sig_type, at = _string(signature, 0)
    sig, at = _string(signature, at)
    if at != len(signature):
        raise Unsupported("trailing data in the signature")
    return SshSig(key, namespace, hash_name.decode("ascii", "replace"), sig_type.decode("ascii", "replace"), sig,
                  reserved)


def _mpint(data: bytes, pos: int) -> tuple[int, int]:
    raw, pos = _string(data, pos)
    if raw and raw[0] & 0x80:
        raise Unsupported("negative integer")
    return int.from_bytes(raw, "big"), pos


@functools.lru_cache(maxsize=256)
def _public_key(blob: bytes) -> ed25519.Ed25519PublicKey | rsa.RSAPublicKey:
    kind, pos = _string(blob, 0)
    try:
        if kind == b"ssh-ed25519":
            raw, pos = _string(blob, pos)
            if pos != len(blob) or len(raw) != 32:
                raise Unsupported("bad ed25519 key")
            return ed25519.Ed25519PublicKey.from_public_bytes(raw)
        if kind == b"ssh-rsa":
            e, pos = _mpint(blob, pos)
            n, pos = _mpint(blob, pos)
            if pos != len(blob) or not 1024 <= n.bit_length() <= 16384:
                raise Unsupported("RSA key size ssh-keygen refuses")
            return rsa.RSAPublicNumbers(e, n).public_key()
    except (ValueError, UnsupportedAlgorithm):
        raise Unsupported("a key cryptography refuses") from None
    raise Unsupported(f"key type {kind!r}")


def signature_good(sig: SshSig, message: bytes) -> bool:
    """Whether ``sig`` is a good signature of ``message`` (in whatever namespace it names)."""
    digest = _HASHES.get(sig.hash_name)
    if digest is None or sig.reserved:
        raise Unsupported("hash or reserved field")
    key = _public_key(sig.key)
    signed = (b"SSHSIG" + _wire(sig.namespace) + _wire(sig.reserved) + _wire(sig.hash_name.encode())
              + _wire(digest(message).digest()))
    try:
        if isinstance(key, ed25519.Ed25519PublicKey):
            if sig.sig_type != "ssh-ed25519" or len(sig.sig) != 64 or int.from_bytes(sig.sig[32:], "little") >= _L:
                raise Unsupported("ed25519 signature ssh-keygen may judge otherwise")
            key.verify(sig.sig, signed)
            return True
        algorithm = _RSA_HASHES.get(sig.sig_type)
        size = (key.key_size + 7) // 8
        if algorithm is None or len(sig.sig) > size:
            raise Unsupported("RSA signature type or size")
        key.verify(sig.sig.rjust(size, b"\0"), signed, padding.PKCS1v15(), algorithm())
        return True
    except InvalidSignature:
        return False


@functools.lru_cache(maxsize=64)
def _written_twice(key: bytes, allowed: tuple[AllowedKey, ...]) -> bool:
    return any(k.blob != key and _same_key(k.blob, key) for k in allowed)


def _same_key(a: bytes, b: bytes) -> bool:
    """Whether two key blobs hold the same RSA key (an integer may be written with leading zeros)."""
    try:
        one, two = _public_key(a), _public_key(b)
    except Unsupported:
        return False
    return isinstance(one, rsa.RSAPublicKey) and isinstance(two, rsa.RSAPublicKey) \
        and one.public_numbers() == two.public_numbers()


def _wire(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def key_fingerprint(blob: bytes) -> str:
    """``SHA256:<base64>``, as ``ssh-keygen`` and git print a key."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


# --------------------------------------------------------------------------------------------------
# commits


def split_commit(raw: bytes) -> tuple[bytes, bytes | None]:
    """A commit object's signed payload and its ``gpgsig`` signature (``None``: unsigned)."""
    head, blank, body = raw.partition(b"\n\n")
    payload: list[bytes] = []
    signature: list[bytes] = []
    lines = head.split(b"\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith(b"gpgsig"):
            if not line.startswith(b"gpgsig ") or signature:
                raise Unsupported("another or a second signature header")
            signature.append(line[7:])
            while i + 1 < len(lines) and lines[i + 1].startswith(b" "):
                i += 1
                signature.append(lines[i][1:])
        else:
            payload.append(line)
        i += 1
    text = b"\n".join(payload) + blank + body
    return text, (b"\n".join(signature) + b"\n" if signature else None)


_SIGNATURE_STARTS = (b"-----BEGIN PGP SIGNATURE-----", b"-----BEGIN PGP MESSAGE-----",
                     b"-----BEGIN SIGNED MESSAGE-----", BEGIN)
_TAGGER = re.compile(rb"^tagger [^\n]*> (\d+) [+-]\d{4}$", re.MULTILINE)


def split_tag(raw: bytes) -> tuple[bytes, bytes | None]:
    """A tag object's signed payload and its signature: from the last line that starts a signature of
    any format to the end (git's ``parse_signed_buffer``)."""
    start, pos = len(raw), 0
    while pos < len(raw):
        if raw.startswith(_SIGNATURE_STARTS, pos):
            start = pos
        end = raw.find(b"\n", pos)
        pos = len(raw) if end < 0 else end + 1
    return raw[:start], (raw[start:] if start < len(raw) else None)


def tag_verdict(raw: bytes, allowed: Sequence[AllowedKey]) -> Signature | None:
    """Git's verdict (``%G?`` letters) on the signature of the annotated tag object ``raw``, checked at
    the tagger's time; ``None``: ask git."""
    if not raw.startswith(b"object ") or b"\ngpgsig" in raw.partition(b"\n\n")[0]:
        return None
    try:
        payload, armor = split_tag(raw)
        if armor is None:
            return Signature("N", "", "")
        if not armor.startswith(BEGIN):
            raise Unsupported("not an SSH signature")
        found = _TAGGER.search(payload.partition(b"\n\n")[0])
        stamp = int(found.group(1)) if found else 0
        if not 0 < stamp < 253402300799:
            raise Unsupported("no tagger time git would pass")
        return judge(parse_armor(armor), payload, allowed, verify_time(stamp))
    except Unsupported:
        return None


def commit_verdict(raw: bytes, allowed: Sequence[AllowedKey]) -> Signature | None:
    """Git's verdict on the signature of the commit object ``raw`` under ``allowed``; ``None``: ask git."""
    if not raw.startswith(b"tree "):
        return None  # not a commit object
    try:
        payload, armor = split_commit(raw)
        if armor is None:
            return Signature("N", "", "")
        found = _COMMITTER.search(payload.partition(b"\n\n")[0])
        stamp = int(found.group(1)) if found else 0
        if not 0 < stamp < 253402300799:
            raise Unsupported("no committer time git would pass")
        return judge(parse_armor(armor), payload, allowed, verify_time(stamp))
    except Unsupported:
        return None


def judge(sig: SshSig, payload: bytes, allowed: Sequence[AllowedKey], when: int) -> Signature:
    """git's ``verify_ssh_signed_buffer`` over ``ssh-keygen``'s rules (see the module docstring)."""
    good = signature_good(sig, payload)  # raises Unsupported before any verdict on what git must judge
    if _written_twice(sig.key, tuple(allowed)):
        raise Unsupported("the same key written two ways")  # ssh-keygen compares keys by value: ask git
    first = next((k for k in allowed if k.blob == sig.key and k.valid_at(when)), None)
    if first is None:  # check-novalidate
        return Signature("U", key_fingerprint(sig.key), "") if good and sig.namespace == NAMESPACE \
            else Signature("B", "", "")
    if good and sig.namespace == NAMESPACE:
        for principal in first.principals:
            if any(principal in k.principals and k.blob == sig.key and k.valid_at(when)
                   and (k.namespaces is None or "git" in k.namespaces) for k in allowed):
                return Signature("G", key_fingerprint(sig.key), principal)
    return Signature("B", "", "")
