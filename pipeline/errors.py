"""One exception hierarchy and one finding type for the whole package.

Every problem a person can fix is a :class:`Finding` (``path:line: error: message``). Errors carry
findings; the CLI prints them and turns the error class into an exit code. No traceback reaches a user.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Finding:
    """One problem in one file, printed as ``path:line: severity: message``."""

    path: str
    line: int | None
    message: str
    field: str | None = None
    severity: Severity = "error"

    def format(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class WartaError(Exception):
    """Base of every error warta raises on purpose. ``exit_code`` is what the CLI returns."""

    exit_code = 1

    def __init__(self, message: str = "", findings: Iterable[Finding] = ()) -> None:
        self.findings: list[Finding] = list(findings)
        if not message and self.findings:
            message = "\n".join(f.format() for f in self.findings)
        super().__init__(message)

    @property
    def message(self) -> str:
        return str(self)


class UsageError(WartaError):
    """The command line itself is wrong (unknown option, missing argument, wrong directory)."""

    exit_code = 2


class ConfigError(WartaError):
    """``warta.yml``, ``sop/`` or ``sop/people.yaml`` is missing or invalid."""

    exit_code = 2


class ContentError(WartaError):
    """Content files have findings."""


class ApprovalError(WartaError):
    """An approval was refused, or a chain is incomplete."""


class GitError(WartaError):
    """A git command failed or the repository is not in the expected state."""


class BuildError(WartaError):
    """The site or its media could not be built."""


class ChannelError(WartaError):
    """A channel (website deploy, social media, videotron) failed."""


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
    ) -> None:
        self.items.append(Finding(path, line, message, field, severity))

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
