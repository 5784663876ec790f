"""Writing decisions: :func:`decide` (``warta approve``, ``return``, ``approve --force``) judges each
decision exactly as :func:`~pipeline.approvals.judge.evaluate_repository` will judge it once written, and
writes it only when it would count; :func:`write_record` writes one record without judging it (for tools
that already did). Which step a person acts on is the pure :func:`choose_step`.

Every record written is also kept on ``refs/warta/decisions`` (:mod:`.decisions`), where a rewrite of
the release branch cannot drop it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pipeline.approvals import decisions, signing
from pipeline.approvals.chain import ChainResult, Policy, Record, Rejection, StepSpec, trial
from pipeline.approvals.judge import evaluate_repository
from pipeline.approvals.records import format_record
from pipeline.approvals.report import NULL_SHA, ItemContext, Report
from pipeline.errors import ApprovalError
from pipeline.git import Git, Signature
from pipeline.i18n import _
from pipeline.people import People, Person

Decision = Literal["approve", "return", "force"]
_VERB = {"approve": "Approve", "return": "Return", "force": "Force-publish"}


@dataclass(frozen=True)
class Outcome:
    """What :func:`decide` did for one item: ``sha`` of the record written, or ``refusal``."""

    path: str
    message: str
    sha: str | None = None
    step: StepSpec | None = None
    role: str | None = None
    warning: str | None = None

    @property
    def ok(self) -> bool:
        return self.sha is not None


@dataclass(frozen=True)
class Choice:
    """The step (and the role written in the record) a decision acts on, or why there is none."""

    step: StepSpec | None
    role: str | None
    refusal: str | None = None


def write_record(
    git: Git,
    *,
    item: str,
    digest: str,
    step: int,
    role: str,
    decision: str,
    subject: str,
    note: str = "",
    sign: bool,
    date: str | None = None,
) -> str:
    """Write one approval record on HEAD (an empty commit, signed when ``sign``); its commit id."""
    message = format_record(item=item, digest=digest, step=step, role=role, decision=decision,
                            subject=subject, note=note)
    return git.commit_empty(message, sign=sign, date=date)


def choose_step(
    result: ChainResult,
    steps: Sequence[StepSpec],
    policy: Policy,
    decision: Decision,
    person: Person,
    people: People,
    role: str | None = None,
) -> Choice:
    """Which step ``person`` acts on for ``result`` (pure: the chain as judged, the SOP's paraf steps).

    ``approve``/``return``: the first open step when the person holds its role, else the first open
    step whose role they hold (``role`` chooses among several); ``force``: the first open step, written
    with a force-publish role the person holds (or ``role``). A refusal says why nothing can be chosen.
    """
    if result.state == "returned" and result.returned is not None:
        return Choice(None, None, _("returned by {name} ({reason}): change the content first; then the chain "
                                    "starts again", name=result.returned.name,
                                    reason=result.returned.note or _("no reason given")))
    done = {x.no for x in result.steps if x.status == "approved"}
    open_steps = [s for s in steps if s.no not in done]
    if not open_steps or (result.complete and not result.forced and decision != "force"):
        return Choice(None, None, _("nothing to approve: every step is already approved"))
    first = open_steps[0]
    if decision == "force":
        force_roles = sorted(r for r in policy.force_roles if person.holds(r))
        if not force_roles and role is None:
            allowed = sorted(policy.force_roles)
            forcers = sorted({p.name for r in allowed for p in people.holders(r)})
            return Choice(None, None, _("you may not force-publish: approvals.force_publish_roles is {roles}",
                                        roles=", ".join(allowed) or _("empty"))
                          + (_(" (held by {names})", names=", ".join(forcers)) if forcers else ""))
        return Choice(first, role or force_roles[0])
    if role is not None:
        step = next((s for s in open_steps if s.role == role), None) or first
        return Choice(step, role)
    step = first if person.holds(first.role) else next((s for s in open_steps if person.holds(s.role)), first)
    mine = [x for x in result.steps if x.status == "approved" and person.holds(x.role)]
    if not person.holds(step.role) and mine:
        done_step = mine[-1]
        next_holders = ", ".join(p.name for p in people.holders(first.role)) or _("nobody")
        return Choice(None, None, _("nothing for you to approve: step {done} ({done_title}) was already approved "
                                    "by {by}; next is step {next} ({next_title}, held by {holders})",
                                    done=done_step.no, done_title=done_step.role_title, by=done_step.by,
                                    next=first.no, next_title=people.title(first.role), holders=next_holders))
    return Choice(step, step.role)


def _refusal(rejection: Rejection, step: StepSpec, people: People, person: Person) -> str:
    title = people.title(step.role)
    code = rejection.codes[0]
    holders = [p.name for p in people.holders(step.role) if p.email.casefold() != person.email.casefold()]
    others = f"; {', '.join(holders)} can" if holders else ""
    if code == "author":
        return _("you wrote or changed this content, and the author cannot approve it ({title}{others})",
                 title=title, others=others)
    if code == "role_not_held":
        held = ", ".join(p.name for p in people.holders(step.role)) or "nobody"
        return (_("you do not hold the role {role} ({title}) that step {no} needs (held by {held}, in sop/people.yaml on "
                  "the main branch)", role=step.role, title=title, no=step.no, held=held))
    if code == "out_of_order":
        return rejection.reasons[0].replace("not this step yet", "it is not your step yet")
    if code == "not_after_previous":
        return (_("{reasons}; bring it into this branch first (git pull, or git merge the branch that holds it), then "
                  "approve", reasons=rejection.reasons[0]))
    if code == "same_person":
        return _("{reasons}; another holder of {title} must approve step {no}",
                 reasons=rejection.reasons[0], title=title, no=step.no)
    if code == "wrong_key":
        return (_("your signing key is not listed for you in sop/people.yaml on the main branch ({reasons}); "
                  "{configure_key}", reasons=rejection.reasons[0], configure_key=signing.CONFIGURE_KEY))
    return "; ".join(rejection.reasons)


def _check(git: Git, report: Report, decision: Decision, note: str) -> tuple[Person, signing.SigningSetup]:
    """The acting person and their signing setup; :class:`ApprovalError` when nothing can be decided."""
    _name, email = git.identity()
    if not email:
        raise ApprovalError(_("git has no user.email: run git config user.email you@example.go.id (the email "
                              "sop/people.yaml lists for you)"))
    person = report.people.by_email(email)
    if person is None:
        raise ApprovalError(_("you ({email}) are not in sop/people.yaml on the main branch, so you cannot approve: ask "
                              "the administrator to add you (with your roles and SSH key)",
                              email=email))
    targets = [*report.items, *report.governance]
    if not targets:
        if report.base:
            raise ApprovalError(_("nothing to approve: no item changed on this branch since {base}; name the item's "
                                  "path (warta approve content/...md), and commit a change first",
                                  base=report.base[:12]))
        raise ApprovalError(_("nothing to approve: no item changed on this branch; name the item's path (warta "
                              "approve content/...md), and commit a change first"))
    if decision == "return" and not note.strip():
        raise ApprovalError(_("a return needs a reason: warta return --reason 'what must change'"))
    need_signature = any(report.contexts[t.path].policy.require_signatures for t in targets)
    setup = signing.signing_setup(git)
    if need_signature and setup.problem:
        raise ApprovalError(_("approvals must be signed (approvals.require_signatures) but {problem}",
                              problem=setup.problem))
    return person, setup


def decide(
    root: Path,
    *,
    decision: Decision,
    paths: Sequence[str] = (),
    role: str | None = None,
    note: str = "",
    date: str | None = None,
    report: Report | None = None,
) -> list[Outcome]:
    """Approve, return or force each item (changed on the branch, or ``paths``) at its next step as the
    acting git identity. Every decision is judged first exactly as it will be judged once written;
    refusals are returned as one line each and nothing is written for them. Each record written is kept
    on ``refs/warta/decisions`` and that ref pushed (best effort; a failure is the outcome's warning).

    Raises :class:`ApprovalError` when nothing can be decided at all (unknown person, no signing key,
    nothing to approve).
    """
    git = Git(root)
    report = report or evaluate_repository(root, paths=list(paths) or None)
    person, setup = _check(git, report, decision, note)
    targets = [*report.items, *report.governance]
    dirty = set(git.dirty_paths([t.path for t in targets]))
    outcomes: list[Outcome] = []
    for result in targets:
        if result.path in dirty:
            outcomes.append(Outcome(result.path, _("has uncommitted changes: commit them first (an approval names the "
                                                   "committed content)")))
        elif result.problems and decision != "return":
            outcomes.append(Outcome(result.path, _("cannot be approved: {problems}", problems='; '.join(result.problems))))
        else:
            outcomes.append(_decide_one(git, report, result, decision, person, setup, role, note, date))
    if any(o.ok for o in outcomes):
        warning = decisions.push(git)
        if warning is not None:
            last = max(i for i, o in enumerate(outcomes) if o.ok)
            done = outcomes[last]
            outcomes[last] = Outcome(done.path, done.message, done.sha, done.step, done.role,
                                     "; ".join(w for w in (done.warning, warning) if w))
    return outcomes


def _decide_one(git: Git, report: Report, result: ChainResult, decision: Decision, person: Person,
                setup: signing.SigningSetup, role: str | None, note: str, date: str | None) -> Outcome:
    ctx = report.contexts[result.path]
    people = report.people
    steps = list(ctx.facts.spec.steps) if ctx.facts.spec is not None else []
    choice = choose_step(result, steps, ctx.policy, decision, person, people, role)
    if choice.step is None or choice.role is None:
        return Outcome(result.path, choice.refusal or _("nothing to approve"))
    step, chosen_role = choice.step, choice.role
    verdict = _trial(ctx, result, step, chosen_role, decision, person, setup, note)
    if verdict is not None:
        return Outcome(result.path, _refusal(verdict, step, people, person), step=step, role=chosen_role)
    title = people.title(step.role if decision != "force" else chosen_role)
    subject = f"{_VERB[decision]} step {step.no} ({title}): {result.path}"
    sign = ctx.policy.require_signatures or setup.problem is None
    sha = write_record(git, item=result.path, digest=result.digest, step=step.no, role=chosen_role,
                       decision=decision, subject=subject, note=note, sign=sign, date=date)
    decisions.keep(git, sha, result.path, decision)
    warning = None
    if ctx.policy.require_signatures:
        # judge the signature exactly as verify will (git's verdict, then the key must be yours)
        got = signing.verify_signatures(git, [sha], [people], None).get(sha)
        own = ctx.authority.keys.get(person.email.casefold(), frozenset())
        if got is None or got.status != "G" or got.key not in own:
            status = got.status if got else "?"
            warning = _("git does not accept the signature of {sha} as yours (status {status}, key {key}); "
                        "check user.signingkey and your ssh_keys in sop/people.yaml", sha=sha[:12],
                        status=status, key=got.key if got and got.key else "?")
    return Outcome(result.path, subject, sha, step, chosen_role, warning)


def _trial(ctx: ItemContext, result: ChainResult, step: StepSpec, role: str, decision: Decision,
           person: Person, setup: signing.SigningSetup, note: str) -> Rejection | None:
    """How the decision would be judged once written (``None``: it would count)."""
    signature = None
    if ctx.policy.require_signatures:
        own = ctx.authority.keys.get(person.email.casefold(), frozenset())
        fp = setup.fingerprint or next(iter(sorted(own)), "")
        signature = Signature("G" if fp in own else "U", fp, person.email if fp in own else "")
    draft = Record(NULL_SHA, result.path, result.digest, step.no, role, decision, person.name,
                   person.email, int(time.time()), person.email, signature=signature, note=note.strip())
    _result, verdict = trial(ctx.facts, ctx.raw, ctx.policy, ctx.authority, ctx.record_authority, draft,
                       ctx.signatures, ctx.precedes, ctx.blocking)
    return verdict
