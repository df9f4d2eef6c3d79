"""The loaded, immutable form of a deck and its questions. No I/O here.

Field meanings are documented once, in ``schema.py``; these classes only carry the values
(plus where each came from, so that later checks can point at a file and line).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .yamlsource import Document


@dataclass(frozen=True)
class Snippet:
    """A code example: its language, its source text and an optional caption."""

    language: str
    source: str
    caption: str = ""


@dataclass(frozen=True)
class FollowUp:
    """A follow-up question an interviewer asks next, with its short answer."""

    question: str
    answer: str


@dataclass(frozen=True)
class Question:
    """One interview question: one file, one Anki note."""

    id: str
    number: int
    difficulty: str
    topics: tuple[str, ...]
    question: str
    key_points: tuple[str, ...]
    explanation: str
    code: tuple[Snippet, ...]
    mistakes: tuple[str, ...]
    follow_ups: tuple[FollowUp, ...]
    references: tuple[str, ...]
    source_label: str
    path: Path
    mtime: int
    """Modification time of the source file, whole seconds; drives the note's ``mod``."""
    doc: Document = field(compare=False, repr=False)


@dataclass(frozen=True)
class Deck:
    """A deck folder: metadata from deck.yaml and its questions in file order."""

    id: str
    name: str
    description: str
    tag_prefix: str
    difficulties: tuple[str, ...]
    topics: dict[str, str]
    path: Path
    mtime: int
    doc: Document = field(compare=False, repr=False)
    questions: tuple[Question, ...] = ()
    lock: Document | None = field(default=None, compare=False, repr=False)
    """shipped-ids.yaml, when the deck has one: the ids already released to learners."""
    broken_ids: frozenset[str] | None = frozenset()
    """Ids of question files that failed to load (None: some file's id could not be read)."""

    @property
    def shipped(self) -> tuple[str, ...]:
        """Ids recorded as released (empty without a lock file)."""
        return tuple(self.lock.data["shipped"]) if self.lock else ()

    @property
    def retired(self) -> dict[str, str]:
        """Released ids removed on purpose, with the reason."""
        return dict(self.lock.data.get("retired") or {}) if self.lock else {}

    def subdeck(self, difficulty: str) -> str:
        """Anki deck name of the subdeck holding ``difficulty`` questions."""
        return f"{self.name}::{difficulty.replace('-', ' ').title()}"
