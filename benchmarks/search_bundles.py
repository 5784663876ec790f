"""The search index split into more or fewer bundles: what the build pays, and what a phone pays.

    .venv/bin/python benchmarks/search_bundles.py --site /tmp/c10k/warta/_preview [--schemes one,year,quarter,month]

``--site`` is a site warta built (for example ``_preview`` of ``benchmarks/build.py``'s corpus after a
``warta build --drafts``). For each scheme the item pages are grouped into bundles (``one``: every item in
one bundle; ``year``: one per year of the address; ``quarter``, ``month``: by the item's date; the pages
(halaman) are always a bundle of their own), and Pagefind makes each bundle alone, timed (CPU of the
process). The build's figures: the cold total, and the largest and median bundle, which is what one
changed release costs (Pagefind re-makes the changed item's bundle whole).

Then each variant is served from 127.0.0.1 the way a static host serves it (JavaScript, CSS and JSON
gzipped; Pagefind's own index files are gzip already) and headless Chromium opens ``cari/?q=<query>``
with the browser cache off over an emulated phone network (``--rtt`` ms, ``--kbps`` down), counting the
requests, the bytes received and the time until the first result is drawn; rounds interleave the
variants. The search page's script is the site's own (``theme/js/cari.js``): it loads
``pagefind/bundles.json`` and merges the bundles (Pagefind's ``mergeIndex``).
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import os
import re
import resource
import shutil
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from pipeline.site import search

CHROMIUM = "/usr/bin/chromium"
DATE = re.compile(rb'<time datetime="(\d{4})-(\d{2})')
TEXT = (".js", ".css", ".json", ".html")


def _item_group(scheme: str, path: Path) -> str:
    year = path.parent.parent.name  # <kind>/<year>/<slug>/index.html
    if scheme == "one":
        return "items"
    if scheme == "year":
        return year
    found = DATE.search(path.read_bytes())
    month = int(found.group(2)) if found else 1
    if scheme == "quarter":
        return f"{year}-q{(month - 1) // 3 + 1}"
    if scheme == "half":
        return f"{year}-{(month - 1) // 6 + 1}"
    return f"{year}-{month:02d}"


def grouped(site: Path, scheme: str) -> dict[str, list[search.Page]]:
    out: dict[str, list[search.Page]] = {}
    for name, pages in search.groups(site).items():
        for page in pages:
            key = name if name == search.PAGES_GROUP else _item_group(scheme, site / page[0])
            out.setdefault(key, []).append(page)
    return dict(sorted(out.items(), key=lambda kv: (kv[0] == search.PAGES_GROUP, [-ord(c) for c in kv[0]])))


def _cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def build_variant(site: Path, scheme: str, work: Path) -> tuple[Path, dict[str, float]]:
    """A folder serving ``cari/`` and ``theme/`` of ``site`` with the bundles of ``scheme``; CPU per bundle."""
    folder = work / scheme
    exe = search._executable()
    assert exe is not None, "pagefind is not installed"
    groups = grouped(site, scheme)
    times: dict[str, float] = {}
    if not (folder / "pagefind" / search.MANIFEST).is_file():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for name in ("cari", "theme"):
            (folder / name).symlink_to(site / name)
        for name, pages in groups.items():
            stage = work / f"stage-{scheme}-{name}"
            shutil.rmtree(stage, ignore_errors=True)
            search._stage(str(site), pages, stage)
            before = _cpu_children()
            search._finish(search._start(exe, stage, folder / "pagefind" / name))
            times[name] = _cpu_children() - before
            shutil.rmtree(stage)
        (folder / "pagefind" / search.MANIFEST).write_text('{"bundles": ["' + '", "'.join(groups) + '"]}')
        (folder / "times.txt").write_text("\n".join(f"{k} {v}" for k, v in times.items()))
    else:
        times = {k: float(v) for k, v in (line.split() for line in (folder / "times.txt").read_text().splitlines())}
    return folder, times


class _Gzipping(http.server.SimpleHTTPRequestHandler):
    """A static host: text gzipped on the fly (as GitHub Pages does), everything else as it is."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass

    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        if path.suffix in TEXT:
            data = gzip.compress(data, 6)
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Gzipping, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def open_search(browser: Any, base: str, query: str, rtt: float, kbps: float) -> dict[str, float]:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    if kbps:
        cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": rtt,
                                                      "downloadThroughput": kbps * 1000 / 8,
                                                      "uploadThroughput": kbps * 1000 / 8 / 2})
    received: dict[str, int] = {}  # url -> bytes (the worker's requests too: Pagefind searches in a web worker)

    def finished(request: Any) -> None:
        sizes = request.sizes()
        received[f"{id(request)} {request.url}"] = sizes["responseBodySize"] + sizes["responseHeadersSize"]

    context.on("requestfinished", finished)
    started = time.perf_counter()
    page.goto(base + f"cari/?q={query}", wait_until="commit")
    page.locator(".pagefind-ui__result-link").first.wait_for(timeout=180_000)
    first = time.perf_counter() - started
    page.wait_for_load_state("networkidle", timeout=180_000)
    idle = time.perf_counter() - started
    years = page.locator(".pagefind-ui__filter-name").all_inner_texts()
    index = [u for u in received if "/pagefind/" in u]
    row = {"first": first, "idle": idle, "requests": len(received), "kb": sum(received.values()) / 1024,
           "pagefind_requests": len(index), "pagefind_kb": sum(received[k] for k in index) / 1024,
           "filters": len(years)}
    context.close()
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", type=Path, required=True)
    parser.add_argument("--work", type=Path, default=Path("/tmp/search-bundles"))
    parser.add_argument("--schemes", default="one,year,quarter,month")
    parser.add_argument("--queries", default="posyandu,sewon")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rtt", type=float, default=150.0, help="ms added to every request (default: 150)")
    parser.add_argument("--kbps", type=float, default=1600.0,
                        help="download speed (default 1600: slow 4G; 0: no network emulation, --rtt unused)")
    args = parser.parse_args(argv)
    schemes = args.schemes.split(",")
    built: dict[str, Path] = {}
    for scheme in schemes:
        folder, times = build_variant(args.site.resolve(), scheme, args.work)
        built[scheme] = folder
        values = sorted(times.values())
        items = [v for k, v in times.items() if k != search.PAGES_GROUP]
        size = sum(1 for _ in (folder / "pagefind").rglob("*") if _.is_file())
        print(f"build | {scheme} | {len(times)} bundles | cold {sum(values):.2f} s CPU | one change: largest "
              f"{max(items):.2f} s, median {statistics.median(items):.2f} s | {size} files", flush=True)
    rows: dict[tuple[str, str], list[dict[str, float]]] = {}
    servers = {s: _serve(f) for s, f in built.items()}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
            for _round in range(args.rounds):
                for query in args.queries.split(","):
                    for scheme in schemes:
                        row = open_search(browser, servers[scheme][1], query, args.rtt, args.kbps)
                        rows.setdefault((scheme, query), []).append(row)
                        print(f"  {scheme} {query}: " + ", ".join(f"{k} {v:.2f}" for k, v in row.items()), flush=True)
            browser.close()
    finally:
        for server, _base in servers.values():
            server.shutdown()
            server.server_close()
    network = f"rtt {args.rtt:.0f} ms, {args.kbps:.0f} kbit/s" if args.kbps else "no network emulation"
    print(f"\nclient: cari/?q=..., phone 390x844, {network}, cache off, median of {args.rounds}")
    print("| bundles | query | requests (pagefind/) | KB received (pagefind/) | first result | all loaded | filters |")
    print("|---|---|---:|---:|---:|---:|---:|")
    pick: Callable[[list[dict[str, float]], str], float] = lambda r, k: statistics.median(x[k] for x in r)  # noqa: E731
    for (scheme, query), r in rows.items():
        print(f"| {scheme} ({len(grouped_names(built[scheme]))}) | {query} | {pick(r, 'requests'):.0f} "
              f"({pick(r, 'pagefind_requests'):.0f}) | {pick(r, 'kb'):.0f} ({pick(r, 'pagefind_kb'):.0f}) | "
              f"{pick(r, 'first'):.2f} s | {pick(r, 'idle'):.2f} s | {pick(r, 'filters'):.0f} |")
    return 0


def grouped_names(folder: Path) -> list[str]:
    return [p.name for p in (folder / "pagefind").iterdir() if p.is_dir()]


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
