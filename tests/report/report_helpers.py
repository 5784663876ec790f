"""Site repositories with known timestamps for the report tests.

The tests' own tooling: commits are made with ``GIT_AUTHOR_DATE``/``GIT_COMMITTER_DATE`` set to the moment
a test names, records are written with plain git (tests/approvals_helpers.py), archive records by hand
from the documented format (docs/archive.md).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

from approvals_helpers import (
    SOP_INFO,
    SOP_RILIS,
    WARTA_YML,
    Person,
    Site,
    item_text,
    people_yaml,
)

WIB = ZoneInfo("Asia/Jakarta")
HOLIDAYS = '  holidays: ["2026-12-25"]\n'


def wib(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=WIB)


class TimedSite(Site):
    """A :class:`Site` whose commits carry the moment set with :meth:`at` (WIB)."""

    clock: str | None = None

    def at(self, text: str) -> TimedSite:
        self.clock = wib(text).isoformat()
        return self

    def env(self, person: Person | None = None, *, sign: bool = True) -> dict[str, str]:
        env = super().env(person, sign=sign)
        if self.clock is not None:
            env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = self.clock
        return env

    def archive(self, path: str, title: str, number: int, published: str | None, *,
                channels: tuple[tuple[str, str], ...] = ()) -> None:
        """Write the archive record of ``path`` as warta publish does (docs/archive.md), on main."""
        digest = self.digest(path)
        slug = Path(path).stem
        posted = "".join(f"- channel: {name}\n  at: {wib(when).isoformat()}\n  url: null\n  digest: null\n"
                         for name, when in channels)
        stamp = wib(published).isoformat() if published else "null"
        text = (
            f"record_format: 1\nnumber: 400.14.5.6/{number}/UJI/2026\nurut: {number}\ntahun: 2026\n"
            f"path: {path}\ntitle: {title}\nkind: {path.split('/')[1]}\ndigest: {digest}\n"
            "klasifikasi: {code: 400.14.5.6, title: Hubungan dengan media massa, scheme: permendagri-83-2022}\n"
            f"published_at: {stamp}\n" + (f"channels:\n{posted}" if posted else "channels: []\n")
            + "approvals:\n- {step: 3, kegiatan: Menyetujui rilis, role: sekdin, role_title: Sekretaris Dinas, "
            f"name: Hendro Wibowo, email: hendro@dinas.example.go.id, at: {stamp}, digest: '{digest}', "
            f"source: {{type: git, commit: {self.head()}}}}}\n"
        )
        text += f"versions:\n- digest: {digest}\n  approved_at: {wib(published or '2026-01-01 00:00').isoformat()}\n"
        self.write(f"arsip/2026/400.14.5.6/{number:04d}-{slug}.yaml", text)


def timed_site(tmp_path: Path, cast: dict[str, Person], *, start: str = "2026-10-01 08:00",
               extra_config: str = HOLIDAYS, top_config: str = "") -> TimedSite:
    """A repository whose root commit (the trusted bootstrap, at ``start``) holds warta.yml with the
    default office hours and ``extra_config`` in its site section, the test SOPs and people."""
    root, home = tmp_path / "site", tmp_path / "home"
    root.mkdir()
    home.mkdir()
    site = TimedSite(root, cast, home)
    config = WARTA_YML % {"signatures": "true"}
    site.write("warta.yml", config.replace("  unit_code: UJI\n", "  unit_code: UJI\n" + extra_config, 1) + top_config)
    site.write("sop/rilis-uji.yaml", SOP_RILIS)
    site.write("sop/info-uji.yaml", SOP_INFO)
    site.write("sop/people.yaml", people_yaml(cast))
    site.write(".gitignore", ".warta-cache/\n")
    site.git("init", "-q", "-b", "main")
    site.at(start).commit("Bootstrap", cast["wahyu"])
    return site


def dated(text: str) -> str:
    """The helpers' item text dated in 2026 (the year of the folders the report tests use)."""
    return text.replace("date: 2025-03-04", "date: 2026-11-02")


def submit(site: TimedSite, slug: str, when: str, *, author: str = "rina", text: str | None = None,
           year: int = 2026) -> str:
    """A release branch rilis/<slug> from main with one new press release, committed at ``when``."""
    path = f"content/siaran-pers/{year}/{slug}.md"
    site.switch(f"rilis/{slug}", create=True)
    site.write(path, dated(text or item_text(title=slug.replace("-", " ").title(), body=f"Isi rilis {slug}.")))
    site.at(when).commit(f"Rilis {slug}", site.cast[author])
    return path


