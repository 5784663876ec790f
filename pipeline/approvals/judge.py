"""Judging every approval chain of a repository at HEAD: :func:`evaluate_repository` and its
:class:`Judge`.

Where things come from (rule 1): the main branch is chosen by :mod:`.mainbranch`; a history with a root
commit that is not main's, and a ``--base`` that is not on main, are refused. The governance files
(``warta.yml``, ``sop/``) are read along main's first-parent history (:mod:`.governance`), and the
governance that applies is chosen by where things *joined main*, never by where a branch forked (the
fork point is the branch author's choice, so judging by it would let a branch forked before a demotion,
a key change or a stronger SOP escape them):

- an item is judged by the SOP in force where its current content joined main (the first-parent commit
  that merged it, or the direct commit itself); content not yet on main by the SOP at main's tip, what
  the branch would merge into;
- each record is judged by the ``people.yaml`` in force where *it* joined main; a record not yet on main
  (and a decision about to be written) by the one at main's tip;
- a record counts only when it descends from the newest commit that changed the item or a file it
  references (an approval is for the change it was given for: bytes restored on main later do not bring
  old approvals back);
- steps follow each other in the commit graph (the previous step's approval is an ancestor of the
  next), which :meth:`Judge.precedes` answers from the history index's positions;
- records kept on ``refs/warta/decisions`` (:mod:`.decisions`), and with a register branch on its
  protected ``<branch>-ulasan`` (the forge-review copies), count like records in HEAD's history,
  under every rule, and a return that counted in its own history blocks its digest even when HEAD no
  longer holds it (:meth:`Judge._blocking_return`);
- the authors of an item are the people whose keys signed its changes (:mod:`.authorship`); an
  unsigned change is a problem of the item.

History comes from :mod:`.history` (main's index from the cache, the branch's own commits fresh); then
one ``git ls-tree`` of HEAD, one ``git cat-file --batch`` for the files not in the item cache, and one
``git log --no-walk --stdin`` (per processor) for the signatures of records and content commits not in
the signature cache. No process per commit.

A run whose key (warta's code, the language, the arguments, HEAD, main and every ref:
:mod:`.reportcache`) was judged before reads its verdicts back instead; its per-item contexts are
made by a full evaluation when first read.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pipeline import collector
from pipeline.approvals import decisions, history, history_job, reportcache, sharing, signing
from pipeline.approvals.authorship import content_signers
from pipeline.approvals.chain import (
    Approval,
    Authority,
    ChainResult,
    ItemFacts,
    Policy,
    Record,
    evaluate,
)
from pipeline.approvals.governance import (
    GovState,
    Timeline,
    build_timeline,
    evaluate_change,
    governance_spec,
    parse_state,
)
from pipeline.approvals.history import History, Touch
from pipeline.approvals.mainbranch import find_main
from pipeline.approvals.report import NULL_SHA, ItemContext, Mode, Report
from pipeline.approvals.revisions import Files, ItemCache, ItemInfo, cache_root, choose_paths, is_item
from pipeline.approvals.trusted import Trusted, descendants, governance_states
from pipeline.cachedir import ensure_local_cache
from pipeline.config import CONFIG_FILE, LimitsSection, SiteConfig, parse_config
from pipeline.errors import ApprovalError, ConfigError, GitError, UsageError
from pipeline.git import Git, Signature
from pipeline.governed import may_be_governed
from pipeline.i18n import N_, _

LOST_RECORDS_HINT = N_(
    "hint: this change reached main without its approval commits (committed straight to main, or merged "
    "with squash or rebase, which drop them); merge release branches with 'git merge --no-ff' (on the "
    "forge: 'Create a merge commit'), or approve the item again on main"
)
_UNSIGNED = Signature("N", "", "")


def evaluate_repository(
    root: Path,
    *,
    base: str | None = None,
    all_items: bool = False,
    paths: Sequence[str] | None = None,
    head: str = "HEAD",
    published: Mapping[str, str] | None = None,
    cache: bool = True,
    fetch_decisions: bool = False,
    share: bool = False,
    fronts: Mapping[str, Mapping[str, Any]] | None = None,
) -> Report:
    """Judge the approval chains of a repository's items.

    Without ``all_items``/``paths`` it judges the items changed between the base (default: the merge
    base of HEAD with the main branch) and HEAD, plus changed governance files; ``all_items`` judges every
    item at HEAD (and the governance history of main); ``paths`` the named items. ``published`` (path ->
    digest of what is live) turns ``approved`` into ``published``. ``fetch_decisions`` first brings
    ``refs/warta/decisions`` from the remote (``warta verify`` and ``publish``; a failure is a warning).
    ``share``: on a cold run many items are judged on two cores (:mod:`.sharing`), for a caller that reads
    few of the report's per-item contexts (those of the child's half are made again when read), and the
    kept run is written in the background: the caller calls :func:`.reportcache.finish` before it ends.
    ``fronts``: front matters the caller has already parsed (a site build's load:
    :attr:`pipeline.content.Site.fronts`), not parsed again (:func:`.revisions.read_item`).
    """
    if cache:
        ensure_local_cache(root)  # never a linked or committed cache (it could forge verdicts): warns once
    # Tens of thousands of small objects and no reference cycles: the cyclic collector would only
    # rescan them again and again (a third of the run time on 10,000 releases).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _run(root, base=base, all_items=all_items, paths=paths, head=head, published=published or {},
                    cache=cache, fetch_decisions=fetch_decisions, share=share, fronts=fronts)
    finally:
        collector.resume(enabled)


def _run(root: Path, *, base: str | None, all_items: bool, paths: Sequence[str] | None, head: str,
         published: Mapping[str, str], cache: bool, fetch_decisions: bool, share: bool,
         fronts: Mapping[str, Mapping[str, Any]] | None = None) -> Report:
    git = Git(root)
    opened = _open(git, head)
    fetched = decisions.fetch(git) if fetch_decisions else None
    key = None
    if cache:
        base_sha = git.rev_parse(base) if base is not None else None
        if base is None or base_sha is not None:  # a --base that names nothing: the full run says so
            key = reportcache.run_key(git, head=head, head_sha=opened[0], main=opened[1], main_sha=opened[2],
                                      base_sha=base_sha, all_items=all_items, paths=paths,
                                      published=published, fetched=fetch_decisions)
            kept = reportcache.load(ensure_local_cache(root), key)
            state = reportcache.state_of(git, kept) if kept is not None else None
            if kept is not None and state is not None:
                return _from_kept(root, opened, kept, state, fetched, head=head, base=base, all_items=all_items,
                                  paths=paths, published=published)
    report, judge = _evaluate(root, opened, fetched, head=head, base=base, all_items=all_items, paths=paths,
                              published=published, cache=cache, share=share, fronts=fronts)
    if key is not None:
        st = judge.base_state
        reportcache.save(ensure_local_cache(root), key, reportcache.Kept(
            report.base, report.mode, report.items, report.governance, report.problems,
            report.warnings[len(fetched or ()):], report.removed, (st.index, st.sha, st.tracked)),
            background=share)  # the sharing caller waits for it (reportcache.finish) after printing
    return report


def _open(git: Git, head: str) -> tuple[str, str, str]:
    """``(HEAD's commit, main's name, main's commit)``; refuses a shallow clone and a HEAD that names no
    commit."""
    if git.is_shallow():
        raise ApprovalError(_("this is a shallow clone: approvals live in the full history; fetch it (git fetch "
                              "--unshallow, or actions/checkout with fetch-depth: 0)"))
    head_sha = git.rev_parse(head)
    if head_sha is None:
        raise ApprovalError(_("'{head}' names no commit (is the repository empty?)", head=head))
    main, main_sha = find_main(git)
    return head_sha, main, main_sha


def _evaluate(root: Path, opened: tuple[str, str, str], fetched: list[str] | None, *, head: str,
              base: str | None, all_items: bool, paths: Sequence[str] | None, published: Mapping[str, str],
              cache: bool, share: bool = False,
              fronts: Mapping[str, Mapping[str, Any]] | None = None) -> tuple[Report, Judge]:
    """One full evaluation (see :func:`evaluate_repository`)."""
    judge = Judge(root, head=head, cache=cache, opened=opened, fetched=fetched, all_items=all_items and not paths,
                  fronts=fronts)
    judge.select(base=base, all_items=all_items, paths=paths)
    judge.load_records()
    judge.check_signatures()
    judge.load_governance()
    return judge.report(published, share=share), judge


def _from_kept(root: Path, opened: tuple[str, str, str], kept: reportcache.Kept, state: GovState,
               fetched: list[str] | None, *, head: str, base: str | None, all_items: bool,
               paths: Sequence[str] | None, published: Mapping[str, str]) -> Report:
    """The report of a kept run; its per-item contexts are made by a full evaluation when first read."""
    head_sha, main, main_sha = opened

    def contexts() -> Mapping[str, ItemContext]:
        enabled = gc.isenabled()
        gc.disable()
        try:
            return _evaluate(root, opened, fetched, head=head, base=base, all_items=all_items, paths=paths,
                             published=published, cache=True)[0].contexts
        finally:
            collector.resume(enabled)

    mode: Mode = "paths" if kept.mode == "paths" else "all" if kept.mode == "all" else "branch"
    return Report(root, main, main_sha, head_sha, kept.base, mode, kept.items, kept.governance, kept.problems,
                  (*(fetched or ()), *kept.warnings), state, reportcache.LazyContexts(contexts), kept.removed)


class Judge:
    """One evaluation of one repository at one HEAD, in the order :func:`evaluate_repository` calls it:
    :meth:`select` the items, :meth:`load_records`, :meth:`check_signatures`, :meth:`load_governance`,
    then :meth:`report` (which judges each item with :meth:`judge_item` and each governance change)."""

    def __init__(self, root: Path, *, head: str, cache: bool, fetch_decisions: bool = False,
                 opened: tuple[str, str, str] | None = None, fetched: list[str] | None = None,
                 all_items: bool = False, fork: bool = True,
                 fronts: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        """``opened``: what :func:`_open` found; ``fetched``: the warnings of a fetch of the decisions
        already made (``None``: fetch now when ``fetch_decisions``). ``all_items``: every item will be
        selected, so their files are read while main's history index is built in a child process, when it
        must be read from git (:mod:`.history_job`; ``fork=False``: built here first). ``fronts``: see
        :func:`evaluate_repository`."""
        self.root = root
        self.fronts = fronts
        self.git = git = Git(root)
        head_sha, self.main, self.main_sha = opened or _open(git, head)
        self.head, self.head_sha = head, head_sha
        self.tree = {e.path: e for e in git.ls_tree(head_sha)}
        self.cache_root = cache_root(root, self.tree, cache)
        # a child builds main's index only when there is work to do beside it: reading every item
        pending = history_job.start(git, self.main_sha, self.cache_root / "history" if self.cache_root else None,
                                    fork=fork and all_items)
        try:  # what needs no history, while the index is built
            self.fetched = fetch_decisions or fetched is not None
            self.warnings: list[str] = (list(fetched) if fetched is not None
                                        else decisions.fetch(git) if fetch_decisions else [])
            self.kept = decisions.read(git, self.cache_root / "decisions" if self.cache_root else None)
            main_config = self._main_config()
            if main_config is not None and (branch := main_config.archive.register_branch) is not None:
                # the forge-review copies' protected branch
                self.kept = decisions.combine(self.kept, decisions.read(
                    git, self.cache_root / "decisions-ulasan" if self.cache_root else None,
                    decisions.review_ref(branch), decisions.review_tips(git, branch)))
            early = self._read_items(main_config) if all_items and pending.forked else None
            self.cold = pending.forked  # main's index was built beside this process (two cores in use)
            self.known_unsigned: set[str] = set()  # commits read here and found without a signature
            pending.on_hint = self._note_unsigned
            self.index = self._history(pending.result())
        except BaseException:
            pending.cancel()
            raise
        self.head_end = len(self.index.shas)  # positions past it: commits only refs/warta/decisions holds
        self.reach = None if head_sha == self.main_sha else self.index.ancestors(head_sha)
        self.warnings.extend(self.kept.warnings)
        decisions.attach(git, self.index, self.kept, [self.main_sha, head_sha])
        self.outside = self._kept_outside()
        self.states, self.contents = governance_states(git, self.index)
        boot = next((s for s in self.states if s.valid), None)
        if boot is None:
            last = self.states[-1].summary() if self.states else ""
            raise ConfigError(_("no commit on {main} holds a valid {config}, sop/people.yaml and "
                                "sop/<id>.yaml: there is no trusted governance to judge approvals by",
                                main=self.main, config=CONFIG_FILE) + (f" ({last})" if last else ""))
        self.boot = boot
        # the limits of the newest valid warta.yml on main (they only bound the work, never widen trust)
        limits = next((st.config.limits for st in reversed(self.states) if st.valid and st.config), None)
        # the items read early were read with the limits of main's tip: kept when those are the ones
        self.files = early if early is not None and early.limits == (limits or LimitsSection()) else Files(
            git, self.tree, ItemCache(self.cache_root / "approvals" if self.cache_root else None), limits, fronts)

    def _note_unsigned(self, shas: list[str]) -> None:
        """The child's hint (:mod:`.history_job`): the commits that changed a file, read here while the
        child packs the index; those without a signature are noted for :meth:`check_signatures`. A failure
        to read them notes nothing (they are read again there, and any error met there): this step only
        spares work, so no error of its own ends the run."""
        try:
            self.known_unsigned = signing.unsigned_commits(self.git, shas)
        except Exception:  # noqa: BLE001 - see the docstring
            self.known_unsigned = set()

    def _main_config(self) -> SiteConfig | None:
        """The ``warta.yml`` of main's tip (``None``: missing or unreadable). Only where more records are
        read from (``archive.register_branch``: every one of them is still judged by every rule) and the
        limits the items are read with early (:meth:`_read_items`; checked against the trusted ones)."""
        with contextlib.suppress(ConfigError, GitError, UnicodeDecodeError):
            return parse_config(self.git.text("show", f"{self.main_sha}:{CONFIG_FILE}"))
        return None

    def _read_items(self, main_config: SiteConfig | None) -> Files:
        """Every item of HEAD read, with the limits of main's tip, and its digest, while the history index
        is built: :meth:`select` takes them (from the caches of the returned :class:`Files`) when the
        trusted limits are the same."""
        files = Files(self.git, self.tree, ItemCache(self.cache_root / "approvals" if self.cache_root else None),
                      main_config.limits if main_config is not None else None, self.fronts)
        paths = [p for p in self.tree if is_item(p)]
        infos = files.info(paths)
        files.digests({p: files.existing([p, *infos[p].refs]) for p in paths})
        return files

    def _history(self, main_index: History) -> History:
        index = history.overlay(self.git, main_index, self.head_sha)
        if any(not index.parents[p] for p in range(len(main_index.shas), len(index.shas))):
            raise ApprovalError(_("{head} has a root commit that is not {main}'s: a history that did not grow from "
                                  "{main} cannot be judged against it (was an unrelated branch merged in?)",
                                  head=self.head, main=self.main))
        return index

    def in_head(self, p: int) -> bool:
        return p < self.head_end and (self.reach is None or p in self.reach)

    def _kept_outside(self) -> set[int]:
        """Positions reachable from the decisions ref that HEAD does not hold (their records count)."""
        pos, parents = self.index.pos, self.index.parents
        stack = [pos[r] for r in self.kept.records if r in pos]
        seen: set[int] = set()
        while stack:
            p = stack.pop()
            if p in seen or self.in_head(p):
                continue
            seen.add(p)
            stack.extend(parents[p])
        return seen

    def precedes(self, a: str, b: str) -> bool:
        """Commit ``a`` is an ancestor of (or is) commit ``b``; a decision not yet written
        (:data:`NULL_SHA`) will sit on HEAD."""
        pa = self.index.pos.get(a)
        if pa is None:
            return False
        if b == NULL_SHA:
            return self.in_head(pa)
        pb = self.index.pos.get(b)
        return pb is not None and self.index.is_ancestor(pa, pb)

    # -- which items ---------------------------------------------------------------------------------

    def _configs(self) -> list[SiteConfig]:
        """The warta.yml of main's newest valid state and of HEAD: a file either names (``site.logo``) is a
        governed file of this change."""
        found = [st.config for st in reversed(self.states) if st.valid and st.config is not None][:1]
        entry = self.tree.get(CONFIG_FILE)
        raw = self.git.read_blobs([entry.oid]).get(entry.oid) if entry is not None else None
        if raw is not None:
            with contextlib.suppress(ConfigError, UnicodeDecodeError):  # judged as the governance change it is
                found.append(parse_config(raw.decode("utf-8")))
        return found

    def select(self, *, base: str | None, all_items: bool, paths: Sequence[str] | None) -> None:
        """Choose the items and governance files to judge (see :func:`evaluate_repository`)."""
        self.mode: Mode = "paths" if paths else "all" if all_items else "branch"
        self.base_sha: str | None = None
        changed: list[str] = []
        if self.mode != "all" or base is not None:
            self.base_sha = self._base(base)
            changed = self.git.changed_paths(self.base_sha, self.head_sha)
        self.selected, self.gov_selected, self.removed = choose_paths(
            self.mode, self.tree, self.files, changed, paths or (), self.head, self._configs())
        self.infos: dict[str, ItemInfo] = self.files.info(self.selected)
        self.digests = self.files.digests({p: self.files.existing([p, *self.infos[p].refs])
                                           for p in self.selected})
        self.changes = {p: self.history_of(p, self.infos[p]) for p in self.selected}

    def _base(self, base: str | None) -> str:
        if base is None:
            found = self.git.merge_base(self.main_sha, self.head_sha)
            if found is None:
                raise ApprovalError(_("HEAD shares no history with {main}", main=self.main))
            return found
        sha = self.git.rev_parse(base)
        if sha is None:
            raise UsageError(_("--base {base} names no commit", base=base))
        if not self.git.is_ancestor(sha, self.main_sha):
            raise ApprovalError(_("--base {base} is not on {main} (an ancestor of {main_sha}): items are judged against "
                                  "the main branch '{main}' only",
                                  base=base, main=self.main, main_sha=self.main_sha[:12]))
        return sha

    # -- records and signatures ----------------------------------------------------------------------

    def load_records(self) -> None:
        """The records (in history order) of the judged items, in HEAD's history or kept by the decisions
        ref, and of every governance file on main."""
        wanted = set(self.selected) | set(self.gov_selected)
        self.item_records: dict[str, list[tuple[int, Record]]] = {p: [] for p in wanted}
        self.gov_records: dict[str, list[tuple[int, Record]]] = {}
        intro, branch, outside = self.index.intro, self.index.branch, self.outside
        for q, record in self.index.records:
            item = record.item
            if item in wanted and (self.in_head(q) or q in outside):
                self.item_records[item].append((q, record))
            if may_be_governed(item) and intro[q] < branch:  # any file a warta.yml could govern
                self.gov_records.setdefault(item, []).append((q, record))
        if self.fetched and self.kept.tip is None and any(self.item_records.values()):
            self.warnings.append(_("{ref} is missing (here and on the remote) although the history holds decision "
                                   "records: a rewrite of a branch could drop a return unseen; 'warta approve' and "
                                   "'warta return' create and push it (git push origin {ref})",
                                   ref=decisions.REF))

    def check_signatures(self) -> None:
        """Git's verdicts on the signatures of every commit that changed a judged item (rule 4: always),
        and of the records (only when some trusted state requires signed approvals)."""
        valid = [s for s in self.states if s.valid]
        records: list[str] = []
        if any(s.policy().require_signatures for s in valid):
            records = [r.sha for rs in (*self.item_records.values(), *self.gov_records.values()) for _, r in rs]
        shas = self.index.shas
        content = [shas[t.pos] for changes in self.changes.values() for t in changes]
        found = signing.verify_signatures(self.git, [*records, *content],
                                          [s.people for s in valid if s.people is not None], self.cache_root,
                                          unsigned=self.known_unsigned)
        self.content_verdicts: Mapping[str, Signature] = found
        self.verdicts: dict[str, Signature] = {sha: found[sha] for sha in records if sha in found}
        # item records are judged with the verdicts passed along (copying 30,000 records costs time)
        self.signatures: Mapping[str, Signature] | None = self.verdicts or None

    def signed(self, rs: list[tuple[int, Record]]) -> list[Record]:
        """``rs`` with git's signature verdicts attached."""
        if not self.verdicts:
            return [r for _, r in rs]
        return [r._replace(signature=self.verdicts.get(r.sha, _UNSIGNED)) for _, r in rs]

    # -- governance ----------------------------------------------------------------------------------

    def load_governance(self) -> None:
        """The trusted governance timeline (rule 8) and the state the branch would merge into."""
        intro = self.index.intro
        record_intro = {r.sha: intro[q] for rs in self.gov_records.values() for q, r in rs}
        self.timeline: Timeline = build_timeline(
            self.states, {path: self.signed(rs) for path, rs in self.gov_records.items()}, record_intro,
            self.contents)
        trusted_main = self.timeline.at(len(self.index.chain) - 1).config
        if trusted_main is not None and trusted_main.approvals.main_branch != self.main:
            raise ApprovalError(_("{config_file} in HEAD names '{main}' as the main branch, but the approved "
                                  "configuration names '{main_branch}'",
                                  config_file=CONFIG_FILE, main=self.main, main_branch=trusted_main.approvals.main_branch))
        self.trusted = Trusted(self.timeline, self.boot, self.main)
        self.authority_at = self.trusted.authority_at
        self.tip_index = self.index.branch - 1  # main's tip: what an unmerged branch would merge into
        # the people and SOPs the branch would merge into (never the fork point, which the branch chooses)
        self.base_state = self.timeline.at(self.tip_index)
        self.head_authority = self.authority_at(self.tip_index)  # a record written now joins after the tip

    # -- judging -------------------------------------------------------------------------------------

    def history_of(self, path: str, info: ItemInfo) -> list[Touch]:
        """The commits after the trusted bootstrap, in HEAD's history, that changed the item or a file it
        references (history order)."""
        touches = self.index.touches
        touched = touches.get(path, ())
        if info.refs:
            touched = sorted((t for f in (path, *info.refs) for t in touches.get(f, ())), key=_position)
        intro, boot, reach = self.index.intro, self.boot.index, self.reach
        return [t for t in touched if intro[t.pos] > boot and (reach is None or t.pos in reach)]

    def judge_item(self, path: str, published: Mapping[str, str]) -> tuple[ChainResult, ItemContext]:
        """The chain of one item, and what it was judged with."""
        info = self.infos[path]
        changes = self.changes[path]
        newest = changes[-1] if changes else None
        # judged where the current content entered main (unmerged: main's tip), never at the fork point
        at = self.index.intro[newest.pos] if newest is not None else self.boot.index
        state, spec, sop_problems = self.trusted.governance_for(at, info.kind, info.sop)
        problems = [_("cannot be read: {problem}", problem=info.problem)] if info.problem else list(sop_problems)
        for link in self.files.links(path, info.refs):
            # approvals bind the bytes git stores for a path; a link's target can change without it
            problems.append(_("{link} is or goes through a symbolic link; put the file itself in the repository", link=link))
        digest = self.digests[path]
        # the author is whoever signed a change (rule 4), never the name typed into a commit
        authors, unsigned = content_signers(changes, self.index.shas, self.content_verdicts, self._signer_authority)
        problems.extend(unsigned)
        facts = ItemFacts(
            path=path, digest=digest, spec=spec, authors=authors,
            serta_merta=info.serta_merta, imported=newest is None, published=published.get(path) == digest,
            changed_at=newest.committer_time if newest is not None else None, problems=tuple(problems),
        )
        authority = self.authority_at(at)
        own, early = self._current_records(path, newest, digest)
        record_authority = self._record_authority(own, at, authority)
        records = [r for _, r in own]
        policy = state.policy()
        result = evaluate(facts, records, policy, authority, record_authority, self.signatures, self.precedes)
        blocking = None
        if result.state != "returned":
            blocking = self._blocking_return(path, facts, changes, policy, authority, record_authority)
            if blocking is not None:
                result = evaluate(facts, records, policy, authority, record_authority, self.signatures,
                                  self.precedes, blocking)
        self._hint(result, newest, early)
        return result, ItemContext(facts, records, policy, authority, record_authority, state, self.signatures,
                                   self.precedes, blocking)

    def _signer_authority(self, touch: Touch) -> Authority:
        return self.authority_at(self.index.intro[touch.pos])

    def _blocking_return(self, path: str, facts: ItemFacts, changes: Sequence[Touch], policy: Policy,
                         authority: Authority, record_authority: dict[str, Authority]) -> Approval | None:
        """A return of the current content that no later change of it has seen and that counted in its
        own history (rule 7): it blocks even when HEAD no longer holds it (a reset or rewritten branch)
        or when approvals were given beside it."""
        own = self.item_records[path]
        is_ancestor = self.index.is_ancestor
        for q, record in own:
            if record.decision != "return" or record.digest != facts.digest:
                continue
            if any(is_ancestor(q, t.pos) for t in changes):
                continue  # the content changed after the return (and the change saw it)
            before = [r for p, r in own if p != q and r.digest == facts.digest and is_ancestor(p, q)]
            trial_result = evaluate(facts, [*before, record], policy, authority,
                                    {**record_authority, **self._authorities_of(own)}, self.signatures,
                                    self.precedes)
            if trial_result.returned is not None and trial_result.returned.sha == record.sha:
                return trial_result.returned
        return None

    def _authorities_of(self, own: list[tuple[int, Record]]) -> dict[str, Authority]:
        intro = self.index.intro
        return {r.sha: self.authority_at(intro[q]) for q, r in own}

    def _current_records(self, path: str, newest: Touch | None, digest: str) -> tuple[list[tuple[int, Record]], int]:
        """The item's records that may count (with the stale ones, which show as such), and how many
        records of the current digest were made before its newest change (a revert's old records)."""
        own = self.item_records[path]
        if newest is None:
            return own, 0
        # a record counts only for the change it was given for: it must descend from the newest commit
        # that made the content what it is (a revert to approved bytes needs approval again)
        after = descendants(self.index.parents, newest.pos, [q for q, _ in own])
        early = sum(1 for q, r in own if q not in after and r.digest == digest)
        return [(q, r) for q, r in own if q in after or r.digest != digest], early

    def _record_authority(self, own: list[tuple[int, Record]], at: int, authority: Authority
                          ) -> dict[str, Authority]:
        """The people each record is judged by, where they differ from the item's (rule 1)."""
        out: dict[str, Authority] = {NULL_SHA: self.head_authority}
        intro = self.index.intro
        for q, r in own:
            made_at = intro[q]  # the people in force where the record joined main (unmerged: main's tip)
            if made_at != at:
                other = self.authority_at(made_at)
                if other is not authority:
                    out[r.sha] = other
        return out

    def _hint(self, result: ChainResult, newest: Touch | None, early: int) -> None:
        if newest is None:
            return
        if early and not result.complete:
            result.hint = _("{n} approval record(s) of this item were made before {sha}, the newest change of "
                            "its content, and do not count (an approval counts for the change it was given for, "
                            "even when older content comes back): approve it again", n=early,
                            sha=self.index.shas[newest.pos][:12])
        elif (newest.direct and result.forced_by is None
                and not any(s.status == "approved" for s in result.steps)):
            # the change sits on main's first-parent line itself and nothing approved it
            result.hint = str(LOST_RECORDS_HINT)

    def governance_changes(self) -> list[ChainResult]:
        """The governance files changed on this branch (or named), and in ``all`` mode the pending ones
        of main's history; their problems go to :attr:`problems`."""
        self.problems: list[str] = []
        self.contexts_gov: dict[str, ItemContext] = {}
        results: list[ChainResult] = []
        base_state = self.base_state
        if self.gov_selected:
            head_blobs = {p: e.oid for p, e in self.tree.items() if may_be_governed(p)}
            extra = head_blobs.values() - self.contents.keys()
            texts = {**self.contents, **self.git.read_blobs(extra)} if extra else self.contents
            head_state = parse_state(self.index.branch, self.head_sha, head_blobs, texts)
            for p in self.gov_selected:
                own_records = self.signed(self.item_records[p])
                result = evaluate_change(p, base_state, head_state, own_records, texts)
                results.append(result)
                facts = ItemFacts(p, result.digest, governance_spec(p, base_state, head_state),
                                  problems=result.problems)
                self.contexts_gov[p] = ItemContext(facts, own_records, base_state.policy(),
                                                   base_state.authority, {}, base_state)
        if self.mode == "all":
            self.problems.extend(self.timeline.problems())
            seen = {r.path for r in results}
            results.extend(r for r in self.timeline.pending if r.path not in seen)
        return results

    def report(self, published: Mapping[str, str], *, share: bool = False) -> Report:
        """Judge every selected item and governance change (``share``: see :func:`evaluate_repository`)."""
        # on two cores, a forked child judges half of many items (:mod:`.sharing`); only on a cold run,
        # whose budget is its wall time: the child's copy-on-write pages cost CPU a loaded machine lacks
        results, known, later = sharing.judge_all(self.selected, lambda p: self.judge_item(p, published),
                                                  share=share and self.cold)
        gov_results = self.governance_changes()
        known.update(self.contexts_gov)
        contexts: Mapping[str, ItemContext] = known if not later else sharing.Contexts(
            known, later, lambda p: self.judge_item(p, published)[1], [*self.selected, *self.contexts_gov])
        self.files.cache.save(prune=self.mode == "all")
        base = self.base_sha
        for gone in self.removed:
            self.warnings.append(_("{gone}: deleted since {value}; to withdraw a published item, set status: dicabut "
                                   "with alasan_pencabutan instead",
                                   gone=gone, value=base[:12] if base else 'the base'))
        return Report(self.root, self.main, self.main_sha, self.head_sha, base, self.mode, tuple(results),
                      tuple(gov_results), tuple(self.problems), tuple(self.warnings), self.base_state, contexts,
                      self.removed)


def _position(touch: Touch) -> int:
    return touch.pos
