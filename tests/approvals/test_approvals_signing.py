"""Signing helpers: fingerprints as ssh-keygen prints them, the allowed-signers file, the signer's setup,
the verdict cache, and record trailers."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pipeline.approvals import signing
from pipeline.approvals.records import format_record, parse_trailers, record_from_commit
from pipeline.git import Commit, Git, Signature
from pipeline.people import parse_people


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("k") / "id"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "dwi", "-f", str(path)], check=True)
    return path


def test_fingerprint_matches_ssh_keygen(key: Path) -> None:
    public = key.with_suffix(".pub").read_text().strip()
    printed = subprocess.run(["ssh-keygen", "-l", "-f", f"{key}.pub"], capture_output=True, text=True,
                             check=True).stdout.split()[1]
    assert signing.fingerprint(public) == printed
    assert signing.fingerprint("ssh-ed25519 !!!not-base64") is None
    assert signing.fingerprint("") is None


def test_allowed_signers_lists_every_key_under_its_email(key: Path) -> None:
    public = key.with_suffix(".pub").read_text().strip()
    people = parse_people(f"""\
roles: {{kasubbag: Kasubbag}}
people:
  - {{name: Dwi, email: dwi@x.go.id, roles: [kasubbag], ssh_keys: ["{public}"]}}
  - {{name: Tanpa Kunci, email: t@x.go.id, roles: []}}
""")
    text = signing.allowed_signers([people, people])
    kind, blob = public.split()[:2]
    assert text == f'dwi@x.go.id namespaces="git" {kind} {blob}\n'


def test_signing_setup_says_exactly_what_to_configure(tmp_path: Path, key: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "gitconfig"
    config.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    repo = tmp_path / "r"
    repo.mkdir()
    git = Git(repo)
    git.run("init", "-q")
    problem = signing.signing_setup(git).problem
    assert problem is not None
    assert "git config user.signingkey ~/.ssh/id_ed25519.pub" in problem
    assert "git config gpg.format ssh" in problem
    git.run("config", "gpg.format", "ssh")
    git.run("config", "user.signingkey", str(key))  # the private key: its .pub beside it is found
    setup = signing.signing_setup(git)
    assert setup.problem is None and setup.fingerprint == signing.fingerprint(key.with_suffix(".pub").read_text())


def test_verdict_cache_reuses_good_verdicts_while_the_key_is_listed(tmp_path: Path) -> None:
    cache = signing.SignatureCache(tmp_path)
    cache.put({"a" * 40: Signature("G", "SHA256:k1", "dwi@x.go.id"), "b" * 40: Signature("N", "", ""),
               "c" * 40: Signature("U", "SHA256:k9", "")}, "digest-1")
    cache.save()
    again = signing.SignatureCache(tmp_path)
    assert again.get("a" * 40, "digest-1", frozenset()) == Signature("G", "SHA256:k1", "dwi@x.go.id")
    # another allowed-signers file (someone was added): still good while k1 is listed
    assert again.get("a" * 40, "digest-2", frozenset({"SHA256:k1"})) is not None
    assert again.get("a" * 40, "digest-2", frozenset({"SHA256:k2"})) is None
    assert again.get("b" * 40, "digest-2", frozenset()) == Signature("N", "", "")  # unsigned stays unsigned
    assert again.get("c" * 40, "digest-2", frozenset({"SHA256:k9"})) is None  # U: ask git again
    (tmp_path / "verdicts.json").write_text('{"version": 2, "table": [["G"]], "verdicts": {"x": 5}}')
    assert signing.SignatureCache(tmp_path).get("x", "d", frozenset()) is None


def test_trailers_and_record_messages() -> None:
    message = format_record(item="content/a.md", digest="sha256:" + "0" * 64, step=3, role="sekdin",
                            decision="return", subject="Return step 3: content/a.md",
                            note="Foto buram.\n\nGanti fotonya.")
    trailers, note = parse_trailers(message)
    assert trailers == [("Warta-Item", "content/a.md"), ("Warta-Digest", "sha256:" + "0" * 64),
                        ("Warta-Step", "3"), ("Warta-Role", "sekdin"), ("Warta-Decision", "return")]
    assert note == "Foto buram.\n\nGanti fotonya."
    with pytest.raises(ValueError):
        format_record(item="a\nWarta-Step: 2", digest="d", step=1, role="r", decision="approve", subject="s")
    # a trailer block must be the last paragraph and only trailers
    assert parse_trailers("s\n\nWarta-Item: a\nnot a trailer\n")[0] == []
    assert parse_trailers("Warta-Item: a\n")[0] == []  # the subject is never a trailer


def commit(message: str, tree: str = "t1", parents: tuple[str, ...] = ("p",)) -> Commit:
    return Commit("c" * 40, parents, tree, "Dwi", "dwi@x.go.id", 100, "Dwi", "dwi@x.go.id", 100, message)


def test_records_keep_what_is_wrong_with_their_trailers() -> None:
    good = ("x\n\nWarta-Item: content/a.md\nWarta-Digest: sha256:" + "a" * 64 +
            "\nWarta-Step: 2\nWarta-Role: kasubbag\nWarta-Decision: approve\n")
    record = record_from_commit(commit(good), {"p": "t1"})
    assert record is not None and record.problems == () and not record.changes_files and record.step == 2
    assert record_from_commit(commit(good), {"p": "t0"}).changes_files  # type: ignore[union-attr]
    assert record_from_commit(commit(good), {}).changes_files  # type: ignore[union-attr]  # parent unknown
    bad = ("x\n\nwarta-item: content/a.md\nWarta-Digest: md5:1\nWarta-Step: two\nWarta-Role: Kasubbag!\n"
           "Warta-Decision: maybe\nWarta-Decision: approve\n")
    broken = record_from_commit(commit(bad), {"p": "t1"})
    assert broken is not None and broken.item == "content/a.md"
    assert len(broken.problems) == 5
    assert record_from_commit(commit("plain commit\n\nSigned-off-by: x <x@y>"), {"p": "t1"}) is None
