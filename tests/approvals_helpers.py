"""Real git repositories with real SSH keys for the approval tests.

Everything here is the tests' own tooling, written from the documented formats (DESIGN section 3,
docs/approvals.md), not from warta's code: records are written with plain ``git commit --allow-empty``,
digests are computed from the documented definition, keys are made by ``ssh-keygen``.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pipeline.approvals.chain import ChainResult
from pipeline.approvals.service import evaluate_repository

PROJECT = Path(__file__).resolve().parents[1]

SOP_RILIS = """\
id: rilis-uji
nama: Rilis Uji
identitas:
  disahkan_oleh: kepala_dinas
langkah:
  - no: 1
    kegiatan: Menulis rilis
    pelaksana: operator
    jenis: mulai
    mutu_baku: {waktu: 60 menit}
  - no: 2
    kegiatan: Memeriksa rilis
    pelaksana: kasubbag
    paraf: true
    mutu_baku: {waktu: 15 menit}
  - no: 3
    kegiatan: Menyetujui rilis
    pelaksana: sekdin
    jenis: keputusan
    paraf: true
    ya: 4
    tidak: 1
    mutu_baku: {waktu: 15 menit}
  - no: 4
    kegiatan: Menerbitkan di website
    pelaksana: operator
    jenis: selesai
    aksi: terbit_website
    mutu_baku: {waktu: 5 menit}
"""

SOP_INFO = """\
id: info-uji
nama: Informasi Publik Uji
identitas:
  disahkan_oleh: ketua_ppid
langkah:
  - no: 1
    kegiatan: Menyiapkan informasi
    pelaksana: operator
    mutu_baku: {waktu: 30 menit}
  - no: 2
    kegiatan: Memverifikasi informasi
    pelaksana: kasubbag
    paraf: true
    mutu_baku: {waktu: 15 menit}
  - no: 3
    kegiatan: Menyetujui informasi
    pelaksana: sekdin
    paraf: true
    mutu_baku: {waktu: 15 menit}
  - no: 4
    kegiatan: Menerbitkan
    pelaksana: operator
    aksi: terbit_website
    mutu_baku: {waktu: 5 menit}
"""

WARTA_YML = """\
site:
  name: Dinas Uji
  url: https://dinas.example.go.id
  unit_code: UJI
kinds:
  siaran-pers: {sop: rilis-uji, klasifikasi: "400.14.5.6"}
  berita: {sop: rilis-uji, klasifikasi: "400.14.4.3"}
  pengumuman: {sop: rilis-uji, klasifikasi: "400.14.4.2"}
  informasi-publik: {sop: info-uji, klasifikasi: "400.14.9"}
  halaman: {sop: rilis-uji, klasifikasi: "400.14.9"}
approvals:
  require_signatures: %(signatures)s
  force_publish_roles: [kepala_dinas]
  main_branch: main
