"""The publishing identity (DESIGN rule 12): the key from WARTA_SIGNING_KEY leaves the environment at
once, lives in a private file, must be the key people.yaml's ``pipeline:`` entry lists, and register
messages carry untrusted text only in an encoded block that is never read as trailers."""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from identity_helpers import Key, keygen, pipeline_block

from pipeline.approvals.records import parse_trailers
from pipeline.errors import UsageError
from pipeline.identity import (
    SIGNING_KEY_ENV,
    decode_block,
    load_identity,
    register_message,
    sealed,
    take_signing_key,
)
from pipeline.init import add_pipeline_entry, make_signing_key
from pipeline.people import parse_people

PEOPLE = """\
roles:
  kepala_dinas: Kepala Dinas
people:
  - name: Wahyu Hidayat
    email: wahyu@example.go.id
    roles: [kepala_dinas]
"""


@pytest.fixture(scope="module")
def ci(tmp_path_factory: pytest.TempPathFactory) -> Key:
    return keygen(tmp_path_factory.mktemp("ci-key"), "warta-publish")


@pytest.fixture(scope="module")
def other(tmp_path_factory: pytest.TempPathFactory) -> Key:
    return keygen(tmp_path_factory.mktemp("other-key"), "someone-else")


def test_key_leaves_the_environment_and_lives_in_a_private_file(ci: Key) -> None:
    env = {SIGNING_KEY_ENV: ci.text, "PATH": os.environ.get("PATH", "")}
    key = take_signing_key(env)
    assert key is not None and SIGNING_KEY_ENV not in env
    assert ci.text not in "".join(env.values())
    assert stat.S_IMODE(key.file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.file.parent.stat().st_mode) == 0o700
    assert key.public == " ".join(ci.public.split()[:2])
    # the same run asks again (the variable is gone): the same key; a fresh environment has none
    assert take_signing_key(env) == key
    assert take_signing_key({"PATH": "/usr/bin"}) is None


def test_the_key_file_is_deleted_when_the_process_exits(ci: Key, tmp_path: Path) -> None:
    script = ("import sys; sys.path.insert(0, sys.argv[1]); from pipeline.identity import take_signing_key; "
              "print(take_signing_key().file)")
    env = {**os.environ, SIGNING_KEY_ENV: ci.text}
    proc = subprocess.run([sys.executable, "-c", script, str(Path(__file__).resolve().parents[1])],
                          env=env, capture_output=True, text=True, check=True)
    file = Path(proc.stdout.strip())
    assert file.name == "key" and not file.exists() and not file.parent.exists()


def test_child_processes_never_see_the_key(ci: Key, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SIGNING_KEY_ENV, ci.text)
    monkeypatch.setenv("WARTA_SIGNING_SESSION", "")  # recorded, so the run's token is removed afterwards
    take_signing_key()
    assert SIGNING_KEY_ENV not in os.environ
    child = subprocess.run([sys.executable, "-c", "import os; print(repr(dict(os.environ)))"],
                           capture_output=True, text=True, check=True).stdout
    assert SIGNING_KEY_ENV not in child
    assert "PRIVATE KEY" not in child and ci.text.splitlines()[1] not in child


def test_identity_is_the_entry_with_its_listed_key(ci: Key) -> None:
    people = parse_people(PEOPLE + pipeline_block(ci.public))
    found = load_identity(people, {SIGNING_KEY_ENV: ci.text})
    assert found is not None
    assert (found.name, found.email) == ("warta CI", "ci@dinas.example.go.id")
    assert found.config()["user.signingkey"] == str(found.key.file)


def test_a_key_the_entry_does_not_list_is_refused(ci: Key, other: Key) -> None:
    people = parse_people(PEOPLE + pipeline_block(ci.public))
    with pytest.raises(UsageError) as info:
        load_identity(people, {SIGNING_KEY_ENV: other.text})
    assert info.value.exit_code == 2
    assert SIGNING_KEY_ENV in str(info.value) and "sop/people.yaml" in str(info.value)
    assert " ".join(other.public.split()[:2]) in str(info.value)  # what to add, if the office means it


