"""One-change build benchmark without the search index: ``warta build --drafts`` after one edited release,
checkouts interleaved, CPU of the main process and of the process tree.

    .venv/bin/python benchmarks/one_change.py --n 10000 --rounds 5 --project /tmp/a --project /tmp/b
    .venv/bin/python benchmarks/one_change.py --project /tmp/a --project /tmp/a:NOFREEZE=1   # a variant

Each ``--project`` is a checkout (a ``git archive`` snapshot) with optional ``NAME=VALUE`` settings after a
colon (``NOFREEZE=1``: ``gc.freeze`` and ``gc.unfreeze`` made no-ops; ``INDEX=1``: the search index is
made, so the same checkout with and without it, interleaved, gives what the changed year's bundle costs).
Each gets its own copy of the corpus of ``benchmarks/build.py`` (its caches are its own: the code digest is
in their keys) and builds it cold once (round 0, a warm-up); then every round appends a sentence to a
different release in every copy
and builds each in turn, so all see the same load. The search index is left out (``warta build
--no-search``, unless ``INDEX=1``). Before session eight this script replaced ``search.index`` by a no-op,
which the build no longer calls (the index is made while the pages are written,
:mod:`pipeline.site.search_live`): its figures since then included the changed year's Pagefind run.

Printed per run: wall, the tree's CPU (user+sys of the build and every child it waited for: the file
helper, git, the render worker; start-up, imports and the exit included: where the checkout has
``pipeline.cli.command``, the run ends as the ``warta`` program does) and the main process's CPU from
``main()`` on; then median and minimum per project. Results go to docs/benchmarks.md by hand, with the load.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build  # noqa: E402  (benchmarks/build.py: the corpus)
from measure import compile_checkout, installed_env  # noqa: E402

# Run in the measured checkout: its own pipeline, the search index left out unless INDEX, the main process's CPU.
RUN = """
import gc, os, sys, time
def run():
    import pipeline
    if not pipeline.__file__.startswith(sys.argv[2]):
        sys.exit("imported " + pipeline.__file__ + ", not the checkout's")
    if os.environ.get("NOFREEZE"):
        gc.freeze = gc.unfreeze = lambda: None
    from pipeline.cli import main
    started = time.process_time()
    index = [] if os.environ.get("INDEX") else ["--no-search"]
    code = main(["-C", sys.argv[1], "build", "--drafts", "--json", *index])
    print("main-cpu %.3f" % (time.process_time() - started), file=sys.stderr)
    from pipeline import cli
    if hasattr(cli, "command"):  # the program's own exit, as `warta` ends (pipeline.cli.command)
        from pipeline import collector
        collector.leave()
    sys.exit(code)
if __name__ == "__main__":
    run()
"""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _edit_one(corpus: Path, k: int) -> None:
    releases = sorted((corpus / "content" / "siaran-pers").rglob("*.md"))
    with releases[(len(releases) // 2 + k) % len(releases)].open("a", encoding="utf-8") as handle:
        handle.write("\nKalimat tambahan setelah koreksi redaksi.\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10000, help="releases (default 10,000)")
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds after the warm-up (default 5)")
    parser.add_argument("--project", action="append", required=True, help="CHECKOUT[:NAME=VALUE,...]")
    parser.add_argument("--work", type=Path, default=Path("/tmp/warta-one-change"), help="where the corpora go")
    args = parser.parse_args()
    projects = []
    for spec in args.project:
        folder, _sep, extra = spec.partition(":")
        settings = dict(pair.split("=", 1) for pair in extra.split(",") if pair)
        projects.append((spec, Path(folder).resolve(), settings))
        compile_checkout(sys.executable, Path(folder).resolve())  # as installed (measure.installed_env)
    source = build.generate(args.n, args.work / "corpus")["warta"]
    corpora = []
    for number, _project in enumerate(projects):
        copy = args.work / f"project-{number}"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(source, copy, symlinks=True)
        corpora.append(copy)
    runner = args.work / "run.py"
    runner.write_text(RUN, encoding="utf-8")
    rows: dict[str, list[tuple[float, float, float]]] = {spec: [] for spec, _f, _s in projects}
    for k in range(args.rounds + 1):
        for (spec, folder, settings), corpus in zip(projects, corpora, strict=True):
            _edit_one(corpus, k)
            before, started = _children_cpu(), time.perf_counter()
            done = subprocess.run([sys.executable, str(runner), str(corpus), str(folder)], cwd=folder,
                                  env={**installed_env(folder), **settings},
                                  capture_output=True, text=True, check=False)
            wall, tree = time.perf_counter() - started, _children_cpu() - before
            lines = [line for line in done.stderr.splitlines() if line.startswith("main-cpu ")]
            if done.returncode != 0 or not lines:
                print(f"{spec}: failed ({done.returncode})\n{done.stderr[-2000:]}", file=sys.stderr)
                return 1
            main_cpu = float(lines[-1].split()[1])
            print(f"round {k} {spec}: wall {wall:.2f} s, tree CPU {tree:.2f} s, main CPU {main_cpu:.2f} s, "
                  f"load {os.getloadavg()[0]:.1f}", flush=True)
            if k:
                rows[spec].append((wall, tree, main_cpu))
    for spec, runs in rows.items():
        parts = []
        for name, index in (("wall", 0), ("tree CPU", 1), ("main CPU", 2)):
            values = [r[index] for r in runs]
            parts.append(f"{name} {statistics.median(values):.2f} s ({min(values):.2f})")
        print(f"{spec}: median (min) " + ", ".join(parts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
