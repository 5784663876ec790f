"""The accounting property of DESIGN section 4, rule 11: every file of the deployed site derives from an
approved blob or a governed file.

Derived here from git alone, independently of warta's code: a blob counts as *approved* when it sits
under ``content/`` in the tree of an approval record (a commit whose trailers say ``Warta-Decision:
approve`` or ``force``: its tree holds exactly what the official approved) or of the root commit (the
trusted bootstrap, imported legacy content). Then each file of the site is accounted for:

- downloads and lampiran (``<page>/berkas/<12 hex>/<name>``, any extension) must be byte-identical to an
  approved blob;
- pages and feeds (``.html``, ``.xml``, ``.txt``, ``.json``) elsewhere are generated: each must be of a
  generated kind;
- ``theme/…`` must be byte-identical to a file of warta's theme (``theme/static/…``);
- ``media/<12 hex>/…`` is a derivative: the 12 hex digits must start the sha256 of an approved blob;
- ``identitas/…`` and ``favicon.ico`` are the logo's pictures and icons: the site's warta.yml must name a
  logo (a governed file, rule 8) that is in the repository;
- ``pagefind/…`` is the search index Pagefind makes from the pages above, with Pagefind's own scripts;
- anything else (downloads, attachments) must be byte-identical to an approved blob.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parents[1]
GENERATED = (".html", ".xml", ".txt", ".json")


def _git(root: Path, *args: str, data: bytes | None = None) -> bytes:
    return subprocess.run(["git", *args], cwd=root, input=data, capture_output=True, check=True).stdout


def approved_blobs(root: Path) -> dict[str, bytes]:
    """blob id -> bytes of every blob under content/ in an approval record's tree or the root commit."""
    log = _git(root, "log", "--all", "--format=%H%x00%B%x01").decode("utf-8", "replace")
    commits = [chunk.split("\0", 1)[0].strip() for chunk in log.split("\1")
               if "Warta-Decision: approve" in chunk or "Warta-Decision: force" in chunk]
    commits += _git(root, "rev-list", "--max-parents=0", "--all").decode().split()
    oids: set[str] = set()
    for sha in {c for c in commits if c}:
        listing = _git(root, "ls-tree", "-r", "-z", sha, "--", "content").split(b"\0")
        for entry in listing:
            meta, _, _path = entry.partition(b"\t")
            parts = meta.decode().split()
            if len(parts) == 3 and parts[1] == "blob" and parts[0] in ("100644", "100755"):
                oids.add(parts[2])
    if not oids:
        return {}
    ordered = sorted(oids)
    out = _git(root, "cat-file", "--batch", data="".join(f"{o}\n" for o in ordered).encode())
    blobs: dict[str, bytes] = {}
    pos = 0
    for oid in ordered:
        end = out.index(b"\n", pos)
        size = int(out[pos:end].split()[2])
        blobs[oid] = out[end + 1:end + 1 + size]
        pos = end + 1 + size + 1
    return blobs


def unaccounted(root: Path, site: Path) -> list[str]:
    """The files of ``site`` that derive from no approved blob or governed file (empty: the property holds)."""
    blobs = approved_blobs(root)
    contents = set(blobs.values())
    hashes = {hashlib.sha256(b).hexdigest()[:12] for b in blobs.values()}
    theme = {p.read_bytes() for p in (PROJECT / "theme" / "static").rglob("*") if p.is_file()}
    bad: list[str] = []
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        rel = path.relative_to(site).as_posix()
        if "/berkas/" in f"/{rel}":
            if path.read_bytes() not in contents:
                bad.append(f"{rel}: a download that is not the bytes of an approved blob")
            continue
        if rel == ".warta-site" or rel.endswith(GENERATED):
            continue
        if rel == ".nojekyll":  # the empty marker target 'pages' writes for GitHub Pages
            if path.read_bytes():
                bad.append(f"{rel}: the Pages marker is not empty")
            continue
        if rel.startswith("theme/"):
            if path.read_bytes() not in theme:
                bad.append(f"{rel}: not a file of warta's theme")
            continue
        parts = rel.split("/")
        if parts[0] == "identitas" or rel == "favicon.ico":
            if not _names_logo(root):
                bad.append(f"{rel}: the logo's icons, but warta.yml names no logo in the repository")
            continue
        if parts[0] == "pagefind":
            continue  # the search index of the pages, made by Pagefind (pipeline/site/search.py)
        if parts[0] == "media" and len(parts) >= 3:
            if parts[1] not in hashes:
                bad.append(f"{rel}: a derivative of no approved photo")
            continue
        if path.read_bytes() not in contents:
            bad.append(f"{rel}: not the bytes of an approved blob")
    return bad


def _names_logo(root: Path) -> bool:
    logo = yaml.safe_load((root / "warta.yml").read_text(encoding="utf-8")).get("site", {}).get("logo")
    return bool(logo) and (root / str(logo)).is_file()


def assert_accounted(root: Path, site: Path | None = None) -> None:
    live = site or root / "_site"
    if not live.exists():
        return
    bad = unaccounted(root, live.resolve())
    assert not bad, "files on the site that nobody approved:\n  " + "\n  ".join(bad)
