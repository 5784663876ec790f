"""The forge stage of ``warta publish`` (before the plan): forge approvals enter git, and the main branch's
protection is reported.

For every item on main whose chain is not complete with git records alone, the pull request that
merged its current content (the forge's answer for the first-parent commit that brought it) is judged
with its reviews (:mod:`pipeline.approvals.forge_reviews`, the same rules as ``verify --pr``). Each
review that counted is copied into history as an approval record: an empty commit on main with the
``Warta-*`` trailers of the step and ``Warta-Source``, ``Warta-Review-Id``, ``Warta-Review-URL``,
``Warta-Reviewer-Id``, ``Warta-Reviewer-Login``, ``Warta-Review-State``, ``Warta-Review-Commit``,
``Warta-Review-At``; authored as the reviewer at the review's time, committed and signed by the
publishing identity (approval rule 5). From then on the plan, and every later verification, judge those
records from git alone: a review edited or dismissed later on the forge changes nothing published.

The copies are written in step order, each on the one before, so the chain's graph order holds. They
are pushed with the numbering commit; a run that loses the race drops them with it and copies again on
the new main.

With a register branch (``archive.register_branch``) nothing is committed to main: each copy is a commit
with the tree of main's tip whose parent is the copy before it (the first: main's tip, the commit the run
read, which descends from the content every copy approves), kept on ``refs/warta/decisions``
(:mod:`pipeline.approvals.decisions`), where the approvals engine reads records that are not on main under
every rule, and pushed (never forced) before the register; and kept on the review branch
``<register branch>-ulasan`` too, which a forge ruleset protects as the register branch (only the
publishing identity pushes it): it is fetched first (a rewritten one is refused) and pushed with the
register, atomically. A run that loses the race for the register keeps them (joined with the remote's
review branch): the next run finds those steps approved and copies nothing again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

from pipeline.approvals import decisions
from pipeline.approvals.chain import ChainResult, StepStatus
from pipeline.approvals.chain_model import Approval
from pipeline.approvals.forge_reviews import counts, digests_at, gather, judge_item
from pipeline.approvals.judge import evaluate_repository
from pipeline.approvals.records import format_record, parse_trailers
from pipeline.approvals.revisions import Files, ItemCache
from pipeline.approvals.signing import fingerprint, verify_signatures
from pipeline.archive.register_branch import remote_for, sync_reviews
from pipeline.archive.register_read import identity_people, signature_problem
from pipeline.config import CONFIG_FILE, parse_config
from pipeline.errors import ConfigError, GitError
from pipeline.forges import check_environment, open_forge
from pipeline.forges.base import Forge, Review
from pipeline.forges.http import ForgeConfigError, ForgeError
from pipeline.git import Git
from pipeline.i18n import _
from pipeline.identity import PublishingIdentity, load_identity, one_line
from pipeline.people import People

Say = Callable[[str], None]


def _joined_main(git: Git, main_sha: str, files: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Item -> the first-parent commit of main that last changed it or a file it references (one
    ``git log`` over main's first-parent line, merges compared with their first parent)."""
    wanted = {f for path, refs in files.items() for f in (path, *refs)}
    newest: dict[str, int] = {}
    shas: list[str] = []
    out = git.text("log", "--first-parent", "--diff-merges=first-parent", "--name-only", "--format=%x00%H",
                   main_sha)
    for chunk in out.split("\0")[1:]:
        lines = chunk.strip("\n").split("\n")
        shas.append(lines[0])
        for name in lines[1:]:
            if name in wanted and name not in newest:
                newest[name] = len(shas) - 1
    found: dict[str, str] = {}
    for path, refs in files.items():
        positions = [newest[f] for f in (path, *refs) if f in newest]
        if positions:
            found[path] = shas[min(positions)]
    return found


