"""``warta publish`` benchmark: the main job over a generated site, against Hugo's full build of the same text.

    .venv/bin/python benchmarks/publish.py                                   # 1,000 releases, this checkout
    .venv/bin/python benchmarks/publish.py --project ../wt-base --project .  # two checkouts, interleaved

The corpus is the one ``benchmarks/build.py`` writes (its generator is imported): N press releases of ~400
words in warta's format, in a git repository whose root commit holds everything with the example site's
``warta.yml`` and SOPs (DESIGN section 4 rule 8: content in the root commit is imported legacy, so every
release counts as approved and is published), plus the same text as a Hugo project. The releases have no
photos (neither has Hugo's copy), so the press-release SOP's step 1 keeps only its ``disposisi``
requirement (the example asks for ``bukti_multimedia`` too: a photo or video per release). ``sop/people.yaml`` is
the example's with a generated ed25519 key for the two approvers of the press-release SOP (Kasubbag,
step 2; Sekdin, step 3) and for the operator, so ``approvals.require_signatures: true`` stays on. A new
release is written the way an office writes one: a commit by the operator on ``rilis/<slug>`` (signed:
content commits must be), two approval records (empty commits with the Warta-* trailers and the documented
digest, SSH-signed by ``git commit -S``) and a ``--no-ff`` merge into main. Where the measured checkout
has the publishing identity (issue 13 point 4: it reads ``WARTA_SIGNING_KEY``), the root commit's
people.yaml gets a ``pipeline:`` entry with a generated key and the run passes that key, so the register's
commits and tags are signed as in production; ``--project-without-identity`` measures a checkout without
it (an unsigned register, as a site made before the identity existed).

Each ``--project`` (a checkout whose ``pipeline`` package is measured: the child runs with
``PYTHONPATH=<project>``, so any checkout can be measured with one virtualenv) gets its own copy of the
generated repository. Measured, each as ``python -m pipeline publish --json`` in a child process (deploy
target local, ``WARTA_NOW`` unset, git's global configuration replaced by the publishing account's
identity):

- cold: the first publish of a fresh copy (no ``.warta-cache/``, no ``_site``: verifies every chain,
  numbers all N releases, builds, deploys, writes N announcements and the records);
- nothing new: publish again with nothing merged since the previous run;
- one new release: one approved release merged, then publish (a new release each round);
- Hugo: ``hugo --quiet`` full build of the same text, in the same rounds.

Rounds interleave the projects (cold: project A, project B, Hugo; then each warm round: nothing new for
A and B, one new release for A and B, Hugo), so that all see the same machine load; the load average is
printed with every figure, and so is the CPU time (user + system of the child and the processes it waited
for: git, ssh-keygen, the Markdown workers), which a shared machine's load disturbs far less than the wall
time. Memory: ``ru_maxrss`` of the child (``os.wait4``: the largest single process
of the tree), and the tree's summed resident memory sampled every 0.2 s from ``/proc`` (pages a forked
worker shares with its parent count in both, so this over-states the sum).

``--published SITE`` skips the cold round: each project starts from a copy of a site published before
(``--keep``, the same ``--workdir`` and ``--n``: its keys), with one uncounted run that takes the copy
over; ``--nothing-new-only`` leaves out the new releases (before/after of the run with nothing new).

Budgets (DESIGN section 9): publish with nothing new under 3 s warm; one new release under 0.5x Hugo's
full build. Results go to docs/benchmarks.md ("Publish") by hand.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import build as corpus  # noqa: E402  (benchmarks/build.py: the generator of the releases and of the Hugo project)
from measure import compile_checkout, installed_env, tree_rss  # noqa: E402  (the process tree's summed memory, shared with the other benchmarks)

PROJECT = Path(__file__).resolve().parents[1]
WORK = PROJECT / ".benchmarks-work" / "publish"
APPROVERS = {  # people of the example sop/people.yaml who give the press-release SOP's paraf
    "kasubbag": ("Dwi Astuti", "dwi.astuti@example.go.id", 2),
    "sekdin": ("Hendro Wibowo", "hendro.wibowo@example.go.id", 3),
}
OPERATOR = ("Rina Lestari", "rina.lestari@example.go.id")
PUBLISHER = ("Wahyu Hidayat", "wahyu.hidayat@example.go.id")  # the git account CI publishes as
IDENTITY = ("warta CI", "warta-ci@example.go.id")  # the publishing identity (people.yaml ``pipeline:``)


# --------------------------------------------------------------------------------------------------
# the site repository


def digest_of(files: dict[str, bytes]) -> str:
    """The documented digest (docs/approvals.md): sha256 over each file's path, length and bytes."""
    h = hashlib.sha256()
    for path in sorted(files):
        data = files[path]
        h.update(path.encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
    return "sha256:" + h.hexdigest()


class Repo:
    """A site repository and the people acting on it (each with their own git identity)."""

    def __init__(self, root: Path, home: Path) -> None:
        self.root, self.home = root, home

    def env(self, who: tuple[str, str] | None = None) -> dict[str, str]:
        name, email = who or PUBLISHER
        config = self.home / f"gitconfig-{email}"
        if not config.exists():
            config.write_text(f"[user]\n\tname = {name}\n\temail = {email}\n[commit]\n\tgpgsign = false\n"
                              "[init]\n\tdefaultBranch = main\n", encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "WARTA_"))}
        env.update({"GIT_CONFIG_GLOBAL": str(config), "GIT_CONFIG_NOSYSTEM": "1", "SSH_AUTH_SOCK": ""})
        return env

    def git(self, *args: str, who: tuple[str, str] | None = None) -> str:
        proc = subprocess.run(["git", *args], cwd=self.root, env=self.env(who), capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"git {' '.join(args)} failed in {self.root}: {proc.stderr}")
        return proc.stdout.strip()


