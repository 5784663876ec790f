"""Approval verification over a generated history (DESIGN section 9: 10,000 approved releases, < 1 s).

    .venv/bin/python benchmarks/verify.py [--releases 10000] [--signed-releases 1000] [--rounds 3]

Builds a site repository whose history is what an office would have after N releases: a trusted root
commit (warta.yml, the SOP, people.yaml), then for each release a branch commit adding
``content/siaran-pers/<year>/<slug>.md`` (by the operator), three approval records (Kasubbag, Kabid,
Sekdin: empty commits with the Warta-* trailers and the real digest) and a ``--no-ff`` merge into main.
10,000 releases = 50,001 commits, 30,000 of them approval records. The history is written with
``git fast-import`` and packed.

Signed variant: the same history with every record SSH-signed (ed25519, the SSHSIG format ``git`` and
``ssh-keygen -Y`` use), written with Python's ``cryptography`` as git commit objects (git fast-import in git
2.39 cannot carry signatures). Verifying a signature makes git run ``ssh-keygen`` twice per commit, so the
cold signed run uses ``--signed-releases`` (default 1,000); the warm signed run (verdicts cached in
``.warta-cache/signatures/``) is what every later run costs.

Measured: ``evaluate_repository(all_items=True)`` in process (what ``warta verify --all`` and
``warta publish`` spend), cold (no ``.warta-cache/``) and warm, and the whole ``warta verify --all``
command in a child process (Python start-up and imports included).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import shutil
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from pipeline.content import compute_digest  # noqa: E402

SOP = """\
id: pemutakhiran-website
nama: Pemutakhiran Website
identitas: {disahkan_oleh: kepala_dinas}
langkah:
  - {no: 1, kegiatan: Menerima berita, pelaksana: operator_website, jenis: mulai, mutu_baku: {waktu: 120 menit}}
  - {no: 2, kegiatan: Memeriksa, pelaksana: kasubbag, paraf: true, mutu_baku: {waktu: 15 menit}}
  - {no: 3, kegiatan: Paraf Kabid, pelaksana: kepala_bidang, paraf: true, mutu_baku: {waktu: 15 menit}}
  - {no: 4, kegiatan: Memilah, pelaksana: sekdin, paraf: true, jenis: keputusan, ya: 5, tidak: 1,
     mutu_baku: {waktu: 15 menit}}
  - {no: 5, kegiatan: Input website, pelaksana: operator_website, aksi: terbit_website, jenis: selesai,
     mutu_baku: {waktu: 5 menit}}
"""

CONFIG = """\
site: {name: Dinas Uji, url: "https://dinas.example.go.id", unit_code: UJI}
kinds:
  siaran-pers: {sop: pemutakhiran-website}
  berita: {sop: pemutakhiran-website}
  pengumuman: {sop: pemutakhiran-website}
  informasi-publik: {sop: pemutakhiran-website}
  halaman: {sop: pemutakhiran-website}
