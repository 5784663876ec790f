"""``warta check``: the schemas, the SOP Kelengkapan a file can show, privacy, rendering, and photo warnings."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import kelengkapan, privacy, yamlio
from pipeline.archive import classification
from pipeline.cachedir import RENDER_CACHE, ensure_local_cache
from pipeline.channels.routing import route_findings
from pipeline.checkcache import Checked, ItemChecks, context_digest, references_of
from pipeline.checksets import CheckRun, SetChecks, uses_and_slugs
from pipeline.config import KINDS, SiteConfig, load_config
from pipeline.content import Item, discover, load_items, split_front_matter
from pipeline.errors import ConfigError, Finding, Findings, UsageError
from pipeline.files import blob_id
from pipeline.gate import is_exempt
from pipeline.i18n import _
from pipeline.people import People, load_people
from pipeline.rendering import render_errors
from pipeline.sop import Sop
from pipeline.sop_files import load_sops
from pipeline.tree import NotingTree

FEW = 32  # items read alone (``only``) at most this many: no parsed-item or one-item-check cache is read


@dataclass
class Governance:
    """Everything that says how content is governed: warta.yml, the SOPs and the people."""

    config: SiteConfig
    people: People
    sops: dict[str, Sop]


@dataclass
class CheckResult:
    checked: list[str]
    findings: Findings = field(default_factory=Findings)
    items: list[Item] = field(default_factory=list)  # the valid items checked
    examined: list[Item] = field(default_factory=list)  # every checked item with typed front matter
    config: SiteConfig | None = None  # the configuration the items were parsed with

    @property
    def ok(self) -> bool:
        return not self.findings.errors


def load_governance(root: Path) -> Governance:
    """Load warta.yml, people.yaml and every SOP; all their findings are raised together."""
    config = load_config(root)
    findings: list[Finding] = []
    people: People | None = None
    try:
        people = load_people(root)
    except ConfigError as exc:
        findings.extend(exc.findings)
        if not exc.findings:
            raise
    sops: dict[str, Sop] = {}
    try:
        sops = load_sops(root, roles=list(people.roles) if people else None)
    except ConfigError as exc:
        findings.extend(exc.findings)
        if not exc.findings:
            raise
    if people is not None and not findings:
        for kind, section in config.kinds.items():
            if section.sop not in sops:
                findings.append(Finding("warta.yml", None, _(
                    "kinds.{kind}.sop: no SOP '{sop}' in sop/ (known: {items})", kind=kind, sop=section.sop,
                    items=", ".join(sorted(sops))), "sop"))
        for name, activity in config.activities.items():
            if activity.sop not in sops:
                findings.append(Finding("warta.yml", None, _("activities.{name}.sop: no SOP '{sop}' in sop/",
                                                             name=name, sop=activity.sop),
                                        "sop"))
        findings.extend(classification.config_findings(root, config))
        for role in config.approvals.force_publish_roles:
            if role not in people.roles:
                findings.append(Finding("warta.yml", None, _("approvals.force_publish_roles: unknown role '{role}'",
                                                             role=role),
                                        "force_publish_roles"))
    if findings or people is None:
        raise ConfigError(findings=findings)
    return Governance(config=config, people=people, sops=sops)


def resolve_paths(root: Path, paths: Sequence[str]) -> list[str] | None:
    """Turn command-line paths (files or folders, relative to the current folder) into repo paths."""
    if not paths:
        return None
    everything: list[str] | None = None  # the site's files, listed only when a folder is named
    top = os.path.realpath(root)
    inside = top.rstrip(os.sep) + os.sep
    folders: dict[str, str] = {}
    chosen: list[str] = []
    for raw in paths:
        # os.path rather than pathlib, each folder resolved once: warta status passes every shown item
        # (10,000) through here
        target = _realpath(raw, folders)
        try:
            is_dir = stat.S_ISDIR(os.stat(target).st_mode)
        except (OSError, ValueError):
            raise UsageError(_("{raw}: no such file or folder", raw=raw)) from None
        if target == top:
            rel = "."
        elif target.startswith(inside):
            rel = target[len(inside):].replace(os.sep, "/")  # inside the top: the rest is the relative path
        else:
            raise UsageError(_("{raw}: not inside the site repository {root}", raw=raw, root=root))
        if is_dir:
            everything = discover(root) if everything is None else everything
            prefix = "" if rel == "." else rel + "/"
            chosen.extend(p for p in everything if p.startswith(prefix))
        else:
            chosen.append(rel)
    return sorted(set(chosen))


def _realpath(raw: str, folders: dict[str, str]) -> str:
    """``os.path.realpath(raw)``, resolving each folder once (``folders``: folder -> its real path): a
    name that is no symbolic link, in a resolved folder, is that folder's path and the name."""
    if ".." in raw.split(os.sep):
        return os.path.realpath(raw)  # '..' after a link goes up from where the link leads: resolve it whole
    head, name = os.path.split(os.path.abspath(raw))
    if not name:
        return os.path.realpath(raw)
    base = folders.get(head)
    if base is None:
        base = folders[head] = os.path.realpath(head)
    candidate = os.path.join(base, name)
    try:
        if stat.S_ISLNK(os.lstat(candidate).st_mode):
            return os.path.realpath(candidate)
    except OSError:
        pass  # missing: realpath keeps the name as written, and the caller says it does not exist
    except ValueError:
        return os.path.realpath(raw)
    return candidate


