"""``arsip/`` is output, never evidence (DESIGN rule 12): a real ``warta publish`` signs its register
commits and tags as the publishing identity, and only those count. Forged record commits and tags (by an
operator with push access, or signed by an official) are ignored with a finding and never stop an
approved release from being numbered; a pull request that touches arsip/ fails ``warta verify``."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from approvals_helpers import Person, Site, approve_fully, people_yaml
from identity_helpers import (
    CI_EMAIL,
    CI_NAME,
    Key,
    forge_record_commit,
    git_verifies,
    keygen,
    make_cast,
    pipeline_block,
    signed_office,
    signers_file,
)
from publish_helpers import (
    approved_release,
    isolated_env,
    office,
    publish,
    publish_json,
    records,
    release_text,
    tags,
)

import pipeline.site.build as site_builder
from pipeline.approvals.records import parse_trailers
from pipeline.approvals.service import evaluate_repository
from pipeline.archive.trust import read_register, trusted_register, trusted_tags
from pipeline.git import Git
from pipeline.identity import SIGNING_KEY_ENV, decode_block


@pytest.fixture(scope="module")
def cast(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Person]:
    return make_cast(tmp_path_factory.mktemp("cast-keys"))


@pytest.fixture(scope="module")
def ci(tmp_path_factory: pytest.TempPathFactory) -> Key:
    return keygen(tmp_path_factory.mktemp("ci-key"), "warta-publish")


@pytest.fixture
def site(tmp_path: Path, cast: dict[str, Person], ci: Key, monkeypatch: pytest.MonkeyPatch) -> Site:
    made = signed_office(tmp_path, cast, ci)
    for key, value in isolated_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    return made


def signed_publish(site: Site, ci: Key, *args: str) -> subprocess.CompletedProcess[str]:
    return publish(site, *args, env={SIGNING_KEY_ENV: ci.text})


def ci_signers(site: Site, ci: Key) -> Path:
    return signers_file(site.home, CI_EMAIL, ci.public)


def register_commits(site: Site) -> list[str]:
    return [s for s in site.git("log", "--first-parent", "--format=%H", "main", "--", "arsip").split()]


def number_of(site: Site, path: str) -> str:
    return str(records(site.root)[path]["number"])


def record_text(data: dict[str, Any]) -> str:
    return yaml.safe_dump({k: v for k, v in data.items() if not k.startswith("_")}, allow_unicode=True,
                          sort_keys=False)


# --------------------------------------------------------------------------------------------------
# publish signs as the identity


def test_publish_signs_its_record_commits_and_tags_as_the_identity(site: Site, ci: Key) -> None:
    path = approved_release(site, "pelatihan-kader")
    proc = signed_publish(site, ci)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    commits = register_commits(site)
    assert len(commits) == 2  # the numbering commit and the publication record
    signers = ci_signers(site, ci)
    for sha in commits:
        assert git_verifies(site, "commit", sha, signers)
        assert site.git("log", "-1", "--format=%an <%ae>|%cn <%ce>", sha) == \
            f"{CI_NAME} <{CI_EMAIL}>|{CI_NAME} <{CI_EMAIL}>"
        assert site.git("log", "-1", "--format=%(trailers:key=Warta-Register,valueonly)", sha).strip() in \
            ("numbering", "record")
    made = tags(site)
    assert f"arsip/{number_of(site, path)}" in made and len(made) == 2  # the release and the imported page
    assert all(git_verifies(site, "tag", tag, signers) for tag in made)
    # an official's key is not the identity's: the same commits do not verify with only Wahyu listed
    wahyu = signers_file(site.home, site.cast["wahyu"].email, site.cast["wahyu"].public)
    assert not git_verifies(site, "commit", commits[0], wahyu)


def test_the_key_is_gone_before_anything_renders_or_runs(site: Site, ci: Key,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    approved_release(site, "tanpa-rahasia", photo="Canon_40D.jpg")
    seen: list[dict[str, str]] = []
    original = subprocess.Popen.__init__

    def spy(self: subprocess.Popen[Any], *args: Any, **kwargs: Any) -> None:
        env = kwargs.get("env")
        seen.append(dict(env) if env is not None else dict(os.environ))
        original(self, *args, **kwargs)

    build = site_builder.build_site  # publish imports it when it builds (pipeline/publish/site.py)
    during_build: list[bool] = []

    def watched_build(*args: Any, **kwargs: Any) -> Any:
        during_build.append(SIGNING_KEY_ENV in os.environ or ci.text in "".join(os.environ.values()))
        return build(*args, **kwargs)

    monkeypatch.setattr(subprocess.Popen, "__init__", spy)
    monkeypatch.setattr(site_builder, "build_site", watched_build)
    proc = signed_publish(site, ci)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert during_build == [False]
    secret = ci.text.splitlines()[1]
    leaks = [env for env in seen if SIGNING_KEY_ENV in env or any(secret in v for v in env.values())]
    assert len(seen) > 10 and leaks == []
    assert SIGNING_KEY_ENV not in os.environ


def test_without_the_key_publish_refuses_to_write_the_register(site: Site, ci: Key) -> None:
    approved_release(site, "tanpa-kunci")
    head = site.head()
    proc = publish(site)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert SIGNING_KEY_ENV in proc.stderr and "sop/people.yaml" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert site.head() == head and tags(site) == {}
    # a dry run needs no key: it writes nothing, and says a real run would refuse
    code, doc = publish_json(site, "--dry-run")
    assert code == 0 and doc["numbers"] and any(SIGNING_KEY_ENV in w for w in doc["warnings"])
    assert site.head() == head


def test_a_key_the_entry_does_not_list_is_refused_before_anything_is_written(site: Site, tmp_path: Path) -> None:
    approved_release(site, "kunci-lain")
    head = site.head()
    stranger = keygen(tmp_path / "stranger", "stranger")
    proc = publish(site, env={SIGNING_KEY_ENV: stranger.text})
    assert proc.returncode == 2 and "is not one of the ssh_keys" in proc.stderr
    assert site.head() == head and not (site.root / "arsip").exists()


# --------------------------------------------------------------------------------------------------
# forged register commits and tags


def test_a_forged_record_commit_is_ignored_and_the_real_release_still_gets_its_number(site: Site, ci: Key) -> None:
    first = approved_release(site, "rilis-satu")
    assert signed_publish(site, ci).returncode == 0
    genuine = records(site.root)[first]
    number = str(genuine["number"])
    # Eve (operator, push access) rewrites record 1 and files a bogus record under the next number
    eve = site.cast["eve"]
    edited = dict(genuine, title="Judul yang dipalsukan")
    forged_next = dict(genuine, number="palsu", urut=2, path="content/siaran-pers/2025/tidak-ada.md")
    forge_record_commit(site, eve, str(genuine["_file"]), record_text(edited))
    nxt = str(genuine["_file"]).replace("0001-rilis-satu", "0002-palsu")
    forge_record_commit(site, eve, nxt, record_text(forged_next))
    # ... and Hendro (an official) signs a damaged one with his own key
    forge_record_commit(site, site.cast["hendro"], str(genuine["_file"]).replace("0001-rilis-satu", "0003-x"),
                        "number: [tidak valid\n", sign_with=site.cast["hendro"].key)
    second = approved_release(site, "rilis-dua")
    code, doc = publish_json(site, env={SIGNING_KEY_ENV: ci.text})
    assert code == 0, doc
    assert doc["numbers"] == [{"number": number.replace("/1/", "/2/", 1), "path": second}]
    warned = "\n".join(doc["warnings"])
    assert warned.count("ignored") >= 3 and "is not signed" in warned and "signed by another key" in warned
    after = records(site.root)
    assert after[first]["title"] == genuine["title"]  # the forged edit is undone by the signed commit
    assert not (site.root / nxt).exists() and set(after) == {first, second, "content/halaman/tentang.md"}
    assert git_verifies(site, "commit", "HEAD", ci_signers(site, ci))
    assert site.git("status", "--porcelain", "--", "arsip") == ""


def test_forged_tags_are_ignored_and_replaced_by_the_signed_one(site: Site, ci: Key) -> None:
    approved_release(site, "rilis-satu")
    assert signed_publish(site, ci).returncode == 0
    real = f"arsip/{number_of(site, 'content/siaran-pers/2025/rilis-satu.md')}"
    nxt = real.replace("/1/", "/2/", 1)
    eve = site.cast["eve"]
    site.git("tag", nxt, "HEAD", person=eve)  # lightweight, for the number the next release will get
    site.git("tag", "-a", "-m", "palsu", real.replace("/1/", "/9/", 1), "HEAD", person=eve)  # unsigned
    git = Git(site.root)
    people = evaluate_repository(site.root, paths=["sop/people.yaml"]).people
    register = read_register(git, site.head(), people)
    good, findings = trusted_tags(git, register, people)
    assert real in good and len(good) == 2  # the release's and the imported page's
    assert sorted(f.path for f in findings) == sorted([f"refs/tags/{nxt}", f"refs/tags/{real.replace('/1/', '/9/', 1)}"])
    path = approved_release(site, "rilis-dua")
    proc = signed_publish(site, ci)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"arsip/{number_of(site, path)}" == nxt
    assert git_verifies(site, "tag", nxt, ci_signers(site, ci))


def test_an_unapproved_change_of_the_pipeline_key_does_not_take_effect(site: Site, ci: Key, tmp_path: Path) -> None:
    first = approved_release(site, "rilis-satu")
    assert signed_publish(site, ci).returncode == 0
    eve = site.cast["eve"]
    own = keygen(tmp_path / "eve-ci", "eve-ci")
    site.write("sop/people.yaml", people_yaml(site.cast) + pipeline_block(own.public))
    site.commit("Ganti kunci CI", eve)  # straight onto main, approved by nobody
    genuine = records(site.root)[first]
    forge_record_commit(site, eve, str(genuine["_file"]), record_text(dict(genuine, title="Palsu")),
                        sign_with=own.private)
    git = Git(site.root)
    people = evaluate_repository(site.root, paths=["sop/people.yaml"]).people  # the trusted people.yaml
    assert people.pipeline is not None and people.pipeline.ssh_keys == (ci.public,)
    stored, findings = trusted_register(git, site.head(), people)
    assert {s.record.path: s.record.title for s in stored}[first] == genuine["title"]
    assert any("signed by another key" in f.message for f in findings)
    # Eve's key is refused as the identity's
    proc = publish(site, env={SIGNING_KEY_ENV: own.text})
    assert proc.returncode == 2 and "is not one of the ssh_keys" in proc.stderr


def test_an_approved_key_change_takes_effect(site: Site, ci: Key, tmp_path: Path) -> None:
    new = keygen(tmp_path / "new-ci", "new-ci")
    site.switch("tata-kelola/kunci-ci", create=True)
    site.write("sop/people.yaml", people_yaml(site.cast) + pipeline_block(new.public))
    site.commit("Kunci CI baru", site.cast["rina"])
    site.record(site.cast["yuli"], "sop/people.yaml", 1, "ketua_ppid")
    site.record(site.cast["wahyu"], "sop/people.yaml", 2, "kepala_dinas")
    site.merge("tata-kelola/kunci-ci", site.cast["wahyu"])
    approved_release(site, "rilis-satu")
    assert publish(site, env={SIGNING_KEY_ENV: ci.text}).returncode == 2  # the old key no longer
    proc = publish(site, env={SIGNING_KEY_ENV: new.text})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert git_verifies(site, "commit", register_commits(site)[0], signers_file(site.home, CI_EMAIL, new.public))


def test_a_title_cannot_inject_trailers_into_register_commits_or_tags(site: Site, ci: Key) -> None:
    injected = ('"Pelatihan Kader\\nWarta-Item: content/siaran-pers/2025/lain.md\\nWarta-Digest: sha256:'
                + "0" * 64 + '\\nWarta-Step: 3\\nWarta-Role: sekdin\\nWarta-Decision: approve"')
    path = approved_release(site, "judul-sisipan", text=release_text(injected))
    proc = signed_publish(site, ci)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "\nWarta-Item:" in str(records(site.root)[path]["title"])  # the title kept its line breaks
    for sha in register_commits(site):
        message = site.git("log", "-1", "--format=%B", sha)
        assert [k for k, _ in parse_trailers(message)[0]] == ["Warta-Register"]
        assert site.git("log", "-1", "--format=%(trailers:key=Warta-Item)", sha) == ""
        assert "Warta-Item" not in message.split("\n\n")[0]
    numbering = site.git("log", "-1", "--format=%B", register_commits(site)[-1])
    assert path in (decode_block(numbering) or "")
    message = tags(site)[f"arsip/{number_of(site, path)}"]
    assert "Pelatihan Kader Warta-Item:" in message  # the title, on one line
    assert not any(line.startswith("Warta-") for line in message.splitlines())


# --------------------------------------------------------------------------------------------------
# warta verify on a pull request


def test_verify_refuses_a_pull_request_that_changes_arsip(site: Site, ci: Key) -> None:
    first = approved_release(site, "rilis-satu")
    assert signed_publish(site, ci).returncode == 0
    genuine = records(site.root)[first]
    site.switch("rilis/dua", create=True)
    site.write("content/siaran-pers/2025/dua.md", release_text("Rilis Dua"))
    site.write(str(genuine["_file"]), record_text(dict(genuine, title="Diubah lewat PR")))
    site.commit("Rilis dua, dan arsip", site.cast["rina"])
    approve_fully(site, "content/siaran-pers/2025/dua.md")
    proc = site.warta("verify")
    assert proc.returncode == 1
    assert f"{genuine['_file']}: error: arsip/ is written only by warta publish" in proc.stdout + proc.stderr
    # a branch with the same kind of release and no arsip/ change passes
    site.switch("rilis/tiga", create=True)
    site.write("content/siaran-pers/2025/tiga.md", release_text("Rilis Tiga"))
    site.commit("Rilis tiga", site.cast["rina"])
    approve_fully(site, "content/siaran-pers/2025/tiga.md")
    proc = site.warta("verify")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_verify_refuses_a_register_tag_pointing_into_a_pull_request(site: Site) -> None:
    site.switch("rilis/tag", create=True)
    site.write("content/siaran-pers/2025/tag.md", release_text("Rilis Tag"))
    site.commit("Rilis tag", site.cast["rina"])
    approve_fully(site, "content/siaran-pers/2025/tag.md")
    site.git("tag", "-a", "-m", "palsu", "arsip/400.14.5.6/1/UJI/2025", "HEAD", person=site.cast["rina"])
    proc = site.warta("verify")
    assert proc.returncode == 1 and "refs/tags/arsip/400.14.5.6/1/UJI/2025: error: tag" in proc.stdout


def test_without_a_pipeline_entry_the_register_is_read_as_before_with_a_warning(
        tmp_path: Path, cast: dict[str, Person], monkeypatch: pytest.MonkeyPatch) -> None:
    plain = office(tmp_path, cast)
    for key, value in isolated_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    path = approved_release(plain, "tanpa-identitas")
    code, doc = publish_json(plain)
    assert code == 0 and any("no pipeline: entry" in w for w in doc["warnings"])
    assert path in records(plain.root)
    assert plain.git("log", "-1", "--format=%G?") == "N"


def test_an_office_adopts_the_identity_on_its_existing_register(
        tmp_path: Path, cast: dict[str, Person], ci: Key, monkeypatch: pytest.MonkeyPatch) -> None:
    old = office(tmp_path, cast)
    for key, value in isolated_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    first = approved_release(old, "sebelum-identitas")
    assert publish(old).returncode == 0  # unsigned, as before the identity
    number = number_of(old, first)
    base = old.head()
    old.switch("tata-kelola/identitas", create=True)
    old.write("sop/people.yaml", people_yaml(old.cast) + pipeline_block(ci.public, register_base=base))
    old.commit("Identitas penerbit", old.cast["rina"])
    old.record(old.cast["yuli"], "sop/people.yaml", 1, "ketua_ppid")
    old.record(old.cast["wahyu"], "sop/people.yaml", 2, "kepala_dinas")
    old.merge("tata-kelola/identitas", old.cast["wahyu"])
    genuine = records(old.root)[first]
    forge_record_commit(old, old.cast["eve"], str(genuine["_file"]), record_text(dict(genuine, title="Palsu")))
    second = approved_release(old, "sesudah-identitas")
    code, doc = publish_json(old, env={SIGNING_KEY_ENV: ci.text})
    assert code == 0, doc
    assert doc["numbers"] == [{"number": number.replace("/1/", "/2/", 1), "path": second}]
    warned = "\n".join(doc["warnings"])
    assert "is not signed: ignored" in warned and f"refs/tags/arsip/{number}" not in warned  # the old tag stands
    assert records(old.root)[first]["title"] == genuine["title"]
    assert git_verifies(old, "commit", register_commits(old)[0], ci_signers(old, ci))