approvals: {require_signatures: %s, force_publish_roles: [kepala_dinas], main_branch: main}
"""

PEOPLE = [("Rina Lestari", "rina@dinas.example.go.id", "operator_website"),
          ("Dwi Astuti", "dwi@dinas.example.go.id", "kasubbag"),
          ("Endang Susilowati", "endang@dinas.example.go.id", "kepala_bidang"),
          ("Hendro Wibowo", "hendro@dinas.example.go.id", "sekdin"),
          ("Wahyu Hidayat", "wahyu@dinas.example.go.id", "kepala_dinas")]
STEPS = [(2, "kasubbag", 1), (3, "kepala_bidang", 2), (4, "sekdin", 3)]  # step, role, index in PEOPLE
WORDS = ("bantuan bibit kelompok wanita tani kapanewon kalurahan musyawarah pemberdayaan masyarakat dinas "
         "pelatihan warga desa program anggaran pembangunan jalan irigasi posyandu").split()


def people_yaml(keys: dict[str, str]) -> str:
    lines = ["roles:"] + [f"  {role}: {role.replace('_', ' ').title()}" for _, _, role in PEOPLE] + ["people:"]
    for name, email, role in PEOPLE:
        key = f'["{keys[email]}"]' if email in keys else "[]"
        lines += [f"  - name: {name}", f"    email: {email}", f"    roles: [{role}]", f"    ssh_keys: {key}"]
    return "\n".join(lines) + "\n"


def release_text(i: int) -> bytes:
    words = " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(220))
    year = 2016 + i % 10
    return (f"---\ntitle: Rilis {i} tentang {WORDS[i % len(WORDS)]}\ndate: {year}-03-04 09:30\n"
            f"summary: Ringkasan rilis {i}.\ntags: [{WORDS[i % 5]}]\n---\n{words}\n").encode()


# --------------------------------------------------------------------------------------------------
# SSH signatures (the SSHSIG format of ssh-keygen -Y sign, namespace "git")


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


class Signer:
    def __init__(self) -> None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        self.key = Ed25519PrivateKey.generate()
        raw = self.key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.blob = _string(b"ssh-ed25519") + _string(raw)
        self.public = "ssh-ed25519 " + base64.b64encode(self.blob).decode()

    def armor(self, message: bytes) -> bytes:
        digest = hashlib.sha512(message).digest()
        to_sign = b"SSHSIG" + _string(b"git") + _string(b"") + _string(b"sha512") + _string(digest)
        signature = _string(b"ssh-ed25519") + _string(self.key.sign(to_sign))
        blob = (b"SSHSIG" + struct.pack(">I", 1) + _string(self.blob) + _string(b"git") + _string(b"")
                + _string(b"sha512") + _string(signature))
        text = base64.b64encode(blob).decode()
        lines = [text[i:i + 70] for i in range(0, len(text), 70)]
        return ("-----BEGIN SSH SIGNATURE-----\n" + "\n".join(lines) + "\n-----END SSH SIGNATURE-----").encode()


# --------------------------------------------------------------------------------------------------
# generation


def git(repo: Path, *args: str, input: bytes | None = None) -> bytes:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update({"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull})
    return subprocess.run(["git", *args], cwd=repo, input=input, env=env, check=True,
                          capture_output=True).stdout


def generate(repo: Path, releases: int, signers: dict[str, Signer] | None) -> int:
    """Write the history; returns the number of approval records."""
    if repo.exists():
        shutil.rmtree(repo)
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    keys = {email: s.public for email, s in (signers or {}).items()}
    out: list[bytes] = []
    mark = 0

    def data(payload: bytes) -> bytes:
        return b"data %d\n" % len(payload) + payload + b"\n"

    def ident(person: tuple[str, str, str], when: int) -> bytes:
        return f"{person[0]} <{person[1]}> {when} +0700".encode()

    t0 = 1_600_000_000
    root_files = {"warta.yml": (CONFIG % ("true" if signers else "false")).encode(),
                  "sop/pemutakhiran-website.yaml": SOP.encode(), "sop/people.yaml": people_yaml(keys).encode(),
                  ".gitignore": b".warta-cache/\n"}
    mark += 1
    main_mark = mark
    out.append(b"commit refs/heads/main\nmark :%d\n" % mark)
    out.append(b"author " + ident(PEOPLE[4], t0) + b"\ncommitter " + ident(PEOPLE[4], t0) + b"\n")
    out.append(data(b"Bootstrap"))
    for path, payload in root_files.items():
        out.append(b"M 100644 inline " + path.encode() + b"\n" + data(payload))
    records = 0
    for i in range(releases):
        when = t0 + 3600 * (i + 1)
        path = f"content/siaran-pers/{2016 + i % 10}/rilis-{i:05d}.md"
        payload = release_text(i)
        digest = compute_digest({path: payload})
        mark += 1
        blob = mark
        out.append(b"blob\nmark :%d\n" % blob + data(payload))
        mark += 1
        tip = mark
        out.append(b"commit refs/heads/rilis\nmark :%d\n" % tip)
        out.append(b"author " + ident(PEOPLE[0], when) + b"\ncommitter " + ident(PEOPLE[0], when) + b"\n")
        out.append(data(f"Rilis {i}".encode()) + b"from :%d\n" % main_mark)
        out.append(b"M 100644 :%d %s\n" % (blob, path.encode()))
        for k, (step, role, who) in enumerate(STEPS):
            message = (f"Approve step {step}: {path}\n\nWarta-Item: {path}\nWarta-Digest: {digest}\n"
                       f"Warta-Step: {step}\nWarta-Role: {role}\nWarta-Decision: approve\n")
            mark += 1
            out.append(b"commit refs/heads/rilis\nmark :%d\n" % mark)
            stamp = ident(PEOPLE[who], when + 600 * (k + 1))
            out.append(b"author " + stamp + b"\ncommitter " + stamp + b"\n" + data(message.encode()))
            out.append(b"from :%d\n" % tip)
            tip = mark
            records += 1
        mark += 1
        out.append(b"commit refs/heads/main\nmark :%d\n" % mark)
        stamp = ident(PEOPLE[3], when + 2400)
        out.append(b"author " + stamp + b"\ncommitter " + stamp + b"\n" + data(f"Merge rilis {i}".encode()))
        out.append(b"from :%d\nmerge :%d\n" % (main_mark, tip))
        out.append(b"M 100644 :%d %s\n" % (blob, path.encode()))
        main_mark = mark
    git(repo, "fast-import", "--quiet", input=b"".join(out))
    git(repo, "branch", "-D", "rilis")
    if signers:
        sign_records(repo, signers)
    git(repo, "repack", "-a", "-d", "-q")
    git(repo, "prune")
    git(repo, "reset", "-q", "--hard", "main")
    return records


def sign_records(repo: Path, signers: dict[str, Signer]) -> None:
    """Rewrite the history with every approval record signed by its author's key."""
    listing = git(repo, "log", "--reverse", "--topo-order", "--format=%H", "main").decode().split()
    bodies = git(repo, "cat-file", "--batch", input="".join(f"{s}\n" for s in listing).encode())
    new_id: dict[bytes, bytes] = {}
    pos = 0
    objects = repo / ".git" / "objects"
    for sha in listing:
        end = bodies.index(b"\n", pos)
        size = int(bodies[pos:end].split()[2])
        raw = bodies[end + 1:end + 1 + size]
        pos = end + 1 + size + 1
        header, _, message = raw.partition(b"\n\n")
        lines = []
        for line in header.split(b"\n"):
            if line.startswith(b"parent "):
                line = b"parent " + new_id[line[7:]]
            lines.append(line)
        unsigned = b"\n".join(lines) + b"\n\n" + message
        if b"Warta-Item:" in message or message.startswith(b"Rilis "):  # records and content (rule 4)
            email = next(x for x in lines if x.startswith(b"author ")).split(b"<")[1].split(b">")[0].decode()
            armor = signers[email].armor(unsigned)
            sig = b"gpgsig " + armor.replace(b"\n", b"\n ")
            committer = next(i for i, x in enumerate(lines) if x.startswith(b"committer "))
            lines.insert(committer + 1, sig)
            content = b"\n".join(lines) + b"\n\n" + message
        else:
            content = unsigned
        store = b"commit %d\0" % len(content) + content
        oid = hashlib.sha1(store).hexdigest().encode()
        folder = objects / oid[:2].decode()
        folder.mkdir(exist_ok=True)
        target = folder / oid[2:].decode()
        if not target.exists():
            target.write_bytes(zlib.compress(store, 1))
        new_id[sha.encode()] = oid
    git(repo, "update-ref", "refs/heads/main", new_id[listing[-1].encode()].decode())


