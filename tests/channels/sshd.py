"""A real sshd on 127.0.0.1 (its own host key and authorized_keys) standing in for a videotron player's
computer, as tests/test_deploy_rsync.py does for the web server."""

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

import pytest

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


@dataclass
class Player:
    port: int
    user: str
    key: str
    known_hosts: str


def serve_sshd(base: Path) -> Iterator[Player]:
    if not Path(SSHD).is_file() or shutil.which("rsync") is None:
        pytest.skip("sshd or rsync not installed: apt-get install -y openssh-server rsync")
    if os.geteuid() == 0 and not Path("/run/sshd").is_dir():
        Path("/run/sshd").mkdir(mode=0o755)
    for name in ("host", "client"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(base / name)], check=True)
    (base / "authorized_keys").write_text((base / "client.pub").read_text(encoding="utf-8"), encoding="utf-8")
    with socket.socket() as probe:  # sshd takes a port number; the probe gives a free one
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    (base / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {base / 'host'}\nAuthorizedKeysFile {base / 'authorized_keys'}\n"
        f"PidFile {base / 'sshd.pid'}\nStrictModes no\nUsePAM no\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nPubkeyAuthentication yes\nPermitRootLogin prohibit-password\nLogLevel ERROR\n",
        encoding="utf-8")
    proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(base / "sshd_config")], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while True:  # readiness, not a timed assertion
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
        yield Player(port, getpass.getuser(), (base / "client").read_text(encoding="utf-8"), f"[127.0.0.1]:{port} {host}")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
