"""``warta serve [--port 8000] [--output DIR]``: the built site on http://127.0.0.1 (built if missing)."""

from __future__ import annotations

import argparse
import functools
import http.server
import sys
from pathlib import Path
from typing import Any

from pipeline.commands.build import build, output_folder
from pipeline.config import find_root, load_config
from pipeline.errors import UsageError, WartaError


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        sys.stderr.write(f"serve: {self.address_string()} {format % args}\n")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="show the built website on this computer",
        description="Serve the built website on http://127.0.0.1:PORT/ "
        "(only this computer can see it). Builds it first if missing.",
    )
    parser.add_argument("--port", "-p", type=int, default=8000, help="port (default 8000)")
    parser.add_argument("--output", "-o", metavar="DIR", help="the built folder (default: deploy.path, _site)")
    parser.set_defaults(func=run)


def make_server(folder: Path, port: int) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(_Handler, directory=str(folder))
    try:
        return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        raise WartaError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}; try another --port") from None


def run(args: argparse.Namespace) -> int:
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: use a number between 0 (any free port) and 65535")
    root = find_root()
    folder = output_folder(root, args.output, load_config(root).deploy.path)
    if not (folder / "index.html").is_file():
        print(f"serve: {folder} has no site yet; building it", file=sys.stderr)
        _, result = build(root, args.output, drafts=False)
        folder = result.output
    server = make_server(folder, args.port)
    host, port = server.server_address[:2]
    print(f"serving {folder} on http://{host!s}:{port}/  (Ctrl+C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    finally:
        server.server_close()
    return 0
