"""Target ``rsync``: a real sshd on 127.0.0.1 with its own host key and authorized_keys
(tests/sshd_helpers.py), real rsync.

The server is this machine, so the test reads the "remote" folder directly. A failure in the middle of
an upload is made the way it happens in production: the server refuses to write past a size limit
(``ulimit -f`` in an authorized_keys ``command=``, like a full quota), so the rsync receiver dies.
"""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sshd_helpers import SshServer, serve_sshd

from pipeline.config import DeploySection
from pipeline.deploy import deploy
from pipeline.deploy.rsync import KEY_ENV, KNOWN_HOSTS_ENV, Destination, parse_destination
from pipeline.errors import ChannelError, ConfigError


@dataclass
class Server(SshServer):
    def env(self, **extra: str) -> dict[str, str]:
        return {**os.environ, KEY_ENV: self.key, KNOWN_HOSTS_ENV: self.known_hosts, **extra}

    def target(self, remote: Path) -> DeploySection:
        return DeploySection(target="rsync", rsync_destination=f"ssh://{self.user}@127.0.0.1:{self.port}{remote}")


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from serve_sshd(tmp_path_factory.mktemp("sshd"), Server)


def build(folder: Path, files: dict[str, str | bytes]) -> Path:
    for rel, data in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    return folder


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def as_bytes(files: dict[str, str | bytes]) -> dict[str, bytes]:
    return {k: v.encode() if isinstance(v, str) else v for k, v in files.items()}


V1: dict[str, str | bytes] = {"index.html": "<h1>v1</h1>", "berita/a/index.html": "<p>A</p>",
                              "theme/warta.css": "body{}", "lama/index.html": "<p>lama</p>"}
V2: dict[str, str | bytes] = {"index.html": "<h1>v2</h1>", "berita/a/index.html": "<p>A</p>",
                              "theme/warta.css": "body{}", "berita/b/index.html": "<p>B</p>"}


def test_deploys_over_ssh_and_swaps_in_complete_versions(sshd: Server, tmp_path: Path) -> None:
    remote = tmp_path / "srv" / "www"
    state = tmp_path / "state"
    first = deploy(build(tmp_path / "b1", V1), sshd.target(remote), state, env=sshd.env())
    assert remote.is_symlink() and os.readlink(remote) == f"www.versions/{first.version}"
    assert tree(remote) == as_bytes(V1)
    assert sorted(first.uploaded) == sorted(V1) and first.deleted == ()
    inode = (remote / "theme/warta.css").stat().st_ino

    second = deploy(build(tmp_path / "b2", V2), sshd.target(remote), state, env=sshd.env())
    assert tree(remote) == as_bytes(V2)
    assert second.uploaded == ("berita/b/index.html", "index.html")
    assert second.deleted == ("lama/index.html",)
    assert second.unchanged == ("berita/a/index.html", "theme/warta.css")
    assert (remote / "theme/warta.css").stat().st_ino == inode  # not sent again: a hard link on the server
    assert sorted(p.name for p in (tmp_path / "srv/www.versions").iterdir()) == \
        sorted([str(first.version), str(second.version)])
    assert tree(tmp_path / "srv/www.versions" / str(first.version)) == as_bytes(V1)  # previous stays whole
    assert not list(state.glob("ssh-*"))  # the key file is gone


def test_dry_run_and_an_unchanged_site_change_nothing(sshd: Server, tmp_path: Path) -> None:
    remote = tmp_path / "www"
    first = deploy(build(tmp_path / "b1", V1), sshd.target(remote), tmp_path / "state", env=sshd.env())
    plan = deploy(build(tmp_path / "b2", V2), sshd.target(remote), tmp_path / "state", env=sshd.env(),
                  dry_run=True)
    assert plan.dry_run and plan.uploaded == ("berita/b/index.html", "index.html")
    assert plan.deleted == ("lama/index.html",)
    assert tree(remote) == as_bytes(V1)
    same = deploy(build(tmp_path / "b1again", V1), sshd.target(remote), tmp_path / "state", env=sshd.env())
    assert same.uploaded == () and same.deleted == ()
    assert os.readlink(remote) == f"www.versions/{first.version}"


LIMIT = """#!/bin/sh
# like a full quota: the rsync receiver may not write more than 8 blocks per file
case "$SSH_ORIGINAL_COMMAND" in
  "rsync --server"*) ulimit -f 8; exec sh -c "$SSH_ORIGINAL_COMMAND" ;;
  *) exec sh -c "$SSH_ORIGINAL_COMMAND" ;;
esac
"""