def _photo_findings(root: Path, gov: Governance, items: Sequence[Item]) -> list[Finding]:
    """Broken or oversized photos are errors; a GPS position in a source photo is a warning.

    Published files never carry the position (the media pipeline strips it), but the operator should
    know the source photo tells where it was taken, e.g. before sharing it elsewhere.
    """
    users: dict[str, list[str]] = {}
    for item in items:
        for ref in item.images:
            users.setdefault(ref.path, []).append(item.path)
    if not users:
        return []
    from pipeline.media import gps_warnings, inspect_source  # Pillow and pillow-heif: only when photos are checked

    out: list[Finding] = []
    for path, used_by in sorted(users.items()):
        info = inspect_source(root / path, gov.config.media, path, used_by=used_by)
        out.extend(info.findings)
        if info.ok:
            out.extend(gps_warnings(root / path, path, used_by))
    return out


def render_cache(root: Path) -> Path | None:
    """The build's content-addressed render cache, in the machine's own cache folder (never one the
    repository supplies: :func:`~pipeline.cachedir.ensure_local_cache`)."""
    return ensure_local_cache(root) / RENDER_CACHE


def render_findings(root: Path, config: SiteConfig, items: Sequence[Item], cache: Path | None = None) -> list[Finding]:
    """Each body whose Markdown cannot be rendered within ``limits.render_seconds`` is an error.

    The renderings go to the build's content-addressed cache (when it is local scratch), so a build after
    the check renders nothing twice.
    """
    cache = cache or render_cache(root)
    live = [i for i in items if i.meta.status != "dicabut"]
    errors = render_errors([i.body for i in live], cache, seconds=config.limits.render_seconds)
    return [Finding(i.path, i.body_line, e, "body", code="body.render") for i, e in zip(live, errors, strict=True) if e]


def sop_requirements(sop: Sop) -> list[tuple[str, str]]:
    return [(syarat, f"SOP {sop.id} langkah {step.no}") for step in sop.langkah for syarat in step.syarat]


