"""``sop/people.yaml``: roles and the people who hold them, and every refusal with its line."""

from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path

import pytest

from pipeline.errors import ConfigError
from pipeline.people import load_people, parse_people, ssh_key_problem
from pipeline.sop_files import load_sops

PROJECT = Path(__file__).resolve().parents[1]

VALID = """\
roles:
  kepala_dinas: Kepala Dinas
  operator_website: Operator Website
people:
  - name: Rina Lestari
    email: Rina.Lestari@example.go.id
    roles: [operator_website]
    github: rina-contoh
  - name: Wahyu Hidayat
    email: wahyu@example.go.id
    roles: [kepala_dinas]
    ssh_keys: []
"""


def line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in the test text")


def refused(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_people(text)
    assert info.value.exit_code == 2
    return [f.format() for f in info.value.findings]


def keygen(tmp_path: Path, kind: str, bits: str | None = None) -> str:
    """A real public key line made by ssh-keygen."""
    if shutil.which("ssh-keygen") is None:
        pytest.fail("ssh-keygen is needed (openssh-client)")
    key = tmp_path / f"id_{kind}"
    args = ["ssh-keygen", "-q", "-t", kind, "-N", "", "-C", f"{kind}@example.go.id", "-f", str(key)]
    if bits:
        args += ["-b", bits]
    subprocess.run(args, check=True, capture_output=True, timeout=60)
    return key.with_suffix(".pub").read_text().strip()


# --------------------------------------------------------------------------------------------------
# The project's people.yaml


def test_project_people_cover_every_sop_role() -> None:
    people = load_people(PROJECT)
    sops = load_sops(PROJECT, roles=people.roles)
    approving = {s.pelaksana for sop in sops.values() for s in sop.langkah if s.paraf}
    signing = {sop.disahkan_oleh for sop in sops.values()}
    for role in approving | signing:
        assert people.holders(role), f"nobody holds {role}"
    operators = [p for p in people.people if not set(p.roles) & (approving | signing)]
    assert operators, "the example needs an operator who approves nothing"
    for person in people.people:
        assert person.email.endswith("@example.go.id"), person.email
        # No forge logins in the example: a real account must not hold a role by accident.
        assert person.github is None
        assert person.ssh_keys == ()
    # Steps of one SOP in a row need different people (one person fills one step).
    kadin, kabid = people.holders("kepala_dinas"), people.holders("kepala_bidang")
    assert {p.email for p in kadin}.isdisjoint({p.email for p in kabid})


def test_lookups() -> None:
    people = parse_people(VALID)
    rina = people.by_email("rina.lestari@EXAMPLE.go.id")
    assert rina is not None and rina.name == "Rina Lestari"
    assert people.by_email("nobody@example.go.id") is None
    assert people.by_github("Rina-Contoh") is rina
    assert people.by_github("wahyu") is None
    assert [p.name for p in people.holders("kepala_dinas")] == ["Wahyu Hidayat"]
    assert people.holders("sekdin") == []
    assert people.title("kepala_dinas") == "Kepala Dinas"


def test_real_keys_are_accepted(tmp_path: Path) -> None:
    keys = [keygen(tmp_path, "ed25519"), keygen(tmp_path, "ecdsa", "256"), keygen(tmp_path, "rsa", "2048")]
    for key in keys:
        assert ssh_key_problem(key) is None, key
    text = VALID.replace("    ssh_keys: []\n", "    ssh_keys:\n" + "".join(f"      - {k}\n" for k in keys))
    wahyu = parse_people(text).by_email("wahyu@example.go.id")
    assert wahyu is not None and wahyu.ssh_keys == tuple(keys)


# --------------------------------------------------------------------------------------------------
# Refusals


def test_unknown_role_of_a_person() -> None:
    text = VALID.replace("roles: [kepala_dinas]", "roles: [kepala_dinass]")
    messages = refused(text)
    assert len(messages) == 1
    assert messages[0].startswith(f"sop/people.yaml:{line_of(text, 'kepala_dinass')}: error: people.1.roles")
    assert "'kepala_dinas'" in messages[0]


def test_duplicate_email_ignores_case() -> None:
    text = VALID.replace("email: wahyu@example.go.id", "email: rina.lestari@example.GO.ID")
    messages = refused(text)
    assert len(messages) == 1
    assert messages[0].startswith(f"sop/people.yaml:{line_of(text, 'GO.ID')}: error: people.1.email")
    assert f"line {line_of(text, 'Rina.Lestari@')}" in messages[0]


@pytest.mark.parametrize("email", ["wahyu", "wahyu@", "@example.go.id", "wahyu@example", "wa hyu@x.go.id"])
def test_invalid_email(email: str) -> None:
    text = VALID.replace("email: wahyu@example.go.id", f"email: '{email}'")
    messages = refused(text)
    assert len(messages) == 1
    line = line_of(text, f"email: '{email}'")
    assert messages[0].startswith(f"sop/people.yaml:{line}: error: people.1.email")


def test_missing_and_empty_name() -> None:
    text = VALID.replace("  - name: Wahyu Hidayat\n    email:", "  - email:")
    messages = refused(text)
    assert len(messages) == 1
    assert messages[0].startswith(f"sop/people.yaml:{line_of(text, '- email: wahyu')}: error: people.1.name")
    text = VALID.replace("name: Wahyu Hidayat", "name: ''")
    line = line_of(text, "name: ''")
    assert refused(text)[0].startswith(f"sop/people.yaml:{line}: error: people.1.name")


def test_unknown_key_is_suggested() -> None:
    text = VALID.replace("    ssh_keys: []\n", "    ssh_key: []\n")
    messages = refused(text)
    assert messages[0].startswith(f"sop/people.yaml:{line_of(text, 'ssh_key:')}: error: people.1.ssh_key")
    assert "'ssh_keys'" in messages[0]


def test_role_ids_and_titles() -> None:
    text = VALID.replace("roles:\n", "roles:\n  Kepala-Bidang: Kabid\n  sekdin: ''\n", 1)
    messages = refused(text)
    bad_id, no_title = line_of(text, "Kepala-Bidang"), line_of(text, "sekdin")
    assert any(m.startswith(f"sop/people.yaml:{bad_id}: error: roles.Kepala-Bidang") for m in messages)
    assert any(m.startswith(f"sop/people.yaml:{no_title}: error: roles.sekdin") for m in messages), messages


def test_github_login_checked_and_unique() -> None:
    text = VALID.replace("    ssh_keys: []\n", "    github: RINA-contoh\n")
    messages = refused(text)
    assert messages[0].startswith(f"sop/people.yaml:{line_of(text, 'RINA-contoh')}: error: people.1.github")
    text = VALID.replace("github: rina-contoh", "github: -rina")
    assert refused(text)[0].startswith(f"sop/people.yaml:{line_of(text, '-rina')}: error: people.0.github")


def test_invalid_ssh_keys(tmp_path: Path) -> None:
    good = keygen(tmp_path, "ed25519")
    kind, blob, _comment = good.split(" ", 2)
    rsa_blob = keygen(tmp_path, "rsa", "2048").split()[1]
    cases = {
        "wrong type": f"ssh-dss {blob}",
        "no key": "ssh-ed25519",
        "not base64": "ssh-ed25519 AAAA!!notbase64",
        "padding cut": f"{kind} {blob[:-3]}",
        "type differs from blob": f"ssh-rsa {blob}",
        "another key's blob": f"ssh-ed25519 {rsa_blob}",
        "type only": "ssh-ed25519 " + base64.b64encode(b"\x00\x00\x00\x0bssh-ed25519").decode(),
        "private key pasted": "-----BEGIN OPENSSH PRIVATE KEY-----",
    }
    for name, key in cases.items():
        assert ssh_key_problem(key) is not None, name
    keys = list(cases.values())
    text = VALID.replace("    ssh_keys: []\n", "    ssh_keys:\n" + "".join(f"      - '{k}'\n" for k in keys))
    messages = refused(text)
    assert len(messages) == len(keys)
    for i, key in enumerate(keys):
        line = line_of(text, f"- '{key}'")
        start = f"sop/people.yaml:{line}: error: people.1.ssh_keys.{i}"
        assert any(m.startswith(start) for m in messages), key


def test_missing_file_and_syntax_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="sop/people.yaml not found"):
        load_people(tmp_path)
    (tmp_path / "sop").mkdir()
    (tmp_path / "sop" / "people.yaml").write_text("roles: {a: [\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_people(tmp_path)
    assert info.value.findings[0].path == "sop/people.yaml"
    assert info.value.findings[0].line is not None


def test_roles_are_required() -> None:
    messages = refused("people: []\n")
    assert messages[0].startswith("sop/people.yaml:1: error: roles")


def test_an_official_phone_is_kept_and_must_be_a_telephone_number() -> None:
    text = VALID.replace("    github: rina-contoh\n", "    github: rina-contoh\n    phone: \"+62 812-2000-3000\"\n")
    people = parse_people(text)
    assert people.by_email("rina.lestari@example.go.id").phone == "+62 812-2000-3000"  # type: ignore[union-attr]
    bad = text.replace('"+62 812-2000-3000"', "kantor")
    with pytest.raises(ConfigError) as info:
        parse_people(bad)
    assert [f.format() for f in info.value.findings] == [
        f"sop/people.yaml:{line_of(bad, 'phone:')}: error: people.0.phone: 'kantor' is not a telephone number; "
        "write it as +62 812 3456 7890"]


# --------------------------------------------------------------------------------------------------
# The publishing identity (pipeline:)


def last_line_of(text: str, needle: str) -> int:
    return max(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def pipeline_entry(key: str, extra: str = "") -> str:
    return f"pipeline:\n  name: warta CI\n  email: ci@example.go.id\n  ssh_keys: [\"{key}\"]\n{extra}"


def test_pipeline_entry_is_read_and_is_nobody_who_can_approve(tmp_path: Path) -> None:
    key = keygen(tmp_path, "ed25519")
    people = parse_people(VALID + pipeline_entry(key))
    assert people.pipeline is not None
    assert (people.pipeline.name, people.pipeline.email, people.pipeline.ssh_keys) == \
        ("warta CI", "ci@example.go.id", (key,))
    assert people.by_email("ci@example.go.id") is None  # not a person: holds no role, approves nothing
    assert all(p.email != "ci@example.go.id" for p in people.people)
    assert parse_people(VALID).pipeline is None


def test_pipeline_entry_cannot_hold_a_role(tmp_path: Path) -> None:
    text = VALID + pipeline_entry(keygen(tmp_path, "ed25519"), "  roles: [kepala_dinas]\n")
    messages = refused(text)
    assert len(messages) == 1
    assert messages[0].startswith(f"sop/people.yaml:{last_line_of(text, 'roles: [kepala_dinas]')}: error: "
                                  "pipeline.roles: the publishing identity holds no role")


def test_pipeline_entry_needs_its_own_email_and_key(tmp_path: Path) -> None:
    key = keygen(tmp_path, "ed25519")
    shared_key = VALID.replace("    ssh_keys: []\n", f"    ssh_keys: [\"{key}\"]\n") + pipeline_entry(key)
    messages = refused(shared_key)
    assert len(messages) == 1 and "pipeline.ssh_keys.0: this key is also a person's key" in messages[0]
    shared_email = VALID + pipeline_entry(key).replace("ci@example.go.id", "wahyu@example.go.id")
    messages = refused(shared_email)
    assert len(messages) == 1 and "pipeline.email: 'wahyu@example.go.id' is a person's email" in messages[0]


def test_pipeline_entry_needs_a_key_and_a_valid_register_base(tmp_path: Path) -> None:
    text = VALID + "pipeline:\n  name: warta CI\n  email: ci@example.go.id\n  ssh_keys: []\n"
    messages = refused(text)
    assert len(messages) == 1
    assert messages[0].startswith(f"sop/people.yaml:{last_line_of(text, 'ssh_keys: []')}: error: pipeline.ssh_keys")
    text = VALID + pipeline_entry(keygen(tmp_path, "ed25519"), "  register_base: main\n")
    messages = refused(text)
    assert len(messages) == 1 and "pipeline.register_base" in messages[0]
