"""Site build benchmark: warta against stock Pelican and Hugo on the same generated press releases.

    .venv/bin/python benchmarks/build.py                 # 1,000 and 10,000 releases
    .venv/bin/python benchmarks/build.py --n 500 --keep  # a quick run, keep the generated projects

For each N it writes N releases in warta's own format (front matter per docs/content.md, ~400 words of
Indonesian filler, no images) and the same text as a stock Pelican project (default theme, Pelican's own
Markdown reader) and a Hugo project (small list/single/taxonomy layouts, so Hugo renders every page).
The warta corpus is a git repository whose root commit holds everything (DESIGN section 4 rule 8: content
in the root commit is imported legacy, so every release counts as approved and is built; the build runs
the approval engine over all of them, as it does on a real site). It then times, each as a child process
measured with ``os.wait4`` (wall time, peak resident memory):

- warta cold: ``warta build --drafts`` with no ``_preview`` and no ``.warta-cache``;
- warta after one change: one release's body edited (not committed, so it is built as a draft: that
  is why ``--drafts``), ``warta build --drafts`` again;
- Pelican cold (no cache) and Pelican after one change (content cache on, ``CHECK_MODIFIED_METHOD=mtime``);
- Hugo full build (Hugo has no incremental mode for ``hugo`` builds: its full build is the reference).

Budgets (DESIGN section 9): warta cold within 1.5x Hugo; warta after one change within 0.25x Hugo's full
build; peak memory under 300 MB. Results go to docs/benchmarks.md ("Site build") by hand.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

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
            f"tags: [{', '.join(tags)}]\n---\n{body}",
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
        'paginate = 10\n[taxonomies]\ntag = "tags"\n',
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


@dataclass
class Run:
    seconds: float
    peak_mb: float
    ok: bool
    note: str = ""


def measure(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
    """Wall time and peak resident memory of one child process (with the descendants it waited for)."""
    started = time.perf_counter()
    with (
        open(os.devnull, "wb") as sink,
        subprocess.Popen(cmd, cwd=cwd, stdout=sink, stderr=subprocess.PIPE, env={**os.environ, **(env or {})}) as proc,
    ):
        assert proc.stderr is not None
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(
        time.perf_counter() - started,
        usage.ru_maxrss / 1024,
        proc.returncode == 0,
        "" if proc.returncode == 0 else err.decode(errors="replace")[-600:],
    )


class _Results(dict[str, Run]):
    """Prints each figure as soon as it is measured (a 10,000-release run takes many minutes)."""

    def __setitem__(self, name: str, run: Run) -> None:
        super().__setitem__(name, run)
        flag = "" if run.ok else f"  FAILED: {run.note}"
        print(f"  {name:36s} {run.seconds:7.2f} s  peak {run.peak_mb:7.0f} MB{flag}", flush=True)


def _touch_one(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "\nKalimat tambahan setelah koreksi redaksi.\n", encoding="utf-8")


def bench(n: int, keep: bool, tools: set[str]) -> dict[str, Run]:
    base = WORK / str(n)
    print(f"\n== {n} releases: generating in {base}", flush=True)
    projects = generate(n, base)
    results = _Results()
    warta = projects["warta"]
    cmd = [sys.executable, "-m", "pipeline", "-C", str(warta), "build", "--drafts", "--json"]
    results["warta cold"] = measure(cmd, PROJECT)
    built = sum(1 for _ in (warta / "_preview" / "siaran-pers").glob("[0-9]*/*/index.html"))
    print(f"  warta built {built} of {n} release pages (every one is imported legacy, so approved)", flush=True)
    first = sorted((warta / "content" / "siaran-pers").rglob("*.md"))[n // 2]
    _touch_one(first)
    results["warta after one change"] = measure(cmd, PROJECT)

    pelican = projects["pelican"]
    if "pelican" in tools:
        _bench_pelican(results, pelican, n)
    hugo = projects["hugo"]
    if "hugo" in tools and shutil.which("hugo"):
        results["hugo full build"] = measure(["hugo", "--quiet", "-d", "public"], hugo)
        shutil.rmtree(hugo / "public", ignore_errors=True)
        results["hugo full build (2nd)"] = measure(["hugo", "--quiet", "-d", "public"], hugo)
    pages = sum(1 for _ in (warta / "_preview").rglob("*.html")) if (warta / "_preview").is_dir() else 0
    print(f"  warta wrote {pages} HTML pages", flush=True)
    if not keep:
        shutil.rmtree(base, ignore_errors=True)
    return results


def _bench_pelican(results: dict[str, Run], pelican: Path, n: int) -> None:
    pel = [sys.executable, "-m", "pelican", "content", "-o", "output", "-s", "pelicanconf.py", "-q"]
    results["pelican cold (no cache)"] = measure(pel, pelican)
    shutil.rmtree(pelican / "output", ignore_errors=True)
    measure(pel, pelican, {"BENCH_CACHE": "1"})  # fills Pelican's cache
    _touch_one(sorted((pelican / "content").glob("*.md"))[n // 2])
    results["pelican after one change (cache)"] = measure(pel, pelican, {"BENCH_CACHE": "1"})


def _secs(run: Run | None) -> str:
    return f"{run.seconds:.1f}" if run else "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, nargs="+", default=[1000, 10000], help="numbers of releases")
    parser.add_argument("--keep", action="store_true", help="keep the generated projects")
    parser.add_argument("--tools", default="pelican,hugo", help="comparisons to run (default: pelican,hugo)")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, hugo: {shutil.which('hugo') or 'missing'}")
    table = []
    for n in args.n:
        results = bench(n, args.keep, set(args.tools.split(",")))
        hugo = results.get("hugo full build (2nd)") or results.get("hugo full build")
        cold, warm = results["warta cold"], results["warta after one change"]
        row = [
            str(n),
            f"{cold.seconds:.1f}",
            f"{warm.seconds:.1f}",
            _secs(results.get("pelican cold (no cache)")),
            _secs(results.get("pelican after one change (cache)")),
            f"{hugo.seconds:.1f}" if hugo else "-",
            f"{cold.seconds / hugo.seconds:.1f}x" if hugo else "-",
            f"{warm.seconds / hugo.seconds:.2f}x" if hugo else "-",
            f"{max(cold.peak_mb, warm.peak_mb):.0f}",
        ]
        table.append(row)
    print(
        "\n| releases | warta cold s | warta 1 change s | Pelican cold s | Pelican 1 change (cache) s | Hugo s "
        "| cold / Hugo (budget 1.5x) | 1 change / Hugo (budget 0.25x) | warta peak MB (budget 300) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in table:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
