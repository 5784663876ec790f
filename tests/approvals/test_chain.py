"""The pure chain evaluation (pipeline.approvals.chain): every rule, without git.

SOPs and people are built through the real parsers from YAML written here; records are built by hand.
The last tests are properties checked on randomised record sets (hypothesis).
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.approvals.chain import (
    Authority,
    ChainSpec,
    ItemFacts,
    Policy,
    Record,
    StepSpec,
    evaluate,
    spec_from_sop,
    trial,
)
from pipeline.git import Signature
from pipeline.people import parse_people
from pipeline.sop_files import parse_sop

SOP = parse_sop("""\
id: rilis
nama: Rilis
identitas: {disahkan_oleh: kepala_dinas}
langkah:
  - {no: 1, kegiatan: Menulis, pelaksana: operator, mutu_baku: {waktu: 60 menit}}
  - {no: 2, kegiatan: Memeriksa, pelaksana: kasubbag, paraf: true, mutu_baku: {waktu: 15 menit}}
  - {no: 3, kegiatan: Menyetujui, pelaksana: sekdin, paraf: true, jenis: keputusan, ya: 4, tidak: 1,
     mutu_baku: {waktu: 15 menit}}
  - {no: 4, kegiatan: Terbit, pelaksana: operator, aksi: terbit_website, mutu_baku: {waktu: 5 menit}}
