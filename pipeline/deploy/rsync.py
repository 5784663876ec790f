"""Target ``rsync``: the site to a web server over SSH, swapped in atomically on the server.

``deploy.rsync_destination`` is ``user@host:/srv/www/site`` (or ``ssh://user@host:2222/srv/www/site`` for
another port). The server keeps the same layout as the ``local`` target::

    /srv/www/site -> site.versions/<id>       a symlink: point the web server's document root here
    /srv/www/site.versions/<id>/              the live version, and the one before it
    /srv/www/site.versions/incoming/          the upload in progress

A deploy (1) makes ``incoming`` a hard-linked copy of the live version on the server (``cp -al``) unless a
failed run left one, (2) runs ``rsync -a --delete --checksum`` from the built site into it, so only
changed files travel, (3) renames ``incoming`` to a new version and renames a new symlink over
``/srv/www/site``. A run that fails or is killed before step 3 leaves the live site untouched, and the
next run continues from the ``incoming`` it left. The server needs a POSIX shell with GNU ``cp`` and
``mv`` (any Linux) and ``rsync``.

Secrets come from the environment, never from the repository: ``WARTA_DEPLOY_SSH_KEY`` holds the private
key (written to a file readable only by the owner for the run and removed afterwards) and
``WARTA_DEPLOY_SSH_KNOWN_HOSTS`` the server's host key line(s) (``ssh-keyscan -p PORT host``). Without
them ssh uses the account's own keys and ``~/.ssh/known_hosts``; host keys are always checked.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pipeline.deploy.common import DeployResult, Progress, site_files
from pipeline.deploy.local import new_version_id
from pipeline.errors import ChannelError, ConfigError
from pipeline.i18n import _

KEY_ENV = "WARTA_DEPLOY_SSH_KEY"
KNOWN_HOSTS_ENV = "WARTA_DEPLOY_SSH_KNOWN_HOSTS"
INCOMING = "incoming"

_USER = r"[A-Za-z0-9._][A-Za-z0-9._-]*"
_HOST = r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]"
_PATH = r"[A-Za-z0-9._/~+,=@-]+"
_SCP = re.compile(rf"^(?:(?P<user>{_USER})@)?(?P<host>{_HOST}):(?P<path>{_PATH})$")
_URL = re.compile(rf"^ssh://(?:(?P<user>{_USER})@)?(?P<host>{_HOST})(?::(?P<port>\d{{1,5}}))?(?P<path>/{_PATH})$")


@dataclass(frozen=True)
class Destination:
    user: str | None
    host: str
    port: int | None
    path: str

    @property
    def login(self) -> str:
        return f"{self.user}@{self.host}" if self.user else self.host

    @property
    def versions(self) -> str:
        return f"{self.path}.versions"

    def __str__(self) -> str:
        if self.port:
            return f"ssh://{self.login}:{self.port}{self.path}"
        return f"{self.login}:{self.path}"


def parse_destination(text: str) -> Destination:
    """``user@host:/path`` or ``ssh://user@host:port/path``; refuses anything ssh could read as an option."""
    value = text.strip()
    match = _URL.match(value) or _SCP.match(value)
    if match is None or value.startswith("-"):
        raise ConfigError(_("deploy.rsync_destination: '{text}' is not user@host:/path or ssh://user@host:port/path "
                            "(letters, digits and . _ - / ~ in the path)", text=text))
    path = match.group("path").rstrip("/") or "/"
    if path in ("/", "~", ".") or ".." in PurePosixPath(path).parts:
        raise ConfigError(_("deploy.rsync_destination: '{path}' cannot be the site folder; name a folder such as "
                            "/srv/www/dinas", path=path))
    port = int(match.group("port")) if "port" in match.groupdict() and match.group("port") else None
    if port is not None and not 0 < port < 65536:
        raise ConfigError(_("deploy.rsync_destination: port {port} is out of range", port=port))
    return Destination(match.group("user"), match.group("host"), port, path)


@contextmanager
def _ssh_files(state_dir: Path, env: Mapping[str, str]) -> Iterator[tuple[Path | None, Path | None]]:
    """The key and known_hosts from the environment as files only the owner can read, removed after."""
    key_text = env.get(KEY_ENV, "").strip()
    hosts_text = env.get(KNOWN_HOSTS_ENV, "").strip()
    if not key_text and not hosts_text:
        yield None, None
        return
    state_dir.mkdir(parents=True, exist_ok=True)
    for stale in state_dir.glob("ssh-*"):  # left by a killed run
        shutil.rmtree(stale, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(prefix="ssh-", dir=state_dir))
    try:
        key = hosts = None
        if key_text:
            key = folder / "id"
            fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(key_text.replace("\r\n", "\n") + "\n")  # OpenSSH needs the final newline
        if hosts_text:
            hosts = folder / "known_hosts"
            hosts.write_text(hosts_text + "\n", encoding="utf-8")
        yield key, hosts
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def ssh_command(dest: Destination, key: Path | None, known_hosts: Path | None) -> list[str]:
    argv = ["ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=20",
            "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=4"]
    if dest.port:
        argv += ["-p", str(dest.port)]
    if key is not None:
        argv += ["-i", str(key), "-o", "IdentitiesOnly=yes"]
    if known_hosts is not None:
        argv += ["-o", f"UserKnownHostsFile={known_hosts}", "-o", "GlobalKnownHostsFile=/dev/null"]
    return argv


def _explain(stderr: str) -> str:
    text = stderr.strip()
    if "Host key verification failed" in text or "No ED25519 host key is known" in text:
        text += f" (set {KNOWN_HOSTS_ENV} to the server's line from 'ssh-keyscan')"
    elif "Permission denied" in text:
        text += f" (is the public key of {KEY_ENV} in the server's authorized_keys?)"
    return text[-2000:] or "no message from the server"


