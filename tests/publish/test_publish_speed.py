"""What makes a ``warta publish`` with nothing new cheap, and that none of it changes what a run does:

- the garbage collector is paused while the plan is made and the plan's objects are frozen during the
  build (pipeline/collector.py), and left as it was found, also when a stage fails;
- an unchanged item whose record already holds every approval of its version is planned without
  building its approvals again (pipeline/publish/plan.py ``_holds_chain``): the same verdict as
  ``_with_approvals`` on every item of real plans, a force publication completed afterwards included;
- a run whose last build is kept does not import the site builder (Pelican, Jinja), nor the HTTP client
  (``requests``: imported only when a channel or a forge is called).
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest
from approvals_helpers import PROJECT, Site, info_text
from publish_helpers import approved_release, publish_json

from pipeline import publish as publish_module
from pipeline.publish import lastbuild, make_plan
from pipeline.publish.plan import _holds_chain, _with_approvals, approvals_of


def test_the_collector_is_paused_for_the_plan_frozen_for_the_build_and_restored(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    approved_release(site, "bantuan-bibit")
    seen: dict[str, object] = {}
    read_items, deployed_already = publish_module.read_items, lastbuild.deployed_already

    def spy_items(*args: object, **kwargs: object) -> object:
        seen["plan"] = gc.isenabled()
        return read_items(*args, **kwargs)  # type: ignore[arg-type]

    def spy_deploy(*args: object, **kwargs: object) -> object:
        seen["build"] = (gc.isenabled(), gc.get_freeze_count() > 0)
        return deployed_already(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(publish_module, "read_items", spy_items)
    monkeypatch.setattr(lastbuild, "deployed_already", spy_deploy)
    assert gc.isenabled()
    code, doc = publish_json(site)
    assert code == 0, doc
    assert seen == {"plan": False, "build": (True, True)}
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.disable()  # a caller that runs without the collector keeps it off
    try:
        assert publish_json(site)[0] == 0
        assert not gc.isenabled() and gc.get_freeze_count() == 0
    finally:
        gc.enable()


def test_the_collector_is_restored_when_the_plan_or_the_deploy_fails(site: Site,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    approved_release(site, "bantuan-bibit")
    (site.root / "_site").write_text("not a folder", encoding="utf-8")  # the deploy refuses to replace it
    code, doc = publish_json(site)
    assert code != 0 and "_site" in json.dumps(doc), doc
    assert gc.isenabled() and gc.get_freeze_count() == 0
    (site.root / "_site").unlink()

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("a stage that dies")

    monkeypatch.setattr(publish_module, "read_items", broken)
    with pytest.raises(RuntimeError):
        publish_module.publish(site.root)
    assert gc.isenabled() and gc.get_freeze_count() == 0


def _verdicts(root: Path) -> list[tuple[str, bool, bool]]:
    """(path, _holds_chain, _with_approvals would add nothing) of every item of the plan with a record."""
    plan = make_plan(root)
    assert plan.snapshot is not None
    report = plan.snapshot.report
    by_path = {s.record.path: s.record for s in plan.snapshot.register}
    out = []
    for result in report.items:
        record = by_path.get(result.path)
        if record is None or record.digest != result.digest:
            continue
        full = _with_approvals(record, approvals_of(result, report, plan.report.config.tz)) is None
        out.append((result.path, _holds_chain(record, result), full))
    return out


def test_an_unchanged_record_is_judged_complete_exactly_when_no_approval_would_be_added(site: Site) -> None:
    release = approved_release(site, "bantuan-bibit")
    path = "content/informasi-publik/2025/banjir.md"
    site.switch("rilis/banjir", create=True)
    site.write(path, info_text("serta-merta"))
    site.commit("Peringatan banjir", site.cast["rina"])
    site.record(site.cast["wahyu"], path, 2, "kepala_dinas", decision="force")
    site.merge("rilis/banjir", site.cast["wahyu"])
    assert publish_json(site)[0] == 0
    first = _verdicts(site.root)
    assert {release, path} <= {p for p, _, _ in first} and all(quick == full for _, quick, full in first)
    assert all(quick for _, quick, _ in first)  # both records hold their chains

    # the skipped steps approve afterwards: the forced item's record lacks them, and both tests say so
    site.record(site.cast["dwi"], path, 2, "kasubbag")
    site.record(site.cast["hendro"], path, 3, "sekdin")
    second = dict((p, (q, f)) for p, q, f in _verdicts(site.root))
    assert second[path] == (False, False)
    assert all(q == f for q, f in second.values())
    code, doc = publish_json(site)
    assert code == 0, doc
    assert all(quick and full for _, quick, full in _verdicts(site.root))  # completed once, then complete


def test_a_run_whose_build_is_kept_does_not_import_the_site_builder_nor_the_http_client(site: Site) -> None:
    approved_release(site, "bantuan-bibit")
    assert publish_json(site)[0] == 0
    script = ("import sys, json\nfrom pipeline.cli import main\ncode = main(['publish', '--json'])\n"
              "print(json.dumps({'code': code, 'loaded': sorted(m for m in sys.modules "
              "if m.split('.')[0] in ('pelican', 'jinja2', 'requests', 'urllib3') or m == 'pipeline.site.build')}), "
              "file=sys.stderr)\n")
    env = {**site.env(site.cast["wahyu"], sign=False), "PYTHONPATH": str(PROJECT)}
    proc = subprocess.run([sys.executable, "-c", script], cwd=site.root, env=env, capture_output=True, text=True,
                          timeout=300)
    found = json.loads(proc.stderr.strip().splitlines()[-1])
    assert found == {"code": 0, "loaded": []}, proc.stderr
    assert json.loads(proc.stdout)["pages"], "the kept build's pages are reported"