def _keys(home: Path) -> dict[str, Path]:
    """An ed25519 key per approver, for the operator and for the publishing identity, outside every
    repository."""
    keys = {}
    owners = {**{role: email for role, (_, email, _) in APPROVERS.items()}, "operator": OPERATOR[1],
              "pipeline": IDENTITY[1]}
    for role, email in owners.items():
        key = home / f"key-{role}"
        if not key.exists():
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", email, "-f", str(key)],
                           check=True, capture_output=True)
        keys[role] = key
    return keys


def _public(key: Path) -> str:
    return key.with_name(key.name + ".pub").read_text(encoding="utf-8").strip()


def _people_yaml(text: str, keys: dict[str, Path]) -> str:
    """The example people.yaml with the approvers' and the operator's public keys in their ``ssh_keys``."""
    lines = text.splitlines()
    owners = {**{role: email for role, (_, email, _) in APPROVERS.items()}, "operator": OPERATOR[1]}
    for role, email in owners.items():
        at = next(i for i, line in enumerate(lines) if line.strip() == f"email: {email}")
        keyline = next(i for i in range(at, len(lines)) if lines[i].strip().startswith("ssh_keys:"))
        lines[keyline] = lines[keyline].split("ssh_keys:")[0] + f"ssh_keys: [{json.dumps(_public(keys[role]))}]"
    return "\n".join(lines) + "\n"


def supports_identity(checkout: Path) -> bool:
    """Whether the checkout's publish signs the register as a publishing identity (issue 13 point 4)."""
    return any("WARTA_SIGNING_KEY" in f.read_text(encoding="utf-8") for f in (checkout / "pipeline").rglob("*.py"))


def adopt_identity(repo: Repo, keys: dict[str, Path]) -> None:
    """The ``pipeline:`` entry in the trusted root commit's people.yaml (no approval needed there)."""
    people = repo.root / "sop" / "people.yaml"
    entry = (f"pipeline: {{name: {IDENTITY[0]}, email: {IDENTITY[1]}, "
             f"ssh_keys: [{json.dumps(_public(keys['pipeline']))}]}}\n")
    people.write_text(people.read_text(encoding="utf-8") + entry, encoding="utf-8")
    repo.git("commit", "-q", "--amend", "-a", "--no-edit", who=PUBLISHER)


