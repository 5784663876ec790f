"""Approval rule 4 with authenticated authors: every commit that changes an item's content (a merge that
changes content included) must be signed by a person listed in sop/people.yaml, whatever
require_signatures says, and the author who may not approve is the signer, not the commit's author field
(issue 13 point 7). Real repositories, real keys."""

from __future__ import annotations

import json
from pathlib import Path

from approvals_helpers import Person, Site, approve_fully, chain_of, item_text, make_site, release

HOWTO = "git config user.signingkey"





def commit_signed_with(site: Site, message: str, author: Person, key: Person) -> str:
    """A commit whose author field says ``author`` and whose signature is ``key``'s."""
    site.git("add", "-A", person=author)
    site.git("-c", f"user.signingkey={key.key}.pub", "-c", "gpg.format=ssh", "commit", "-q", "-S", "-m", message,
             person=author, sign=False)
    return site.head()


def test_an_unsigned_content_commit_cannot_be_approved_until_signed_again(site: Site) -> None:
    path = "content/siaran-pers/2025/tanpa-tanda.md"
    site.switch("rilis/tanpa-tanda", create=True)
    site.write(path, item_text())
    unsigned = site.commit("Rilis", site.cast["rina"], sign=False)
    result = chain_of(site, path)
    assert not result.complete
    assert any(unsigned[:12] in p and "is not signed" in p and HOWTO in p and "git commit -S" in p
               for p in result.problems)
    proc = site.cli("approve", person=site.cast["dwi"])
    assert proc.returncode == 1 and "cannot be approved" in proc.stderr and "git commit -S" in proc.stderr
    # Rina signs it again (the same bytes): now it can be approved
    site.git("commit", "-q", "--amend", "--no-edit", "-S", person=site.cast["rina"])
    assert chain_of(site, path).problems == ()
    assert site.cli("approve", person=site.cast["dwi"]).returncode == 0
    assert site.cli("approve", person=site.cast["hendro"]).returncode == 0
    assert chain_of(site, path).complete


def test_unsigned_content_is_refused_even_when_approvals_need_no_signature(
        tmp_path: Path, cast: dict[str, Person]) -> None:
    site = make_site(tmp_path, cast, signatures=False)
    path = "content/siaran-pers/2025/tanpa-tanda.md"
    site.switch("rilis/tanpa-tanda", create=True)
    site.write(path, item_text())
    site.commit("Rilis", site.cast["rina"], sign=False)
    site.record(site.cast["dwi"], path, 2, "kasubbag", sign=False)
    site.record(site.cast["hendro"], path, 3, "sekdin", sign=False)
    result = chain_of(site, path)
    assert not result.complete and any("is not signed" in p for p in result.problems)
    assert [s.status for s in result.steps] == ["approved", "approved"]  # the records themselves count


def test_a_key_nobody_is_listed_with_does_not_authenticate_content(site: Site) -> None:
    path = "content/siaran-pers/2025/orang-asing.md"
    site.switch("rilis/orang-asing", create=True)
    site.write(path, item_text())
    commit_signed_with(site, "Rilis", site.cast["rina"], site.cast["stranger_key"])
    approve_fully(site, path)
    result = chain_of(site, path)
    assert not result.complete
    assert any("which sop/people.yaml lists for nobody" in p for p in result.problems)


def test_a_forged_author_email_signed_by_the_approvers_key_makes_the_approver_the_author(site: Site) -> None:
    path = "content/siaran-pers/2025/nama-palsu.md"
    site.switch("rilis/nama-palsu", create=True)
    site.write(path, item_text())
    # Dwi writes the release, but the commit says Rina wrote it; the signature is Dwi's
    commit_signed_with(site, "Rilis", site.cast["rina"], site.cast["dwi"])
    site.record(site.cast["dwi"], path, 2, "kasubbag")
    result = chain_of(site, path)
    assert result.problems == () and [c for x in result.rejections for c in x.codes] == ["author"]
    proc = site.cli("approve", person=site.cast["dwi"])
    assert proc.returncode == 1 and "the author cannot approve it" in proc.stderr


def test_the_author_field_alone_does_not_make_someone_the_author(site: Site) -> None:
    path = "content/siaran-pers/2025/atas-nama.md"
    site.switch("rilis/atas-nama", create=True)
    site.write(path, item_text())
    commit_signed_with(site, "Rilis", site.cast["dwi"], site.cast["rina"])  # says Dwi, signed by Rina
    approve_fully(site, path)
    assert chain_of(site, path).complete


def test_an_unsigned_merge_that_changes_content_is_refused(site: Site) -> None:
    path = release(site)
    approve_fully(site, path)
    c = site.cast
    site.switch("lain", create=True, start="main")
    site.write("content/berita/2025/lain.md", item_text(title="Lain"))
    site.commit("Berita lain", c["eve"])
    site.switch("rilis/bantuan-bibit")
    # an "evil merge": the merge commit itself changes the release, and nobody signs it
    site.git("merge", "-q", "--no-ff", "--no-commit", "lain", person=c["eve"])
    site.write(path, item_text(body="Isi rilis bantuan-bibit. Ditambah diam-diam."))
    site.git("add", path, person=c["eve"])
    site.git("commit", "-q", "--no-gpg-sign", "-m", "Merge lain", person=c["eve"])
    merge = site.head()
    result = chain_of(site, path)
    assert not result.complete
    assert any(merge[:12] in p and "is not signed" in p for p in result.problems)


def test_a_signed_merge_that_changes_content_makes_its_signer_an_author(site: Site) -> None:
    path = release(site)
    c = site.cast
    site.switch("lain", create=True, start="main")
    site.write("content/berita/2025/lain.md", item_text(title="Lain"))
    site.commit("Berita lain", c["eve"])
    site.switch("rilis/bantuan-bibit")
    site.git("merge", "-q", "--no-ff", "--no-commit", "lain", person=c["dwi"])
    site.write(path, item_text(body="Isi rilis, disunting saat merge."))
    site.git("add", path, person=c["dwi"])
    site.git("commit", "-q", "-S", "-m", "Merge lain", person=c["dwi"])
    site.record(c["dwi"], path, 2, "kasubbag")
    result = chain_of(site, path)
    assert result.problems == () and [x for r in result.rejections for x in r.codes] == ["author"]


def test_the_trusted_root_commit_needs_no_signature(site: Site) -> None:
    # the bootstrap commit holds an imported page, committed without a signature
    result = chain_of(site, "content/halaman/tentang.md", paths=["content/halaman/tentang.md"])
    assert result.complete and result.imported and result.problems == ()


def test_content_commit_verdicts_are_kept_in_the_signature_cache(site: Site) -> None:
    path = release(site)
    content = site.head()
    chain_of(site, path)
    cache = json.loads((site.root / ".warta-cache" / "signatures" / "verdicts.json").read_text())
    assert content in cache["verdicts"]
