"""``warta demo [DIR]``: the whole main job on the embedded defaults, end to end.

1. A site repository with the example content of a Bantul office (its root commit is the trusted
   bootstrap: the example items count as imported legacy), and example people whose SSH keys are
   generated *outside* the repository (``DIR.keys/``); only their public keys go into ``people.yaml``.
   So is the key of the publishing identity (``DIR.keys/warta-publish``, the ``pipeline:`` entry): the
   final ``warta publish`` gets it in ``WARTA_SIGNING_KEY``, as CI does from a protected secret, and
   signs the archive register with it.
2. One press release walked through its SOP chain (Pemutakhiran Website): the operator writes it on a
   branch, the Kasubbag approves (signed), the Sekdin returns it with a reason, the operator fixes it,
   the chain starts again, both approve (signed), and the branch is merged with a merge commit.
3. The quarter's content plan (rencana-konten, docs/report.md) on its own branch: the Sub Koordinator
   sets the table (the release and one item still to come), the Koordinator signs it, the Kepala Dinas
   receives it (both signed), and it is merged; so the report compares the plan with what was published.
4. ``warta publish`` on main: every chain re-checked, archive numbers allocated and tagged, photos made
   safe, the site built and deployed to ``DIR/_site``, payloads written to ``DIR/_outbox``, records
   committed.
5. The approval checklist of the release, and where to look.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from pipeline.cli import main as warta_main
from pipeline.errors import UsageError, WartaError
from pipeline.git import Git
from pipeline.i18n import _, get_language
from pipeline.identity import SIGNING_KEY_ENV
from pipeline.init import REGISTER_BRANCH, add_pipeline_entry, first_commit, init_site, make_signing_key
from pipeline.report.demo import write_demo_report
from pipeline.signers import write_signers

MARKER = ".warta-demo"
DEMO_REFS = "warta-demo-refs"  # in .git: the refs the demo left, so a re-run knows what is the user's
RELEASE_TITLE = "Dinas PMK Latih 40 Kader Digital Kalurahan untuk Pengelolaan Website Kalurahan"

# Who acts in the demo (all invented, from the example sop/people.yaml).
OPERATOR = ("Rina Lestari", "rina.lestari@example.go.id")
KASUBBAG = ("Dwi Astuti", "dwi.astuti@example.go.id")
SEKDIN = ("Hendro Wibowo", "hendro.wibowo@example.go.id")
SUB_KOORDINATOR = ("Fajar Nugroho", "fajar.nugroho@example.go.id")
KOORDINATOR = ("Endang Susilowati", "endang.susilowati@example.go.id")
KEPALA_DINAS = ("Wahyu Hidayat", "wahyu.hidayat@example.go.id")
ADMIN = ("Admin Situs DPMK", "admin.situs@example.go.id")
PIPELINE_EMAIL = "warta-ci@example.go.id"

Say = Callable[[str], None]


def _say(message: str) -> None:
    print(message, flush=True)


def _prepare(target: Path) -> Path:
    """Make room for the demo: only a previous demo exactly as the demo left it is deleted; anything else
    (another folder, a branch or commit the user made in the demo, a changed file) is refused."""
    keys = target.with_name(target.name + ".keys")
    if target.exists():
        if not (target / MARKER).exists() and any(target.iterdir()):
            raise UsageError(_("{target} exists and is not a warta demo: choose another folder", target=target))
        if (target / MARKER).exists():
            extra = _work_not_made_by_demo(target)
            if extra:
                raise UsageError(_("{target} holds work the demo did not make ({what}); nothing was deleted: "
                                   "move that work away, or run the demo in another folder (warta demo DIR)",
                                   target=target, what="; ".join(extra)))
        shutil.rmtree(target)
    if keys.exists():
        if not (keys / MARKER).exists():
            raise UsageError(_("{keys} exists and was not made by warta demo: choose another demo folder",
                               keys=keys))
        shutil.rmtree(keys)
    keys.mkdir(parents=True)
    (keys / MARKER).write_text("Private keys of the demo's invented officials; made by warta demo.\n")
    return keys


def _refs(git: Git) -> str:
    return git.text("for-each-ref", "--format=%(objectname) %(refname)", check=False)


def _work_not_made_by_demo(target: Path) -> list[str]:
    """What is in the demo folder that the last demo run did not leave there: refs (branches, tags,
    commits) other than it recorded, and changed or new files. Empty: the demo may rebuild it."""
    git = Git(target)
    recorded = target / ".git" / DEMO_REFS
    if not recorded.is_file():
        return [_("no record of what the demo made")]
    before = dict(line.split(" ", 1)[::-1] for line in recorded.read_text(encoding="utf-8").splitlines() if line)
    now = dict(line.split(" ", 1)[::-1] for line in _refs(git).splitlines() if line)
    changed = sorted(ref for ref in set(before) ^ set(now) | {r for r in now if before.get(r, now[r]) != now[r]})
    # refs the demo's own publish moves or adds (the decisions ref, archive tags) come from the demo run
    out = [_("ref {ref}", ref=ref.removeprefix("refs/heads/")) for ref in changed]
    dirty = git.text("status", "--porcelain", "--untracked-files=all", check=False).splitlines()
    out.extend(_("changed file {path}", path=line[3:]) for line in dirty if line.strip())
    return out


def _record_refs(target: Path) -> None:
    (target / ".git" / DEMO_REFS).write_text(_refs(Git(target)), encoding="utf-8")


def _keygen(keys: Path, email: str) -> Path:
    private = keys / email.split("@")[0]
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", email, "-f", str(private)],
                   check=True, capture_output=True)
    return private


def _add_keys(people_file: Path, public: dict[str, str]) -> None:
    """Put each person's public key into the ``ssh_keys: []`` line of their entry (comments kept)."""
    lines = people_file.read_text(encoding="utf-8").splitlines(keepends=True)
    current: str | None = None
    out = []
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("email:"):
            current = stripped.split(":", 1)[1].strip()
        if stripped == "ssh_keys: []" and current in public:
            indent = line[: len(line) - len(line.lstrip())]
            line = f'{indent}ssh_keys: ["{public[current]}"]\n'
        out.append(line)
    people_file.write_text("".join(out), encoding="utf-8")


