"""warta publish with a content plan on main: it is numbered and filed in the archive like any approved
item (DESIGN section 3), and nothing of it reaches the site or a channel."""

from __future__ import annotations

from pathlib import Path

import pytest
from approvals_helpers import Person, Site, make_site, people_yaml
from publish_helpers import PUBLISH_YML, approved_release, isolated_env, live_files, outbox, publish, records
from report_helpers import INTERNAL_ROLES, PROJECT, plan_text, with_kinds

PLAN = "content/rencana-konten/2025/triwulan-ii.md"


@pytest.fixture
def site(tmp_path: Path, cast: dict[str, Person], monkeypatch: pytest.MonkeyPatch) -> Site:
    config = with_kinds(PUBLISH_YML, '  rencana-konten: {sop: rencana-konten, klasifikasi: "400.14.9"}\n')
    people = people_yaml(cast, overrides={"dwi": ("kasubbag", "sub_koordinator"),
                                          "hendro": ("sekdin", "koordinator")})
    made = make_site(tmp_path, cast, extra={
        "warta.yml": config,
        "sop/rencana-konten.yaml": (PROJECT / "sop" / "rencana-konten.yaml").read_text(encoding="utf-8"),
        "sop/people.yaml": people.replace("roles:\n", "roles:\n" + INTERNAL_ROLES, 1)})
    for key, value in isolated_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    return made


def test_an_approved_plan_is_archived_and_never_published(site: Site) -> None:
    c = site.cast
    site.switch("rencana/q2", create=True)
    site.write(PLAN, plan_text("2025-Q2", [("Pembukaan Pasar Rahasia", "2025-05", "Rina Lestari")])
               .replace("2026-10-01", "2025-04-01"))
    site.commit("Rencana konten triwulan II", c["dwi"])
    site.record(c["hendro"], PLAN, 2, "koordinator")
    site.record(c["wahyu"], PLAN, 3, "kepala_dinas")
    site.merge("rencana/q2", c["wahyu"])
    release = approved_release(site, "bantuan-bibit")
    proc = publish(site)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    filed = records(site.root)
    # numbered and filed like the release, under the kind's classification
    assert filed[PLAN]["kind"] == "rencana-konten" and filed[PLAN]["number"].startswith("400.14.9/")
    assert [a["role"] for a in filed[PLAN]["approvals"]] == ["koordinator", "kepala_dinas"]
    assert release in filed
    # no page, list, feed or register row of the site shows it, and no channel got it
    for rel in live_files(site.root):
        path = site.root / "_site" / rel
        if path.suffix in (".html", ".xml", ".json", ".txt"):
            assert "Pembukaan Pasar Rahasia" not in path.read_text(encoding="utf-8", errors="replace"), rel
            assert "rencana-konten" not in path.read_text(encoding="utf-8", errors="replace"), rel
    assert not any("triwulan" in name or "rencana" in name for name in outbox(site.root))
