"""In-process SSH signature verification agrees with git's own on every kind of signature.

The oracle is git itself: ``git log --format=%G?%GK%GS`` (and ``git verify-commit``) with a real
allowed-signers file, over commits signed by ``git commit -S`` and by ``ssh-keygen -Y sign`` (real keys
made by ``ssh-keygen``): good ed25519 and RSA signatures, tampered commits, keys nobody lists, the wrong
namespace, keys outside their validity window, a namespace restriction, ECDSA (not judged in process: git
is asked) and unsigned commits.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pipeline import sshsig
from pipeline.approvals import signing
from pipeline.git import Git, Signature
from pipeline.people import People, Person

GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}


@dataclass
class Key:
    path: Path
    public: str  # "<type> <base64>"


def make_key(folder: Path, name: str, kind: str = "ed25519") -> Key:
    path = folder / f"key-{name}"
    extra = ["-b", "2048"] if kind == "rsa" else (["-b", "256"] if kind == "ecdsa" else [])
    subprocess.run(["ssh-keygen", "-q", "-t", kind, *extra, "-N", "", "-C", name, "-f", str(path)], check=True)
    public = " ".join(path.with_name(path.name + ".pub").read_text(encoding="utf-8").split()[:2])
    return Key(path, public)


class Repo:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir()
        self.git("init", "-q", "-b", "main")
        self.count = 0

    def git(self, *args: str, input: bytes | None = None, env: dict[str, str] | None = None) -> bytes:
        full = {**{k: v for k, v in os.environ.items() if not k.startswith("GIT_")}, **GIT_ENV, **(env or {})}
        return subprocess.run(["git", *args], cwd=self.root, input=input, env=full, check=True,
                              capture_output=True).stdout

    def commit(self, who: str, key: Key | None, *, date: str = "2026-06-01T09:00:00+07:00",
               author_date: str | None = None, name: str | None = None) -> str:
        """A commit by ``who`` (``git commit -S`` with ``key``, or unsigned)."""
        self.count += 1
        sign = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={key.path}", "commit", "-S"] if key else ["commit"]
        self.git("-c", f"user.name={name or who}", "-c", f"user.email={who}@dinas.example.go.id", *sign, "-q",
                 "--allow-empty", "-m", f"record {self.count}",
                 env={"GIT_AUTHOR_DATE": author_date or date, "GIT_COMMITTER_DATE": date})
        return self.git("rev-parse", "HEAD").decode().strip()

    def raw(self, sha: str) -> bytes:
        return self.git("cat-file", "commit", sha)

    def write(self, raw: bytes) -> str:
        return self.git("hash-object", "-t", "commit", "-w", "--stdin", input=raw).decode().strip()

    def signed_by_hand(self, key: Key, namespace: str, *, tamper: bool = False) -> str:
        """A commit signed with ``ssh-keygen -Y sign -n <namespace>``, the armor put in ``gpgsig`` as git
        writes it (``tamper``: the message changed after signing)."""
        payload = self.raw(self.commit("hand", None))
        armor = subprocess.run(["ssh-keygen", "-Y", "sign", "-q", "-f", str(key.path), "-n", namespace],
                               input=payload, capture_output=True, check=True).stdout
        head, _, body = payload.partition(b"\n\n")
        header = b"gpgsig " + armor.rstrip(b"\n").replace(b"\n", b"\n ")
        if tamper:
            body = body.replace(b"record", b"rec0rd")
        return self.write(head + b"\n" + header + b"\n\n" + body)

    def git_verdict(self, sha: str, allowed: Path) -> Signature:
        """git's own verdict: ``%G?``, ``%GK``, ``%GS``."""
        out = self.git("-c", f"gpg.ssh.allowedSignersFile={allowed}", "log", "-1", "--format=%G?%x00%GK%x00%GS",
                       sha).decode().rstrip("\n")
        status, key, signer = out.split("\0")
        return Signature(status, key, signer)

    def verify_commit_ok(self, sha: str, allowed: Path) -> bool:
        full = {**{k: v for k, v in os.environ.items() if not k.startswith("GIT_")}, **GIT_ENV}
        return subprocess.run(["git", "-c", f"gpg.ssh.allowedSignersFile={allowed}", "verify-commit", sha],
                              cwd=self.root, env=full, capture_output=True).returncode == 0


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Repo, dict[str, Key], dict[str, str], Path, str]:
    base = tmp_path_factory.mktemp("sshsig")
    keys = {name: make_key(base, name, kind) for name, kind in
            [("alice", "ed25519"), ("bob", "rsa"), ("mallory", "ed25519"), ("eve", "ed25519"),
             ("fajar", "ed25519"), ("carol", "ecdsa"), ("gita", "ed25519")]}
    repo = Repo(base / "repo")
    allowed_text = "".join([
        f'alice@dinas.example.go.id namespaces="git" {keys["alice"].public}\n',
        f'bob@dinas.example.go.id namespaces="git" {keys["bob"].public}\n',
        # eve's key expired before the commits (2026-06-01); fajar's becomes valid only after them
        f'eve@dinas.example.go.id namespaces="git",valid-before="20260101" {keys["eve"].public}\n',
        f'fajar@dinas.example.go.id valid-after="20270101Z",namespaces="git" {keys["fajar"].public}\n',
        f'carol@dinas.example.go.id namespaces="git" {keys["carol"].public}\n',
        f'gita@dinas.example.go.id namespaces="file" {keys["gita"].public}\n',
        f'gita.lain@dinas.example.go.id valid-after="20260501",valid-before="20260701" {keys["gita"].public}\n',
    ])
    allowed = base / "allowed_signers"
    allowed.write_text(allowed_text, encoding="utf-8")
    shas = {
        "good ed25519": repo.commit("alice", keys["alice"]),
        "good rsa": repo.commit("bob", keys["bob"]),
        "key nobody lists": repo.commit("mallory", keys["mallory"]),
        "expired key": repo.commit("eve", keys["eve"]),
        "expired key, committed while valid": repo.commit("eve", keys["eve"], date="2025-12-31T09:00:00+07:00"),
        "key not yet valid": repo.commit("fajar", keys["fajar"]),
        # git checks validity at the committer's time, whatever the author line says
        "expired key, author time and name pretend otherwise": repo.commit(
            "eve", keys["eve"], author_date="2025-12-31T09:00:00+07:00", name="committer eve"),
        "unsupported key (ecdsa)": repo.commit("carol", keys["carol"]),
        "first line's namespace is not git": repo.commit("gita", keys["gita"]),
        "unsigned": repo.commit("rina", None),
        "wrong namespace, listed key": repo.signed_by_hand(keys["alice"], "file"),
        "wrong namespace, unlisted key": repo.signed_by_hand(keys["mallory"], "file"),
        "tampered, listed key": repo.signed_by_hand(keys["alice"], "git", tamper=True),
        "tampered, unlisted key": repo.signed_by_hand(keys["mallory"], "git", tamper=True),
        "tampered rsa": repo.signed_by_hand(keys["bob"], "git", tamper=True),
        "good by hand": repo.signed_by_hand(keys["alice"], "git"),
    }
    good = repo.raw(shas["good ed25519"])
    shas["tampered by git commit -S, then edited"] = repo.write(good.replace(b"record 1", b"record 9"))
    return repo, keys, shas, allowed, allowed_text