def _act_as(git: Git, person: tuple[str, str], key: Path | None) -> None:
    """What each person's own computer would have configured: identity and signing key."""
    git.run("config", "user.name", person[0])
    git.run("config", "user.email", person[1])
    git.run("config", "gpg.format", "ssh")
    if key is not None:
        git.run("config", "user.signingkey", str(key))
    else:
        git.run("config", "--unset", "user.signingkey", check=False)


def _warta(site: Path, *args: str) -> int:
    here = Path.cwd()
    try:
        # in the language the demo speaks (--lang, WARTA_LANG), not the example site's own
        return warta_main(["--lang", get_language(), "-C", str(site), *args])
    finally:
        os.chdir(here)


def _must(site: Path, *args: str) -> None:
    code = _warta(site, *args)
    if code != 0:
        raise WartaError(_("demo step 'warta {args}' exited {code}", args=" ".join(args), code=code))


RELEASE_BODY = """\
**Bantul** — Dinas Pemberdayaan Masyarakat dan Kalurahan (DPMK) Kabupaten Bantul melatih 40 kader digital
dari 20 kalurahan untuk mengelola website kalurahan. Pelatihan berlangsung dua hari di aula dinas dan
ditutup dengan praktik mengunggah informasi publik secara langsung.

Kepala Dinas PMK dalam sambutannya menyampaikan bahwa website kalurahan adalah etalase pelayanan
informasi publik. "Informasi yang cepat dan benar membantu warga mengawasi pembangunan di kalurahannya,"
ujarnya.

Materi pelatihan meliputi penulisan berita yang memenuhi kaidah jurnalistik, pengelolaan foto tanpa data
lokasi, serta perlindungan data pribadi warga sesuai Undang-Undang Nomor 27 Tahun 2022. Setiap peserta
juga menyusun daftar informasi publik kalurahannya.

Pelatihan akan dilanjutkan dengan pendampingan di masing-masing kalurahan hingga akhir triwulan.
"""


def _write_release(site: Path, rel: str, *, with_location: bool) -> None:
    path = site / rel
    text = path.read_text(encoding="utf-8")
    head = text.split("---\n")[1]
    date_line = next(line for line in head.splitlines() if line.startswith("date:"))
    extra = "lokasi: Aula Dinas PMK Kabupaten Bantul\n" if with_location else ""
    path.write_text(
        "---\n"
        f'title: "{RELEASE_TITLE}"\n'
        f"{date_line}\n"
        "kind: siaran-pers\n"
        "sop: pemutakhiran-website\n"
        "summary: Empat puluh kader digital dari 20 kalurahan dilatih mengelola website kalurahan.\n"
        "tags: [pelatihan, website kalurahan, keterbukaan informasi]\n"
        "image: ../../media/2026/kader-posyandu-praktik.jpg\n"
        "image_alt: Peserta pelatihan duduk mengelilingi meja bundar menghadap dua layar presentasi\n"
        "disposisi:\n"
        '  nomor: "045/318/DPMK"\n'
        f"  tanggal: {date_line.split()[1]}\n"
        "  jenis_berita: kegiatan\n"
        f"{extra}"
        "---\n" + RELEASE_BODY,
        encoding="utf-8",
    )


