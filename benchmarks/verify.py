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
command in a child process (Python start-up and imports included): cold, warm (the same refs: the kept
verdicts of the whole run are read back) and warm after a new ref (every chain judged again with the
history index, item and signature caches warm: what a run after a new record costs).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import os
import shutil
import statistics
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import Run, compile_checkout, installed_env, load_line, measure, ratio_text, show, table  # noqa: E402

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


GENERATOR = hashlib.sha256(Path(__file__).read_bytes().split(b"# measuring")[0]).hexdigest()[:16]


def history(workdir: Path, releases: int, signed: bool) -> tuple[Path, int]:
    """The generated history for ``releases`` (made once, kept under ``workdir`` while this script's
    generator is unchanged) and its number of approval records."""
    repo = workdir / f"{'signed' if signed else 'unsigned'}-{releases}"
    stamp = repo / ".git" / "warta-bench-generator"
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == GENERATOR:
        print(f"(reusing {repo})", flush=True)
        return repo, 3 * releases
    start = time.perf_counter()
    signers = {email: Signer() for _, email, _ in PEOPLE} if signed else None
    records = generate(repo, releases, signers)
    if signers:
        cross_check(repo, signers)
    stamp.write_text(GENERATOR, encoding="utf-8")
    print(f"(generated {repo} in {time.perf_counter() - start:.1f} s)", flush=True)
    return repo, records


