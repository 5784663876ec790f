"""``warta check``: the schemas, the SOP Kelengkapan a file can show, privacy, rendering, and photo warnings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import kelengkapan, privacy
from pipeline.archive import classification
from pipeline.cachedir import RENDER_CACHE, ensure_local_cache
from pipeline.channels.routing import route_findings
from pipeline.config import SiteConfig, load_config
from pipeline.content import Item, discover, load_items
from pipeline.errors import ConfigError, Finding, Findings, UsageError
from pipeline.gate import is_exempt
from pipeline.people import People, load_people
from pipeline.rendering import render_errors
from pipeline.sop import Sop
from pipeline.sop_files import load_sops


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
    items: list[Item] = field(default_factory=list)

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
                findings.append(Finding("warta.yml", None, f"kinds.{kind}.sop: no SOP '{section.sop}' in sop/ "
                                                           f"(known: {', '.join(sorted(sops))})", "sop"))
        for name, activity in config.activities.items():
            if activity.sop not in sops:
                findings.append(Finding("warta.yml", None, f"activities.{name}.sop: no SOP '{activity.sop}' in sop/",
                                        "sop"))
        findings.extend(classification.config_findings(root, config))
        for role in config.approvals.force_publish_roles:
            if role not in people.roles:
                findings.append(Finding("warta.yml", None, f"approvals.force_publish_roles: unknown role '{role}'",
                                        "force_publish_roles"))
    if findings or people is None:
        raise ConfigError(findings=findings)
    return Governance(config=config, people=people, sops=sops)


def resolve_paths(root: Path, paths: Sequence[str]) -> list[str] | None:
    """Turn command-line paths (files or folders, relative to the current folder) into repo paths."""
    if not paths:
        return None
    everything = discover(root)
    chosen: list[str] = []
    for raw in paths:
        target = Path(raw).resolve()
        if not target.exists():
            raise UsageError(f"{raw}: no such file or folder")
        try:
            rel = target.relative_to(root.resolve()).as_posix()
        except ValueError:
            raise UsageError(f"{raw}: not inside the site repository {root}") from None
        if target.is_dir():
            prefix = "" if rel == "." else rel + "/"
            chosen.extend(p for p in everything if p.startswith(prefix))
        else:
            chosen.append(rel)
    return sorted(set(chosen))


def _photo_findings(root: Path, gov: Governance, items: Sequence[Item]) -> list[Finding]:
    """Broken or oversized photos are errors; a GPS position in a source photo is a warning.

    Published files never carry the position (the media pipeline strips it), but the operator should
    know the source photo tells where it was taken, e.g. before sharing it elsewhere.
    """
    from pipeline.media import gps_warnings, inspect_source  # Pillow and pillow-heif: only when photos are checked

    users: dict[str, list[str]] = {}
    for item in items:
        for ref in item.images:
            users.setdefault(ref.path, []).append(item.path)
    out: list[Finding] = []
    for path, used_by in sorted(users.items()):
        info = inspect_source(root / path, gov.config.media, path, used_by=used_by)
        out.extend(info.findings)
        if info.ok:
            out.extend(gps_warnings(root / path, path, used_by))
    return out


def render_cache(root: Path) -> Path | None:
    """The build's content-addressed render cache, when it is local scratch (else no cache at all)."""
    try:
        ensure_local_cache(root)
    except ConfigError:
        return None  # a cache the repository could supply is never used; the build refuses it
    return root / RENDER_CACHE


def render_findings(root: Path, config: SiteConfig, items: Sequence[Item], cache: Path | None = None) -> list[Finding]:
    """Each body whose Markdown cannot be rendered within ``limits.render_seconds`` is an error.

    The renderings go to the build's content-addressed cache (when it is local scratch), so a build after
    the check renders nothing twice.
    """
    cache = cache or render_cache(root)
    live = [i for i in items if i.meta.status != "dicabut"]
    errors = render_errors([i.body for i in live], cache, seconds=config.limits.render_seconds)
    return [Finding(i.path, i.body_line, e, "body") for i, e in zip(live, errors, strict=True) if e]


def sop_requirements(sop: Sop) -> list[tuple[str, str]]:
    return [(syarat, f"SOP {sop.id} langkah {step.no}") for step in sop.langkah for syarat in step.syarat]


def check_site(root: Path, paths: Sequence[str] = (), *, cache_root: Path | None = None,
               governance: Governance | None = None) -> CheckResult:
    """Check the site in ``root`` (``paths``: only these files); caches live in ``cache_root`` (default
    ``root``: ``warta publish`` checks a private tree of git objects and keeps the caches of the repository).
    ``governance``: the configuration, people and SOPs already read (publish passes the trusted state)."""
    gov = governance or load_governance(root)
    wanted = resolve_paths(root, paths)
    cache = render_cache(cache_root or root)
    items, findings = load_items(root, gov.config, wanted, render_cache=cache)
    result = CheckResult(checked=wanted if wanted is not None else [i.path for i in items], findings=findings)
    if wanted is None:
        result.checked = discover(root)
    findings.extend(_photo_findings(root, gov, [i for i in items if wanted is None or i.path in wanted]))
    table = classification.load_table(gov.config.archive.scheme, root)
    checked = [item for item in items if wanted is None or item.path in wanted]
    findings.extend(classification.item_findings(checked, table))
    findings.extend(render_findings(root, gov.config, checked, cache))
    allowed = privacy.allowed_numbers(gov.config, gov.people)
    for item in checked:
        result.items.append(item)
        findings.extend(privacy.item_findings(item, allowed))
        sop = gov.sops.get(item.sop_id)
        if sop is None:
            line = item.line_of("sop") if item.meta.sop else None
            findings.add(item.path, line, f"sop: no SOP '{item.sop_id}' in sop/ (known: {', '.join(sorted(gov.sops))})",
                         "sop")
            continue
        # the classification code is checked against the table above, for every kind
        requirements = [(s, src) for s, src in sop_requirements(sop) if s != "klasifikasi"]
        findings.extend(kelengkapan.check_item(item, requirements))
        findings.extend(route_findings(item, sop, gov.config))  # kanal, sebutan, post lengths (docs/channels.md)
        if is_exempt(item):
            findings.add(item.path, item.line_of("kategori_informasi"),
                         "kategori_informasi: dikecualikan information is listed in the register but never "
                         "published (UU 14/2008 Pasal 17)", "kategori_informasi", "warning")
    return result