"""

ROLES = {
    "operator": "Operator Website",
    "kasubbag": "Kepala Sub Bagian Program dan Keuangan",
    "sekdin": "Sekretaris Dinas",
    "kepala_dinas": "Kepala Dinas",
    "ketua_ppid": "Ketua PPID",
}


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    roles: tuple[str, ...]
    key: Path  # private key file (outside every repository)

    @property
    def public(self) -> str:
        return self.key.with_name(self.key.name + ".pub").read_text().strip()

    @property
    def fingerprint(self) -> str:
        out = subprocess.run(["ssh-keygen", "-l", "-f", str(self.key) + ".pub"], capture_output=True,
                             text=True, check=True).stdout
        return out.split()[1]


CAST = {
    "rina": ("Rina Lestari", "rina@dinas.example.go.id", ("operator",)),
    "eve": ("Eve Operator", "eve@dinas.example.go.id", ("operator",)),
    "dwi": ("Dwi Astuti", "dwi@dinas.example.go.id", ("kasubbag",)),
    "ani": ("Ani Rahayu", "ani@dinas.example.go.id", ("kasubbag",)),
    "hendro": ("Hendro Wibowo", "hendro@dinas.example.go.id", ("sekdin",)),
    "wahyu": ("Wahyu Hidayat", "wahyu@dinas.example.go.id", ("kepala_dinas",)),
    "yuli": ("Yuli Rahmawati", "yuli@dinas.example.go.id", ("ketua_ppid",)),
}


def make_cast(keys: Path) -> dict[str, Person]:
    """The people of the test office with their keys in ``keys`` (the ``cast`` fixture of conftest.py)."""
    people: dict[str, Person] = {}
    for handle, (name, email, roles) in CAST.items():
        key = keys / handle
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", email, "-f", str(key)],
                       check=True, capture_output=True)
        people[handle] = Person(name, email, roles, key)
    stranger = keys / "stranger"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "x", "-f", str(stranger)],
                   check=True, capture_output=True)
    people["stranger_key"] = Person("(no one)", "nobody@example.org", (), stranger)
    return people


def people_yaml(cast: dict[str, Person], *, overrides: dict[str, tuple[str, ...]] | None = None,
                extra_keys: dict[str, list[str]] | None = None) -> str:
    lines = ["roles:"]
    lines += [f"  {role}: {title}" for role, title in ROLES.items()]
    lines.append("people:")
    for handle, person in cast.items():
        if handle == "stranger_key":
            continue
        roles = (overrides or {}).get(handle, person.roles)
        keys = [person.public, *((extra_keys or {}).get(handle, []))]
        lines.append(f"  - name: {person.name}")
        lines.append(f"    email: {person.email}")
        lines.append(f"    roles: [{', '.join(roles)}]")
        lines.append(f"    ssh_keys: [{', '.join(json.dumps(k) for k in keys)}]")
    return "\n".join(lines) + "\n"


def item_text(title: str = "Bantuan Bibit Cabai", body: str = "Isi rilis.", **fields: str) -> str:
    extra = "".join(f"{k}: {v}\n" for k, v in fields.items())
    return f"---\ntitle: {title}\ndate: 2025-03-04\n{extra}---\n{body}\n"


def info_text(kategori: str = "serta-merta") -> str:
    return textwrap.dedent(f"""\
        ---
        title: Peringatan Dini Banjir
        date: 2025-03-04
        kategori_informasi: {kategori}
        pejabat_penguasa: Sekretariat
        penanggung_jawab: PPID
        waktu_tempat: Bantul, Maret 2025
        bentuk_informasi: [elektronik]
        retensi: 5 tahun
        ---
        Warga diminta waspada.
        """)


def digest_of(files: dict[str, bytes]) -> str:
    """The documented digest: sha256 over each file's path, length and bytes, in path order."""
    h = hashlib.sha256()
    for path in sorted(files):
        data = files[path]
        h.update(path.encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
    return "sha256:" + h.hexdigest()


class Site:
    """A site repository in ``tmp_path`` and the people acting on it."""

    def __init__(self, root: Path, cast: dict[str, Person], home: Path) -> None:
        self.root = root
        self.cast = cast
        self.home = home

    # -- plumbing ---------------------------------------------------------------------------------
    def env(self, person: Person | None = None, *, sign: bool = True) -> dict[str, str]:
        """An environment whose global git config is this person (identity and signing key)."""
        config = self.home / f"gitconfig-{person.email if person else 'none'}-{sign}"
        lines = ["[init]\n\tdefaultBranch = main\n", "[commit]\n\tgpgsign = false\n"]
        if person is not None:
            lines.append(f"[user]\n\tname = {person.name}\n\temail = {person.email}\n")
            if sign:
                lines.append(f"\tsigningkey = {person.key}.pub\n[gpg]\n\tformat = ssh\n")
        config.write_text("".join(lines))
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env.update({"GIT_CONFIG_GLOBAL": str(config), "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(self.home),
                    "SSH_AUTH_SOCK": ""})
        return env

    def git(self, *args: str, person: Person | None = None, sign: bool = True, check: bool = True,
            input: str | None = None) -> str:
        proc = subprocess.run(["git", *args], cwd=self.root, env=self.env(person, sign=sign),
                              capture_output=True, text=True, input=input)
        if check and proc.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}")
        return proc.stdout.strip()

    def warta(self, *args: str, person: Person | None = None, sign: bool = True
              ) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=self.root,
                              env={**self.env(person, sign=sign), "PYTHONPATH": str(PROJECT)},
                              capture_output=True, text=True, timeout=300)

    def cli(self, *args: str, person: Person | None = None, sign: bool = True
            ) -> subprocess.CompletedProcess[str]:
        """The same command line, run in this process (faster than :meth:`warta`; same parser and code)."""
        import contextlib
        import io

        from pipeline.cli import main

        out, err = io.StringIO(), io.StringIO()
        saved_env, saved_cwd = dict(os.environ), os.getcwd()
        env = self.env(person, sign=sign)  # made from the test's environment (WARTA_LANG), before it is cleared
        os.environ.clear()
        os.environ.update(env)
        try:
            os.chdir(self.root)
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = main(list(args))
                except SystemExit as exc:  # argparse
                    code = int(exc.code or 0)
        finally:
            os.chdir(saved_cwd)
            os.environ.clear()
            os.environ.update(saved_env)
        return subprocess.CompletedProcess(["warta", *args], code, out.getvalue(), err.getvalue())

    def verify_json(self, *args: str) -> dict[str, Any]:
        proc = self.warta("verify", "--json", *args)
        assert proc.returncode in (0, 1), proc.stderr
        data: dict[str, Any] = json.loads(proc.stdout)
        return data

    # -- files and commits ------------------------------------------------------------------------
    def write(self, rel: str, data: str | bytes) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
        return path

    def commit(self, message: str, person: Person, *paths: str, sign: bool = True) -> str:
        """Commit as ``person``, signed with their key (content commits must be: rule 4) unless ``sign``
        is false."""
        self.git("add", "-A", *paths, person=person)
        self.git("commit", "-q", "-S" if sign else "--no-gpg-sign", "-m", message, person=person)
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD")

    def switch(self, branch: str, *, create: bool = False, start: str = "main") -> None:
        if create:
            self.git("switch", "-q", "-c", branch, start)
        else:
            self.git("switch", "-q", branch)

    def merge(self, branch: str, person: Person, *, how: str = "--no-ff", sign: bool = True) -> str:
        self.switch("main")
        if how == "--squash":
            # like a forge's squash merge: one commit whose message strings the branch's messages together
            messages = self.git("log", "--reverse", "--format=%B%x00", f"main..{branch}").split("\0")
            self.git("merge", "-q", "--squash", branch, person=person)
            body = "\n\n".join(m.strip() for m in messages if m.strip())
            self.git("commit", "-q", "-S" if sign else "--no-gpg-sign", "-m", f"Squash {branch}\n\n{body}",
                     person=person)
        else:
            self.git("merge", "-q", how, "-S" if sign else "--no-gpg-sign", "-m", f"Merge {branch}", branch,
                     person=person)
        return self.head()

    def file_bytes(self, rel: str, rev: str = "HEAD") -> bytes:
        return subprocess.run(["git", "show", f"{rev}:{rel}"], cwd=self.root, capture_output=True,
                              check=True, env=self.env()).stdout

    def digest(self, *paths: str, rev: str = "HEAD") -> str:
        return digest_of({p: self.file_bytes(p, rev) for p in paths})

    def record(self, person: Person, item: str, step: int, role: str, *, decision: str = "approve",
               digest: str | None = None, sign: bool = True, signer: Person | None = None,
               note: str = "", refs: tuple[str, ...] = ()) -> str:
        """Write an approval record by hand, as any git user could (``signer``: sign with another
        person's key while authoring as ``person``)."""
        digest = digest or self.digest(item, *refs)
        body = f"\n\n{note}" if note else ""
        message = (f"{decision} {item}{body}\n\nWarta-Item: {item}\nWarta-Digest: {digest}\n"
                   f"Warta-Step: {step}\nWarta-Role: {role}\nWarta-Decision: {decision}\n")
        args = ["commit", "-q", "--allow-empty", "-m", message]
        if sign:
            key = (signer or person).key
            args = ["-c", f"user.signingkey={key}.pub", "-c", "gpg.format=ssh", *args, "-S"]
        else:
            args.append("--no-gpg-sign")
        self.git(*args, person=person, sign=False)
        return self.head()