OTHER_PLANNED = "Jadwal Pendampingan Website Kalurahan"  # planned for the release's month, not written yet
EARLIER_PLANNED = "Sosialisasi Keterbukaan Informasi di Kalurahan"  # planned a month earlier, never written
ROMAN = ("I", "II", "III", "IV")


def _write_plan(site: Path, git: Git, private: dict[str, Path], rel: str, say: Say) -> str:
    """The content plan of the release's quarter, set, signed, received and merged into main; its path."""
    day = next(line for line in (site / rel).read_text(encoding="utf-8").splitlines()
               if line.startswith("date:")).split()[1][:10]
    year, month = int(day[:4]), int(day[5:7])
    quarter = (month - 1) // 3 + 1
    path = f"content/rencana-konten/{year}/triwulan-{ROMAN[quarter - 1].lower()}.md"
    branch = f"rencana/{year}-q{quarter}"
    say("\n" + _("== 7. The Sub Koordinator sets the content plan of {year}-Q{quarter} on {branch}",
                  year=year, quarter=quarter, branch=branch))
    _act_as(git, SUB_KOORDINATOR, private[SUB_KOORDINATOR[1]])
    git.run("switch", "-q", "-c", branch, "main")
    (site / path).parent.mkdir(parents=True, exist_ok=True)
    bulan = f"{year}-{month:02d}"
    earlier = ""  # a row of an earlier month of the quarter, never published: belum terbit in the quarter's report
    if month > 3 * quarter - 2:
        earlier = (f'  - {{judul: "{EARLIER_PLANNED}", kind: berita, bulan: "{year}-{month - 1:02d}", '
                   f"penanggung_jawab: {OPERATOR[0]}}}\n")
    (site / path).write_text(
        "---\n"
        f"title: Rencana Konten Triwulan {ROMAN[quarter - 1]} {year}\n"
        f"date: {year}-{3 * quarter - 2:02d}-01\n"
        f"periode: {year}-Q{quarter}\n"
        "rencana:\n"
        f'  - {{judul: "{RELEASE_TITLE}", kind: siaran-pers, bulan: "{bulan}", '
        f"penanggung_jawab: {OPERATOR[0]}, item: {rel}}}\n"
        f'  - {{judul: "{OTHER_PLANNED}", kind: pengumuman, bulan: "{bulan}", penanggung_jawab: {OPERATOR[0]}}}\n'
        f"{earlier}"
        "---\n"
        "Tabel konten yang akan dipublikasikan pada triwulan ini, diserahkan kepada Kepala Dinas.\n",
        encoding="utf-8",
    )
    _must(site, "check", path)
    git.run("add", path)
    git.run("commit", "-q", "-S", "-m", f"Rencana konten {year}-Q{quarter}")
    say("   " + _("the Koordinator signs it (step 2), the Kepala Dinas receives it (step 3)"))
    _act_as(git, KOORDINATOR, private[KOORDINATOR[1]])
    _must(site, "approve", "-m", "Tabel konten ditandatangani", path)
    _act_as(git, KEPALA_DINAS, private[KEPALA_DINAS[1]])
    _must(site, "approve", "-m", "Tabel konten diterima", path)
    _act_as(git, ADMIN, None)
    git.run("switch", "-q", "main")
    git.run("merge", "-q", "--no-ff", "--no-gpg-sign", "-m", f"Merge {branch}", branch)
    return path


