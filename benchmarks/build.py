"""Site build benchmark: warta against Hugo and stock Pelican on the same generated press releases.

    .venv/bin/python benchmarks/build.py                          # 1,000 releases, 5 interleaved rounds
    .venv/bin/python benchmarks/build.py --n 10000 --rounds 5     # the issue's size (many minutes)
    .venv/bin/python benchmarks/build.py --n 500 --rounds 2 --keep
    .venv/bin/python benchmarks/build.py --n 10000 --work /dev/shm/warta-bench   # on a RAM disk

For each N it writes N releases in warta's own format (front matter per docs/content.md, ~400 words of
Indonesian filler, no images) and the same text as a stock Pelican project (default theme, Pelican's own
Markdown reader, pagination 10, Atom feed) and as a Hugo project doing the same work: the same tags
(a taxonomy), the same year lists (a ``tahun`` taxonomy), pagination by 10, feeds (Hugo's RSS for home,
section and every taxonomy term) and a sitemap. The warta corpus is a git repository whose root commit
holds everything (DESIGN section 4 rule 8: content in the root commit is imported legacy, so every release
counts as approved and is built; the build runs the approval engine over all of them, as on a real site).

One round runs each tool once, in turn, each as a child process (``measure.py``: wall time; CPU time of
the whole process tree, with what a command left running, such as the forkserver of its render workers and
its background deleter, waited for after it returned; the summed RSS of the process tree, sampled every
20 ms, and the largest single process, by its own peak RSS):

- warta cold, without the search index: ``warta build --drafts --no-search`` with no ``_preview`` and no
  ``.warta-cache``;
- warta after one change, without the search index: one release's body edited (not committed, so it is
  built as a draft: that is why ``--drafts``), ``warta build --drafts --no-search`` again into the same
  ``_preview`` with the caches;
- warta cold: ``warta build --drafts``, from nothing again, with its search index (Pagefind);
- of which: search index alone, cold: the measured checkout's own ``search.index`` run alone on the pages
  warta just wrote, from an empty cache;
- warta after one change: another release edited, ``warta build --drafts`` with the caches;
- of which: search index alone, one change: ``search.index`` alone again, with the bundles the cold build
  had kept;
- stock Pelican cold (no cache);
- Hugo full build (Hugo has no incremental mode for ``hugo`` builds: its full build is the reference;
  one untimed run first fills its caches).

Then per row the median and minimum over the rounds, and the ratios to Hugo of each round (same load).
Budgets (issue 11): warta cold within 1.5x Hugo and under 300 MB; after one change within 0.25x Hugo's full
build; the search index is timed apart (issue 11, point 6), so each budget is shown with and without it.
A checkout (``--project``) whose ``warta build`` has no ``--no-search`` gets the old estimate instead
(the build minus the index alone: two runs, no memory figure), and the output says so.
Results go to docs/benchmarks.md by hand.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import math
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import Run, compile_checkout, installed_env, load_line, mb, measure, ratio_text, show, table  # noqa: E402

PROJECT = Path(__file__).resolve().parents[1]
WORK = PROJECT / ".benchmarks-work" / "site-build"

WORDS = [
    "pemerintah",
    "kabupaten",
    "bantul",
    "dinas",
    "pemberdayaan",
    "masyarakat",
    "kalurahan",
    "kapanewon",
    "padukuhan",
    "warga",
    "kegiatan",
    "pelatihan",
    "pendampingan",
    "bantuan",
    "program",
    "anggaran",
    "pembangunan",
    "pelayanan",
    "informasi",
    "publik",
    "kelompok",
    "wanita",
    "tani",
    "bibit",
    "cabai",
    "posyandu",
    "kader",
    "lembaga",
    "kemasyarakatan",
    "musyawarah",
    "perencanaan",
    "rencana",
    "kerja",
    "tahun",
    "laporan",
    "realisasi",
    "dana",
    "desa",
    "keuangan",
    "transparan",
    "akuntabel",
    "partisipasi",
    "peserta",
    "narasumber",
    "materi",
    "sesi",
    "diskusi",
    "praktik",
    "evaluasi",
    "pemantauan",
    "kunjungan",
    "lapangan",
    "penilaian",
    "lomba",
    "prestasi",
    "inovasi",
    "ekonomi",
    "usaha",
    "badan",
    "milik",
    "bumkal",
    "produk",
    "unggulan",
    "pasar",
    "pemasaran",
    "digital",
    "sosialisasi",
    "peraturan",
    "bupati",
    "kepala",
    "bidang",
    "sekretaris",
    "koordinasi",
    "sinergi",
    "gotong",
    "royong",
    "kesejahteraan",
    "keluarga",
    "perempuan",
    "anak",
    "pemuda",
    "lansia",
]
TAGS = [
    "pertanian",
    "pemberdayaan",
    "posyandu",
    "kesehatan",
    "apbkal",
    "keuangan",
    "bumkal",
    "ekonomi",
    "pelatihan",
    "lomba",
    "musrenbang",
    "perencanaan",
    "koordinasi",
    "pendamping",
    "kader",
    "pkk",
    "pemuda",
    "umkm",
    "digital",
    "transparansi",
    "dana-desa",
    "sosial",
    "infrastruktur",
    "lingkungan",
    "bencana",
    "pendidikan",
    "budaya",
    "pariwisata",
    "pangan",
    "air-bersih",
]
PLACES = ["Sedayu", "Pajangan", "Imogiri", "Sewon", "Kasihan", "Pandak", "Bantul", "Dlingo", "Piyungan"]


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(9, 18))]
    return " ".join(words).capitalize() + "."


def _release_text(rng: random.Random, i: int) -> tuple[str, dict[str, object]]:
    place = rng.choice(PLACES)
    title = f"Dinas PMK Dampingi {_sentence(rng).split('.')[0][:48].title()} di {place} ({i})"
    paragraphs = []
    words = 0
    while words < 400:
        para = " ".join(_sentence(rng) for _ in range(rng.randint(3, 6)))
        words += len(para.split())
        paragraphs.append(para)
    paragraphs.insert(3, "## " + _sentence(rng).rstrip(".")[:40])
    paragraphs.insert(5, "\n".join(f"- {_sentence(rng)}" for _ in range(3)))
    paragraphs[0] = f"**Bantul** — {paragraphs[0]}"
    day = dt.date(2019, 1, 1) + dt.timedelta(days=(i * 7919) % 2555)
    meta: dict[str, object] = {
        "title": title,
        "date": dt.datetime(day.year, day.month, day.day, 8 + i % 9, (i * 7) % 60),
        "summary": _sentence(rng),
        "tags": sorted(set(rng.sample(TAGS, rng.randint(1, 3)))),
        "slug": f"rilis-{i:05d}",
        "place": place,
    }
    return "\n\n".join(paragraphs) + "\n", meta


def _git_root_commit(folder: Path) -> None:
    """``git init`` and one root commit holding every file (the trusted bootstrap: imported legacy)."""
    (folder / ".gitignore").write_text("_preview/\n_site\n_site.*/\n.warta-cache/\n", encoding="utf-8")
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    who = ["-c", "user.name=Benchmark", "-c", "user.email=bench@example.org", "-c", "commit.gpgsign=false"]
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], [*who, "commit", "-q", "-m", "Imported archive"]):
        subprocess.run(["git", *args], cwd=folder, env=env, check=True)


def generate(n: int, base: Path) -> dict[str, Path]:
    """The three projects for ``n`` releases: ``{"warta": ..., "pelican": ..., "hugo": ...}``."""
    if base.exists():
        shutil.rmtree(base)
    warta, pelican, hugo = base / "warta", base / "pelican", base / "hugo"
    (warta / "content" / "siaran-pers").mkdir(parents=True)
    shutil.copy(PROJECT / "warta.yml", warta / "warta.yml")
    shutil.copytree(PROJECT / "sop", warta / "sop")
    (pelican / "content").mkdir(parents=True)
    (hugo / "content" / "siaran-pers").mkdir(parents=True)
    rng = random.Random(20250304)
    for i in range(n):
        body, meta = _release_text(rng, i)
        when, tags = meta["date"], meta["tags"]
        assert isinstance(when, dt.datetime) and isinstance(tags, list)
        stamp = when.strftime("%Y-%m-%d %H:%M")
        title = str(meta["title"])
        folder = warta / "content" / "siaran-pers" / str(when.year)
        folder.mkdir(exist_ok=True)
        (folder / f"{meta['slug']}.md").write_text(
            f'---\ntitle: "{title}"\ndate: {stamp}\nsummary: "{meta["summary"]}"\ntags: [{", ".join(tags)}]\n'
            f"lokasi: Balai Kalurahan {meta['place']}\n"
            f'disposisi:\n  nomor: "045/{i + 1}/DPMK"\n  tanggal: {when.date().isoformat()}\n'
            f"  jenis_berita: kegiatan\n---\n{body}",
            encoding="utf-8",
        )
        (pelican / "content" / f"{meta['slug']}.md").write_text(
            f"Title: {title}\nDate: {stamp}\nCategory: siaran-pers\nTags: {', '.join(tags)}\n"
            f"Slug: {meta['slug']}\nSummary: {meta['summary']}\n\n{body}",
            encoding="utf-8",
        )
        (hugo / "content" / "siaran-pers" / f"{meta['slug']}.md").write_text(
            f'---\ntitle: "{title}"\ndate: {when.isoformat()}+07:00\nsummary: "{meta["summary"]}"\n'
            f"tags: [{', '.join(tags)}]\ntahun: [\"{when.year}\"]\n---\n{body}",
            encoding="utf-8",
        )
    (pelican / "pelicanconf.py").write_text(
        "SITENAME = 'Bench'\nSITEURL = ''\nTIMEZONE = 'Asia/Jakarta'\nDEFAULT_LANG = 'id'\n"
        "DEFAULT_PAGINATION = 10\nFEED_ALL_ATOM = 'feeds/all.atom.xml'\nFEED_DOMAIN = 'https://example.org'\n"
        "import os\nCACHE_CONTENT = os.environ.get('BENCH_CACHE') == '1'\nLOAD_CONTENT_CACHE = CACHE_CONTENT\n"
        "CHECK_MODIFIED_METHOD = 'mtime'\n",
        encoding="utf-8",
    )
    _hugo_project(hugo)
    _git_root_commit(warta)
    return {"warta": warta, "pelican": pelican, "hugo": hugo}


def _hugo_project(hugo: Path) -> None:
    (hugo / "hugo.toml").write_text(
        'baseURL = "https://example.org/"\nlanguageCode = "id"\ntitle = "Bench"\n'
        'paginate = 10\n[taxonomies]\ntag = "tags"\ntahun = "tahun"\n',
        encoding="utf-8",
    )
    layouts = hugo / "layouts" / "_default"
    layouts.mkdir(parents=True)
    (layouts / "baseof.html").write_text(
        '<!doctype html><html lang="id"><head><meta charset="utf-8"><title>{{ .Title }}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head><body>'
        '<header><a href="{{ "/" | relURL }}">{{ site.Title }}</a></header><main>{{ block "main" . }}{{ end }}'
        "</main><footer>{{ site.Title }}</footer></body></html>\n",
        encoding="utf-8",
    )
    (layouts / "single.html").write_text(
        '{{ define "main" }}<article><h1>{{ .Title }}</h1><time>{{ .Date.Format "2 January 2006" }}</time>'
        '{{ .Content }}<p>{{ range .Params.tags }}<a href="{{ "/tags/" | relURL }}{{ . | urlize }}/">{{ . }}</a> '
        "{{ end }}</p></article>{{ end }}\n",
        encoding="utf-8",
    )
    (layouts / "list.html").write_text(
        '{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Paginator.Pages }}<li><a href="{{ .RelPermalink }}">'
        '{{ .Title }}</a> <time>{{ .Date.Format "2 January 2006" }}</time><p>{{ .Summary }}</p></li>{{ end }}</ul>'
        '{{ with .Paginator }}{{ if .HasNext }}<a href="{{ .Next.URL }}">next</a>{{ end }}{{ end }}{{ end }}\n',
        encoding="utf-8",
    )


def _touch_one(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "\nKalimat tambahan setelah koreksi redaksi.\n", encoding="utf-8")


TOOLS = ("warta", "pelican", "hugo")


# The labels of warta's rows (each prefixed with the checkout's name when there are several).
COLD, COLD_BARE = "warta cold", "warta cold, without the search index"
CHANGE, CHANGE_BARE = "warta after one change", "warta after one change, without the search index"
ALONE_COLD, ALONE_CHANGE = "  of which: search index alone, cold", "  of which: search index alone, one change"
ESTIMATE = " (estimate: the build minus the index alone)"


def _warta(checkout: Path, warta: Path, n: int, k: int, rows: dict[str, list[Run]]) -> None:
    """One round of a checkout's warta: without the search index (``--no-search``: cold, then one change),
    then with it (cold, the index alone, one change, the index alone). A checkout whose ``warta build``
    has no ``--no-search`` gets the rows without the index as the old estimate (the build minus the index
    alone, two runs; no memory figure)."""
    env = installed_env(checkout)  # byte code compiled once (main: compile_checkout)
    name = f"{checkout.name}: " if len(CHECKOUTS) > 1 else ""
    cmd = [sys.executable, "-m", "pipeline", "-C", str(warta), "build", "--drafts", "--json"]
    releases = sorted((warta / "content" / "siaran-pers").rglob("*.md"))
    bare = checkout in NO_SEARCH
    if bare:
        _fresh(warta)
        _keep(rows, f"{name}{COLD_BARE}", measure([*cmd, "--no-search"], checkout, env, keep_output=True))
        if k == 0:
            _count(warta, n, index=False)
        _touch_one(releases[(n // 2 + 2 * k) % n])
        _keep(rows, f"{name}{CHANGE_BARE}", measure([*cmd, "--no-search"], checkout, env, keep_output=True))
    _fresh(warta)
    cold = _keep(rows, f"{name}{COLD}", measure(cmd, checkout, env, keep_output=True))
    if k == 0:
        _count(warta, n, index=True)
    searching = (checkout / "pipeline/site/search.py").is_file()
    alone = None
    if searching:  # the search index alone, on the pages warta just wrote (it is part of the build)
        kept = WORK / "search-before"  # the bundles the cold build kept, for the one change below
        shutil.rmtree(kept, ignore_errors=True)
        shutil.copytree(warta / ".warta-cache/site/pagefind", kept / ".warta-cache/site/pagefind",
                        copy_function=os.link)
        alone = _keep(rows, f"{name}{ALONE_COLD}", _search_alone(warta, None, env))
        if not bare:
            _keep(rows, f"{name}{COLD_BARE}{ESTIMATE}", _minus(cold, alone), show_it=False)
    _touch_one(releases[(n // 2 + 2 * k + 1) % n])
    change = _keep(rows, f"{name}{CHANGE}", measure(cmd, checkout, env, keep_output=True))
    if searching:
        alone = _keep(rows, f"{name}{ALONE_CHANGE}", _search_alone(warta, kept, env))
        if not bare:
            _keep(rows, f"{name}{CHANGE_BARE}{ESTIMATE}", _minus(change, alone), show_it=False)


def _fresh(warta: Path) -> None:
    """No output and no caches: a cold build."""
    shutil.rmtree(warta / "_preview", ignore_errors=True)
    shutil.rmtree(warta / ".warta-cache", ignore_errors=True)


def _count(warta: Path, n: int, *, index: bool) -> None:
    """Say what the first build wrote, and check that the index is there exactly when it was asked for."""
    out = warta / "_preview"
    built = sum(1 for _ in (out / "siaran-pers").glob("[0-9]*/*/index.html"))
    pages = sum(1 for _ in out.rglob("*.html")) if out.is_dir() else 0
    found = (out / "pagefind" / "bundles.json").is_file()
    print(f"  warta built {built} of {n} release pages, {pages} HTML pages in all, "
          f"{'with' if found else 'without'} a search index", flush=True)
    if found != index and out.is_dir():
        raise SystemExit(f"the build {'without' if found else 'with'} --no-search "
                         f"{'wrote' if found else 'did not write'} a search index")


def _minus(whole: Run, part: Run) -> Run:
    """The old estimate of a build without its index: the build's times minus the index alone's (no
    memory figure: NaN)."""
    nan = float("nan")
    return Run(whole.seconds - part.seconds, whole.cpu - part.cpu, nan, nan, whole.load, whole.code or part.code,
               largest_mb=nan, after_cpu=whole.after_cpu - part.after_cpu)


def _round(projects: dict[str, Path], tools: set[str], n: int, k: int, rows: dict[str, list[Run]]) -> None:
    """One round: each tool once, in turn (the same load for all of them)."""
    for checkout in CHECKOUTS if "warta" in tools else []:
        _warta(checkout, projects["warta"], n, k, rows)
    if "pelican" in tools:
        pelican = projects["pelican"]
        pel = [sys.executable, "-m", "pelican", "content", "-o", "output", "-s", "pelicanconf.py", "-q"]
        shutil.rmtree(pelican / "output", ignore_errors=True)
        run = measure(pel, pelican, ENV)
        built = sum(1 for _ in (pelican / "output").glob("rilis-*.html"))
        if built < n and run.code == 0:  # Pelican skips every Markdown file when Python-Markdown is missing
            run.code, run.stderr = 1, f"stock Pelican built {built} of {n} articles"
        _keep(rows, "pelican cold (no cache)", run)
    if "hugo" in tools:
        hugo = projects["hugo"]
        shutil.rmtree(hugo / "public", ignore_errors=True)
        _keep(rows, "hugo full build", measure(["hugo", "--quiet", "-d", "public"], hugo, ENV))


ENV = installed_env(PROJECT)
CHECKOUTS = [PROJECT]  # the checkouts whose warta is measured (--project)
NO_SEARCH: set[Path] = set()  # the checkouts whose `warta build` has --no-search


# The measured checkout's own search index (pipeline.site.search.index) on a built site, with a given cache.
SEARCH_ALONE = ("import sys; from pathlib import Path; from pipeline.site import search; c = Path(sys.argv[2]); "
                # a checkout whose search.CACHE is relative to the cache folder takes that folder
                "c = c if search.CACHE.startswith('.warta-cache') else c / '.warta-cache'; "
                "sys.exit(1 if search.index(Path(sys.argv[1]), c) else 0)")


def _search_alone(warta: Path, cache_root: Path | None, env: dict[str, str]) -> Run:
    """The search index of ``warta/_preview`` made again alone: from nothing (``cache_root`` None) or with
    the bundles kept under ``cache_root/.warta-cache`` (what the build had before the change)."""
    if cache_root is None:
        cache_root = WORK / "search-empty"
        shutil.rmtree(cache_root, ignore_errors=True)
        cache_root.mkdir(parents=True)
    shutil.rmtree(warta / "_preview" / "pagefind", ignore_errors=True)
    return measure([sys.executable, "-c", SEARCH_ALONE, str(warta / "_preview"), str(cache_root)], warta, env)


def _keep(rows: dict[str, list[Run]], label: str, run: Run, *, show_it: bool = True) -> Run:
    rows.setdefault(label, []).append(run)
    if show_it:
        show(label, run)
    if run.code != 0 and run.stdout:  # warta --json says why on standard output
        print("    " + run.stdout.strip()[-1500:].replace("\n", "\n    "), flush=True)
    return run


def bench(n: int, rounds: int, keep: bool, tools: set[str]) -> dict[str, list[Run]]:
    base = WORK / str(n)
    print(f"\n== {n} releases: generating in {base}", flush=True)
    projects = generate(n, base)
    if "hugo" in tools:
        measure(["hugo", "--quiet", "-d", "public"], projects["hugo"], ENV)  # Hugo's first run fills its caches
    rows: dict[str, list[Run]] = {}
    for k in range(rounds):
        print(f"-- round {k + 1} of {rounds} ({load_line()})", flush=True)
        _round(projects, tools, n, k, rows)
    if not keep:
        shutil.rmtree(base, ignore_errors=True)
    return rows


def report(n: int, rows: dict[str, list[Run]]) -> None:
    print(f"\n{n:,} releases, {len(next(iter(rows.values())))} interleaved rounds ({load_line()})")
    print("\n".join(table(rows)))
    hugo = rows.get("hugo full build", [])
    pelican = rows.get("pelican cold (no cache)", [])
    print("\n| ratio (each round's own, median (min)) | wall | CPU of the trees | budget |\n|---|---:|---:|---:|")
    print(f"| stock Pelican cold / Hugo full build | {ratio_text(pelican, hugo)} | "
          f"{ratio_text(pelican, hugo, cpu=True)} | |")
    for checkout in CHECKOUTS:
        name = f"{checkout.name}: " if len(CHECKOUTS) > 1 else ""
        guess = "" if checkout in NO_SEARCH else ESTIMATE
        for label, budget in ((COLD, "1.5x"), (COLD_BARE + guess, "1.5x"), (ALONE_COLD, ""),
                              (CHANGE, "0.25x"), (CHANGE_BARE + guess, "0.25x"), (ALONE_CHANGE, "")):
            runs = rows.get(f"{name}{label}", [])
            if runs:
                print(f"| {name}{label.strip()} / Hugo full build | {ratio_text(runs, hugo)} | "
                      f"{ratio_text(runs, hugo, cpu=True)} | {budget} |")
        cold = rows.get(f"{name}{COLD}", [])
        print(f"| {name}warta cold / stock Pelican cold | {ratio_text(cold, pelican)} | "
              f"{ratio_text(cold, pelican, cpu=True)} | |")
        for label in (COLD, COLD_BARE, CHANGE, CHANGE_BARE):
            runs = [r for r in rows.get(f"{name}{label}", []) if not math.isnan(r.tree_mb)]
            if runs:
                print(f"| {name}{label}: peak tree RSS; largest process | {mb([r.tree_mb for r in runs])}; "
                      f"{mb([r.largest_mb for r in runs])} | | {'300 MB' if 'cold' in label else ''} |")


def main() -> int:
    global WORK
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, nargs="+", default=[1000], help="numbers of releases (default 1,000)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--keep", action="store_true", help="keep the generated projects")
    parser.add_argument("--work", type=Path, default=None,
                        help="where the projects are generated and built (default .benchmarks-work/site-build); "
                             "a RAM disk such as "
                             "/dev/shm/warta-bench takes the disk's noise out of the figures")
    parser.add_argument("--tools", default=",".join(TOOLS), help="tools to run (default: warta,pelican,hugo)")
    parser.add_argument("--project", type=Path, action="append",
                        help="a checkout whose warta is measured (PYTHONPATH=<checkout>; repeat to interleave "
                             "several; default: the repository this script lives in)")
    args = parser.parse_args()
    if args.work is not None:
        WORK = args.work.resolve()
    CHECKOUTS[:] = [p.resolve() for p in (args.project or [PROJECT])]
    for checkout in CHECKOUTS:  # `python -m` puts its working folder first on sys.path: run in the checkout
        compile_checkout(sys.executable, checkout)
        found = subprocess.run([sys.executable, "-c", "import pipeline; print(pipeline.__file__)"], cwd=checkout,
                               env={**os.environ, "PYTHONPATH": str(checkout)}, capture_output=True, text=True)
        if not found.stdout.strip().startswith(str(checkout)):
            raise SystemExit(f"{checkout}: its warta is not the one imported ({found.stdout.strip() or found.stderr})")
        helped = subprocess.run([sys.executable, "-m", "pipeline", "build", "--help"], cwd=checkout, capture_output=True,
                                env={**os.environ, "PYTHONPATH": str(checkout), "WARTA_LANG": "en"}, text=True)
        if "--no-search" in helped.stdout:
            NO_SEARCH.add(checkout)
        else:
            print(f"{checkout}: its `warta build` has no --no-search: the rows without the search index are the "
                  "old estimate (the build minus the index alone, two runs; no memory figure)", flush=True)
    tools = set(args.tools.split(","))
    if "pelican" in tools and importlib.util.find_spec("markdown") is None:
        tools.discard("pelican")  # warta renders with markdown-it-py; stock Pelican reads Markdown with Python-Markdown
        print("stock Pelican left out: its Markdown reader needs Python-Markdown (pip install markdown), which "
              "is not installed", flush=True)
    if "hugo" in tools and not shutil.which("hugo"):
        raise SystemExit("hugo is not installed (apt-get install -y hugo): it is the budget's reference")
    hugo = subprocess.run(["hugo", "version"], capture_output=True, text=True).stdout.split()[1] \
        if shutil.which("hugo") else "-"
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, hugo {hugo}; {load_line()}", flush=True)
    for n in args.n:
        report(n, bench(n, args.rounds, args.keep, tools))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
