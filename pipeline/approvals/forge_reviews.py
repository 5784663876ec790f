"""Pull-request reviews as approval records: the translation from a forge's reviews to the inputs of the
one pure chain (:func:`pipeline.approvals.chain.evaluate`), so a review is judged under every rule a git
record is (DESIGN section 4; docs/forges.md).

How a review becomes a record, per item of the pull request:

- **who**: the reviewer's numeric forge id (``github_id``, ``gitlab_id``, ``gitea_id`` in the trusted
  ``people.yaml``; a login matches nobody) and they must still be a collaborator with write access;
- **what**: APPROVED approves; CHANGES_REQUESTED from a holder of a role in the item's chain is a
  ``return`` whose reason is the review body, and stays one when the review is dismissed; a dismissed
  approval, a comment and a pending review count for nothing;
- **which step**: the one :func:`~pipeline.approvals.decide.choose_step` picks for ``warta approve`` at
  that moment of the chain (the next open step when the reviewer holds its role, else the first open step
  whose role they hold); a ``Warta-Role: <role>`` line in the body of a review never edited chooses among
  several roles (an edited body's line is refused: someone else may have changed it);
- **which content**: the item's digest at the reviewed commit; a review of a commit that does not hold
  the item's current digest is stale, like a record naming an old digest;
- **order**: reviews and git records in one sequence, by time; the previous step's approval must be in
  the reviewed commit's history when it is a git record (the reviewer saw it), and a git record after a
  review must descend from the reviewed commit;
- **never**: governed and CI files (their changes need the signatories' signed records), the pull
  request's author (added to the item's authors), a second step by the same person.

The chain is the same function as for git records; this module only builds its inputs and the
rejections it cannot express (an unknown account, not a collaborator, a refused ``Warta-Role`` line).
"""

from __future__ import annotations

import dataclasses
import heapq
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pipeline.approvals.chain import ChainResult, Record, Rejection, evaluate
from pipeline.approvals.decide import choose_step
from pipeline.approvals.judge import evaluate_repository
from pipeline.approvals.report import ItemContext, Report
from pipeline.approvals.revisions import Files, ItemCache
from pipeline.errors import ConfigError
from pipeline.forges import check_environment, open_forge, pr_number_from_env
from pipeline.forges.base import Forge, PullRequest, Review
from pipeline.git import Git
from pipeline.i18n import _
from pipeline.people import People, Person

_ROLE_LINE = re.compile(r"^[ \t]*Warta-Role[ \t]*:[ \t]*(\S*)[ \t]*$", re.IGNORECASE | re.MULTILINE)
_ROLE_ID = re.compile(r"^[a-z][a-z0-9_]*$")
ID_FIELDS = {"github": "github_id", "gitlab": "gitlab_id", "gitea": "gitea_id"}


@dataclass(frozen=True)
class PullRequestReviews:
    """What the forge said about one pull request: its reviews and, for each reviewer who is a person,
    whether they may still write to the repository."""

    source: str
    pr: PullRequest
    reviews: tuple[Review, ...]
    collaborators: Mapping[int, bool]
    notes: tuple[str, ...] = ()

    def sid(self, review: Review) -> str:
        """The record id a review is judged under (``github-review-123``)."""
        return review_sid(self.source, review)

    def by_sid(self) -> dict[str, Review]:
        return {self.sid(r): r for r in self.reviews}


def review_sid(source: str, review: Review) -> str:
    return f"{source}-review-{review.id}"


def counts(review: Review) -> bool:
    """A review that can be a decision: an approval not dismissed, or a request for changes (dismissed
    or not)."""
    return review.at is not None and (
        (review.state == "APPROVED" and not review.dismissed) or review.state == "CHANGES_REQUESTED")


