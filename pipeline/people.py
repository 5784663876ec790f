"""``sop/people.yaml``: the office's roles (role id -> official title) and the people who hold them.

An approval counts only when its author holds the step's role here (approval rule 5), and with
``require_signatures`` only when it is signed with one of that person's SSH keys. The file is read from
the target branch, never from the branch under review (rule 1), so a branch cannot grant itself a role.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field

from pipeline import yamlio
from pipeline.errors import ConfigError, Finding
from pipeline.i18n import _
from pipeline.kinds import Day
from pipeline.schema import Strict, suggest, validate

PEOPLE_PATH = "sop/people.yaml"

ROLE_ID = re.compile(r"^[a-z][a-z0-9_]*$")
# RFC 5322 "dot-atom" local part and a dotted domain: enough to catch typos, not a deliverability test.
EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
# GitHub logins: letters, digits and single inner hyphens, at most 39 characters.
GITHUB_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
SSH_KEY_TYPES = (
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
)


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    roles: tuple[str, ...]
    github: str | None = None
    ssh_keys: tuple[str, ...] = ()
    phone: str | None = None  # official number, allowed in published text (pipeline/privacy.py)
    # (valid_after, valid_before) of each of ssh_keys, in order; (None, None) for a plain key line
    key_validity: tuple[tuple[dt.date | None, dt.date | None], ...] = ()
    # the forges' numeric user ids: what matches a review to a person (a login alone matches nobody)
    github_id: int | None = None
    gitlab_id: int | None = None
    gitea_id: int | None = None

    def forge_id(self, forge: str) -> int | None:
        """This person's numeric id on ``forge`` (github, gitlab or gitea)."""
        return {"github": self.github_id, "gitlab": self.gitlab_id, "gitea": self.gitea_id}.get(forge)

    def holds(self, role: str) -> bool:
        return role in self.roles

    def validity(self, index: int) -> tuple[dt.date | None, dt.date | None]:
        """``(valid_after, valid_before)`` of ``ssh_keys[index]`` (docs/approvals.md)."""
        return self.key_validity[index] if index < len(self.key_validity) else (None, None)


@dataclass(frozen=True)
class PipelineEntry:
    """The publishing identity (``pipeline:``): who signs the register commits and tags of ``warta
    publish``. It holds no role, so it can never approve anything; its private key is the CI secret
    ``WARTA_SIGNING_KEY`` (see :mod:`pipeline.identity`).

    ``register_base``: the commit of main whose ``arsip/`` is adopted as the register as it stood before
    the identity existed (default: the repository's root commit).
    """

    name: str
    email: str
    ssh_keys: tuple[str, ...]
    register_base: str | None = None


@dataclass(frozen=True)
class People:
    roles: dict[str, str]
    people: tuple[Person, ...]
    pipeline: PipelineEntry | None = None

    def by_email(self, email: str) -> Person | None:
        wanted = email.strip().casefold()
        return next((p for p in self.people if p.email.casefold() == wanted), None)

    def by_github(self, login: str) -> Person | None:
        wanted = login.strip().casefold()
        return next((p for p in self.people if p.github is not None and p.github.casefold() == wanted), None)

    def by_forge_id(self, forge: str, user_id: int) -> Person | None:
        """The person whose ``<forge>_id`` is ``user_id`` (never matched by login: logins are renamed and
        re-registered)."""
        return next((p for p in self.people if p.forge_id(forge) == user_id), None)

    def holders(self, role: str) -> list[Person]:
        return [p for p in self.people if role in p.roles]

    def title(self, role: str) -> str:
        """The official title of ``role`` (the id itself if it is not listed)."""
        return self.roles.get(role, role)


class _KeyFile(Strict):
    """A key with the days it is valid: ``{key, valid_after, valid_before}`` (a retired or future key)."""

    key: str
    valid_after: Day | None = Field(None, description="First day the key signs for the person.")
    valid_before: Day | None = Field(None, description="First day the key no longer signs (it is retired).")


class _PersonFile(Strict):
    name: str = Field(min_length=1)
    email: str
    roles: list[str] = Field(default_factory=list)
    github: str | None = None
    ssh_keys: list[str | _KeyFile] = Field(default_factory=list)
    phone: str | None = Field(None, min_length=1, description="Official telephone number, allowed in published text.")
    github_id: int | None = Field(None, gt=0, description="GitHub's numeric user id (what matches reviews).")
    gitlab_id: int | None = Field(None, gt=0, description="GitLab's numeric user id.")
    gitea_id: int | None = Field(None, gt=0, description="Gitea's or Forgejo's numeric user id.")


