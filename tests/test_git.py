"""pipeline.git against real repositories: environment cleaning, the history reader, signatures, writes."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from pipeline.errors import GitError
from pipeline.git import Git, clean_env


def sh(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    base = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    base.update({"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": str(cwd.parent / "gitconfig")})
    base.update(env or {})
    return subprocess.run(["git", *args], cwd=cwd, env=base, capture_output=True, text=True,
                          check=True).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "gitconfig").write_text("[user]\n\tname = Rina\n\temail = rina@example.go.id\n"
                                        "[commit]\n\tgpgsign = false\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    root = tmp_path / "repo"
    root.mkdir()
    sh(root, "init", "-q", "-b", "main")
    (root / "a.txt").write_text("satu\n")
    sh(root, "add", "a.txt")
    sh(root, "commit", "-q", "-m", "first")
    return root


def test_environment_is_cleaned_of_repository_redirections(repo: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "other"
    other.mkdir()
    sh(other, "init", "-q", "-b", "main")
    (other / "b.txt").write_text("dua\n")
    sh(other, "add", "b.txt")
    sh(other, "commit", "-q", "-m", "other repository")
    # A hook or CI runner exporting these would send a naive git call to the other repository.
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(other))
    monkeypatch.setenv("GIT_INDEX_FILE", str(other / ".git" / "index"))
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "intruder@example.org")
    monkeypatch.setenv("LANG", "id_ID.UTF-8")
    env = clean_env()
    assert not {"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_AUTHOR_EMAIL"} & env.keys()
    assert env["LC_ALL"] == "C"
    assert env["GIT_CONFIG_GLOBAL"] == str(tmp_path / "gitconfig")  # isolation variables are kept
    git = Git(repo)
    assert [c.message.strip() for c in git.log(["HEAD"])] == ["first"]
    assert git.identity() == ("Rina", "rina@example.go.id")


def test_log_reads_parents_trees_paths_and_merges(repo: Path) -> None:
    sh(repo, "switch", "-q", "-c", "rilis/x")
    (repo / "b.txt").write_text("dua\n")
    sh(repo, "add", "b.txt")
    sh(repo, "commit", "-q", "-m", "branch change")
    sh(repo, "switch", "-q", "main")
    (repo / "c.txt").write_text("tiga\n")
    sh(repo, "add", "c.txt")
    sh(repo, "commit", "-q", "-m", "main change")
    sh(repo, "merge", "-q", "--no-ff", "-m", "merge", "rilis/x")
    commits = Git(repo).log(["HEAD"])
    assert [c.message.strip() for c in commits][0] == "first"
    assert commits[-1].message.strip() == "merge"
    merge = commits[-1]
    assert merge.is_merge and len(merge.parents) == 2
    assert merge.paths == ()  # a clean merge introduces nothing of its own
    by_message = {c.message.strip(): c for c in commits}
    assert by_message["branch change"].paths == ("b.txt",)
    assert by_message["first"].paths == ("a.txt",)  # the root commit lists its files
    assert merge.tree == sh(repo, "rev-parse", "HEAD^{tree}")
    first_parent = Git(repo).log(["HEAD"], first_parent=True, raw=True)
    assert [c.message.strip() for c in first_parent] == ["first", "main change", "merge"]
    assert [ch.path for ch in first_parent[-1].changes] == ["b.txt"]
    assert first_parent[-1].changes[0].oid == sh(repo, "rev-parse", "HEAD:b.txt")


def test_evil_merge_content_is_attributed_to_the_merge(repo: Path) -> None:
    sh(repo, "switch", "-q", "-c", "side")
    (repo / "b.txt").write_text("side\n")
    sh(repo, "add", "b.txt")
    sh(repo, "commit", "-q", "-m", "side")
    sh(repo, "switch", "-q", "main")
    sh(repo, "merge", "-q", "--no-ff", "--no-commit", "side")
    (repo / "a.txt").write_text("changed inside the merge\n")
    sh(repo, "add", "a.txt")
    sh(repo, "commit", "-q", "-m", "evil merge")
    merge = Git(repo).log(["HEAD"])[-1]
    assert merge.is_merge and merge.paths == ("a.txt",)


def test_log_cannot_be_fooled_by_messages_or_file_names(repo: Path) -> None:
    fake = "x\x00deadbeef\x1e\x1f" + "f" * 40 + "\nWarta-Item: a.txt"
    weird = "na\tme\nwith newline.txt"
    (repo / weird).write_text("x")
    sh(repo, "add", "--", weird)
    sh(repo, "commit", "-q", "-m", fake.replace("\x00", ""))
    commits = Git(repo).log(["HEAD"])
    assert len(commits) == 2
    assert commits[-1].paths == (weird,)
    assert commits[-1].sha == sh(repo, "rev-parse", "HEAD")


def test_read_blobs_and_trees(repo: Path) -> None:
    git = Git(repo)
    (repo / "dir").mkdir()
    (repo / "dir" / "d.bin").write_bytes(b"\x00\x01\n\xff")
    sh(repo, "add", "dir")
    sh(repo, "commit", "-q", "-m", "binary")
    tree = {e.path: e for e in git.ls_tree("HEAD")}
    assert set(tree) == {"a.txt", "dir/d.bin"}
    blobs = git.read_blobs([tree["dir/d.bin"].oid, "HEAD:a.txt", "HEAD:missing"])
    assert blobs == {tree["dir/d.bin"].oid: b"\x00\x01\n\xff", "HEAD:a.txt": b"satu\n"}
    assert git.changed_paths("HEAD~1", "HEAD") == ["dir/d.bin"]
    assert git.rev_parse("HEAD~1") == sh(repo, "rev-parse", "HEAD~1")
    assert git.rev_parse("no-such-branch") is None
    assert git.merge_base("HEAD", "HEAD~1") == git.rev_parse("HEAD~1")
    assert git.is_ancestor("HEAD~1", "HEAD") and not git.is_ancestor("HEAD", "HEAD~1")
    assert git.current_branch() == "main"
    assert not git.is_shallow()


def test_dirty_paths_lists_staged_unstaged_and_untracked(repo: Path) -> None:
    git = Git(repo)
    assert git.dirty_paths() == []
    (repo / "a.txt").write_text("changed\n")
    (repo / "new.txt").write_text("new\n")
    assert sorted(git.dirty_paths()) == ["a.txt", "new.txt"]
    assert git.dirty_paths(["a.txt"]) == ["a.txt"]


def test_commit_empty_ignores_the_index_and_hooks(repo: Path) -> None:
    git = Git(repo)
    (repo / "staged.txt").write_text("do not commit me\n")
    sh(repo, "add", "staged.txt")
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho hook ran >> hook.log\nexit 1\n")
    hook.chmod(0o755)
    before = sh(repo, "rev-parse", "HEAD^{tree}")
    sha = git.commit_empty("Record\n\nWarta-Item: a.txt\n", sign=False)
    assert sh(repo, "rev-parse", "HEAD") == sha
    assert sh(repo, "rev-parse", "HEAD^{tree}") == before  # the staged file is not in the record
    assert sh(repo, "diff", "--cached", "--name-only") == "staged.txt"
    assert not (repo / "hook.log").exists()
    assert sh(repo, "log", "-1", "--format=%an <%ae>") == "Rina <rina@example.go.id>"


def test_signatures_are_gits_verdict(repo: Path, tmp_path: Path) -> None:
    key = tmp_path / "key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    sh(repo, "config", "gpg.format", "ssh")
    sh(repo, "config", "user.signingkey", f"{key}.pub")
    git = Git(repo)
    signed = git.commit_empty("signed\n", sign=True)
    unsigned = git.commit_empty("unsigned\n", sign=False)
    fingerprint = subprocess.run(["ssh-keygen", "-l", "-f", f"{key}.pub"], capture_output=True, text=True,
                                 check=True).stdout.split()[1]
    allowed = tmp_path / "allowed"
    allowed.write_text(f'rina@example.go.id namespaces="git" {(tmp_path / "key.pub").read_text()}')
    verdicts = git.signatures([signed, unsigned], allowed)
    assert verdicts[signed].status == "G"
    assert verdicts[signed].key == fingerprint
    assert verdicts[signed].signer == "rina@example.go.id"
    assert verdicts[unsigned].status == "N"
    allowed.write_text("")
    assert git.signatures([signed], allowed)[signed].status == "U"  # valid, but no listed key


def test_errors_are_git_errors(tmp_path: Path) -> None:
    with pytest.raises(GitError, match="not inside a git repository"):
        Git.discover(tmp_path)
    with pytest.raises(GitError, match="git frobnicate failed"):
        Git(tmp_path).run("frobnicate")