def gather(forge: Forge, number: int, people: People) -> PullRequestReviews:
    """Ask ``forge`` for pull request ``number``, its reviews and the collaborator status of every
    reviewer ``people`` knows (I/O: the forge's API)."""
    pr = forge.pull_request(number)
    reviews = forge.reviews(pr)
    collaborators: dict[int, bool] = {}
    for review in reviews:
        user = review.user
        if user.id in collaborators or not counts(review) or people.by_forge_id(forge.source, user.id) is None:
            continue
        collaborators[user.id] = forge.is_collaborator(user)
    notes = tuple(getattr(forge, "notes", ()))
    return PullRequestReviews(forge.source, pr, tuple(reviews), collaborators, notes)


def digests_at(git: Git, commits: Iterable[str | None], paths: Sequence[str],
               limits: Any = None) -> dict[tuple[str, str], str | None]:
    """``(commit, path) -> digest`` of each item at each reviewed commit (``""``: the item is not there;
    ``None``: the commit is not in this repository). One ``ls-tree`` and one blob read per commit."""
    out: dict[tuple[str, str], str | None] = {}
    for commit in dict.fromkeys(c for c in commits if c):
        sha = git.rev_parse(f"{commit}^{{commit}}") if re.fullmatch(r"[0-9a-f]{7,64}", commit) else None
        if sha is None:
            out.update({(commit, p): None for p in paths})
            continue
        tree = {e.path: e for e in git.ls_tree(sha)}
        files = Files(git, tree, ItemCache(None), limits)
        present = [p for p in paths if p in tree]
        infos = files.info(present)
        digests = files.digests({p: files.existing([p, *infos[p].refs]) for p in present})
        out.update({(commit, p): digests.get(p, "") for p in paths})
    return out


def warta_role(review: Review) -> tuple[str | None, str | None]:
    """``(role, refusal)``: the role a ``Warta-Role:`` line of the body picks, and why it cannot be
    used (edited body, several lines, not a role id)."""
    found = _ROLE_LINE.findall(review.body or "")
    if not found:
        return None, None
    if review.edited is not False:
        if review.edited:
            return None, _("its body was edited after it was submitted, so its Warta-Role line is not trusted; "
                           "submit a new review (Approve again) with the line")
        return None, _("its body may have been edited (the forge cannot tell), so its Warta-Role line is not "
                       "trusted; submit a new review (Approve again) with the line")
    if len(set(found)) > 1:
        return None, _("its body names several roles ({roles}); name one Warta-Role", roles=", ".join(found))
    if not _ROLE_ID.match(found[0]):
        return None, _("Warta-Role '{role}' is not a role id (e.g. sekdin)", role=found[0][:40])
    return found[0], None


def _refused(pr: PullRequestReviews, review: Review, decision: str, code: str, reason: str,
             person: Person | None = None) -> Rejection:
    who = person.name if person else review.user.login
    email = person.email if person else f"{pr.source} id {review.user.id}"
    return Rejection(pr.sid(review), None, "", decision, who, email, review.at or 0, (code,), (reason,))


def _who(pr: PullRequestReviews, review: Review, people: People) -> tuple[Person | None, Rejection | None]:
    decision = "approve" if review.state == "APPROVED" else "return"
    person = people.by_forge_id(pr.source, review.user.id)
    field = ID_FIELDS[pr.source]
    if person is None:
        by_login = [p.name for p in people.people if p.github and p.github.casefold() == review.user.login.casefold()]
        hint = _("; {name} lists the login '{login}' but no {field}: a login alone matches nobody (logins are "
                 "renamed and re-registered)", name=by_login[0], login=review.user.login,
                 field=field) if by_login and pr.source == "github" else ""
        return None, _refused(pr, review, decision, "unknown_forge_user",
                              _("{forge} account {login} (id {id}) is no person's {field} in sop/people.yaml",
                                forge=pr.source, login=review.user.login, id=review.user.id, field=field) + hint)
    if not pr.collaborators.get(review.user.id, False):
        return person, _refused(pr, review, decision, "not_collaborator",
                                _("{login} may no longer write to the repository on {forge} (not a collaborator "
                                  "with write access)", login=review.user.login, forge=pr.source), person)
    return person, None


