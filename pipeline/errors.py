"""One exception hierarchy and one finding type for the whole package.

Every problem a person can fix is a :class:`Finding` (``path:line: error: message [code]``). Errors carry
findings; the CLI prints them and turns the error class into an exit code. No traceback reaches a user.

The words ``error`` / ``warning`` and the ``[code]`` are never translated (editors' and CI's problem matchers
read them); the message is in the chosen language (:mod:`pipeline.i18n`). Codes are stable and listed in
``docs/content.md``; a finding made without one gets its area's general code in JSON (:func:`general_code`).

``--json`` output of a failure or of findings has one shape (:func:`json_document`)::

    {"error": {"code": "content", "message": "...", "exit_code": 1} | null,
     "findings": [{"code", "severity", "path", "line", "field", "message"}, ...]}
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from pipeline.output import with_warnings

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Finding:
    """One problem in one file, printed as ``path:line: severity: message``."""

    path: str
    line: int | None
    message: str
    field: str | None = None
    severity: Severity = "error"
    code: str | None = None  # stable id (docs/content.md); None: the area's general code

    def format(self, *, code: bool = False) -> str:
        """``path:line: severity: message``; with ``code``, `` [code]`` after it (what commands print)."""
        where = f"{self.path}:{self.line}" if self.line else self.path
        suffix = f" [{self.code}]" if code and self.code else ""
        return f"{where}: {self.severity}: {self.message}{suffix}"

    @property
    def effective_code(self) -> str:
        return self.code or general_code(self.path)

    def to_json(self) -> dict[str, Any]:
        return {"code": self.effective_code, "severity": self.severity, "path": self.path, "line": self.line,
                "field": self.field, "message": self.message}


def general_code(path: str) -> str:
    """The code of a finding that has no specific one, from the file it is about."""
    if path.startswith("content/"):
        return "content"
    if path == "sop/people.yaml":
        return "people"
    if path.startswith("sop/"):
        return "sop"
    if path == "warta.yml":
        return "config"
    if path.startswith("arsip/"):
        return "archive"
    return "warta"


class WartaError(Exception):
    """Base of every error warta raises on purpose. ``exit_code`` is what the CLI returns; ``code`` the
    stable id of the failure in ``--json`` (``error.code``)."""

    exit_code = 1
    code = "error"

    def __init__(self, message: str = "", findings: Iterable[Finding] = (), *, code: str | None = None) -> None:
        self.findings: list[Finding] = list(findings)
        if not message and self.findings:
            message = "\n".join(f.format() for f in self.findings)
        if code is not None:
            self.code = code
        super().__init__(message)

    @property
    def message(self) -> str:
        return str(self)


class UsageError(WartaError):
    """The command line itself is wrong (unknown option, missing argument, wrong directory)."""

    exit_code = 2
    code = "usage"


class ConfigError(WartaError):
    """``warta.yml``, ``sop/`` or ``sop/people.yaml`` is missing or invalid."""

    exit_code = 2
    code = "config"


class ContentError(WartaError):
    """Content files have findings."""

    code = "content"


class ApprovalError(WartaError):
    """An approval was refused, or a chain is incomplete."""

    code = "approval"


class GitError(WartaError):
    """A git command failed or the repository is not in the expected state."""

    code = "git"


class BuildError(WartaError):
    """The site or its media could not be built."""

    code = "build"


class ChannelError(WartaError):
    """A channel (website deploy, social media, videotron) failed."""

    code = "channel"


def json_document(findings: Iterable[Finding] = (), *, error: WartaError | None = None,
                  code: str | None = None, message: str | None = None, exit_code: int | None = None,
                  **extra: Any) -> dict[str, Any]:
    """The one ``--json`` shape of findings and failures: ``{"error": {...} | null, "findings": [...]}``;
    ``extra`` keys (a command's own summary, e.g. ``files``) come after them, then the run's warnings
    (:func:`pipeline.output.warn`, e.g. an ignored committed ``.warta-cache``) when there are any."""
    found = list(findings)
    doc: dict[str, Any] = {"error": None, "findings": []}
    if error is not None:
        found = [*found, *error.findings]
        doc["error"] = {"code": code or error.code, "message": message if message is not None else error.message,
                        "exit_code": exit_code if exit_code is not None else error.exit_code}
    elif code is not None:
        doc["error"] = {"code": code, "message": message or "", "exit_code": 1 if exit_code is None else exit_code}
    seen: set[Finding] = set()
    for finding in found:
        if finding not in seen:
            seen.add(finding)
            doc["findings"].append(finding.to_json())
    doc.update(extra)
    return with_warnings(doc)


@dataclass
class Findings:
    """Collects findings so a whole file (or tree) is checked before failing once."""

    items: list[Finding] = field(default_factory=list)

    def add(
        self,
        path: str,
        line: int | None,
        message: str,
        field: str | None = None,
        severity: Severity = "error",
        code: str | None = None,
    ) -> None:
        self.items.append(Finding(path, line, message, field, severity, code))

    def extend(self, findings: Iterable[Finding]) -> None:
        self.items.extend(findings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.items if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.items if f.severity == "warning"]

    def __bool__(self) -> bool:
        return bool(self.items)

    def sorted(self) -> list[Finding]:
        return sorted(self.items, key=lambda f: (f.path, f.line or 0, f.message))
