"""Page weight of the example site as a phone and a laptop load it, in headless Chromium.

    .venv/bin/python benchmarks/site_weight.py              # makes the example site with `warta demo`
    .venv/bin/python benchmarks/site_weight.py --site DIR   # a built site folder (e.g. _site or _preview)

For the home page, a release, the DIP and the search page, at 390x844 (device pixel ratio 1: photos at 1x)
and 1366x900, it loads the page from a local server (pipeline.site.serving) with the browser cache off and
counts every byte the browser received (HTML, CSS, pictures, scripts), scrolling nothing: pictures below
the fold are lazy and not fetched. It also checks what makes a page shift while it loads: every <img> has
width and height. It prints a table (the numbers for docs/site.md) and exits 1 when a budget is broken:

- the home page on a phone is at most 100 KB, with its photos;
- no page but the search page loads a search asset (pagefind/), and no page loads anything from another host;
- every picture has its width and height.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import sync_playwright

from pipeline.site.serving import make_server

CHROMIUM = "/usr/bin/chromium"
PAGES = {"home": "", "release": "siaran-pers/2025/pelatihan-manajemen-bumkal/", "dip": "daftar-informasi-publik/",
         "search": "cari/?q=bumkal"}
VIEWPORTS = {"phone": (390, 844), "laptop": (1366, 900)}
HOME_BUDGET = 100 * 1024


def _demo(folder: Path) -> Path:
    target = folder / "dinas"
    subprocess.run([sys.executable, "-m", "pipeline", "demo", str(target)], check=True, capture_output=True)
    return target / "_site"


def measure(site: Path) -> list[dict[str, Any]]:
    server = make_server(site, 0, quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    rows: list[dict[str, Any]] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
            for device, (width, height) in VIEWPORTS.items():
                for name, rel in PAGES.items():
                    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
                    page = context.new_page()
                    cdp = context.new_cdp_session(page)
                    cdp.send("Network.enable")
                    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
                    received: dict[str, int] = {}
                    urls: dict[str, str] = {}
                    cdp.on("Network.responseReceived", lambda e, u=urls: u.__setitem__(e["requestId"], e["response"]["url"]))
                    cdp.on("Network.loadingFinished",
                           lambda e, r=received: r.__setitem__(e["requestId"], int(e["encodedDataLength"])))
                    page.goto(base + rel, wait_until="networkidle")
                    unsized = page.evaluate("[...document.images].filter(i => !i.getAttribute('width') || "
                                            "!i.getAttribute('height')).length")
                    fetched = [urls.get(k, "") for k in received]
                    rows.append({
                        "page": name, "device": device, "bytes": sum(received.values()), "requests": len(received),
                        "images": sum(1 for u in fetched if u.endswith((".jpg", ".webp", ".png", ".avif"))),
                        "search_assets": sum(1 for u in fetched if "/pagefind/" in u),
                        "foreign": sum(1 for u in fetched if urlsplit(u).scheme in ("http", "https")
                                       and urlsplit(u).netloc != urlsplit(base).netloc),
                        "unsized_images": unsized,
                    })
                    context.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", type=Path, help="a built site folder (default: make the example with warta demo)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        site = args.site or _demo(Path(tmp))
        rows = measure(site)
    print("| page | device | KB received | requests | pictures | search assets | other hosts | img without size |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['page']} | {r['device']} | {r['bytes'] / 1024:.1f} | {r['requests']} | {r['images']} | "
              f"{r['search_assets']} | {r['foreign']} | {r['unsized_images']} |")
    broken = []
    home = next(r for r in rows if r["page"] == "home" and r["device"] == "phone")
    if home["bytes"] > HOME_BUDGET:
        broken.append(f"home page on a phone: {home['bytes'] / 1024:.1f} KB > 100 KB")
    broken += [f"{r['page']} ({r['device']}): {r['search_assets']} search assets" for r in rows
               if r["page"] != "search" and r["search_assets"]]
    broken += [f"{r['page']} ({r['device']}): {r['foreign']} requests to other hosts" for r in rows if r["foreign"]]
    broken += [f"{r['page']} ({r['device']}): {r['unsized_images']} pictures without width and height" for r in rows
               if r["unsized_images"]]
    for line in broken:
        print(f"over budget: {line}", file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
