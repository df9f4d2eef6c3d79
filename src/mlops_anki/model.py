"""The loaded, immutable form of a deck and its questions. No I/O here.

Field meanings are documented once, in ``schema.py``; these classes only carry the values
(plus where each came from, so that later checks can point at a file and line).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .manifest import Manifest
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
    id: str
    """Permanent slug, unique within the question; with the question's id, the identity of
    the follow-up's own card."""


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
    doc: Document = field(compare=False, repr=False)
    questions: tuple[Question, ...] = ()
    manifest_doc: Document | None = field(default=None, compare=False, repr=False)
    """release.yaml, when the deck has been released: what learners already have."""
    broken_ids: frozenset[str] | None = frozenset()
    """Ids of question files that failed to load (None: some file's id could not be read)."""

    @cached_property
    def manifest(self) -> Manifest:
        """The last release (an empty manifest for a deck never released)."""
        return Manifest.from_data(self.manifest_doc.data) if self.manifest_doc else Manifest()

    @property
    def shipped(self) -> tuple[str, ...]:
        """Question ids recorded as released, in release order."""
        return tuple(self.manifest_doc.data.get("notes") or ()) if self.manifest_doc else ()

    @property
    def shipped_follow_ups(self) -> tuple[str, ...]:
        """Follow-up keys ``<question id>/<follow-up id>`` recorded as released, in order."""
        return tuple(self.manifest_doc.data.get("follow_ups") or ()) if self.manifest_doc else ()

    @property
    def retired(self) -> dict[str, str]:
        """Released ids (question ids and follow-up keys) removed on purpose, with the
        reason."""
        return dict(self.manifest_doc.data.get("retired") or {}) if self.manifest_doc else {}

    def subdeck(self, difficulty: str) -> str:
        """Anki deck name of the subdeck holding ``difficulty`` questions."""
        return f"{self.name}::{difficulty.replace('-', ' ').title()}"