def test_a_failed_upload_leaves_the_live_site_whole_and_the_next_run_finishes(sshd: Server, tmp_path: Path) -> None:
    remote = tmp_path / "www"
    deploy(build(tmp_path / "b1", V1), sshd.target(remote), tmp_path / "state", env=sshd.env())
    v3: dict[str, str | bytes] = {**V2, "media/foto-besar.jpg": os.urandom(300_000), "index.html": "<h1>v3</h1>"}
    site = build(tmp_path / "b3", v3)
    limit = sshd.folder / "limit.sh"
    limit.write_text(LIMIT, encoding="utf-8")
    limit.chmod(0o755)
    sshd.authorized_keys.write_text(f'command="{limit}" {sshd.public_key}\n', encoding="utf-8")
    try:
        with pytest.raises(ChannelError) as info:
            deploy(site, sshd.target(remote), tmp_path / "state", env=sshd.env())
    finally:
        sshd.authorized_keys.write_text(sshd.public_key + "\n", encoding="utf-8")
    assert "The live site is unchanged" in str(info.value)
    assert tree(remote) == as_bytes(V1)  # every file of the old site, nothing of the new
    assert (tmp_path / "www.versions/incoming").is_dir()
    result = deploy(site, sshd.target(remote), tmp_path / "state", env=sshd.env())
    assert tree(remote) == as_bytes(v3)
    assert "media/foto-besar.jpg" in result.uploaded
    assert not (tmp_path / "www.versions/incoming").exists()


def test_key_is_a_private_file_during_the_run(sshd: Server, tmp_path: Path) -> None:
    modes: list[int] = []

    def progress(action: str, path: str) -> None:
        modes.extend(stat.S_IMODE(key.stat().st_mode) for key in (tmp_path / "state").glob("ssh-*/id"))

    from pipeline.deploy.rsync import deploy_rsync

    deploy_rsync(build(tmp_path / "b1", V1), str(sshd.target(tmp_path / "www").rsync_destination),
                 tmp_path / "state", env=sshd.env(), progress=progress)
    assert modes and set(modes) == {0o600}
    assert not list((tmp_path / "state").glob("ssh-*"))


def test_an_unknown_host_key_is_refused(sshd: Server, tmp_path: Path) -> None:
    other = tmp_path / "other"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    wrong = f"[127.0.0.1]:{sshd.port} " + " ".join(other.with_suffix(".pub").read_text().split()[:2])
    remote = tmp_path / "www"
    with pytest.raises(ChannelError) as info:
        deploy(build(tmp_path / "b1", V1), sshd.target(remote), tmp_path / "state",
               env=sshd.env(**{KNOWN_HOSTS_ENV: wrong}))
    assert KNOWN_HOSTS_ENV in str(info.value)
    assert not remote.exists()


def test_a_plain_folder_on_the_server_is_taken_over(sshd: Server, tmp_path: Path) -> None:
    remote = build(tmp_path / "www", V1)  # uploaded by hand before warta
    result = deploy(build(tmp_path / "b2", V2), sshd.target(remote), tmp_path / "state", env=sshd.env())
    assert remote.is_symlink() and tree(remote) == as_bytes(V2)
    assert result.deleted == ("lama/index.html",)
    kept = [p for p in (tmp_path / "www.versions").iterdir() if p.name.endswith("-before")]
    assert len(kept) == 1 and tree(kept[0]) == as_bytes(V1)


@pytest.mark.parametrize(("text", "expected"), [
    ("deploy@web.bantulkab.go.id:/srv/www/dpmk", Destination("deploy", "web.bantulkab.go.id", None, "/srv/www/dpmk")),
    ("web:/srv/www/dpmk/", Destination(None, "web", None, "/srv/www/dpmk")),
    ("ssh://deploy@10.0.0.5:2222/srv/www/dpmk", Destination("deploy", "10.0.0.5", 2222, "/srv/www/dpmk")),
    ("deploy@host:www/dpmk", Destination("deploy", "host", None, "www/dpmk")),
])
def test_destinations(text: str, expected: Destination) -> None:
    assert parse_destination(text) == expected


@pytest.mark.parametrize("text", [
    "-oProxyCommand=touch_x:/srv/www",      # an ssh option in disguise
    "deploy@host:/srv/www/my site",         # a space the remote shell would split
    "deploy@host:/srv/www;rm -rf ~",        # a shell command
    "deploy@host:/",                        # the whole server
    "deploy@host:/srv/../etc",              # climbing out
    "ssh://deploy@host:99999/srv/www",      # no such port
    "/srv/www/dpmk",                        # no host
])
def test_destinations_ssh_could_misread_are_refused(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_destination(text)