# Long on purpose: the demo's story, step by step as the README tells it.
def run_demo(target: Path, say: Say = _say) -> int:
    """Build the demo in ``target``; returns the exit code of the final publish."""
    target = target.resolve()
    keys = _prepare(target)
    say(_("== 1. The example site in {target} (the officials' SSH keys in {keys}, outside the repository)",
          target=target, keys=keys))
    init_site(target, example=True, commit=False)  # the register on its own branch, as warta init writes it
    (target / MARKER).write_text("Made by warta demo; 'warta demo' may delete and rebuild this folder.\n")
    with (target / ".gitignore").open("a", encoding="utf-8") as handle:
        handle.write(f"{MARKER}\n")
    public: dict[str, str] = {}
    private: dict[str, Path] = {}
    for _name, email in (OPERATOR, KASUBBAG, SEKDIN, SUB_KOORDINATOR, KOORDINATOR, KEPALA_DINAS):
        private[email] = _keygen(keys, email)
        public[email] = Path(f"{private[email]}.pub").read_text(encoding="utf-8").strip()
    _add_keys(target / "sop" / "people.yaml", public)
    ci_key, ci_public = make_signing_key(keys)
    add_pipeline_entry(target / "sop" / "people.yaml", email=PIPELINE_EMAIL, public_key=ci_public)
    first_commit(target, example=True, author=ADMIN)
    signers, _count = write_signers(target)  # plain git shows who signed each approval (docs/archive.md)
    git = Git(target)

    say("\n" + _("== 2. The operator writes a press release on a branch rilis/…"))
    _act_as(git, OPERATOR, private[OPERATOR[1]])
    here = Path.cwd()
    try:
        os.chdir(target)
        proc = subprocess.run([sys.executable, "-m", "pipeline", "new", "siaran-pers", RELEASE_TITLE],
                              capture_output=True, text=True, check=False)
    finally:
        os.chdir(here)
    if proc.returncode != 0:
        raise WartaError(_("warta new failed: {reason}", reason=proc.stderr.strip()))
    rel = proc.stdout.strip().splitlines()[-1]
    branch = git.current_branch() or ""
    say("   " + _("{path} on {branch}", path=rel, branch=branch))
    _write_release(target, rel, with_location=False)
    _must(target, "check", rel)
    git.run("add", rel)
    git.run("commit", "-q", "-S", "-m", f"Siaran pers: {RELEASE_TITLE}")  # content is signed (rule 4)
    _must(target, "status", rel)

    say("\n" + _("== 3. The Kasubbag checks it and gives the paraf (step 2, signed with SSH)"))
    _act_as(git, KASUBBAG, private[KASUBBAG[1]])
    _must(target, "approve", "-m", "Sudah sesuai tata naskah dinas", rel)

    say("\n" + _("== 4. The Sekdin returns it with a reason (step 3)"))
    _act_as(git, SEKDIN, private[SEKDIN[1]])
    _must(target, "return", "--reason", "Lengkapi lokasi kegiatan pada siaran pers", rel)
    _warta(target, "status", rel)

    say("\n" + _("== 5. The operator fixes it; the approval chain starts again"))
    _act_as(git, OPERATOR, private[OPERATOR[1]])
    _write_release(target, rel, with_location=True)
    git.run("commit", "-q", "-S", "-am", "Lengkapi lokasi kegiatan")
    _act_as(git, KASUBBAG, private[KASUBBAG[1]])
    _must(target, "approve", "-m", "Sudah sesuai", rel)
    _act_as(git, SEKDIN, private[SEKDIN[1]])
    _must(target, "approve", "-m", "Disetujui untuk diinput ke website", rel)
    _must(target, "verify")

    say("\n" + _("== 6. Merge into main with a merge commit (git merge --no-ff {branch})", branch=branch))
    _act_as(git, ADMIN, None)
    git.run("switch", "-q", "main")
    git.run("merge", "-q", "--no-ff", "--no-gpg-sign", "-m", f"Merge {branch}", branch)

    plan = _write_plan(target, git, private, rel, say)

    say("\n" + _("== 8. warta publish on main (signs the archive with the key {key}, through {env})", key=ci_key,
                  env=SIGNING_KEY_ENV))
    os.environ[SIGNING_KEY_ENV] = ci_key.read_text(encoding="utf-8")  # as CI passes its protected secret
    try:
        code = _warta(target, "publish")
    finally:
        os.environ.pop(SIGNING_KEY_ENV, None)  # publish took it out already; never leave it behind

    say("\n" + _("== 9. The release's status and the plan's"))
    _warta(target, "status", rel)
    _warta(target, "status", plan)
    _record_refs(target)
    report = write_demo_report(target)  # warta report of the release's month (docs/report.md)
    site_index = target / "_site" / "index.html"
    exe = Path(sys.executable).parent / "warta"
    warta = str(exe) if exe.is_file() else "warta"
    say("\n" + _("Done. Look at:"))
    say("  " + _("site         {index}   (or: {warta} -C {target} serve, then open http://127.0.0.1:8000/)",
                 index=site_index, warta=warta, target=target))
    say("  " + _("archive      {warta} -C {target} archive list   (the register on the branch {branch}: git -C {target} "
                 "log --show-signature {branch})", warta=warta, target=target, branch=REGISTER_BRANCH))
    say("  " + _("outbox       {folder}   (social media payloads and videotron slides)", folder=target / "_outbox"))
    say("  " + _("git history  git -C {target} log --show-signature --format=fuller   (signers: {signers})",
                 target=target, signers=signers))
    if report is not None:
        say("  " + _("report       {report}   ({warta} -C {target} report --format html)", report=report, warta=warta,
                     target=target))
    return code