class _PipelineFile(Strict):
    name: str = Field(min_length=1)
    email: str
    ssh_keys: list[str] = Field(min_length=1)
    register_base: str | None = Field(None, pattern=r"^[0-9a-f]{40}$")


class _PeopleFile(Strict):
    roles: dict[str, str] = Field(min_length=1)
    people: list[Any] = Field(default_factory=list)
    pipeline: Any = None


def ssh_key_problem(line: str) -> str | None:
    """Why ``line`` is not a public key line ``<type> <base64> [comment]``, or ``None`` if it is one.

    The base64 blob must decode and must itself name the key type the line gives (the SSH wire format
    starts with the type as a length-prefixed string), which catches truncated or pasted-wrong keys.
    """
    parts = line.split(maxsplit=2)
    if len(parts) < 2:
        return "expected '<type> <base64 key> [comment]', e.g. 'ssh-ed25519 AAAAC3Nza... name'"
    kind, blob = parts[0], parts[1]
    if kind not in SSH_KEY_TYPES:
        return f"unknown key type '{kind}'{suggest(kind, SSH_KEY_TYPES)}; use {', '.join(SSH_KEY_TYPES)}"
    try:
        data = base64.b64decode(blob, validate=True)
    except (binascii.Error, ValueError):
        return "the key data is not valid base64"
    if len(data) < 4:
        return "the key data is too short"
    length = int.from_bytes(data[:4], "big")
    embedded = data[4:4 + length]
    if len(embedded) != length or embedded != kind.encode():
        return f"the key data is not a {kind} key (truncated, or the type does not match the key)"
    if len(data) <= 4 + length:
        return "the key data holds no key after its type"
    return None


def _is_phone(text: str) -> bool:
    import phonenumbers  # imported here for start-up time: only a people.yaml listing phones needs it

    try:
        return phonenumbers.is_possible_number(phonenumbers.parse(text, "ID"))
    except phonenumbers.NumberParseException:
        return False


def parse_people(text: str, path: str = PEOPLE_PATH) -> People:
    """Parse ``people.yaml`` text (from disk or a git revision). Raises :class:`ConfigError`."""
    try:
        doc = yamlio.load(text, path)
    except yamlio.YamlSyntaxError as exc:
        raise ConfigError(findings=[exc.finding]) from None
    findings: list[Finding] = list(yamlio.duplicate_key_findings(doc))

    def add(keys: tuple[str | int, ...], message: str) -> None:
        name = ".".join(str(k) for k in keys)
        field_name = next((str(k) for k in reversed(keys) if isinstance(k, str)), None)
        findings.append(Finding(path, doc.line_of(keys), _("{name}: {message}", name=name, message=message), field_name))

    head, errors = validate(_PeopleFile, doc.data, doc)
    findings.extend(errors)
    roles: dict[str, str] = dict(head.roles) if head is not None else {}
    for role, title in roles.items():
        if not ROLE_ID.match(role):
            add(("roles", role), f"role id '{role}': use lower case letters, digits, _ (kepala_dinas)")
        if not title.strip():
            add(("roles", role), "needs its official title")

    people: list[Person] = []
    raw_people = doc.data.get("people") if isinstance(doc.data, dict) else None
    emails: dict[str, int] = {}
    logins: dict[str, int] = {}
    forge_ids: dict[tuple[str, int], int] = {}
    for i, raw in enumerate(raw_people if isinstance(raw_people, list) else []):
        at: tuple[str | int, ...] = ("people", i)
        person, errors = validate(_PersonFile, raw, doc, prefix=at)
        findings.extend(errors)
        if person is None:
            continue
        email_line = doc.line_of(at + ("email",))
        if not EMAIL.match(person.email):
            add(at + ("email",), f"'{person.email}' is not an email address")
        elif (first := emails.get(person.email.casefold())) is not None:
            add(at + ("email",), f"'{person.email}' is already used at line {first}; "
                                 "one person, one email (it matches the git identity of approvals)")
        else:
            emails[person.email.casefold()] = email_line
        if head is not None:
            for j, role in enumerate(person.roles):
                if role not in roles:
                    add(at + ("roles", j), f"unknown role '{role}'{suggest(role, list(roles))}; "
                                           "add it under roles: first")
        if person.github is not None:
            if not GITHUB_LOGIN.match(person.github):
                add(at + ("github",), f"'{person.github}' is not a GitHub login")
            elif (first := logins.get(person.github.casefold())) is not None:
                add(at + ("github",), f"'{person.github}' is already used at line {first}")
            else:
                logins[person.github.casefold()] = doc.line_of(at + ("github",))
        keys = [k if isinstance(k, str) else k.key for k in person.ssh_keys]
        validity = [(None, None) if isinstance(k, str) else (k.valid_after, k.valid_before)
                    for k in person.ssh_keys]
        for field_name in ("github_id", "gitlab_id", "gitea_id"):
            value = getattr(person, field_name)
            if value is None:
                continue
            if (first := forge_ids.get((field_name, value))) is not None:
                add(at + (field_name,), _("{value} is already used at line {line}; one forge account, one person",
                                          value=value, line=first))
            else:
                forge_ids[(field_name, value)] = doc.line_of(at + (field_name,))
        for j, key in enumerate(person.ssh_keys):
            problem = ssh_key_problem(key if isinstance(key, str) else key.key)
            if problem:
                add(at + ("ssh_keys", j) + (() if isinstance(key, str) else ("key",)), problem)
            after, before = validity[j]
            if after is not None and before is not None and before <= after:
                add(at + ("ssh_keys", j, "valid_before"), "must be after valid_after")
        if person.phone is not None and not _is_phone(person.phone):
            add(at + ("phone",), f"'{person.phone}' is not a telephone number; write it as +62 812 3456 7890")
        people.append(Person(person.name, person.email, tuple(person.roles), person.github,
                             tuple(keys), person.phone, tuple(validity), person.github_id, person.gitlab_id,
                             person.gitea_id))

    entry = _pipeline_entry(doc, people, add, findings)
    if findings or head is None:
        raise ConfigError(findings=findings)
    return People(roles=roles, people=tuple(people), pipeline=entry)