def generate(n: int, base: Path) -> tuple[Path, Path, Path]:
    """The warta repository (root commit: the example configuration, signed approvers, N releases), the
    Hugo project and the home folder holding keys and git configurations."""
    projects = corpus.generate(n, base / "corpus")
    shutil.rmtree(projects["pelican"])
    home = base / "home"
    home.mkdir(parents=True, exist_ok=True)
    repo = Repo(projects["warta"], home)
    people = repo.root / "sop" / "people.yaml"
    people.write_text(_people_yaml(people.read_text(encoding="utf-8"), _keys(home)), encoding="utf-8")
    # the corpus has no photos (as Hugo's): the press-release SOP's step 1 asks only for the disposition
    sop = repo.root / "sop" / "pemutakhiran-website.yaml"
    text = sop.read_text(encoding="utf-8")
    assert "syarat: [bukti_multimedia, disposisi]" in text, "the example SOP changed: update this benchmark"
    sop.write_text(text.replace("syarat: [bukti_multimedia, disposisi]", "syarat: [disposisi]"), encoding="utf-8")
    repo.git("commit", "-q", "--amend", "-a", "--no-edit", "--reset-author", who=PUBLISHER)
    assert repo.git("rev-list", "--count", "HEAD") == "1"
    return repo.root, projects["hugo"], home


def release_text(k: int) -> str:
    """A new release in the corpus's style (~400 words, one heading, one list, 1-3 tags)."""
    rng = random.Random(1_000_000 + k)
    body, meta = corpus._release_text(rng, 100_000 + k)
    tags = meta["tags"]
    assert isinstance(tags, list)
    when = dt.datetime(2025, 6, 2, 9, 0) + dt.timedelta(minutes=k)
    return (f'---\ntitle: "Rilis Baru {k}: {meta["title"]}"\ndate: {when:%Y-%m-%d %H:%M}\n'
            f'summary: "{meta["summary"]}"\ntags: [{", ".join(tags)}]\nlokasi: Balai Kalurahan {meta["place"]}\n'
            f'disposisi:\n  nomor: "045/B{k}/DPMK"\n  tanggal: {when.date().isoformat()}\n'
            f"  jenis_berita: kegiatan\n---\n{body}")


def add_release(repo: Repo, keys: dict[str, Path], k: int) -> str:
    """One release written by the operator on ``rilis/baru-<k>``, approved (signed) at steps 2 and 3,
    merged ``--no-ff`` into main by the Kepala Dinas."""
    slug = f"baru-{k:04d}"
    path = f"content/siaran-pers/2025/{slug}.md"
    repo.git("switch", "-q", "-c", f"rilis/{slug}", "main")
    data = release_text(k).encode()
    (repo.root / path).parent.mkdir(parents=True, exist_ok=True)
    (repo.root / path).write_bytes(data)
    repo.git("add", path, who=OPERATOR)
    # content commits are signed by their author (docs/approvals.md, "Signing content commits")
    repo.git("-c", f"user.signingkey={keys['operator']}.pub", "-c", "gpg.format=ssh",
             "commit", "-q", "-S", "-m", f"Rilis {slug}", who=OPERATOR)
    digest = digest_of({path: data})
    for role, (name, email, step) in sorted(APPROVERS.items(), key=lambda kv: kv[1][2]):
        message = (f"approve {path}\n\nWarta-Item: {path}\nWarta-Digest: {digest}\nWarta-Step: {step}\n"
                   f"Warta-Role: {role}\nWarta-Decision: approve\n")
        repo.git("-c", f"user.signingkey={keys[role]}.pub", "-c", "gpg.format=ssh",
                 "commit", "-q", "--allow-empty", "-S", "-m", message, who=(name, email))
    repo.git("switch", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "-m", f"Merge rilis/{slug}", f"rilis/{slug}", who=PUBLISHER)
    return path


# --------------------------------------------------------------------------------------------------
# measuring


@dataclass
class Run:
    seconds: float
    cpu: float  # user + system seconds of the child and the descendants it waited for
    maxrss_mb: float  # the largest single process (os.wait4)
    tree_mb: float  # the process tree's summed resident memory, sampled
    load: float  # 1-minute load average when the run ended
    code: int
    doc: dict[str, object] = field(default_factory=dict)
    err: str = ""

    def summary(self) -> str:
        publish = self.doc.get("publish")
        changed = [p for p in publish if isinstance(p, dict) and p.get("change") != "unchanged"] \
            if isinstance(publish, list) else []
        numbers = self.doc.get("numbers")
        held = self.doc.get("held")
        return (f"exit {self.code}, {len(publish) if isinstance(publish, list) else '?'} published "
                f"({len(changed)} new or changed), {len(numbers) if isinstance(numbers, list) else '?'} numbered, "
                f"{len(held) if isinstance(held, list) else '?'} held")


