"""Approval records in git history (DESIGN section 3).

A record is one commit per decision that changes no file, authored by the approver, whose message ends
in a trailer block::

    Approve step 3 (Sekretaris Dinas): content/siaran-pers/2025/bantuan-bibit.md

    Optional comment, or for a return the reason.

    Warta-Item: content/siaran-pers/2025/bantuan-bibit.md
    Warta-Digest: sha256:<hex>
    Warta-Step: 3
    Warta-Role: sekdin
    Warta-Decision: approve

The trailer block is the last paragraph of the message (not the subject) and every line of it is a
``Key: value`` trailer (continuation lines start with white space); keys are compared without regard to
case, as git does. A commit whose trailer block names ``Warta-Item`` is a record; what is wrong with its
trailers (a missing or repeated key, a step that is not a number) is kept in ``Record.problems`` so the
chain can say why it does not count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from pipeline.approvals.record_model import DECISIONS, Record
from pipeline.git import EMPTY_TREE, Commit
from pipeline.i18n import _

KEYS = ("Warta-Item", "Warta-Digest", "Warta-Step", "Warta-Role", "Warta-Decision")
SOURCES = ("git", "github", "gitlab", "gitea")
# the review a record copied from a forge names (DESIGN section 3), trailer -> Record.review key
REVIEW_KEYS = {"Warta-Review-Id": "id", "Warta-Review-URL": "url", "Warta-Reviewer-Id": "reviewer_id",
               "Warta-Reviewer-Login": "reviewer_login", "Warta-Review-State": "state",
               "Warta-Review-Commit": "commit", "Warta-Review-At": "at"}
_TRAILER = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]*)[ \t]*:[ \t]?(.*)$")
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
_ROLE = re.compile(r"^[a-z][a-z0-9_]*$")
_NOTE_GAP = re.compile(r"\n(?:[ \t]*\n)+")
_STEP = re.compile(r"[1-9][0-9]{0,5}")
# every trailer key a record may carry, casefolded (git compares keys without regard to case)
_CANONICAL = {k.casefold(): k for k in (*KEYS, "Warta-Source", *REVIEW_KEYS)}
_PLAIN = frozenset((*KEYS, "Warta-Source"))
_CANONICAL_RECORD = re.compile("([^\n]*)\n\n" + "".join(f"{key}: ([!-~]+)\n" for key in KEYS[:-1])
                               + f"{KEYS[-1]}: ([!-~]+)\n*")


def parse_trailers(message: str) -> tuple[list[tuple[str, str]], str]:
    """``([(key, value), ...], note)``: the trailers of the last paragraph and the body before them.

    ``note`` is the text between the first paragraph (the subject) and the trailer block. Without a valid
    trailer block the trailer list is empty and the note is the whole body after the subject.
    """
    lines = message.replace("\r\n", "\n").rstrip().split("\n")
    blank = [i for i, line in enumerate(lines) if not line.strip()]
    if not blank:
        return [], ""
    first_end, last_start = blank[0], blank[-1] + 1
    block = lines[last_start:]
    middle = (_NOTE_GAP.sub("\n\n", "\n".join(lines[first_end + 1:blank[-1]])).strip()
              if first_end + 1 < blank[-1] else "")  # no body between the subject and the trailers
    trailers: list[tuple[str, str]] = []
    for line in block:
        if line[:1] in (" ", "\t") and trailers:
            key, value = trailers[-1]
            trailers[-1] = (key, f"{value} {line.strip()}")
            continue
        match = _TRAILER.match(line)
        if match is None:
            whole = "\n".join(lines[first_end + 1:])
            return [], _NOTE_GAP.sub("\n\n", whole).strip()
        trailers.append((match[1], match[2].strip()))
    return trailers, middle


def _trailers(message: str) -> tuple[dict[str, list[str]], str]:
    """The record trailers of ``message`` by canonical key (every value, in order) and its note."""
    trailers, note = parse_trailers(message)
    found: dict[str, list[str]] = {}
    canonical = _CANONICAL
    for key, value in trailers:
        name = canonical.get(key.casefold())
        if name is not None:
            values = found.get(name)
            if values is None:
                found[name] = [value]
            else:
                values.append(value)
    return found, note


def _canonical_trailers(message: str) -> tuple[dict[str, list[str]], str] | None:
    """:func:`_trailers` of a message in exactly the form :func:`format_record` writes without a note,
    source or review (a subject line, a blank line, the five trailers in order, one space after each
    colon, values of printable ASCII without spaces): one regular expression instead of splitting lines
    (30,000 records are read on a cold run). ``None`` for any other message (read by :func:`_trailers`).
    Where it answers, it answers what :func:`_trailers` would: the subject is the only line before the
    one blank line (it is not blank: ``strip`` leaves something), no ``\r`` (``\r\n`` is read as a line
    break), each value is its own ``strip`` (no white space in it), the keys are the canonical ones."""
    if "\r" in message:
        return None
    match = _CANONICAL_RECORD.fullmatch(message)
    if match is None or not match[1].strip():
        return None
    return {"Warta-Item": [match[2]], "Warta-Digest": [match[3]], "Warta-Step": [match[4]],
            "Warta-Role": [match[5]], "Warta-Decision": [match[6]]}, ""


def record_from_commit(commit: Commit, parent_trees: Mapping[str, str]) -> Record | None:
    """The record ``commit`` holds, or ``None`` when it names no ``Warta-Item``.

    ``parent_trees``: tree id of each known commit, to tell whether the commit changed files (a commit
    whose first parent is unknown is taken to change files: fail closed).
    """
    message = commit.message
    if "warta-" not in message.casefold():
        return None
    problems: list[str] = []
    fast = _canonical_trailers(message)
    if fast is not None:  # each of KEYS once, nothing else
        found, note = fast
        items = found["Warta-Item"]
    else:
        found, note = _trailers(message)
        items = found.get("Warta-Item") or []
        if not items:
            return None
        for key in KEYS:
            values = found.get(key)
            if values is None:
                problems.append(_("{key} is missing", key=key))
            elif len(values) > 1:
                problems.append(_("{key} appears {n} times (one record, one decision)", key=key, n=len(values)))
    none = ("",)
    digest = (found.get("Warta-Digest") or none)[0]
    if digest and not _DIGEST.match(digest):
        problems.append(_("Warta-Digest '{digest}' is not sha256:<64 hex digits>", digest=digest[:40]))
    step: int | None = None
    raw_step = (found.get("Warta-Step") or none)[0]
    if raw_step:
        if _STEP.fullmatch(raw_step):
            step = int(raw_step)
        else:
            problems.append(_("Warta-Step '{raw_step}' is not a step number", raw_step=raw_step[:20]))
    role = (found.get("Warta-Role") or none)[0]
    if role and not _ROLE.match(role):
        problems.append(_("Warta-Role '{role}' is not a role id", role=role[:40]))
    decision = (found.get("Warta-Decision") or none)[0].casefold()
    if decision and decision not in DECISIONS:
        problems.append(_("Warta-Decision '{decision}' is not one of {decisions}",
                          decision=decision[:20], decisions=', '.join(DECISIONS)))

    source = (found.get("Warta-Source") or none)[0].casefold() or "git"
    if source not in SOURCES:
        problems.append(_("Warta-Source '{source}' is not one of {sources}", source=source[:20], sources=', '.join(SOURCES)))
    review: tuple[tuple[str, str], ...] = ()
    if not found.keys() <= _PLAIN:  # a review's trailers (most records name none)
        review = tuple((REVIEW_KEYS[k], found[k][0]) for k in REVIEW_KEYS if found.get(k))
    if source != "git" and not review:
        problems.append(_("a record copied from a forge names its review (Warta-Review-Id, Warta-Review-URL, …)"))

    parents = commit.parents
    if parents:
        parent_tree = parent_trees.get(parents[0])
        changes = parent_tree is None or parent_tree != commit.tree
    else:
        changes = commit.tree != EMPTY_TREE
    # positional, in Record's order (tens of thousands are built per run)
    return Record(commit.sha, items[0], digest, step, role, decision or "approve", commit.author_name,
                  commit.author_email, commit.author_time, commit.committer_email, changes, len(parents) > 1,
                  None, note, tuple(problems), source, False, review)


def read_records(commits: Iterable[Commit], trees: Mapping[str, str] | None = None) -> list[Record]:
    """Every record among ``commits`` (kept in their order). ``trees``: tree id of every commit, taken
    from ``commits`` when not given."""
    commits = list(commits)
    known = trees if trees is not None else {c.sha: c.tree for c in commits}
    out: list[Record] = []
    for commit in commits:
        record = record_from_commit(commit, known)
        if record is not None:
            out.append(record)
    return out


def format_record(
    *, item: str, digest: str, step: int, role: str, decision: str, subject: str, note: str = "",
    source: str = "git", review: Mapping[str, str] | None = None,
) -> str:
    """The commit message of a record. Values that would break the trailer block are refused."""
    fields = [("item", item), ("digest", digest), ("role", role), ("subject", subject),
              *((f"review {k}", v) for k, v in (review or {}).items())]
    if source not in SOURCES:
        raise ValueError(_("source must be one of {sources}", sources=', '.join(SOURCES)))
    for name, value in fields:
        if "\n" in value or "\r" in value or not value.strip():
            raise ValueError(_("{name} must be one non-empty line", name=name))
    if decision not in DECISIONS:
        raise ValueError(_("decision must be one of {decisions}", decisions=', '.join(DECISIONS)))
    parts = [subject.strip()]
    body = note.replace("\r\n", "\n").strip()
    if body:
        # A note whose last paragraph looked like trailers would merge into the trailer block.
        parts.append(body)
    parts.append("\n".join([
        f"Warta-Item: {item}", f"Warta-Digest: {digest}", f"Warta-Step: {step}",
        f"Warta-Role: {role}", f"Warta-Decision: {decision}",
        *([f"Warta-Source: {source}"] if source != "git" else []),
        *(f"{key}: {(review or {})[name]}" for key, name in REVIEW_KEYS.items() if (review or {}).get(name)),
    ]))
    return "\n\n".join(parts) + "\n"
