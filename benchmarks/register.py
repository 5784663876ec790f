"""The archive register read by every command: ``warta status`` and the register alone, at N records.

    .venv/bin/python benchmarks/register.py [--releases 10000] [--rounds 5] [--project A --project B]

The history is ``benchmarks/report.py``'s: ``verify.py``'s generated office history of N approved releases
(5N+1 commits) plus one commit with an archive record per release (no publishing identity: ``arsip/`` is
read as it stands on main). It is generated once under ``.benchmarks-work/register/`` and kept.

Measured per checkout (``PYTHONPATH=<project>``), interleaved, as child processes:

- ``warta status`` warm: the checkout's ``.warta-cache/`` of the previous runs kept (moved aside and back
  between checkouts), so the history index, the item caches and, where the checkout has it, the cache of
  parsed records (``.warta-cache/register/``) are warm;
- the register alone (``load_records`` of HEAD's ``arsip/``, Python start-up included), with
  ``.warta-cache/register/`` removed first (cold) and kept (warm).

Results go to docs/benchmarks.md by hand.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT / "benchmarks"))

from measure import Run, compile_checkout, load_line, measure, show, table  # noqa: E402
from report import add_register  # noqa: E402
from verify import _env, generate  # noqa: E402

LOAD = """
import sys
from pathlib import Path
from pipeline.archive.records import load_records
from pipeline.git import Git
from pipeline.tree import GitTree
git = Git(Path.cwd())
stored, findings = load_records(GitTree(git, git.text("rev-parse", "HEAD").strip()))
errors = [f for f in findings if f.severity == "error"]
sys.exit(0 if stored and not errors else 1)
"""


def history(workdir: Path, releases: int) -> Path:
    repo = workdir / f"register-{releases}"
    if not (repo / ".generated").exists():
        generate(repo, releases, None)
        add_register(repo, releases)
        (repo / ".git" / "info" / "exclude").write_text(".generated\n.warta-cache/\n", encoding="utf-8")
        (repo / ".generated").write_text("1\n", encoding="utf-8")
    return repo


def rounds_of(repo: Path, rounds: int, projects: list[Path]) -> dict[str, list[Run]]:
    rows: dict[str, list[Run]] = {}
    caches = {p: repo.parent / f".cache-{repo.name}-{i}" for i, p in enumerate(projects)}
    status = [sys.executable, "-m", "pipeline", "status"]
    alone = [sys.executable, "-c", LOAD]

    def keep(label: str, run: Run) -> None:
        rows.setdefault(label, []).append(run)
        show(label, run)

    for project, cache in caches.items():  # fill each checkout's caches once
        shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(repo / ".warta-cache", ignore_errors=True)
        measure([sys.executable, "-m", "pipeline", "verify", "--all"], repo, _env(project))
        measure(status, repo, _env(project))
        (repo / ".warta-cache").rename(cache)
    for k in range(rounds):
        print(f"-- round {k + 1} of {rounds} ({load_line()})", flush=True)
        for project, cache in caches.items():
            env = _env(project)
            cache.rename(repo / ".warta-cache")
            keep(f"{project.name}: warta status, warm", measure(status, repo, env))
            keep(f"{project.name}: register alone, warm", measure(alone, repo, env))
            shutil.rmtree(repo / ".warta-cache" / "register", ignore_errors=True)
            keep(f"{project.name}: register alone, cold", measure(alone, repo, env))
            measure(alone, repo, env)  # leave the checkout's register cache warm again
            (repo / ".warta-cache").rename(cache)
    for path in caches.values():
        shutil.rmtree(path, ignore_errors=True)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--releases", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=PROJECT / ".benchmarks-work" / "register")
    parser.add_argument("--project", type=Path, action="append",
                        help="a checkout to measure (PYTHONPATH); repeat to compare; default this one")
    args = parser.parse_args()
    projects = [p.resolve() for p in (args.project or [PROJECT])]
    for project in projects:  # as installed: byte code compiled (measure.installed_env)
        compile_checkout(sys.executable, project)
    print(load_line(), flush=True)
    repo = history(args.workdir, args.releases)
    rows = rounds_of(repo, args.rounds, projects)
    print("\n".join(table(rows)))
    print(load_line(), flush=True)
    return 0 if all(r.code == 0 for runs in rows.values() for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
