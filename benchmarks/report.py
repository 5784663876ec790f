"""``warta report`` over a generated history of N approved and published releases (default 10,000).

    .venv/bin/python benchmarks/report.py [--releases 10000] [--rounds 3] [--keep DIR]

The history is ``benchmarks/verify.py``'s (its generator is imported): a trusted root commit, then for each
release a branch commit by the operator, three approval records (Kasubbag, Kabid, Sekdin) ten minutes
apart and a ``--no-ff`` merge into main, one release an hour (10,000 releases = 50,001 commits, 30,000
records). On top, one commit holds an archive record per release (``arsip/``, published ten minutes after
its merge), as ``warta publish`` leaves them on a site without a publishing identity.

Measured, each as a child process (Python start-up and imports included), load average and peak memory
(``ru_maxrss`` of the child) printed with every figure:

- ``warta report --json --period YEAR`` cold (no ``.warta-cache/``: the approvals engine reads and indexes
  the whole history) and warm (the history index and item caches kept);
- ``warta report --format html`` warm (matplotlib's three charts and the tables of every item of the year);
- ``warta report --json --period YEAR-MM`` warm (one month).

Results go to docs/benchmarks.md ("Report") by hand.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT / "benchmarks"))
sys.path.insert(0, str(PROJECT))

from measure import compile_checkout, installed_env  # noqa: E402
from verify import generate, git, release_text  # noqa: E402

from pipeline.approvals.service import evaluate_repository  # noqa: E402
from pipeline.archive.records import load_records  # noqa: E402
from pipeline.config import load_config  # noqa: E402
from pipeline.content import compute_digest  # noqa: E402
from pipeline.git import Git  # noqa: E402
from pipeline.report.summary import service_summary  # noqa: E402
from pipeline.tree import GitTree  # noqa: E402

T0 = 1_600_000_000  # verify.py's first release is an hour after this moment
WIB = dt.timezone(dt.timedelta(hours=7))


def add_register(repo: Path, releases: int) -> None:
    """One commit with an archive record per release, published ten minutes after its merge."""
    lines: list[bytes] = []
    for i in range(releases):
        path = f"content/siaran-pers/{2016 + i % 10}/rilis-{i:05d}.md"
        digest = compute_digest({path: release_text(i)})
        merged = T0 + 3600 * (i + 1) + 2400
        published = dt.datetime.fromtimestamp(merged + 600, WIB).isoformat()
        approved = dt.datetime.fromtimestamp(merged - 600, WIB).isoformat()
        year = 2016 + i % 10
        record = (
            f"record_format: 1\nnumber: 400.14.5.6/{i + 1}/UJI/{year}\nurut: {i + 1}\ntahun: {year}\npath: {path}\n"
            f"title: Rilis {i}\nkind: siaran-pers\ndigest: {digest}\n"
            "klasifikasi: {code: 400.14.5.6, title: Hubungan dengan media massa, scheme: permendagri-83-2022}\n"
            f"published_at: {published}\nchannels: []\n"
            "approvals:\n- {step: 4, kegiatan: Memilah, role: sekdin, role_title: Sekdin, name: Hendro Wibowo, "
            f"email: hendro@dinas.example.go.id, at: {approved}, digest: '{digest}', "
            "source: {type: git, commit: '0000000'}}\n"
            f"versions:\n- digest: {digest}\n  approved_at: {approved}\n"
        ).encode()
        rel = f"arsip/{year}/400.14.5.6/{i + 1:05d}-rilis-{i:05d}.yaml"
        lines.append(b"M 100644 inline " + rel.encode() + b"\ndata %d\n" % len(record) + record + b"\n")
    when = T0 + 3600 * (releases + 2)
    stamp = f"warta CI <ci@dinas.example.go.id> {when} +0700".encode()
    head = git(repo, "rev-parse", "main").strip()
    stream = (b"commit refs/heads/main\ncommitter " + stamp + b"\ndata 5\narsip\nfrom " + head + b"\n"
              + b"".join(lines))
    git(repo, "fast-import", "--quiet", input=stream)
    git(repo, "reset", "-q", "--hard", "main")


def run(repo: Path, *args: str, cold: bool = False) -> tuple[float, float, int, int]:
    """(seconds, peak MiB of the child, exit code, bytes printed)."""
    if cold:
        shutil.rmtree(repo / ".warta-cache", ignore_errors=True)
    env = installed_env(PROJECT, {k: v for k, v in os.environ.items() if not k.startswith("GIT_")})
    env.update({"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull})
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "pipeline", "report", *args], cwd=repo, env=env,
                                stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        took = time.perf_counter() - start
        size = out.tell()
    return took, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), size


def row(label: str, figures: list[tuple[float, float, int, int]]) -> str:
    best = min(figures)
    load = os.getloadavg()[0]
    ok = "ok" if all(f[2] == 0 for f in figures) else "FAILED"
    peak = max(f[1] for f in figures)
    return f"| {label} | {best[0]:.2f} s | {peak:.0f} MiB | {best[3] / 1024:,.0f} KiB | {load:.2f} | {ok} |"


def summary_seconds(repo: Path) -> tuple[float, float]:
    """The public summary page's figures as a site build computes them (in this process, the register
    already parsed, the history index cached): with its own cache cleared, then kept."""
    evaluate_repository(repo, paths=["warta.yml"])
    config = load_config(repo)
    records = [s.record for s in load_records(GitTree(git_tree(repo), "HEAD"))[0]]
    shutil.rmtree(repo / ".warta-cache" / "report", ignore_errors=True)
    start = time.perf_counter()
    service_summary(repo, config, records)
    first = time.perf_counter() - start
    start = time.perf_counter()
    service_summary(repo, config, records)
    return first, time.perf_counter() - start


def git_tree(repo: Path) -> Any:
    return Git(repo)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--releases", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="generate the history into DIR and keep it")
    args = parser.parse_args()
    compile_checkout(sys.executable, PROJECT)  # as installed: byte code compiled (measure.installed_env)
    base = args.keep or Path(tempfile.mkdtemp(prefix="warta-report-bench-"))
    repo = base / "site"
    started = time.perf_counter()
    generate(repo, args.releases, None)
    add_register(repo, args.releases)
    year = dt.datetime.fromtimestamp(T0 + 3600 * args.releases // 2, WIB).year
    month = dt.datetime.fromtimestamp(T0 + 3600 * args.releases // 2, WIB).strftime("%Y-%m")
    print(f"generated {args.releases:,} releases in {time.perf_counter() - started:.0f} s; period {year}, {month}",
          flush=True)
    print("| run | time (best) | peak memory | output | load | |\n|---|---|---|---|---|---|")
    print(row(f"`report --json --period {year}`, cold", [run(repo, "--json", "--period", str(year), cold=True)]),
          flush=True)
    for label, extra in ((f"`report --json --period {year}`, warm", ["--json", "--period", str(year)]),
                         (f"`report --format html --period {year}`, warm", ["--format", "html", "--period", str(year)]),
                         (f"`report --json --period {month}`, warm", ["--json", "--period", month])):
        print(row(label, [run(repo, *extra) for _ in range(args.rounds)]), flush=True)
    cwd = os.getcwd()
    os.chdir(repo)
    try:
        first, again = summary_seconds(repo)
    finally:
        os.chdir(cwd)
    print(f"\npublic summary (site build, register given): {first:.2f} s measured, {again:.3f} s from its cache; "
          f"load {os.getloadavg()[0]:.2f}", flush=True)
    if args.keep is None:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
