"""Chain evaluation: one item's approval records judged against its SOP. Pure: data in, data out.

Input: the chain the item needs (:class:`ChainSpec`, from its SOP's paraf steps), the facts about the item
(:class:`ItemFacts`: its current digest, who wrote it, whether it is serta-merta), the approval policy,
the records that name the item in history order, and the people (``people.yaml``) that govern each record.
Output (:class:`ChainResult`): the state, the next step and role, who approved each step and when, and
for every record that did not count, every reason why.

The rules (DESIGN section 4) as this module applies them:

1. People and SOPs come from the target branch: the caller passes them; nothing here reads a branch.
2. A record counts only for the digest it names (stale records are listed with the reason).
3. Steps count in SOP order: a record for step k counts only when every earlier step already counted
   (earlier in history order) and, when the caller gives the commit graph (``precedes``), when the
   approval that counted for the step before is an ancestor of the record: two approvals signed on side
   branches without seeing each other never make a chain, whatever order they are merged in. A
   governance chain (rule 8) is unordered.
4. The author of the content cannot approve it (every person whose key signed a commit that changed the
   item or a file it references: the caller finds them, :mod:`pipeline.approvals.authorship`); one person
   fills one step, except several steps the SOP gives to the same role.
5. The approver must hold the step's role; with ``require_signatures`` the record must carry a good SSH
   signature (git's verdict G) by one of the approver's own keys in ``people.yaml``.
6. A record that changes files, or is a merge, counts for nothing.
7. A valid ``return`` blocks the item until its content (digest) changes; later records for the same
   digest are refused with that reason. A new digest starts the chain again (the old records are stale).
   ``blocking`` is a return the caller found valid in its own history (a rewritten branch no longer
   holds it, or approvals were given beside it): it blocks even when this history would not count it.
8. Governance chains are evaluated with the same function (``ChainSpec.ordered=False``,
   ``authors_may_approve=True``): see :mod:`pipeline.approvals.governance`.
10. ``Warta-Decision: force`` by a holder of a role in ``force_publish_roles`` makes a serta-merta item
    publishable (state ``approved``, ``forced``); the skipped steps stay listed (status ``skipped``) until
    they approve retrospectively, in order. Force on anything else counts for nothing, with the reason.

The data types live in :mod:`pipeline.approvals.chain_model` and are re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from pipeline.approvals.chain_model import (
    DECISIONS,
    Approval,
    Authority,
    ChainResult,
    ChainSpec,
    ItemFacts,
    Policy,
    Record,
    Rejection,
    State,
    StepSpec,
    StepState,
    StepStatus,
    spec_from_sop,
)
from pipeline.approvals.signing import fingerprint
from pipeline.git import Signature
from pipeline.i18n import N_, _
from pipeline.people import Person

# --------------------------------------------------------------------------------------------------


def _signature_problems(
    sig: Signature | None, person: Person | None, authority: Authority, policy: Policy, source: str = "git"
) -> list[tuple[str, str]]:
    if not policy.require_signatures:
        return []
    if sig is None or sig.status == "N":
        return [("unsigned", _("not signed (approvals must be signed with the approver's SSH key)"))]
    if sig.status not in ("G", "U"):
        what = {"B": N_("a bad signature (the commit was changed after signing, or the signature is forged)"),
                "X": N_("an expired signature"), "Y": N_("a signature by an expired key"), "R": N_("a revoked key")}
        known = what.get(sig.status)
        text = str(known) if known is not None else _("a signature git cannot check (status {status})",
                                                      status=sig.status)
        return [("bad_signature", text)]
    if person is None:
        return []  # reported as an unknown person
    if source != "git":
        # a forge review copied into git by warta publish: signed by the publishing identity (rule 5)
        entry = authority.people.pipeline
        if entry is not None and sig.key in {fingerprint(k) for k in entry.ssh_keys}:
            return []
        return [("not_publishing_identity", _("a review copied from {forge} counts only when the publishing "
                                              "identity (pipeline: in sop/people.yaml) signed its record",
                                              forge=source))]
    if sig.key in authority.keys.get(person.email.casefold(), frozenset()) and sig.status == "G":
        return []
    owner = next((p.name for p in authority.people.people
                  if sig.key in authority.keys.get(p.email.casefold(), frozenset())), None)
    if owner is not None and owner != person.name:
        return [("wrong_key", _("signed with {owner}'s key, not with one of {name}'s keys", owner=owner,
                                name=person.name))]
    return [("wrong_key", _("signed with key {key}, which sop/people.yaml does not list for {name}",
                            key=sig.key or "?", name=person.name))]


def _common_problems(
    record: Record, facts: ItemFacts, authority: Authority, policy: Policy, sig: Signature | None
) -> tuple[Person | None, list[tuple[str, str]]]:
    """Reasons that do not depend on the other records."""
    out: list[tuple[str, str]] = [("malformed", p) for p in record.problems] if record.problems else []
    if record.is_merge:
        out.append(("merge_commit", _("a merge commit is not an approval record")))
    elif record.changes_files:
        out.append(("changes_files", _("the approval commit also changes files (records must change none)")))
    if record.digest != facts.digest:
        out.append(("stale_digest", _("stale: it names an earlier version of the content (digest {then}…, now "
                                      "{now}…)", then=record.digest[:19], now=facts.digest[:19])))
    person = authority.person(record.author_email)
    if person is None:
        out.append(("unknown_person", _("<{email}> is not in sop/people.yaml", email=record.author_email)))
    if policy.require_signatures and not record.from_forge:  # a live review: the forge says who (forge_reviews)
        out.extend(_signature_problems(sig, person, authority, policy, record.source))
    return person, out


# Long on purpose: one pass over the records in history order, with the rules in the order DESIGN section 4
# states them; its parts are the helpers below.
def evaluate(
    facts: ItemFacts,
    records: Sequence[Record],
    policy: Policy,
    authority: Authority,
    record_authority: Mapping[str, Authority] | None = None,
    signatures: Mapping[str, Signature] | None = None,
    precedes: Callable[[str, str], bool] | None = None,
    blocking: Approval | None = None,
) -> ChainResult:
    """Judge ``records`` (history order, oldest first) for the item ``facts`` describes.

    ``authority``: the people who govern the item (at its base); ``record_authority``: a different
    ``people.yaml`` for individual records (by commit id), when they were made under another one.
    ``signatures``: git's verdicts by commit id; when given they stand for ``Record.signature`` (a record
    missing from it is unsigned). ``precedes(a, b)``: commit ``a`` is an ancestor of commit ``b`` (the
    commit graph's order; ``None``: history order alone). ``blocking``: see rule 7 above.
    """
    spec = facts.spec
    if spec is None or not spec.steps:
        item_problems = list(facts.problems)
        if spec is not None:
            item_problems.append(_("SOP {id} has no paraf step: nothing can approve this item", id=spec.id))
        state: State = "published" if facts.imported and not item_problems else "draft"
        return ChainResult(facts.path, spec.id if spec else None, facts.digest, state, None, (),
                           problems=tuple(item_problems), imported=facts.imported, hint=facts.hint,
                           sop_title=spec.title if spec else "")

    if facts.imported:
        steps = tuple(StepStatus(s.no, s.role, authority.title(s.role), s.kegiatan, s.waktu, s.minutes,
                                 "imported") for s in spec.steps)
        return ChainResult(facts.path, spec.id, facts.digest, "published", None, steps,
                           problems=facts.problems, imported=True, sop_title=spec.title)

    approved: dict[int, Approval] = {}
    filled_by: dict[str, set[str]] = {}  # person email -> roles of the steps they filled
    returned: Approval | None = None
    forced: Approval | None = None
    rejections: list[Rejection] = []
    others = record_authority or {}

    for record in records:
        who = others.get(record.sha, authority)
        sig = record.signature if signatures is None else signatures.get(record.sha, record.signature)
        person, problems = _common_problems(record, facts, who, policy, sig)
        decision = record.decision
        step = spec.step(record.step) if record.step is not None else None
        name = person.name if person else record.author_name

        problems.extend(_record_problems(record, step, person, spec, facts, policy, who))
        if not problems:
            problems.extend(_sequence_problems(record, step, person, spec, approved, filled_by, returned,
                                               forced, who, precedes))

        if problems:
            rejections.append(Rejection(record.sha, record.step, record.role, decision, name,
                                        record.author_email, record.at,
                                        tuple(dict.fromkeys(c for c, _ in problems)),
                                        tuple(dict.fromkeys(r for _, r in problems))))
            continue
        assert person is not None
        counted = Approval(record.sha, record.step or 0, record.role, decision, person.name, person.email,
                           record.at, record.note, (sig.key or None) if sig is not None else None, record.source)
        if decision == "approve":
            assert step is not None
            approved[step.no] = counted
            filled_by.setdefault(person.email.casefold(), set()).add(step.role)
        elif decision == "return":
            returned = counted
        else:
            forced = counted

    if returned is None and blocking is not None:
        returned = blocking
        rejections = [x for x in rejections if x.sha != blocking.sha]
    pending = [s for s in spec.steps if s.no not in approved]
    next_step = pending[0] if pending else None
    state = _state(facts, bool(approved), bool(pending), returned is not None, forced is not None)

    statuses = _statuses(spec, facts, authority, approved, returned, forced, next_step)
    show_next = next_step if state not in ("returned",) and next_step is not None else None
    return ChainResult(
        facts.path, spec.id, facts.digest, state, show_next, statuses, tuple(rejections),
        facts.problems, forced=forced is not None and bool(pending) and returned is None,
        forced_by=forced, returned=returned if state == "returned" else None, hint=facts.hint,
        sop_title=spec.title,
    )


def _state(facts: ItemFacts, approved: bool, pending: bool, returned: bool, forced: bool) -> State:
    if returned:
        return "returned"
    state: State
    if not pending or forced:
        state = "published" if facts.published else "approved"
    else:
        state = "in_review" if approved else "draft"
    if facts.problems and state in ("approved", "published"):
        state = "in_review" if approved else "draft"
    return state


def _record_problems(
    record: Record, step: StepSpec | None, person: Person | None, spec: ChainSpec, facts: ItemFacts,
    policy: Policy, who: Authority,
) -> list[tuple[str, str]]:
    """Reasons that depend on the record and the SOP, not on the other records (rules 4, 5, 10)."""
    problems: list[tuple[str, str]] = []
    decision = record.decision
    if record.source != "git" and spec.id == "governance":
        problems.append(("forge_governance", _("a forge review never approves a governed or CI file: the "
                                               "signatories sign approval records (warta approve)")))
    if decision in ("approve", "return"):
        if step is None and record.step is not None and not record.problems:
            problems.append(("unknown_step", _("step {step} is not a paraf step of SOP {sop} (paraf steps: "
                                               "{steps})", step=record.step, sop=spec.id,
                                               steps=", ".join(str(s.no) for s in spec.steps))))
        elif step is not None and record.role != step.role:
            problems.append(("wrong_role", _("step {step} is for {title} ({role}), the record says {given}",
                                             step=step.no, title=who.title(step.role), role=step.role,
                                             given=record.role)))
    elif decision == "force":
        if record.role not in policy.force_roles:
            allowed = ", ".join(sorted(policy.force_roles)) or _("none")
            problems.append(("force_not_allowed", _("role {role} may not force-publish "
                                                    "(approvals.force_publish_roles: {allowed})",
                                                    role=record.role, allowed=allowed)))
        if not facts.serta_merta:
            problems.append(("force_not_serta_merta", _("force counts only for serta-merta information "
                                                        "(kategori_informasi: serta-merta)")))
    if person is not None and record.role and not person.holds(record.role):
        problems.append(("role_not_held", _("{name} does not hold the role {role} in sop/people.yaml",
                                            name=person.name, role=record.role)))
    if (person is not None and not spec.authors_may_approve
            and (person.email.casefold() in facts.authors)):
        problems.append(("author", _("{name} wrote or changed this content; the author cannot approve it",
                                     name=person.name) if decision != "return" else
                         _("{name} wrote or changed this content; the author cannot return it", name=person.name)))

    return problems


def _statuses(spec: ChainSpec, facts: ItemFacts, authority: Authority, approved: Mapping[int, Approval],
              returned: Approval | None, forced: Approval | None, next_step: StepSpec | None
              ) -> tuple[StepStatus, ...]:
    """Each paraf step as the checklist shows it, with when it could start."""
    statuses: list[StepStatus] = []
    previous_at = facts.changed_at
    for s in spec.steps:
        got = approved.get(s.no)
        title = authority.title(s.role)
        if got is not None and not (returned is not None and returned.step == s.no):
            statuses.append(StepStatus(s.no, s.role, title, s.kegiatan, s.waktu, s.minutes, "approved",
                                       got.name, got.email, got.at, got.sha, previous_at, got.key, got.source))
            previous_at = got.at
            continue
        if returned is not None and returned.step == s.no:
            status: StepState = "returned"
            statuses.append(StepStatus(s.no, s.role, title, s.kegiatan, s.waktu, s.minutes, status,
                                       returned.name, returned.email, returned.at, returned.sha, previous_at,
                                       returned.key, returned.source))
            previous_at = None
            continue
        if forced is not None and returned is None:
            status = "skipped"
        elif s is next_step and returned is None:
            status = "pending"
        else:
            status = "waiting"
        statuses.append(StepStatus(s.no, s.role, title, s.kegiatan, s.waktu, s.minutes, status,
                                   started_at=previous_at if status in ("pending", "skipped") else None))
        previous_at = None

    return tuple(statuses)


def _sequence_problems(
    record: Record,
    step: StepSpec | None,
    person: Person | None,
    spec: ChainSpec,
    approved: Mapping[int, Approval],
    filled_by: Mapping[str, set[str]],
    returned: Approval | None,
    forced: Approval | None,
    who: Authority,
    precedes: Callable[[str, str], bool] | None = None,
) -> list[tuple[str, str]]:
    """Reasons that depend on what counted before this record (rules 3, 4b, 7)."""
    out: list[tuple[str, str]] = []
    if returned is not None:
        out.append(("returned", _("the item was returned by {name} (step {step}) and has not changed since; "
                                  "change it to start the chain again", name=returned.name, step=returned.step)))
        return out
    if record.decision == "force":
        if forced is not None:
            out.append(("already_forced", _("already force-published by {name}", name=forced.name)))
        return out
    assert step is not None and person is not None
    if step.no in approved:
        got = approved[step.no]
        out.append(("already_approved", _("step {step} was already approved by {name}", step=step.no,
                                          name=got.name) if record.decision == "approve" else
                    _("step {step} was already approved by {name}, it cannot be returned", step=step.no,
                      name=got.name)))
        return out
    previous: Approval | None = None
    if spec.ordered:
        for earlier in spec.steps:
            if earlier.no == step.no:
                break
            if earlier.no not in approved:
                holders = ", ".join(p.name for p in who.people.holders(earlier.role)) or _("nobody")
                title = who.title(earlier.role)
                out.append(("out_of_order", _("not this step yet: step {step} ({title}, held by {holders}) has "
                                              "not approved", step=earlier.no, title=title, holders=holders)))
                return out
            previous = approved[earlier.no]
        if (precedes is not None and previous is not None and record.decision == "approve"
                and not precedes(previous.sha, record.sha)):
            out.append(("not_after_previous", _("the approval of step {step} by {name} ({sha}) is not an "
                                                "ancestor of this record: it was given without seeing it "
                                                "(approvals follow each other in the commit graph)",
                                                step=previous.step, name=previous.name, sha=previous.sha[:12])))
            return out
    roles = filled_by.get(person.email.casefold())
    other = {r for r in roles if r != step.role} if roles else None
    if record.decision == "approve" and other and spec.distinct_people:
        out.append(("same_person", _("{name} already filled a step as {roles}; one person fills one step",
                                     name=person.name, roles=", ".join(sorted(other)))))
    return out


def trial(
    facts: ItemFacts,
    records: Sequence[Record],
    policy: Policy,
    authority: Authority,
    record_authority: Mapping[str, Authority] | None,
    draft: Record,
    signatures: Mapping[str, Signature] | None = None,
    precedes: Callable[[str, str], bool] | None = None,
    blocking: Approval | None = None,
) -> tuple[ChainResult, Rejection | None]:
    """Judge a decision before writing it, exactly as it would be judged once written: the result with
    ``draft`` appended, and its rejection (``None`` when it would count)."""
    result = evaluate(facts, [*records, draft], policy, authority, record_authority, signatures, precedes,
                      blocking)
    return result, next((r for r in result.rejections if r.sha == draft.sha), None)


__all__ = [
    "Approval",
    "Authority",
    "ChainResult",
    "ChainSpec",
    "DECISIONS",
    "ItemFacts",
    "Policy",
    "Record",
    "Rejection",
    "State",
    "StepSpec",
    "StepState",
    "StepStatus",
    "evaluate",
    "spec_from_sop",
    "trial",
]