def check_site(root: Path, paths: Sequence[str] = (), *, cache_root: Path | None = None,
               governance: Governance | None = None, only: bool = False,
               noted: dict[tuple[str, str], str] | None = None, read: dict[str, bytes] | None = None,
               ids: dict[str, str] | None = None) -> CheckResult:
    """Check the site in ``root`` (``paths``: only these files); caches live in ``cache_root`` (default
    ``root``: ``warta publish`` checks a private tree of git objects and keeps the caches of the repository).
    ``governance``: the configuration, people and SOPs already read (publish passes the trusted state).

    One pass reports everything: an item with schema errors is still examined for its SOP's Kelengkapan,
    personal data, photos, references and placeholder text (from its typed fields, or from its front matter
    as written when the schema refused it), so fixing one finding never reveals another that was there.

    ``noted`` receives every question the reading of the items asked of the working tree and its answer
    (:class:`pipeline.tree.NotingTree`), ``read`` the bytes of each item file read, ``ids`` the
    :func:`~pipeline.checkcache.file_id` of each referenced file as the one-item checks took it."""
    gov = governance or load_governance(root)
    wanted = resolve_paths(root, paths)
    cache = render_cache(cache_root or root)
    invalid: list[Item] = []
    read = {} if read is None else read
    source = root if noted is None else NotingTree(root, noted)
    # a few items read alone (a branch's, the few a kept status checks again) are parsed and judged faster
    # than the caches of 10,000 items are read and written back
    few = only and wanted is not None and len(wanted) <= FEW
    items, findings = load_items(source, gov.config, wanted, render_cache=cache, invalid=invalid, only=only,
                                 blobs_read=read, cache_root=None if few else cache_root or root)
    result = CheckResult(checked=wanted if wanted is not None else [i.path for i in items], findings=findings,
                         config=gov.config)
    if wanted is None:
        result.checked = discover(root)
    named = set(wanted) if wanted is not None else None  # a set: `warta status` names every pending item
    checked = [item for item in items if named is None or item.path in named]
    examined = sorted([*checked, *invalid], key=lambda i: i.path)
    result.examined = examined
    ids = {} if ids is None else ids
    for item in examined:  # each referenced file's id before anything reads it (a change after is then seen)
        references_of(root, item.references, ids)
    findings.extend(_photo_findings(root, gov, examined))
    table = classification.load_table(gov.config.archive.scheme, root)
    findings.extend(classification.item_findings(examined, table))
    findings.extend(render_findings(root, gov.config, examined, cache))
    allowed = privacy.allowed_numbers(gov.config, gov.people)
    result.items.extend(checked)
    add_new = _NewFindings(findings).add
    context = context_digest(gov.config, gov.people, gov.sops)
    kept = ItemChecks(None, context) if few else ItemChecks.open(cache_root or root, context)
    for item in examined:
        done = _one_item_checks(root, gov, item, read.get(item.path), allowed, kept, ids)
        findings.extend(done.privacy)
        findings.extend(done.text)
        sop = gov.sops.get(item.sop_id)
        if sop is None:
            line = item.line_of("sop") if item.meta.sop else None
            findings.add(item.path, line, _("sop: no SOP '{sop_id}' in sop/ (known: {items})",
                                            sop_id=item.sop_id, items=', '.join(sorted(gov.sops))),
                         "sop", code="sop.unknown")
            continue
        add_new(done.kelengkapan or ())
        findings.extend(done.routes)  # kanal, sebutan, post lengths (docs/channels.md)
        if is_exempt(item):
            findings.add(item.path, item.line_of("kategori_informasi"),
                         _("kategori_informasi: dikecualikan information is listed in the register but never published "
                           "(UU 14/2008 Pasal 17)"), "kategori_informasi", "warning", "dip.dikecualikan")
    kept.save()
    typed = {item.path for item in examined}
    for rel in result.checked:
        if rel not in typed:
            add_new(_untyped_findings(root, gov, rel, allowed))
    return result


def _one_item_checks(root: Path, gov: Governance, item: Item, raw: bytes | None, allowed: frozenset[str],
                     kept: ItemChecks, ids: dict[str, str]) -> Checked:
    """The checks that read ``item`` alone (personal data, placeholder text, its SOP's Kelengkapan,
    channel warnings), from ``kept`` when the item's bytes (``raw``), the files it references and the
    context are the same (:mod:`pipeline.checkcache`); an item whose bytes were not read is judged afresh."""
    key = None
    sop = gov.sops.get(item.sop_id)
    if raw is not None:
        key = kept.key(item.path, blob_id(raw), references_of(root, item.references, ids))
        found = kept.get(key)
        if found is not None and (found.kelengkapan is None) == (sop is None):
            return found
    done = Checked(tuple(privacy.item_findings(item, allowed)), tuple(_item_text_findings(item)),
                   None if sop is None else tuple(kelengkapan.check_item(item, _requirements(sop))),
                   () if sop is None else tuple(route_findings(item, sop, gov.config)))
    if key is not None:
        kept.put(key, done)
    return done


