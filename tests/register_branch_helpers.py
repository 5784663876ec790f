"""Sites whose archive register lives on a register branch (``archive.register_branch: warta-arsip``).

The branch, its commits and its tags are read here with plain git (``git log``, ``git show``,
``verify-commit`` with an allowed-signers file written from the documented format), never with warta's
own reading code; expectations come from docs/archive.md.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import yaml
from approvals_helpers import Person, Site, make_site, people_yaml
from identity_helpers import Key, pipeline_block
from publish_helpers import PUBLISH_YML, release_text

from pipeline.approvals.records import format_record
from pipeline.git import EMPTY_TREE

BRANCH = "warta-arsip"
BRANCH_YML = PUBLISH_YML.replace("archive:\n", f"archive:\n  register_branch: {BRANCH}\n", 1)


def branch_office(tmp_path: Path, cast: dict[str, Person], ci: Key, *, branch: bool = True) -> Site:
    """The publish tests' office with the publishing identity ``ci``; its register on ``warta-arsip``
    (``branch``) or on main."""
    people = people_yaml(cast) + pipeline_block(ci.public)
    return make_site(tmp_path, cast, extra={"warta.yml": BRANCH_YML if branch else PUBLISH_YML,
                                            "sop/people.yaml": people})


def bare_git(bare: Path, *args: str, check: bool = True) -> str:
    proc = subprocess.run(["git", f"--git-dir={bare}", *args], capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)}: {proc.stderr}")
    return proc.stdout


def branch_commits(site: Site, ref: str = BRANCH) -> list[str]:
    """The register branch's first-parent chain, oldest first."""
    return site.git("rev-list", "--first-parent", "--reverse", ref).split()


def branch_records(site: Site, ref: str = BRANCH) -> dict[str, dict[str, Any]]:
    """Every record file on the register branch's tip, read with plain YAML, by item path."""
    out: dict[str, dict[str, Any]] = {}
    for file in site.git("ls-tree", "-r", "--name-only", ref, "--", "arsip/").split():
        data = yaml.safe_load(site.git("show", f"{ref}:{file}"))
        assert data["path"] not in out, f"{data['path']} has two records"
        data["_file"] = file
        out[str(data["path"])] = data
    return out


def trailer(site: Site, sha: str, key: str) -> str:
    return site.git("log", "-1", f"--format=%(trailers:key={key},valueonly)", sha).strip()


def forge_on_branch(site: Site, person: Person, files: dict[str, str], *, sign_with: Path | None = None,
                    message: str = "Arsip: nomor palsu\n\nWarta-Register: numbering\n",
                    merge_from: str | None = None) -> str:
    """An operator with push access adds a commit to the register branch (with plain git, in a worktree of
    its own), signed with ``sign_with`` if given; ``merge_from``: a merge commit of that commit instead."""
    work = site.root.parent / f"forge-{len(list(site.root.parent.glob('forge-*')))}"
    site.git("worktree", "add", "-q", str(work), BRANCH)
    try:
        forger = Site(work, site.cast, site.home)
        for rel, text in files.items():
            forger.write(rel, text)
        forger.git("add", "-A", person=person)
        args = ["commit", "-q", "-F", "-"]
        if sign_with is not None:
            args = ["-c", f"user.signingkey={sign_with}", "-c", "gpg.format=ssh", *args, "-S"]
        else:
            args.append("--no-gpg-sign")
        if merge_from is not None:
            forger.git("switch", "-q", "-c", "forged-side", person=person)
            forger.git(*args, person=person, sign=False, input=message)
            forger.git("switch", "-q", BRANCH)
            forger.git("merge", "-q", "--no-ff", "--no-gpg-sign", "-m", message, "forged-side", person=person)
        else:
            forger.git(*args, person=person, sign=False, input=message)
        return forger.head()
    finally:
        site.git("worktree", "remove", "--force", str(work))


__all__ = ["BRANCH", "BRANCH_YML", "bare_git", "branch_commits", "branch_office", "branch_records",
           "forge_on_branch", "trailer"]


def keep_forged_review_copy(site: Site, ref: str, reviewer_id: str, signer: Path | None) -> str:
    """A release merged with its step 2 approval only, then a record approving its step 3 "by github review
    77" (reviewer ``reviewer_id``), written as Hendro, signed with the key file ``signer`` or unsigned, and
    kept on ``ref`` as warta keeps decisions (a genesis commit, a keep merge). The release's path."""
    path = "content/siaran-pers/2025/separuh.md"
    site.switch("rilis/separuh", create=True)
    site.write(path, release_text("Separuh"))
    site.commit("Rilis separuh", site.cast["rina"])
    site.record(site.cast["dwi"], path, 2, "kasubbag")
    site.merge("rilis/separuh", site.cast["wahyu"])
    main = site.head()
    message = format_record(item=path, digest=site.digest(path), step=3, role="sekdin", decision="approve",
                            subject=f"Approve step 3 by github review 77: {path}", source="github",
                            review={"id": "77", "url": "https://github.com/dinas/situs/pull/5#pullrequestreview-77",
                                    "reviewer_id": reviewer_id, "reviewer_login": "hendro", "state": "APPROVED",
                                    "commit": main, "at": "2026-01-05T03:00:00+00:00"})
    hendro, rina = site.cast["hendro"], site.cast["rina"]
    args = ["commit-tree", f"{main}^{{tree}}", "-p", main]
    if signer is not None:
        args = ["-c", f"user.signingkey={signer}", "-c", "gpg.format=ssh", *args, "-S"]
    copy = site.git(*args, person=hendro, sign=False, input=message)
    genesis = site.git("commit-tree", EMPTY_TREE, "-m", "warta: decisions", person=rina, sign=False)
    keeper = site.git("commit-tree", f"{copy}^{{tree}}", "-p", genesis, "-p", copy, "-m", "warta: keep",
                      person=rina, sign=False)
    site.git("update-ref", ref, keeper)
    return path