def isolated_site(tmp_path: Path, cast: dict[str, Person], monkeypatch: pytest.MonkeyPatch) -> Site:
    """:func:`make_site`, with git's global and system configuration shut out for the test."""
    made = make_site(tmp_path, cast)
    (tmp_path / "home" / "isolated").write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "home" / "isolated"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    return made


def make_site(tmp_path: Path, cast: dict[str, Person], *, signatures: bool = True,
              extra: dict[str, str] | None = None) -> Site:
    """A repository whose root commit (the trusted bootstrap) holds warta.yml, the SOPs and people."""
    root = tmp_path / "site"
    home = tmp_path / "home"
    root.mkdir()
    home.mkdir()
    site = Site(root, cast, home)
    site.write("warta.yml", WARTA_YML % {"signatures": "true" if signatures else "false"})
    site.write("sop/rilis-uji.yaml", SOP_RILIS)
    site.write("sop/info-uji.yaml", SOP_INFO)
    site.write("sop/people.yaml", people_yaml(cast))
    site.write(".gitignore", ".warta-cache/\n_site\n_site.*/\n_outbox/\n_preview/\n")  # as warta init writes it
    site.write("content/halaman/tentang.md", "---\ntitle: Tentang Kami\n---\nHalaman lama.\n")
    for rel, text in (extra or {}).items():
        site.write(rel, text)
    site.git("init", "-q", "-b", "main")
    site.commit("Bootstrap", cast["wahyu"])
    return site