def _pipeline_entry(doc: yamlio.YamlDocument, people: list[Person],
                    add: Callable[[tuple[str | int, ...], str], None],
                    findings: list[Finding]) -> PipelineEntry | None:
    """The optional ``pipeline:`` entry: a publishing identity that holds no role and shares neither its
    email nor a key with a person (a key both could sign with would make register commits approvals)."""
    raw = doc.data.get("pipeline") if isinstance(doc.data, dict) else None
    if raw is None:
        return None
    at: tuple[str | int, ...] = ("pipeline",)
    forge_keys = ("roles", "github", "github_id", "gitlab_id", "gitea_id")
    if isinstance(raw, dict) and any(k in raw for k in forge_keys):
        key = next(k for k in forge_keys if k in raw)
        add(at + (key,), "the publishing identity holds no role and no forge account: it signs the "
                         "register, it never approves; remove this key")
        return None
    entry, errors = validate(_PipelineFile, raw, doc, prefix=at)
    findings.extend(errors)
    if entry is None:
        return None
    if not EMAIL.match(entry.email):
        add(at + ("email",), f"'{entry.email}' is not an email address")
    elif any(p.email.casefold() == entry.email.casefold() for p in people):
        add(at + ("email",), f"'{entry.email}' is a person's email; the publishing identity needs its own")
    blobs = {k.split()[1] for p in people for k in p.ssh_keys if len(k.split()) >= 2}
    for j, key in enumerate(entry.ssh_keys):
        problem = ssh_key_problem(key)
        if problem:
            add(at + ("ssh_keys", j), problem)
        elif key.split()[1] in blobs:
            add(at + ("ssh_keys", j), "this key is also a person's key; the publishing identity needs a key "
                                      "of its own (ssh-keygen -t ed25519 -f warta-publish)")
    return PipelineEntry(entry.name, entry.email, tuple(entry.ssh_keys), entry.register_base)


def load_people(root: Path) -> People:
    """Read ``<root>/sop/people.yaml``. Raises :class:`ConfigError`."""
    file = root / PEOPLE_PATH
    if not file.is_file():
        raise ConfigError(_("{people_path} not found in {root}: it lists the SOPs' roles and who holds them",
                            people_path=PEOPLE_PATH, root=root))
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(findings=[Finding(PEOPLE_PATH, None, _("not UTF-8 text ({reason})", reason=exc.reason))]) from None
    return parse_people(text, PEOPLE_PATH)
