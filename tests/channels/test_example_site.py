"""The issue's "done when" on the example site (the five SOPs of the seeds, its people, its publishing
identity): with local servers standing in for the platforms, ``warta publish`` posts each newly published
release exactly once to the channels its SOP names, the post links appear in the archive record and the
link report, and a press release under seed 002 goes to no social channel."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from approvals_helpers import PROJECT
from channel_servers import TOKEN, WEBHOOK_SECRET, Platforms
from publish_helpers import PHOTOS

from pipeline.init import add_pipeline_entry, first_commit, init_site, make_signing_key

PEOPLE = {"rina": "rina.lestari@example.go.id", "fajar": "fajar.nugroho@example.go.id",
          "yuli": "yuli.rahmawati@example.go.id", "wahyu": "wahyu.hidayat@example.go.id",
          "endang": "endang.susilowati@example.go.id", "agus": "agus.santoso@example.go.id",
          "hendro": "hendro.wibowo@example.go.id", "dwi": "dwi.astuti@example.go.id"}


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "WARTA_"))}
    env.update({"HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": str(home / "gitconfig"),
                "PYTHONPATH": str(PROJECT), "WARTA_LANG": "en", **extra})
    return env


class Office:
    def __init__(self, root: Path, keys: Path, home: Path) -> None:
        self.root, self.keys, self.home = root, keys, home

    def git(self, *args: str, check: bool = True) -> str:
        return subprocess.run(["git", *args], cwd=self.root, env=_env(self.home), check=check, capture_output=True,
                              text=True).stdout

    def act_as(self, who: str) -> None:
        self.git("config", "user.name", who.title())
        self.git("config", "user.email", PEOPLE.get(who, f"{who}@example.go.id"))
        self.git("config", "gpg.format", "ssh")
        key = self.keys / who
        if key.is_file():
            self.git("config", "user.signingkey", str(key))
        else:
            self.git("config", "--unset", "user.signingkey", check=False)

    def warta(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=self.root, env=_env(self.home, **env),
                              capture_output=True, text=True, timeout=600)

    def release(self, rel: str, text: str, approvers: list[str]) -> None:
        self.act_as("rina")
        self.git("switch", "-q", "-c", f"rilis/{Path(rel).stem}", "main")
        (self.root / rel).parent.mkdir(parents=True, exist_ok=True)
        (self.root / rel).write_text(text, encoding="utf-8")
        self.git("add", rel)
        self.git("commit", "-q", "-S", "-m", f"Rilis {Path(rel).stem}")
        for who in approvers:
            self.act_as(who)
            done = self.warta("approve", "-m", "Disetujui", rel)
            assert done.returncode == 0, done.stdout + done.stderr
        self.act_as("admin")
        self.git("switch", "-q", "main")
        self.git("merge", "-q", "--no-ff", "--no-gpg-sign", "-m", f"Merge rilis/{Path(rel).stem}",
                 f"rilis/{Path(rel).stem}")


@pytest.fixture
def example(tmp_path: Path, platforms: Platforms) -> Office:
    root, keys, home = tmp_path / "situs", tmp_path / "kunci", tmp_path / "home"
    keys.mkdir()
    home.mkdir()
    (home / "gitconfig").write_text("[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n", encoding="utf-8")
    init_site(root, example=True, commit=False)
    config = root / "warta.yml"
    text = config.read_text(encoding="utf-8")
    head, tail = text[:text.index("channels:")], text[text.index("deploy:"):]
    config.write_text(head + f"""channels:
  mastodon: {{type: mastodon, url: '{platforms.base}', token_env: T_MASTODON}}
  telegram: {{type: telegram, url: '{platforms.base}', chat_id: '@dpmkbantul', token_env: T_TELEGRAM}}
  laporan: {{type: webhook, aksi: lapor_tautan, url: '{platforms.base}/hook', token_env: T_HOOK}}
  videotron: {{type: outbox}}

