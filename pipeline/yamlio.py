"""Strict YAML for front matter, ``warta.yml`` and SOP files.

PyYAML implements YAML 1.1, where ``no``, ``off`` and ``y`` are booleans, ``010`` is octal and
``1:30`` is sexagesimal. An Indonesian title such as ``no`` or a time such as ``09:30`` must not
silently become something else, so this loader resolves scalars by the YAML 1.2 core schema:
only ``true``/``false`` are booleans, only plain decimal (and ``0x``/``0o``) numbers are numbers,
``null``/``~``/empty is null, and ISO dates are dates. An impossible date (``2025-02-30``) stays a
string so the schema reports it with its line instead of the parser crashing.

Every value keeps the line it was written on: :meth:`YamlDocument.line_of` maps a key path such as
``("disposisi", "tanggal")`` to a 1-based line number, so every finding can name ``path:line``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from pipeline.errors import Finding

try:  # the C loader when libyaml is there: several times faster on 10,000 files
    _BaseLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _BaseLoader = yaml.SafeLoader

Key = str | int
KeyPath = tuple[Key, ...]


class StrictLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """SafeLoader with YAML 1.2 core-schema scalar resolution (see module docstring)."""


# Replace the YAML 1.1 implicit resolvers with YAML 1.2 core schema ones.
StrictLoader.yaml_implicit_resolvers = {}
StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"),
)
StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)
StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:timestamp",
    re.compile(
        r"^(?:[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
        r"(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]*)?)?"
        r"(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::?[0-9]{2})?))?)?)$"
    ),
    list("0123456789"),
)


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text)


_TS = re.compile(
    r"^(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})"
    r"(?:(?:[Tt]|[ \t]+)(?P<H>[0-9]{1,2}):(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2})(?:\.(?P<f>[0-9]*))?)?"
    r"(?:[ \t]*(?P<tz>Z|[-+][0-9]{1,2}(?::?[0-9]{2})?))?)?$"
)


def _construct_timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    text = str(loader.construct_scalar(node))
    m = _TS.match(text)
    if not m:
        return text
    try:
        if m.group("H") is None:
            return dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
        tz: dt.tzinfo | None = None
        if m.group("tz"):
            raw = m["tz"]
            if raw == "Z":
                tz = dt.UTC
            else:
                sign = -1 if raw[0] == "-" else 1
                digits = raw[1:].replace(":", "")
                hours, minutes = int(digits[:-2] or digits), int(digits[-2:]) if len(digits) > 2 else 0
                tz = dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
        frac = (m["f"] or "0")[:6].ljust(6, "0")
        return dt.datetime(
            int(m["y"]), int(m["m"]), int(m["d"]), int(m["H"]), int(m["M"]), int(m["S"] or 0),
            int(frac), tzinfo=tz,
        )
    except ValueError:
        return text  # an impossible date: the schema reports it with its line


StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


class YamlSyntaxError(Exception):
    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.format())
        self.finding = finding


@dataclass
class YamlDocument:
    """A parsed YAML document and the line of every key and item in it."""

    path: str
    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)
    line_offset: int = 0
    duplicate_keys: list[tuple[KeyPath, int]] = field(default_factory=list)

    def line_of(self, path: Sequence[Key]) -> int:
        """The 1-based line of the deepest known prefix of ``path`` (the document start if none)."""
        key = tuple(path)
        while key:
            if key in self.lines:
                return self.lines[key] + self.line_offset
            key = key[:-1]
        return self.lines.get((), 1) + self.line_offset


def _index(node: yaml.Node, prefix: KeyPath, doc: YamlDocument) -> None:
    doc.lines.setdefault(prefix, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key: Key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            if key in seen:
                doc.duplicate_keys.append((prefix + (key,), key_node.start_mark.line + 1))
            seen.add(key)
            doc.lines[prefix + (key,)] = key_node.start_mark.line + 1
            _index(value_node, prefix + (key,), doc)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            doc.lines[prefix + (i,)] = item.start_mark.line + 1
            _index(item, prefix + (i,), doc)


def load(text: str, path: str, line_offset: int = 0) -> YamlDocument:
    """Parse one YAML document strictly. Raises :class:`YamlSyntaxError` with ``path:line``."""
    doc = YamlDocument(path=path, data=None, line_offset=line_offset)
    try:
        loader = StrictLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return doc
            _index(node, (), doc)
            doc.data = loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 + line_offset) if mark else None
        problem = exc.problem or "invalid YAML"
        if exc.context:
            problem = f"{exc.context}: {problem}"
        raise YamlSyntaxError(Finding(path, line, f"invalid YAML: {problem}")) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(Finding(path, line_offset + 1 or None, f"invalid YAML: {exc}")) from None
    except (ValueError, TypeError) as exc:  # e.g. an unhashable mapping key
        raise YamlSyntaxError(Finding(path, line_offset + 1 or None, f"invalid YAML: {exc}")) from None
    return doc


def duplicate_key_findings(doc: YamlDocument) -> list[Finding]:
    """Duplicate keys are legal in PyYAML (last one wins) but always a mistake in our files."""
    return [
        Finding(doc.path, line + doc.line_offset, f"{'.'.join(map(str, key))}: key appears twice", str(key[-1]))
        for key, line in doc.duplicate_keys
    ]


class _PlainDumper(yaml.SafeDumper):
    """Never writes anchors and aliases (``&id001``/``*id001``): records are read by people too."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump(data: Any) -> str:
    """YAML for files warta writes: block style, keys in the given order, Unicode kept, no aliases."""
    return yaml.dump(data, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, default_flow_style=False,
                     width=100)