def merged(git_records: Sequence[Record], forge_records: Sequence[Record]) -> list[Record]:
    """One sequence by time, keeping each source's own order."""
    return list(heapq.merge(git_records, forge_records, key=lambda r: r.at))


def combined_precedes(base: Callable[[str, str], bool] | None, commit_of: Mapping[str, str | None]
                      ) -> Callable[[str, str], bool]:
    """The graph order of records and reviews: a review stands for the commit it reviewed."""
    def precedes(a: str, b: str) -> bool:
        if a in commit_of and b in commit_of:
            return True  # two reviews: the forge's order, which the sequence already is
        ca = commit_of.get(a, a) if a in commit_of else a
        cb = commit_of.get(b, b) if b in commit_of else b
        if ca is None or cb is None:
            return False
        return base(ca, cb) if base is not None else True
    return precedes


def judge_item(result: ChainResult, ctx: ItemContext, pr: PullRequestReviews,
               digests: Mapping[tuple[str, str], str | None]) -> ChainResult:
    """The chain of one content item with the pull request's reviews among its records."""
    spec = ctx.facts.spec
    if spec is None or not spec.steps or ctx.facts.imported:
        return result
    people = ctx.authority.people
    author = people.by_forge_id(pr.source, pr.pr.author.id)
    facts = ctx.facts
    if author is not None:  # the pull request's author cannot approve it (rule 4)
        facts = dataclasses.replace(facts, authors=facts.authors | {author.email.casefold()})
    git_records = ctx.records
    forge_records: list[Record] = []
    refused: list[Rejection] = []
    commit_of: dict[str, str | None] = {}
    precedes = combined_precedes(ctx.precedes, commit_of)

    def chain(records: Sequence[Record], until: int | None = None) -> ChainResult:
        gits = git_records if until is None else [r for r in git_records if r.at <= until]
        return evaluate(facts, merged(gits, records), ctx.policy, ctx.authority, ctx.record_authority,
                        ctx.signatures, precedes, ctx.blocking)

    for review in pr.reviews:
        if not counts(review):
            if review.state == "APPROVED" and review.dismissed:
                refused.append(_refused(pr, review, "approve", "dismissed",
                                        _("the approval was dismissed on {forge}", forge=pr.source),
                                        people.by_forge_id(pr.source, review.user.id)))
            continue
        decision: Literal["approve", "return"] = "approve" if review.state == "APPROVED" else "return"
        person, refusal = _who(pr, review, people)
        if refusal is not None or person is None:
            refused.extend([refusal] if refusal else [])
            continue
        if decision == "return" and not any(person.holds(s.role) for s in spec.steps):
            refused.append(_refused(pr, review, decision, "no_role_in_chain",
                                    _("{name} holds no role in this item's chain ({sop}): the request for changes "
                                      "is a comment", name=person.name, sop=spec.id), person))
            continue
        role, problem = warta_role(review)
        if problem is not None and decision == "approve":
            refused.append(_refused(pr, review, decision, "warta_role", problem, person))
            continue  # a return still counts (fail closed): at the step warta chooses, as without the line
        # the step is chosen as the chain stood when the review was given
        choice = choose_step(chain(forge_records, review.at), spec.steps, ctx.policy, decision, person, people, role)
        if choice.step is None:
            refused.append(_refused(pr, review, decision, "nothing_to_decide", choice.refusal or "", person))
            continue
        digest = digests.get((review.commit or "", result.path))
        problems = () if digest is not None else (
            _("the reviewed commit {commit} is not in this repository (fetch the pull request's commits, "
              "actions/checkout with fetch-depth: 0)", commit=(review.commit or "?")[:12]),)
        sid = pr.sid(review)
        commit_of[sid] = review.commit
        forge_records.append(Record(
            sid, result.path, digest or "", choice.step.no, choice.role or choice.step.role, decision, person.name,
            person.email, review.at or 0, note=review.body.strip(), problems=problems, source=pr.source,
            from_forge=True))
    final = chain(forge_records)
    final.rejections = (*final.rejections, *refused)
    return final