EXPECTED = {  # what a user would check: git's letter for each case
    "good ed25519": "G", "good rsa": "G", "good by hand": "G", "key nobody lists": "U", "expired key": "U",
    "expired key, committed while valid": "G", "key not yet valid": "U", "unsupported key (ecdsa)": "G",
    "expired key, author time and name pretend otherwise": "U",
    "first line's namespace is not git": "B", "unsigned": "N", "wrong namespace, listed key": "B",
    "wrong namespace, unlisted key": "B", "tampered, listed key": "B", "tampered, unlisted key": "B",
    "tampered rsa": "B", "tampered by git commit -S, then edited": "B",
}


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_in_process_verdict_is_gits_verdict(world: tuple[Repo, dict[str, Key], dict[str, str], Path, str],
                                            case: str) -> None:
    repo, _, shas, allowed, text = world
    theirs = repo.git_verdict(shas[case], allowed)
    assert theirs.status == EXPECTED[case]
    assert repo.verify_commit_ok(shas[case], allowed) == (theirs.status == "G")
    parsed = sshsig.parse_allowed_signers(text)
    assert parsed is not None and len(parsed) == 7
    ours = sshsig.commit_verdict(repo.raw(shas[case]), parsed)
    if case == "unsupported key (ecdsa)":
        assert ours is None  # not judged in process: git is asked
    else:
        assert ours == theirs


