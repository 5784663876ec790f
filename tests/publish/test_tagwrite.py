"""Register tags made in bulk (pipeline/publish/tagwrite.py) are the tags ``git tag -s`` / ``git tag -a``
makes, byte for byte, and ``git tag -v`` verifies them; a batch that cannot be made whole changes nothing."""

from __future__ import annotations

import os
import random
import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from identity_helpers import Key, keygen

from pipeline.errors import GitError
from pipeline.git import Git
from pipeline.publish import gitops, tagwrite
from pipeline.publish.tagwrite import TagSpec

NAME, EMAIL = "warta CI", "ci@dinas.example.go.id"


def _git(root: Path, *args: str, env: dict[str, str] | None = None, data: bytes | None = None) -> bytes:
    base = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    base.update({"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull})
    proc = subprocess.run(["git", *args], cwd=root, env={**base, **(env or {})}, input=data, capture_output=True,
                          check=True)
    return proc.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    (root / "a.txt").write_text("a\n")
    _git(root, "add", "a.txt")
    _git(root, "-c", "user.name=x", "-c", "user.email=x@example.org", "commit", "-q", "-m", "one")
    return root


def _config(key: Key | None) -> dict[str, str]:
    config = {"user.name": NAME, "user.email": EMAIL, "core.hooksPath": os.devnull}
    if key is not None:
        config.update({"gpg.format": "ssh", "user.signingkey": str(key.private), "gpg.ssh.program": "ssh-keygen"})
    return config


def _git_tag(root: Path, name: str, message: str, sha: str, key: Key | None, date: str) -> str:
    """The tag git itself makes (``git tag -s``/``-a -F -``) at ``date``: its object id."""
    args = [arg for k, v in _config(key).items() for arg in ("-c", f"{k}={v}")]
    _git(root, *args, "tag", "-s" if key else "-a", "-F", "-", name, sha, env={"GIT_COMMITTER_DATE": date},
         data=message.encode())
    return _git(root, "rev-parse", f"refs/tags/{name}").decode().strip()


MESSAGES = [
    "Arsip 400.14.5.6/1/DPMK/2025: Rapat koordinasi\n\nItem: content/siaran-pers/2025/a.md\n"
    "Klasifikasi: 400.14.5.6 Hubungan dengan media massa\nDigest: sha256:" + "a" * 64 + "\nRecord: arsip/x.yaml\n",
    "\n\n  \nArsip 2: judul dengan spasi di akhir   \t\n\n\n\nItem: x\r\nKlasifikasi: 1 tabel   \n\n",
    "Arsip 3: “Kutipan” — é ü 日本 😀\nItem: content/berita/2025/ü.md",
]


@pytest.mark.parametrize("kind", ["ed25519", "rsa", "unsigned"])
def test_bulk_tags_are_the_tags_git_makes_byte_for_byte(repo: Path, tmp_path: Path, kind: str) -> None:
    key: Key | None = None
    if kind != "unsigned":
        key = keygen(tmp_path / "keys", "ci", EMAIL) if kind == "ed25519" else _rsa(tmp_path / "keys")
    git = Git(repo)
    sha = git.head()
    assert sha is not None
    specs = [TagSpec(f"arsip/bulk-{n}", sha, message) for n, message in enumerate(MESSAGES)]
    assert tagwrite.make_tags(git, specs, _config(key), key.private if key else None) == [s.name for s in specs]
    for spec in specs:
        ours = _git(repo, "rev-parse", f"refs/tags/{spec.name}").decode().strip()
        made = _git(repo, "cat-file", "tag", spec.name).decode()
        tagger = next(line for line in made.splitlines() if line.startswith("tagger "))
        seconds, zone = tagger.rsplit(" ", 2)[1:]
        assert tagger == f"tagger {NAME} <{EMAIL}> {seconds} {zone}"
        assert ("-----BEGIN SSH SIGNATURE-----" in made) is (key is not None)
        _git(repo, "tag", "-d", spec.name)
        # git's own tag of the same name, message and moment: the same object id, so the same bytes
        assert _git_tag(repo, spec.name, spec.message, sha, key, f"{seconds} {zone}") == ours


def _rsa(folder: Path) -> Key:
    folder.mkdir(parents=True, exist_ok=True)
    key = folder / "ci-rsa"
    subprocess.run(["ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-C", EMAIL, "-f", str(key)],
                   check=True, capture_output=True)
    return Key(key, key.with_name(key.name + ".pub").read_text().strip())


def test_git_tag_verify_accepts_every_bulk_tag_and_rejects_another_key(repo: Path, tmp_path: Path) -> None:
    key = keygen(tmp_path / "keys", "ci", EMAIL)
    other = keygen(tmp_path / "keys", "other", EMAIL)
    git = Git(repo)
    sha = git.head()
    assert sha is not None
    specs = [TagSpec(f"arsip/{n}", sha, f"Arsip {n}: judul {n}\n") for n in range(300)]  # more than one batch
    assert len(specs) > tagwrite.SIGN_BATCH
    tagwrite.make_tags(git, specs, _config(key), key.private)
    for public, good in ((key.public, True), (other.public, False)):
        signers = tmp_path / f"signers-{good}"
        signers.write_text(f'{EMAIL} namespaces="git" {" ".join(public.split()[:2])}\n')
        for spec in (specs[0], specs[200], specs[-1]):
            proc = subprocess.run(["git", "-c", f"gpg.ssh.allowedSignersFile={signers}", "tag", "-v", spec.name],
                                  cwd=repo, capture_output=True, env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1",
                                                                      "GIT_CONFIG_GLOBAL": os.devnull})
            assert (proc.returncode == 0) is good, proc.stderr
    listed = _git(repo, "for-each-ref", "--format=%(refname:strip=2) %(*objectname)", "refs/tags/arsip/").decode()
    assert len(listed.splitlines()) == 300 and all(line.endswith(sha) for line in listed.splitlines())


def test_an_existing_tag_refuses_the_whole_batch_unless_it_may_be_replaced(repo: Path, tmp_path: Path) -> None:
    key = keygen(tmp_path / "keys", "ci", EMAIL)
    git = Git(repo)
    sha = git.head()
    assert sha is not None
    _git(repo, "tag", "arsip/2", sha)  # a lightweight tag somebody pushed
    specs = [TagSpec(f"arsip/{n}", sha, f"Arsip {n}\n") for n in range(1, 4)]
    with pytest.raises(GitError):
        tagwrite.make_tags(git, specs, _config(key), key.private)
    assert _git(repo, "tag", "-l", "arsip/*").decode().split() == ["arsip/2"]  # nothing of the batch was made
    assert _git(repo, "cat-file", "-t", "arsip/2").strip() == b"commit"
    specs[1] = TagSpec("arsip/2", sha, "Arsip 2\n", force=True)
    tagwrite.make_tags(git, specs, _config(key), key.private)
    assert _git(repo, "tag", "-l", "arsip/*").decode().split() == ["arsip/1", "arsip/2", "arsip/3"]
    assert _git(repo, "cat-file", "-t", "arsip/2").strip() == b"tag"


def test_a_target_that_is_not_a_commit_changes_nothing(repo: Path, tmp_path: Path) -> None:
    key = keygen(tmp_path / "keys", "ci", EMAIL)
    git = Git(repo)
    sha = git.head()
    assert sha is not None
    blob = _git(repo, "rev-parse", "HEAD:a.txt").decode().strip()
    for target in (blob, "f" * 40, "HEAD"):
        with pytest.raises(GitError):
            tagwrite.make_tags(git, [TagSpec("arsip/1", sha, "a\n"), TagSpec("arsip/2", target, "b\n")],
                               _config(key), key.private)
        assert _git(repo, "tag", "-l").decode() == ""
    with pytest.raises(GitError):
        tagwrite.make_tags(git, [TagSpec("arsip/1", sha, "a\n"), TagSpec("arsip/1", sha, "b\n")], _config(key),
                           key.private)


def test_message_cleanup_is_gits_stripspace(repo: Path) -> None:
    rng = random.Random(7)
    pieces = ["", " ", "\t", "\r", "\n", "\n\n", "x", "Arsip 1: a", "  y  ", "\v", "\f", "é", "#a comment",
              " #not one"]
    for _ in range(400):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        # git tag cleans a message as ``git stripspace --strip-comments`` does (its default cleanup)
        assert tagwrite.stripspace(text).encode() == _git(repo, "stripspace", "-s", data=text.encode()), repr(text)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(number=st.one_of(st.text(alphabet="abAZ09._/-:*~ ", max_size=30),
                        st.from_regex(r"\A[0-9]{3}(\.[0-9]{1,2}){1,3}/[0-9]{1,5}/[A-Z]{2,6}/20[0-9]{2}\Z"),
                        st.text(max_size=20)))
def test_a_plain_number_is_its_own_tag_name_and_every_name_is_a_valid_ref(number: str) -> None:
    name = gitops.tag_name(number)
    assert name == _slow_tag_name(number)
    assert subprocess.run(["git", "check-ref-format", f"refs/tags/{name}"], capture_output=True).returncode == 0 \
        or not number.strip("./_-")


def _slow_tag_name(number: str) -> str:
    """The rewriting every number went through before the fast path (gitops.tag_name's second half)."""
    safe = re.sub(r"[^A-Za-z0-9._/-]", "_", number)
    safe = re.sub(r"/{2,}", "/", re.sub(r"\.{2,}", "_", safe)).strip("/")
    parts = [p[1:] if p.startswith(".") else p for p in safe.split("/")]
    parts = [p[:-5] + "_lock" if p.endswith(".lock") else p for p in parts]
    return gitops.TAG_PREFIX + "/".join(p.rstrip(".") or "_" for p in parts)
