"""Typed schemas: validate parsed YAML with pydantic and turn every error into a ``path:line`` finding.

All schema models derive from :class:`Strict`: unknown keys are refused (with the nearest valid key
suggested), strings are not silently made from numbers or booleans, and every error of a document is
collected before anything fails.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from pipeline.errors import Finding
from pipeline.i18n import N_, LazyText, _
from pipeline.yamlio import YamlDocument

M = TypeVar("M", bound=BaseModel)


class Strict(BaseModel):
    """Base for every file schema: no unknown keys, no silent type coercion of text."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, str_strip_whitespace=True, defer_build=True)


def _field_names(model: type[BaseModel], loc: Sequence[Any]) -> list[str]:
    """The valid keys at ``loc`` (the parent of an unknown key), for suggestions."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if isinstance(current, type) and issubclass(current, BaseModel):
            info = current.model_fields.get(str(part))
            if info is None:
                return []
            current = _unwrap(info.annotation)
        else:
            return []
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    """The first BaseModel inside ``X | None``, ``list[X]``, ``dict[str, X]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _unwrap(arg)
        if found is not None:
            return found
    return None


def suggest(word: str, choices: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` or an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return _(" (did you mean '{word}'?)", word=close[0]) if close else ""


def _clean_loc(loc: Sequence[Any]) -> tuple[str | int, ...]:
    # pydantic puts union members and validator names into loc after the field ('function-after[...]',
    # or 'date' / 'datetime' for a `date | datetime` field); keep only keys that exist in the document.
    out: list[str | int] = []
    for part in loc:
        if isinstance(part, int):
            out.append(part)
        elif any(c in part for c in "[]()") or out and isinstance(out[-1], str) and part in _TYPE_TAGS:
            continue
        else:
            out.append(part)
    return tuple(out)


_TYPE_TAGS = {"date", "datetime", "str", "int", "list", "dict", "bool", "float", "literal", "none"}


_FRIENDLY: dict[str, LazyText] = {
    "string_type": N_("expected text"),
    "date_type": N_("expected a date written as YYYY-MM-DD"),
    "date_from_datetime_parsing": N_("expected a date written as YYYY-MM-DD"),
    "date_parsing": N_("expected a date written as YYYY-MM-DD"),
    "datetime_type": N_("expected a date and time written as YYYY-MM-DD HH:MM"),
    "datetime_parsing": N_("expected a date and time written as YYYY-MM-DD HH:MM"),
    "list_type": N_("expected a list"),
    "bool_type": N_("expected true or false"),
    "int_type": N_("expected a whole number"),
    "int_parsing": N_("expected a whole number"),
    "float_type": N_("expected a number"),
    "dict_type": N_("expected a mapping of keys"),
    "model_type": N_("expected a mapping of keys"),
    "string_too_short": N_("must not be empty"),
}


_CODES = {
    "extra_forbidden": "field.unknown",
    "missing": "field.missing",
    "string_too_short": "text.empty",
    "too_short": "field.empty",
    "literal_error": "field.choice",
    "enum": "field.choice",
}


def error_code(kind: str) -> str:
    """The stable finding code of a pydantic error type (docs/content.md): a validator's own
    ``PydanticCustomError`` type (``date.no-such-day``) is its code."""
    if "." in kind:
        return kind
    if kind in _CODES:
        return _CODES[kind]
    return "field.type" if kind in _FRIENDLY else "field.invalid"


def _shown(value: Any) -> str:
    """`` (got 'x')`` for a scalar the document holds (nothing for empty text, mappings and lists)."""
    if isinstance(value, dict | list) or value is None or value == "":
        return ""
    return _(" (got {value!r})", value=value)


def errors_to_findings(
    exc: ValidationError, doc: YamlDocument, model: type[BaseModel], prefix: Sequence[str | int] = ()
) -> list[Finding]:
    findings: list[Finding] = []
    seen: set[tuple[Any, ...]] = set()
    for err in exc.errors(include_url=False):
        loc = _clean_loc(err["loc"])
        full = tuple(prefix) + loc
        name = ".".join(str(p) for p in full) or "(document)"
        kind = err["type"]
        if kind == "extra_forbidden":
            key = str(loc[-1]) if loc else ""
            msg = _("{name}: unknown key{suggestion}", name=name, suggestion=suggest(key, _field_names(model, loc[:-1])))
        elif kind == "missing":
            msg = _("{name}: required field is missing", name=name)
        elif kind in _FRIENDLY:
            value = err.get("input")
            shown = _shown(value)
            msg = f"{name}: {_FRIENDLY[kind]}{shown}"
        else:
            text = err["msg"]
            if text.startswith("Value error, "):
                text = text[len("Value error, "):]
            value = err.get("input")
            shown = _shown(value)
            text = text[0].lower() + text[1:] if text else text
            if isinstance(value, str) and repr(value) in text or f"'{value}'" in text:
                shown = ""
            msg = f"{name}: {text}{shown}" if full else f"{text}{shown}"
        line = doc.line_of(full)
        dedupe = (line, msg)
        if dedupe in seen:
            continue
        seen.add(dedupe)
        findings.append(Finding(doc.path, line, msg, str(full[-1]) if full else None, code=error_code(kind)))
    return findings


def validate(
    model: type[M], data: Any, doc: YamlDocument, prefix: Sequence[str | int] = (),
    context: dict[str, Any] | None = None,
) -> tuple[M | None, list[Finding]]:
    """Validate ``data`` against ``model``; on failure return every error as a finding."""
    if not isinstance(data, dict):
        what = "empty" if data is None else f"a {type(data).__name__}"
        return None, [Finding(doc.path, doc.line_of(prefix), _("expected a mapping of keys, got {what}", what=what))]
    try:
        return model.model_validate(data, context=context), []
    except ValidationError as exc:
        return None, errors_to_findings(exc, doc, model, prefix)
