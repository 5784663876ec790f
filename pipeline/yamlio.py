"""Strict YAML for front matter, ``warta.yml`` and SOP files.

PyYAML implements YAML 1.1, where ``no``, ``off`` and ``y`` are booleans, ``010`` is octal and
``1:30`` is sexagesimal. An Indonesian title such as ``no`` or a time such as ``09:30`` must not
silently become something else, so this loader resolves scalars by the YAML 1.2 core schema:
only ``true``/``false`` are booleans, only plain decimal (and ``0x``/``0o``) numbers are numbers,
``null``/``~``/empty is null, and ISO dates are dates. An impossible date (``2025-02-30``) stays a
string so the schema reports it with its line instead of the parser crashing.

Every value keeps the line it was written on: :meth:`YamlDocument.line_of` maps a key path such as
``("disposisi", "tanggal")`` to a 1-based line number, so every finding can name ``path:line``.

Input is bounded (DESIGN section 4, rule 13): anchors (``&name``) and aliases (``*name``) are refused,
because a few lines of aliases expand to gigabytes when a value is walked ("billion laughs"); nesting
deeper than :data:`MAX_DEPTH` levels and documents over :data:`MAX_BYTES` are refused too. Each refusal
is a finding at ``path:line`` naming the field, never a crash.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from pipeline.errors import Finding
from pipeline.i18n import _

try:  # the C loader when libyaml is there: several times faster on 10,000 files
    _BaseLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _BaseLoader = yaml.SafeLoader

Key = str | int
KeyPath = tuple[Key, ...]

# No file of ours nests deeper than about 6 levels (an SOP step's mutu_baku); 32 leaves room and keeps
# every recursive walk (the constructor, the schema) far from Python's recursion limit.
MAX_DEPTH = 32
# warta.yml, people.yaml and SOP files; front matter has its own, configurable, smaller cap.
MAX_BYTES = 1024 * 1024


class RefusedYaml(yaml.MarkedYAMLError):
    """An anchor, alias or nesting that warta refuses (raised by the loader for direct users of it)."""


class StrictLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """SafeLoader with YAML 1.2 core-schema scalar resolution, refusing aliases and deep nesting."""

    bounded_checked = False  # set by :func:`load`, which has already walked the node graph

    def construct_document(self, node: yaml.Node) -> Any:
        if not self.bounded_checked:
            problem = _graph_problem(node)
            if problem is not None:
                raise RefusedYaml(problem=problem[1], problem_mark=problem[0])
        return super().construct_document(node)


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


def _graph_problem(root: yaml.Node) -> tuple[yaml.Mark, str] | None:
    """A node reached twice (an alias) or nested too deep, for loaders used without :func:`load`."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, int]] = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return node.start_mark, f"nested deeper than {MAX_DEPTH} levels"
        if not isinstance(node, yaml.ScalarNode):
            if id(node) in seen:
                return node.start_mark, "aliases (*name) are not allowed"
            seen.add(id(node))
            children = [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else node.value
            stack.extend((child, depth + 1) for child in children)
    return None


def _refused(doc: YamlDocument, line: int, keys: KeyPath, message: str) -> YamlSyntaxError:
    name = next((str(k) for k in reversed(keys) if isinstance(k, str)), None)
    where = ".".join(map(str, keys[:4])) + (".…" if len(keys) > 4 else "")
    return YamlSyntaxError(Finding(doc.path, line + doc.line_offset, f"{where + ': ' if where else ''}{message}", name,
                                   code="yaml.refused"))


def _index(root: yaml.Node, doc: YamlDocument) -> None:
    """Record the line of every key and item; refuse shared nodes (aliases) and deep nesting."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, KeyPath]] = [(root, ())]
    while stack:
        node, prefix = stack.pop()
        doc.lines.setdefault(prefix, node.start_mark.line + 1)
        if len(prefix) > MAX_DEPTH:
            raise _refused(doc, node.start_mark.line + 1, prefix,
                           f"nested deeper than {MAX_DEPTH} levels; warta's files never need that many")
        if isinstance(node, yaml.ScalarNode):
            continue
        if id(node) in seen:  # only an alias reaches a node twice
            raise _refused(doc, doc.lines.get(prefix, node.start_mark.line + 1), prefix, _ALIAS_MESSAGE)
        seen.add(id(node))
        children: list[tuple[yaml.Node, KeyPath]] = []
        if isinstance(node, yaml.MappingNode):
            keys: set[Any] = set()
            for key_node, value_node in node.value:
                key: Key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
                if key in keys:
                    doc.duplicate_keys.append((prefix + (key,), key_node.start_mark.line + 1))
                keys.add(key)
                doc.lines[prefix + (key,)] = key_node.start_mark.line + 1
                children.append((value_node, prefix + (key,)))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                doc.lines[prefix + (i,)] = item.start_mark.line + 1
                children.append((item, prefix + (i,)))
        stack.extend(reversed(children))


_ALIAS_MESSAGE = ("YAML anchors (&name) and aliases (*name) are not allowed (a few lines of them can expand "
                  "to gigabytes); write the value out in full")


def _anchor_or_alias(text: str) -> tuple[int, KeyPath, str] | None:
    """The first anchor or alias in ``text``: ``(line, key path, what)``, from the event stream.

    Events come from the parser's explicit state machine (no recursion, nothing expanded), so this is
    safe on any input; it runs only when the text contains ``&`` or ``*``.
    """
    frames: list[list[Any]] = []  # [is_mapping, expecting_key, key or index]

    def path() -> KeyPath:
        return tuple(f[2] for f in frames if f[2] is not None)

    def done() -> None:  # a value (scalar, alias or a whole collection) is complete
        if frames:
            top = frames[-1]
            if top[0]:
                top[1], top[2] = True, None
            else:
                top[2] += 1

    for event in yaml.parse(text, Loader=StrictLoader):
        if isinstance(event, yaml.AliasEvent | yaml.ScalarEvent | yaml.CollectionStartEvent):
            is_key = bool(frames) and frames[-1][0] and frames[-1][1]
            where = path()
            at = event.start_mark.line + 1 if event.start_mark is not None else 1
            if isinstance(event, yaml.AliasEvent):
                return at, where, f"alias *{event.anchor}"
            if event.anchor is not None:
                return at, where, f"anchor &{event.anchor}"
            if isinstance(event, yaml.CollectionStartEvent):
                frames.append([isinstance(event, yaml.MappingStartEvent), True, None if isinstance(
                    event, yaml.MappingStartEvent) else 0])
            elif is_key:
                frames[-1][1], frames[-1][2] = False, event.value
            else:
                done()
        elif isinstance(event, yaml.CollectionEndEvent):
            frames.pop()
            done()
    return None


def load(text: str, path: str, line_offset: int = 0, *, max_bytes: int = MAX_BYTES) -> YamlDocument:
    """Parse one YAML document strictly. Raises :class:`YamlSyntaxError` with ``path:line``."""
    doc = YamlDocument(path=path, data=None, line_offset=line_offset)
    if len(text) > max_bytes or (len(text) * 4 > max_bytes and len(text.encode("utf-8")) > max_bytes):
        raise YamlSyntaxError(Finding(
            path, line_offset + 1, _("the YAML is {n:,} bytes; the limit is {max_bytes:,} bytes",
                                     n=len(text.encode("utf-8")), max_bytes=max_bytes), code="limit.size"))
    try:
        if "&" in text or "*" in text:
            found = _anchor_or_alias(text)
            if found is not None:
                raise _refused(doc, found[0], found[1], f"{found[2]}: {_ALIAS_MESSAGE}")
        loader = StrictLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return doc
            _index(node, doc)
            loader.bounded_checked = True
            # no explicit tag, anchor or alias: the values are built directly (:func:`_plain_value`)
            data = _plain_value(loader, node) if "!" not in text and "&" not in text and "*" not in text else _NOT_PLAIN
            doc.data = loader.construct_document(node) if data is _NOT_PLAIN else data
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 + line_offset) if mark else None
        problem = exc.problem or "invalid YAML"
        if exc.context:
            problem = f"{exc.context}: {problem}"
        raise YamlSyntaxError(Finding(path, line, _("invalid YAML: {problem}", problem=problem),
                                      code="yaml.syntax")) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(Finding(path, line_offset + 1 or None, _("invalid YAML: {exc}", exc=exc),
                                      code="yaml.syntax")) from None
    except RecursionError:  # the pure-Python parser (no libyaml) recurses while composing
        raise YamlSyntaxError(Finding(path, line_offset + 1 or None,
                                      _("nested deeper than {max_depth} levels",
                                        max_depth=MAX_DEPTH), code="yaml.refused")) from None
    except (ValueError, TypeError) as exc:  # e.g. an unhashable mapping key
        raise YamlSyntaxError(Finding(path, line_offset + 1 or None, _("invalid YAML: {exc}", exc=exc),
                                      code="yaml.syntax")) from None
    return doc


_PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "timestamp"))
_MAP_TAG, _SEQ_TAG, _STR_TAG = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:str"


def top_level(text: str, keys: frozenset[str]) -> dict[str, Any] | None:
    """``{key: value}`` for the top-level ``keys`` of a mapping document, exactly as
    ``yaml.load(text, Loader=StrictLoader)`` would give them, without constructing the rest; or ``None``
    when that cannot be proven cheaply (the caller then loads the whole document, which also reports
    what is wrong).

    The proof: the text has no ``!`` (so no explicit tag: every scalar's tag comes from the YAML 1.2
    resolvers above, whose constructors accept every value they match), no ``&`` or ``*`` (no anchor,
    no alias: no node is shared), the root is a mapping, every mapping key is a scalar (hashable), and
    nothing nests deeper than :data:`MAX_DEPTH`. Such a graph constructs without an error, and the value
    of a top-level key is the value node of the last key node spelling it (later duplicates win), built
    by the same constructor. ``keys`` must be words no resolver but ``str`` matches (no digits-only or
    ``true``/``null`` spellings)."""
    if "!" in text or "&" in text or "*" in text or len(text) > MAX_BYTES:
        return None
    loader = StrictLoader(text)
    try:
        try:
            root = loader.get_single_node()
        except (yaml.YAMLError, ValueError, TypeError, RecursionError):  # the whole load reports it
            return None
        if not isinstance(root, yaml.MappingNode) or root.tag != _MAP_TAG:
            return None
        stack: list[tuple[yaml.Node, int]] = [(root, 0)]
        while stack:
            node, depth = stack.pop()
            if node.value and depth + 1 > MAX_DEPTH:  # its children (keys too) would be too deep
                return None
            if isinstance(node, yaml.MappingNode):
                if node.tag != _MAP_TAG:
                    return None
                for key_node, value_node in node.value:
                    if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _PLAIN_TAGS:
                        return None
                    if not isinstance(value_node, yaml.ScalarNode):
                        stack.append((value_node, depth + 1))
                    elif value_node.tag not in _PLAIN_TAGS:
                        return None
            elif isinstance(node, yaml.SequenceNode):
                if node.tag != _SEQ_TAG:
                    return None
                for child in node.value:
                    if not isinstance(child, yaml.ScalarNode):
                        stack.append((child, depth + 1))
                    elif child.tag not in _PLAIN_TAGS:
                        return None
            else:
                return None
        chosen = {k.value: v for k, v in root.value if k.tag == _STR_TAG and k.value in keys}
        loader.bounded_checked = True
        return {key: loader.construct_object(node, deep=True) for key, node in chosen.items()}
    finally:
        loader.dispose()


class _NotPlain:
    """A node :func:`_plain_value` does not build (the constructor does, with its own errors)."""


_NOT_PLAIN: Any = _NotPlain()


def _plain_value(loader: StrictLoader, node: yaml.Node) -> Any:
    """The value the strict loader's constructor builds for ``node``, built without its generic machinery,
    for a graph whose every tag came from the resolvers (no ``!`` in the text) and with no shared node
    (no ``&``/``*``); :data:`_NOT_PLAIN` for anything else (a non-scalar key, which the constructor
    refuses as unhashable). Scalars go through the very constructors the loader registers; a mapping
    keeps the first position and the last value of a repeated key, as ``dict`` assignment does."""
    if isinstance(node, yaml.ScalarNode):
        tag = node.tag
        if tag == _STR_TAG:
            return node.value
        builder = _SCALARS.get(tag)
        return builder(loader, node) if builder is not None else _NOT_PLAIN
    if isinstance(node, yaml.MappingNode) and node.tag == _MAP_TAG:
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                return _NOT_PLAIN
            key = _plain_value(loader, key_node)
            value = _plain_value(loader, value_node)
            if key is _NOT_PLAIN or value is _NOT_PLAIN:
                return _NOT_PLAIN
            mapping[key] = value
        return mapping
    if isinstance(node, yaml.SequenceNode) and node.tag == _SEQ_TAG:
        items = []
        for child in node.value:
            value = _plain_value(loader, child)
            if value is _NOT_PLAIN:
                return _NOT_PLAIN
            items.append(value)
        return items
    return _NOT_PLAIN


# the loader's own constructors of the resolvers' scalar tags (str is the node's text itself)
_SCALARS: dict[str, Any] = {f"tag:yaml.org,2002:{t}": StrictLoader.yaml_constructors[f"tag:yaml.org,2002:{t}"]
                            for t in ("null", "bool", "int", "float", "timestamp")}


def duplicate_key_findings(doc: YamlDocument) -> list[Finding]:
    """Duplicate keys are legal in PyYAML (last one wins) but always a mistake in our files."""
    return [
        Finding(doc.path, line + doc.line_offset, _("{items}: key appears twice", items='.'.join(map(str, key))),
                str(key[-1]),
                code="yaml.duplicate-key")
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
