"""``warta serve``'s server (pipeline/site/serving.py): the site at the path of site.url, its 404 page for
every missing address, ``/`` sent to the site's path; a real server on 127.0.0.1 at a free port."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.site.serving import make_server


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _get(url: str) -> tuple[int, str, str]:
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=30) as response:
            return response.status, response.read().decode("utf-8"), response.headers.get("Location", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8"), exc.headers.get("Location", "")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "siaran-pers").mkdir()
    (tmp_path / "index.html").write_text("beranda", encoding="utf-8")
    (tmp_path / "siaran-pers" / "index.html").write_text("daftar siaran pers", encoding="utf-8")
    (tmp_path / "404.html").write_text("halaman tidak ditemukan", encoding="utf-8")
    return tmp_path


def _serve(folder: Path, url: str) -> Iterator[str]:
    server = make_server(folder, 0, url, quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_project_site_is_served_at_its_path_and_the_root_sends_there(site: Path) -> None:
    for base in _serve(site, "https://dinas.example.github.io/warta-contoh/"):
        assert _get(f"{base}/warta-contoh/") == (200, "beranda", "")
        assert _get(f"{base}/warta-contoh/siaran-pers/")[:2] == (200, "daftar siaran pers")
        status, _, location = _get(f"{base}/")
        assert status == 302 and location == "/warta-contoh/"
        # outside the site's path nothing of the site is served, as on the real host
        assert _get(f"{base}/siaran-pers/")[:2] == (404, "halaman tidak ditemukan")


def test_every_missing_address_gets_the_sites_404_page(site: Path) -> None:
    for base in _serve(site, "https://dinas.example.go.id"):
        assert _get(f"{base}/siaran-pers/")[:2] == (200, "daftar siaran pers")
        for missing in ("/tidak-ada/", "/siaran-pers/2025/tidak/ada/", "/lama.html"):
            assert _get(base + missing)[:2] == (404, "halaman tidak ditemukan")
        # a path that climbs out of the folder is a missing address, never a file beside it
        assert _get(f"{base}/../../etc/passwd")[0] == 404