def measure(cmd: list[str], cwd: Path, env: dict[str, str], *, parse: bool = False) -> Run:
    """Wall time and memory of one child process and its descendants."""
    peak = [0]
    done = threading.Event()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err)

        def sample() -> None:
            while not done.wait(0.2):
                peak[0] = max(peak[0], tree_rss(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        took = time.perf_counter() - started
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    doc: dict[str, object] = {}
    if parse:
        try:
            doc = json.loads(stdout)
        except ValueError:
            doc = {}
    return Run(took, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, peak[0] / 2**20,
               os.getloadavg()[0], proc.returncode, doc, stderr[-800:] if proc.returncode else "")


@dataclass
class Project:
    label: str
    checkout: Path
    site: Path
    identity: bool  # the register is signed by the publishing identity (WARTA_SIGNING_KEY)
    runs: dict[str, list[Run]] = field(default_factory=dict)

    def publish(self, repo: Repo, python: str, keys: dict[str, Path]) -> Run:
        env = installed_env(self.checkout, repo.env(PUBLISHER))  # byte code compiled once (compile_checkout)
        if self.identity:
            env["WARTA_SIGNING_KEY"] = keys["pipeline"].read_text(encoding="utf-8")
        return measure([python, "-m", "pipeline", "publish", "--json"], self.site, env, parse=True)


def settle(repo: Repo) -> None:
    """Pack the repository as a clone is packed, outside the measured runs. A cold publish writes some
    30,000 loose objects (records, tags), over git's ``gc.auto`` threshold, so each later commit of a run
    started ``gc --auto``: in the foreground its prologue (``pack-refs --all``, ``reflog expire --all``:
    0.4 s of CPU a commit at 10,000 releases), then a detached repack racing the next runs; a copy taken
    meanwhile kept its ``gc.pid``/``gc.log.lock`` and never got packed (every later commit paid the prologue
    again). A CI clone is packed, and an office's own clone is packed by its first ``gc``."""
    for stale in ("gc.pid", "gc.log.lock", "gc.log"):
        (repo.root / ".git" / stale).unlink(missing_ok=True)
    loose = int(repo.git("count-objects").split()[0])
    if loose > 1000:  # a packed copy is left as it is
        repo.git("-c", "gc.autoDetach=false", "gc", "-q", "--force")


def _report(label: str, what: str, run: Run, runs: dict[str, list[Run]]) -> None:
    runs.setdefault(what, []).append(run)
    flag = "" if run.code == 0 else f"\n    FAILED: {run.err or json.dumps(run.doc)[:800]}"
    detail = f"  [{run.summary()}]" if run.doc or run.code else ""
    print(f"  {label:10s} {what:18s} {run.seconds:7.2f} s  cpu {run.cpu:6.2f} s  max process {run.maxrss_mb:5.0f} MB  "
          f"tree {run.tree_mb:5.0f} MB  load {run.load:4.1f}{detail}{flag}", flush=True)


def _pages(site: Path) -> int:
    live = (site / "_site").resolve()
    return sum(1 for _ in live.rglob("*.html")) if live.is_dir() else 0


def bench(args: argparse.Namespace) -> list[Project]:
    base = args.workdir / str(args.n)
    print(f"== {args.n} releases: generating in {base}", flush=True)
    start = time.perf_counter()
    pristine, hugo, home = generate(args.n, base)
    keys = _keys(home)
    print(f"  generated in {time.perf_counter() - start:.1f} s", flush=True)
    chosen = [(c, supports_identity(c)) for c in args.project] + [(c, False) for c in args.project_without_identity]
    projects = [Project(f"{c.name}{'' if identity or not supports_identity(c) else '-noid'}", c, base / f"site-{i}",
                        identity) for i, (c, identity) in enumerate(chosen)]
    if len({p.label for p in projects}) < len(projects):
        projects = [Project(f"{p.label}-{i}", p.checkout, p.site, p.identity) for i, p in enumerate(projects)]
    for p in projects:
        found = subprocess.run([args.python, "-c", "import pipeline; print(pipeline.__file__)"],
                               env={**os.environ, "PYTHONPATH": str(p.checkout)}, capture_output=True,
                               text=True, cwd=base).stdout.strip()
        print(f"  {p.label}: pipeline imported from {found}; register signed by the publishing identity: "
              f"{'yes' if p.identity else 'no'}", flush=True)
    for p in projects:
        compile_checkout(args.python, p.checkout)
    hugo_runs: dict[str, list[Run]] = {}
    hugo_env = {**os.environ}
    for p in projects if args.published else ():
        # a site published before (kept by --keep): copied for each project, then one run that takes over
        # the copy (its kept build lists the original's inodes), not counted
        shutil.rmtree(p.site, ignore_errors=True)
        subprocess.run(["cp", "-a", str(args.published), str(p.site)], check=True)
        # a copy has new inodes and change times: git's index would see every file as possibly changed and
        # every run's `git status` hash the 10,000 items again (a clone's index is fresh)
        Repo(p.site, home).git("update-index", "-q", "--refresh")
        settle(Repo(p.site, home))
        _report(p.label, "first on the copy", p.publish(Repo(p.site, home), args.python, keys), p.runs)
    for r in range(0 if args.published else args.cold_rounds):
        print(f"-- cold round {r + 1}", flush=True)
        for p in projects:
            shutil.rmtree(p.site, ignore_errors=True)
            shutil.copytree(pristine, p.site, symlinks=True)
            if p.identity:
                adopt_identity(Repo(p.site, home), keys)
            _report(p.label, "cold", p.publish(Repo(p.site, home), args.python, keys), p.runs)
            print(f"  {p.label:10s} {_pages(p.site)} HTML pages live", flush=True)
            settle(Repo(p.site, home))
        shutil.rmtree(hugo / "public", ignore_errors=True)
        _report("hugo", "full build", measure(["hugo", "--quiet", "-d", "public"], hugo, hugo_env), hugo_runs)
    k = 1000 if args.published else 0  # a copied site holds the releases its own rounds added
    for r in range(args.rounds):
        print(f"-- warm round {r + 1}", flush=True)
        for p in projects:
            _report(p.label, "nothing new", p.publish(Repo(p.site, home), args.python, keys), p.runs)
        if args.nothing_new_only:
            _report("hugo", "full build", measure(["hugo", "--quiet", "-d", "public"], hugo, hugo_env), hugo_runs)
            continue
        k += 1
        for p in projects:
            path = add_release(Repo(p.site, home), keys, k)
            run = p.publish(Repo(p.site, home), args.python, keys)
            _report(p.label, "one new release", run, p.runs)
            published = run.doc.get("publish")
            listed = published if isinstance(published, list) else []
            news = [x for x in listed if isinstance(x, dict) and x.get("path") == path]
            if not news or news[0].get("change") != "new":
                print(f"  {p.label}: WARNING: {path} was not published as new: {news}", flush=True)
        _report("hugo", "full build", measure(["hugo", "--quiet", "-d", "public"], hugo, hugo_env), hugo_runs)
    for p in projects:
        print(f"  {p.label:10s} {_pages(p.site)} HTML pages live after {k} new releases", flush=True)
    _table(projects, hugo_runs.get("full build", []), 0 if args.published else args.cold_rounds)
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    return projects


def _fmt(runs: list[Run]) -> str:
    """Median wall time, the fastest round, and the median CPU time."""
    if not runs:
        return "-"
    secs = [x.seconds for x in runs]
    best = f", best {min(secs):.2f}" if len(secs) > 1 else ""
    return f"{statistics.median(secs):.2f} s{best} (cpu {statistics.median(x.cpu for x in runs):.2f})"


def _table(projects: list[Project], hugo: list[Run], cold_rounds: int) -> None:
    """Medians over the rounds; the ratio to Hugo is the median of each round's own ratio (same load)."""
    print("\nmedian wall time, best round, median CPU time; budgets: nothing new < 3 s; one new < 0.5x Hugo "
          "(each round's own ratio to the Hugo build of the same round: median, min)")
    print("| code | cold | nothing new | one new release | Hugo full build | one new / Hugo | "
          "max process MB | tree MB | load |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    warm_hugo = hugo[cold_rounds:]
    for p in projects:
        every = [x for runs in p.runs.values() for x in runs]
        new = p.runs.get("one new release", [])
        ratios = [a.seconds / b.seconds for a, b in zip(new, warm_hugo, strict=False)]
        cpu = [a.cpu / b.cpu for a, b in zip(new, warm_hugo, strict=False) if b.cpu]
        ratio = (f"{statistics.median(ratios):.2f}x (min {min(ratios):.2f}x; CPU {statistics.median(cpu):.2f}x, "
                 f"min {min(cpu):.2f}x)") if ratios and cpu else "-"
        loads = [x.load for x in every]
        print(f"| {p.label} | {_fmt(p.runs.get('cold', []))} | {_fmt(p.runs.get('nothing new', []))} | "
              f"{_fmt(new)} | {_fmt(hugo)} | {ratio} | {max(x.maxrss_mb for x in every):.0f} | "
              f"{max(x.tree_mb for x in every):.0f} | {min(loads):.1f}-{max(loads):.1f} |")
    failed = [f"{p.label} {what}" for p in projects for what, runs in p.runs.items() if any(x.code for x in runs)]
    if failed:
        print("FAILED runs: " + ", ".join(failed))


def published_clash(published: Path, base: Path, projects: int) -> str | None:
    """Why ``--published`` cannot be used as given: each project's copy goes to ``base/site-<i>``, which
    is emptied first, so a kept site there (``--keep`` leaves one in ``site-0``) would be deleted before
    it is copied. ``None``: it can."""
    kept = published.resolve()
    for i in range(projects):
        site = (base / f"site-{i}").resolve()
        if kept == site or site in kept.parents or kept in site.parents:
            return (f"--published {published}: that is where a project's copy goes ({site}, emptied first); "
                    f"move it out of {base} first, e.g. mv {published} {base.parent / 'published'}")
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000, help="releases in the generated site (default 1,000)")
    parser.add_argument("--project", type=Path, action="append",
                        help="a checkout whose pipeline package is measured (repeat to interleave several; "
                             "default: the repository this script lives in)")
    parser.add_argument("--project-without-identity", type=Path, action="append", default=[],
                        help="also measure this checkout with no publishing identity (an unsigned register)")
    parser.add_argument("--rounds", type=int, default=5, help="warm rounds (nothing new, one new release)")
    parser.add_argument("--cold-rounds", type=int, default=1, help="first publishes of a fresh copy")
    parser.add_argument("--python", default=sys.executable, help="the interpreter the commands run with")
    parser.add_argument("--workdir", type=Path, default=WORK)
    parser.add_argument("--keep", action="store_true", help="keep the generated repositories")
    parser.add_argument("--nothing-new-only", action="store_true",
                        help="warm rounds of nothing new (and Hugo) only, no new release")
    parser.add_argument("--published", type=Path,
                        help="no cold round: start every project from a copy of this site, published before with "
                             "the same --workdir and --n and kept (--keep); its keys are the workdir's")
    args = parser.parse_args()
    args.project = [p.resolve() for p in (args.project or ([] if args.project_without_identity else [PROJECT]))]
    args.project_without_identity = [p.resolve() for p in args.project_without_identity]
    args.cold_rounds = max(1, args.cold_rounds)  # the warm rounds start from the first publish
    if args.published is not None:
        clash = published_clash(args.published, args.workdir / str(args.n),
                                len(args.project) + len(args.project_without_identity))
        if clash is not None:
            raise SystemExit(clash)
    if not shutil.which("hugo"):
        raise SystemExit("hugo is not installed (apt-get install -y hugo): it is the budget's reference")
    print(f"python {sys.version.split()[0]} ({args.python}), {os.cpu_count()} CPUs, "
          f"{subprocess.run(['hugo', 'version'], capture_output=True, text=True).stdout.split()[1]}", flush=True)
    bench(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
