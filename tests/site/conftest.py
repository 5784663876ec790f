"""The example site as citizens get it, for the checks in real clients (tests/site/).

``warta demo`` makes the example office's repository (the example content, its SOP chains, a signed
``warta publish``) once per test session; its ``_site`` is the example site at a domain root. The same
repository is built a second time as a GitHub Pages project site (``site.url`` with a path). Both are
served the way their web server would (:mod:`pipeline.site.serving`: the site's 404 page for a missing
address), on 127.0.0.1 at a free port.
"""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from site_helpers import PROJECT, SUBPATH_URL, Served

from pipeline.archive.records import read_records
from pipeline.config import load_config
from pipeline.content import load_site
from pipeline.site import build_site
from pipeline.site.serving import make_server


def _serve(folder: Path, site_url: str) -> tuple[http.server.ThreadingHTTPServer, str]:
    server = make_server(folder, 0, site_url, quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    prefix = site_url.split("://", 1)[1].partition("/")[2].rstrip("/")
    return server, f"http://127.0.0.1:{server.server_address[1]}/" + (f"{prefix}/" if prefix else "")


@pytest.fixture(scope="session")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example office's repository after ``warta demo`` (its ``_site`` is the live site)."""
    target = tmp_path_factory.mktemp("example") / "dinas"
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1"}
    done = subprocess.run([sys.executable, "-m", "pipeline", "demo", str(target)], capture_output=True, text=True,
                          timeout=600, cwd=PROJECT, env=env, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert (target / "_site" / "index.html").is_file()
    return target


@pytest.fixture(scope="session")
def at_root(example: Path) -> Iterator[Served]:
    config = load_config(example)
    server, base = _serve(example / "_site", config.site.url)
    try:
        yield Served(example / "_site", base, example)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def under_subpath(example: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The same site built for a project site: ``site.url`` https://.../warta-contoh."""
    config = load_config(example)
    config = config.model_copy(update={"site": config.site.model_copy(update={"url": SUBPATH_URL})})
    site = load_site(example, config)
    out = tmp_path_factory.mktemp("subpath") / "site"
    build_site(site, out, records=read_records(example), cache_root=example)
    server, base = _serve(out, SUBPATH_URL)
    try:
        yield Served(out, base, example)
    finally:
        server.shutdown()
        server.server_close()