def judge_pull_request(report: Report, pr: PullRequestReviews,
                       digests: Mapping[tuple[str, str], str | None]) -> Report:
    """``report`` with each content item judged with the pull request's reviews, and each governance
    change told that reviews never approve it."""
    items = tuple(judge_item(r, report.contexts[r.path], pr, digests) if r.path in report.contexts else r
                  for r in report.items)
    approvals = [r for r in pr.reviews if counts(r) and r.state == "APPROVED"]
    governance = []
    for result in report.governance:
        extra = tuple(_refused(pr, r, "approve", "forge_governance", _(
            "a forge review never approves a governed or CI file: the signatories sign approval records "
            "(warta approve)")) for r in approvals)
        governance.append(dataclasses.replace(result, rejections=(*result.rejections, *extra)))
    problems = list(report.problems)
    head_ok = pr.pr.head_sha == report.head or _contains(report, pr.pr.head_sha)
    if pr.pr.base_ref and pr.pr.base_ref != report.main:
        problems.append(_("pull request #{number} would merge into {base}, not {main}: its reviews approve nothing "
                          "here", number=pr.pr.number, base=pr.pr.base_ref, main=report.main))
    if not head_ok:
        problems.append(_("HEAD ({head}) does not contain the head of pull request #{number} ({pr_head}): check out "
                          "the pull request (its reviews are judged against the items HEAD holds)",
                          head=report.head[:12], number=pr.pr.number, pr_head=pr.pr.head_sha[:12]))
    return dataclasses.replace(report, items=items, governance=tuple(governance), problems=tuple(problems),
                               warnings=(*report.warnings, *pr.notes))


def _contains(report: Report, sha: str) -> bool:
    return bool(re.fullmatch(r"[0-9a-f]{40,64}", sha)) and Git(report.root).is_ancestor(sha, report.head)


def annotate(doc: dict[str, Any], pr: PullRequestReviews) -> dict[str, Any]:
    """A ``result_json`` document with each forge step and rejection naming its review (``review``) and
    the reviewed commit (``commit``)."""
    reviews = pr.by_sid()
    for entry in [*doc.get("steps", []), *doc.get("rejections", [])]:
        review = reviews.get(str(entry.get("commit")))
        if review is None:
            continue
        entry["commit"] = review.commit
        entry["review"] = review_json(pr.source, review)
        entry.setdefault("source", pr.source)
    return doc


def review_json(source: str, review: Review) -> dict[str, Any]:
    return {"id": review.id, "url": review.url, "source": source, "reviewer_id": review.user.id,
            "reviewer_login": review.user.login, "state": review.state, "commit": review.commit,
            "dismissed": review.dismissed}


# -- the I/O edge: one pull request, judged -------------------------------------------------------------


def evaluate_pull_request(root: Path, number: int | None, *, environ: Mapping[str, str] | None = None,
                          fetch_decisions: bool = False, cache: bool = True,
                          forge: Forge | None = None) -> tuple[Report, PullRequestReviews, Forge]:
    """Judge the items changed on the branch with their git records and the reviews of pull request
    ``number`` (``None``: the one the CI's event names) on the forge ``approvals.forge`` of the trusted
    ``warta.yml`` names. Raises :class:`ConfigError` (exit 2) without one, or when the environment names
    another forge or repository."""
    env = os.environ if environ is None else environ
    report = evaluate_repository(root, fetch_decisions=fetch_decisions, cache=cache)
    section = report.config.approvals.forge
    if section is None:
        raise ConfigError(_("--pr: warta.yml names no forge (approvals.forge: type, url, repository, token_env); "
                            "see docs/forges.md"))
    if forge is None:
        forge = open_forge(section, env)
    else:
        check_environment(section, env)
    wanted = number if number is not None else pr_number_from_env(env)
    pr = gather(forge, wanted, report.people)
    paths = [r.path for r in report.items]
    digests = digests_at(Git(root), (r.commit for r in pr.reviews if counts(r)), paths,
                         report.config.limits)
    return judge_pull_request(report, pr, digests), pr, forge