def november_office(tmp_path: Path, cast: dict[str, Person], top_config: str = "") -> TimedSite:
    """The history the report tests compute by hand (every time WIB; office Monday-Friday 07:30-16:00;
    25 December 2026 a holiday; SOP rilis-uji: step 2 kasubbag 15 menit, step 3 sekdin 15 menit, step 4
    publish 5 menit; SOP info-uji the same steps).

    A  bantuan-bibit  Mon 2 Nov: written 09:00, step 2 09:10, step 3 09:40, merged 09:45, published 10:00.
    B  pasar-murah    Fri 6 Nov: written 15:30, step 2 15:50; Mon 9 Nov 08:00 returned at step 3 ("Foto
                      kurang jelas"); fixed 10:00, step 2 10:05, step 3 10:15, merged 10:20, published 10:30.
    D  banjir         Tue 10 Nov: serta-merta information written 08:00, force-published by the Kepala
                      Dinas 08:05, merged 08:10, published 08:20; steps 2 and 3 still to approve.
    C  natal          Thu 24 Dec: written 15:50, step 2 Mon 28 Dec 07:35 (Friday 25 is a holiday), merged
                      08:00; step 3 still open.
    """
    from approvals_helpers import info_text

    site = timed_site(tmp_path, cast, top_config=top_config)
    c = cast
    a = submit(site, "bantuan-bibit", "2026-11-02 09:00")
    site.at("2026-11-02 09:10").record(c["dwi"], a, 2, "kasubbag")
    site.at("2026-11-02 09:40").record(c["hendro"], a, 3, "sekdin")
    site.at("2026-11-02 09:45").merge("rilis/bantuan-bibit", c["hendro"])
    site.archive(a, "Bantuan Bibit", 1, "2026-11-02 10:00", channels=(("facebook", "2026-11-02 10:00"),))
    site.at("2026-11-02 10:00").commit("arsip: bantuan-bibit", c["wahyu"])

    b = submit(site, "pasar-murah", "2026-11-06 15:30")
    site.at("2026-11-06 15:50").record(c["dwi"], b, 2, "kasubbag")
    site.at("2026-11-09 08:00").record(c["hendro"], b, 3, "sekdin", decision="return", note="Foto kurang jelas")
    site.write(b, dated(item_text(title="Pasar Murah", body="Isi rilis pasar-murah, foto diganti.")))
    site.at("2026-11-09 10:00").commit("perbaiki foto", c["rina"])
    site.at("2026-11-09 10:05").record(c["dwi"], b, 2, "kasubbag")
    site.at("2026-11-09 10:15").record(c["hendro"], b, 3, "sekdin")
    site.at("2026-11-09 10:20").merge("rilis/pasar-murah", c["hendro"])
    site.archive(b, "Pasar Murah", 2, "2026-11-09 10:30")
    site.at("2026-11-09 10:30").commit("arsip: pasar-murah", c["wahyu"])

    d = "content/informasi-publik/2026/banjir.md"
    site.switch("rilis/banjir", create=True)
    site.write(d, dated(info_text("serta-merta")))
    site.at("2026-11-10 08:00").commit("peringatan banjir", c["rina"])
    site.at("2026-11-10 08:05").record(c["wahyu"], d, 2, "kepala_dinas", decision="force")
    site.at("2026-11-10 08:10").merge("rilis/banjir", c["wahyu"])
    site.archive(d, "Peringatan Dini Banjir", 3, "2026-11-10 08:20")
    site.at("2026-11-10 08:20").commit("arsip: banjir", c["wahyu"])

    n = submit(site, "natal", "2026-12-24 15:50")
    site.at("2026-12-28 07:35").record(c["dwi"], n, 2, "kasubbag")
    site.at("2026-12-28 08:00").merge("rilis/natal", c["hendro"])
    return site


PROJECT = Path(__file__).resolve().parents[2]
INTERNAL_CONFIG = """\
  rencana-konten: {sop: rencana-konten, klasifikasi: "400.14.9"}
  evaluasi: {sop: evaluasi-kinerja-koordinator, other_sops: [evaluasi-pengelolaan-web], klasifikasi: "400.14.9"}
"""
INTERNAL_ROLES = "  koordinator: Koordinator (Kepala Bidang)\n  sub_koordinator: Sub Koordinator\n"


def with_kinds(config: str, lines: str) -> str:
    """``config`` with ``lines`` added to its kinds section (after the halaman kind)."""
    at = re.search(r"^  halaman:.*\n", config, re.M)
    assert at is not None, config
    return config[:at.end()] + lines + config[at.end():]


def planning_office(tmp_path: Path, cast: dict[str, Person]) -> TimedSite:
    """A site using the internal kinds with the project's seed 004 SOP files: Dwi is also Sub Koordinator,
    Hendro also Koordinator (Kepala Bidang), Wahyu the Kepala Dinas. Bootstrapped 1 October 2026."""
    root, home = tmp_path / "site", tmp_path / "home"
    root.mkdir()
    home.mkdir()
    site = TimedSite(root, cast, home)
    config = with_kinds(WARTA_YML % {"signatures": "true"}, INTERNAL_CONFIG)
    site.write("warta.yml", config)
    site.write("sop/rilis-uji.yaml", SOP_RILIS)
    site.write("sop/info-uji.yaml", SOP_INFO)
    for name in ("rencana-konten", "evaluasi-kinerja-koordinator", "evaluasi-pengelolaan-web"):
        site.write(f"sop/{name}.yaml", (PROJECT / "sop" / f"{name}.yaml").read_text(encoding="utf-8"))
    people = people_yaml(cast, overrides={"dwi": ("kasubbag", "sub_koordinator"),
                                          "hendro": ("sekdin", "koordinator")})
    site.write("sop/people.yaml", people.replace("roles:\n", "roles:\n" + INTERNAL_ROLES, 1))
    site.write(".gitignore", ".warta-cache/\n")
    site.git("init", "-q", "-b", "main")
    site.at("2026-10-01 08:00").commit("Bootstrap", cast["wahyu"])
    return site


def plan_text(periode: str, rows: list[tuple[str, str, str]]) -> str:
    lines = [f"  - {{judul: {judul}, kind: siaran-pers, bulan: '{bulan}', penanggung_jawab: {pj}}}"
             for judul, bulan, pj in rows]
    return (f"---\ntitle: Rencana Konten {periode}\ndate: 2026-10-01\nperiode: {periode}\nrencana:\n"
            + "\n".join(lines) + "\n---\nTabel konten yang akan dipublikasikan.\n")


def evaluation_text(periode: str, report_rev: str, sop: str | None = None) -> str:
    extra = f"sop: {sop}\n" if sop else ""
    return (f"---\ntitle: Evaluasi {periode}\ndate: 2026-11-03\n{extra}periode: '{periode}'\n"
            f"report_rev: {report_rev}\n---\nHasil rapat evaluasi.\n")
