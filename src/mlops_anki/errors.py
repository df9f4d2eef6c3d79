"""Errors as data: every problem carries its file and position, and one exception type escapes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path


class Severity(str, Enum):
    """How bad a problem is: errors stop a build, warnings only do under ``--strict``, notes
    never do (they say what could not be checked, and why)."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the corpus, located as precisely as the input allows.

    ``line`` and ``column`` are 1-based; 0 means "no position" (for example a missing file).
    """

    path: Path
    line: int
    column: int
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        where = str(self.path)
        if self.line:
            where += f":{self.line}:{self.column}"
        label = "" if self.severity is Severity.ERROR else f"{self.severity.value}: "
        return f"{where}: {label}{self.message}"


class MlopsAnkiError(Exception):
    """Base class of every error the library raises on purpose."""


class CorpusError(MlopsAnkiError):
    """The corpus has problems; ``problems`` lists all of them, sorted by file and position."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        errors = sum(p.severity is Severity.ERROR for p in self.problems)
        warnings = sum(p.severity is Severity.WARNING for p in self.problems)
        super().__init__(f"{errors} error(s), {warnings} warning(s) in the corpus")


class SelectionError(MlopsAnkiError):
    """Filters name values the corpus does not have: a usage error (exit 2)."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        """(option, message) for each unknown value, e.g. ("--topic", "unknown topic ...")."""
        super().__init__("; ".join(f"{option}: {message}" for option, message in problems))


class BuildError(MlopsAnkiError):
    """Writing the package failed (disk full, folder not writable ...); nothing was replaced."""


class TemplateError(MlopsAnkiError):
    """A card template uses a field or syntax that the preview cannot render."""


class WorkerError(MlopsAnkiError):
    """A worker process stopped before it finished (killed, out of memory); nothing was written."""
