"""``warta new KIND TITLE [--no-branch] [--slug SLUG]``: a new item with its front matter filled in, on a
new branch ``rilis/<slug>`` from the main branch. Prints the path of the file."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import unicodedata
from typing import Any

from pipeline.config import KINDS, SiteConfig, find_root, load_config
from pipeline.content import DATED_KINDS, SLUG_RE
from pipeline.errors import UsageError, WartaError
from pipeline.git import Git
from pipeline.schema import suggest

SLUG_MAX = 80
REQUIRED = "# WAJIB: isi sebelum diajukan (warta check menandai yang masih kosong)"

# Required fields per kind, written empty so that `warta check` flags them until they are filled.
KIND_FIELDS: dict[str, str] = {
    "siaran-pers": f"""\
{REQUIRED}
# disposisi/form berisi nomor urut, tanggal dan jenis berita (SOP Pemutakhiran Website langkah 1)
disposisi:
  nomor: ""
  tanggal: ""
  jenis_berita: ""
""",
    "berita": """\
sumber: ""
""",
    "pengumuman": f"""\
{REQUIRED}
# Surat Permohonan Penayangan Informasi Publik (SOP Distribusi Pelayanan Informasi Publik langkah 1)
surat_permohonan:
  nomor: ""
  tanggal: ""
  pemohon: ""
""",
    "informasi-publik": f"""\
{REQUIRED} (Daftar Informasi Publik, UU 14/2008)
kategori_informasi: ""  # berkala | serta-merta | setiap-saat | dikecualikan
pejabat_penguasa: ""
penanggung_jawab: ""
waktu_tempat: ""
bentuk_informasi: []  # misalnya [cetak, elektronik]
retensi: ""  # misalnya 5 tahun
""",
    "halaman": """\
urutan: 0
menu: false
""",
}


def slugify(title: str) -> str:
    """A-z, 0-9 and hyphens from an Indonesian title: accents dropped, '&' read as 'dan', apostrophes
    (Jum'at, Ma'ruf) removed rather than split."""
    text = unicodedata.normalize("NFKD", title.replace("&", " dan "))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"['’‘`´ʼ]", "", text)
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(text) > SLUG_MAX:
        cut = text[:SLUG_MAX + 1]
        text = cut[:cut.rfind("-")] if "-" in cut else text[:SLUG_MAX]
    return text.strip("-")


def skeleton(kind: str, title: str, now: dt.datetime, sop: str) -> str:
    lines = ["---", f"title: {json.dumps(title, ensure_ascii=False)}"]
    if kind in DATED_KINDS:
        lines.append(f"date: {now.strftime('%Y-%m-%d %H:%M')}")
    lines += [f"kind: {kind}", f"sop: {sop}",
              'summary: ""  # ringkasan 1-2 kalimat untuk daftar, feed dan media sosial', "tags: []"]
    text = "\n".join(lines) + "\n" + KIND_FIELDS[kind] + "---\n"
    return text + "Tulis isi di sini.\n"


def item_path(kind: str, slug: str, now: dt.datetime) -> str:
    if kind == "halaman":
        return f"content/halaman/{slug}.md"
    return f"content/{kind}/{now.year}/{slug}.md"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "new", help="start a new item on its own release branch",
        description="Create content/<kind>/<year>/<slug>.md with its front matter filled in (required "
                    "fields marked # WAJIB) on a new branch rilis/<slug> from the main branch; prints the path.")
    parser.add_argument("kind", metavar="KIND", help=f"one of {', '.join(KINDS)}")
    parser.add_argument("title", metavar="TITLE", help="the title (judul)")
    parser.add_argument("--no-branch", action="store_true", help="write the file on the current branch")
    parser.add_argument("--slug", help="the address part (default: from the title)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    root = find_root()
    config: SiteConfig = load_config(root)
    if args.kind not in KINDS:
        raise UsageError(f"unknown kind '{args.kind}'{suggest(args.kind, KINDS)}; use one of {', '.join(KINDS)}")
    title = " ".join(args.title.split())
    if not title:
        raise UsageError("the title is empty")
    slug = args.slug or slugify(title)
    if not slug or not SLUG_RE.match(slug):
        raise UsageError(f"'{slug}' is not a usable slug: give one with --slug (a-z, 0-9 and hyphens)")
    now = dt.datetime.now(config.tz)
    rel = item_path(args.kind, slug, now)
    target = root / rel
    if target.exists():
        raise WartaError(f"{rel} already exists")
    git = Git(root)
    if not args.no_branch:
        main = config.approvals.main_branch
        start = next((r for r in (f"refs/heads/{main}", f"refs/remotes/origin/{main}")
                      if git.rev_parse(r) is not None), None)
        if start is None:
            raise WartaError(f"the main branch '{main}' does not exist yet: commit the site first "
                             "(warta init makes the first commit), or use --no-branch")
        branch = f"rilis/{slug}"
        if git.branch_exists(branch):
            raise WartaError(f"branch {branch} already exists: switch to it (git switch {branch}) or choose "
                             "another --slug")
        if git.read_blobs([f"{start}:{rel}"]):
            raise WartaError(f"{rel} already exists on {main}")
        git.create_branch(branch, start)
        print(f"on new branch {branch} (from {main})", file=sys.stderr)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(skeleton(args.kind, title, now, config.sop_for_kind(args.kind)), encoding="utf-8")
    print(rel)
    print("fill in the fields marked WAJIB, run warta check, then git add and git commit", file=sys.stderr)
    return 0
