"""``warta serve [--port 8000] [--output DIR]``: a built site on http://127.0.0.1 (default: the live ``_site``)."""

from __future__ import annotations

import argparse
import contextlib
import http.server
import sys
from pathlib import Path
from typing import Any

from pipeline.commands.build import PREVIEW, live_folder
from pipeline.config import find_root, load_config
from pipeline.errors import UsageError, WartaError
from pipeline.i18n import _
from pipeline.site import serving
from pipeline.site.urls import site_path


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help=_("show a built website on this computer"),
        description=_("Serve a built website on http://127.0.0.1:PORT/ (only this computer can see it): by default the "
                      "live site that 'warta publish' deployed (deploy.path, _site); --output {preview} serves the "
                      "preview of 'warta build'.", preview=PREVIEW),
    )
    parser.add_argument("--port", "-p", type=int, default=8000, help=_("port (default 8000)"))
    parser.add_argument(
        "--output", "-o", metavar="DIR", help=_("the folder to serve (default: deploy.path, _site; the preview: "
                                                "{preview})",
                                                preview=PREVIEW)
    )
    parser.set_defaults(func=run)


def make_server(folder: Path, port: int, site_url: str = "") -> http.server.ThreadingHTTPServer:
    """``folder`` at the path of ``site_url`` on 127.0.0.1, with its 404 page (:mod:`pipeline.site.serving`)."""
    # ``folder`` is not resolved: when it is the _site symlink, each request follows it, so a publish
    # that swaps the site while this runs is served at once
    try:
        return serving.make_server(folder, port, site_url)
    except OSError as exc:
        raise WartaError(_("cannot listen on 127.0.0.1:{port}: {strerror}; try another --port",
                           port=port, strerror=exc.strerror)) from None


def _missing(folder: Path, option: str | None) -> WartaError:
    shown = str(folder)
    with contextlib.suppress(ValueError):
        shown = str(folder.relative_to(Path.cwd()))
    if option is None:
        return WartaError(
            _("{shown}/ has no site yet: 'warta publish' puts the approved items there; to see a preview, run 'warta "
              "build' (add --drafts for items not approved yet), then 'warta serve --output {preview}'",
              shown=shown, preview=PREVIEW)
        )
    return WartaError(_("{shown}/ has no site: build one there with 'warta build --output {option}', then serve it",
                        shown=shown, option=option))


def run(args: argparse.Namespace) -> int:
    if not 0 <= args.port <= 65535:
        raise UsageError(_("--port {port}: use a number between 0 (any free port) and 65535", port=args.port))
    root = find_root()
    config = load_config(root)
    if args.output:
        folder = Path(args.output).absolute()
    else:
        if config.deploy.target != "local":
            raise UsageError(
                _("deploy.target is {target}: the live site is not on this computer; serve the preview with 'warta "
                  "build' and 'warta serve --output {preview}'",
                  target=config.deploy.target, preview=PREVIEW)
            )
        folder = live_folder(root, config)
    if not (folder / "index.html").is_file():
        raise _missing(folder, args.output)
    server = make_server(folder, args.port, config.site.url)
    host, port = server.server_address[:2]
    # at the path of site.url, as its web server will (a project site's /name/), with the 404 page
    print(_("serving {folder} on http://{host!s}:{port}{site_path}/  (Ctrl+C stops)",
            folder=folder, host=host, port=port, site_path=site_path(config.site.url)), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print(_("stopped"), file=sys.stderr)
    finally:
        server.server_close()
    return 0
