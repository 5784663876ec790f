"""Archivists read git with git: `warta signers` / `warta init` write the allowed-signers file from every
version of people.yaml, with valid_after/valid_before, so `git verify-commit` judges approvals."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

import pytest
from approvals_helpers import Person
from cli_helpers import run_warta

from pipeline.errors import ConfigError
from pipeline.people import parse_people
from pipeline.signers import signer_lines, write_signers

ROLES = "roles:\n  kasubbag: Kepala Sub Bagian\n"


def people_text(person: Person, key: str) -> str:
    return f"{ROLES}people:\n  - name: {person.name}\n    email: {person.email}\n    roles: [kasubbag]\n{key}"


def git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=check)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "site"
    root.mkdir()
    (tmp_path / "gitconfig").write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    git(root, "init", "-q", "-b", "main")
    (root / "sop").mkdir()
    return root


def commit_signed(root: Path, person: Person, message: str, when: str | None = None) -> str:
    args = ["-c", f"user.name={person.name}", "-c", f"user.email={person.email}", "-c", "gpg.format=ssh",
            "-c", f"user.signingkey={person.key}", "commit", "-q", "-S", "--allow-empty", "-m", message]
    env = {**os.environ, "GIT_COMMITTER_DATE": when, "GIT_AUTHOR_DATE": when} if when else None
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, env=env)
    return git(root, "rev-parse", "HEAD").stdout.strip()


def test_plain_key_strings_and_key_entries_with_validity_both_parse(cast: dict[str, Person]) -> None:
    dwi = cast["dwi"]
    people = parse_people(people_text(dwi, f"    ssh_keys:\n      - {dwi.public}\n      - key: {cast['ani'].public}\n"
                                           "        valid_after: 2024-01-01\n        valid_before: 2025-07-01\n"))
    (person,) = people.people
    assert person.ssh_keys == (dwi.public, cast["ani"].public)
    assert person.validity(0) == (None, None)
    assert person.validity(1) == (dt.date(2024, 1, 1), dt.date(2025, 7, 1))
    kind, blob = cast["ani"].public.split()[:2]
    assert (f'{dwi.email} namespaces="git",valid-after="20240101Z",valid-before="20250701Z" {kind} {blob}'
            in signer_lines([people]))


def test_a_key_whose_validity_ends_before_it_starts_is_refused(cast: dict[str, Person]) -> None:
    dwi = cast["dwi"]
    with pytest.raises(ConfigError) as info:
        parse_people(people_text(dwi, f"    ssh_keys:\n      - key: {dwi.public}\n        valid_after: 2025-01-01\n"
                                      "        valid_before: 2024-01-01\n"))
    assert [f.format() for f in info.value.findings] == [
        "sop/people.yaml:10: error: people.0.ssh_keys.0.valid_before: must be after valid_after"]


def test_git_verify_commit_accepts_the_signature_of_a_listed_key(repo: Path, cast: dict[str, Person]) -> None:
    dwi = cast["dwi"]
    (repo / "sop" / "people.yaml").write_text(people_text(dwi, f'    ssh_keys: ["{dwi.public}"]\n'))
    git(repo, "add", ".")
    sha = commit_signed(repo, dwi, "people")
    before = git(repo, "verify-commit", sha, check=False)
    assert before.returncode != 0  # no allowed-signers file yet: git cannot say who signed
    path, count = write_signers(repo)
    assert count == 1 and git(repo, "config", "gpg.ssh.allowedSignersFile").stdout.strip() == str(path)
    after = git(repo, "verify-commit", sha, check=False)
    assert after.returncode == 0, after.stderr
    assert f'Good "git" signature for {dwi.email}' in after.stderr
    assert git(repo, "log", "-1", "--format=%G?").stdout.strip() == "G"


def test_a_retired_key_no_longer_signs_and_old_keys_stay_verifiable(repo: Path, cast: dict[str, Person]) -> None:
    dwi, ani = cast["dwi"], cast["ani"]  # ani's key stands for dwi's new key
    (repo / "sop" / "people.yaml").write_text(people_text(dwi, f'    ssh_keys: ["{dwi.public}"]\n'))
    git(repo, "add", ".")
    old = commit_signed(repo, dwi, "signed with the old key", "2025-03-01T10:00:00+07:00")
    (repo / "sop" / "people.yaml").write_text(people_text(
        dwi, f"    ssh_keys:\n      - key: {dwi.public}\n        valid_before: 2025-07-01\n      - {ani.public}\n"))
    git(repo, "add", ".")
    commit_signed(repo, ani, "retire the old key", "2025-07-02T10:00:00+07:00")
    late = commit_signed(repo, dwi, "signed with the retired key", "2025-08-01T10:00:00+07:00")
    write_signers(repo)
    assert git(repo, "verify-commit", old, check=False).returncode == 0  # made while the key was valid
    assert git(repo, "verify-commit", late, check=False).returncode != 0  # made after it was retired
    assert git(repo, "log", "-1", "--format=%G?", late).stdout.strip() != "G"


def test_warta_init_configures_git_to_check_signatures(tmp_path: Path) -> None:
    result = run_warta("init", str(tmp_path / "situs"))
    assert result.returncode == 0, result.stderr
    configured = git(tmp_path / "situs", "config", "--local", "gpg.ssh.allowedSignersFile").stdout.strip()
    assert Path(configured).is_file()
    assert not git(tmp_path / "situs", "status", "--porcelain").stdout.strip()  # nothing to commit


def test_warta_signers_rewrites_the_file(tmp_path: Path) -> None:
    site = tmp_path / "situs"
    assert run_warta("init", str(site)).returncode == 0
    signers = Path(git(site, "config", "--local", "gpg.ssh.allowedSignersFile").stdout.strip())
    signers.unlink()
    result = run_warta("-C", str(site), "signers")
    assert result.returncode == 0, result.stderr
    assert signers.is_file() and str(signers) in result.stdout