def _requirements(sop: Sop) -> list[tuple[str, str]]:
    # the classification code is checked against the table (classification.item_findings), for every kind
    return [(s, src) for s, src in sop_requirements(sop) if s != "klasifikasi"]


class _NewFindings:
    """Adds findings to ``findings`` without repeating a problem an error already names (see :meth:`add`).

    The (file, field) pairs of the errors so far are brought up to date with what was added since the last
    call: rebuilding them for every item made a check of 10,000 items quadratic (minutes)."""

    def __init__(self, findings: Findings) -> None:
        self.findings, self.seen, self.taken = findings, 0, set[tuple[str, str | None]]()

    def add(self, new: Sequence[Finding]) -> None:
        """Add ``new``, except a requirement (``sop.*``) or empty-text (``text.*``) finding where an error
        already names the same file and field: one problem, one finding (the schema's is the more precise)."""
        items = self.findings.items
        if self.seen > len(items):
            self.seen, self.taken = 0, set()
        self.taken.update((f.path, f.field) for f in items[self.seen:] if f.severity == "error" and f.field)
        self.seen = len(items)
        self.findings.extend(f for f in new if (f.path, f.field) not in self.taken
                             or not (f.code or "").startswith(("sop.", "text.")))


def _item_text_findings(item: Item) -> list[Finding]:
    texts = {name: getattr(item.meta, name, None) for name in kelengkapan.OPTIONAL_TEXTS}
    return kelengkapan.text_findings(item.path, item.body, item.body_line, texts, lambda name: item.line_of(name),
                                     withdrawn=item.meta.status == "dicabut")


def _untyped_findings(root: Path, gov: Governance, rel: str, allowed: frozenset[str]) -> list[Finding]:
    """SOP Kelengkapan, personal data and placeholder text of a file whose front matter the schema refused,
    read from the front matter as written (nothing when it cannot even be parsed: that is already reported)."""
    parts = rel.split("/")
    kind = parts[1] if len(parts) > 2 and parts[1] in KINDS else None
    if kind is None:
        return []
    try:
        split = split_front_matter((root / rel).read_bytes().decode("utf-8").removeprefix("\ufeff"))
        if split is None:
            return []
        doc = yamlio.load(split[0], rel, line_offset=1)
    except (OSError, UnicodeDecodeError, yamlio.YamlSyntaxError):
        return []
    data = doc.data
    if not isinstance(data, dict):
        return []
    body, body_line = split[1], split[2]
    withdrawn = data.get("status") == "dicabut"
    out = kelengkapan.text_findings(rel, body, body_line, data, lambda name: doc.line_of((name,)),
                                    withdrawn=withdrawn)
    waiver = data.get("data_pribadi")
    waived = waiver.get("dikecualikan") if isinstance(waiver, dict) else None
    out.extend(privacy.data_findings(
        rel, data, body, body_line, lambda *keys: doc.line_of(keys), [],
        [t for t in waived if isinstance(t, str)] if isinstance(waived, list) else [], withdrawn, allowed))
    section = gov.config.kind_section(kind)
    sop = gov.sops.get(section.sop if section is not None else "")
    if sop is not None:
        evidence = kelengkapan.Evidence.of_front_matter(rel, kind, data, doc.line_of(("title",)) or 2,
                                                        section.klasifikasi if section is not None else None)
        out.extend(kelengkapan.check_evidence(evidence, _requirements(sop)))
    return out


def blocking_findings(root: Path, paths: Sequence[str], *, only: bool = False) -> dict[str, list[Finding]]:
    """The errors ``warta check`` finds in each item of ``paths`` (repository paths), by item: what
    ``warta approve`` refuses to approve and ``warta status`` shows as blocking. It is :func:`check_site`
    itself, so the three commands agree; a finding about a file an item uses (its photo) counts for the item.
    ``only`` (``warta status``): read only those items, not the whole site (a duplicate slug is then not seen;
    ``approve`` reads the whole site, as ``check`` does)."""
    return check_items(root, paths, only=only).blocking