def _remote(ssh: list[str], dest: Destination, script: str, env: Mapping[str, str]) -> str:
    proc = subprocess.run([*ssh, "--", dest.login, "sh -s"], input=script, capture_output=True, text=True,
                          env=dict(env), check=False)
    if proc.returncode != 0:
        raise ChannelError(_("deploy: ssh {login} failed (exit {returncode}): {explain}. The live site is unchanged; the "
                             "next run tries again.",
                             login=dest.login, returncode=proc.returncode, explain=_explain(proc.stderr)))
    return proc.stdout


def _prepare_script(dest: Destination) -> str:
    base, versions = shlex.quote(dest.path), shlex.quote(dest.versions)
    return f"""set -eu
base={base}; versions={versions}
mkdir -p "$versions"
if [ -e "$base" ] && [ ! -d "$base" ]; then echo "$base exists and is not a folder" >&2; exit 3; fi
if [ ! -d "$versions/{INCOMING}" ]; then
  rm -rf "$versions/{INCOMING}.tmp"
  if [ -d "$base" ]; then cp -al "$base/." "$versions/{INCOMING}.tmp"
  else mkdir "$versions/{INCOMING}.tmp"; fi
  mv "$versions/{INCOMING}.tmp" "$versions/{INCOMING}"
fi
if [ -L "$base" ]; then echo "live=$(basename "$(readlink "$base")")"
elif [ -d "$base" ]; then echo "live=."; fi
"""


def _finish_script(dest: Destination, version: str, live: str | None) -> str:
    base, versions = shlex.quote(dest.path), shlex.quote(dest.versions)
    link = shlex.quote(f"{PurePosixPath(dest.versions).name}/{version}")
    keep = shlex.quote(live or "")
    return f"""set -eu
base={base}; versions={versions}; version={shlex.quote(version)}; keep={keep}
mv "$versions/{INCOMING}" "$versions/$version"
rm -f "$base.warta-swap"
ln -s {link} "$base.warta-swap"
if [ -d "$base" ] && [ ! -L "$base" ]; then keep="$version-before"; mv "$base" "$versions/$keep"; fi
mv -T "$base.warta-swap" "$base"
for old in "$versions"/*; do
  name=$(basename "$old")
  if [ "$name" != "$version" ] && [ "$name" != "$keep" ]; then rm -rf "$old"; fi
done
"""


def _itemized(output: str) -> tuple[list[str], list[str]]:
    """Files sent (``<f…``) and files deleted (``*deleting``) in ``rsync --itemize-changes`` output."""
    sent: list[str] = []
    deleted: list[str] = []
    for line in output.splitlines():
        if line.startswith("*deleting "):
            path = line[len("*deleting "):].strip()
            if not path.endswith("/"):
                deleted.append(path)
        elif len(line) > 12 and line[0] in "<>" and line[1] == "f" and line[11] == " ":
            sent.append(line[12:])
    return sent, deleted


def _rsync(ssh: list[str], site_dir: Path, remote: str, env: Mapping[str, str], *, dry_run: bool) -> str:
    argv = ["rsync", "-a", "--delete", "--checksum", "--itemize-changes", "--copy-links", "-8",
            "-e", shlex.join(ssh)]
    if dry_run:
        argv.append("--dry-run")
    argv += [f"{site_dir}/", remote]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, env=dict(env), check=False)
    except FileNotFoundError:
        raise ChannelError(_("deploy: rsync is not installed on this machine (apt-get install rsync)")) from None
    if proc.returncode != 0:
        raise ChannelError(_("deploy: rsync to {remote} failed (exit {returncode}): {explain}. The live site is "
                             "unchanged; the next run continues the upload.",
                             remote=remote, returncode=proc.returncode, explain=_explain(proc.stderr)))
    return proc.stdout


def deploy_rsync(site_dir: Path, destination: str, state_dir: Path, *, env: Mapping[str, str] | None = None,
                 dry_run: bool = False, progress: Progress | None = None) -> DeployResult:
    """Upload ``site_dir`` to ``destination`` and swap it in (see the module docstring)."""
    environ = dict(os.environ if env is None else env)
    files = site_files(site_dir)
    dest = parse_destination(destination)
    with _ssh_files(state_dir, environ) as (key, known_hosts):
        ssh = ssh_command(dest, key, known_hosts)
        if dry_run:
            out = _rsync(ssh, site_dir, f"{dest.login}:{dest.path}/", environ, dry_run=True)
            sent, deleted = _itemized(out)
            return DeployResult("rsync", str(dest), tuple(sorted(sent)), tuple(sorted(deleted)),
                                tuple(p for p in files if p not in set(sent)), True)
        prepared = _remote(ssh, dest, _prepare_script(dest), environ)
        live = next((line[5:] for line in prepared.splitlines() if line.startswith("live=")), None)
        out = _rsync(ssh, site_dir, f"{dest.login}:{dest.versions}/{INCOMING}/", environ, dry_run=False)
        sent, deleted = _itemized(out)
        if progress is not None:
            for path in sent:
                progress("upload", path)
        version: str | None = new_version_id()
        if live not in (None, ".") and not sent and not deleted:
            version = live  # nothing changed: the live version stays; incoming is reused next time
        else:
            assert version is not None
            _remote(ssh, dest, _finish_script(dest, version, None if live == "." else live), environ)
    sent_set = set(sent)
    return DeployResult("rsync", str(dest), tuple(sorted(sent)), tuple(sorted(deleted)),
                        tuple(p for p in files if p not in sent_set), False, version)