def test_good_verdict_names_the_key_git_names(world: tuple[Repo, dict[str, Key], dict[str, str], Path, str]) -> None:
    repo, keys, shas, _, text = world
    ours = sshsig.commit_verdict(repo.raw(shas["good rsa"]), sshsig.parse_allowed_signers(text) or ())
    listed = signing.fingerprint(keys["bob"].public)
    assert ours == Signature("G", listed or "?", "bob@dinas.example.go.id")


def test_verify_signatures_asks_git_only_for_what_it_cannot_judge(
        world: tuple[Repo, dict[str, Key], dict[str, str], Path, str], tmp_path: Path) -> None:
    repo, keys, shas, allowed, _ = world
    asked: list[str] = []

    class Recording(Git):
        def signatures(self, wanted: Iterable[str], allowed_signers: Path) -> dict[str, Signature]:
            chosen = list(wanted)
            asked.extend(chosen)
            return super().signatures(chosen, allowed_signers)

    people = People(roles={}, people=tuple(
        Person(name, f"{name}@dinas.example.go.id", ("operator",), ssh_keys=(keys[name].public,))
        for name in ("alice", "bob", "carol")))
    found = signing.verify_signatures(Recording(repo.root), list(shas.values()), [people], tmp_path / "cache")
    mine = tmp_path / "mine"
    mine.write_text(signing.allowed_signers([people]), encoding="utf-8")
    assert found == {sha: repo.git_verdict(sha, mine) for sha in shas.values()}
    assert asked == [shas["unsupported key (ecdsa)"]]
    assert found[shas["good ed25519"]].status == "G" and found[shas["key nobody lists"]].status == "U"


@pytest.mark.parametrize("line", [
    '*@dinas.example.go.id ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG9GJ1wFlT0bMCzZ1oNP8H0gEAdE7wKxQdmAq7AeVbVX',
    'a@x cert-authority ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG9GJ1wFlT0bMCzZ1oNP8H0gEAdE7wKxQdmAq7AeVbVX',
    'a@x namespaces=git ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG9GJ1wFlT0bMCzZ1oNP8H0gEAdE7wKxQdmAq7AeVbVX',
    'a@x namespaces="g*" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG9GJ1wFlT0bMCzZ1oNP8H0gEAdE7wKxQdmAq7AeVbVX',
    'a@x valid-before="2026" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG9GJ1wFlT0bMCzZ1oNP8H0gEAdE7wKxQdmAq7AeVbVX',
    '"a@x" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG9GJ1wFlT0bMCzZ1oNP8H0gEAdE7wKxQdmAq7AeVbVX',
])
def test_allowed_signers_syntax_it_does_not_read_leaves_the_file_to_git(line: str) -> None:
    assert sshsig.parse_allowed_signers(line + "\n") is None


def test_warta_allowed_signers_file_is_read_in_process(
        world: tuple[Repo, dict[str, Key], dict[str, str], Path, str]) -> None:
    _, keys, _, _, _ = world
    people = People(roles={}, people=(Person("Alice", "alice@dinas.example.go.id", ("operator",), ssh_keys=
                                             (keys["alice"].public, keys["bob"].public)),))
    parsed = sshsig.parse_allowed_signers(signing.allowed_signers([people]))
    assert parsed is not None and len(parsed) == 2
    assert all(k.principals == ("alice@dinas.example.go.id",) and k.namespaces == ("git",) for k in parsed)


def _tag(repo: Repo, name: str, key: Key | None) -> str:
    """An annotated tag by ``git tag -s`` (or ``-a`` unsigned); its object id."""
    sign = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={key.path}", "tag", "-s"] if key else ["tag", "-a"]
    repo.git("-c", "user.name=warta CI", "-c", "user.email=alice@dinas.example.go.id", *sign, "-m",
             f"Arsip {name}", name, "HEAD")
    return repo.git("rev-parse", f"refs/tags/{name}").decode().strip()


