"""Who wrote an item: the people whose keys signed the commits that changed it (approval rule 4).

Every commit after the trusted bootstrap that changed an item or a file it references (a merge that
changed content itself included) must carry a good SSH signature by a key that ``people.yaml`` lists
for somebody, whatever ``approvals.require_signatures`` says: the signer, never the commit's author or
committer field (which anyone can type), is the author who may not approve. An unsigned commit, a bad
signature or a key nobody is listed with is a problem of the item (it cannot be approved until the
commit is signed again). Pure: the verdicts come from :mod:`.signing`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from pipeline.approvals.chain import Authority
from pipeline.approvals.history import Touch
from pipeline.git import Signature
from pipeline.i18n import N_, _

SIGN_HOWTO = N_(
    "sign content commits with your SSH key listed in sop/people.yaml: git config user.signingkey "
    "~/.ssh/id_ed25519.pub; git config gpg.format ssh; git commit -S (to sign existing commits again: "
    "git commit --amend --no-edit -S for the last one, or git rebase --exec 'git commit --amend --no-edit "
    "-S' <base>)"
)
SHOWN = 3  # unsigned commits named one by one; the rest are counted


def _why(sig: Signature | None) -> str:
    if sig is None or sig.status == "N":
        return _("is not signed")
    if sig.status == "B":
        return _("has a bad signature (changed after signing, or forged)")
    if sig.status in ("G", "U"):
        return _("is signed with key {value}, which sop/people.yaml lists for nobody", value=sig.key or '?')
    return _("has a signature git cannot accept (status {status})", status=sig.status)


def content_signers(
    changes: Sequence[Touch],
    shas: Sequence[str],
    verdicts: Mapping[str, Signature],
    authority_for: Callable[[Touch], Authority],
) -> tuple[frozenset[str], list[str]]:
    """``(signers, problems)``: the casefolded emails of the people who signed ``changes``, and one
    problem line naming the commits that no listed person signed."""
    signers: set[str] = set()
    unsigned: list[str] = []
    for touch in changes:
        sha = shas[touch.pos]
        sig = verdicts.get(sha)
        person = authority_for(touch).owner(sig.key) if sig is not None and sig.status == "G" else None
        if person is None:
            unsigned.append(f"{sha[:12]} {_why(sig)}")
        else:
            signers.add(person.email.strip().casefold())
    if not unsigned:
        return frozenset(signers), []
    named = "; ".join(unsigned[:SHOWN])
    if len(unsigned) > SHOWN:
        named += _("; and {n} more", n=len(unsigned) - SHOWN)
    return frozenset(signers), [_("a commit that changed this content is not signed by a person in "
                                  "sop/people.yaml ({named}); {howto}", named=named, howto=_(SIGN_HOWTO))]