""", "sop/rilis.yaml")

KEYS = {name: "ssh-ed25519 " + __import__("base64").b64encode(
    b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + hashlib.sha256(name.encode()).digest()).decode()
    for name in ("rina", "dwi", "ani", "hendro", "wahyu", "budi")}


def fp(name: str) -> str:
    import base64

    blob = base64.b64decode(KEYS[name].split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def people_text(extra_roles: dict[str, list[str]] | None = None) -> str:
    roles = {"rina": ["operator"], "dwi": ["kasubbag"], "ani": ["kasubbag"], "hendro": ["sekdin"],
             "wahyu": ["kepala_dinas"], "budi": ["kasubbag", "sekdin"]}
    for k, v in (extra_roles or {}).items():
        roles[k] = v
    lines = ["roles:", "  operator: Operator", "  kasubbag: Kasubbag", "  sekdin: Sekretaris Dinas",
             "  kepala_dinas: Kepala Dinas", "people:"]
    for name, held in roles.items():
        lines += [f"  - name: {name.title()}", f"    email: {name}@x.go.id", f"    roles: [{', '.join(held)}]",
                  f'    ssh_keys: ["{KEYS[name]}"]']
    return "\n".join(lines) + "\n"


PEOPLE = parse_people(people_text())
AUTH = Authority(PEOPLE)
POLICY = Policy(require_signatures=True, force_roles=frozenset({"kepala_dinas"}))
DIGEST = "sha256:" + "a" * 64
OLD = "sha256:" + "b" * 64
PATH = "content/siaran-pers/2025/x.md"
FACTS = ItemFacts(PATH, DIGEST, spec_from_sop(SOP), authors=frozenset({"rina@x.go.id"}), changed_at=1000)

_counter = iter(range(1, 10**9))


def rec(who: str, step: int, role: str, *, decision: str = "approve", digest: str = DIGEST,
        sig: str | None = "G", key: str | None = None, at: int | None = None, **kw: object) -> Record:
    n = next(_counter)
    signature = None if sig is None else Signature(sig, fp(key or who), f"{key or who}@x.go.id")
    return Record(sha=f"{n:040x}", item=PATH, digest=digest, step=step, role=role, decision=decision,
                  author_name=who.title(), author_email=f"{who}@x.go.id", at=at if at is not None else 1000 + n,
                  signature=signature, **kw)  # type: ignore[arg-type]


def codes(result: object) -> set[str]:
    return {c for r in result.rejections for c in r.codes}  # type: ignore[attr-defined]


def test_spec_takes_the_paraf_steps_in_sop_order() -> None:
    spec = spec_from_sop(SOP)
    assert [(s.no, s.role, s.minutes) for s in spec.steps] == [(2, "kasubbag", 15), (3, "sekdin", 15)]


def test_full_chain_in_order_is_approved() -> None:
    result = evaluate(FACTS, [rec("dwi", 2, "kasubbag", at=2000), rec("hendro", 3, "sekdin", at=3000)],
                      POLICY, AUTH)
    assert result.state == "approved" and result.complete and result.next is None
    assert [(s.no, s.status, s.by, s.at, s.started_at) for s in result.steps] == [
        (2, "approved", "Dwi", 2000, 1000), (3, "approved", "Hendro", 3000, 2000)]
    assert result.rejections == ()


def test_no_records_is_draft_one_step_in_review() -> None:
    assert evaluate(FACTS, [], POLICY, AUTH).state == "draft"
    half = evaluate(FACTS, [rec("dwi", 2, "kasubbag")], POLICY, AUTH)
    assert half.state == "in_review" and half.next is not None and half.next.no == 3
    assert [s.status for s in half.steps] == ["approved", "pending"]


def test_stale_digest_counts_for_nothing() -> None:
    result = evaluate(FACTS, [rec("dwi", 2, "kasubbag", digest=OLD), rec("hendro", 3, "sekdin")], POLICY, AUTH)
    assert result.state == "draft"
    assert codes(result) == {"stale_digest", "out_of_order"}
    assert any("stale" in r for r in result.reasons)


def test_out_of_order_approval_must_be_given_again() -> None:
    early = rec("hendro", 3, "sekdin")
    result = evaluate(FACTS, [early, rec("dwi", 2, "kasubbag")], POLICY, AUTH)
    assert result.state == "in_review" and result.next is not None and result.next.no == 3
    assert codes(result) == {"out_of_order"}
    again = evaluate(FACTS, [early, rec("dwi", 2, "kasubbag"), rec("hendro", 3, "sekdin")], POLICY, AUTH)
    assert again.state == "approved"


def test_author_cannot_approve_even_holding_the_role() -> None:
    facts = replace(FACTS, authors=frozenset({"dwi@x.go.id"}))
    result = evaluate(facts, [rec("dwi", 2, "kasubbag")], POLICY, AUTH)
    assert result.state == "draft" and codes(result) == {"author"}
    other = evaluate(facts, [rec("ani", 2, "kasubbag"), rec("hendro", 3, "sekdin")], POLICY, AUTH)
    assert other.state == "approved"


def test_role_must_be_held_and_match_the_step() -> None:
    result = evaluate(FACTS, [rec("rina", 2, "kasubbag"), rec("dwi", 2, "sekdin"), rec("dwi", 3, "kasubbag")],
                      POLICY, AUTH)
    assert result.state == "draft"
    assert {"role_not_held", "wrong_role"} <= codes(result)


def test_one_person_fills_one_step() -> None:
    result = evaluate(FACTS, [rec("budi", 2, "kasubbag"), rec("budi", 3, "sekdin")], POLICY, AUTH)
    assert result.state == "in_review" and codes(result) == {"same_person"}


def test_sop_giving_two_steps_to_one_role_lets_one_person_fill_both() -> None:
    spec = ChainSpec("dua", (StepSpec(2, "kasubbag"), StepSpec(5, "kasubbag")))
    facts = replace(FACTS, spec=spec)
    result = evaluate(facts, [rec("dwi", 2, "kasubbag"), rec("dwi", 5, "kasubbag")], POLICY, AUTH)
    assert result.state == "approved"


def test_signatures() -> None:
    unsigned = rec("dwi", 2, "kasubbag", sig=None)
    not_git_signed = rec("dwi", 2, "kasubbag", sig="N")
    bad = rec("dwi", 2, "kasubbag", sig="B")
    foreign = rec("dwi", 2, "kasubbag", key="ani")  # a valid signature by Ani's key, authored as Dwi
    unlisted = rec("dwi", 2, "kasubbag")._replace(signature=Signature("U", "SHA256:nobody", ""))
    result = evaluate(FACTS, [unsigned, not_git_signed, bad, foreign, unlisted], POLICY, AUTH)
    assert result.state == "draft"
    by_sha = {r.sha: r.codes for r in result.rejections}
    assert by_sha[unsigned.sha] == ("unsigned",) and by_sha[not_git_signed.sha] == ("unsigned",)
    assert by_sha[bad.sha] == ("bad_signature",)
    assert by_sha[foreign.sha] == ("wrong_key",) and by_sha[unlisted.sha] == ("wrong_key",)
    assert any("Ani's key" in r for x in result.rejections for r in x.reasons)
    relaxed = evaluate(FACTS, [unsigned, rec("hendro", 3, "sekdin", sig=None)], Policy(False), AUTH)
    assert relaxed.state == "approved"


def test_commit_that_changes_files_or_merges_counts_for_nothing() -> None:
    result = evaluate(FACTS, [rec("dwi", 2, "kasubbag", changes_files=True),
                              rec("ani", 2, "kasubbag", is_merge=True)], POLICY, AUTH)
    assert result.state == "draft" and codes(result) == {"changes_files", "merge_commit"}


def test_unknown_person_and_malformed_records() -> None:
    stranger = rec("dwi", 2, "kasubbag")._replace(author_email="mallory@evil.example", author_name="M")
    broken = rec("dwi", 2, "kasubbag", problems=("Warta-Role is missing",))
    result = evaluate(FACTS, [stranger, broken], POLICY, AUTH)
    assert result.state == "draft" and {"unknown_person", "malformed"} <= codes(result)


def test_return_blocks_until_the_content_changes() -> None:
    records = [rec("dwi", 2, "kasubbag"), rec("hendro", 3, "sekdin", decision="return", note="Foto buram"),
               rec("hendro", 3, "sekdin")]
    result = evaluate(FACTS, records, POLICY, AUTH)
    assert result.state == "returned" and not result.complete and result.next is None
    assert result.returned is not None and result.returned.note == "Foto buram"
    assert codes(result) == {"returned"}
    assert [s.status for s in result.steps] == ["approved", "returned"]
    changed = evaluate(replace(FACTS, digest=OLD), records, POLICY, AUTH)  # content changed since
    assert changed.state == "draft" and codes(changed) == {"stale_digest"}


def test_return_is_only_for_the_pending_step() -> None:
    early = rec("hendro", 3, "sekdin", decision="return", note="x")
    result = evaluate(FACTS, [early], POLICY, AUTH)
    assert result.state == "draft" and codes(result) == {"out_of_order"}


def test_force_makes_serta_merta_publishable_until_retrospective_approval() -> None:
    facts = replace(FACTS, serta_merta=True)
    force = rec("wahyu", 2, "kepala_dinas", decision="force")
    result = evaluate(facts, [force], POLICY, AUTH)
    assert result.state == "approved" and result.complete and result.forced
    assert [s.status for s in result.steps] == ["skipped", "skipped"]
    assert result.next is not None and result.next.no == 2
    retro = evaluate(facts, [force, rec("dwi", 2, "kasubbag"), rec("hendro", 3, "sekdin")], POLICY, AUTH)
    assert retro.state == "approved" and not retro.forced


def test_force_counts_for_nothing_elsewhere() -> None:
    not_urgent = evaluate(FACTS, [rec("wahyu", 2, "kepala_dinas", decision="force")], POLICY, AUTH)
    assert not_urgent.state == "draft" and codes(not_urgent) == {"force_not_serta_merta"}
    facts = replace(FACTS, serta_merta=True)
    wrong_role = evaluate(facts, [rec("hendro", 2, "sekdin", decision="force")], POLICY, AUTH)
    assert wrong_role.state == "draft" and codes(wrong_role) == {"force_not_allowed"}
    pretender = evaluate(facts, [rec("dwi", 2, "kepala_dinas", decision="force")], POLICY, AUTH)
    assert pretender.state == "draft" and codes(pretender) == {"role_not_held"}


def test_imported_items_are_published_without_a_chain() -> None:
    result = evaluate(replace(FACTS, imported=True), [], POLICY, AUTH)
    assert result.state == "published" and result.imported and result.complete
    assert {s.status for s in result.steps} == {"imported"}


def test_published_and_problems() -> None:
    records = [rec("dwi", 2, "kasubbag"), rec("hendro", 3, "sekdin")]
    assert evaluate(replace(FACTS, published=True), records, POLICY, AUTH).state == "published"
    blocked = evaluate(replace(FACTS, problems=("front matter cannot be read",)), records, POLICY, AUTH)
    assert not blocked.complete and "front matter cannot be read" in blocked.reasons
    assert not evaluate(replace(FACTS, spec=None), [], POLICY, AUTH).complete


def test_record_judged_by_the_people_of_its_own_time() -> None:
    # Dwi was kasubbag when she approved; she has since moved on (not in today's people.yaml roles).
    today = Authority(parse_people(people_text({"dwi": ["operator"]})))
    first = rec("dwi", 2, "kasubbag")
    records = [first, rec("hendro", 3, "sekdin")]
    assert evaluate(FACTS, records, POLICY, today).state == "draft"
    assert evaluate(FACTS, records, POLICY, today, {first.sha: AUTH}).state == "approved"


def test_governance_spec_is_unordered_and_may_be_filled_by_one_person() -> None:
    spec = ChainSpec("governance", (StepSpec(1, "kasubbag"), StepSpec(2, "sekdin")), ordered=False,
                     authors_may_approve=True, distinct_people=False)
    facts = ItemFacts("sop/people.yaml", DIGEST, spec, authors=frozenset({"budi@x.go.id"}))
    result = evaluate(facts, [rec("budi", 2, "sekdin"), rec("budi", 1, "kasubbag")], POLICY, AUTH)
    assert result.state == "approved"


def test_trial_judges_a_draft_like_a_record() -> None:
    _, verdict = trial(FACTS, [], POLICY, AUTH, None, rec("hendro", 3, "sekdin"))
    assert verdict is not None and verdict.codes == ("out_of_order",)
    assert "held by Dwi, Ani, Budi" in verdict.reasons[0]
    _, ok = trial(FACTS, [], POLICY, AUTH, None, rec("dwi", 2, "kasubbag"))
    assert ok is None


# --------------------------------------------------------------------------------------------------
# properties

GOOD = [("dwi", 2, "kasubbag"), ("ani", 2, "kasubbag"), ("hendro", 3, "sekdin"), ("budi", 3, "sekdin")]
DEFECTS = ["stale", "unsigned", "bad", "foreign_key", "author", "not_holder", "changes_files", "merge",
           "stranger", "wrong_role", "malformed", "force_not_urgent"]


def defective(defect: str, who: str, step: int, role: str) -> Record:
    """A record with exactly one thing wrong that must stop it from counting."""
    if defect == "stale":
        return rec(who, step, role, digest=OLD)
    if defect == "unsigned":
        return rec(who, step, role, sig=None)
    if defect == "bad":
        return rec(who, step, role, sig="B")
    if defect == "foreign_key":
        return rec(who, step, role, key="wahyu")
    if defect == "author":
        return rec("rina", step, role)
    if defect == "not_holder":
        return rec("wahyu", step, role)
    if defect == "changes_files":
        return rec(who, step, role, changes_files=True)
    if defect == "merge":
        return rec(who, step, role, is_merge=True)
    if defect == "stranger":
        return rec(who, step, role)._replace(author_email="x@evil.example")
    if defect == "wrong_role":
        return rec(who, step, "sekdin" if role == "kasubbag" else "kasubbag")
    if defect == "malformed":
        return rec(who, step, role, problems=("Warta-Digest is missing",))
    return rec("wahyu", step, "kepala_dinas", decision="force")


forgeries = st.lists(st.tuples(st.sampled_from(DEFECTS), st.sampled_from(GOOD)), max_size=12)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(forgeries)
def test_forged_records_never_approve_anything(forged: list[tuple[str, tuple[str, int, str]]]) -> None:
    records = [defective(d, *g) for d, g in forged]
    result = evaluate(FACTS, records, POLICY, AUTH)
    assert result.state == "draft"
    assert not any(s.status == "approved" for s in result.steps)
    assert len(result.rejections) == len(records)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.permutations(range(4)), forgeries, st.randoms(use_true_random=False))
def test_forgeries_mixed_into_a_history_change_nothing(
    order: list[int], forged: list[tuple[str, tuple[str, int, str]]], rnd: object
) -> None:
    clean = [rec(*GOOD[i]) for i in order]
    mixed = list(clean)
    for d, g in forged:
        mixed.insert(rnd.randrange(len(mixed) + 1), defective(d, *g))  # type: ignore[attr-defined]
    plain = evaluate(FACTS, clean, POLICY, AUTH)
    noisy = evaluate(FACTS, mixed, POLICY, AUTH)
    assert [(s.no, s.status, s.sha) for s in noisy.steps] == [(s.no, s.status, s.sha) for s in plain.steps]
    assert noisy.state == plain.state


@settings(max_examples=300)
@given(st.lists(st.sampled_from(GOOD + [("rina", 2, "kasubbag"), ("wahyu", 3, "sekdin")]), max_size=8),
       st.booleans())
def test_whatever_approves_satisfies_every_rule(picks: list[tuple[str, int, str]], urgent: bool) -> None:
    records = [rec(*p) for p in picks]
    facts = replace(FACTS, serta_merta=urgent)
    result = evaluate(facts, records, POLICY, AUTH)
    by_sha = {r.sha: r for r in records}
    approved = [s for s in result.steps if s.status == "approved"]
    positions = [list(by_sha).index(s.sha) for s in approved if s.sha]
    assert positions == sorted(positions)  # rule 3: in SOP order in history
    assert [s.no for s in approved] == [s.no for s in result.steps][: len(approved)]
    people = [s.email for s in approved]
    assert len(set(people)) == len(people)  # rule 4: distinct people for these distinct roles
    for s in approved:
        record = by_sha[s.sha or ""]
        person = PEOPLE.by_email(record.author_email)
        assert person is not None and person.holds(s.role)  # rule 5
        assert record.author_email not in facts.authors  # rule 4
        assert record.digest == facts.digest  # rule 2
    if result.state == "approved":
        assert len(approved) == len(result.steps)


def test_each_counted_step_carries_the_fingerprint_of_the_key_that_signed_it() -> None:
    result = evaluate(FACTS, [rec("dwi", 2, "kasubbag"), rec("hendro", 3, "sekdin")], POLICY, AUTH)
    assert [(s.no, s.key) for s in result.steps] == [(2, fp("dwi")), (3, fp("hendro"))]
    half = evaluate(FACTS, [rec("dwi", 2, "kasubbag")], POLICY, AUTH)
    assert [s.key for s in half.steps] == [fp("dwi"), None]  # the pending step has no signer yet


def test_a_return_and_a_force_carry_their_signing_key() -> None:
    returned = evaluate(FACTS, [rec("dwi", 2, "kasubbag"), rec("hendro", 3, "sekdin", decision="return")],
                        POLICY, AUTH)
    assert returned.returned is not None and returned.returned.key == fp("hendro")
    assert returned.steps[1].status == "returned" and returned.steps[1].key == fp("hendro")
    facts = replace(FACTS, serta_merta=True)
    forced = evaluate(facts, [rec("wahyu", 2, "kepala_dinas", decision="force")], POLICY, AUTH)
    assert forced.forced_by is not None and forced.forced_by.key == fp("wahyu")


def test_without_signature_verdicts_no_key_is_claimed() -> None:
    policy = Policy(require_signatures=False)
    result = evaluate(FACTS, [rec("dwi", 2, "kasubbag", sig=None), rec("hendro", 3, "sekdin", sig=None)],
                      policy, AUTH)
    assert result.complete and [s.key for s in result.steps] == [None, None]


def graph(*edges: tuple[Record, Record]) -> object:
    """``precedes`` for a commit graph given as (ancestor, descendant) pairs (transitively closed)."""
    below: dict[str, set[str]] = {}
    for a, b in edges:
        below.setdefault(b.sha, set()).add(a.sha)

    def precedes(a: str, b: str) -> bool:
        seen, todo = set(), [b]
        while todo:
            x = todo.pop()
            if x == a:
                return True
            if x not in seen:
                seen.add(x)
                todo.extend(below.get(x, ()))
        return False

    return precedes


def test_an_approval_signed_without_seeing_the_previous_step_does_not_count() -> None:
    side_a, side_b = rec("dwi", 2, "kasubbag"), rec("hendro", 3, "sekdin")
    unrelated = graph()  # both on side branches of the content commit: neither is the other's ancestor
    for order in ([side_a, side_b], [side_b, side_a]):
        result = evaluate(FACTS, order, POLICY, AUTH, precedes=unrelated)  # type: ignore[arg-type]
        assert result.state == "in_review" and not result.complete
        assert codes(result) <= {"not_after_previous", "out_of_order"} and codes(result)
    seen = evaluate(FACTS, [side_a, side_b], POLICY, AUTH, precedes=graph((side_a, side_b)))  # type: ignore[arg-type]
    assert seen.complete


def test_a_return_found_valid_in_its_own_history_blocks_a_chain_completed_beside_it() -> None:
    a2, a3 = rec("dwi", 2, "kasubbag"), rec("ani", 3, "sekdin")
    people = Authority(parse_people(people_text({"ani": ["sekdin"]})))
    back = rec("hendro", 3, "sekdin", decision="return", note="Foto buram")
    alone = evaluate(FACTS, [a2, a3, back], POLICY, people)
    assert alone.complete and "already_approved" in codes(alone)  # history order alone: the return is late
    own = evaluate(FACTS, [a2, back], POLICY, people)
    assert own.returned is not None
    blocked = evaluate(FACTS, [a2, a3, back], POLICY, people, blocking=own.returned)
    assert blocked.state == "returned" and not blocked.complete
    assert blocked.returned is not None and blocked.returned.sha == back.sha
    assert back.sha not in {x.sha for x in blocked.rejections}