def test_tag_verdicts_agree_with_git_verify_tag(world: tuple[Repo, dict[str, Key], dict[str, str], Path, str]
                                                ) -> None:
    repo, keys, _, allowed, text = world
    good = _tag(repo, "arsip/1", keys["alice"])
    raw = repo.git("cat-file", "tag", good)
    tags = {
        "good": good,
        "key nobody lists": _tag(repo, "arsip/2", keys["mallory"]),
        "rsa": _tag(repo, "arsip/3", keys["bob"]),
        "unsigned": _tag(repo, "arsip/4", None),
        "tampered": repo.git("hash-object", "-t", "tag", "-w", "--stdin",
                             input=raw.replace(b"Arsip arsip/1", b"Arsip arsip/9")).decode().strip(),
    }
    parsed = sshsig.parse_allowed_signers(text)
    assert parsed is not None
    full = {**{k: v for k, v in os.environ.items() if not k.startswith("GIT_")}, **GIT_ENV}
    expected = {"good": "G", "key nobody lists": "U", "rsa": "G", "unsigned": "N", "tampered": "B"}
    for case, oid in tags.items():
        ours = sshsig.tag_verdict(repo.git("cat-file", "tag", oid), parsed)
        proc = subprocess.run(["git", "-c", f"gpg.ssh.allowedSignersFile={allowed}", "verify-tag", "--raw", oid],
                              cwd=repo.root, env=full, capture_output=True, text=True)
        assert ours is not None and ours.status == expected[case], case
        assert (proc.returncode == 0) == (ours.status == "G"), case
        if ours.status in ("G", "U"):
            assert ours.key in proc.stderr, case  # the key git's ssh-keygen names
    found = signing.tag_verdicts(Git(repo.root), list(tags.values()), text)
    assert {case: found[oid].status for case, oid in tags.items()} == expected


def test_a_large_batch_shared_between_processes_gets_the_same_verdicts(
        world: tuple[Repo, dict[str, Key], dict[str, str], Path, str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    repo, keys, shas, _, _ = world
    people = People(roles={}, people=tuple(
        Person(name, f"{name}@dinas.example.go.id", ("operator",), ssh_keys=(keys[name].public,))
        for name in ("alice", "bob", "carol")))
    mine = tmp_path / "mine"
    mine.write_text(signing.allowed_signers([people]), encoding="utf-8")
    monkeypatch.setattr(signing, "PARALLEL_FROM", 2)  # 16 commits: several processes
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    found = signing.verify_signatures(Git(repo.root), list(shas.values()), [people], None)
    expected = {sha: repo.git_verdict(sha, mine) for sha in shas.values()}
    assert found == expected
    # read in batches of two: the first judged here, the rest shared out between forked processes
    shared = signing._in_process(Git(repo.root), list(shas.values()), signing.allowed_signers([people]), batch=2)
    assert shared == {sha: v for sha, v in expected.items() if sha != shas["unsupported key (ecdsa)"]}


def test_commits_without_a_signature_header_get_gits_verdict_without_any_key_work(
        world: tuple[Repo, dict[str, Key], dict[str, str], Path, str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Unsigned commits are told apart before any signature is parsed (no cryptography, no process
    forked): git says N for them, and so does warta, also for a message that only mentions gpgsig or
    a header git does not read as this repository's signature (``gpgsig-sha256``), which are judged."""
    repo, keys, shas, _, _ = world
    plain = repo.raw(shas["unsigned"])
    head, _, body = plain.partition(b"\n\n")
    mentions = repo.write(head + b"\n\n" + body + b"\ngpgsig in the message body\n")
    other_header = repo.write(head + b"\ngpgsig-sha256 not a signature\n\n" + body)
    people = People(roles={}, people=(Person("alice", "alice@dinas.example.go.id", ("operator",),
                                             ssh_keys=(keys["alice"].public,)),))
    mine = tmp_path / "mine"
    mine.write_text(signing.allowed_signers([people]), encoding="utf-8")
    judged: list[bytes] = []
    real = sshsig.commit_verdict

    def recording(raw: bytes, allowed: Any) -> Signature | None:
        judged.append(raw)
        return real(raw, allowed)

    monkeypatch.setattr(sshsig, "commit_verdict", recording)
    wanted = [shas["unsigned"], mentions, other_header, shas["good ed25519"]]
    found = signing.verify_signatures(Git(repo.root), wanted, [people], None)
    assert found == {sha: repo.git_verdict(sha, mine) for sha in wanted}
    assert found[shas["unsigned"]].status == found[mentions].status == "N"
    assert sorted(judged) == sorted([repo.raw(other_header), repo.raw(shas["good ed25519"])])
