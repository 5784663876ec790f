"""The theme's message catalogues and date formatting.

Each language has one catalogue, ``theme/translations/<lang>.yml``: month names and a flat mapping of
message ids to text (``{placeholders}`` filled by :meth:`Catalogue.text`). Indonesian (``id``) is the
default; English (``en``) is the second catalogue. A site whose language has no catalogue falls back to
Indonesian. Dates read the way an Indonesian reader writes them: "4 Maret 2025".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from pipeline import yamlio
from pipeline.errors import BuildError, Finding
from pipeline.i18n import _

DEFAULT_LANGUAGE = "id"


@dataclass(frozen=True)
class Catalogue:
    """The texts of one language."""

    language: str
    months: tuple[str, ...]
    messages: dict[str, str]

    def text(self, key: str, **values: object) -> str:
        """The message ``key``, its ``{placeholders}`` filled from ``values``."""
        try:
            template = self.messages[key]
        except KeyError:
            raise BuildError(_("theme: message '{key}' is missing from the '{language}' catalogue",
                               key=key, language=self.language)) from None
        return template.format(**values) if values else template

    def date(self, when: dt.date | dt.datetime) -> str:
        """``4 Maret 2025`` (day without a leading zero, month name, year)."""
        return f"{when.day} {self.months[when.month - 1]} {when.year}"

    def datetime(self, when: dt.datetime) -> str:
        """``4 Maret 2025, 09.30 WIB``: Indonesian writes the time with a dot (PUEBI)."""
        zone = when.tzname() or ""
        sep = "." if self.language == "id" else ":"
        clock = f"{when.hour:02d}{sep}{when.minute:02d}"
        return f"{self.date(when)}, {clock} {zone}".rstrip()


def iso(when: dt.date | dt.datetime) -> str:
    """A ``datetime`` attribute the HTML standard accepts: ``2025-02-18`` or ``2025-02-18T09:30+07:00``
    (minutes only: seconds and fractions add nothing a reader sees)."""
    if isinstance(when, dt.datetime):
        return when.replace(second=0, microsecond=0).isoformat(timespec="minutes")
    return when.isoformat()


def language_of(tag: str) -> str:
    """The primary subtag of a BCP 47 tag: ``id-ID`` -> ``id``."""
    return tag.split("-", 1)[0].lower()


def load_catalogue(theme: Path, language: str) -> tuple[Catalogue, list[Finding]]:
    """The catalogue for ``language`` (falling back to Indonesian, with a warning)."""
    findings: list[Finding] = []
    lang = language_of(language)
    file = theme / "translations" / f"{lang}.yml"
    if not file.is_file():
        findings.append(
            Finding(
                "warta.yml",
                None,
                _("site.language: the theme has no '{lang}' catalogue ({file}); pages use Indonesian",
                  lang=lang, file=file.name),
                "site.language",
                "warning",
            )
        )
        lang = DEFAULT_LANGUAGE
        file = theme / "translations" / f"{lang}.yml"
    rel = f"theme/translations/{file.name}"
    try:
        doc = yamlio.load(file.read_text(encoding="utf-8"), rel)
    except OSError as exc:
        raise BuildError(_("{rel}: cannot read the message catalogue: {reason}", rel=rel, reason=exc.strerror)) from None
    except yamlio.YamlSyntaxError as exc:
        raise BuildError(findings=[exc.finding]) from None
    data = doc.data
    if not isinstance(data, dict):
        raise BuildError(_("{rel}: a catalogue is a mapping with 'months' and 'messages'", rel=rel))
    months = data.get("months")
    messages = data.get("messages")
    if not (isinstance(months, list) and len(months) == 12 and all(isinstance(m, str) for m in months)):
        raise BuildError(_("{rel}:{line}: months: list the twelve month names", rel=rel, line=doc.line_of(("months",))))
    if not (isinstance(messages, dict) and all(isinstance(v, str) for v in messages.values())):
        raise BuildError(_("{rel}:{line}: messages: map each message id to a text", rel=rel,
                                  line=doc.line_of(("messages",))))
    return Catalogue(lang, tuple(months), {str(k): v for k, v in messages.items()}), findings