def copy_reviews(root: Path, git: Git, say: Say, forge: Forge | None = None, *, write: bool = True) -> list[str]:
    """Run the stage on main's checked-out tip; the warnings to show (weak branch rules, a forge that could
    not be asked). ``write=False`` (a dry run): only the branch rules. Raises :class:`ConfigError` when
    the environment names another forge or repository."""
    head = git.head()
    with contextlib.suppress(ConfigError, GitError):  # the plan reports a broken warta.yml
        if head is None or parse_config(git.text("show", f"{head}:{CONFIG_FILE}")).approvals.forge is None:
            return []  # no forge named at the tip: skip the extra judging (the trusted one is read below)
    report = evaluate_repository(root, all_items=True)
    section = report.config.approvals.forge
    if section is None:
        return []
    check_environment(section, os.environ)
    warnings: list[str] = []
    branch = report.config.archive.register_branch
    if branch and write:  # the copies go on top of the remote's review branch (a rewritten one is refused)
        sync_reviews(git, remote_for(git), branch)
        backfill(git, report.people, branch)
    try:
        forge = forge or open_forge(section)
    except ConfigError as exc:  # no token here (a local run): the forge's approvals wait for CI
        return [_("forge: {reason}; approvals given only as {forge} reviews are not copied in this run",
                  reason=exc, forge=section.source)]
    try:
        warnings.extend(_("branch rules of {repository} ({branch}): {weakness}", repository=section.repository,
                          branch=report.main, weakness=w) for w in forge.branch_rules(report.main).weaknesses())
    except (ForgeError, ForgeConfigError) as exc:
        warnings.append(_("branch rules of {repository} could not be read: {reason}", repository=section.repository,
                          reason=exc))
    warnings.extend(_register_rules(forge, section.repository, report.config.archive.register_branch))
    # the items approvals may still reach, and those approved with git records alone about to go live (a return
    # given on the forge still holds them, rule 7)
    pending = [r for r in report.items if r.path in report.contexts and (
        (not r.complete and r.state != "returned") or (r.complete and r.state == "approved"))]
    if not pending or not write:
        return warnings
    identity = load_identity(report.people, required=False)
    if identity is None:
        return [*warnings, _("forge reviews are not copied: no publishing identity (pipeline: in sop/people.yaml "
                             "and WARTA_SIGNING_KEY); items approved only on the forge are held")]
    tree = {e.path: e for e in git.ls_tree(report.head)}
    infos = Files(git, tree, ItemCache(None)).info([r.path for r in pending])
    joined = _joined_main(git, report.head, {r.path: infos[r.path].refs for r in pending})
    by_merge: dict[str, list[ChainResult]] = {}
    for result in pending:
        if result.path in joined:
            by_merge.setdefault(joined[result.path], []).append(result)
    copied = kept = 0
    chain = [report.head]  # branch mode: the copy each next copy is written on
    for merge, results in by_merge.items():
        try:
            pr = forge.merged_pull_request(merge)
            if pr is None or pr.base_ref != report.main:
                continue  # committed straight to main, or merged elsewhere: git records only
            reviews = gather(forge, pr.number, report.people)
        except (ForgeError, ForgeConfigError) as exc:
            warnings.append(_("forge: the reviews of {commit} could not be read ({reason}); its items wait",
                              commit=merge[:12], reason=exc))
            continue
        digests = digests_at(git, (r.commit for r in reviews.reviews if counts(r)), [r.path for r in results],
                             report.config.limits)
        by_sid = reviews.by_sid()
        for result in results:
            judged = judge_item(result, report.contexts[result.path], reviews, digests)
            returned = judged.returned if judged.state == "returned" else None
            if result.complete:
                if returned is not None and (review := by_sid.get(returned.sha)) is not None and review.commit:
                    # judged after the git records made before it (the steps the return followed)
                    earlier = [r for r in report.contexts[result.path].records
                               if r.at <= (review.at or 0) and r.digest == result.digest]
                    parent = max(earlier, key=lambda r: r.at).sha if earlier else review.commit
                    _keep_return(git, identity, result, returned, reviews.source, review, parent, branch)
                    kept += 1
                continue
            for step in judged.steps:
                review = by_sid.get(step.sha or "")
                if step.status != "approved" or review is None:
                    continue
                _write_copy(git, identity, result, step, reviews.source, review, chain if branch else None, branch)
                copied += 1
    if copied:
        say(_("forge: {n} review(s) copied into git as approval records", n=copied))
        if branch:
            warnings.extend([w for w in [decisions.push(git)] if w])
    if kept:
        say(_("forge: {n} request(s) for changes kept on {ref}: those items are returned", n=kept, ref=decisions.REF))
        warnings.extend([w for w in [decisions.push(git)] if w])
    return warnings


def backfill(git: Git, people: People, branch: str) -> int:
    """Keep on the review branch of ``branch`` the forge-review copies that only ``refs/warta/decisions``
    keeps (written before the review branch existed): records with a ``Warta-Source`` other than git,
    signed by the publishing identity (anything else there is left where it is: it counts for nothing
    anyway). How many were added."""
    ref, entry, tip = decisions.review_ref(branch), people.pipeline, git.rev_parse(decisions.REF)
    if entry is None or tip is None:
        return 0
    have = git.rev_parse(ref)
    kept = set(decisions.records_at(git, have)) if have is not None else set()
    wanted = [r for r in decisions.records_at(git, tip) if r not in kept]
    found: list[tuple[str, str, str]] = []
    for sha, raw in git.read_blobs(wanted).items():
        message = raw.decode("utf-8", "replace").partition("\n\n")[2]
        fields = {k.casefold(): v for k, v in parse_trailers(message)[0]}
        if fields.get("warta-source", "git") != "git" and "warta-item" in fields:
            found.append((sha, fields["warta-item"], fields.get("warta-decision", "approve")))
    if not found:
        return 0
    keys = frozenset(fp for fp in (fingerprint(k) for k in entry.ssh_keys) if fp)
    verdicts = verify_signatures(git, [sha for sha, _i, _d in found], [identity_people(entry)], None)
    order = {r: i for i, r in enumerate(wanted)}
    added = 0
    for sha, item, decision in sorted(found, key=lambda f: order[f[0]]):  # oldest first
        if signature_problem(verdicts.get(sha), keys) is None:
            decisions.keep(git, sha, item, decision, ref)
            added += 1
    return added


