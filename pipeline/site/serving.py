"""Serving a built site the way its web server will: under the path of ``site.url``, with its 404 page.

``warta serve`` and the tests use :func:`make_server`. A site whose ``site.url`` has a path (a GitHub
Pages project site, ``https://dinas.github.io/warta/``) is served at that path on 127.0.0.1, so every
link is checked where it will be; ``/`` redirects there. A missing address gets the site's ``404.html``
with status 404, as GitHub Pages, Netlify, and nginx or Apache with ``error_page``/``ErrorDocument`` do.
"""

from __future__ import annotations

import functools
import http.server
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pipeline.site.urls import site_path


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Files of ``directory`` under ``prefix`` (``""`` or ``/path``); the site's 404 page elsewhere."""

    prefix = ""
    quiet = False

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        if not self.quiet:
            sys.stderr.write(f"serve: {self.address_string()} {format % args}\n")

    def _inside(self) -> bool:
        path = urlsplit(self.path).path
        return not self.prefix or path == self.prefix or path.startswith(self.prefix + "/")

    def translate_path(self, path: str) -> str:
        parts = urlsplit(path)
        inner = parts.path[len(self.prefix):] if self.prefix else parts.path
        return super().translate_path(inner or "/")

    def send_head(self) -> Any:
        if not self._inside():
            if urlsplit(self.path).path in ("", "/"):
                self.send_response(302)
                self.send_header("Location", self.prefix + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            return self._not_found()
        target = Path(self.translate_path(self.path))
        if not (target.is_file() or (target / "index.html").is_file()):
            return self._not_found()
        return super().send_head()

    def _not_found(self) -> Any:
        page = Path(self.directory) / "404.html"
        if not page.is_file():
            self.send_error(404)
            return None
        data = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        return None


def make_server(folder: Path, port: int, site_url: str = "", *, quiet: bool = False,
                host: str = "127.0.0.1") -> http.server.ThreadingHTTPServer:
    """A server of ``folder`` on ``host:port`` (0: any free port) at the path of ``site_url``."""
    handler = type("Handler", (SiteHandler,), {"prefix": site_path(site_url), "quiet": quiet})
    return http.server.ThreadingHTTPServer((host, port), functools.partial(handler, directory=str(folder)))