""" + tail, encoding="utf-8")
    people = root / "sop" / "people.yaml"
    lines = people.read_text(encoding="utf-8").splitlines(keepends=True)
    public = {}
    for who, email in PEOPLE.items():
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", email, "-f", str(keys / who)], check=True)
        public[email] = (keys / f"{who}.pub").read_text(encoding="utf-8").strip()
    out, current = [], None
    for line in lines:
        if line.strip().startswith("email:"):
            current = line.split(":", 1)[1].strip()
        if line.strip() == "ssh_keys: []" and current in public:
            line = line.replace("ssh_keys: []", f'ssh_keys: ["{public[current]}"]')
        out.append(line)
    people.write_text("".join(out), encoding="utf-8")
    ci_key, ci_public = make_signing_key(keys)
    add_pipeline_entry(people, email="warta-ci@example.go.id", public_key=ci_public)
    first_commit(root, example=True, author=("Admin Situs DPMK", "admin.situs@example.go.id"))
    (keys / "ci-path").write_text(str(ci_key), encoding="utf-8")
    return Office(root, keys, home)


def _front(title: str, extra: str = "") -> str:
    return (f"---\ntitle: {title}\ndate: 2026-03-04\nsummary: Ringkasan {title.lower()}.\n{extra}---\n"
            "Isi naskah yang sudah disetujui.\n")


def test_the_example_site_posts_each_release_once_to_the_channels_its_sop_names(example: Office,
                                                                               platforms: Platforms) -> None:
    berita = "content/berita/2026/posyandu-digital.md"  # seed 003: kirim_medsos, lapor_tautan
    example.release(berita, _front("Posyandu Digital Kalurahan Sumbermulyo"), ["fajar", "yuli"])
    pengumuman = "content/pengumuman/2026/pasar-murah.md"  # seed 000: social media and the videotron
    example.release(pengumuman, _front("Pasar Murah Ramadan", "surat_permohonan: {nomor: 005/12/2026, tanggal: "
                                       "2026-03-01, pemohon: Bagian Perekonomian}\n"), ["wahyu", "endang", "agus"])
    siaran = "content/siaran-pers/2026/bibit-cabai.md"  # seed 002: the website and the archive only
    photo = example.root / "content" / "media" / "bibit-cabai.jpg"
    photo.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PHOTOS / "orientation_landscape_1.jpg", photo)
    example.git("add", "content/media/bibit-cabai.jpg")
    example.release(siaran, _front("Bantuan Bibit Cabai", "image: ../../media/bibit-cabai.jpg\nimage_alt: Bibit cabai\n"
                                   "disposisi: {nomor: 12/2026, tanggal: 2026-03-02, jenis_berita: kegiatan}\n"),
                    ["dwi", "hendro"])
    env = {"WARTA_SIGNING_KEY": Path((example.keys / "ci-path").read_text()).read_text(encoding="utf-8"),
           "T_MASTODON": TOKEN, "T_TELEGRAM": TOKEN, "T_HOOK": WEBHOOK_SECRET}
    example.act_as("admin")
    result = example.warta("publish", "--json", **env)
    doc = json.loads(result.stdout)
    assert result.returncode == 0, (doc.get("held"), doc.get("channel_errors"), result.stderr[-2000:])
    for kind in ("mastodon", "telegram"):
        assert sorted(p.split("\n")[0] for p in platforms.posts(kind)) == ["Pasar Murah Ramadan",
                                                                          "Posyandu Digital Kalurahan Sumbermulyo"]
    # only the announcement is on the videotron (seed 000 names tayang_videotron; 002 and 003 do not)
    playlist = json.loads(next((example.root / "_outbox" / "videotron").glob("*/playlist.json")).read_text())
    assert [s["release"] for s in playlist["slides"]] == [pengumuman]
    # the Seksi and the Ketua PPID get the links (seed 003 steps 10-11)
    [report] = platforms.posts("webhook")  # for seed 003's item only: its SOP has the lapor_tautan steps
    assert "Posyandu Digital" in report and "Pasar Murah" not in report
    # warta init puts the register on its own branch, warta-arsip (docs/archive.md); main holds no arsip/
    assert not (example.root / "arsip").exists()
    files = example.git("ls-tree", "-r", "--name-only", "warta-arsip", "--", "arsip/").split()
    record = next(r for r in (yaml.safe_load(example.git("show", f"warta-arsip:{f}")) for f in files)
                  if r["path"] == berita)
    links = {c["channel"]: c.get("url") for c in record["channels"]}
    assert str(links["telegram"]).startswith("https://t.me/dpmkbantul/")
    assert str(links["mastodon"]).startswith(f"{platforms.base}/@dinas/")
    assert str(links["telegram"]) in report
    shown = example.warta("archive", "show", berita)
    assert str(links["telegram"]) in shown.stdout, shown.stdout + shown.stderr
    reports = list((example.root / "_outbox" / "laporan-tautan").glob("*.md"))
    assert len(reports) == 1 and str(links["mastodon"]) in reports[0].read_text(encoding="utf-8")
    # the ledger commits are the publishing identity's, signed: the register trusts them
    signers = example.keys / "allowed_signers"
    signers.write_text("warta-ci@example.go.id " + Path(f"{(example.keys / 'ci-path').read_text()}.pub")
                       .read_text(encoding="utf-8"), encoding="utf-8")
    log = example.git("-c", f"gpg.ssh.allowedSignersFile={signers}", "log", "--format=%G? %GS %s", "-n", "6",
                      "warta-arsip")
    assert "G warta-ci@example.go.id Arsip: terbit kanal: percobaan" in log, log
    assert "G warta-ci@example.go.id Arsip: terbit kanal: hasil" in log, log
    # the imported example releases and pages were never announced; a second run sends nothing more
    assert example.warta("publish", **env).returncode == 0
    assert len(platforms.posts("mastodon")) == 2 and len(platforms.posts("telegram")) == 2
