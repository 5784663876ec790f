"""Which step a decision acts on (pipeline.approvals.decide.choose_step): pure, no git.

The chain results are made by the real chain evaluation from hand-built records; people come from the
real people.yaml parser.
"""

from __future__ import annotations

from dataclasses import replace

from pipeline.approvals.chain import Authority, ChainResult, ItemFacts, Policy, Record, evaluate, spec_from_sop
from pipeline.approvals.decide import choose_step
from pipeline.git import Signature
from pipeline.people import People, Person, parse_people
from pipeline.sop_files import parse_sop

SOP = parse_sop("""\
id: rilis
nama: Rilis
identitas: {disahkan_oleh: kepala_dinas}
langkah:
  - {no: 1, kegiatan: Menulis, pelaksana: operator, mutu_baku: {waktu: 60 menit}}
  - {no: 2, kegiatan: Memeriksa, pelaksana: kasubbag, paraf: true, mutu_baku: {waktu: 15 menit}}
  - {no: 3, kegiatan: Menyetujui, pelaksana: sekdin, paraf: true, mutu_baku: {waktu: 15 menit}}
  - {no: 4, kegiatan: Terbit, pelaksana: operator, aksi: terbit_website, mutu_baku: {waktu: 5 menit}}
""", "sop/rilis.yaml")
PEOPLE: People = parse_people("""\
roles: {operator: Operator, kasubbag: Kasubbag, sekdin: Sekretaris Dinas, kepala_dinas: Kepala Dinas}
people:
  - {name: Rina, email: rina@x.go.id, roles: [operator]}
  - {name: Dwi, email: dwi@x.go.id, roles: [kasubbag]}
  - {name: Hendro, email: hendro@x.go.id, roles: [sekdin]}
  - {name: Budi, email: budi@x.go.id, roles: [kasubbag, sekdin]}
  - {name: Wahyu, email: wahyu@x.go.id, roles: [kepala_dinas]}
""", "sop/people.yaml")
SPEC = spec_from_sop(SOP)
STEPS = list(SPEC.steps)
POLICY = Policy(require_signatures=False, force_roles=frozenset({"kepala_dinas"}))
DIGEST = "sha256:" + "c" * 64
FACTS = ItemFacts("content/berita/2025/x.md", DIGEST, SPEC, authors=frozenset({"rina@x.go.id"}))


def who(name: str) -> Person:
    person = PEOPLE.by_email(f"{name}@x.go.id")
    assert person is not None
    return person


def chain(*records: tuple[str, int, str, str], serta_merta: bool = False) -> ChainResult:
    made = [Record(f"{n:040x}", FACTS.path, DIGEST, step, role, decision, name.title(), f"{name}@x.go.id",
                   1000 + n, signature=Signature("N", "", ""))
            for n, (name, step, role, decision) in enumerate(records, 1)]
    return evaluate(replace(FACTS, serta_merta=serta_merta), made, POLICY, Authority(PEOPLE))


def test_a_fresh_item_is_approved_at_its_first_paraf_step() -> None:
    choice = choose_step(chain(), STEPS, POLICY, "approve", who("dwi"), PEOPLE)
    assert (choice.step and choice.step.no, choice.role, choice.refusal) == (2, "kasubbag", None)


def test_a_later_role_holder_gets_their_own_step_not_the_first() -> None:
    # Hendro holds only sekdin: he acts on step 3 (the chain will then say it is not his turn yet)
    choice = choose_step(chain(), STEPS, POLICY, "approve", who("hendro"), PEOPLE)
    assert choice.step is not None and choice.step.no == 3 and choice.role == "sekdin"


def test_someone_whose_step_is_done_is_told_who_is_next() -> None:
    choice = choose_step(chain(("dwi", 2, "kasubbag", "approve")), STEPS, POLICY, "approve", who("dwi"),
                         PEOPLE)
    assert choice.step is None and choice.refusal is not None
    assert "step 2" in choice.refusal and "already approved by Dwi" in choice.refusal
    assert "next is step 3" in choice.refusal and "Hendro" in choice.refusal and "Budi" in choice.refusal


def test_as_role_chooses_among_the_roles_a_person_holds() -> None:
    choice = choose_step(chain(("dwi", 2, "kasubbag", "approve")), STEPS, POLICY, "approve", who("budi"),
                         PEOPLE, role="sekdin")
    assert choice.step is not None and (choice.step.no, choice.role) == (3, "sekdin")


def test_nothing_to_choose_when_complete_or_returned() -> None:
    done = chain(("dwi", 2, "kasubbag", "approve"), ("hendro", 3, "sekdin", "approve"))
    assert choose_step(done, STEPS, POLICY, "approve", who("budi"), PEOPLE).refusal == (
        "nothing to approve: every step is already approved")
    back = chain(("dwi", 2, "kasubbag", "approve"), ("hendro", 3, "sekdin", "return"))
    refused = choose_step(back, STEPS, POLICY, "approve", who("budi"), PEOPLE)
    assert refused.step is None and refused.refusal is not None and refused.refusal.startswith("returned by Hendro")


def test_force_needs_a_force_role_and_acts_on_the_first_open_step() -> None:
    refused = choose_step(chain(serta_merta=True), STEPS, POLICY, "force", who("dwi"), PEOPLE)
    assert refused.step is None and refused.refusal is not None
    assert "force_publish_roles is kepala_dinas (held by Wahyu)" in refused.refusal
    forced = choose_step(chain(serta_merta=True), STEPS, POLICY, "force", who("wahyu"), PEOPLE)
    assert forced.step is not None and (forced.step.no, forced.role) == (2, "kepala_dinas")
