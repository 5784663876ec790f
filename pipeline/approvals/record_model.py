"""An approval record as read from history, and the decisions a record can carry: apart from
:mod:`.chain_model` (which re-exports them) so that reading history needs neither the people nor the SOP
models (``warta verify --all`` forks the child that reads history before those are imported)."""

from __future__ import annotations

from typing import NamedTuple

from pipeline.git import Signature

DECISIONS = ("approve", "return", "force")


class Record(NamedTuple):
    """One approval record (an empty commit with ``Warta-*`` trailers), as read from history.

    ``problems``: what is wrong with the trailers themselves (missing, repeated, unreadable).
    ``note``: the message body without subject and trailers (a return's reason, an approver's comment).
    ``source``: where the decision was given: ``git``, or the forge a review came from (github, gitlab,
    gitea), for a review judged live (``from_forge``: built from the forge's API in this run, never from
    git) or copied into git by ``warta publish`` (``Warta-Source``, signed by the publishing identity);
    ``review``: the copied review's trailers (``id``, ``url``, ``reviewer_id``, …) as pairs.
    A named tuple: there are tens of thousands of them and they are built on every run.
    """

    sha: str
    item: str
    digest: str
    step: int | None
    role: str
    decision: str
    author_name: str
    author_email: str
    at: int
    committer_email: str = ""
    changes_files: bool = False
    is_merge: bool = False
    signature: Signature | None = None
    note: str = ""
    problems: tuple[str, ...] = ()
    source: str = "git"
    from_forge: bool = False
    review: tuple[tuple[str, str], ...] = ()