def release(site: Site, slug: str = "bantuan-bibit", *, author: str = "rina",
            text: str | None = None) -> str:
    """A release branch rilis/<slug> from main with one new press release; returns its path."""
    path = f"content/siaran-pers/2025/{slug}.md"
    site.switch(f"rilis/{slug}", create=True)
    site.write(path, text or item_text(body=f"Isi rilis {slug}."))
    site.commit(f"Rilis {slug}", site.cast[author])
    return path


def approve_fully(site: Site, path: str, *refs: str) -> None:
    site.record(site.cast["dwi"], path, 2, "kasubbag", refs=refs)
    site.record(site.cast["hendro"], path, 3, "sekdin", refs=refs)


def chain_of(site: Site, path: str, **kwargs: Any) -> ChainResult:
    """The approval engine's verdict on ``path`` (``kwargs`` as :func:`evaluate_repository` takes them)."""
    result = evaluate_repository(site.root, **kwargs).result(path)
    assert result is not None, f"{path} was not judged"
    return result


# A site with six imported drafts, one approved release and one merged without approvals (the build tests
# of tests/test_site_overlap.py and tests/test_render_ahead.py).
APPROVED_RELEASE = "content/siaran-pers/2025/bantuan-bibit.md"
UNAPPROVED_RELEASE = "content/siaran-pers/2025/rapat-rahasia.md"
UNAPPROVED_SECRET = "Kalimat-rahasia-belum-disetujui"


def site_with_an_unapproved_release(tmp_path: Path, cast: dict[str, Person]) -> Site:
    site = make_site(tmp_path, cast)
    for n in range(6):  # imported with the root commit's successors: drafts unless approved
        site.write(f"content/siaran-pers/2025/rilis-{n}.md", item_text(f"Rilis {n}", f"Isi *rilis* {n}.\n\n## Bagian\n"))
    site.git("add", "content")
    site.git("commit", "-q", "--no-gpg-sign", "-m", "rilis", person=cast["wahyu"])
    release(site, "bantuan-bibit", text=item_text("Bantuan Bibit Cabai", "Isi rilis bibit yang disetujui."))
    approve_fully(site, APPROVED_RELEASE)
    site.merge("rilis/bantuan-bibit", cast["wahyu"])
    release(site, "rapat-rahasia", text=item_text("Rapat Rahasia", f"{UNAPPROVED_SECRET} dalam isi.\n"))
    site.merge("rilis/rapat-rahasia", cast["wahyu"])  # merged without approvals: not published
    return site


def tree_files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by its relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
