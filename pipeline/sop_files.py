"""Reading SOP files: ``sop/<id>.yaml`` parsed, validated step by step (roles, routing, Waktu), every
finding with its line. The model itself is :mod:`pipeline.sop`; the format is in ``docs/sop.md``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Collection, Iterable, Mapping
from pathlib import Path, PurePosixPath

from pipeline import yamlio
from pipeline.errors import ConfigError, Finding
from pipeline.i18n import _
from pipeline.schema import suggest, validate
from pipeline.sop import AKSI, PEOPLE_FILE, SOP_DIR, SYARAT, Sop, SopFile, Step, StepFile, Waktu, parse_waktu

# --------------------------------------------------------------------------------------------------
# Parsing and validation


def parse_sop(text: str, path: str, roles: Collection[str] | None = None) -> Sop:
    """Parse and validate one SOP file. ``roles``: the role ids of ``people.yaml`` (checked when given).

    Raises :class:`ConfigError` with every finding of the file.
    """
    sop, findings = _parse(text, path, roles)
    if findings or sop is None:
        raise ConfigError(findings=findings)
    return sop


def load_sops_from_texts(files: Mapping[str, str], roles: Collection[str] | None = None) -> dict[str, Sop]:
    """Parse SOP files given as ``{repo-relative path: text}`` (e.g. read at a git revision).

    ``people.yaml`` and files that do not end in ``.yaml`` are skipped. Every finding of every file is
    collected, then :class:`ConfigError` is raised once.
    """
    sops: dict[str, Sop] = {}
    findings: list[Finding] = []
    for path in sorted(files):
        name = PurePosixPath(path).name
        if name == PEOPLE_FILE or not name.endswith(".yaml"):
            continue
        sop, found = _parse(files[path], path, roles)
        findings.extend(found)
        if sop is not None and not found:
            sops[sop.id] = sop
    if findings:
        raise ConfigError(findings=findings)
    return sops


def load_sops(root: Path, roles: Collection[str] | None = None) -> dict[str, Sop]:
    """Read every ``<root>/sop/*.yaml`` except ``people.yaml``; raises :class:`ConfigError` once."""
    folder = root / SOP_DIR
    if not folder.is_dir():
        raise ConfigError(_("{sop_dir}/ not found in {root}: the SOPs live in {sop_dir}/<id>.yaml",
                            sop_dir=SOP_DIR, root=root))
    files: dict[str, str] = {}
    findings: list[Finding] = []
    for file in sorted(folder.iterdir()):
        rel = f"{SOP_DIR}/{file.name}"
        if file.suffix == ".yml" and file.is_file():
            findings.append(Finding(rel, None, _("SOP files end in .yaml: rename to {stem}.yaml", stem=file.stem)))
            continue
        if file.suffix != ".yaml" or file.name == PEOPLE_FILE or not file.is_file():
            continue
        try:
            files[rel] = file.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            findings.append(Finding(rel, None, _("not UTF-8 text ({reason})", reason=exc.reason)))
    if not files and not findings:
        raise ConfigError(_("{sop_dir}/ in {root} holds no SOP file ({sop_dir}/<id>.yaml)", sop_dir=SOP_DIR, root=root))
    try:
        sops = load_sops_from_texts(files, roles)
    except ConfigError as exc:
        findings.extend(exc.findings)
        sops = {}
    if findings:
        raise ConfigError(findings=findings)
    return sops


class _Checker:
    """Collects the findings of one SOP file, each with its line."""

    def __init__(self, doc: yamlio.YamlDocument) -> None:
        self.doc = doc
        self.findings: list[Finding] = []

    def add(self, keys: tuple[str | int, ...], message: str) -> None:
        name = ".".join(str(k) for k in keys)
        field_name = next((str(k) for k in reversed(keys) if isinstance(k, str)), None)
        self.findings.append(Finding(self.doc.path, self.doc.line_of(keys), _("{name}: {message}",
                                                                              name=name, message=message), field_name))


def _unknown(kind: str, value: str, known: Iterable[str]) -> str:
    choices = sorted(known)
    return f"unknown {kind} '{value}'{suggest(value, choices)}; known: {', '.join(choices)}"


def _unknown_role(role: str, roles: Collection[str]) -> str:
    return f"unknown role '{role}'{suggest(role, sorted(roles))}: roles are listed in {SOP_DIR}/{PEOPLE_FILE}"


# Long on purpose: one SOP file checked field by field in the order of the document's table.
def _parse(text: str, path: str, roles: Collection[str] | None) -> tuple[Sop | None, list[Finding]]:
    try:
        doc = yamlio.load(text, path)
    except yamlio.YamlSyntaxError as exc:
        return None, [exc.finding]
    check = _Checker(doc)
    check.findings.extend(yamlio.duplicate_key_findings(doc))
    head, errors = validate(SopFile, doc.data, doc)
    check.findings.extend(errors)
    raw_steps = doc.data.get("langkah") if isinstance(doc.data, dict) else None
    if not isinstance(raw_steps, list):
        return None, check.findings

    indexed: list[tuple[int, StepFile]] = []
    for i, raw in enumerate(raw_steps):
        step, errors = validate(StepFile, raw, doc, prefix=("langkah", i))
        check.findings.extend(errors)
        if step is not None:
            indexed.append((i, step))
    if head is None:
        # Still report what the steps alone can show (roles, aksi, Waktu), then stop.
        _check_steps(check, indexed, roles, None)
        return None, check.findings

    expected = PurePosixPath(path).stem
    if head.id != expected:
        check.add(("id",), f"'{head.id}' does not match the file name {path} (expected '{expected}')")
    if roles is not None:
        if head.identitas.disahkan_oleh not in roles:
            check.add(("identitas", "disahkan_oleh"), _unknown_role(head.identitas.disahkan_oleh, roles))
        for j, role in enumerate(head.kolom_pelaksana):
            if role not in roles:
                check.add(("kolom_pelaksana", j), _unknown_role(role, roles))
    codes = [b.kode for b in head.bagian]
    for j, kode in enumerate(codes):
        if kode in codes[:j]:
            check.add(("bagian", j, "kode"), f"section '{kode}' appears twice")
    waktu = _check_steps(check, indexed, roles, tuple(codes))
    if head.kolom_pelaksana:
        for i, step in indexed:
            known_role = roles is None or step.pelaksana in roles
            if known_role and step.pelaksana not in head.kolom_pelaksana:
                check.add(("langkah", i, "pelaksana"),
                          f"'{step.pelaksana}' has no column in kolom_pelaksana; add it there")
    numbers = [s.no for _, s in indexed]
    if len(indexed) != len(raw_steps) or len(set(numbers)) != len(numbers):
        # Routes are only followed when every step is readable and numbered once.
        return None, check.findings

    next_no = _check_routes(check, indexed)
    total: Waktu | None = None
    if head.total_waktu is not None and len(waktu) == len(indexed):
        try:
            total = parse_waktu(head.total_waktu)
        except ValueError as exc:
            check.add(("total_waktu",), str(exc))
        else:
            actual = sum(w.minutes or 0 for w in waktu.values())
            if total.minutes is None:
                check.add(("total_waktu",), f"'{total.text}' is not a number of minutes")
            elif total.minutes != actual:
                check.add(("total_waktu",), f"the document's total is {total.minutes} minutes but the steps "
                                            f"add up to {actual}")
    if check.findings:
        return None, check.findings

    steps = tuple(
        Step(
            no=s.no, kegiatan=s.kegiatan, pelaksana=s.pelaksana, jenis=s.jenis, paraf=s.paraf,
            aksi=_aksi_tuple(s.aksi), kelengkapan=s.mutu_baku.kelengkapan or "",
            syarat=tuple(s.mutu_baku.syarat), waktu=waktu[i], output=s.mutu_baku.output or "",
            keterangan=s.keterangan, ya=s.ya, tidak=s.tidak,
            lanjut=s.lanjut, next_no=next_no[s.no], bagian=s.bagian,
            no_dokumen=None if s.no_dokumen is None else str(s.no_dokumen),
            line=doc.line_of(("langkah", i)),
        )
        for i, s in indexed
    )
    sop = Sop(
        id=head.id, nama=head.nama, disahkan_oleh=head.identitas.disahkan_oleh, identitas=head.identitas,
        langkah=steps, sumber=head.sumber, bagian=tuple(head.bagian),
        kolom_pelaksana=tuple(head.kolom_pelaksana), total_waktu=total, path=path,
    )
    return sop, []


def _aksi_tuple(value: str | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _check_steps(
    check: _Checker, indexed: list[tuple[int, StepFile]], roles: Collection[str] | None,
    codes: tuple[str, ...] | None,
) -> dict[int, Waktu]:
    """Per-step checks; returns the parsed Waktu of every step whose Waktu is readable.

    ``codes``: the section codes the SOP declares (``None`` when its head is invalid: sections unknown).
    """
    waktu: dict[int, Waktu] = {}
    first_line: dict[int, int] = {}
    for i, s in indexed:
        at = ("langkah", i)
        if s.no in first_line:
            check.add(at + ("no",), f"step {s.no} appears twice (first at line {first_line[s.no]})")
        else:
            first_line[s.no] = check.doc.line_of(at + ("no",))
        if roles is not None and s.pelaksana not in roles:
            check.add(at + ("pelaksana",), _unknown_role(s.pelaksana, roles))
        aksi = _aksi_tuple(s.aksi)
        for j, name in enumerate(aksi):
            keys = at + ("aksi", j) if not isinstance(s.aksi, str) else at + ("aksi",)
            if name not in AKSI:
                check.add(keys, _unknown("aksi", name, AKSI))
        if len(set(aksi)) != len(aksi):
            check.add(at + ("aksi",), "an aksi is listed twice")
        if aksi and s.paraf:
            check.add(at + ("paraf",), "a step is a human step (paraf) or a pipeline step (aksi), not both")
        for j, name in enumerate(s.mutu_baku.syarat):
            if name not in SYARAT:
                check.add(at + ("mutu_baku", "syarat", j), _unknown("syarat", name, SYARAT))
        try:
            waktu[i] = parse_waktu(s.mutu_baku.waktu)
        except ValueError as exc:
            check.add(at + ("mutu_baku", "waktu"), str(exc))
        if s.jenis == "keputusan":
            if s.tidak is None:
                check.add(at + ("jenis",), "a keputusan needs 'tidak': the step a 'Tidak' goes back to")
            elif s.tidak == s.no:
                check.add(at + ("tidak",), "a 'Tidak' goes back to an earlier step, not to the step itself")
            if s.lanjut is not None:
                check.add(at + ("lanjut",), "a keputusan goes on with 'ya', not 'lanjut'")
        else:
            for key in ("ya", "tidak"):
                if getattr(s, key) is not None:
                    check.add(at + (key,), f"only a keputusan step has '{key}' (this step is {s.jenis})")
            if s.jenis == "selesai" and s.lanjut is not None:
                check.add(at + ("lanjut",), "a selesai step ends the procedure and has no 'lanjut'")
        if codes is None:
            pass
        elif codes:
            if s.bagian is None:
                check.add(at, f"every step needs 'bagian' (one of {', '.join(codes)}): the SOP has sections")
            elif s.bagian not in codes:
                check.add(at + ("bagian",), _unknown("section", s.bagian, codes))
        elif s.bagian is not None:
            check.add(at + ("bagian",), "this SOP declares no sections (top-level 'bagian')")
    return waktu


def _check_routes(check: _Checker, indexed: list[tuple[int, StepFile]]) -> dict[int, int | None]:
    """Routes lead to existing steps; every step is reachable; no loop traps the procedure.

    Returns each step's ``next_no``.
    """
    numbers = [s.no for _, s in indexed]
    known = set(numbers)
    span = f"{min(numbers)}-{max(numbers)}" if len(numbers) > 1 else str(numbers[0])
    bad = False
    for i, s in indexed:
        for key in ("ya", "tidak", "lanjut"):
            target = getattr(s, key)
            if target is not None and target not in known:
                check.add(("langkah", i, key), f"goes to step {target}, which does not exist (steps: {span})")
                bad = True
    if bad:
        return {}

    next_no: dict[int, int | None] = {}
    for pos, (_index, s) in enumerate(indexed):
        following = indexed[pos + 1][1] if pos + 1 < len(indexed) else None
        default = following.no if following is not None and following.bagian == s.bagian else None
        if s.jenis == "selesai":
            next_no[s.no] = None
        elif s.jenis == "keputusan":
            next_no[s.no] = s.ya if s.ya is not None else default
        else:
            next_no[s.no] = s.lanjut if s.lanjut is not None else default

    def edges(s: StepFile) -> list[int]:
        return [n for n in (next_no[s.no], s.tidak) if n is not None]

    by_no = {s.no: s for _, s in indexed}
    index_of = {s.no: i for i, s in indexed}
    entries: list[int] = []
    for pos, (_index, s) in enumerate(indexed):
        if pos == 0 or s.bagian != indexed[pos - 1][1].bagian:
            entries.append(s.no)
    reachable = _closure(entries, lambda n: edges(by_no[n]))
    for i, s in indexed:
        if s.no not in reachable:
            where = "its section's first step" if s.bagian is not None else "the first step"
            check.add(("langkah", i, "no"), f"step {s.no} cannot be reached from {where}: "
                                            "no ya, tidak, lanjut or preceding step leads to it")

    # A step can finish when some path from it reaches a step with nothing after it.
    predecessors: dict[int, list[int]] = {n: [] for n in known}
    for _index, s in indexed:
        for n in edges(s):
            predecessors[n].append(s.no)
    ends = [s.no for _, s in indexed if next_no[s.no] is None]
    can_finish = _closure(ends, lambda n: predecessors[n])
    reported: set[int] = set()
    for _index, s in indexed:
        if s.no in can_finish or s.no in reported or s.no not in reachable:
            continue
        walk: list[int] = []
        current: int | None = s.no
        while current is not None and current not in walk:
            walk.append(current)
            current = next_no[current]
        loop = walk[walk.index(current):] if current is not None else walk
        reported.update(walk)
        closing = by_no[loop[-1]]
        key = "lanjut" if closing.lanjut is not None else "ya" if closing.ya is not None else "no"
        cycle = " -> ".join(str(n) for n in [*loop, loop[0]])
        check.add(("langkah", index_of[closing.no], key),
                  f"steps {cycle} loop with no way out: no path from them reaches a selesai step "
                  "or the end of the procedure")
    return next_no


def _closure(start: Iterable[int], step: Callable[[int], Iterable[int]]) -> set[int]:
    seen = set(start)
    queue = deque(seen)
    while queue:
        for n in step(queue.popleft()):
            if n not in seen:
                seen.add(n)
                queue.append(n)
    return seen
