"""``warta publish``: the main job of DESIGN section 5, run on main (by CI, on every push and on a schedule).

A short orchestrator of named stages, each in its own module, each taking what the previous returned:

1. :mod:`~pipeline.publish.snapshot` — main's tip as git objects, the approval report, the governed
   files at the last trusted governance state, the archive register (the closed world: the working tree
   is never read);
2. :mod:`~pipeline.publish.items` — every item parsed and checked once;
3. :mod:`pipeline.gate` (via :mod:`~pipeline.publish.plan`) — one decision per item: publish, hold,
   schedule, exempt, withdrawn or expired; held and scheduled items keep their last published version,
   re-derived from history;
4. :mod:`~pipeline.publish.numbering` — archive numbers committed (and pushed) before anything is built;
5. and 6. :mod:`~pipeline.publish.site` — the published tree of approved blobs, media derivatives and the
   site;
7. deploy (:mod:`pipeline.deploy`) — atomically;
8. :mod:`~pipeline.publish.announce` — posts on the channels the SOP names (the posting ledger of
   :mod:`~pipeline.publish.posting`), outbox payloads and videotron slides for new versions;
9. :mod:`~pipeline.publish.record` — publication times and channels, the posting ledger.

Each stage is resumable: a run that dies anywhere leaves the live site as it was, and the next run
finishes the work without duplicating a number or a post. Test hooks: :mod:`~pipeline.publish.hooks`.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from pathlib import Path

from pipeline import collector
from pipeline.archive import trust
from pipeline.cachedir import DEPLOY_CACHE, ensure_local_cache
from pipeline.channels.routing import routes
from pipeline.content import Site
from pipeline.deploy import deploy
from pipeline.errors import GitError
from pipeline.git import Git
from pipeline.i18n import _
from pipeline.publication import publication_states  # moved out for warta status's start-up; re-exported
from pipeline.publish import gitops, lastbuild
from pipeline.publish.announce import Ledger, announce, announcement_due, is_videotron
from pipeline.publish.forge import copy_reviews
from pipeline.publish.hooks import FAULT_POINTS, NOW_ENV, barrier, clock, fault, fault_during_build
from pipeline.publish.items import CANDIDATES, read_items
from pipeline.publish.numbering import commit_numbers
from pipeline.publish.plan import Held, Plan, Planned
from pipeline.publish.plan import make_plan as _make_plan
from pipeline.publish.record import MAX_PUSH_ATTEMPTS, record_publication
from pipeline.publish.result import PublishResult, print_result
from pipeline.publish.site import build, published_records, published_tree
from pipeline.publish.snapshot import take_snapshot
from pipeline.workspace import Workspace

Say = Callable[[str], None]
STAGING = gitops.STAGING
tag_name = gitops.tag_name


def _quiet(_: str) -> None:
    return None


def make_plan(root: Path, now: dt.datetime | None = None) -> Plan:
    """Stages 1 to 3 (snapshot, items, gate and numbers), without changing anything."""
    with collector.paused():  # long-lived objects only: no collection passes over them (collector.py)
        snapshot = take_snapshot(root, Git(root))
        moment, _ = clock(now, snapshot.config.tz)
        items = read_items(snapshot)
        site = Site(root=ensure_local_cache(root) / CANDIDATES, config=snapshot.config, items=list(items.by_path.values()),
                    findings=items.findings)
        return _make_plan(snapshot, items, site, moment)


def publish(root: Path, *, dry_run: bool = False, say: Say = _quiet, now: dt.datetime | None = None) -> PublishResult:
    """Run the main job on ``root`` (a clone with main checked out). See the module docstring."""
    git = Workspace.open_git(root)
    ensure_local_cache(root)  # before anything reads a cache or takes the lock inside it
    with gitops.lock(root):
        # warta.yml of the commit checked out, from git objects: only to find main, the clock's zone and the
        # deploy layout; the run judges by the trusted governance of its snapshot
        workspace = Workspace.from_commit(root)
        git, config = workspace.git, workspace.config
        main = config.approvals.main_branch
        early = gitops.preflight(git, config)
        moment, clock_set = clock(now, config.tz)
        if clock_set:
            say(_("clock set to {isoformat} (test hook {now_env} or now=): not for production",
                  isoformat=moment.isoformat(), now_env=NOW_ENV))
        remote = gitops.remote_of(git, main)
        if not dry_run:
            gitops.reset_archive(git)
            if remote:
                say(_("plan: fetching {remote}/{main}", remote=remote, main=main))
                gitops.integrate(git, remote, main)
        plan, result = _plan_and_number(root, git, remote, main, moment, clock_set, dry_run, say)
        plan.warnings[:0] = early
        if plan.problems or dry_run:
            return result
        with collector.frozen():  # the build's collections leave the plan's objects alone (collector.py)
            _build_deploy_announce(root, git, remote, main, plan, result, say)
        return result


def _plan_and_number(root: Path, git: Git, remote: str | None, main: str, moment: dt.datetime, clock_set: bool,
                     dry_run: bool, say: Say) -> tuple[Plan, PublishResult]:
    """Stages 1 to 4, again after a lost race for the push."""
    attempts = 0
    while True:
        attempts += 1
        start = git.head()  # a lost race drops everything after it: the copied reviews too (copied again)
        forge_notes = copy_reviews(root, git, say, write=not dry_run)
        say(_("plan: verifying every approval chain on main"))
        plan = make_plan(root, moment)
        plan.warnings.extend(forge_notes)
        result = PublishResult(plan=plan, dry_run=dry_run, attempts=attempts, clock_set=clock_set)
        if plan.problems:
            return plan, result
        if dry_run:
            if git.dirty_paths([gitops.ARCHIVE_DIR]):
                plan.warnings.append(_("{folder}/ has uncommitted files (left by an interrupted run?); a real run "
                                       "discards them first", folder=gitops.ARCHIVE_DIR))
            return plan, _dry_run(root, plan, result)
        base = start
        assert base is not None
        run = trust.publish_run(root)
        writes = bool(plan.records_to_write) or any(announcement_due(p.record) for p in plan.publish if not p.fallback)
        if run is not None and writes:
            run.signer()  # refuses now (exit 2), before anything is built or deployed, when the key is missing
        if plan.records_to_write:
            say(_("numbering: {n} record(s) to arsip/", n=len(plan.records_to_write)))
        sha, tags = commit_numbers(root, git, plan)
        if sha:
            result.commits.append(sha)
        tags += gitops.repair_tags(git, plan.records)
        if remote and not _pushed(git, remote, main, base, plan, tags, attempts):
            if attempts >= MAX_PUSH_ATTEMPTS:
                raise GitError(_("the push to {remote} was rejected {attempts} times (other runs kept publishing first); "
                                 "run publish again", remote=remote, attempts=attempts))
            say(_("numbering: another run published first; re-planning on the new main"))
            continue
        result.tags = tags
        return plan, result


def _pushed(git: Git, remote: str, main: str, base: str, plan: Plan, tags: list[str], attempts: int) -> bool:
    missing = sorted(gitops.tag_names(git) - gitops.remote_tags(git, remote)) if plan.records else []
    pushing = gitops.unpushed(git, remote, main) or bool(missing)
    if pushing and attempts == 1:
        barrier()
    return not pushing or gitops.push_or_sync(git, remote, main, base, sorted(set(tags) | set(missing)))


def _build_deploy_announce(root: Path, git: Git, remote: str | None, main: str, plan: Plan, result: PublishResult,
                           say: Say) -> None:
    """Stages 5 to 9."""
    config = plan.report.config
    stamp = plan.now
    live = list(plan.publish)
    published = published_records(plan, live, stamp)
    register = [published.get(r.path, r) for r in plan.records]
    staging = root / STAGING / "site"
    say(_("build: {n} item(s)", n=len(live)))
    tree = published_tree(root, plan)
    listings = lastbuild.Listings()
    staging.parent.mkdir(parents=True, exist_ok=True)
    with fault_during_build(staging.parent):
        built = build(plan, tree, staging, root, register, listings=listings)
    failed = set(built.left_out)
    for path in sorted(failed):
        plan.held.append(Held(path, [f.format() for f in built.findings if f.path == path] or [_("left out of the build")]))
    result.output = str(staging)
    result.pages = built.pages

    say(_("deploy"))
    uploads = 0

    def progress(action: str, path: str) -> None:
        nonlocal uploads
        uploads += 1
        if uploads == 2:
            fault("deploy")

    # the same staged site onto the same untouched live version changes nothing: not walked and hashed again
    deployed = lastbuild.deployed_already(root, staging, config.deploy, listings)
    if deployed is None and built.kept:
        # a kept build's staged files are known by their size, time and inode only, which a file edited in
        # place keeps: before any of them is deployed, the site is built again (a page of the staged folder
        # is reused only once its bytes hash to what the build would write: pipeline/site/reuse.py)
        with fault_during_build(staging.parent):
            built = build(plan, tree, staging, root, register, listings=listings, keep=False)
        listings.forget(staging)
    if deployed is None:
        known = lastbuild.deployed_record(root, staging, config.deploy)  # the pairs it need not compare
        lastbuild.forget_deploy(root)  # a deploy that dies midway leaves no record to believe
        deployed = deploy(staging, config.deploy, ensure_local_cache(root) / DEPLOY_CACHE, root=root, progress=progress,
                          known=known)
        lastbuild.remember_deploy(root, staging, config.deploy, deployed, listings)
    fault("deploy")  # a deploy with nothing to copy still dies here
    result.deploy_summary = deployed.summary()

    say(_("announce"))
    live = [p for p in live if p.item.path not in failed]
    due = [p for p in live if p.record.path in published]
    # GitHub Pages: the site goes live in the workflow's deploy job after this run, and `warta announce`
    # posts then (docs/ci.md); here only the outbox payloads are written, nothing is posted
    ledger = None if config.deploy.target == "pages" else Ledger(git, remote, main, plan.records, plan.report.people)
    announced = announce(root, tree, due, live, config, stamp, built.images, plan.report.state.sops, ledger, staging)
    result.channel_errors.extend(announced.errors)
    plan.warnings.extend(announced.warnings)
    result.announced = sorted(f"{path} → {c.channel}" + (f" ({c.state})" if c.state not in (None, "outbox") else "")
                              for path, cs in (*announced.sent.items(), *announced.posted.items()) for c in cs)

    say(_("record: publication times and channels"))
    result.commits += record_publication(root, git, remote, main, live, announced.sent, published, stamp,
                                         announced.register or plan.records)


def _dry_run(root: Path, plan: Plan, result: PublishResult) -> PublishResult:
    """What a run would do: numbers, pages, files to deploy; nothing is written outside a temp folder
    and the private caches."""
    config = plan.report.config
    published = published_records(plan, plan.publish, plan.now)
    register = [published.get(r.path, r) for r in plan.records]
    tree = published_tree(root, plan)
    with tempfile.TemporaryDirectory(prefix="warta-dry-run-") as tmp:
        out = Path(tmp) / "site"
        built = build(plan, tree, out, root, register, remember=False)
        result.pages = built.pages
        deployed = deploy(out, config.deploy, Path(tmp) / "deploy", root=root, dry_run=True)
        result.deploy_summary = deployed.summary()
        result.files_to_deploy = [*deployed.uploaded, *[f"(delete) {p}" for p in deployed.deleted]]
    due = [p for p in plan.publish if p.record.path in published and not p.record.imported]
    sops = plan.report.state.sops
    for planned in due:
        names = routes(planned.item, sops.get(planned.item.sop_id), config)
        result.announced += [f"{planned.item.path} → {n}" for n in names if not is_videotron(n, config.channels[n])]
    result.announced.sort()
    return result


__all__ = [
    "FAULT_POINTS", "Held", "Plan", "Planned", "PublishResult", "announcement_due", "clock", "make_plan",
    "print_result", "publication_states", "publish", "tag_name",
]
