"""A real sshd on 127.0.0.1, with its own host key and one client key in its authorized_keys: the web
server of deploy target ``rsync`` (tests/test_deploy_rsync.py) and a videotron player's computer
(tests/channels/test_videotron_boards.py). The server is this machine, so a test reads the "remote" folder
directly."""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


@dataclass
class SshServer:
    """``key``: the client's private key; ``known_hosts``: the server's host key line for ``port``;
    ``authorized_keys``: the file sshd reads (a test may put a ``command=`` in it); ``public_key``: the
    client's public key line; ``folder``: where all of these live."""

    port: int
    user: str
    folder: Path
    key: str
    known_hosts: str
    authorized_keys: Path
    public_key: str


S = TypeVar("S", bound=SshServer)


def _free_port() -> int:
    with socket.socket() as probe:  # sshd takes a port number; the probe gives a free one
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve_sshd(base: Path, kind: type[S]) -> Iterator[S]:
    """Start sshd with its files in ``base``, yield it as a ``kind``, stop it (a fixture's body:
    ``yield from serve_sshd(folder, SshServer)``)."""
    if not Path(SSHD).is_file() or shutil.which("rsync") is None or shutil.which("ssh-keygen") is None:
        pytest.skip("sshd, rsync or ssh-keygen not installed: apt-get install -y openssh-server rsync "
                    "(.ci/run installs them)")
    if os.geteuid() == 0 and not Path("/run/sshd").is_dir():
        # the privilege-separation folder sshd needs when started by root (the ssh service creates it)
        Path("/run/sshd").mkdir(mode=0o755)
    for name in ("host", "client"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(base / name)],
                       check=True)
    public = (base / "client.pub").read_text(encoding="utf-8").strip()
    authorized = base / "authorized_keys"
    authorized.write_text(public + "\n", encoding="utf-8")
    port = _free_port()
    config = base / "sshd_config"
    config.write_text(f"""Port {port}
ListenAddress 127.0.0.1
HostKey {base / "host"}
AuthorizedKeysFile {authorized}
PidFile {base / "sshd.pid"}
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
LogLevel ERROR
""", encoding="utf-8")
    proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while True:  # wait until it listens (readiness, not a timed assertion)
        if proc.poll() is not None:
            pytest.fail(f"sshd did not start: {proc.stderr.read() if proc.stderr else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                pytest.fail("sshd did not listen within 20 s")
            time.sleep(0.05)
    host = " ".join((base / "host.pub").read_text(encoding="utf-8").split()[:2])
    try:
        yield kind(port, getpass.getuser(), base, (base / "client").read_text(encoding="utf-8"),
                   f"[127.0.0.1]:{port} {host}", authorized, public)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