@dataclass
class CheckedItems:
    """:func:`check_items`: the blocking errors by item, and each item that loads, parsed with ``config``
    (the working tree's ``warta.yml``) as :func:`pipeline.content.parse_item` gives it."""

    blocking: dict[str, list[Finding]]
    parsed: dict[str, Item]
    config: SiteConfig | None
    blobs: dict[str, str] = field(default_factory=dict)  # the git blob ids of the items checked, when known


def check_items(root: Path, paths: Sequence[str], *, only: bool = False) -> CheckedItems:
    """:func:`blocking_findings`, with the parsed items (``warta status`` routes them to channels without
    parsing them again). With ``only``, what was found in the same items is kept
    (:mod:`pipeline.checksets`): only the items whose bytes or referenced files changed are checked again,
    and ``parsed`` holds only those."""
    if not paths:
        return CheckedItems({}, {}, None)
    if not only:
        run = _check_run(root, paths, only=False)
        return CheckedItems(run.blocking, run.parsed, run.config)
    gov = load_governance(root)  # warta status: what was found in its items is kept (pipeline/checksets.py)
    kept = SetChecks(root, _set_context(root, gov), paths)
    reuse = kept.reuse()
    if reuse is not None:
        part = _check_run(root, reuse.todo, only=True, gov=gov) if reuse.todo else None
        found = kept.finish(reuse, part)
        if found is not None:
            return CheckedItems(found, part.parsed if part else {}, part.config if part else None,
                                _read_as(kept, part))
    run = _check_run(root, paths, only=True, gov=gov)
    found = kept.finish(None, run)
    return CheckedItems(run.blocking if found is None else found, run.parsed, run.config, _read_as(kept, run))


def _read_as(kept: SetChecks, run: CheckRun | None) -> dict[str, str]:
    """The blob id of each item whose bytes are known to be what the check read (the routes of a parsed
    item are kept under it)."""
    blobs = kept.blobs or {}
    if run is None:
        return dict(blobs)
    return {path: blob for path, blob in blobs.items() if path not in run.read or blob_id(run.read[path]) == blob}


def _check_run(root: Path, paths: Sequence[str], *, only: bool, gov: Governance | None = None) -> CheckRun:
    """:func:`check_site` of ``paths`` (repository paths), its errors by item: a finding about a file an
    item uses (its photo) counts for the item."""
    if not paths:
        return CheckRun({}, {}, {}, {}, {}, True)
    top = str(root)
    noted: dict[tuple[str, str], str] = {}
    read: dict[str, bytes] = {}
    ids: dict[str, str] = {}
    result = check_site(root, [os.path.join(top, p) for p in paths], only=only, governance=gov, noted=noted,
                        read=read, ids=ids)
    wanted = set(paths)
    users: dict[str, set[str]] = {}
    for item in result.examined:
        for used in (item.path, *item.references):
            users.setdefault(used, set()).add(item.path)
    out: dict[str, list[Finding]] = {}
    for finding in result.findings.sorted():
        if finding.severity != "error":
            continue
        # the file's own finding, and every item's that uses it (an item can even use another item's file)
        for path in sorted((users.get(finding.path, set()) | {finding.path}) & wanted):
            out.setdefault(path, []).append(finding)
    uses, slugs = uses_and_slugs(result.examined)
    return CheckRun(out, read, noted, uses, slugs, not any(f.code == "body.render" for f in result.findings.items),
                    {i.path: i for i in result.examined if i.path in wanted}, result.config, ids)


def _set_context(root: Path, gov: Governance) -> str:
    """What a kept set's result depends on besides its items: :func:`context_digest` and the bytes of
    the classification table the codes are checked against (the site's own or the shipped one)."""
    try:
        table = blob_id(classification.table_file(gov.config.archive.scheme, root).read_bytes())
    except (ConfigError, OSError):
        table = "unreadable"  # the check reports it, every time: load_table raises before anything is kept
    return hashlib.sha256(f"{context_digest(gov.config, gov.people, gov.sops)}\0{table}".encode()).hexdigest()