def cross_check(repo: Path, signers: dict[str, Signer], sample: int = 12) -> None:
    """git's own ``verify-commit`` accepts a sample of the generated signatures (the generator writes
    exactly what ``git commit -S`` would)."""
    allowed = repo / ".git" / "bench-allowed-signers"
    allowed.write_text("".join(f'{email} namespaces="git" {s.public}\n' for email, s in signers.items()),
                       encoding="utf-8")
    shas = git(repo, "log", "--format=%H", "--grep=^Warta-Item:", "main").decode().split()
    content = git(repo, "log", "--format=%H", "--grep=^Rilis ", "main").decode().split()
    step = max(1, len(shas) // sample)
    for sha in [*shas[::step][:sample], *content[:2]]:
        git(repo, "-c", f"gpg.ssh.allowedSignersFile={allowed}", "verify-commit", sha)
    print(f"(git verify-commit accepts {min(sample, len(shas)) + min(2, len(content))} sampled signatures)",
          flush=True)


# --------------------------------------------------------------------------------------------------
# measuring


def _env(project: Path) -> dict[str, str]:
    """The environment of a measured command: warta as installed runs from byte-code, so a shell's
    ``PYTHONDONTWRITEBYTECODE`` is not passed on (the checkouts are compiled once, :func:`_compile`)."""
    env = installed_env(project, {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "WARTA_"))})
    env.update({"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull})
    return env


@contextlib.contextmanager
def _reports_kept(repo: Path) -> Iterator[None]:
    """The kept runs of ``repo``'s cache (``reportcache``'s folder) as they were before the block."""
    reports = repo / ".warta-cache" / "approvals" / "reports"
    aside = reports.with_name("reports.bench-aside")
    shutil.rmtree(aside, ignore_errors=True)
    if reports.is_dir():
        shutil.copytree(reports, aside)
    try:
        yield
    finally:
        shutil.rmtree(reports, ignore_errors=True)
        if aside.is_dir():
            aside.rename(reports)


def rounds_of(repo: Path, rounds: int, projects: list[Path], *, cold: bool, status: bool,
              status_all: bool = False) -> dict[str, list[Run]]:
    """Interleaved rounds: per checkout ``warta verify --all`` cold (an empty ``.warta-cache/``), then warm,
    and ``warta status`` warm (with that checkout's caches, kept from round to round: each checkout has
    its own copy, moved aside and back); and a plain ``git log`` of every commit's message over the same
    history."""
    verify = [sys.executable, "-m", "pipeline", "verify", "--all"]
    rows: dict[str, list[Run]] = {}
    caches = {p: repo.parent / f".cache-{repo.name}-{i}" for i, p in enumerate(projects)}

    def keep(label: str, run: Run) -> None:
        rows.setdefault(label, []).append(run)
        show(label, run)

    def named(project: Path, label: str) -> str:
        return f"{project.name}: {label}" if len(projects) > 1 else label

    for project, cache in caches.items():  # fill each checkout's caches once
        shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(repo / ".warta-cache", ignore_errors=True)
        measure(verify, repo, _env(project))
        if status:
            measure([sys.executable, "-m", "pipeline", "status"], repo, _env(project))
        if status_all:
            measure([sys.executable, "-m", "pipeline", "status", "--all"], repo, _env(project))
        (repo / ".warta-cache").rename(cache)
    for k in range(rounds):
        print(f"-- round {k + 1} of {rounds} ({load_line()})", flush=True)
        for project, cache in caches.items():
            env = _env(project)
            if cold:
                shutil.rmtree(repo / ".warta-cache", ignore_errors=True)
                keep(named(project, "warta verify --all, cold"), measure(verify, repo, env))
                shutil.rmtree(repo / ".warta-cache", ignore_errors=True)
            cache.rename(repo / ".warta-cache")
            keep(named(project, "warta verify --all, warm"), measure(verify, repo, env))
            # a ref that was not there (as a new record or a pushed branch makes): the kept verdicts of
            # the whole run do not apply, every chain is judged again with the other caches warm
            # (its kept run is then forgotten: the ref is deleted, and left in the cache each round's would
            # push the warm run's out of the KEEP newest by round 4, and the next round start half cold)
            other = f"refs/heads/bench-{k}-{len(rows)}"
            git(repo, "update-ref", other, "main")
            with _reports_kept(repo):
                keep(named(project, "warta verify --all, warm, a new ref"), measure(verify, repo, env))
            git(repo, "update-ref", "-d", other)
            if status:
                keep(named(project, "warta status, warm"),
                     measure([sys.executable, "-m", "pipeline", "status"], repo, env))
            if status_all:
                keep(named(project, "warta status --all, warm"),
                     measure([sys.executable, "-m", "pipeline", "status", "--all"], repo, env))
            (repo / ".warta-cache").rename(cache)
        keep("git log of every message", measure(["git", "log", "--format=%H %an <%ae>%n%B", "main"], repo,
                                                  _env(PROJECT)))
    for path in caches.values():
        shutil.rmtree(path, ignore_errors=True)
    return rows


SIGNATURES = """
import collections, sys, time
from pathlib import Path
from pipeline.approvals.signing import verify_signatures
from pipeline.git import Git
from pipeline.people import parse_people
git = Git(Path.cwd())
people = parse_people(git.text("show", "HEAD:sop/people.yaml"))
shas = git.text("log", "--format=%H", "--grep=^Warta-Item:", "--grep=^Rilis ", "main").split()
start = time.perf_counter()
found = verify_signatures(git, shas, [people], None)
took = time.perf_counter() - start
print(f"{len(shas)} signed commits, verdicts {dict(collections.Counter(v.status for v in found.values()))}, "
      f"{took:.2f} s in verify_signatures", flush=True)
sys.exit(0 if len(found) == len(shas) and all(v.status == "G" for v in found.values()) else 1)
"""


def signature_rounds(repo: Path, rounds: int, projects: list[Path]) -> dict[str, list[Run]]:
    """Interleaved rounds of the signatures alone: every approval record and content commit of the
    history verified cold (no verdict cache) by ``signing.verify_signatures``, in a child process."""
    rows: dict[str, list[Run]] = {}
    for k in range(rounds):
        print(f"-- round {k + 1} of {rounds} ({load_line()})", flush=True)
        for project in projects:
            run = measure([sys.executable, "-c", SIGNATURES], repo, _env(project), keep_output=True)
            label = f"{project.name}: signatures, cold" if len(projects) > 1 else "signatures, cold"
            rows.setdefault(label, []).append(run)
            show(label, run)
            print(f"    {run.stdout.strip()}", flush=True)
        run = measure(["git", "log", "--format=%H %an <%ae>%n%B", "main"], repo, _env(PROJECT))
        rows.setdefault("git log of every message", []).append(run)
        show("git log of every message", run)
    return rows


def site_history(workdir: Path, releases: int) -> Path:
    """``benchmarks/build.py``'s corpus (the example site's warta.yml and SOPs, one root commit), made once."""
    import build  # benchmarks/build.py

    base = workdir / f"site-{releases}"
    stamp = base / "warta" / ".git" / "warta-bench-generator"
    mark = hashlib.sha256(Path(build.__file__).read_bytes()).hexdigest()[:16]
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == mark:
        print(f"(reusing {base})", flush=True)
        return base / "warta"
    start = time.perf_counter()
    projects = build.generate(releases, base)
    shutil.rmtree(projects["pelican"])
    shutil.rmtree(projects["hugo"])
    stamp.write_text(mark, encoding="utf-8")
    print(f"(generated {base} in {time.perf_counter() - start:.1f} s)", flush=True)
    return projects["warta"]


def report(label: str, rows: dict[str, list[Run]]) -> None:
    print(f"\n{label} ({load_line()})")
    print("\n".join(table(rows)))
    base = rows["git log of every message"]
    print("\n| ratio to the git log (each round's own, median (min)) | value |\n|---|---:|")
    for name, runs in rows.items():
        if runs is not base:
            print(f"| {name} | {ratio_text(runs, base)} |")
    names = sorted({n.split(": ", 1)[0] for n in rows if ": " in n})
    if len(names) == 2:  # two checkouts: each figure of the second over the first, round by round
        print(f"\n| {names[1]} / {names[0]}, wall (each round's own, median (min)) | value | CPU, medians |\n"
              "|---|---:|---:|")
        for name, runs in rows.items():
            if name.startswith(names[0] + ": "):
                other = rows.get(names[1] + name[len(names[0]):], [])
                cpu = statistics.median(r.cpu for r in other) / max(statistics.median(r.cpu for r in runs), 1e-9)
                print(f"| {name[len(names[0]) + 2:]} | {ratio_text(other, runs)} | {cpu:.2f}x |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--releases", type=int, default=10_000, help="releases of the unsigned history")
    parser.add_argument("--signed-releases", type=int, default=1_000,
                        help="releases in the signed history (0: skip the signed variant)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--signed-rounds", type=int, default=None, help="rounds of the signed variant")
    parser.add_argument("--site-releases", type=int, default=10_000,
                        help="releases of benchmarks/build.py's corpus (the example site; 0: skip)")
    parser.add_argument("--workdir", type=Path, default=PROJECT / ".benchmarks-work" / "verify")
    parser.add_argument("--project", type=Path, action="append",
                        help="a checkout whose pipeline package is measured (repeat to interleave several; "
                             "default: the repository this script lives in)")
    parser.add_argument("--warm-only", action="store_true", help="skip the cold runs")
    parser.add_argument("--status-all", action="store_true", help="also time warta status --all (every item shown)")
    parser.add_argument("--signatures-only", action="store_true",
                        help="signed history: time only the signature verification (cold), not the commands")
    args = parser.parse_args()
    projects = [p.resolve() for p in (args.project or [PROJECT])]
    for project in projects:
        compile_checkout(sys.executable, project)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"{git(PROJECT, 'version').decode().strip()}; {load_line()}", flush=True)
    if args.releases:
        repo, records = history(args.workdir, args.releases, signed=False)
        commits = int(git(repo, "rev-list", "--count", "main"))
        label = f"{args.releases:,} releases, unsigned: {records:,} approval records, {commits:,} commits"
        print(f"== {label}", flush=True)
        report(label, rounds_of(repo, args.rounds, projects, cold=not args.warm_only, status=True,
                                status_all=args.status_all))
    if args.site_releases:
        repo = site_history(args.workdir, args.site_releases)
        label = f"{args.site_releases:,} releases of the example site (build.py's corpus), imported in one root commit"
        print(f"== {label}", flush=True)
        report(label, rounds_of(repo, args.rounds, projects, cold=not args.warm_only, status=True,
                                status_all=args.status_all))
    if args.signed_releases:
        repo, records = history(args.workdir, args.signed_releases, signed=True)
        commits = int(git(repo, "rev-list", "--count", "main"))
        label = (f"{args.signed_releases:,} releases, every record and content commit SSH-signed: {records:,} "
                 f"approval records, {commits:,} commits")
        print(f"== {label}", flush=True)
        if args.signatures_only:
            report(label, signature_rounds(repo, args.signed_rounds or args.rounds, projects))
        else:
            report(label, rounds_of(repo, args.signed_rounds or args.rounds, projects, cold=not args.warm_only,
                                    status=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
