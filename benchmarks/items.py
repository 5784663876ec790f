"""Reading the site's items, warm, as the commands do: ``load_site`` in process, ``warta check``, ``warta status``
and ``warta verify --all`` as commands, and the memory of the loaded items; interleaved over checkouts.

    .venv/bin/python benchmarks/items.py                                   # 10,000 releases, this checkout
    .venv/bin/python benchmarks/items.py --project /tmp/before --project . --rounds 5

The corpus is ``benchmarks/build.py``'s (N releases in the root commit of a git repository: every one
counts as approved legacy, so ``warta status`` on main shows nothing open). Each checkout keeps its own
``.warta-cache/`` (filled once, then moved aside and back around its runs), so every figure is warm: what an
operator's second run costs. One round runs each measurement once per checkout, in turn; the table gives
the minimum and median of wall and CPU time (user + system of the process tree) and the tree's peak RSS.
``load_site`` is timed inside its child process (start-up and imports excluded); "items in memory" is the
size tracemalloc sees held by the loaded items after a collection (in its own child, a separate load).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import build  # noqa: E402
from measure import Run, compile_checkout, installed_env, load_line, measure, show, table  # noqa: E402

PROJECT = Path(__file__).resolve().parents[1]
WORK = PROJECT / ".benchmarks-work" / "items"

LOAD = """
import gc, sys, time, tracemalloc
from pathlib import Path
from pipeline.config import load_config
from pipeline.content import load_site
root = Path.cwd()
config = load_config(root)
if sys.argv[1] == "memory":
    gc.collect()
    tracemalloc.start()
    site = load_site(root, config)
    gc.collect()
    print(f"{tracemalloc.get_traced_memory()[0] / 1e6:.1f} MB held by {len(site.items)} items")
else:
    wall, cpu = time.perf_counter(), time.process_time()
    site = load_site(root, config)
    print(f"load_site: {len(site.items)} items, {time.perf_counter() - wall:.3f} s wall, "
          f"{time.process_time() - cpu:.3f} s CPU")
"""


def _env(project: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "WARTA_"))}
    env = installed_env(project, env)
    env.update({"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull})
    return env


def commands() -> dict[str, list[str]]:
    py = sys.executable
    return {"load_site (in process)": [py, "-c", LOAD, "time"], "warta check": [py, "-m", "pipeline", "check"],
            "warta status": [py, "-m", "pipeline", "status"],
            "warta verify --all": [py, "-m", "pipeline", "verify", "--all"]}


def rounds(repo: Path, projects: list[Path], n: int) -> dict[str, list[Run]]:
    rows: dict[str, list[Run]] = {}
    caches = {p: repo.parent / f".cache-{i}" for i, p in enumerate(projects)}
    for project, cache in caches.items():  # fill each checkout's caches, and measure its items' memory
        shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(repo / ".warta-cache", ignore_errors=True)
        for cmd in commands().values():
            measure(cmd, repo, _env(project))
        held = measure([sys.executable, "-c", LOAD, "memory"], repo, _env(project), keep_output=True)
        print(f"{project}: {held.stdout.strip()}", flush=True)
        (repo / ".warta-cache").rename(cache)
    for k in range(n):
        print(f"-- round {k + 1} of {n} ({load_line()})", flush=True)
        for project, cache in caches.items():
            cache.rename(repo / ".warta-cache")
            for label, cmd in commands().items():
                run = measure(cmd, repo, _env(project), keep_output=label.startswith("load_site"))
                name = f"{project.name}: {label}" if len(projects) > 1 else label
                rows.setdefault(name, []).append(run)
                show(name, run)
                if run.stdout:
                    print(f"    {run.stdout.strip()}", flush=True)
            (repo / ".warta-cache").rename(cache)
    for path in caches.values():
        shutil.rmtree(path, ignore_errors=True)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="releases (default 10,000)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--project", type=Path, action="append",
                        help="a checkout to measure (repeat to compare; default: this one)")
    parser.add_argument("--workdir", type=Path, default=WORK)
    args = parser.parse_args()
    projects = [p.resolve() for p in (args.project or [PROJECT])]
    for project in projects:  # as installed: byte code compiled (measure.installed_env)
        compile_checkout(sys.executable, project)
    corpus = args.workdir / f"c{args.n}"
    if not (corpus / "warta" / ".git").is_dir():
        shutil.rmtree(corpus, ignore_errors=True)
        build.generate(args.n, corpus)
    print("\n".join(table(rounds(corpus / "warta", projects, args.rounds))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