def _keep_return(git: Git, identity: PublishingIdentity, result: ChainResult, returned: Approval, source: str,
                 review: Review, parent: str, branch: str | None) -> str:
    """A request for changes that counted as a return, as a return record on ``refs/warta/decisions`` (it
    blocks the digest however the item's git records read, rule 7): signed by the publishing identity,
    authored as the reviewer at its time, and a child of ``parent`` (with its tree: it changes no file), the
    last record before it or the reviewed commit, so it is judged after the steps it followed."""
    at = review.at or 0
    message = format_record(
        item=result.path, digest=result.digest, step=returned.step, role=returned.role, decision="return",
        subject=one_line(f"Return step {returned.step} by {source} review {review.id}: {result.path}", 200),
        note=one_line(review.body, 500), source=source, review=_review_fields(review))
    env = {"GIT_AUTHOR_NAME": returned.name, "GIT_AUTHOR_EMAIL": returned.email, "GIT_AUTHOR_DATE": f"@{at} +0000"}
    sha = git.run("commit-tree", f"{parent}^{{tree}}", "-p", parent, "-S", input=message.encode("utf-8"),
                  config=identity.config(), env=env).stdout.decode().strip()
    decisions.keep(git, sha, result.path, "return")
    if branch:  # a register branch: kept on its protected review branch too
        decisions.keep(git, sha, result.path, "return", decisions.review_ref(branch))
    return sha


def _review_fields(review: Review) -> dict[str, str]:
    return {"id": one_line(review.id, 40), "url": one_line(review.url, 300), "reviewer_id": str(review.user.id),
            "reviewer_login": one_line(review.user.login, 100), "state": review.state,
            "commit": one_line(review.commit or "", 64),
            "at": dt.datetime.fromtimestamp(review.at or 0, dt.UTC).isoformat()}


def _write_copy(git: Git, identity: PublishingIdentity, result: ChainResult, counted: StepStatus, source: str,
                review: Review, chain: list[str] | None = None, branch: str | None = None) -> str:
    """One approval record naming ``review`` (the step it counted for), authored as the reviewer at its
    time, signed by the publishing identity; its commit. ``chain`` (register branch mode): the copies of
    this run so far, after main's tip; the record is written on the last of them and kept on
    ``refs/warta/decisions`` and on the review branch of ``branch`` (``<branch>-ulasan``), never on main."""
    step, role, title = counted.no, counted.role, counted.role_title
    at = review.at or 0
    when = dt.datetime.fromtimestamp(at, dt.UTC).isoformat()
    message = format_record(
        item=result.path, digest=result.digest, step=step, role=role, decision="approve",
        subject=one_line(f"Approve step {step} ({title}) by {source} review {review.id}: {result.path}", 200),
        note=one_line(review.body, 500), source=source,
        review={"id": one_line(review.id, 40), "url": one_line(review.url, 300), "reviewer_id": str(review.user.id),
                "reviewer_login": one_line(review.user.login, 100), "state": review.state,
                "commit": one_line(review.commit or "", 64), "at": when})
    env = {"GIT_AUTHOR_NAME": counted.by or "?", "GIT_AUTHOR_EMAIL": counted.email or "?",
           "GIT_AUTHOR_DATE": f"@{at} +0000"}
    if chain is not None:
        parent = chain[-1]
        copy = git.run("commit-tree", f"{parent}^{{tree}}", "-p", parent, "-S", input=message.encode("utf-8"),
                       config=identity.config(), env=env).stdout.decode().strip()
        decisions.keep(git, copy, result.path, "approve")
        if branch:
            decisions.keep(git, copy, result.path, "approve", decisions.review_ref(branch))
        chain.append(copy)
        return copy
    git.run("commit", "-q", "--allow-empty", "--no-verify", "-F", "-", input=message.encode("utf-8"),
            config=identity.config(), env=env)
    sha = git.head()
    assert sha is not None
    return sha


def _register_rules(forge: Forge, repository: str, branch: str | None) -> list[str]:
    """Warnings for protection of the register branch, and of its review branch (the same ruleset, docs/ci.md),
    weaker than docs/ci.md requires (none in main mode)."""
    if branch is None:
        return []
    found: list[str] = []
    for name in (branch, decisions.review_ref(branch).removeprefix("refs/heads/")):
        try:
            found.extend(_("branch rules of {repository} ({branch}): {weakness}", repository=repository, branch=name,
                           weakness=w) for w in forge.register_rules(name).weaknesses())
        except (ForgeError, ForgeConfigError) as exc:
            found.append(_("branch rules of {repository} could not be read: {reason}", repository=repository,
                           reason=exc))
    return found
