"""One truth across commands: `warta approve` refuses what `warta check` rejects, with the same findings,
and `warta status` shows them as what blocks the item."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from approvals_helpers import Person, Site, isolated_site, item_text, release


@pytest.fixture
def site(tmp_path: Path, cast: dict[str, Person], monkeypatch: pytest.MonkeyPatch) -> Site:
    return isolated_site(tmp_path, cast, monkeypatch)


BROKEN = item_text(body="Tulis isi di sini.", summary='""')  # the template's placeholder, an empty summary


def check_lines(site: Site) -> list[str]:
    proc = site.cli("check")
    assert proc.returncode == 1
    return [line for line in proc.stdout.splitlines() if ": error: " in line]


def test_approve_refuses_an_item_check_rejects_with_the_same_findings(site: Site) -> None:
    path = release(site, text=BROKEN)
    expected = check_lines(site)
    assert any(line.endswith("[text.placeholder]") for line in expected)
    assert any(line.endswith("[text.empty]") for line in expected)
    proc = site.cli("approve", person=site.cast["dwi"])
    assert proc.returncode == 1
    refused = proc.stderr.splitlines()
    assert refused[:-1] == expected  # the same lines warta check prints
    assert refused[-1] == f"{path}: refused: warta check finds 2 errors: fix them and commit, then approve"
    assert site.git("log", "-1", "--format=%s") == "Rilis bantuan-bibit"  # nothing was written
    verify = site.cli("verify")
    assert verify.returncode == 1  # not approved


def test_a_fixed_item_is_approved(site: Site) -> None:
    path = release(site, text=BROKEN)
    assert site.cli("approve", person=site.cast["dwi"]).returncode == 1
    site.write(path, item_text(body="Bantul — bibit cabai diserahkan kepada 12 kelompok tani."))
    site.commit("Isi rilis", site.cast["rina"])
    proc = site.cli("approve", person=site.cast["dwi"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"{path}: approved step 2")


def test_return_is_allowed_for_a_broken_item(site: Site) -> None:
    release(site, text=BROKEN)
    proc = site.cli("return", "--reason", "Isi belum ditulis", person=site.cast["dwi"])
    assert proc.returncode == 0, proc.stderr


def test_status_shows_the_findings_that_block_an_item(site: Site) -> None:
    path = release(site, text=BROKEN)
    expected = check_lines(site)
    proc = site.cli("status")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.splitlines()
    header = out.index(f"{path}: blocked: warta check finds 2 errors; warta approve refuses it until they are "
                       "fixed:")
    assert [line.strip() for line in out[header + 1:header + 3]] == expected
    doc = json.loads(site.cli("status", "--json").stdout)
    (item,) = [i for i in doc["items"] if i["path"] == path]
    assert sorted(f["code"] for f in item["findings"]) == ["text.empty", "text.placeholder"]


def test_status_of_a_clean_item_shows_no_blocking_findings(site: Site) -> None:
    path = release(site)
    assert "blocked:" not in site.cli("status").stdout
    doc = json.loads(site.cli("status", "--json").stdout)
    (item,) = [i for i in doc["items"] if i["path"] == path]
    assert item["findings"] == []


def test_status_with_nothing_open_does_not_load_the_content_check(site: Site) -> None:
    import subprocess
    import sys

    code = ("import sys\nfrom pipeline.cli import main\ncode = main(['status'])\n"
            "print('LOADED' if 'pipeline.check' in sys.modules else 'LEAN', code)\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=site.root, env=site.env(), capture_output=True, text=True,
                          timeout=120)
    assert proc.stdout.strip().splitlines()[-1] == "LEAN 0", proc.stdout + proc.stderr


def collector_states(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> list[bool]:
    """Whether the cyclic collector was enabled at each call of ``module.name`` (which still runs)."""
    import gc

    seen: list[bool] = []
    real = getattr(module, name)

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, spy)
    return seen


def test_status_checks_its_items_with_the_collector_paused_and_restores_it(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """``warta status`` makes tens of thousands of objects that live until it ends (pipeline/collector.py):
    no collection pass while it judges and checks them, and the collector as it was found afterwards, also
    when the command fails."""
    import gc

    from pipeline import check

    release(site, text=BROKEN)
    seen = collector_states(monkeypatch, check, "check_items")
    assert gc.isenabled()
    assert "blocked:" in site.cli("status").stdout
    assert seen == [False] and gc.isenabled()

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("a failing check")

    monkeypatch.setattr(check, "check_items", broken)
    with pytest.raises(RuntimeError):
        site.cli("status")
    assert gc.isenabled()


def test_check_checks_with_the_collector_paused_and_restores_it(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    from pipeline.commands import check as check_command

    release(site, text=BROKEN)
    seen = collector_states(monkeypatch, check_command, "check_site")
    assert gc.isenabled()
    assert site.cli("check").returncode == 1  # the placeholder text: the same findings as ever
    assert seen == [False] and gc.isenabled()