def reuse(repo: Path, releases: int) -> int:
    """The number of records of a history generated earlier (checked against ``releases``)."""
    commits = int(git(repo, "rev-list", "--count", "main"))
    if commits != 1 + 5 * releases:
        raise SystemExit(f"{repo} does not hold {releases} releases; run without --reuse")
    return 3 * releases


# --------------------------------------------------------------------------------------------------
# measuring


def in_process(repo: Path, *, cold: bool) -> tuple[float, int, bool]:
    from pipeline.approvals.service import evaluate_repository

    if cold:
        shutil.rmtree(repo / ".warta-cache", ignore_errors=True)
    cwd = os.getcwd()
    os.chdir(repo)
    try:
        start = time.perf_counter()
        report = evaluate_repository(repo, all_items=True)
        took = time.perf_counter() - start
    finally:
        os.chdir(cwd)
    return took, len(report.items), report.ok


def command(repo: Path, *, cold: bool) -> tuple[float, int]:
    if cold:
        shutil.rmtree(repo / ".warta-cache", ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update({"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull})
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "verify", "--all"], cwd=repo, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, _ = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, os.waitstatus_to_exitcode(status)


def measure(label: str, repo: Path, records: int, rounds: int, commits: int, *, cli_cold: bool = True
            ) -> list[str]:
    rows = []
    cold, items, ok = in_process(repo, cold=True)
    warm = min(in_process(repo, cold=False)[0] for _ in range(rounds))
    command_cold, code = command(repo, cold=True) if cli_cold else (float("nan"), 0)
    cli_warm = min(command(repo, cold=False)[0] for _ in range(rounds))
    verdict = "ok" if ok and code == 0 else f"FAILED (ok={ok}, exit {code})"
    rows.append(f"| {label} | {items:,} | {records:,} | {commits:,} | {cold:.2f} s | {warm:.2f} s | "
                f"{command_cold:.2f} s | {cli_warm:.2f} s | {verdict} |".replace("nan s", "not run"))
    print(rows[-1], flush=True)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--releases", type=int, default=10_000)
    parser.add_argument("--signed-releases", type=int, default=1_000,
                        help="releases in the signed history (0: skip the signed variant)")
    parser.add_argument("--signed-full", action="store_true",
                        help="also verify the full signed history cold (git runs ssh-keygen 60,000 times)")
    parser.add_argument("--rounds", type=int, default=3, help="warm runs (best is reported)")
    parser.add_argument("--workdir", type=Path, default=PROJECT / ".benchmarks-work" / "verify")
    parser.add_argument("--reuse", action="store_true", help="measure the histories left by an earlier run")
    args = parser.parse_args()

    print("| history | items | approval records | commits | in process, cold | in process, warm | "
          "`warta verify --all`, cold | `warta verify --all`, warm | result |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    repo = args.workdir / "unsigned"
    start = time.perf_counter()
    records = reuse(repo, args.releases) if args.reuse else generate(repo, args.releases, None)
    generated = time.perf_counter() - start
    commits = int(git(repo, "rev-list", "--count", "main"))
    measure(f"{args.releases:,} releases, unsigned", repo, records, args.rounds, commits)
    print(f"(generated in {generated:.1f} s)", flush=True)

    sizes = []
    if args.signed_releases:
        sizes.append(args.signed_releases)
    if args.signed_full and args.releases not in sizes:
        sizes.append(args.releases)
    for n in sizes:
        try:
            signers = {email: Signer() for _, email, _ in PEOPLE}
        except ImportError:
            print("(signed variant skipped: the cryptography package is not installed)")
            break
        repo = args.workdir / f"signed-{n}"
        start = time.perf_counter()
        records = reuse(repo, n) if args.reuse else generate(repo, n, signers)
        generated = time.perf_counter() - start
        commits = int(git(repo, "rev-list", "--count", "main"))
        # a cold signed run costs minutes; the command's cold run would only repeat it
        measure(f"{n:,} releases, every record SSH-signed", repo, records, args.rounds, commits,
                cli_cold=n <= 2_000)
        print(f"(generated in {generated:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
