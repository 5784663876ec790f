"""Rule 8: changes to governed files need the approval of the SOPs' signatories.

The governed files are listed once, in :mod:`pipeline.governed`: ``warta.yml`` and the files it names,
everything under ``sop/`` (the SOPs ``sop/<id>.yaml`` and ``sop/people.yaml``), classification tables,
translations, theme overrides and every file CI executes or that chooses what it executes. Their history
is read along the first-parent chain of the main branch: each first-parent commit that changes a file
outside the item areas (``content/``, ``arsip/``) is a *transition* to a new :class:`GovState`, which
keeps the blob id of every governed file (:attr:`GovState.blobs`): what a closed-world publish reads.

- The **bootstrap** is trusted without approval (trust on first use): the root commit, or, in a repository
  that adopted warta later, the first first-parent commit holding a valid ``warta.yml``,
  ``sop/people.yaml`` and at least one SOP.
- After it, a state is **trusted** only when every governance file that differs from the last trusted
  state is approved, for its exact content (``Warta-Item: <path>``, ``Warta-Digest`` of the file), by:

  * ``sop/<id>.yaml`` of an existing SOP: the role that signs it (``disahkan_oleh``) in the trusted
    version, plus the new signatory if the change names another;
  * a new SOP file: every signatory of the trusted SOPs, plus the new SOP's own signatory;
  * ``sop/people.yaml``, ``warta.yml`` and every other governed file: every distinct signatory of the
    trusted SOPs (one step per role, in SOP id order).

  A file is governed when the trusted or the new ``warta.yml`` makes it so (a file the new version
  names needs approval, and so does removing one the trusted version names).

  Approvers are judged by the *trusted* ``people.yaml`` (a change cannot approve itself), in any order;
  one person may fill several of these steps (one official often signs several SOPs), and the author
  of the change may approve it (the signatory's signature is the authority, as on paper). Records count
  when they were made with or after the change (not before: an approval of an older, identical version
  is not reused), so a missing approval can be given later on main and the state then becomes trusted.
- An untrusted state is never used: whatever it says, the last trusted state governs (fail closed), and
  the report names each unapproved file.

Everything here is pure; :mod:`pipeline.approvals.service` reads the states from git.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import PurePosixPath

from pipeline.approvals.chain import (
    Authority,
    ChainResult,
    ChainSpec,
    ItemFacts,
    Policy,
    Record,
    StepSpec,
    evaluate,
)
from pipeline.config import CONFIG_FILE, SiteConfig, parse_config
from pipeline.content import compute_digest
from pipeline.errors import ConfigError
from pipeline.governed import HISTORY_PATHSPEC, is_governed, named_path_problems
from pipeline.i18n import _
from pipeline.people import PEOPLE_PATH, People, parse_people
from pipeline.sop import SOP_DIR, Sop
from pipeline.sop_files import load_sops_from_texts

GOVERNANCE_PATHS = HISTORY_PATHSPEC  # what the history index reads as possible governance changes


def is_governance(path: str, config: SiteConfig | None = None) -> bool:
    """A governed file (rule 8, :func:`pipeline.governed.is_governed`); ``config`` adds the files that
    warta.yml names."""
    return is_governed(path, config)


def is_sop_file(path: str) -> bool:
    pure = PurePosixPath(path)
    return (len(pure.parts) == 2 and pure.parts[0] == SOP_DIR and pure.suffix == ".yaml"
            and path != PEOPLE_PATH)


@dataclass
class GovState:
    """The governance files as they stand after first-parent commit number ``index`` (``sha``).

    ``blobs``: path -> blob id of every governed file (under this state's own ``warta.yml``);
    ``tracked``: every file the history index follows (governed or not), from which ``blobs`` is chosen.
    """

    index: int
    sha: str
    blobs: dict[str, str]
    config: SiteConfig | None = None
    people: People | None = None
    sops: dict[str, Sop] = field(default_factory=dict)
    problems: dict[str, list[str]] = field(default_factory=dict)  # path -> findings
    tracked: dict[str, str] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return (self.config is not None and self.people is not None and bool(self.sops)
                and not any(self.problems.values()))

    @cached_property
    def authority(self) -> Authority:
        assert self.people is not None
        return Authority(self.people)

    @property
    def sop_paths(self) -> dict[str, Sop]:
        return {f"{SOP_DIR}/{s.id}.yaml": s for s in self.sops.values()}

    @cached_property
    def _policy(self) -> Policy:
        assert self.config is not None
        return Policy(self.config.approvals.require_signatures,
                      frozenset(self.config.approvals.force_publish_roles))

    def policy(self) -> Policy:
        return self._policy

    def signatories(self) -> list[str]:
        """Every distinct ``disahkan_oleh``, in SOP id order."""
        return list(dict.fromkeys(self.sops[i].disahkan_oleh for i in sorted(self.sops)))

    def summary(self) -> str:
        return "; ".join(f for found in self.problems.values() for f in found)


def parse_state(index: int, sha: str, blobs: Mapping[str, str], contents: Mapping[str, bytes]) -> GovState:
    """Parse the governance files of one state (``blobs``: path -> blob id of the files followed, governed
    or not; ``contents``: id -> bytes). The state keeps the governed ones (:attr:`GovState.blobs`)."""
    state = GovState(index, sha, {}, tracked=dict(blobs))

    def text(path: str) -> str | None:
        data = contents.get(blobs[path])
        if data is None:
            state.problems.setdefault(path, []).append(_("{path}: cannot be read", path=path))
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            state.problems.setdefault(path, []).append(f"{path}: not UTF-8 text")
            return None

    if CONFIG_FILE not in blobs:
        state.problems.setdefault(CONFIG_FILE, []).append(_("{path} is missing", path=CONFIG_FILE))
    elif (raw := text(CONFIG_FILE)) is not None:
        try:
            state.config = parse_config(raw, CONFIG_FILE)
        except ConfigError as exc:
            state.problems.setdefault(CONFIG_FILE, []).extend(f.format() for f in exc.findings)
            if not exc.findings:
                state.problems[CONFIG_FILE].append(str(exc))
    if PEOPLE_PATH not in blobs:
        state.problems.setdefault(PEOPLE_PATH, []).append(_("{path} is missing", path=PEOPLE_PATH))
    elif (raw := text(PEOPLE_PATH)) is not None:
        try:
            state.people = parse_people(raw, PEOPLE_PATH)
        except ConfigError as exc:
            state.problems.setdefault(PEOPLE_PATH, []).extend(f.format() for f in exc.findings)
    texts = {p: t for p in sorted(blobs) if is_sop_file(p) and (t := text(p)) is not None}
    roles = list(state.people.roles) if state.people is not None else None
    if texts:
        try:
            state.sops = load_sops_from_texts(texts, roles)
        except ConfigError as exc:
            for finding in exc.findings:
                state.problems.setdefault(finding.path, []).append(finding.format())
    state.blobs = {p: oid for p, oid in blobs.items() if is_governed(p, state.config)}
    if found := named_path_problems(state.config):
        state.problems.setdefault(CONFIG_FILE, []).extend(found)
    if state.config is not None and state.sops:
        for kind, section in state.config.kinds.items():
            if section.sop not in state.sops:
                state.problems.setdefault(CONFIG_FILE, []).append(
                    f"{CONFIG_FILE}: kinds.{kind}.sop: no SOP '{section.sop}' in {SOP_DIR}/")
    return state


def governance_spec(path: str, trusted: GovState, new: GovState | None) -> ChainSpec:
    """Who must approve the change of ``path`` from the trusted state to ``new`` (module docstring)."""
    roles: list[str] = []
    if is_sop_file(path):
        old = trusted.sop_paths.get(path)
        if old is not None:
            roles.append(old.disahkan_oleh)
        else:
            roles.extend(trusted.signatories())
        changed = new.sop_paths.get(path) if new is not None else None
        if changed is not None:
            roles.append(changed.disahkan_oleh)
    else:
        roles.extend(trusted.signatories())
    unique = list(dict.fromkeys(roles))
    steps = tuple(StepSpec(i + 1, role, f"Pengesahan perubahan {path}") for i, role in enumerate(unique))
    return ChainSpec("governance", steps, ordered=False, authors_may_approve=True, distinct_people=False,
                     title=f"Perubahan {path}")


def file_digest(path: str, oid: str | None, contents: Mapping[str, bytes]) -> str:
    """The digest a governance record names: the file's bytes (no file: the digest of nothing)."""
    if oid is None or oid not in contents:
        return compute_digest({})
    return compute_digest({path: contents[oid]})


def evaluate_change(
    path: str,
    trusted: GovState,
    new: GovState,
    records: Sequence[Record],
    contents: Mapping[str, bytes],
) -> ChainResult:
    """The approval chain of one governance file's change from ``trusted`` to ``new``."""
    spec = governance_spec(path, trusted, new)
    facts = ItemFacts(path=path, digest=file_digest(path, new.blobs.get(path), contents), spec=spec,
                      problems=tuple(new.problems.get(path, [])))
    result = evaluate(facts, records, trusted.policy(), trusted.authority)
    return replace(result, kind="governance")


def changed_files(trusted: GovState, new: GovState) -> list[str]:
    """The governed files that differ from the trusted state, sorted: a file governed under the new
    ``warta.yml`` differs from its trusted version (none when it was not governed: a file the new version
    names needs approval even when its bytes are old); a file governed only under the trusted one differs
    when its bytes changed."""
    out: list[str] = []
    for p in sorted(set(trusted.tracked) | set(new.tracked)):
        if p in new.blobs or (is_governed(p, new.config) and p in trusted.blobs):
            if trusted.blobs.get(p) != new.blobs.get(p):
                out.append(p)
        elif p in trusted.blobs and trusted.tracked.get(p) != new.tracked.get(p):
            out.append(p)
    return out


@dataclass
class Timeline:
    """Which governance state is trusted at each first-parent index of main."""

    bootstrap: GovState
    trusted: list[GovState]  # in index order; each applies from its index on
    tip: GovState
    pending: list[ChainResult]  # the tip's changes that are not approved (empty when the tip is trusted)

    def at(self, index: int) -> GovState:
        """The trusted state at first-parent index ``index`` (the bootstrap before it)."""
        pos = bisect.bisect_right(self._keys, index) - 1
        return self.trusted[max(pos, 0)]

    @cached_property
    def _keys(self) -> list[int]:
        return [s.index for s in self.trusted]

    @property
    def ok(self) -> bool:
        return not self.pending

    def problems(self) -> list[str]:
        out: list[str] = []
        for result in self.pending:
            missing = [f"{s.role_title} ({s.role})" for s in result.steps if s.status != "approved"]
            if result.problems:
                out.append(_("{path}: changed in {sha} and invalid: {problems}", path=result.path,
                             sha=self.tip.sha[:12], problems="; ".join(result.problems)))
            else:
                out.append(_("{path}: changed after the trusted root commit without the approval of {missing} "
                             "(rule 8); the last approved version governs until then", path=result.path,
                             missing=", ".join(missing) or _("its signatories")))
        return out


def build_timeline(
    states: Sequence[GovState],
    records: Mapping[str, Sequence[Record]],
    intro: Mapping[str, int],
    contents: Mapping[str, bytes],
) -> Timeline:
    """Walk the states (one per transition, in index order) and decide which are trusted.

    ``records``: governance records by path, history order; ``intro``: first-parent index at which each
    commit entered main's history (records made later than that index count for later changes only).
    """
    boot = next((i for i, s in enumerate(states) if s.valid), None)
    if boot is None:
        last = states[-1] if states else None
        detail = f": {last.summary()}" if last is not None and last.summary() else ""
        raise ConfigError(
            _("no commit on the main branch holds a valid {config_file}, {people_path} and {sop_dir}/<id>.yaml, so there "
              "is no trusted governance to judge approvals by{detail}",
              config_file=CONFIG_FILE, people_path=PEOPLE_PATH, sop_dir=SOP_DIR, detail=detail)
        )
    trusted = states[boot]
    timeline = [trusted]
    since: dict[str, int] = dict.fromkeys(trusted.tracked, trusted.index)
    previous = trusted
    pending: list[ChainResult] = []
    for state in states[boot + 1:]:
        for path in set(previous.tracked) | set(state.tracked):
            if previous.tracked.get(path) != state.tracked.get(path):
                since[path] = state.index
        previous = state
        differ = changed_files(trusted, state)
        if not differ:
            trusted = state
            timeline.append(state)
            pending = []
            continue
        results = [
            evaluate_change(p, trusted, state,
                            [r for r in records.get(p, ()) if intro.get(r.sha, -1) >= since.get(p, 0)],
                            contents)
            for p in differ
        ]
        if state.valid and all(r.complete for r in results):
            trusted = state
            timeline.append(state)
            pending = []
        else:
            pending = [r for r in results if not r.complete]
            if not state.valid and not pending:
                pending = [replace(r, problems=(*r.problems, state.summary())) for r in results[:1]]
    return Timeline(states[boot], timeline, states[-1], pending)