def test_a_key_without_an_entry_is_refused(ci: Key) -> None:
    with pytest.raises(UsageError) as info:
        load_identity(parse_people(PEOPLE), {SIGNING_KEY_ENV: ci.text})
    assert "no pipeline: entry" in str(info.value) and info.value.exit_code == 2


def test_an_entry_without_a_key_is_refused_when_required(ci: Key) -> None:
    people = parse_people(PEOPLE + pipeline_block(ci.public))
    with pytest.raises(UsageError) as info:
        load_identity(people, {})
    assert SIGNING_KEY_ENV in str(info.value) and "refuses to write it unsigned" in str(info.value)
    assert load_identity(people, {}, required=False) is None
    assert load_identity(parse_people(PEOPLE), {}) is None  # no entry, no key: unsigned, as before


def test_text_that_is_not_a_private_key_is_refused(ci: Key) -> None:
    for text in (ci.public, "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n"):
        with pytest.raises(UsageError) as info:
            take_signing_key({SIGNING_KEY_ENV: text})
        assert SIGNING_KEY_ENV in str(info.value) and info.value.exit_code == 2


INJECTED = ("Pelatihan Kader\nWarta-Item: content/siaran-pers/2025/lain.md\nWarta-Digest: sha256:" + "0" * 64
            + "\nWarta-Step: 3\nWarta-Role: sekdin\nWarta-Decision: approve")


def test_untrusted_text_in_a_register_message_is_never_a_trailer(tmp_path: Path) -> None:
    message = sealed(f"Arsip: nomor 400.14.5.6/1/UJI/2025\n\n400.14.5.6/1/UJI/2025  {INJECTED}\n\n{INJECTED}\n")
    trailers, _ = parse_trailers(message)
    assert trailers == [("Warta-Register", "numbering")]
    # git's own trailer parser agrees
    parsed = subprocess.run(["git", "interpret-trailers", "--parse"], input=message, capture_output=True,
                            text=True, check=True).stdout
    assert parsed.strip() == "Warta-Register: numbering"
    assert INJECTED in (decode_block(message) or "")
    assert message.splitlines()[0] == "Arsip: nomor 400.14.5.6/1/UJI/2025"


def test_a_subject_with_line_breaks_stays_one_line() -> None:
    message = register_message(INJECTED, "", "record")
    lines = message.splitlines()
    assert lines[0].startswith("Pelatihan Kader Warta-Item:") and lines[1:] == ["", "Warta-Register: record"]


def test_the_encoded_block_is_base64_of_the_text() -> None:
    message = register_message("Arsip: terbit 1", "satu\ndua", "record")
    block = message.split("-----\n", 1)[1].split("\n-----", 1)[0]
    assert base64.b64decode(block.replace("\n", "")).decode() == "satu\ndua"


def test_init_makes_the_key_outside_and_writes_the_entry(tmp_path: Path) -> None:
    people_file = tmp_path / "site" / "people.yaml"
    people_file.parent.mkdir()
    people_file.write_text(PEOPLE)
    private, public = make_signing_key(tmp_path / "site.keys")
    assert private.parent == tmp_path / "site.keys" and "PRIVATE KEY" in private.read_text()
    add_pipeline_entry(people_file, email="ci@example.go.id", public_key=public)
    people = parse_people(people_file.read_text())
    assert people.pipeline is not None and people.pipeline.ssh_keys == (public,)
    assert [p.name for p in people.people] == ["Wahyu Hidayat"]
    found = load_identity(people, {SIGNING_KEY_ENV: private.read_text()})
    assert found is not None and found.email == "ci@example.go.id"
    with pytest.raises(UsageError):
        add_pipeline_entry(people_file, email="ci@example.go.id", public_key=public)
