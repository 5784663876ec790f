"""Sites with a publishing identity (``pipeline:`` in people.yaml) for the identity and register tests.

The identity's key is made by ssh-keygen outside every repository; signatures are checked with git's own
``verify-commit``/``verify-tag`` and an allowed-signers file written here from the documented format
(principal, ``namespaces="git"``, key), never with warta's code.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from approvals_helpers import CAST, Person, Site, make_site, people_yaml
from publish_helpers import PUBLISH_YML

CI_NAME = "warta CI"
CI_EMAIL = "ci@dinas.example.go.id"


@dataclass(frozen=True)
class Key:
    """An ed25519 key pair made by ssh-keygen: the private key's text and the public key line."""

    private: Path
    public: str

    @property
    def text(self) -> str:
        return self.private.read_text()


def keygen(folder: Path, name: str, comment: str = "warta-publish") -> Key:
    folder.mkdir(parents=True, exist_ok=True)
    key = folder / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(key)],
                   check=True, capture_output=True)
    return Key(key, key.with_name(key.name + ".pub").read_text().strip())


def make_cast(folder: Path) -> dict[str, Person]:
    """The office of tests/approvals_helpers.py (same names, roles and emails), keys made in ``folder``."""
    people: dict[str, Person] = {}
    for handle, (name, email, roles) in CAST.items():
        people[handle] = Person(name, email, roles, keygen(folder, handle, email).private)
    return people


def pipeline_block(public: str, *, register_base: str | None = None) -> str:
    lines = ["pipeline:", f"  name: {CI_NAME}", f"  email: {CI_EMAIL}", f"  ssh_keys: [{json.dumps(public)}]"]
    if register_base:
        lines.append(f"  register_base: {register_base}")
    return "\n".join(lines) + "\n"


def signed_office(tmp_path: Path, cast: dict[str, Person], ci: Key) -> Site:
    """The publish tests' office whose root commit lists ``ci`` as the publishing identity."""
    people = people_yaml(cast) + pipeline_block(ci.public)
    return make_site(tmp_path, cast, extra={"warta.yml": PUBLISH_YML, "sop/people.yaml": people})


def signers_file(folder: Path, email: str, *publics: str) -> Path:
    """An allowed-signers file: ``<email> namespaces="git" <type> <key>`` per key."""
    file = folder / f"allowed-{email}"
    file.write_text("".join(f'{email} namespaces="git" {" ".join(p.split()[:2])}\n' for p in publics))
    return file


def git_verifies(site: Site, what: str, ref: str, signers: Path) -> bool:
    """``git verify-commit`` / ``git verify-tag`` with ``signers`` as the only allowed signers."""
    proc = subprocess.run(["git", "-c", f"gpg.ssh.allowedSignersFile={signers}", f"verify-{what}", ref],
                          cwd=site.root, env=site.env(), capture_output=True, text=True)
    return proc.returncode == 0


def forge_record_commit(site: Site, person: Person, rel: str, text: str, *, sign_with: Path | None = None,
                        message: str = "Arsip: nomor palsu\n\nWarta-Register: numbering\n") -> str:
    """An operator writes a file under arsip/ straight onto main (signed with ``sign_with`` if given),
    with a message that looks like warta's own."""
    site.write(rel, text)
    site.git("add", "--", rel, person=person)
    args = ["commit", "-q", "-F", "-"]
    if sign_with is not None:
        args = ["-c", f"user.signingkey={sign_with}", "-c", "gpg.format=ssh", *args, "-S"]
    else:
        args.append("--no-gpg-sign")
    site.git(*args, person=person, sign=False, input=message)
    return site.head()


__all__ = ["CI_EMAIL", "CI_NAME", "Key", "forge_record_commit", "git_verifies", "keygen", "make_cast",
           "pipeline_block", "signed_office", "signers_file"]
