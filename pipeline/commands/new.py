"""``warta new KIND TITLE [--no-branch] [--slug SLUG]``: a new item with its front matter filled in, on a
new branch ``rilis/<slug>`` from the main branch. Prints the path of the file."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any

from pipeline import output
from pipeline.check import sop_requirements
from pipeline.config import KINDS, SiteConfig, find_root, load_config
from pipeline.content import DATED_KINDS, SLUG_RE
from pipeline.errors import ConfigError, UsageError, WartaError
from pipeline.git import Git
from pipeline.i18n import _
from pipeline.kelengkapan import BODY_PLACEHOLDER
from pipeline.schema import suggest
from pipeline.slug import slugify
from pipeline.sop import Sop
from pipeline.sop_files import load_sops

REQUIRED = "# WAJIB: isi sebelum diajukan (warta check menandai yang masih kosong)"

# Fields of each kind that its schema requires or that belong to it, written empty so that `warta check`
# flags them until they are filled. What the kind's SOP requires (photo, disposisi, surat permohonan,
# ringkasan) is added from the SOP itself (SOP_FIELDS), so the template follows the office's own SOP.
KIND_FIELDS: dict[str, str] = {
    "siaran-pers": "",
    "berita": """\
sumber: ""  # sumber berita, misalnya nama bidang atau kalurahan (boleh dihapus bila dari dinas sendiri)
""",
    "pengumuman": "",
    "informasi-publik": f"""\
{REQUIRED} (Daftar Informasi Publik, UU 14/2008)
kategori_informasi: ""  # berkala | serta-merta | setiap-saat | dikecualikan
pejabat_penguasa: ""  # pejabat yang menguasai informasi
penanggung_jawab: ""  # penanggung jawab pembuatan/penerbitan informasi
waktu_tempat: ""  # waktu dan tempat pembuatan informasi
bentuk_informasi: []  # misalnya [cetak, elektronik]
retensi: ""  # jangka waktu penyimpanan, misalnya 5 tahun
""",
    "halaman": """\
urutan: 0  # urutan di menu (kecil di depan)
menu: false  # true: tampil di menu situs
""",
}

# What each SOP requirement (mutu_baku.syarat) asks the author to write; {source} names the SOP step.
SOP_FIELDS: dict[str, str] = {
    "bukti_multimedia": """\
# WAJIB ({source}: bukti otentik berbentuk multimedia): foto di samping berkas ini atau di content/media/
image: ""  # berkas foto, misalnya ../../media/{year}/nama-foto.jpg
image_alt: ""  # apa yang tampak di foto, untuk pembaca yang tidak dapat melihatnya
""",
    "disposisi": """\
# WAJIB ({source}): disposisi/form berisi nomor urut, tanggal dan jenis berita
disposisi:
  nomor: ""
  tanggal: ""  # YYYY-MM-DD
  jenis_berita: ""  # misalnya kegiatan, pengumuman, layanan
""",
    "surat_permohonan": """\
# WAJIB ({source}): Surat Permohonan Penayangan Informasi Publik
surat_permohonan:
  nomor: ""
  tanggal: ""  # YYYY-MM-DD
  pemohon: ""  # OPD atau pihak yang mengajukan
""",
}
SUMMARY = 'summary: ""  # ringkasan 1-2 kalimat untuk daftar, feed dan media sosial'
SUMMARY_REQUIRED = "# WAJIB ({source}): ringkasan"


def skeleton(kind: str, title: str, now: dt.datetime, sop: Sop | None, sop_id: str) -> str:
    """The new item's text: every field its kind and its SOP require, empty, commented in Indonesian."""
    requirements: dict[str, str] = {}
    for syarat, source in sop_requirements(sop) if sop is not None else ():
        requirements.setdefault(syarat, source)  # the first step that asks for it
    lines = ["---", f"title: {json.dumps(title, ensure_ascii=False)}"]
    if kind in DATED_KINDS:
        lines.append(f"date: {now.strftime('%Y-%m-%d %H:%M')}  # tanggal terbit (YYYY-MM-DD HH:MM)")
    lines += [f"kind: {kind}", f"sop: {sop_id}"]
    if "ringkasan" in requirements:
        lines.append(SUMMARY_REQUIRED.format(source=requirements["ringkasan"]))
    lines += [SUMMARY, "tags: []  # kata kunci, misalnya [bumkal, pelatihan]"]
    text = "\n".join(lines) + "\n" + KIND_FIELDS[kind]
    for syarat, source in requirements.items():
        text += SOP_FIELDS.get(syarat, "").format(source=source, year=now.year)
    return text + "---\n" + BODY_PLACEHOLDER + "\n"


def item_path(kind: str, slug: str, now: dt.datetime) -> str:
    if kind == "halaman":
        return f"content/halaman/{slug}.md"
    return f"content/{kind}/{now.year}/{slug}.md"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "new", help=_("start a new item on its own release branch"),
        description=_("Create content/<kind>/<year>/<slug>.md with every field its kind and its SOP require "
                      "(marked # WAJIB) on a new branch rilis/<slug> from the main branch; prints the path."))
    parser.add_argument("kind", metavar="KIND", help=_("one of {kinds}", kinds=", ".join(KINDS)))
    parser.add_argument("title", metavar="TITLE", help=_("the title (judul)"))
    parser.add_argument("--no-branch", action="store_true", help=_("write the file on the current branch"))
    parser.add_argument("--slug", help=_("the address part (default: from the title)"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    root = find_root()
    config: SiteConfig = load_config(root)
    if args.kind not in KINDS:
        raise UsageError(_("unknown kind '{kind}'{suggestion}; use one of {kinds}", kind=args.kind,
                           suggestion=suggest(args.kind, KINDS), kinds=", ".join(KINDS)))
    title = " ".join(args.title.split())
    if not title:
        raise UsageError(_("the title is empty"))
    slug = args.slug or slugify(title)
    if not slug or not SLUG_RE.match(slug):
        raise UsageError(_("'{slug}' is not a usable slug: give one with --slug (a-z, 0-9 and hyphens)", slug=slug))
    now = dt.datetime.now(config.tz)
    rel = item_path(args.kind, slug, now)
    target = root / rel
    if target.exists():
        raise WartaError(_("{path} already exists", path=rel))
    git = Git(root)
    if not args.no_branch:
        main = config.approvals.main_branch
        start = next((r for r in (f"refs/heads/{main}", f"refs/remotes/origin/{main}")
                      if git.rev_parse(r) is not None), None)
        if start is None:
            raise WartaError(_("the main branch '{main}' does not exist yet: commit the site first "
                               "(warta init makes the first commit), or use --no-branch", main=main))
        branch = f"rilis/{slug}"
        if git.branch_exists(branch):
            raise WartaError(_("branch {branch} already exists: switch to it (git switch {branch}) or choose "
                               "another --slug", branch=branch))
        if git.read_blobs([f"{start}:{rel}"]):
            raise WartaError(_("{path} already exists on {main}", path=rel, main=main))
        git.create_branch(branch, start)
        output.info(_("on new branch {branch} (from {main})", branch=branch, main=main))
    target.parent.mkdir(parents=True, exist_ok=True)
    sop_id = config.sop_for_kind(args.kind)
    try:
        sop = load_sops(root).get(sop_id)
    except ConfigError:
        sop = None  # warta check reports the SOP files; the template still has the kind's own fields
    target.write_text(skeleton(args.kind, title, now, sop, sop_id), encoding="utf-8")
    print(rel)
    output.info(_("fill in the fields marked WAJIB, run warta check, then git add and git commit"))
    return 0
