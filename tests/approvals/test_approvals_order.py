"""Approval rule 3 in the commit graph: a record for step k counts only when the approval that counted for
step k-1 is its ancestor. Two approvals signed on side branches without seeing each other never make a
chain, whichever order the branches are merged in (issue 13 point 5). Real repositories, real keys."""

from __future__ import annotations

import pytest
from approvals_helpers import Site, chain_of, release


def side_approvals(site: Site, path: str) -> None:
    """Dwi (step 2) and Hendro (step 3) each approve on their own branch from the release branch."""
    c = site.cast
    site.switch("side/kasubbag", create=True, start="rilis/bantuan-bibit")
    site.record(c["dwi"], path, 2, "kasubbag")
    site.switch("side/sekdin", create=True, start="rilis/bantuan-bibit")
    site.record(c["hendro"], path, 3, "sekdin")


@pytest.mark.parametrize("order", [("side/kasubbag", "side/sekdin"), ("side/sekdin", "side/kasubbag")])
def test_side_branches_signed_without_seeing_each_other_never_complete_a_chain(
        site: Site, order: tuple[str, str]) -> None:
    path = release(site)
    side_approvals(site, path)
    site.switch("rilis/bantuan-bibit")
    for branch in order:
        site.git("merge", "-q", "--no-ff", "-S", "-m", f"Merge {branch}", branch, person=site.cast["rina"])
    result = chain_of(site, path)
    assert not result.complete and result.state == "in_review"
    assert [(s.no, s.status) for s in result.steps] == [(2, "approved"), (3, "pending")]
    late = next(x for x in result.rejections if x.step == 3)
    assert set(late.codes) <= {"not_after_previous", "out_of_order"}
    # once Hendro approves after seeing step 2, the chain is complete
    site.record(site.cast["hendro"], path, 3, "sekdin")
    assert chain_of(site, path).complete


def test_side_approvals_merged_into_main_one_by_one_do_not_publish(site: Site) -> None:
    path = release(site)
    side_approvals(site, path)
    # step 2 first, then step 3: history order alone would call this a full chain
    site.merge("side/kasubbag", site.cast["wahyu"])
    site.merge("side/sekdin", site.cast["wahyu"])
    result = chain_of(site, path, all_items=True)
    assert not result.complete
    late = next(x for x in result.rejections if x.step == 3)
    assert late.codes == ("not_after_previous",)


def test_an_approval_in_a_line_after_the_previous_one_counts(site: Site) -> None:
    path = release(site)
    site.record(site.cast["dwi"], path, 2, "kasubbag")
    site.switch("side/sekdin", create=True, start="rilis/bantuan-bibit")  # after Dwi's approval
    site.record(site.cast["hendro"], path, 3, "sekdin")
    site.switch("rilis/bantuan-bibit")
    site.git("merge", "-q", "--no-ff", "-S", "-m", "Merge side/sekdin", "side/sekdin", person=site.cast["rina"])
    assert chain_of(site, path).complete


def test_warta_approve_refuses_a_step_whose_previous_approval_this_branch_does_not_hold(site: Site) -> None:
    path = release(site)
    site.switch("side/kasubbag", create=True, start="rilis/bantuan-bibit")
    done = site.cli("approve", person=site.cast["dwi"])
    assert done.returncode == 0, done.stderr
    site.switch("rilis/bantuan-bibit")
    # Dwi's approval is kept on refs/warta/decisions, but this branch does not hold it
    proc = site.cli("approve", person=site.cast["hendro"])
    assert proc.returncode == 1
    assert "is not an ancestor of this record" in proc.stderr and "git pull" in proc.stderr
    assert site.head() == site.git("rev-parse", "rilis/bantuan-bibit")  # nothing written
    site.git("merge", "-q", "--no-ff", "-S", "-m", "Merge side/kasubbag", "side/kasubbag", person=site.cast["rina"])
    again = site.cli("approve", person=site.cast["hendro"])
    assert again.returncode == 0, again.stderr
    assert chain_of(site, path).complete
